"""The portfolio manifest: which contracts a provider evaluates, with what data, as of when.

A YAML file (``docs/portfolio.md``)::

    portfolio: Northwind MSP, monthly run
    as_of: "2026-04-01T09:00:00-04:00"
    from: 2026-01
    to: 2026-03
    shared_data:
      warehouse: {path: warehouse, partition: customer}
    contracts:
      - id: contoso
        policy: contoso.sla
        data: contoso-data
      - id: fabrikam
        policy: fabrikam-versions
        data: {shared: warehouse, customer: fabrikam}
        period: 2026-03

It is read strictly: every problem (an unknown key with a did-you-mean, a missing one, a
value of the wrong shape, a repeated id) is reported at its ``file:line:col``, all at once.
Paths are relative to the manifest's folder. Scalars are taken as written (YAML's own
typing would turn ``2026-03-01`` into a date and ``0123`` into a number).
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from rules_engine.data.partitioned import SAFE_VALUE


@dataclass(frozen=True)
class ManifestProblem:
    """One located problem in a manifest."""

    file: str
    line: int
    column: int
    message: str
    hint: str = ""

    def __str__(self) -> str:
        text = f"{self.file}:{self.line}:{self.column}: error: {self.message}"
        return f"{text}; help: {self.hint}" if self.hint else text


class ManifestError(Exception):
    """A manifest that cannot be used; ``problems`` holds every problem found."""

    def __init__(self, problems: list[ManifestProblem]) -> None:
        self.problems = problems
        super().__init__("\n".join(map(str, problems)))


@dataclass(frozen=True)
class SharedData:
    """A hive-partitioned Parquet dataset several contracts read a slice of."""

    name: str
    path: str
    partition: str


@dataclass(frozen=True)
class Periods:
    """The periods asked, as ``sla eval`` takes them: one, a range, or none (the last
    complete period as of the as-of)."""

    period: str | None = None
    first: str | None = None
    last: str | None = None


@dataclass(frozen=True)
class ContractSpec:
    """One contract to evaluate: everything a worker needs, paths already resolved
    against the manifest's folder (so a document names them as ``sla eval`` would)."""

    id: str
    policy: str
    data: str
    """A data folder or file, or the root of a shared dataset when ``customer`` is set."""
    customer: str | None
    partition: str | None
    periods: Periods
    as_of: str | None
    timezone: str | None


@dataclass(frozen=True)
class Manifest:
    path: str
    title: str
    contracts: tuple[ContractSpec, ...]


TOP_KEYS = ("portfolio", "as_of", "period", "from", "to", "timezone", "shared_data", "contracts")
CONTRACT_KEYS = ("id", "policy", "data", "as_of", "period", "from", "to", "timezone")
SHARED_KEYS = ("path", "partition")
SLICE_KEYS = ("shared", "customer")
CONTRACT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")


class _Reader:
    """Walks the composed YAML nodes, collecting problems instead of stopping."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.problems: list[ManifestProblem] = []

    def problem(self, node: yaml.Node | None, message: str, hint: str = "") -> None:
        line, column = (node.start_mark.line + 1, node.start_mark.column + 1) if node else (1, 1)
        self.problems.append(ManifestProblem(self.file, line, column, message, hint))

    def mapping(
        self, node: yaml.Node, what: str, allowed: tuple[str, ...] | None
    ) -> dict[str, tuple[yaml.Node, yaml.Node]] | None:
        """The keys of a mapping node (key node, value node), unknown (unless ``allowed``
        is None: any name) and repeated keys reported; None when the node is not a
        mapping."""
        if not isinstance(node, yaml.MappingNode):
            self.problem(node, f"{what} must be a mapping of keys to values")
            return None
        found: dict[str, tuple[yaml.Node, yaml.Node]] = {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
            if not isinstance(key, str):
                self.problem(key_node, f"a key of {what} must be a name")
                continue
            if key in found:
                self.problem(key_node, f"`{key}` is given twice in {what}", "keep one")
                continue
            if allowed is not None and key not in allowed:
                close = difflib.get_close_matches(key, allowed, n=1)
                hint = (
                    f"did you mean `{close[0]}`?"
                    if close
                    else f"the keys of {what} are {', '.join(allowed)}"
                )
                self.problem(key_node, f"unknown key `{key}` in {what}", hint)
                continue
            found[key] = (key_node, value_node)
        return found

    def text(self, keys: dict[str, tuple[yaml.Node, yaml.Node]], key: str, what: str) -> str | None:
        """A scalar value as written, or None when absent (a wrong shape is reported)."""
        if key not in keys:
            return None
        node = keys[key][1]
        if not isinstance(node, yaml.ScalarNode) or node.value == "":
            self.problem(node, f"`{key}` in {what} must be a single value")
            return None
        value: str = node.value
        return value

    def required(
        self,
        keys: dict[str, tuple[yaml.Node, yaml.Node]],
        key: str,
        what: str,
        at: yaml.Node,
        hint: str,
    ) -> str | None:
        if key not in keys:
            self.problem(at, f"{what} has no `{key}`", hint)
            return None
        return self.text(keys, key, what)


def _periods(
    reader: _Reader, keys: dict[str, tuple[yaml.Node, yaml.Node]], what: str
) -> Periods | None:
    """``period``, or ``from``/``to``; None when none is given."""
    period = reader.text(keys, "period", what)
    first = reader.text(keys, "from", what)
    last = reader.text(keys, "to", what)
    if period is not None and (first is not None or last is not None):
        reader.problem(
            keys["period"][0], f"`period` cannot be combined with `from`/`to` in {what}", "use one"
        )
    if period is None and first is None and last is None:
        return None
    return Periods(period, first, last)


def _resolve(base: Path, path: str) -> str:
    """A manifest path as the documents name it: relative to the manifest's folder."""
    return str(base / path)


def parse_manifest(text: str, path: str) -> Manifest:
    """The manifest in ``text`` (read from ``path``), or :class:`ManifestError`."""
    reader = _Reader(path)
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        raise ManifestError(
            [ManifestProblem(path, line, column, f"not valid YAML: {exc.problem}")]
        ) from None
    if root is None:
        raise ManifestError(
            [ManifestProblem(path, 1, 1, "the manifest is empty", "list `contracts:`")]
        )
    top = reader.mapping(root, "the manifest", TOP_KEYS)
    if top is None:
        raise ManifestError(reader.problems)
    base = Path(path).parent
    title = reader.text(top, "portfolio", "the manifest") or Path(path).stem
    as_of = reader.text(top, "as_of", "the manifest")
    timezone = reader.text(top, "timezone", "the manifest")
    periods = _periods(reader, top, "the manifest") or Periods()
    shared = _shared(reader, top, base)
    contracts: list[ContractSpec] = []
    if "contracts" not in top:
        reader.problem(root, "the manifest has no `contracts`", "list the contracts to evaluate")
    else:
        node = top["contracts"][1]
        if not isinstance(node, yaml.SequenceNode) or not node.value:
            reader.problem(node, "`contracts` must be a list of contracts", "write `- id: ...`")
        else:
            seen: dict[str, yaml.Node] = {}
            for item in node.value:
                spec = _contract(reader, item, base, shared, periods, as_of, timezone)
                if spec is None:
                    continue
                if spec.id in seen:
                    first = seen[spec.id].start_mark.line + 1
                    reader.problem(
                        item,
                        f"contract id `{spec.id}` is used twice (first at line {first})",
                        "give each contract its own id: it names its output files",
                    )
                    continue
                seen[spec.id] = item
                contracts.append(spec)
    if reader.problems:
        raise ManifestError(reader.problems)
    return Manifest(path, title, tuple(contracts))


def read_manifest(path: str) -> Manifest:
    """The manifest file at ``path``, or :class:`ManifestError`."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        raise ManifestError(
            [ManifestProblem(path, 1, 1, f"cannot read the manifest ({reason})")]
        ) from None
    return parse_manifest(text, path)


def _shared(
    reader: _Reader, top: dict[str, tuple[yaml.Node, yaml.Node]], base: Path
) -> dict[str, SharedData]:
    if "shared_data" not in top:
        return {}
    entries = reader.mapping(top["shared_data"][1], "`shared_data`", None)
    found: dict[str, SharedData] = {}
    for name, (_, node) in (entries or {}).items():
        what = f"shared dataset `{name}`"
        keys = reader.mapping(node, what, SHARED_KEYS)
        if keys is None:
            continue
        path = reader.required(keys, "path", what, node, "give the dataset's root folder")
        partition = reader.required(
            keys, "partition", what, node, "name the partition key, e.g. `customer`"
        )
        if partition is not None and not SAFE_VALUE.fullmatch(partition):
            reader.problem(
                keys["partition"][1], f"partition key `{partition}` cannot name a folder"
            )
            continue
        if path is not None and partition is not None:
            found[name] = SharedData(name, _resolve(base, path), partition)
    return found


def _contract(
    reader: _Reader,
    node: yaml.Node,
    base: Path,
    shared: dict[str, SharedData],
    periods: Periods,
    as_of: str | None,
    timezone: str | None,
) -> ContractSpec | None:
    keys = reader.mapping(node, "a contract", CONTRACT_KEYS)
    if keys is None:
        return None
    what = "a contract"
    ident = reader.required(keys, "id", what, node, "give it an id, e.g. `id: contoso`")
    if ident is not None and not CONTRACT_ID.fullmatch(ident):
        reader.problem(
            keys["id"][1],
            f"contract id `{ident}` cannot name a file",
            "use letters, digits, `.`, `_` and `-`, starting with a letter or digit",
        )
        ident = None
    what = f"contract `{ident}`" if ident else what
    policy = reader.required(keys, "policy", what, node, "name its policy file or versions folder")
    data = _data(reader, keys, what, node, base, shared)
    own = _periods(reader, keys, what)
    own_as_of = reader.text(keys, "as_of", what)
    own_zone = reader.text(keys, "timezone", what)
    if ident is None or policy is None or data is None:
        return None
    folder, customer, partition = data
    return ContractSpec(
        id=ident,
        policy=_resolve(base, policy),
        data=folder,
        customer=customer,
        partition=partition,
        periods=own or periods,
        as_of=own_as_of or as_of,
        timezone=own_zone or timezone,
    )


def _data(
    reader: _Reader,
    keys: dict[str, tuple[yaml.Node, yaml.Node]],
    what: str,
    at: yaml.Node,
    base: Path,
    shared: dict[str, SharedData],
) -> tuple[str, str | None, str | None] | None:
    """(folder or dataset root, customer, partition key)."""
    if "data" not in keys:
        reader.problem(
            at,
            f"{what} has no `data`",
            "give a data folder, or `{shared: NAME, customer: VALUE}`",
        )
        return None
    node = keys["data"][1]
    if isinstance(node, yaml.ScalarNode) and node.value:
        return _resolve(base, node.value), None, None
    slice_keys = reader.mapping(node, f"the `data` of {what}", SLICE_KEYS)
    if slice_keys is None:
        return None
    name = reader.required(
        slice_keys, "shared", f"the `data` of {what}", node, "name an entry of `shared_data`"
    )
    customer = reader.required(
        slice_keys, "customer", f"the `data` of {what}", node, "give the customer's partition value"
    )
    if customer is not None and not SAFE_VALUE.fullmatch(customer):
        reader.problem(
            slice_keys["customer"][1],
            f"customer `{customer}` cannot name a partition folder",
            "use letters, digits, `.`, `_` and `-`, starting with a letter or digit",
        )
        return None
    if name is None or customer is None:
        return None
    if name not in shared:
        close = difflib.get_close_matches(name, list(shared), n=1)
        hint = f"did you mean `{close[0]}`?" if close else "declare it under `shared_data`"
        reader.problem(slice_keys["shared"][1], f"no shared dataset `{name}`", hint)
        return None
    source = shared[name]
    return source.path, customer, source.partition
