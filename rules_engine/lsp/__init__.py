"""Editor support: ``sla lsp``, a language server over stdio (pygls).

A presentation stage over :mod:`rules_engine.language`: it computes nothing the front end
does not already compute. Diagnostics are ``check_source``'s, formatting is
``format_policy``, hovers quote :mod:`~rules_engine.language.policy_text`. Modules:
:mod:`.positions` (spans to LSP ranges, UTF-16), :mod:`.index` (every declaration and
reference with its span, across imported modules), :mod:`.analysis` (one document's parse,
check and index, with a per-item parse cache), :mod:`.features` (hover, completion,
definition, references, rename, code actions, symbols, semantic tokens: plain functions
over an analysis) and :mod:`.server` (the pygls wiring, debounced diagnostics).
"""
