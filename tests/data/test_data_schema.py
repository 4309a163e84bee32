"""The schema: one definition, JSON Schema and column dtypes derived from it."""

from __future__ import annotations

import json

import jsonschema
import polars as pl
import pytest
from click.testing import CliRunner
from paths import CONFORMANCE

from rules_engine.cli import cli
from rules_engine.data import dataset_dtypes, dataset_spec
from rules_engine.data.schema import DATASET_MODELS, SCHEMA_VERSION, json_schema
from rules_engine.language.model import CheckedPolicy


@pytest.mark.parametrize("name", [None, *DATASET_MODELS])
def test_json_schema_is_valid_draft_2020_12(name: str | None) -> None:
    schema = json_schema(name)
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["x-schema-version"] == SCHEMA_VERSION


def _validator(name: str) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(
        json_schema(name), format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )


def test_sample_records_validate_against_the_schema() -> None:
    ticket = {
        "id": "T-1",
        "priority": "P1",
        "created_at": "2026-01-05T09:00:00-05:00",
        "resolved_at": "2026-01-05T12:00:00Z",
        "pauses": [{"start": "2026-01-05T10:00:00+05:30", "end": None, "reason": "customer"}],
    }
    assert list(_validator("tickets").iter_errors(ticket)) == []
    restore = {"id": "R", "tested_at": "2026-01-15T19:00:00-07:00", "recovery_time": "PT4H"}
    assert list(_validator("restore_tests").iter_errors(restore)) == []


def test_schema_rejects_bad_records() -> None:
    missing_priority = {"id": "T-1", "created_at": "2026-01-05T09:00:00Z"}
    errors = list(_validator("tickets").iter_errors(missing_priority))
    assert any("priority" in e.message for e in errors)
    vuln = {"id": "V", "severity": "Critical", "published_at": "2026-01-05T09:00:00Z"}
    assert any(e.validator == "enum" for e in _validator("vulnerabilities").iter_errors(vuln))


def test_conformance_data_validates_against_the_schema() -> None:
    checked = 0
    for path in sorted(CONFORMANCE.glob("*/data/*.jsonl")):
        name = path.stem
        if name not in DATASET_MODELS:
            continue
        validator = _validator(name)
        for line in path.read_text().splitlines():
            record = json.loads(line)
            record = {k: v for k, v in record.items() if k in DATASET_MODELS[name].model_fields}
            assert list(validator.iter_errors(record)) == [], (path, record)
            checked += 1
    assert checked > 300


def test_dtypes_follow_the_models() -> None:
    tickets = dataset_dtypes("tickets")
    assert tickets["created_at"] == pl.Datetime("us", "UTC")
    assert tickets["priority"] == pl.String
    assert tickets["onsite_required"] == pl.Boolean
    assert tickets["pauses"] == pl.List(
        pl.Struct(
            {
                "start": pl.Datetime("us", "UTC"),
                "end": pl.Datetime("us", "UTC"),
                "reason": pl.String,
            }
        )
    )
    assert tickets["status_history"] == pl.List(
        pl.Struct({"at": pl.Datetime("us", "UTC"), "status": pl.String})
    )
    assert dataset_dtypes("restore_tests")["recovery_time"] == pl.Duration("us")
    assert dataset_dtypes("projects")["due"] == pl.Date
    assert dataset_dtypes("surveys")["score"] == pl.Decimal(38, 18)  # exact, never a float
    # one column per model field, in model order
    for name, model in DATASET_MODELS.items():
        assert list(dataset_dtypes(name)) == list(model.model_fields)


def test_policy_declarations_extend_the_schema(policy: CheckedPolicy) -> None:
    tickets = dataset_spec("tickets", policy)
    assert tickets is not None
    assert tickets.schema["sentiment"] == pl.Decimal(38, 18)
    assert list(tickets.schema)[-1] == "sentiment"
    approvals = dataset_spec("change_approvals", policy)
    assert approvals is not None
    assert approvals.anchor == "requested_at"
    assert approvals.schema == {
        "id": pl.String,
        "requested_at": pl.Datetime("us", "UTC"),
        "approved_at": pl.Datetime("us", "UTC"),
        "urgent": pl.Boolean,
    }
    required = {c.name for c in approvals.columns if c.required}
    assert required == {"id", "requested_at"}
    assert dataset_spec("change_approvals") is None


def test_sla_schema_command() -> None:
    result = CliRunner().invoke(cli, ["schema", "outages"])
    assert result.exit_code == 0
    schema = json.loads(result.output)
    assert schema["required"] == ["id", "service", "started_at"]
    whole = json.loads(CliRunner().invoke(cli, ["schema"]).output)
    assert set(whole["properties"]) == set(DATASET_MODELS)
    bad = CliRunner().invoke(cli, ["schema", "ticket"])
    assert bad.exit_code == 2
    assert "did you mean `tickets`" in bad.output
