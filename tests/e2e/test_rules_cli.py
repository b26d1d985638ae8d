"""`claims rules ...` end to end through Click, each with --json; and the differential check of the
durable-rules and reference evaluators over every rule case."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from claimflow.cli.main import cli
from claimflow.engine.rulebook.cases import case_files, default_evaluators, load_case_file, run_case
from claimflow.engine.rulebook.loader import load_ruleset
from claimflow.engine.settings import bundled_rules_dir

BAD = Path(__file__).parents[1] / "unit" / "bad_rules"


def run(*args, db=None):
    base = ["--db", db] if db else []
    result = CliRunner().invoke(cli, [*base, *args], catch_exceptions=False)
    return result, (json.loads(result.output) if "--json" in args and result.output.strip() else None)


@pytest.fixture
def bad_rules(tmp_path) -> Path:
    (tmp_path / "base").mkdir()
    for name in ("unknown_field.yaml", "transition_not_allowed.yaml", "dead_end_status.yaml"):
        shutil.copy(BAD / name, tmp_path / "base" / name)
    return tmp_path


def test_validate_accepts_the_shipped_rules_and_every_overlay():
    result, payload = run("rules", "validate", "--json")
    assert result.exit_code == 0 and payload["valid"] and {"base", "UK01", "SS01"} <= set(payload["rule_sets"])


def test_validate_lists_every_problem_with_its_place_and_exits_6(bad_rules):
    result, payload = run("rules", "validate", str(bad_rules), "--json")
    assert result.exit_code == 6 and not payload["valid"]
    codes = {(p["code"], p["line"], p["severity"]) for p in payload["problems"]}
    assert ("unknown_field", 7, "error") in codes and ("transition_not_allowed", 8, "error") in codes
    assert all({"code", "message", "file", "line", "column", "rule_id"} <= set(p) for p in payload["problems"])


def test_validate_in_text_names_file_line_and_column(bad_rules):
    result, _ = run("rules", "validate", str(bad_rules))
    assert result.exit_code == 6 and "unknown_field.yaml:7:14: unknown_field" in result.output


def test_show_prints_each_rule_with_its_origin():
    result, payload = run("rules", "show", "--company", "SS01", "--json")
    assert result.exit_code == 0 and payload["parameters"] == {"use_claim_history": True}
    assert all(r["origin"].startswith("rules/base/") for r in payload["rules"])


def test_test_runs_every_case_and_reports_coverage(tmp_path):
    junit = tmp_path / "rules.xml"
    result, payload = run("rules", "test", "--coverage", "--junit", str(junit), "--json")
    assert result.exit_code == 0, payload and [c for c in payload["cases"] if c["status"] == "failed"]
    assert payload["passed"] > 0 and payload["failed"] == 0
    assert {c["company"] for c in payload["coverage"]} >= {None, "SS01", "UK01"}
    assert "<testsuite" in junit.read_text()


def test_a_todo_case_is_skipped_and_counted(tmp_path):
    rules = tmp_path / "rules"
    shutil.copytree(bundled_rules_dir() / "base", rules / "base")
    (rules / "base" / "zz.test.yaml").write_text("cases:\n  - name: later\n    todo: not decided yet\n")
    result = CliRunner().invoke(cli, ["--rules", str(rules), "rules", "test", "--json"])
    payload = json.loads(result.output)
    assert result.exit_code == 0 and payload["todo"] == 1 and payload["failed"] == 0


UNTESTED_RULE = """# yaml-language-server: $schema=../../schemas/ruleset.schema.json
ruleset: extra
rules:
  - id: extra.never-tested
    description: A rule no case exercises.
    when:
      command: close
      claim: {total_amount: {gt: 1000000}}
    then:
      - deny: {code: too_big, message: "too big"}
"""


def test_test_fails_below_the_minimum_coverage_without_rounding_up(tmp_path):
    rules = tmp_path / "rules"
    shutil.copytree(bundled_rules_dir() / "base", rules / "base")
    (rules / "base" / "99-extra.yaml").write_text(UNTESTED_RULE)
    result = CliRunner().invoke(cli, ["--rules", str(rules), "rules", "test", "--min-coverage", "100", "--json"])
    payload = json.loads(result.output)
    assert result.exit_code == 1 and payload["coverage_ok"] is False
    assert "extra.never-tested" in json.dumps(payload)
    relaxed = CliRunner().invoke(cli, ["--rules", str(rules), "rules", "test", "--min-coverage", "99", "--json"])
    assert relaxed.exit_code == 0


def test_a_failing_case_prints_its_explanation(tmp_path):
    rules = tmp_path / "rules"
    shutil.copytree(bundled_rules_dir() / "base", rules / "base")
    (rules / "base" / "zz.test.yaml").write_text(
        "cases:\n  - name: wrong on purpose\n    given: {claim: {status: free}, lines: [{status: free}]}\n"
        "    command: submit\n    expect: {claim: {status: approved}}\n")
    result, _ = CliRunner().invoke(cli, ["--rules", str(rules), "rules", "test"]), None
    assert result.exit_code == 1
    assert "claim.status: expected approved, got pending_approval" in result.output
    assert "FIRED   submit.header" in result.output


def test_explain_a_case_lists_each_rule_and_condition():
    case = bundled_rules_dir() / "base" / "20-decide.test.yaml"
    result, payload = run("rules", "explain", "--case", f"{case}:5", "--json")
    assert result.exit_code == 0 and payload["outcome"] == "denied"
    rules = {r["rule"]: r for p in payload["passes"] for r in p["rules"]}
    guard = rules["approve.guard.quantity"]
    assert guard["matched"] and any(c["field"] == "line.approval_quantity" and c["read"] == "3"
                                    for f in guard["facts"] for c in f["conditions"])


def test_diff_between_base_and_a_company_lists_parameters(tmp_path):
    result, payload = run("rules", "diff", "--company", "SS01", "--json")
    assert result.exit_code == 0 and payload["parameters"]["use_claim_history"]["new"] is True


def test_diff_between_two_folders_reports_changed_conditions(tmp_path):
    old, new = tmp_path / "old", tmp_path / "new"
    shutil.copytree(bundled_rules_dir() / "base", old / "base")
    shutil.copytree(bundled_rules_dir() / "base", new / "base")
    text = (new / "base" / "50-close.yaml").read_text()
    (new / "base" / "50-close.yaml").write_text(text.replace("id: close.apply", "id: close.apply-renamed"))
    result, payload = run("rules", "diff", str(old), str(new), "--json")
    assert result.exit_code == 0
    assert [r["id"] for r in payload["added"]] == ["close.apply-renamed"]
    assert [r["id"] for r in payload["removed"]] == ["close.apply"]


def test_graph_prints_mermaid_and_writes_svg(tmp_path):
    result, payload = run("rules", "graph", "--svg", str(tmp_path / "g.svg"), "--json")
    assert result.exit_code == 0
    assert payload["graphs"]["claim"]["mermaid"].startswith("stateDiagram-v2")
    assert any(e["from"] == "free" and e["to"] == "pending_approval" for e in payload["graphs"]["claim"]["edges"])
    assert (tmp_path / "g-claim.svg").read_text().startswith("<svg") and (tmp_path / "g-line.svg").exists()


def test_simulate_reports_changed_decisions_and_fails_above_the_limit(tmp_path):
    db = f"sqlite:///{tmp_path / 'c.sqlite'}"
    assert run("init", "--company", "SS01", db=db)[0].exit_code == 0
    candidate = tmp_path / "candidate"
    shutil.copytree(bundled_rules_dir(), candidate, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    result, payload = run("rules", "simulate", "--rules", str(candidate), "--json", db=db)
    assert result.exit_code == 0 and payload["changes"] == 0


def _all_cases():
    out = []
    for path in case_files(bundled_rules_dir()):
        for case in load_case_file(path).cases:
            if not case.todo:
                out.append(pytest.param(case, id=f"{path.name}::{case.name}"))
    return out


@pytest.mark.parametrize("case", _all_cases())
def test_durable_rules_and_the_reference_agree_on_every_rule_case(case):
    ruleset = load_ruleset(bundled_rules_dir(), case.company)
    reference, durable = default_evaluators()
    assert run_case(case, ruleset, durable).signature() == run_case(case, ruleset, reference).signature()
