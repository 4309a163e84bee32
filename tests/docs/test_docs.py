"""Every code block in the documentation that can run is run or checked.

Conventions for fenced blocks in ``docs/*.md`` and ``README.md`` (the info string is the
text after the opening fence):

- ``sla``: a whole policy when its first clause is ``policy "..."``; it must check with
  no errors. Any other ``sla`` block is a fragment (``sla fragment`` says so
  explicitly): it is parsed inside a minimal policy header and must parse.
- ``sla expect SLA301``: a policy that must produce that diagnostic code.
- ``console``: lines starting with ``$ sla `` are commands, the lines after one are its
  (abridged) output; every shown output line must appear in the real output, and
  ``...`` stands for lines left out.
- ``sh``: every line starting with ``sla `` is a command.
- ``from=PATH`` (``yaml from=docs/tutorial/policy_test.yaml``): an excerpt; its lines
  must appear in that file (relative to the repository root), in order.
- ``exit=N`` in the info string (``console exit=1``) is the exit code every command of
  the block must return (default 0); ``norun`` skips a block whose inputs are
  placeholders.

Commands run from the repository root through click's test runner.
"""

from __future__ import annotations

import importlib.util
import re
import shlex
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from rules_engine.api import check_source
from rules_engine.cli import cli
from rules_engine.language.parser import parse

ROOT = Path(__file__).resolve().parents[2]
PAGES = [*sorted((ROOT / "docs").glob("*.md")), ROOT / "README.md"]

FRAGMENT_HEADER = (
    'policy "fragment"\neffective 2026-01-01\ntimezone "UTC"\ncurrency USD\nfee 1000 per month\n'
)


@dataclass(frozen=True)
class Block:
    """One fenced code block: where it is, its info string and its text."""

    path: Path
    line: int
    info: tuple[str, ...]
    text: str

    @property
    def lang(self) -> str:
        return self.info[0] if self.info else ""

    @property
    def where(self) -> str:
        return f"{self.path.relative_to(ROOT)}:{self.line}"

    def option(self, key: str) -> str | None:
        for word in self.info[1:]:
            if word.startswith(f"{key}="):
                return word.split("=", 1)[1]
        return None


_FENCE = re.compile(r"^(`{3,})(.*)$")


def extract_blocks(path: Path) -> list[Block]:
    """Fenced blocks of a Markdown file (fences of three or more backticks)."""
    blocks: list[Block] = []
    lines = path.read_text(encoding="utf-8").splitlines()
    i = 0
    while i < len(lines):
        match = _FENCE.match(lines[i])
        if match is None:
            i += 1
            continue
        fence, info = match.group(1), match.group(2).split()
        start = i
        body: list[str] = []
        i += 1
        while i < len(lines) and not lines[i].startswith(fence):
            body.append(lines[i])
            i += 1
        blocks.append(Block(path, start + 1, tuple(info), "\n".join(body) + "\n"))
        i += 1
    return blocks


def test_extract_blocks_reads_info_and_body(tmp_path: Path) -> None:
    page = tmp_path / "p.md"
    page.write_text("text\n```console exit=1\n$ sla check x.sla\nout\n```\n```sla\nx\n```\n")
    blocks = extract_blocks(page)
    assert [(b.line, b.info, b.text) for b in blocks] == [
        (2, ("console", "exit=1"), "$ sla check x.sla\nout\n"),
        (6, ("sla",), "x\n"),
    ]
    assert blocks[0].option("exit") == "1"


ALL_BLOCKS = [block for page in PAGES for block in extract_blocks(page)]


def _ids(blocks: list[Block]) -> list[str]:
    return [b.where for b in blocks]


def _is_whole_policy(text: str) -> bool:
    for line in text.splitlines():
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            return stripped.startswith("policy ")
    return False


SLA_BLOCKS = [b for b in ALL_BLOCKS if b.lang == "sla"]


def test_the_docs_have_sla_blocks_of_each_kind() -> None:
    kinds = {("expect" in b.info, _is_whole_policy(b.text)) for b in SLA_BLOCKS}
    # whole policies, fragments and expected-error examples all exist
    assert {(False, True), (False, False), (True, True)} <= kinds


@pytest.mark.parametrize("block", SLA_BLOCKS, ids=_ids(SLA_BLOCKS))
def test_sla_block(block: Block) -> None:
    if "expect" in block.info:
        code = block.info[block.info.index("expect") + 1]
        result = check_source(block.text, "example.sla")
        codes = {d.code for d in result.diagnostics}
        assert code in codes, f"{block.where}: expected {code}, got {sorted(codes)}"
        return
    if _is_whole_policy(block.text) and "fragment" not in block.info:
        result = check_source(block.text, "example.sla")
        errors = [f"{d.code} {d.message}" for d in result.diagnostics if d.severity == "error"]
        assert errors == [], f"{block.where}: {errors}"
        return
    parse(_wrap_fragment(block.text), "fragment.sla")


def _wrap_fragment(text: str) -> str:
    """The fragment inside a minimal header; its leading `import` lines stay first."""
    lines = text.splitlines(keepends=True)
    cut = 0
    for i, line in enumerate(lines):
        stripped = line.strip()
        if stripped.startswith("import "):
            cut = i + 1
        elif stripped and not stripped.startswith("#"):
            break
    return "".join(lines[:cut]) + FRAGMENT_HEADER + "".join(lines[cut:])


def test_wrap_fragment_keeps_imports_first() -> None:
    wrapped = _wrap_fragment('# terms\nimport "a.sla"\ntier P1\n')
    assert wrapped == '# terms\nimport "a.sla"\n' + FRAGMENT_HEADER + "tier P1\n"


@dataclass(frozen=True)
class Command:
    argv: list[str]
    shown: list[str]


def commands(block: Block) -> list[Command]:
    """The ``sla`` commands of a shell block, each with the output lines shown under it."""
    found: list[Command] = []
    for line in block.text.splitlines():
        if block.lang == "console":
            if line.startswith("$ "):
                words = shlex.split(line[2:])
                if words and words[0] == "sla":
                    found.append(Command(words[1:], []))
                else:
                    found.append(Command([], []))  # another program: not run
            elif found and found[-1].argv and line.strip() not in ("", "..."):
                found[-1].shown.append(line.strip())
        elif line.startswith("sla "):
            found.append(Command(shlex.split(line)[1:], []))
    return [c for c in found if c.argv]


SHELL_BLOCKS = [
    b
    for b in ALL_BLOCKS
    if b.lang in ("sh", "console", "shell", "bash") and "norun" not in b.info and commands(b)
]


def test_commands_split_console_output() -> None:
    block = Block(ROOT, 1, ("console",), "$ sla check a.sla\nok: 1\n...\n$ ls\nx\n")
    assert commands(block) == [Command(["check", "a.sla"], ["ok: 1"])]


@pytest.mark.parametrize("block", SHELL_BLOCKS, ids=_ids(SHELL_BLOCKS))
def test_shell_block(block: Block, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("COLUMNS", "100")
    expected = int(block.option("exit") or "0")
    for command in commands(block):
        result = CliRunner().invoke(cli, command.argv, prog_name="sla")
        shown = " ".join(["sla", *command.argv])
        assert result.exception is None or isinstance(result.exception, SystemExit), (
            f"{block.where}: `{shown}` raised {result.exception!r}"
        )
        assert result.exit_code == expected, (
            f"{block.where}: `{shown}` exited {result.exit_code}, the doc says {expected}\n"
            f"{result.output[-2000:]}"
        )
        actual = {" ".join(line.split()) for line in result.output.splitlines()}
        for line in command.shown:
            assert " ".join(line.split()) in actual, (
                f"{block.where}: `{shown}` no longer prints {line!r}"
            )


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_docs", ROOT / "docs" / "gen_docs.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


GENERATOR = _generator()


@pytest.mark.parametrize("page", sorted(GENERATOR.PAGES))
def test_generated_page_is_up_to_date(page: str) -> None:
    committed = (ROOT / "docs" / page).read_text(encoding="utf-8")
    assert committed == GENERATOR.PAGES[page](), (
        f"docs/{page} is out of date: run .venv/bin/python docs/gen_docs.py"
    )


def test_every_diagnostic_code_has_a_section_and_a_fix() -> None:
    from rules_engine.language.diagnostics import CODES

    page = (ROOT / "docs" / "diagnostics.md").read_text(encoding="utf-8")
    for code in CODES:
        assert f"\n## {code}\n" in page
    assert set(CODES) <= set(GENERATOR.FIXES)


def test_every_cli_command_and_option_is_documented() -> None:
    import click

    page = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    ctx = click.Context(cli, info_name="sla")
    for name in cli.list_commands(ctx):
        command = cli.get_command(ctx, name)
        assert command is not None
        assert f"\n## sla {name}\n" in page
        for param in command.params:
            if isinstance(param, click.Option):
                assert f"`{param.opts[-1]}`" in page


def test_every_dataset_field_is_documented() -> None:
    from rules_engine.data.schema import DATASET_MODELS

    page = (ROOT / "docs" / "data.md").read_text(encoding="utf-8")
    for name, model in DATASET_MODELS.items():
        section = page.split(f"\n### {name}\n", 1)[1].split("\n### ", 1)[0]
        for field in model.model_fields:
            assert f"| `{field}` |" in section, (name, field)


def test_reserved_words_in_the_language_reference_match_the_grammar() -> None:
    from rules_engine.language.parser import reserved_words

    page = (ROOT / "docs" / "language.md").read_text(encoding="utf-8")
    listed = page.split(GENERATOR.RESERVED_BEGIN, 1)[1].split(GENERATOR.RESERVED_END, 1)[0]
    assert set(re.findall(r"`([a-z_]+)`", listed)) == set(reserved_words())


def _slug(heading: str) -> str:
    """GitHub's anchor for a heading: lowercase, punctuation dropped, spaces to dashes."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def _anchors(page: Path) -> set[str]:
    inside_fence = False
    found: set[str] = set()
    for line in page.read_text(encoding="utf-8").splitlines():
        if line.startswith("```"):
            inside_fence = not inside_fence
        elif not inside_fence and line.startswith("#"):
            found.add(_slug(line.lstrip("#")))
    return found


def test_slug_follows_github() -> None:
    assert _slug(" Modules: `import` and `override`") == "modules-import-and-override"
    assert _slug("Periods and time zones") == "periods-and-time-zones"


_LINK = re.compile(r"\]\(([^)\s]+)\)")


@pytest.mark.parametrize("page", PAGES, ids=[p.name for p in PAGES])
def test_relative_links_resolve(page: Path) -> None:
    text = page.read_text(encoding="utf-8")
    text = re.sub(r"```.*?```", "", text, flags=re.S)  # links inside code are not links
    broken = []
    for target in _LINK.findall(text):
        if re.match(r"[a-z]+:", target):
            continue
        path_part, _, anchor = target.partition("#")
        linked = (page.parent / path_part).resolve() if path_part else page
        missing_anchor = bool(anchor) and linked.suffix == ".md" and linked.exists()
        if not linked.exists() or (missing_anchor and anchor not in _anchors(linked)):
            broken.append(target)
    assert broken == [], f"{page.name}: broken links {broken}"


_BODY_LINE = st.text(alphabet='abc sla$#`-="', max_size=12).filter(
    lambda line: not line.startswith("```")
)


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["sla", "sla fragment", "console exit=1", "sh norun", ""]),
            st.lists(_BODY_LINE, max_size=4),
        ),
        max_size=4,
    )
)
@settings(max_examples=50, deadline=None)
def test_extract_blocks_finds_every_block_written(
    blocks: list[tuple[str, list[str]]],
) -> None:
    import tempfile

    lines: list[str] = ["# page"]
    for info, body in blocks:
        lines += ["prose", f"```{info}", *body, "```"]
    with tempfile.TemporaryDirectory() as folder:
        page = Path(folder) / "page.md"
        page.write_text("\n".join(lines) + "\n", encoding="utf-8")
        found = extract_blocks(page)
    assert [(" ".join(b.info), b.text) for b in found] == [
        (info, "\n".join(body) + "\n") for info, body in blocks
    ]


def test_exit_codes_come_from_the_command_module() -> None:
    # check_cmd's docstring: "Exit codes: 0 clean (...), 1 errors found, 2 a usage ..."
    text = GENERATOR._exit_codes("rules_engine.cli.check_cmd", "check")
    assert text.startswith("Exit codes: 0 clean")
    assert "1 errors found" in text


def test_golden_example_has_the_code_and_prefers_a_lone_one() -> None:
    found = GENERATOR._golden_example("SLA301")
    assert found is not None
    policy, expected = found
    assert "[SLA301]" in expected
    assert policy is not None
    assert "SLA301" in {d.code for d in check_source(policy, "x.sla").diagnostics}
    # every code reported in the chosen example's output is SLA301 when such a file exists
    assert set(re.findall(r"\[(SLA\d{3})\]", expected)) == {"SLA301"}


EXCERPTS = [b for b in ALL_BLOCKS if b.option("from")]


def is_excerpt(lines: list[str], source: list[str]) -> bool:
    """Every line of ``lines`` is a line of ``source``, in the same order."""
    rest = iter(source)
    return all(any(line == candidate for candidate in rest) for line in lines)


def test_is_excerpt_keeps_order() -> None:
    assert is_excerpt(["a", "c"], ["a", "b", "c"])
    assert not is_excerpt(["c", "a"], ["a", "b", "c"])
    assert not is_excerpt(["d"], ["a"])


def test_the_tutorial_quotes_its_files() -> None:
    assert {b.option("from") for b in EXCERPTS} >= {
        "docs/tutorial/policy_test.yaml",
        "docs/tutorial/data/tickets.jsonl",
    }


@pytest.mark.parametrize("block", EXCERPTS, ids=_ids(EXCERPTS))
def test_excerpt_matches_its_file(block: Block) -> None:
    source = (ROOT / str(block.option("from"))).read_text(encoding="utf-8").splitlines()
    lines = [line for line in block.text.splitlines() if line.strip()]
    assert is_excerpt(lines, source), (
        f"{block.where}: no longer an excerpt of {block.option('from')}"
    )
