"""The documented `sla eval` command of an example folder, and a way to regenerate its
committed output.

Each runnable example holds an ``example.yaml``::

    args: [eval, examples/quickstart/policy.sla, --data, examples/quickstart/data, ...]
    exit_code: 1

``args`` is the command from the example's README without the leading ``sla``, with
paths relative to the repository root (the JSON names the policy and data by the paths
given, so the command always runs from there). The output is compared with
``expected.json`` (``--format json``) and ``expected.txt`` (``--format text``).

An example whose data is produced by a preparation step (the ServiceNow one imports the
real export kept in the repository) lists the commands to run first, each with the exit
code it must return::

    prepare:
      - args: [import, --mapping, servicenow_event_log,
               examples/servicenow/export/servicenow-incident-event-log.csv.zip,
               -o, "{work}/tickets.jsonl"]
        exit_code: 1
    args: [eval, examples/servicenow/policy.sla, --data, "{work}/tickets.jsonl", ...]

``{work}`` is ``build/examples/<name>``, a fixed folder relative to the repository root
(``build/`` is git-ignored), emptied before the preparation runs: the data source named
in the output is then the same relative path on every machine, so the committed output
compares byte for byte without rewriting anything. A README shows these commands with
``{work}`` spelled out.

Regenerate after a deliberate change, then check the numbers against the README's hand
arithmetic before committing::

    .venv/bin/python tests/examples/example_command.py examples/quickstart
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
OUTPUTS = {"json": "expected.json", "text": "expected.txt"}
WORK = Path("build") / "examples"  # relative to ROOT; git-ignored
_PLACEHOLDER = re.compile(r"\{(\w+)\}")
_prepared: set[Path] = set()  # folders prepared by this process


@dataclass(frozen=True)
class Step:
    """A preparation command (``sla`` arguments, placeholders resolved)."""

    args: tuple[str, ...]
    exit_code: int


@dataclass(frozen=True)
class ExampleCommand:
    folder: Path
    args: tuple[str, ...]
    exit_code: int
    prepare: tuple[Step, ...] = ()

    @property
    def work(self) -> Path:
        return ROOT / WORK / self.folder.name

    def run_prepare(self) -> None:
        """Run the preparation once per process, into an emptied work folder."""
        if not self.prepare or self.folder in _prepared:
            return
        shutil.rmtree(self.work, ignore_errors=True)
        self.work.mkdir(parents=True)
        for step in self.prepare:
            done = subprocess.run(
                [sla_executable(), *step.args],
                cwd=ROOT,
                capture_output=True,
                check=False,
                timeout=300,
            )
            if done.returncode != step.exit_code:
                raise RuntimeError(
                    f"{self.folder.name}: `sla {' '.join(step.args)}` exited "
                    f"{done.returncode}, expected {step.exit_code}\n"
                    + done.stderr.decode("utf-8", "replace")
                )
        _prepared.add(self.folder)

    def run(self, output_format: str) -> subprocess.CompletedProcess[bytes]:
        """The command's output in one format, as bytes, run from the repository root
        (after the preparation, if any)."""
        self.run_prepare()
        return subprocess.run(
            [sla_executable(), *self.args, "--format", output_format],
            cwd=ROOT,
            capture_output=True,
            check=False,
            timeout=300,
        )


def sla_executable() -> str:
    """The ``sla`` console script of the running interpreter's environment."""
    beside = Path(sys.executable).with_name("sla")
    found = str(beside) if beside.exists() else shutil.which("sla")
    if found is None:
        raise RuntimeError("the `sla` console script is not installed")
    return found


def load_command(folder: Path) -> ExampleCommand:
    source = folder / "example.yaml"
    raw = yaml.safe_load(source.read_text(encoding="utf-8"))
    values = {"work": (WORK / folder.name).as_posix()}
    args = _strings(raw, "args", source)
    steps = []
    for at, entry in enumerate(raw.get("prepare") or []):
        where = f"prepare[{at}]"
        if not isinstance(entry, dict):
            raise ValueError(f"{source}: `{where}` must be a mapping with `args`, `exit_code`")
        step_args = _strings(entry, "args", source, where)
        steps.append(
            Step(
                tuple(_resolve(a, values, source) for a in step_args),
                int(entry.get("exit_code", 0)),
            )
        )
    return ExampleCommand(
        folder,
        tuple(_resolve(a, values, source) for a in args),
        int(raw.get("exit_code", 0)),
        tuple(steps),
    )


def _strings(raw: Mapping[str, Any], key: str, source: Path, where: str = "") -> list[str]:
    value = raw.get(key)
    if not isinstance(value, list) or not all(isinstance(a, str) for a in value):
        name = f"{where}.{key}" if where else key
        raise ValueError(f"{source}: `{name}` must be a list of strings")
    return value


def _resolve(arg: str, values: Mapping[str, str], source: Path) -> str:
    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in values:
            known = ", ".join("{" + k + "}" for k in sorted(values))
            raise ValueError(f"{source}: unknown placeholder `{{{name}}}` (known: {known})")
        return values[name]

    return _PLACEHOLDER.sub(value, arg)


def runnable_examples() -> list[Path]:
    """Every folder of ``examples/`` that documents a command."""
    return sorted(p.parent for p in EXAMPLES.glob("*/example.yaml"))


def regenerate(folder: Path) -> None:
    command = load_command(folder)
    for output_format, name in OUTPUTS.items():
        done = command.run(output_format)
        if done.returncode != command.exit_code:
            raise SystemExit(
                f"{folder}: exit code {done.returncode}, expected {command.exit_code}\n"
                + done.stderr.decode("utf-8", "replace")
            )
        (folder / name).write_bytes(done.stdout)
        print(f"wrote {(folder / name).relative_to(ROOT)} ({len(done.stdout)} bytes)")


if __name__ == "__main__":
    for arg in sys.argv[1:] or [str(p) for p in runnable_examples()]:
        regenerate(Path(arg).resolve())
