"""Policy modules: `import` lines, `override`, the merged policy and its diagnostics."""

from __future__ import annotations

import dataclasses
import hashlib
import os
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest

from rules_engine.api import check_file, check_source, load_policy
from rules_engine.language import ast
from rules_engine.language import model as m
from rules_engine.language.diagnostics import PolicyError, render_text
from rules_engine.language.formatter import format_policy
from rules_engine.language.modules import combined_sha256, declaration_key
from rules_engine.language.parser import ParseError, parse

ROOT = Path(__file__).resolve().parents[2]

HEADER = """policy "Standard terms"
provider "Northwind MSP"
effective 2026-01-01
timezone "UTC"
currency USD
fee 5000 per month
period month
tier P1
tier P2
"""

P1 = """target p1_response {
  of tickets where priority = P1
  measure response_time
  require 90% within 15m
}
"""

P2 = """target p2_resolution {
  of tickets where priority = P2
  measure resolution_time
  require 80% within 8h
}
"""

CREDIT = """credit response_credits {
  when p1_response breached credit 400 USD
}
"""


def write(folder: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def codes(result: object) -> list[str]:
    return [d.code for d in result.diagnostics]  # type: ignore[attr-defined]


def neutral(policy: m.CheckedPolicy) -> m.CheckedPolicy:
    """The policy without where it came from (path and hash), for model equality."""
    return dataclasses.replace(policy, source_path="", source_sha256="")


@pytest.fixture
def here(tmp_path: Path) -> Path:
    return tmp_path


# --------------------------------------------------------------------------- syntax


def test_import_lines_parse_into_the_tree() -> None:
    tree = parse('import "std.sla"\nimport "lib/calendars.sla"\n' + HEADER, "x.sla")
    assert [d.path.value for d in tree.imports] == ["std.sla", "lib/calendars.sla"]
    assert (tree.imports[1].span.line, tree.imports[1].span.column) == (2, 1)
    assert tree.overrides == ()
    assert isinstance(tree.items[0], ast.PolicyDecl)


def test_override_marks_the_item_by_index() -> None:
    tree = parse('import "std.sla"\ntier P1\noverride tier P2\n' + "override " + P1, "x.sla")
    # items: tier P1 (0), tier P2 (1), target p1_response (2)
    assert tree.overrides == (1, 2)
    assert isinstance(tree.items[2], ast.TargetDecl)


def test_a_file_of_imports_only_parses() -> None:
    assert parse('import "std.sla"\n', "x.sla").items == ()


def test_an_import_after_a_declaration_is_a_syntax_error() -> None:
    with pytest.raises(ParseError) as info:
        parse(HEADER + 'import "std.sla"\n', "x.sla")
    assert info.value.span.line == 10  # the line after the 9 header lines


def test_a_policy_without_modules_has_the_same_tree_as_before() -> None:
    tree = parse(HEADER, "x.sla")
    assert tree.imports == () and tree.overrides == ()
    assert tree == ast.Policy(tree.items, tree.comments)


def test_fmt_keeps_import_lines_and_override() -> None:
    text = (
        '# terms\nimport   "std.sla"   # shared\nimport "b.sla"\n\npolicy "x"\n'
        "override target   t { of tickets measure response_time require 90% within 1h }\n"
    )
    expected = (
        '# terms\nimport "std.sla"  # shared\nimport "b.sla"\n\npolicy "x"\n\n'
        "override target t {\n  of tickets\n  measure response_time\n"
        "  require 90% within 1h\n}\n"
    )
    assert format_policy(text) == expected
    assert format_policy(expected) == expected
    assert parse(expected) == parse(text)


def test_override_of_a_tier_line_keeps_its_word() -> None:
    out = format_policy('import "s.sla"\noverride tier P1 "Critical" coverage 24x7\ntier P2\n')
    assert out.splitlines()[1].startswith('override tier P1 "Critical"')
    assert parse(out).overrides == (0,)


def test_declaration_keys() -> None:
    tree = parse(
        HEADER
        + P1
        + CREDIT
        + "cap credits at 20% of fee\ncap credits at 50% of fee per year\n"
        + "earn back p1_response credits after 3 met periods\n"
        + 'pause tickets while status in ["Waiting"]\n',
        "x.sla",
    )
    keys = [declaration_key(item) for item in tree.items]
    assert keys[0] == ("policy",) and keys[5] == ("fee",)
    assert keys[7:9] == [("tier", "P1"), ("tier", "P2")]
    assert keys[9:] == [
        ("target", "p1_response"),
        ("credit", "response_credits"),
        ("cap", "period"),
        ("cap", "year"),
        ("earn back", "p1_response"),
        None,
    ]


# --------------------------------------------------------------------------- merging


def test_override_replaces_the_imported_target_in_place(here: Path) -> None:
    write(here, {"std.sla": HEADER + P1 + P2 + CREDIT})
    write(
        here,
        {"acme.sla": 'import "std.sla"\noverride ' + P1.replace("90%", "95%")},
    )
    policy = load_policy(here / "acme.sla")
    objective = policy.targets["p1_response"].objective
    assert isinstance(objective, m.PercentWithin)
    assert objective.percent == Fraction(95, 100)  # 95% from acme, not 90%
    assert list(policy.targets) == ["p1_response", "p2_resolution"]  # the imported order
    assert policy.targets["p1_response"].span.file == str(here / "acme.sla")
    assert policy.targets["p2_resolution"].span.file == str(here / "std.sla")
    assert policy.name == "Standard terms"  # inherited header


def test_header_fields_of_the_importing_file_win(here: Path) -> None:
    write(here, {"std.sla": HEADER + "fee 6000 per month from 2027-01-01\n" + P1})
    write(
        here,
        {
            "acme.sla": 'import "std.sla"\npolicy "Acme"\ncustomer "Acme Corp"\n'
            'timezone "Europe/Berlin"\nfee 7000 per month\n'
        },
    )
    policy = load_policy(here / "acme.sla")
    assert (policy.name, policy.customer, policy.provider) == (
        "Acme",
        "Acme Corp",
        "Northwind MSP",
    )
    assert policy.timezone == "Europe/Berlin"
    # both standard fee lines (5000 now, 6000 from 2027) give way to the one local line
    assert [(f.amount, f.start.isoformat()) for f in policy.fees] == [
        (Decimal("7000"), "2026-01-01")
    ]


def test_an_unmarked_clash_is_an_error_naming_both_places(here: Path) -> None:
    write(here, {"std.sla": HEADER + P1})
    write(here, {"acme.sla": 'import "std.sla"\n\n' + P1.replace("90%", "95%")})
    result = check_file(here / "acme.sla")
    assert result.policy is None
    [d] = result.diagnostics
    assert d.code == "SLA212"
    # the local name on line 3, column 8; the imported one on std.sla line 10 (after the
    # 9 header lines)
    assert (d.span.file, d.span.line, d.span.column) == (str(here / "acme.sla"), 3, 8)
    assert f"{here / 'std.sla'}:10:8" in d.message
    assert d.help is not None and "did you mean `override target p1_response`?" in d.help


def test_override_of_nothing_imported_is_an_error(here: Path) -> None:
    write(here, {"std.sla": HEADER + P1})
    write(
        here, {"acme.sla": 'import "std.sla"\noverride ' + P1.replace("p1_response", "p1_respons")}
    )
    result = check_file(here / "acme.sla")
    assert codes(result) == ["SLA211"]
    assert result.diagnostics[0].help == "did you mean `p1_response`?"


def test_override_in_a_file_without_imports_is_an_error() -> None:
    result = check_source(HEADER + "override " + P1, "x.sla")
    assert codes(result) == ["SLA211"]
    assert result.diagnostics[0].span.line == 10  # after the 9 header lines


def test_two_imports_declaring_the_same_name_clash_until_overridden(here: Path) -> None:
    write(here, {"a.sla": HEADER + P1, "b.sla": P1.replace("90%", "85%")})
    write(here, {"acme.sla": 'import "a.sla"\nimport "b.sla"\n'})
    result = check_file(here / "acme.sla")
    assert codes(result) == ["SLA212"]
    assert result.diagnostics[0].span.line == 2  # the second import brings the clash
    write(
        here,
        {"acme.sla": 'import "a.sla"\nimport "b.sla"\noverride ' + P1.replace("90%", "99%")},
    )
    policy = load_policy(here / "acme.sla")
    objective = policy.targets["p1_response"].objective
    assert isinstance(objective, m.PercentWithin) and objective.percent == Fraction(99, 100)


def test_a_shared_file_reached_twice_is_imported_once(here: Path) -> None:
    # acme -> a -> base, acme -> b -> base, and acme -> ./sub/../base.sla: base once
    write(
        here,
        {
            "base.sla": HEADER + P1,
            "a.sla": 'import "base.sla"\n' + P2,
            "b.sla": 'import "base.sla"\n' + CREDIT,
            "acme.sla": 'import "a.sla"\nimport "b.sla"\nimport "sub/../base.sla"\n',
        },
    )
    (here / "sub").mkdir()
    policy = load_policy(here / "acme.sla")
    assert list(policy.targets) == ["p1_response", "p2_resolution"]
    assert [c.name for c in policy.credits] == ["response_credits"]


def test_imports_of_imports_are_relative_to_the_importing_file(here: Path) -> None:
    write(
        here,
        {
            "lib/terms.sla": 'import "targets/p1.sla"\n' + HEADER,
            "lib/targets/p1.sla": P1,
            "acme.sla": 'import "lib/terms.sla"\n',
        },
    )
    policy = load_policy(here / "acme.sla")
    assert policy.targets["p1_response"].span.file == str(here / "lib/targets/p1.sla")


# --------------------------------------------------------------------------- errors


def test_a_missing_import_is_an_error_at_the_import(here: Path) -> None:
    write(here, {"acme.sla": 'import "nope.sla"\n' + HEADER})
    result = check_file(here / "acme.sla")
    [d] = result.diagnostics
    # the span is the quoted path: columns 8 to 17, end exclusive 18
    assert (d.code, d.span.line, d.span.column, d.span.end_column) == ("SLA108", 1, 8, 18)
    assert d.message == "cannot import `nope.sla`: no such file or directory"
    assert d.help == f"the path is relative to the folder of `{here / 'acme.sla'}`"


def test_an_import_out_of_the_root_folder_is_an_error(here: Path) -> None:
    write(here, {"shared.sla": HEADER, "team/acme.sla": 'import "../shared.sla"\n'})
    result = check_file(here / "team" / "acme.sla")
    [d] = result.diagnostics
    assert (d.code, d.span.line, d.span.column) == ("SLA109", 1, 8)
    assert d.message == "`../shared.sla` is outside the policy's folder"


def test_an_absolute_import_out_of_the_root_is_an_error(here: Path) -> None:
    write(here, {"shared.sla": HEADER, "team/acme.sla": f'import "{here / "shared.sla"}"\n'})
    assert codes(check_file(here / "team" / "acme.sla")) == ["SLA109"]


def test_a_symlink_out_of_the_root_is_an_error(here: Path) -> None:
    write(here, {"shared.sla": HEADER, "team/acme.sla": 'import "link.sla"\n'})
    os.symlink(here / "shared.sla", here / "team" / "link.sla")
    assert codes(check_file(here / "team" / "acme.sla")) == ["SLA109"]


def test_a_symlink_inside_the_root_is_followed(here: Path) -> None:
    write(here, {"real/std.sla": HEADER + P1, "acme.sla": 'import "std.sla"\n'})
    os.symlink(here / "real" / "std.sla", here / "std.sla")
    assert list(load_policy(here / "acme.sla").targets) == ["p1_response"]


def test_an_import_cycle_is_an_error_naming_the_cycle(here: Path) -> None:
    write(
        here,
        {"a.sla": 'import "b.sla"\n' + HEADER, "b.sla": 'import "a.sla"\n' + P1},
    )
    result = check_file(here / "a.sla")
    [d] = result.diagnostics
    assert d.code == "SLA110"
    assert d.message == "import cycle: a.sla -> b.sla -> a.sla"
    assert d.span.file == str(here / "b.sla")  # the import that closes the cycle


def test_a_file_importing_itself_is_a_cycle(here: Path) -> None:
    write(here, {"a.sla": 'import "./a.sla"\n' + HEADER})
    result = check_file(here / "a.sla")
    assert [d.message for d in result.diagnostics] == ["import cycle: a.sla -> a.sla"]


def test_errors_in_an_imported_file_point_into_that_file(here: Path) -> None:
    write(here, {"std.sla": HEADER + P1.replace("response_time", "response_time on nowhere")})
    write(here, {"acme.sla": 'import "std.sla"\npolicy "Acme"\n'})
    result = check_file(here / "acme.sla")
    [d] = result.diagnostics
    assert d.code == "SLA202"  # unknown calendar
    # 9 header lines, `target` on 10, `of` on 11, `measure` on 12
    assert (d.span.file, d.span.line) == (str(here / "std.sla"), 12)
    text = render_text(result.diagnostics, result.sources)
    assert " 12 |   measure response_time on nowhere\n" in text


def test_a_syntax_error_in_an_imported_file_points_into_it(here: Path) -> None:
    write(here, {"std.sla": HEADER + "target {\n", "acme.sla": 'import "std.sla"\n'})
    result = check_file(here / "acme.sla")
    assert [(d.code[:4], d.span.file, d.span.line) for d in result.diagnostics] == [
        ("SLA1", str(here / "std.sla"), 10)
    ]


def test_load_policy_raises_with_the_module_diagnostics(here: Path) -> None:
    write(here, {"acme.sla": 'import "nope.sla"\n'})
    with pytest.raises(PolicyError) as info:
        load_policy(here / "acme.sla")
    assert [d.code for d in info.value.diagnostics] == ["SLA108"]


def test_check_source_resolves_imports_relative_to_the_path_given(here: Path) -> None:
    write(here, {"std.sla": HEADER + P1})
    result = check_source('import "std.sla"\n', str(here / "whatever.sla"))
    assert result.policy is not None
    assert list(result.policy.targets) == ["p1_response"]
    assert set(result.sources) == {str(here / "whatever.sla"), str(here / "std.sla")}


# --------------------------------------------------------------------------- hashes


def test_the_hash_covers_every_file(here: Path) -> None:
    std, acme = HEADER + P1, 'import "lib/std.sla"\n'
    write(here, {"lib/std.sla": std, "acme.sla": acme})
    policy = load_policy(here / "acme.sla")

    def sha(text: str) -> str:
        return hashlib.sha256(text.encode()).hexdigest()

    # sorted lines "relpath sha\n": "acme.sla" sorts before "lib/std.sla"
    lines = f"acme.sla {sha(acme)}\nlib/std.sla {sha(std)}\n"
    assert policy.source_sha256 == hashlib.sha256(lines.encode()).hexdigest()
    assert policy.source_sha256 == combined_sha256(
        [("lib/std.sla", sha(std)), ("acme.sla", sha(acme))]
    )
    write(here, {"lib/std.sla": std + "\n# amended\n"})
    assert load_policy(here / "acme.sla").source_sha256 != policy.source_sha256


def test_a_policy_without_imports_keeps_the_plain_text_hash() -> None:
    text = (ROOT / "examples/quickstart/policy.sla").read_text(encoding="utf-8")
    policy = check_source(text, "policy.sla").policy
    assert policy is not None
    assert policy.source_sha256 == hashlib.sha256(text.encode()).hexdigest()


# --------------------------------------------------------------------------- the example


def test_the_example_merges_into_the_quickstart_policy() -> None:
    """examples/modules/contoso.sla = standard terms + overrides = the quick-start policy,
    written by hand as one file: model equality (spans, path and hash aside)."""
    merged = load_policy(ROOT / "examples/modules/contoso.sla")
    single = load_policy(ROOT / "examples/quickstart/policy.sla")
    assert neutral(merged) == neutral(single)
    # and it really came from two files
    assert merged.targets["p1_response"].span.file.endswith("contoso.sla")
    assert merged.targets["p2_resolution"].span.file.endswith("standard_terms.sla")


def test_the_standard_terms_check_on_their_own() -> None:
    policy = load_policy(ROOT / "examples/modules/standard_terms.sla")
    objective = policy.targets["p1_response"].objective
    assert isinstance(objective, m.PercentWithin) and objective.percent == Fraction(9, 10)
    assert "satisfaction" not in policy.targets and policy.bonuses == ()


def test_a_late_import_says_imports_come_first() -> None:
    with pytest.raises(ParseError) as info:
        parse('policy "x"\nimport "std.sla"\n', "x.sla")
    assert (info.value.span.line, info.value.span.column) == (2, 1)
    assert info.value.hint == "`import` lines come first in a file: move it above the first clause"


def test_override_twice_is_a_syntax_error_with_a_hint() -> None:
    with pytest.raises(ParseError) as info:
        parse('import "std.sla"\noverride override tier P1\n', "x.sla")
    assert (info.value.span.line, info.value.span.column) == (2, 10)
    assert info.value.hint == "write `override` once"


# --------------------------------------------------------------------------- other readers


def test_imports_read_from_a_git_revision(here: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``read`` takes imported files from elsewhere than the disk: here the commit
    before the standard terms were loosened, as ``sla diff REV:PATH`` needs."""
    import subprocess

    from rules_engine.workflow.gitrev import RevisionError, read_at_revision

    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=here, check=True, capture_output=True)

    write(here, {"std.sla": HEADER + P1, "acme.sla": 'import "std.sla"\npolicy "Acme"\n'})
    git("init", "-q")
    git("add", ".")
    git("-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "v1")
    write(here, {"std.sla": HEADER + P1.replace("90%", "80%")})
    monkeypatch.chdir(here)

    def at_head(path: str) -> str:
        try:
            return read_at_revision("HEAD", path, here).text
        except RevisionError as error:
            raise FileNotFoundError(error.message) from None

    text = read_at_revision("HEAD", "acme.sla", here).text
    policy = check_source(text, "acme.sla", read=at_head).policy
    assert policy is not None
    objective = policy.targets["p1_response"].objective
    # 90% as committed; the working tree says 80%
    assert isinstance(objective, m.PercentWithin) and objective.percent == Fraction(9, 10)
    on_disk = load_policy("acme.sla").targets["p1_response"].objective
    assert isinstance(on_disk, m.PercentWithin) and on_disk.percent == Fraction(8, 10)

    missing = check_source('import "gone.sla"\n', "acme.sla", read=at_head)
    assert [(d.code, d.span.line) for d in missing.diagnostics] == [("SLA108", 1)]
    assert "does not exist at revision" in missing.diagnostics[0].message
    out = check_source('import "../x.sla"\n', "acme.sla", read=at_head)
    assert [d.code for d in out.diagnostics] == ["SLA109"]


def test_messages_stay_on_one_line_for_odd_paths() -> None:
    # the string escape `\n` puts a newline into the path; the message shows it escaped
    result = check_source('import "0\\n"\n', "<memory>")
    [d] = result.diagnostics
    assert d.message == "cannot import `0\\n`: no such file or directory"
    assert d.help == "the path is relative to the current folder"
