"""The checker's pydantic-free field table must say what the pydantic models say."""

from rules_engine.data.schema import DATASET_MODELS, derived_field_types
from rules_engine.language.fieldtypes import FIELD_TYPES


def test_field_table_matches_the_models_field_by_field() -> None:
    assert set(FIELD_TYPES) == set(DATASET_MODELS)
    for name in DATASET_MODELS:
        assert FIELD_TYPES[name] == derived_field_types(name), name


def test_check_path_does_not_import_pydantic() -> None:
    import subprocess
    import sys

    code = (
        "import sys, rules_engine.api, rules_engine.cli.check_cmd;print('pydantic' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
