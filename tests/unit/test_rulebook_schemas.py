"""The JSON Schemas: valid 2020-12 schemas, in sync with the catalogue, used by every shipped file."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from claimflow.engine.rulebook import schema_gen
from claimflow.engine.rulebook.loader import schema_problems, validator
from claimflow.engine.rulebook.yaml_strict import load_text
from claimflow.engine.settings import bundled_rules_dir, bundled_schemas_dir

SCHEMAS = sorted(bundled_schemas_dir().glob("*.schema.json"))
SHIPPED = sorted(p for p in bundled_rules_dir().rglob("*.yaml"))


@pytest.mark.parametrize("path", SCHEMAS, ids=lambda p: p.name)
def test_each_schema_is_a_valid_2020_12_schema_with_an_id(path):
    schema = json.loads(path.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == schema_gen.DRAFT and schema["$id"].endswith(path.name)


def test_the_shipped_schemas_match_the_catalogue():
    assert schema_gen.stale(bundled_schemas_dir()) == [], \
        "run: python -m claimflow.engine.rulebook.schema_gen"


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: str(p.relative_to(bundled_rules_dir())))
def test_every_shipped_rule_file_starts_with_a_schema_modeline(path):
    kind = "ruletest" if path.name.endswith(".test.yaml") else "overlay" if path.name == "overlay.yaml" else "ruleset"
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith("# yaml-language-server: $schema=") and first.endswith(f"schemas/{kind}.schema.json")
    target = (path.parent / first.split("=", 1)[1]).resolve()
    assert target == (bundled_schemas_dir() / f"{kind}.schema.json").resolve()


def test_format_is_asserted():
    loaded = load_text("cases:\n  - name: x\n    now: '2024-13-01'\n    todo: later\n", "t.test.yaml")
    problems = schema_problems(loaded, validator("ruletest"))
    assert [(p.code, p.location.line) for p in problems] == [("schema_violation", 3)]


def test_an_unknown_parameter_in_an_overlay_gets_a_hint():
    loaded = load_text("company: XX01\nparameters:\n  use_claim_histroy: true\n", "overlay.yaml")
    (problem,) = schema_problems(loaded, validator("overlay"))
    assert problem.code == "unknown_key" and problem.hint == "did you mean 'use_claim_history'?"


def test_the_generator_writes_every_schema(tmp_path):
    assert schema_gen.main(["--dir", str(tmp_path)]) == 0
    assert schema_gen.main(["--dir", str(tmp_path), "--check"]) == 0
    (tmp_path / "ruleset.schema.json").write_text("{}")
    assert schema_gen.main(["--dir", str(tmp_path), "--check"]) == 1
