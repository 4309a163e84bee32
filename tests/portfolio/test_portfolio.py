"""sla portfolio eval, sequentially: per-contract documents are sla eval's bytes, the
table and the report say what the documents say, a failing contract does not stop the
others (examples/portfolio is the worked example of docs/portfolio.md)."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from click.testing import CliRunner

from rules_engine.cli import cli
from rules_engine.portfolio import Engine, read_manifest, run_portfolio

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "portfolio"
AS_OF = "2026-04-01T09:00:00-04:00"


@pytest.fixture(autouse=True)
def at_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(scope="module")
def example_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The worked example, run once from the repository root (paths as the README gives)."""
    out = tmp_path_factory.mktemp("portfolio")
    here = Path.cwd()
    os.chdir(ROOT)
    try:
        code, _, stderr = run(
            "portfolio",
            "eval",
            "examples/portfolio/portfolio.yaml",
            "--sequential",
            "--out",
            str(out),
        )
    finally:
        os.chdir(here)
    # 1: a provider-owned target is breached somewhere (as sla eval would say)
    assert code == 1, stderr
    return out


def test_a_contract_document_is_sla_eval_json_byte_for_byte(example_out: Path) -> None:
    code, stdout, _ = run(
        "eval", "examples/portfolio/contoso.sla", "--data", "examples/portfolio/contoso-data",
        "--from", "2026-01", "--to", "2026-03", "--as-of", AS_OF, "--format", "json",
    )  # fmt: skip
    assert code == 1
    assert (example_out / "contracts" / "contoso.json").read_text(encoding="utf-8") == stdout
    code, html, _ = run(
        "eval", "examples/portfolio/contoso.sla", "--data", "examples/portfolio/contoso-data",
        "--from", "2026-01", "--to", "2026-03", "--as-of", AS_OF, "--format", "html",
    )  # fmt: skip
    assert (example_out / "contracts" / "contoso.html").read_text(encoding="utf-8") == html


def _without_data_origin(text: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(text)
    document["data"].pop("sources")
    document["data"].pop("sha256")
    return document


def test_a_shared_dataset_slice_reads_what_a_folder_of_the_same_records_reads(
    example_out: Path, tmp_path: Path
) -> None:
    # Tailspin's partitions, copied out as one Parquet file per dataset
    for dataset in ("tickets", "outages", "surveys"):
        part = EXAMPLE / "warehouse" / dataset / "customer=tailspin" / "part-0.parquet"
        shutil.copy(part, tmp_path / f"{dataset}.parquet")
    code, stdout, _ = run(
        "eval", "examples/portfolio/tailspin.sla", "--data", str(tmp_path),
        "--from", "2026-01", "--to", "2026-03", "--as-of", AS_OF, "--format", "json",
    )  # fmt: skip
    assert code == 1
    written = (example_out / "contracts" / "tailspin.json").read_text(encoding="utf-8")
    assert _without_data_origin(written) == _without_data_origin(stdout)
    sources = json.loads(written)["data"]["sources"]
    assert sources["tickets"] == "examples/portfolio/warehouse/tickets/customer=tailspin"


def test_the_table_holds_verdicts_and_each_period_s_money_once(example_out: Path) -> None:
    table = pl.read_parquet(example_out / "portfolio.parquet")
    assert table.equals(pl.read_csv(example_out / "portfolio.csv", infer_schema=False).with_columns(
        pl.col("exit_right").replace_strict({"true": True, "false": False}, default=None)
    ))  # fmt: skip
    tailspin = table.filter(pl.col("contract") == "tailspin")
    money = tailspin.filter(pl.col("target").is_null())
    # standard terms, fee 3,000 USD: Feb email 99.78% < 99.9% -> 5% x 3000 = 150, and P1
    # breached -> 400 (550, under the cap 20% x 3000 = 600); Mar P1 breached -> 400, the
    # second breached P1 month in a row -> exit for cause; Jan nothing
    assert money.select("period", "credits", "exit_right").rows() == [
        ("2026-01", "0.00", False),
        ("2026-02", "550.00", False),
        ("2026-03", "400.00", True),
    ]
    p1 = tailspin.filter(pl.col("target") == "p1_response")
    # 2 P1 tickets a month; one answered late in Feb and in Mar -> 1/2 = 50%
    assert p1.select("period", "verdict", "value", "objective").rows() == [
        ("2026-01", "met", "100.000000", "90% within 15m"),
        ("2026-02", "breached", "50.000000", "90% within 15m"),
        ("2026-03", "breached", "50.000000", "90% within 15m"),
    ]
    # contoso: Feb 400 (availability 5% x 8000) + 400 (P1) = 800, nothing else
    contoso = table.filter((pl.col("contract") == "contoso") & pl.col("target").is_null())
    assert [Decimal(c) for c in contoso["credits"]] == [0, 800, 0]
    assert set(table["status"]) == {"ok"}


def test_the_report_ranks_contracts_by_credits_owed(example_out: Path) -> None:
    page = (example_out / "portfolio.html").read_text(encoding="utf-8")
    # tailspin owes 550 + 400 = 950, contoso 800; fabrikam's are its documents' total
    fabrikam = json.loads((example_out / "contracts" / "fabrikam.json").read_text())["totals"]
    assert float(fabrikam["credits"]) < 800
    ranking = page.split("Contracts by money at stake")[1]
    assert ranking.index("tailspin") < ranking.index("contoso") < ranking.index("fabrikam")
    assert "950.00 USD" in ranking and "<script" not in page and "http" not in page
    assert '<a href="contracts/tailspin.json">document</a>' in page
    exits = page.split("<h2>Exit rights</h2>")[1].split("</table>")[0]
    assert "tailspin" in exits and "contoso" not in exits


BROKEN_POLICY = """\
import "standard_terms.sla"

polcy "Broken"
"""


def failing_manifest(tmp_path: Path) -> Path:
    """The example's contracts plus a policy that does not check and a bad data file."""
    for name in ("standard_terms.sla", "contoso.sla"):
        shutil.copy(EXAMPLE / name, tmp_path / name)
    shutil.copytree(EXAMPLE / "contoso-data", tmp_path / "contoso-data")
    shutil.copytree(EXAMPLE / "contoso-data", tmp_path / "bad-data")
    tickets = tmp_path / "bad-data" / "tickets.jsonl"
    lines = tickets.read_text(encoding="utf-8").splitlines()
    lines[2] = lines[2].replace('"2026-01-08T11:00:00-05:00"', '"last tuesday"')
    tickets.write_text("\n".join(lines) + "\n", encoding="utf-8")
    (tmp_path / "broken.sla").write_text(BROKEN_POLICY, encoding="utf-8")
    manifest = tmp_path / "portfolio.yaml"
    manifest.write_text(
        f'as_of: "{AS_OF}"\nfrom: 2026-01\nto: 2026-03\ncontracts:\n'
        "  - {id: broken, policy: broken.sla, data: contoso-data}\n"
        "  - {id: contoso, policy: contoso.sla, data: contoso-data}\n"
        "  - {id: baddata, policy: contoso.sla, data: bad-data}\n",
        encoding="utf-8",
    )
    return manifest


def test_a_failing_contract_is_reported_and_the_others_go_on(tmp_path: Path) -> None:
    manifest = failing_manifest(tmp_path)
    out = tmp_path / "out"
    code, _, stderr = run("portfolio", "eval", str(manifest), "--sequential", "--out", str(out))
    assert code == 2
    assert sorted(p.name for p in (out / "contracts").glob("*.json")) == ["contoso.json"]
    table = pl.read_parquet(out / "portfolio.parquet")
    failed = table.filter(pl.col("status") == "failed")
    assert failed["contract"].to_list() == ["broken", "baddata"]
    broken, bad = failed["error"].to_list()
    assert f"{tmp_path}/broken.sla:3:1: error" in broken
    assert f"{tmp_path}/bad-data/tickets.jsonl, row 3, field `created_at`" in bad
    assert "contract `broken`" in stderr and "contract `baddata`" in stderr
    page = (out / "portfolio.html").read_text(encoding="utf-8")
    assert "Contracts not evaluated" in page and "broken.sla:3:1" in page


def test_a_bad_manifest_exits_2_with_its_location(tmp_path: Path) -> None:
    manifest = tmp_path / "p.yaml"
    manifest.write_text("contracts:\n  - {id: a, policy: a.sla, dat: x}\n", encoding="utf-8")
    code, _, stderr = run(
        "portfolio", "eval", str(manifest), "--sequential", "--out", str(tmp_path)
    )
    assert code == 2
    # "  - {id: a, policy: a.sla, " is 27 characters: `dat` starts at column 28
    assert (
        f"{manifest}:2:28: error: unknown key `dat` in a contract; help: did you mean `data`?"
        in stderr
    )
    code, _, stderr = run(
        "portfolio", "eval", str(manifest), "--sequential", "--workers", "2", "--out", str(tmp_path)
    )
    assert code == 2 and "exclude each other" in stderr


def test_contracts_without_an_as_of_share_the_portfolio_s_clock(tmp_path: Path) -> None:
    manifest = failing_manifest(tmp_path)
    text = manifest.read_text(encoding="utf-8").replace(f'as_of: "{AS_OF}"\n', "")
    text = text.replace("  - {id: broken, policy: broken.sla, data: contoso-data}\n", "")
    text = text.replace(
        "baddata, policy: contoso.sla, data: bad-data",
        "again, policy: contoso.sla, data: contoso-data",
    )
    manifest.write_text(text, encoding="utf-8")
    now = dt.datetime(2026, 4, 2, 12, 0, 0, 123456, tzinfo=dt.UTC)
    results = run_portfolio(read_manifest(str(manifest)), Engine(sequential=True), now)
    docs = [json.loads(r.document or "") for r in results]
    # 12:00:00.123456 UTC, to the second, in the contract's zone: New York is on EDT
    # (UTC-4) on 2 April, so 08:00:00-04:00, the same for both contracts
    assert [(d["as_of"], d["as_of_source"]) for d in docs] == [
        ("2026-04-02T08:00:00-04:00", "now")
    ] * 2


def test_the_example_s_table_is_its_expected_csv(example_out: Path) -> None:
    expected = (EXAMPLE / "expected.csv").read_bytes()
    assert (example_out / "portfolio.csv").read_bytes() == expected


def test_the_example_warehouse_is_what_its_script_writes() -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_warehouse", EXAMPLE / "make_warehouse.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for customer, datasets in module.customers().items():
        for dataset, rows in datasets.items():
            part = EXAMPLE / "warehouse" / dataset / f"customer={customer}" / "part-0.parquet"
            assert pl.read_parquet(part).equals(pl.DataFrame(rows, infer_schema_length=None))


def test_the_report_escapes_what_policies_and_data_say() -> None:
    from rules_engine.portfolio.contract import ContractResult
    from rules_engine.portfolio.manifest import Manifest
    from rules_engine.portfolio.outputs import render_portfolio

    hostile = "<img src=x onerror=alert(1)>"
    results = [
        ContractResult("a", "breached", "{}", customer=hostile, currency="USD", credits="1.00"),
        ContractResult("b", "failed", None, error=f"b.sla:1:1: error: `{hostile}`"),
    ]
    page = render_portfolio(Manifest("p.yaml", f"MSP {hostile}", ()), results)
    assert "<img" not in page
    assert page.count("&lt;img src=x onerror=alert(1)&gt;") == 4  # title, h1, customer, error
