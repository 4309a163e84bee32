"""SLA502 is one warning per target, not one per pair (issue 14).

2,000 targets with overlapping scopes warned once per pair, about two million times, and
`sla check` did not finish in 10 minutes. Each target now gets at most one warning naming
a few of the earlier targets it conflicts with and counting the rest.
"""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from rules_engine.api import check_source
from rules_engine.language.diagnostics import Diagnostic

HEAD = 'policy "p"\neffective 2026-01-01\ntimezone "UTC"\ncurrency USD\nfee 1000 per month\n'


def _target(name: str, minutes: int, services: list[str] | None = None) -> str:
    scope = (
        f" where service in [{', '.join(repr(s).replace(chr(39), chr(34)) for s in services)}]"
        if services
        else ""
    )
    return (
        f"target {name} {{ of tickets{scope} measure resolution_time "
        f"require 90% within {minutes}m }}\n"
    )


def _warnings(body: str) -> list[Diagnostic]:
    result = check_source(HEAD + body, "p.sla")
    assert result.ok, result.diagnostics
    return [d for d in result.diagnostics if d.code == "SLA502"]


def _count(d: Diagnostic) -> int:
    if d.message.startswith("targets "):
        return 1
    found = re.search(r"but ([\d,]+) earlier targets", d.message)
    assert found, d.message
    return int(found.group(1).replace(",", ""))


def test_three_overlapping_targets() -> None:
    found = _warnings(_target("t0", 1) + _target("t1", 2) + _target("t2", 3))
    assert [d.message for d in found] == [
        "targets `t0` and `t1` can select the same records but allow 1m and 2m",
        "target `t2` allows 3m, but 2 earlier targets that can select the same records "
        "allow other limits: `t0` (1m), `t1` (2m)",
    ]
    assert [d.span.line for d in found] == [7, 8]


def test_targets_with_the_same_limit_do_not_conflict() -> None:
    found = _warnings(_target("t0", 1) + _target("t1", 1) + _target("t2", 2))
    assert [(d.span.line, _count(d)) for d in found] == [(8, 2)]


def test_many_identical_scopes_give_one_warning_each_with_a_capped_list() -> None:
    body = "".join(_target(f"t{i}", i + 1) for i in range(60))
    found = _warnings(body)
    assert len(found) == 59
    last = found[-1]
    assert _count(last) == 59
    assert last.message.endswith(
        "`t0` (1m), `t1` (2m), `t2` (3m), `t3` (4m), `t4` (5m) and 54 more"
    )


SERVICES = ["a", "b", "c"]


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.none() | st.lists(st.sampled_from(SERVICES), min_size=1, max_size=2, unique=True),
            st.integers(1, 3),
        ),
        min_size=1,
        max_size=8,
    )
)
def test_counts_match_every_pair(targets: list[tuple[list[str] | None, int]]) -> None:
    body = "".join(
        _target(f"t{i}", minutes, services) for i, (services, minutes) in enumerate(targets)
    )
    expected: dict[int, int] = {}
    for j, (services_j, minutes_j) in enumerate(targets):
        for services_i, minutes_i in targets[:j]:
            overlap = (
                services_i is None or services_j is None or bool(set(services_i) & set(services_j))
            )
            if overlap and minutes_i != minutes_j:
                expected[j] = expected.get(j, 0) + 1
    found = {d.span.line - 6: _count(d) for d in _warnings(body)}
    assert found == expected


def test_memory_of_the_overlap_check_grows_linearly() -> None:
    """`eval` checks the policy, so the overlap check ran on every evaluation: it kept
    every pair of targets (2,500 same-scope targets: 0.4 GiB). Now same scopes are one
    class; 2,000 of them stay within a few MB."""
    import tracemalloc

    from rules_engine.language.lint import conflicting_targets

    body = "".join(
        f"target s{i} {{ of tickets where service = {chr(34)}e{chr(34)} "
        "measure resolution_time require 90% within 15m }\n"
        for i in range(2000)
    )
    policy = check_source(HEAD + body, "p.sla").policy
    assert policy is not None
    tracemalloc.start()
    try:
        assert list(conflicting_targets(policy)) == []
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 8 * 1024 * 1024, peak
