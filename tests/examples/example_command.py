"""The documented `sla eval` command of an example folder, and a way to regenerate its
committed output.

Each runnable example holds an ``example.yaml``::

    args: [eval, examples/quickstart/policy.sla, --data, examples/quickstart/data, ...]
    exit_code: 1

``args`` is the command from the example's README without the leading ``sla``, with
paths relative to the repository root (the JSON names the policy and data by the paths
given, so the command always runs from there). The output is compared with
``expected.json`` (``--format json``) and ``expected.txt`` (``--format text``).

Regenerate after a deliberate change, then check the numbers against the README's hand
arithmetic before committing::

    .venv/bin/python tests/examples/example_command.py examples/quickstart
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
OUTPUTS = {"json": "expected.json", "text": "expected.txt"}


@dataclass(frozen=True)
class ExampleCommand:
    folder: Path
    args: tuple[str, ...]
    exit_code: int

    def run(self, output_format: str) -> subprocess.CompletedProcess[bytes]:
        """The command's output in one format, as bytes, run from the repository root."""
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
    raw = yaml.safe_load((folder / "example.yaml").read_text(encoding="utf-8"))
    args = raw["args"]
    if not isinstance(args, list) or not all(isinstance(a, str) for a in args):
        raise ValueError(f"{folder / 'example.yaml'}: `args` must be a list of strings")
    return ExampleCommand(folder, tuple(args), int(raw.get("exit_code", 0)))


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
