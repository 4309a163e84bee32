"""Problems found in performance data, reported all at once with their location."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Severity = Literal["error", "warning"]

_VALUE_WIDTH = 60


def show_value(value: object) -> str:
    """A short ``repr`` of a bad value for messages."""
    text = repr(value)
    if len(text) > _VALUE_WIDTH:
        text = text[: _VALUE_WIDTH - 3] + "..."
    return text


@dataclass(frozen=True)
class DataIssue:
    """One problem: where it is (file, 1-based row or line, field), the bad value, what
    was expected, and a hint. ``row`` is the line number for JSON Lines and CSV, the
    record's position for JSON, YAML and Parquet, and None for file-level problems."""

    severity: Severity
    file: str
    row: int | None
    field: str | None
    value: str | None
    message: str
    hint: str | None = None

    def location(self) -> str:
        parts = [self.file]
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.field is not None:
            parts.append(f"field `{self.field}`")
        return ", ".join(parts)

    def __str__(self) -> str:
        text = f"{self.location()}: {self.severity}: {self.message}"
        if self.value is not None:
            text += f" (got {self.value})"
        if self.hint:
            text += f"; help: {self.hint}"
        return text

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


class DataError(Exception):
    """Raised when data has at least one error; ``issues`` holds every issue found
    (errors and warnings, up to the error limit)."""

    def __init__(self, issues: list[DataIssue], *, unreadable: bool = False) -> None:
        self.issues = issues
        self.unreadable = unreadable
        errors = [i for i in issues if i.severity == "error"]
        first = str(errors[0]) if errors else "invalid data"
        more = f" (and {len(errors) - 1} more errors)" if len(errors) > 1 else ""
        super().__init__(first + more)


@dataclass
class IssueLog:
    """Collects issues up to ``max_errors`` errors (and as many warnings), counting the
    rest so the report can say how many were left out."""

    max_errors: int = 100
    issues: list[DataIssue] = field(default_factory=list)
    errors: int = 0
    warnings: int = 0
    dropped_errors: int = 0
    dropped_warnings: int = 0
    unreadable: bool = False
    kinds: Counter[tuple[str, str | None, str]] = field(default_factory=Counter)
    """Warnings counted by kind (file, field, message), the ones not kept included."""

    @property
    def full(self) -> bool:
        return self.errors >= self.max_errors

    def add(self, issue: DataIssue) -> None:
        if issue.severity == "error":
            if self.errors >= self.max_errors:
                self.dropped_errors += 1
                return
            self.errors += 1
        else:
            if self.warnings >= self.max_errors:
                self.dropped_warnings += 1
                return
            self.warnings += 1
        self.issues.append(issue)

    def error(
        self,
        file: str,
        message: str,
        *,
        row: int | None = None,
        field: str | None = None,
        value: object = None,
        hint: str | None = None,
        shown: str | None = None,
    ) -> None:
        shown_value = shown if shown is not None else (None if value is None else show_value(value))
        self.add(DataIssue("error", file, row, field, shown_value, message, hint))

    def warning(
        self,
        file: str,
        message: str,
        *,
        row: int | None = None,
        field: str | None = None,
        value: object = None,
        hint: str | None = None,
    ) -> None:
        shown_value = None if value is None else show_value(value)
        self.add(DataIssue("warning", file, row, field, shown_value, message, hint))

    def unreadable_file(self, file: str, message: str, hint: str | None = None) -> None:
        self.unreadable = True
        self.error(file, message, hint=hint)

    def raise_if_errors(self) -> None:
        if self.errors or self.dropped_errors:
            raise DataError(self.summarized(), unreadable=self.unreadable)

    def grouped(self, examples: int = 3) -> list[DataIssue]:
        """As :meth:`summarized`, but a warning of one kind (file, field, message) met
        more than ``examples`` times is one issue with its count and the first rows as
        examples: a real export can clip thousands of pauses, and listing them pushes
        every other warning out of sight."""
        big = {kind for kind, n in self.kinds.items() if n > examples}
        if not big:
            return self.summarized()
        out: list[DataIssue] = []
        rows: dict[tuple[str, str | None, str], list[int]] = {}
        first: dict[tuple[str, str | None, str], DataIssue] = {}
        for issue in self.issues:
            kind = (issue.file, issue.field, issue.message)
            if issue.severity == "warning" and kind in big:
                if kind not in first:
                    first[kind] = issue
                if issue.row is not None:
                    rows.setdefault(kind, []).append(issue.row)
                continue
            out.append(issue)
        kept_dropped = self.dropped_warnings
        for kind, issue in first.items():
            total = self.kinds[kind]
            kept_dropped -= total - sum(
                1 for i in self.issues if (i.file, i.field, i.message) == kind
            )
            shown = ", ".join(str(r) for r in sorted(rows.get(kind, []))[:examples])
            out.append(
                DataIssue(
                    "warning",
                    issue.file,
                    None,
                    issue.field,
                    None,
                    f"{issue.message}: {total} records"
                    + (f" (e.g. rows {shown})" if shown else ""),
                    issue.hint,
                )
            )
        log = IssueLog(
            max_errors=self.max_errors,
            issues=out,
            dropped_errors=self.dropped_errors,
            dropped_warnings=max(0, kept_dropped),
        )
        return log.summarized()

    def summarized(self) -> list[DataIssue]:
        """The issues, plus one line per kind saying how many were left out."""
        out = sorted(self.issues, key=lambda i: (i.file, i.row or 0))
        if self.dropped_errors:
            out.append(
                DataIssue(
                    "error",
                    "<data>",
                    None,
                    None,
                    None,
                    f"{self.dropped_errors} more errors not shown",
                    "raise --max-errors to see them",
                )
            )
        if self.dropped_warnings:
            out.append(
                DataIssue(
                    "warning",
                    "<data>",
                    None,
                    None,
                    None,
                    f"{self.dropped_warnings} more warnings not shown",
                    None,
                )
            )
        return out
