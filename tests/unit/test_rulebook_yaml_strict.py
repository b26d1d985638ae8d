"""Strict YAML: ambiguous scalars refused at their place, exact values otherwise."""
from __future__ import annotations

from decimal import Decimal

import pytest

from claimflow.engine.rulebook.yaml_strict import load_text


@pytest.mark.parametrize("text,code", [
    ("a: no", "yaml_ambiguous_value"), ("a: off", "yaml_ambiguous_value"), ("a: Yes", "yaml_ambiguous_value"),
    ("a: 0755", "yaml_ambiguous_value"), ("a: 0x1F", "yaml_ambiguous_value"), ("a: 1_000", "yaml_ambiguous_value"),
    ("a: .inf", "yaml_ambiguous_value"), ("a: 2024-02-30", "yaml_invalid_date"),
    ("a: !custom x", "yaml_tag_not_allowed"), ("a: 1\na: 2", "yaml_duplicate_key"),
    ("b: &x {c: 1}\na:\n  <<: *x", "yaml_merge_key"),
])
def test_an_ambiguous_or_impossible_value_is_refused_where_it_stands(text, code):
    loaded = load_text(text, "f.yaml")
    assert [p.code for p in loaded.problems] == [code]
    assert loaded.problems[0].location.file == "f.yaml" and loaded.problems[0].hint


@pytest.mark.parametrize("text,value", [
    ('a: "no"', "no"), ("a: '0755'", "0755"), ("a: 2024-02-29", "2024-02-29"), ("a: 2.50", Decimal("2.50")),
    ("a: 10", 10), ("a: true", True), ("a: ~", None),
])
def test_an_unambiguous_value_keeps_its_exact_meaning(text, value):
    loaded = load_text(text, "f.yaml")
    assert loaded.problems == [] and loaded.data["a"] == value and type(loaded.data["a"]) is type(value)


def test_a_duplicate_key_names_both_lines():
    loaded = load_text("x:\n  a: 1\n  b: 2\n  a: 3\n", "f.yaml")
    (problem,) = loaded.problems
    assert (problem.location.line, problem.location.column) == (4, 3) and "first at line 2" in problem.message
