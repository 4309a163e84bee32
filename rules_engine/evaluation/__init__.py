"""The evaluator: scopes, record measures, availability, verdicts and explanations.

:func:`rules_engine.evaluation.engine.judge` is the stage's entry point; the modules here are its
stages (one job each): :mod:`.scope` compiles ``where`` clauses to Polars, :mod:`.records`
measures records on their clocks, :mod:`.availability` merges outages, :mod:`.judge`
aggregates and decides, :mod:`.explain` puts it in words.
"""
