"""Every kind of rule-file mistake is reported with its stable code at its line (tests/unit/bad_rules/)."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from claimflow.engine.domain.errors import RuleSetInvalid
from claimflow.engine.rulebook.loader import load_ruleset, rule_files
from claimflow.engine.settings import bundled_rules_dir

CORPUS = Path(__file__).parent / "bad_rules"
_EXPECT = re.compile(r"^# expect: (\w+) (\d+)( warning)?$")


def _expectation(path: Path) -> tuple[str, int, str]:
    match = _EXPECT.match(path.read_text(encoding="utf-8").splitlines()[0])
    assert match, f"{path.name} must start with '# expect: CODE LINE [warning]'"
    return match.group(1), int(match.group(2)), "warning" if match.group(3) else "error"


def _problems(rules_dir: Path, company: str | None = None):
    try:
        return list(load_ruleset(rules_dir, company).warnings)
    except RuleSetInvalid as error:
        return list(error.problems) + list(getattr(error, "warnings", ()))


@pytest.mark.parametrize("path", sorted(CORPUS.glob("*.yaml")), ids=lambda p: p.stem)
def test_a_bad_rule_file_is_reported_with_its_code_and_line(path, tmp_path):
    code, line, severity = _expectation(path)
    (tmp_path / "base").mkdir()
    shutil.copy(path, tmp_path / "base" / path.name)
    found = _problems(tmp_path)
    assert any(p.code == code and p.location and p.location.line == line and p.severity == severity
               and p.location.file.endswith(path.name) for p in found), [p.render() for p in found]


@pytest.mark.parametrize("path", sorted((CORPUS / "overlays").glob("*.yaml")), ids=lambda p: p.stem)
def test_a_bad_overlay_is_reported_with_its_code_and_line(path, tmp_path):
    code, line, severity = _expectation(path)
    (tmp_path / "base").mkdir()
    for rule_file in rule_files(bundled_rules_dir() / "base"):
        shutil.copy(rule_file, tmp_path / "base" / rule_file.name)
    (tmp_path / "companies" / "XX01").mkdir(parents=True)
    shutil.copy(path, tmp_path / "companies" / "XX01" / "overlay.yaml")
    found = _problems(tmp_path, "XX01")
    assert any(p.code == code and p.location and p.location.line == line and p.severity == severity
               for p in found), [p.render() for p in found]


def test_every_problem_of_a_run_is_reported_at_once_sorted_by_place(tmp_path):
    (tmp_path / "base").mkdir()
    for name in ("unknown_field.yaml", "unknown_action.yaml", "type_mismatch.yaml"):
        shutil.copy(CORPUS / name, tmp_path / "base" / name)
    with pytest.raises(RuleSetInvalid) as raised:
        load_ruleset(tmp_path)
    codes = [p.code for p in raised.value.problems]
    assert {"unknown_field", "unknown_action", "type_mismatch"} <= set(codes)
    places = [(p.location.file, p.location.line, p.location.column) for p in raised.value.problems]
    assert places == sorted(places)


def test_an_unknown_name_comes_with_a_did_you_mean_hint(tmp_path):
    (tmp_path / "base").mkdir()
    shutil.copy(CORPUS / "unknown_field.yaml", tmp_path / "base" / "f.yaml")
    problem = next(p for p in _problems(tmp_path) if p.code == "unknown_field")
    assert problem.hint == "did you mean 'status'?" and problem.rule_id == "bad.field"


def test_a_misspelt_key_in_a_deny_is_reported_against_the_deny_action(tmp_path):
    (tmp_path / "base").mkdir()
    shutil.copy(CORPUS / "misspelt_key_in_deny.yaml", tmp_path / "base" / "f.yaml")
    problem = next(p for p in _problems(tmp_path) if p.code == "unknown_key")
    assert "mesage" in problem.message and problem.hint == "did you mean 'message'?"


def test_an_error_in_an_overriding_rule_names_the_overlay_and_the_base_rule(tmp_path):
    (tmp_path / "base").mkdir()
    for rule_file in rule_files(bundled_rules_dir() / "base"):
        shutil.copy(rule_file, tmp_path / "base" / rule_file.name)
    (tmp_path / "companies" / "XX01").mkdir(parents=True)
    shutil.copy(CORPUS / "overlays" / "override_transition.yaml", tmp_path / "companies" / "XX01" / "overlay.yaml")
    problem = next(p for p in _problems(tmp_path, "XX01") if p.code == "transition_not_allowed")
    assert "overlay.yaml" in problem.location.file and "overrides the base rule at" in problem.message and "/base/" in problem.message
