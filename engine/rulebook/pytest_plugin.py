"""pytest plugin: collects rule test cases (`rules/**/*.test.yaml`), runs each with both evaluators,
prints the explanation trace of a failing case, and reports rule coverage per company.

Registered under `[project.entry-points.pytest11]`; `--rules-min-coverage N` fails the run when a
rule set's coverage is below N percent.
"""
from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from ..domain.errors import RuleSetInvalid
from .cases import CASE_SUFFIX, Case, CaseResult, Coverage, applies_to, check_case, default_evaluators, load_case_file

_STATE = pytest.StashKey[dict]()


def pytest_addoption(parser):
    group = parser.getgroup("claimflow-rules", "Claimflow rule test cases")
    group.addoption("--rules-min-coverage", type=Decimal, default=None, metavar="N",
                    help="fail when a rule set's rule coverage is below N percent")


def pytest_configure(config):
    config.stash[_STATE] = {"rulesets": {}, "coverage": {}, "low": []}


def rules_dir_of(path: Path) -> Path | None:
    """rules/base/x.test.yaml -> rules; rules/companies/CODE/x.test.yaml -> rules."""
    if path.parent.name == "base":
        return path.parent.parent
    if path.parent.parent.name == "companies":
        return path.parent.parent.parent
    return None


def pytest_collect_file(file_path: Path, parent):
    if file_path.name.endswith(CASE_SUFFIX) and rules_dir_of(file_path) is not None:
        return RuleCaseFile.from_parent(parent, path=file_path)
    return None


class RuleCaseFile(pytest.File):
    def collect(self):
        try:
            cfile = load_case_file(self.path, _display(self.path))
        except RuleSetInvalid as error:
            yield BrokenCaseFile.from_parent(self, name="load", problems=error.problems)
            return
        # A base case also runs on every company's rule set: companies inherit the base rules, so
        # their coverage counts the base cases (as `claims rules test` does).
        companies = [None] + _companies(rules_dir_of(self.path)) if self.path.parent.name == "base" else [None]
        for case in cfile.cases:
            for company in companies:
                name = case.name if company is None else f"{case.name} [{company}]"
                yield RuleCaseItem.from_parent(self, name=name, case=case, company=company or case.company)


class BrokenCaseFile(pytest.Item):
    """A case file that does not load fails as one test, with every problem at its line."""

    def __init__(self, *, problems, **kwargs):
        super().__init__(**kwargs)
        self.problems = problems

    def runtest(self):
        raise RuleSetInvalid("case file invalid", [])

    def repr_failure(self, excinfo):
        return "\n".join(p.render() for p in self.problems)

    def reportinfo(self):
        return self.path, 0, f"rule case file {self.path.name}"


class CaseFailed(Exception):
    def __init__(self, result: CaseResult, ruleset):
        super().__init__(result.failures)
        self.result, self.ruleset = result, ruleset


class RuleCaseItem(pytest.Item):
    def __init__(self, *, case: Case, company: str | None, **kwargs):
        super().__init__(**kwargs)
        self.case, self.company = case, company

    def runtest(self):
        state = self.config.stash[_STATE]
        ruleset = _ruleset(state, rules_dir_of(self.path), self.company)
        if self.case.todo:
            pytest.skip(f"todo: {self.case.todo}")
        if not applies_to(self.case, ruleset):
            pytest.skip("names a rule this company disabled or overrode")
        result = check_case(self.case, ruleset, default_evaluators())
        if result.outcome:
            state["coverage"][ruleset.company].fired |= set(result.outcome.fired)
        if result.status == "failed":
            raise CaseFailed(result, ruleset)

    def repr_failure(self, excinfo):
        if isinstance(excinfo.value, CaseFailed):
            from .explain import render_explanation
            failed = excinfo.value
            lines = [f"rule case failed: {self.case.name} ({self.case.location})"]
            lines += [f"  - {f}" for f in failed.result.failures]
            lines += ["", "explanation (reference evaluator):",
                      render_explanation(failed.ruleset, failed.result.outcome.passes)]
            return "\n".join(lines)
        if isinstance(excinfo.value, RuleSetInvalid):
            return "\n".join(p.render() for p in getattr(excinfo.value, "problems", [])) or str(excinfo.value)
        return super().repr_failure(excinfo)

    def reportinfo(self):
        return self.path, self.case.location.line - 1, f"rule case: {self.case.name}"


def _ruleset(state: dict, rules_dir: Path, company: str | None):
    from .loader import load_ruleset
    key = (str(rules_dir), company)
    if key not in state["rulesets"]:
        state["rulesets"][key] = load_ruleset(rules_dir, company)
        ruleset = state["rulesets"][key]
        state["coverage"].setdefault(company, Coverage(company, [r.id for r in ruleset.rules]))
    return state["rulesets"][key]


def _companies(rules_dir: Path) -> list[str]:
    folder = rules_dir / "companies"
    return sorted(p.parent.name for p in folder.glob("*/overlay.yaml")) if folder.is_dir() else []


def _display(path: Path) -> str:
    rules_dir = rules_dir_of(path)
    try:
        return str(path.relative_to(rules_dir.parent))
    except ValueError:
        return str(path)


def pytest_sessionfinish(session, exitstatus):
    state = session.config.stash.get(_STATE, None)
    minimum = session.config.getoption("--rules-min-coverage")
    if not state or minimum is None:
        return
    state["low"] = [c for c in state["coverage"].values() if c.percent < minimum]
    if state["low"] and session.exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    state = config.stash.get(_STATE, None)
    if not state or not state["coverage"]:
        return
    write = terminalreporter.write_line
    terminalreporter.section("rule coverage")
    for cov in state["coverage"].values():
        write(f"{cov.company or 'base'}: {cov.percent}% of {len(cov.rules)} rules fired"
              + (f"; never fired: {', '.join(cov.never_fired)}" if cov.never_fired else ""))
    minimum = config.getoption("--rules-min-coverage")
    for cov in state["low"]:
        write(f"FAIL: {cov.company or 'base'} rule coverage {cov.percent}% is below {minimum}%", red=True)
