"""Policy unit tests (``*_test.yaml`` beside policies) and clause coverage.

A test file names a policy and lists cases; each case has inline records (or a data path),
an as-of, periods and expectations::

    policy: ./acme.sla
    cases:
      - name: a slow P1 response breaches January
        as_of: 2026-02-01T00:00:00Z
        periods: [2026-01]             # or "2026-01..2026-06"
        data:
          tickets:
            - {id: T1, priority: P1, created_at: 2026-01-05T10:00:00Z,
               first_response_at: 2026-01-05T10:20:00Z}
        expect:
          targets:
            p1_response:
              2026-01: breached          # or {verdict: breached, value: "0", breached: 1}
          credits: {2026-01: "0.00"}     # credits_total per period
          credits_total: "0.00"
          bonuses: {2026-01: "0.00"}     # bonus_total per period
          bonus_total: "0.00"
          exits: {2026-01: []}           # exit rules that held per period
          exit_right: null               # the first period with an exit right

The file is validated by pydantic models; an unknown key is an error pointing at its line
and column (the YAML loader keeps them). Timestamps and decimals stay strings in YAML so
that nothing passes through a binary float.

Coverage counts what the tests *observed*, in both directions: a target is covered when
some case saw it ``met`` and some case saw it ``breached``; a credit tier, look-back rule,
bonus or exit when its condition was seen holding and not holding in a period that is
over. Naming a clause in a test covers nothing.
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
import re
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from pathlib import Path
from typing import Any, Literal
from xml.etree import ElementTree as ET

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from rules_engine import present
from rules_engine.escape import terminal, xml_text
from rules_engine.language import model as m
from rules_engine.language.policy_text import duration_seconds

TEST_GLOBS = ("*_test.yaml", "*_test.yml")

VerdictName = Literal["met", "breached", "at_risk", "no_data", "not_due"]


# --------------------------------------------------------------------------- YAML with lines


class LocatedDict(dict[Any, Any]):
    """A mapping that remembers the 1-based line and column of each key."""

    line: int = 0
    column: int = 0
    key_marks: dict[Any, tuple[int, int]]


class LocatedList(list[Any]):
    """A sequence that remembers the line and column of each item."""

    line: int = 0
    column: int = 0
    item_marks: list[tuple[int, int]]


class _Loader(yaml.SafeLoader):
    """Safe YAML that keeps positions, refuses duplicate keys, and leaves timestamps and
    decimals as strings (``2026-01-05T10:00:00Z`` stays text; ``99.5`` never becomes a
    float)."""


class YamlNumber(str):
    """A number written with a fraction in YAML (``99.5``), kept as its exact text.

    Expectations compare it exactly; inline records hand it to the data loader as a
    JSON number, as a data file would."""

    __slots__ = ()


_NUMBER_TAG = "tag:sla-rules-engine,2026:number"

_Loader.yaml_implicit_resolvers = {
    first: [
        (_NUMBER_TAG if tag == "tag:yaml.org,2002:float" else tag, regexp)
        for tag, regexp in resolvers
        if tag != "tag:yaml.org,2002:timestamp"
    ]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_constructor(
    _NUMBER_TAG,
    lambda loader, node: YamlNumber(loader.construct_scalar(node)),  # type: ignore[arg-type]
)


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> LocatedDict:
    loader.flatten_mapping(node)
    out = LocatedDict()
    out.line, out.column = node.start_mark.line + 1, node.start_mark.column + 1
    out.key_marks = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, str | int | bool) and key is not None:
            raise yaml.constructor.ConstructorError(
                None, None, "a key must be a plain value", key_node.start_mark
            )
        key = str(key) if not isinstance(key, str) else key
        if key in out:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key `{key}`", key_node.start_mark
            )
        out[key] = loader.construct_object(value_node, deep=True)
        out.key_marks[key] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
    return out


def _construct_sequence(loader: _Loader, node: yaml.SequenceNode) -> LocatedList:
    out = LocatedList(loader.construct_object(child, deep=True) for child in node.value)
    out.line, out.column = node.start_mark.line + 1, node.start_mark.column + 1
    out.item_marks = [(c.start_mark.line + 1, c.start_mark.column + 1) for c in node.value]
    return out


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)


def load_yaml(text: str, path: str) -> Any:
    """Parse YAML keeping positions; :class:`TestFileError` with the location when invalid."""
    try:
        return yaml.load(text, Loader=_Loader)  # a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (0, 0)
        problem = exc.problem or exc.context or "invalid YAML"
        raise TestFileError(path, line, column, problem, "fix the YAML syntax") from exc


def locate(raw: Any, loc: Sequence[str | int]) -> tuple[int, int]:
    """The position of the deepest key or item of ``loc`` found in the parsed YAML."""
    best = (getattr(raw, "line", 0), getattr(raw, "column", 0))
    node = raw
    for part in loc:
        if isinstance(node, LocatedDict) and str(part) in node:
            best = node.key_marks[str(part)]
            node = node[str(part)]
        elif isinstance(node, LocatedList) and isinstance(part, int) and part < len(node):
            best = node.item_marks[part]
            node = node[part]
        else:
            continue  # pydantic's union and validator tags are not keys
    return best


# --------------------------------------------------------------------------- the file format


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TargetExpect(_Strict):
    """What a target's verdict in one period must show; a bare verdict is shorthand."""

    verdict: VerdictName | None = None
    value: str | None = Field(
        None,
        description="the value: a percent, a mean, a count, or a duration as policies "
        "write it (`31h`, `1h30m`) or in seconds",
    )
    value_exact: str | None = None
    in_scope: int | None = None
    met: int | None = None
    breached: int | None = None
    pending: int | None = None
    breached_records: list[str] | None = None
    records: dict[str, str] | None = Field(None, description="record id -> status")
    counts_as: Literal["met", "breached"] | None = Field(
        None, description="what an empty period counted as (`no data counts as ...`)"
    )

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data: Any) -> Any:
        return {"verdict": data} if isinstance(data, str) else data


class Expect(_Strict):
    targets: dict[str, dict[str, TargetExpect]] = Field(default_factory=dict)
    credits: dict[str, str] = Field(default_factory=dict, description="period -> credits_total")
    credits_total: str | None = None
    bonuses: dict[str, str] = Field(default_factory=dict, description="period -> bonus_total")
    bonus_total: str | None = None
    exits: dict[str, list[str]] = Field(default_factory=dict, description="period -> rules")
    exit_right: str | None = None


class Case(_Strict):
    name: str
    as_of: str
    periods: list[str] | str
    data: dict[str, list[dict[str, Any]]] = Field(default_factory=dict)
    data_path: str | None = None
    expect: Expect

    @model_validator(mode="after")
    def _one_data_source(self) -> Case:
        if self.data and self.data_path is not None:
            raise ValueError("give inline `data` or a `data_path`, not both")
        return self


class TestFile(_Strict):
    __test__ = False  # not a pytest test class

    policy: str
    cases: list[Case]


_FIELDS_BY_PLACE: list[tuple[str, type[BaseModel]]] = [
    ("targets", TargetExpect),
    ("expect", Expect),
    ("cases", Case),
]


class TestFileError(Exception):
    """A test file that cannot be run: YAML, schema, policy or data problems."""

    __test__ = False

    def __init__(self, file: str, line: int, column: int, message: str, hint: str = "") -> None:
        self.file, self.line, self.column = file, line, column
        self.message, self.hint = message, hint
        super().__init__(str(self))

    @property
    def location(self) -> str:
        return f"{self.file}:{self.line}:{self.column}" if self.line else self.file

    def __str__(self) -> str:
        text = f"{self.location}: error: {self.message}"
        return f"{text}\n  help: {self.hint}" if self.hint else text


def _schema_error(path: str, raw: Any, exc: ValidationError) -> TestFileError:
    error = exc.errors()[0]
    loc = tuple(error["loc"])
    line, column = locate(raw, loc)
    keys = [p for p in loc if isinstance(p, str)]
    if error["type"] == "extra_forbidden":
        key = str(loc[-1])
        model: type[BaseModel] = TestFile
        for place, candidate in _FIELDS_BY_PLACE:
            if place in keys[:-1]:
                model = candidate
                break
        allowed = sorted(model.model_fields)
        close = difflib.get_close_matches(key, allowed, n=1)
        hint = f"did you mean `{close[0]}`? " if close else ""
        what = "expectation key" if model in (Expect, TargetExpect) else "key"
        return TestFileError(
            path, line, column, f"unknown {what} `{key}`", hint + "allowed: " + ", ".join(allowed)
        )
    where = ".".join(str(p) for p in loc if not str(p).startswith(("function-", "literal[")))
    message = error["msg"][0].lower() + error["msg"][1:]
    return TestFileError(path, line, column, f"`{where}`: {message}", "see `sla test --help`")


def read_test_file(path: Path) -> tuple[TestFile, Any]:
    """The validated test file and the raw YAML (for positions)."""
    name = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise TestFileError(name, 0, 0, f"cannot read the test file ({exc})") from exc
    raw = load_yaml(text, name)
    if not isinstance(raw, dict):
        raise TestFileError(name, 1, 1, "a test file is a mapping", "start with `policy: ./x.sla`")
    try:
        return TestFile.model_validate(raw), raw
    except ValidationError as exc:
        raise _schema_error(name, raw, exc) from exc


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class Failure:
    """One expectation that did not hold."""

    what: str  # targets.p1_response.2026-01.verdict
    expected: str
    actual: str
    location: str  # test file:line:col of the expectation
    explanation: str = ""

    def to_json(self) -> dict[str, str]:
        return {
            "what": self.what,
            "expected": self.expected,
            "actual": self.actual,
            "location": self.location,
            "explanation": self.explanation,
        }


@dataclass
class CaseResult:
    file: str
    name: str
    status: Literal["passed", "failed", "error"]
    failures: list[Failure] = field(default_factory=list)
    error: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "name": self.name,
            "status": self.status,
            "failures": [f.to_json() for f in self.failures],
            "error": self.error or None,
        }


# --------------------------------------------------------------------------- coverage

Outcome = str


@dataclass
class ClauseCoverage:
    """One clause and the outcomes tests observed (of the two that count)."""

    kind: Literal[
        "target", "credit tier", "look-back", "bonus", "exit", "escalation step", "maintenance"
    ]
    name: str
    location: str
    outcomes: tuple[Outcome, ...]  # e.g. ("met", "breached"), ("fired", "not fired"); a
    # target judged per quarter adds "not_due", one with an empty-period rule "no_data as X"
    seen: set[Outcome] = field(default_factory=set)
    extra_seen: set[Outcome] = field(default_factory=set)  # at_risk, no_data for targets

    @property
    def covered(self) -> bool:
        return all(o in self.seen for o in self.outcomes)

    @property
    def missing(self) -> list[Outcome]:
        return [o for o in self.outcomes if o not in self.seen]

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "name": self.name,
            "location": self.location,
            "outcomes": list(self.outcomes),
            "seen": sorted(self.seen | self.extra_seen),
            "missing": self.missing,
            "covered": self.covered,
        }


@dataclass
class PolicyCoverage:
    policy: str
    clauses: list[ClauseCoverage]

    @property
    def observed(self) -> int:
        return sum(len(set(c.outcomes) & c.seen) for c in self.clauses)

    @property
    def total(self) -> int:
        return sum(len(c.outcomes) for c in self.clauses)

    @property
    def percent(self) -> Fraction:
        return Fraction(100) if not self.total else Fraction(100 * self.observed, self.total)

    def clause(self, kind: str, name: str) -> ClauseCoverage:
        for c in self.clauses:
            if c.kind == kind and c.name == name:
                return c
        raise KeyError(f"{kind} {name}")

    def to_json(self) -> dict[str, Any]:
        return {
            "policy": self.policy,
            "observed": self.observed,
            "total": self.total,
            "percent": _percent_text(self.percent),
            "clauses": [c.to_json() for c in self.clauses],
        }


def _percent_text(value: Fraction) -> str:
    """One decimal, half-even, for display only (the threshold compares exactly)."""
    tenths = round(value * 10)
    return f"{tenths // 10}.{tenths % 10}"


def _walk_conditions(cond: m.Condition) -> Iterator[m.Condition]:
    yield cond
    if isinstance(cond, m.AllOf | m.AnyOf):
        for op in cond.operands:
            yield from _walk_conditions(op)


_LOOKBACK = (m.InLastPeriods, m.Consecutive, m.BreachCount)


def clauses_of(policy: m.CheckedPolicy) -> list[ClauseCoverage]:
    """Every clause whose outcome coverage counts, in policy order."""
    from rules_engine.workflow.policy_diff import condition_text

    out: list[ClauseCoverage] = []
    for name, target in policy.targets.items():
        outcomes: tuple[str, ...] = ("met", "breached")
        if target.every is not None:
            outcomes += ("not_due",)  # a month that does not end the target's quarter
        if target.no_data_counts_as is not None:
            outcomes += (f"no_data as {target.no_data_counts_as}",)
        out.append(ClauseCoverage("target", name, str(target.span), outcomes))
    lookbacks: list[tuple[str, m.Condition]] = []
    for rule in policy.credits:
        for i, tier in enumerate(rule.tiers, 1):
            label = _tier_name(rule, i, tier, policy.targets)
            out.append(ClauseCoverage("credit tier", label, str(tier.span), ("fired", "not fired")))
            lookbacks += [(rule.name, c) for c in _walk_conditions(tier.condition)]
    for bonus in policy.bonuses:
        out.append(ClauseCoverage("bonus", bonus.name, str(bonus.span), ("paid", "not paid")))
        lookbacks += [(bonus.name, c) for c in _walk_conditions(bonus.condition)]
    for exit_ in policy.exits:
        out.append(ClauseCoverage("exit", exit_.name, str(exit_.span), ("held", "not held")))
        lookbacks += [(exit_.name, c) for c in _walk_conditions(exit_.condition)]
    for esc in policy.escalations.values():
        for i, step in enumerate(esc.steps, 1):
            out.append(
                ClauseCoverage(
                    "escalation step",
                    _step_name(esc.name, i, step),
                    str(step.span),
                    ("crossed", "not crossed"),
                )
            )
    if policy.maintenance is not None:
        # planned time that stayed planned, and planned time the rule made downtime
        out.append(
            ClauseCoverage(
                "maintenance",
                _maintenance_name(policy.maintenance),
                str(policy.maintenance.span),
                ("within", "exceeded"),
            )
        )
    seen: set[str] = set()
    for owner, cond in lookbacks:
        if not isinstance(cond, _LOOKBACK):
            continue
        label = f"{owner}: {condition_text(cond, policy.targets)}"
        if label in seen:
            continue
        seen.add(label)
        out.append(ClauseCoverage("look-back", label, str(cond.span), ("held", "not held")))
    return out


def _maintenance_name(rule: m.MaintenanceRule) -> str:
    parts = []
    if rule.limit_text is not None:
        parts.append(f"at most {rule.limit_text} per period")
    if rule.notice_text is not None:
        parts.append(f"notice {rule.notice_text}")
    return " ".join(parts)


def _tier_name(
    rule: m.CreditRule, index: int, tier: m.CreditTier, targets: Mapping[str, m.Target]
) -> str:
    from rules_engine.workflow.policy_diff import condition_text

    return f"{rule.name} #{index} ({condition_text(tier.condition, targets)})"


def _step_name(block: str, index: int, step: m.EscalationStep) -> str:
    from rules_engine.workflow.policy_diff import step_text

    return f"{block} #{index} ({step_text(step)})"


def observe_escalations(
    policy: m.CheckedPolicy, coverage: PolicyCoverage, bundle: Any, as_of: dt.datetime
) -> None:
    """A step is seen ``crossed`` when an open record in scope has crossed it at the case's
    as-of, and ``not crossed`` when an open record in scope has not reached it yet."""
    if not policy.escalations:
        return
    from rules_engine.consequences.escalation import EscalationError, escalations_due

    try:
        report = escalations_due(policy, bundle.tables, as_of)
    except EscalationError:
        return  # the evaluation reports it; coverage just sees nothing
    for result in report.results:
        esc = policy.escalations[result.name]
        for i, step in enumerate(esc.steps, 1):
            clause = coverage.clause("escalation step", _step_name(esc.name, i, step))
            crossed = sum(any(s.index == i for s in r.crossed) for r in result.records)
            if crossed:
                clause.seen.add("crossed")
            if result.open_in_scope > crossed:
                clause.seen.add("not crossed")


ConditionCheck = Callable[[m.Condition, Sequence[Any], int, bool], bool]


def _condition_check(policy: m.CheckedPolicy) -> ConditionCheck:
    """The consequences stage's own condition semantics (one definition of "holds")."""
    from rules_engine.consequences.assess import condition_holds

    def holds(cond: m.Condition, history: Sequence[Any], index: int, customer: bool) -> bool:
        return condition_holds(policy, cond, history, index, customer)

    return holds


def observe(
    policy: m.CheckedPolicy,
    coverage: PolicyCoverage,
    document: Mapping[str, Any],
    history: Sequence[Any],
    holds: ConditionCheck | None = None,
) -> None:
    """Record the outcomes one evaluation shows, for the periods the case asked for."""

    holds = holds or _condition_check(policy)
    asked = {str(p["period"]) for p in document.get("periods", ())}
    for period in document.get("periods", ()):
        for name, doc in period.get("targets", {}).items():
            try:
                clause = coverage.clause("target", name)
            except KeyError:
                continue
            verdict = str(doc.get("verdict"))
            if doc.get("counts_as"):
                verdict = f"{verdict} as {doc['counts_as']}"
            (clause.seen if verdict in clause.outcomes else clause.extra_seen).add(verdict)
            _mark_maintenance(policy, coverage, doc)
    for index, outcome in enumerate(history):
        if outcome.period.label not in asked or not outcome.over:
            continue

        def mark(kind: str, name: str, held: bool, yes: str, no: str) -> None:
            coverage.clause(kind, name).seen.add(yes if held else no)

        for rule in policy.credits:
            for i, tier in enumerate(rule.tiers, 1):
                label = _tier_name(rule, i, tier, policy.targets)
                held = holds(tier.condition, history, index, False)
                mark("credit tier", label, held, "fired", "not fired")
                _mark_lookbacks(
                    coverage, policy, rule.name, tier.condition, history, index, False, holds
                )
        for bonus in policy.bonuses:
            held = holds(bonus.condition, history, index, True)
            mark("bonus", bonus.name, held, "paid", "not paid")
            _mark_lookbacks(
                coverage, policy, bonus.name, bonus.condition, history, index, True, holds
            )
        for exit_ in policy.exits:
            held = holds(exit_.condition, history, index, False)
            mark("exit", exit_.name, held, "held", "not held")
            _mark_lookbacks(
                coverage, policy, exit_.name, exit_.condition, history, index, False, holds
            )


def _mark_maintenance(
    policy: m.CheckedPolicy, coverage: PolicyCoverage, target: Mapping[str, Any]
) -> None:
    """An availability target's planned time in a period: all of it within the
    maintenance rule, or some of it counted as downtime (exceeded)."""
    rule, applied = policy.maintenance, target.get("maintenance")
    if rule is None or not isinstance(applied, Mapping):
        return
    if _num(applied.get("planned_s")) == 0:
        return
    exceeded = _num(applied.get("counted_as_downtime_s")) != 0
    coverage.clause("maintenance", _maintenance_name(rule)).seen.add(
        "exceeded" if exceeded else "within"
    )


def _mark_lookbacks(
    coverage: PolicyCoverage,
    policy: m.CheckedPolicy,
    owner: str,
    cond: m.Condition,
    history: Sequence[Any],
    index: int,
    customer: bool,
    holds: ConditionCheck,
) -> None:
    from rules_engine.workflow.policy_diff import condition_text

    for sub in _walk_conditions(cond):
        if isinstance(sub, _LOOKBACK):
            label = f"{owner}: {condition_text(sub, policy.targets)}"
            held = holds(sub, history, index, customer)
            coverage.clause("look-back", label).seen.add("held" if held else "not held")


# --------------------------------------------------------------------------- running


@dataclass
class TestRun:
    __test__ = False
    results: list[CaseResult] = field(default_factory=list)
    coverage: dict[str, PolicyCoverage] = field(default_factory=dict)
    errors: list[TestFileError] = field(default_factory=list)  # files that could not run

    @property
    def passed(self) -> int:
        return sum(r.status == "passed" for r in self.results)

    @property
    def failed(self) -> int:
        return sum(r.status == "failed" for r in self.results)

    @property
    def errored(self) -> int:
        return sum(r.status == "error" for r in self.results) + len(self.errors)

    def total_coverage(self) -> Fraction:
        observed = sum(c.observed for c in self.coverage.values())
        total = sum(c.total for c in self.coverage.values())
        return Fraction(100) if not total else Fraction(100 * observed, total)

    def under(self, threshold: Fraction) -> list[PolicyCoverage]:
        """The policies whose clause coverage is under ``threshold`` percent: coverage
        is a property of one policy, so each must reach it (a well-tested policy does
        not lift a neglected one)."""
        return [c for c in self.coverage.values() if c.percent < threshold]


Evaluate = Callable[[m.CheckedPolicy, Any, Sequence[Any], dt.datetime], Any]


def discover(paths: Iterable[str | Path]) -> list[Path]:
    """Test files named, ``*_test.yaml`` under folders (hidden folders skipped), and the
    tests of a policy file named directly."""
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            listed = _git_listed(path)
            candidates = (
                [f for pattern in TEST_GLOBS for f in path.rglob(pattern)]
                if listed is None
                else [f for f in listed if any(f.match(p) for p in TEST_GLOBS)]
            )
            for file in candidates:
                rel = file.relative_to(path).parts
                if not any(part.startswith(".") for part in rel[:-1]):
                    found.append(file)
        elif path.suffix == ".sla":
            # a policy named directly: the tests beside it (`x.sla` -> `x_test.yaml`)
            found += [
                t for t in (path.with_name(f"{path.stem}_test{ext}") for ext in (".yaml", ".yml"))
                if t.exists()
            ]  # fmt: skip
        else:
            found.append(path)
    return sorted(dict.fromkeys(found))


def _git_listed(folder: Path) -> list[Path] | None:
    """The files under ``folder`` git would show (tracked, or untracked and not ignored:
    ``git ls-files --cached --others --exclude-standard``), so git-ignored folders
    (build output, virtualenvs, vendored copies) are not searched; None outside a git
    work tree or without git, where every folder is searched."""
    import shutil
    import subprocess

    git = shutil.which("git")
    if git is None:
        return None
    try:
        proc = subprocess.run(
            [
                git,
                "-C",
                str(folder),
                "ls-files",
                "-z",
                "--cached",
                "--others",
                "--exclude-standard",
            ],
            capture_output=True,
            timeout=60,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if proc.returncode != 0:
        return None
    names = proc.stdout.decode("utf-8", "surrogateescape").split("\0")
    return [folder / name for name in dict.fromkeys(names) if name and (folder / name).is_file()]


def run_tests(
    paths: Iterable[str | Path],
    run: str | None = None,
    evaluate: Evaluate | None = None,
) -> TestRun:
    """Run every case of every test file found; ``run`` is a regex on ``FILE::CASE``."""
    pattern = re.compile(run) if run else None
    result = TestRun()
    for file in discover(paths):
        if not file.exists():
            result.errors.append(
                TestFileError(str(file), 0, 0, "no such test file", "name a *_test.yaml file")
            )
            continue
        try:
            _run_file(file, pattern, evaluate, result)
        except TestFileError as exc:
            result.errors.append(exc)
    return result


def _shown(path: Path) -> str:
    """A path as reports show it: relative to the current folder when under it."""
    resolved = path.resolve()
    try:
        return str(resolved.relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(resolved)


def _load_policy(test_file: Path, spec: TestFile, raw: Any) -> m.CheckedPolicy:
    from rules_engine.language.load import check_file

    line, column = locate(raw, ("policy",))
    result = check_file(_shown(test_file.parent / spec.policy))
    if result.policy is None:
        first = next((d for d in result.diagnostics if d.severity == "error"), None)
        detail = f"{first.span}: {first.message}" if first is not None else "the policy has errors"
        raise TestFileError(
            str(test_file), line, column, f"policy `{spec.policy}` does not check: {detail}",
            f"run `sla check {_shown(test_file.parent / spec.policy)}`",
        )  # fmt: skip
    return result.policy


def _run_file(
    file: Path, pattern: re.Pattern[str] | None, evaluate: Evaluate | None, out: TestRun
) -> None:
    spec, raw = read_test_file(file)
    policy = _load_policy(file, spec, raw)
    key = str((file.parent / spec.policy).resolve())
    shown = _shown(file.parent / spec.policy)
    coverage = out.coverage.setdefault(key, PolicyCoverage(shown, clauses_of(policy)))
    for index, case in enumerate(spec.cases):
        if pattern is not None and not pattern.search(f"{file}::{case.name}"):
            continue
        case_raw = raw["cases"][index]
        try:
            failures = _run_case(file, policy, case, case_raw, coverage, evaluate)
        except TestFileError as exc:
            out.results.append(CaseResult(str(file), case.name, "error", error=str(exc)))
            continue
        except Exception as exc:  # a defect below us: one case errors, the run goes on
            line, column = locate(case_raw, ())
            first = (str(exc).splitlines() or [""])[0]
            message = f"internal error running the case: {type(exc).__name__}: {first}"
            error = TestFileError(str(file), line, column, message, "please report this")
            out.results.append(CaseResult(str(file), case.name, "error", error=str(error)))
            continue
        status: Literal["passed", "failed"] = "failed" if failures else "passed"
        out.results.append(CaseResult(str(file), case.name, status, failures))


def parse_moment(text: str, zone: str) -> dt.datetime:
    """An ISO timestamp with an offset, or a date meaning its midnight in ``zone``."""
    from zoneinfo import ZoneInfo

    moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        if "T" in text or " " in text:
            raise ValueError(f"`{text}` has no UTC offset")
        moment = moment.replace(tzinfo=ZoneInfo(zone))
    return moment


def case_periods(policy: m.CheckedPolicy, periods: list[str] | str) -> list[Any]:
    """``[2026-01, 2026-02]`` or ``"2026-01..2026-06"``, in the policy's kind and zone."""
    from rules_engine.evaluation.periods import parse_period, periods_between

    if isinstance(periods, str):
        first, sep, last = periods.partition("..")
        if not sep:
            return [parse_period(periods.strip(), policy.period, policy.timezone)]
        a = parse_period(first.strip(), policy.period, policy.timezone)
        b = parse_period(last.strip(), policy.period, policy.timezone)
        if b.start < a.start:
            raise ValueError(f"`{periods}` ends before it starts")
        return periods_between(a, b)
    return sorted(parse_period(p, policy.period, policy.timezone) for p in periods)


def records_bundle(policy: m.CheckedPolicy, data: Mapping[str, Sequence[Mapping[str, Any]]]) -> Any:
    """Inline records -> the data loader's bundle, through a temporary JSON Lines file per
    dataset (the loader's own validation and typing; no second code path)."""
    from rules_engine.data import DataBundle, load_data

    present = {name: rows for name, rows in data.items() if rows}
    if not present:
        return DataBundle(tables={})
    with tempfile.TemporaryDirectory(prefix="sla-test-") as folder:
        for name, rows in present.items():
            lines = [json.dumps(_plain(row), sort_keys=True) for row in rows]
            (Path(folder) / f"{name}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
        return load_data(folder, policy=policy)


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, YamlNumber):
        # a JSON number, which the loader reads exactly as it reads a data file's
        return yaml.safe_load(str(value))
    return value


def _case_error(
    file: Path, raw: Any, loc: tuple[str | int, ...], message: str, hint: str
) -> TestFileError:
    line, column = locate(raw, loc)
    return TestFileError(str(file), line, column, message, hint)


def _run_case(
    file: Path,
    policy: m.CheckedPolicy,
    case: Case,
    raw: Any,
    coverage: PolicyCoverage,
    evaluate: Evaluate | None,
) -> list[Failure]:
    from rules_engine.data import DataError, load_data

    try:
        as_of = parse_moment(case.as_of, policy.timezone)
    except ValueError as exc:
        raise _case_error(
            file, raw, ("as_of",), f"`as_of`: {exc}", "e.g. 2026-07-01T00:00:00Z"
        ) from exc
    try:
        periods = case_periods(policy, case.periods)
    except ValueError as exc:
        raise _case_error(
            file, raw, ("periods",), f"`periods`: {exc}", "e.g. [2026-01, 2026-02]"
        ) from exc
    try:
        if case.data_path is not None:
            bundle = load_data(file.parent / case.data_path, policy=policy)
        else:
            bundle = records_bundle(policy, case.data)
    except DataError as exc:
        issue = next((i for i in exc.issues if i.severity == "error"), None)
        loc: tuple[str | int, ...] = ("data_path",) if case.data_path else ("data",)
        if issue is not None and case.data_path is None and issue.row is not None:
            dataset = Path(issue.file).stem
            loc = ("data", dataset, issue.row - 1) + ((issue.field,) if issue.field else ())
        message = issue.message if issue is not None else str(exc)
        what = f"`{issue.field}`: " if issue is not None and issue.field else ""
        value = f" (got {issue.value})" if issue is not None and issue.value is not None else ""
        hint = issue.hint if issue is not None and issue.hint else "see `sla schema`"
        raise _case_error(file, raw, loc, f"data: {what}{message}{value}", hint) from exc
    run = evaluate or _engine_evaluate
    evaluation = run(policy, bundle, periods, as_of)
    document = evaluation.document if hasattr(evaluation, "document") else evaluation
    history = getattr(evaluation, "history", ())
    observe(policy, coverage, document, history)
    observe_escalations(policy, coverage, bundle, as_of)
    return check_expectations(file, case, raw, policy, document)


def _engine_evaluate(
    policy: m.CheckedPolicy, bundle: Any, periods: Sequence[Any], as_of: dt.datetime
) -> Any:
    from rules_engine.pipeline import evaluate

    return evaluate(policy, bundle, list(periods), as_of)


# --------------------------------------------------------------------------- expectations


def _num(text: Any) -> Decimal | None:
    if text is None:
        return None
    try:
        return Decimal(str(text))
    except InvalidOperation:
        return None


def _same_number(expected: str, actual: Any) -> bool:
    a, b = _num(expected), _num(actual)
    if a is not None and b is not None:
        return a == b
    try:
        return Fraction(expected) == Fraction(str(actual))
    except (ValueError, ZeroDivisionError):
        return str(expected) == str(actual)


def check_expectations(
    file: Path, case: Case, raw: Any, policy: m.CheckedPolicy, document: Mapping[str, Any]
) -> list[Failure]:
    """Every expectation of ``case`` against the evaluation ``document``."""
    periods = {str(p["period"]): p for p in document.get("periods", ())}
    failures: list[Failure] = []

    def fail(loc: tuple[str | int, ...], expected: Any, actual: Any, explanation: str = "") -> None:
        line, column = locate(raw, loc)
        what = ".".join(str(p) for p in loc[1:])
        failures.append(
            Failure(what, _show(expected), _show(actual), f"{file}:{line}:{column}", explanation)
        )

    exp = case.expect
    for name, by_period in exp.targets.items():
        if name not in policy.targets:
            close = difflib.get_close_matches(name, list(policy.targets), n=1)
            hint = f" (did you mean `{close[0]}`?)" if close else ""
            fail(("expect", "targets", name), f"target `{name}`", f"no such target{hint}")
            continue
        for label, want in by_period.items():
            loc: tuple[str | int, ...] = ("expect", "targets", name, label)
            period = periods.get(label)
            if period is None:
                fail(loc, f"period {label}", "not among the case's periods")
                continue
            got = period["targets"][name]
            _check_target(want, got, loc, fail)
    for label, amount in exp.credits.items():
        _check_money(periods, label, "credits_total", amount, ("expect", "credits", label), fail)
    for label, amount in exp.bonuses.items():
        _check_money(periods, label, "bonus_total", amount, ("expect", "bonuses", label), fail)
    totals = document.get("totals") or {}
    if exp.credits_total is not None:
        actual = totals.get("credits_net", totals.get("credits"))
        if not _same_number(exp.credits_total, actual):
            fail(("expect", "credits_total"), exp.credits_total, actual)
    if exp.bonus_total is not None:
        actual = totals.get("bonuses")
        if not _same_number(exp.bonus_total, actual):
            fail(("expect", "bonus_total"), exp.bonus_total, actual)
    for label, rules in exp.exits.items():
        period = periods.get(label)
        if period is None:
            fail(("expect", "exits", label), f"period {label}", "not among the case's periods")
            continue
        held = sorted(str(e.get("rule")) for e in period.get("exit") or ())
        if sorted(rules) != held:
            reasons = "; ".join(
                f"{e.get('rule')}: {', '.join(e.get('reasons') or [])}"
                for e in period.get("exit") or ()
            )
            fail(("expect", "exits", label), sorted(rules), held, reasons)
    if "exit_right" in exp.model_fields_set:
        right = document.get("exit_right")
        actual_right = right.get("period") if isinstance(right, Mapping) else None
        if exp.exit_right != actual_right:
            fail(("expect", "exit_right"), exp.exit_right, actual_right)
    return failures


def _check_target(
    want: TargetExpect,
    got: Mapping[str, Any],
    loc: tuple[str | int, ...],
    fail: Callable[..., None],
) -> None:
    why = str(got.get("explanation") or "")
    if want.verdict is not None and got.get("verdict") != want.verdict:
        fail(loc, want.verdict, got.get("verdict"), why)
    if want.counts_as is not None and got.get("counts_as") != want.counts_as:
        fail((*loc, "counts_as"), want.counts_as, got.get("counts_as"), why)
    if want.value is not None:
        actual = got.get("value", got.get("value_s"))
        seconds = duration_seconds(want.value)
        if seconds is not None:  # `value: 31h`: compare seconds, show both as durations
            if not _same_number(str(seconds), actual):
                clock = (got.get("goal") or {}).get("clock")
                shown = present.duration(
                    actual, clock if clock in ("business", "mixed") else "wall"
                )
                fail((*loc, "value"), want.value, shown, why)
        elif not _same_number(want.value, actual):
            fail((*loc, "value"), want.value, actual, why)
    if want.value_exact is not None and not _same_number(want.value_exact, got.get("value_exact")):
        fail((*loc, "value_exact"), want.value_exact, got.get("value_exact"), why)
    for key in ("in_scope", "met", "breached", "pending"):
        expected = getattr(want, key)
        if expected is not None and got.get(key) != expected:
            fail((*loc, key), expected, got.get(key), why)
    if want.breached_records is not None:
        actual_ids = sorted(str(r.get("id")) for r in got.get("breached_records") or ())
        if sorted(want.breached_records) != actual_ids:
            fail((*loc, "breached_records"), sorted(want.breached_records), actual_ids, why)
    if want.records is not None:
        records = got.get("records")
        if not isinstance(records, Mapping):
            fail((*loc, "records"), "per-record detail", "not kept (too many records)", why)
            return
        for rid, status in want.records.items():
            actual_status = (records.get(rid) or {}).get("status", "not in scope")
            if actual_status != status:
                fail((*loc, "records", rid), status, actual_status, why)


def _check_money(
    periods: Mapping[str, Any],
    label: str,
    key: str,
    amount: str,
    loc: tuple[str | int, ...],
    fail: Callable[..., None],
) -> None:
    period = periods.get(label)
    if period is None:
        fail(loc, f"period {label}", "not among the case's periods")
        return
    actual = period.get(key)
    if actual is None:
        fail(loc, amount, "none (the period is not over at as-of)")
        return
    if not _same_number(amount, actual):
        lines = period.get("credits" if key == "credits_total" else "bonuses") or ()
        arithmetic = "; ".join(str(line.get("arithmetic")) for line in lines)
        fail(loc, amount, actual, arithmetic)


def _show(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, list):
        return "[" + ", ".join(str(v) for v in value) + "]"
    return str(value)


# --------------------------------------------------------------------------- rendering


def render_text(run: TestRun, verbose: bool = False, coverage: bool = False) -> str:
    lines: list[str] = []
    for error in run.errors:
        lines.append(str(error))
    for r in run.results:
        if r.status == "passed":
            if verbose:
                lines.append(f"PASS {r.file}::{r.name}")
            continue
        if r.status == "error":
            lines.append(f"ERROR {r.file}::{r.name}")
            lines += ["  " + line for line in r.error.splitlines()]
            continue
        lines.append(f"FAIL {r.file}::{r.name}")
        for f in r.failures:
            lines.append(f"  {f.location}: {f.what}")
            lines.append(f"    expected: {f.expected}")
            lines.append(f"    actual:   {f.actual}")
            if f.explanation:
                lines.append(f"    why:      {f.explanation}")
    if coverage:
        lines += render_coverage(run)
    lines.append(
        f"{run.passed} passed, {run.failed} failed, {run.errored} errors" + _coverage_summary(run)
    )
    return terminal("\n".join(lines) + "\n")


def _coverage_summary(run: TestRun) -> str:
    """Clause coverage for the summary line: one policy's, or each policy's (never
    one figure merged over different policies)."""
    if not run.coverage:
        return ""
    if len(run.coverage) == 1:
        return f"; clause coverage {_percent_text(run.total_coverage())}%"
    shown = {_percent_text(c.percent) for c in run.coverage.values()}
    if len(shown) == 1:
        return f"; clause coverage {shown.pop()}% (each of {len(run.coverage)} policies)"
    each = ", ".join(f"{c.policy} {_percent_text(c.percent)}%" for c in run.coverage.values())
    return f"; clause coverage {each}"


def render_coverage(run: TestRun) -> list[str]:
    lines = []
    for cov in run.coverage.values():
        lines.append(
            f"coverage {cov.policy}: {cov.observed}/{cov.total} outcomes observed "
            f"({_percent_text(cov.percent)}%)"
        )
        for c in cov.clauses:
            mark = "ok  " if c.covered else "MISS"
            seen = ", ".join(sorted(c.seen | c.extra_seen)) or "nothing"
            missing = f"; never {', '.join(c.missing)} ({c.location})" if c.missing else ""
            lines.append(f"  {mark} {c.kind} {c.name}: seen {seen}{missing}")
    return lines


def render_json(run: TestRun) -> str:
    doc = {
        "passed": run.passed,
        "failed": run.failed,
        "errors": run.errored,
        "file_errors": [
            {"location": e.location, "message": e.message, "help": e.hint} for e in run.errors
        ],
        "cases": [r.to_json() for r in run.results],
        "coverage": {
            "percent": _percent_text(run.total_coverage()),
            "policies": [c.to_json() for c in run.coverage.values()],
        },
    }
    return json.dumps(doc, indent=2) + "\n"


def render_junit(run: TestRun, threshold: Fraction | None = None) -> str:
    """JUnit XML: a suite per test file, a suite per file that could not run, and with
    ``threshold`` a ``coverage`` suite with one case per policy, failed when the
    policy's clause coverage is under it (so CI shows why the run failed)."""
    under = run.under(threshold) if threshold is not None else []
    coverage_cases = len(run.coverage) if threshold is not None else 0
    root = ET.Element(
        "testsuites",
        tests=str(len(run.results) + len(run.errors) + coverage_cases),
        failures=str(run.failed + len(under)),
        errors=str(run.errored),
    )
    by_file: dict[str, list[CaseResult]] = {}
    for r in run.results:
        by_file.setdefault(r.file, []).append(r)
    for error in run.errors:
        suite = ET.SubElement(
            root, "testsuite", name=xml_text(error.file), tests="1", failures="0", errors="1"
        )
        case = ET.SubElement(suite, "testcase", classname=xml_text(error.file), name="(file)")
        ET.SubElement(case, "error", message=xml_text(error.message)).text = xml_text(error)
    for file, results in by_file.items():
        suite = ET.SubElement(
            root,
            "testsuite",
            name=xml_text(file),
            tests=str(len(results)),
            failures=str(sum(r.status == "failed" for r in results)),
            errors=str(sum(r.status == "error" for r in results)),
        )
        for r in results:
            case = ET.SubElement(suite, "testcase", classname=xml_text(file), name=xml_text(r.name))
            if r.status == "error":
                ET.SubElement(
                    case, "error", message=xml_text(r.error.splitlines()[0])
                ).text = xml_text(r.error)
            elif r.status == "failed":
                text = "\n".join(
                    f"{f.location}: {f.what}: expected {f.expected}, actual {f.actual}"
                    + (f" ({f.explanation})" if f.explanation else "")
                    for f in r.failures
                )
                ET.SubElement(
                    case, "failure", message=f"{len(r.failures)} expectation(s) failed"
                ).text = xml_text(text)
    if threshold is not None:
        suite = ET.SubElement(
            root,
            "testsuite",
            name="clause coverage",
            tests=str(coverage_cases),
            failures=str(len(under)),
            errors="0",
        )
        for cov in run.coverage.values():
            case = ET.SubElement(
                suite, "testcase", classname="clause coverage", name=xml_text(cov.policy)
            )
            if cov in under:
                missed = [
                    f"{c.kind} {c.name}: never {', '.join(c.missing)}"
                    for c in cov.clauses
                    if c.missing
                ]
                ET.SubElement(
                    case,
                    "failure",
                    message=xml_text(
                        f"clause coverage {_percent_text(cov.percent)}% is under the "
                        f"threshold of {_percent_text(threshold)}%"
                    ),
                ).text = xml_text("\n".join(missed))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
