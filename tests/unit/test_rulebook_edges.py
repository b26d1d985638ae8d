"""Rule-file mistakes found by a newcomer: each is a located problem, never a crash or a silent pass."""
from __future__ import annotations

import shutil

import pytest

from claimflow.engine.domain.errors import RuleSetInvalid
from claimflow.engine.rulebook.loader import load_ruleset
from claimflow.engine.rulebook.yaml_strict import load_text
from claimflow.engine.settings import bundled_rules_dir


@pytest.fixture
def rules(tmp_path):
    copy = tmp_path / "rules"
    shutil.copytree(bundled_rules_dir() / "base", copy / "base")
    return copy


def _codes(rules_dir) -> dict[str, int]:
    with pytest.raises(RuleSetInvalid) as caught:
        load_ruleset(rules_dir)
    return {p.code: p.location.line if p.location else 0 for p in caught.value.problems}


def test_an_alias_inside_its_own_anchor_is_a_located_problem_not_a_recursion_crash():
    loaded = load_text("rules: &a [*a]\n", "r.yaml")
    assert [(p.code, p.location.line) for p in loaded.problems] == [("yaml_recursive_alias", 1)]


def test_an_emptied_rule_file_is_an_error_not_a_silent_loss_of_its_rules(rules):
    (rules / "base" / "50-close.yaml").write_text("")
    assert "empty_file" in _codes(rules)


def test_a_deny_message_naming_a_field_no_fact_has_is_an_error_with_a_suggestion(rules):
    path = rules / "base" / "50-close.yaml"
    path.write_text(path.read_text().replace("{line.line_no} is {line.status}", "{line.lineno} is {line.status}"))
    with pytest.raises(RuleSetInvalid) as caught:
        load_ruleset(rules)
    [problem] = [p for p in caught.value.problems if p.code == "unknown_field"]
    assert "line.lineno" in problem.message and "line.line_no" in (problem.hint or "")
