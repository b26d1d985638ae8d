"""Rule test cases (`*.test.yaml` beside the rule files): loading, running through the real command
pipeline with both evaluators, checking expectations, and rule coverage.

This module drives the service layer (`engine.service.decide.run_command`) the way the CLI does, so
it imports upward from the rulebook; nothing in the engine imports it.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from ..domain.errors import ClaimflowError, CommandDenied, RuleSetInvalid
from ..domain.model import Claim, ClaimLine, OutboundDocument
from ..domain.statuses import OutboundKind
from .catalogue import FACTS
from .facts import FactSet
from .model import Firing, RuleSet
from .problems import Location, Problem, raise_if_any
from .reference import ReferenceEvaluator
from .yaml_strict import load_file

CASE_SUFFIX = ".test.yaml"
NOW = datetime(2024, 6, 1, 12, 0)
_CLAIM_FIELDS = ("status", "origin", "invoice_procedure", "partially_approved", "document_type", "currency")
_LINE_FIELDS = ("status", "claim_method", "use_estimates", "return_material_required", "quantity", "amount",
                "approved_quantity", "approved_amount", "item", "rejection_reason")
_COMMAND_FIELDS = {"line": "line_no", "reason": "reason", "text": "text", "approved_quantity": "approved_quantity",
                   "approved_amount": "approved_amount", "document": "document_number", "actor": "actor"}


@dataclass
class Case:
    name: str
    file: str
    location: Location
    company: str | None
    data: dict

    @property
    def todo(self) -> str | None:
        return self.data.get("todo")

    @property
    def id(self) -> str:
        return f"{self.file}::{self.name}"


@dataclass
class CaseFile:
    path: Path
    display: str
    company: str | None
    cases: list[Case]


# --- loading ----------------------------------------------------------------------------------
def case_files(rules_dir: Path, company: str | None = None, all_companies: bool = True) -> list[Path]:
    """Base case files, then the company's (or every company's) case files."""
    rules_dir = Path(rules_dir)
    files = sorted((rules_dir / "base").glob(f"*{CASE_SUFFIX}"))
    companies = rules_dir / "companies"
    if company:
        files += sorted((companies / company).glob(f"*{CASE_SUFFIX}"))
    elif all_companies and companies.is_dir():
        files += sorted(companies.glob(f"*/*{CASE_SUFFIX}"))
    return files


def company_of(path: Path) -> str | None:
    """Case files under companies/<CODE>/ run against that company's effective rule set."""
    parts = path.parts
    return parts[-2] if len(parts) >= 3 and parts[-3] == "companies" else None


def load_case_file(path: Path, display: str | None = None) -> CaseFile:
    """Strict YAML plus the rule-test schema; raises RuleSetInvalid with every problem."""
    from .loader import schema_problems, validator
    path = Path(path)
    loaded = load_file(path, display or str(path))
    problems = list(loaded.problems)
    if loaded.data is not None and not problems:
        problems.extend(schema_problems(loaded, validator("ruletest")))
    if loaded.data is None and not problems:
        problems.append(Problem("empty_file", "the case file is empty", Location(loaded.file, 1, 1)))
    raise_if_any(problems)
    default = loaded.data.get("company") or company_of(path)
    cases = [Case(raw["name"], loaded.file, loaded.where(("cases", i)), raw.get("company", default), raw)
             for i, raw in enumerate(loaded.data["cases"])]
    return CaseFile(path, loaded.file, default, cases)


# --- building the claim -----------------------------------------------------------------------
def default_parameters() -> dict:
    """Every catalogue parameter at its neutral value (false, 0, ""): a company that set nothing."""
    neutral = {"bool": False, "int": 0, "decimal": Decimal(0), "string": ""}
    return {name: (t.values[0] if t.kind == "enum" else neutral[t.kind])
            for name, t in FACTS["parameters"].items() if not t.optional}


def build_claim(given: dict) -> Claim:
    """A Claim aggregate in memory from a case's `given` (unnamed fields keep the model's defaults)."""
    header = dict(given.get("claim") or {})
    claim = Claim(company_code="CASE", number=header.pop("number", "CLM-CASE"), customer_code="C001",
                  currency=header.pop("currency", "EUR"), created_at=NOW)
    if header.pop("has_document", False) or header.get("document_type") not in (None, "none"):
        claim.document_id, claim.document_number = 1, "DOC-1"
    if header.get("document_type") == "none":
        header.pop("document_type")
    for name, value in header.items():
        setattr(claim, name, value)
    for i, raw in enumerate(given.get("lines") or [{}], start=1):
        claim.lines.append(_build_line(claim, dict(raw), i * 10))
    return claim


def _build_line(claim: Claim, raw: dict, default_no: int) -> ClaimLine:
    line = ClaimLine(line_no=raw.pop("line_no", default_no), item_code=raw.pop("item", "ITEM-1"),
                     quantity=Decimal(raw.pop("quantity", 1)), amount=Decimal(raw.pop("amount", 10)))
    credit_note = raw.pop("credit_note", "none")
    if raw.pop("has_document", False):
        line.doc_line_id = 1
    for name, value in raw.items():
        setattr(line, name, Decimal(value) if name.startswith("approved_") and value is not None else value)
    if credit_note != "none":
        amount = line.approved_amount if line.approved_amount is not None else line.amount
        claim.documents.append(OutboundDocument(OutboundKind.CREDIT_NOTE, f"CN-{claim.number}-{line.line_no}-1",
                                                line.line_no, amount, claim.currency, line.quantity, credit_note,
                                                NOW))
    return line


def build_command(raw, company: str = "CASE", number: str = "CLM-CASE"):
    from ..service.commands import ClaimCommand
    raw = {"name": raw} if isinstance(raw, str) else dict(raw)
    fields = {_COMMAND_FIELDS[k]: v for k, v in raw.items() if k in _COMMAND_FIELDS}
    return ClaimCommand(name=raw["name"], company=company, claim_number=number, **fields)


def raw_facts(data: dict, parameters: dict) -> FactSet:
    """Facts written out by hand: a default claim's facts with the given values laid over them."""
    from ..service.facts import build_facts
    lines = data.get("lines") or [{}]
    claim = build_claim({"lines": [{"line_no": ln.get("line_no", (i + 1) * 10)} for i, ln in enumerate(lines)]})
    command = build_command(data["command"]) if data.get("command") else None
    facts = build_facts(claim, {**parameters, **(data.get("parameters") or {})}, command)
    if command:
        facts.command.update({k: v for k, v in data["command"].items()} if isinstance(data["command"], dict) else {})
    facts.claim.update(data.get("claim") or {})
    for fact, given in zip(facts.lines, lines):
        fact.update(given)
    return facts


# --- running --------------------------------------------------------------------------------
@dataclass
class Pass:
    """One evaluation the pipeline asked for: the phase, the facts and what matched."""
    command: str | None
    facts: FactSet
    firings: list[Firing]


class RecordingEvaluator:
    """Wraps an evaluator and keeps every pass, for coverage, the differential check and explain."""

    def __init__(self, inner):
        self.inner, self.name, self.passes = inner, inner.name, []

    def evaluate(self, ruleset: RuleSet, command: str | None, facts: FactSet) -> list[Firing]:
        firings = self.inner.evaluate(ruleset, command, facts)
        self.passes.append(Pass(command, dataclasses.replace(facts, lines=[dict(x) for x in facts.lines]),
                                list(firings)))
        return firings


@dataclass
class Outcome:
    result: str                                  # done | denied | failed
    codes: list[str] = field(default_factory=list)
    message: str = ""
    claim: dict = field(default_factory=dict)
    lines: dict = field(default_factory=dict)
    events: list[str] = field(default_factory=list)
    passes: list[Pass] = field(default_factory=list)

    @property
    def fired(self) -> list[str]:
        seen: list[str] = []
        for p in self.passes:
            seen.extend(f.rule_id for f in p.firings if f.rule_id not in seen)
        return seen

    def signature(self):
        """What both evaluators must agree on."""
        return (self.result, self.codes, self.claim, self.lines, self.events,
                [(p.command, [(f.rule_id, f.line_no) for f in p.firings]) for p in self.passes])


def run_case(case: Case, ruleset: RuleSet, evaluator) -> Outcome:
    data = case.data
    parameters = {**default_parameters(), **ruleset.parameters,
                  **((data.get("given") or {}).get("parameters") or {})}
    ruleset = dataclasses.replace(ruleset, parameters=parameters)
    recorder = RecordingEvaluator(evaluator)
    if "facts" in data:
        return _run_facts(data["facts"], ruleset, recorder)
    from ..service.decide import run_command
    from ..service.facts import credit_note_state
    claim = build_claim(data.get("given") or {})
    outcome = Outcome("done")
    try:
        effects = run_command(claim, build_command(data["command"], number=claim.number), ruleset, recorder, NOW)
        outcome.events = [e.topic for e in effects.events]
    except CommandDenied as denied:
        outcome = Outcome("denied", sorted({r.code for r in denied.reasons}), denied.message)
    except ClaimflowError as error:
        outcome = Outcome("failed", [error.code], error.message)
    outcome.passes = recorder.passes
    outcome.claim = {"status": str(claim.status), "partially_approved": claim.partially_approved}
    outcome.lines = {ln.line_no: {"status": str(ln.status), "approved_quantity": ln.approved_quantity,
                                  "approved_amount": ln.approved_amount, "rejection_reason": ln.rejection_reason,
                                  "credit_note": credit_note_state(claim, ln.line_no)[0]} for ln in claim.lines}
    return outcome


def _run_facts(data: dict, ruleset: RuleSet, recorder: RecordingEvaluator) -> Outcome:
    """One phase over hand-written facts: which rules match, and the denials among them."""
    facts = raw_facts(data, ruleset.parameters)
    command = facts.command.get("name") if facts.command else None
    try:
        firings = recorder.evaluate(ruleset, command, facts)
    except ClaimflowError as error:
        return Outcome("failed", [error.code], error.message, passes=recorder.passes)
    codes = sorted({a.argument["code"] for f in firings for a in ruleset.rule(f.rule_id).actions
                    if a.name == "deny"})
    return Outcome("denied" if codes else "done", codes, passes=recorder.passes)


# --- checking -------------------------------------------------------------------------------
@dataclass
class CaseResult:
    case: Case
    status: str                                  # passed | failed | todo | skipped
    failures: list[str] = field(default_factory=list)
    outcome: Outcome | None = None
    company: str | None = None


def check_case(case: Case, ruleset: RuleSet, evaluators: list) -> CaseResult:
    """Runs the case with every evaluator; they must agree, and the outcome must meet `expect`."""
    if case.todo:
        return CaseResult(case, "todo", [case.todo], company=ruleset.company)
    outcomes = [run_case(case, ruleset, ev) for ev in evaluators]
    failures = []
    for ev, other in zip(evaluators[1:], outcomes[1:]):
        if other.signature() != outcomes[0].signature():
            failures.append(f"evaluators disagree: {evaluators[0].name} gave {_brief(outcomes[0])}, "
                            f"{ev.name} gave {_brief(other)}")
    failures.extend(expectation_failures(case.data.get("expect") or {}, outcomes[0]))
    return CaseResult(case, "failed" if failures else "passed", failures, outcomes[0], ruleset.company)


def _brief(outcome: Outcome) -> str:
    return f"{outcome.result} {outcome.codes} fired {outcome.fired} claim {outcome.claim}"


def expectation_failures(expect: dict, outcome: Outcome) -> list[str]:
    out = []
    wanted = expect.get("outcome") or ("denied" if "denied" in expect else "failed" if "error" in expect else "done")
    if outcome.result != wanted:
        out.append(f"expected outcome {wanted}, got {outcome.result} {outcome.codes} {outcome.message}".rstrip())
    if "denied" in expect and sorted(set(expect["denied"])) != outcome.codes:
        out.append(f"expected denials {sorted(set(expect['denied']))}, got {outcome.codes}")
    if "error" in expect and [expect["error"]] != outcome.codes:
        out.append(f"expected error {expect['error']}, got {outcome.codes}")
    fired = outcome.fired
    out += [f"expected rule {r} to fire; fired: {', '.join(fired) or 'none'}" for r in expect.get("fired", [])
            if r not in fired]
    out += [f"expected rule {r} not to fire, but it did" for r in expect.get("not_fired", []) if r in fired]
    for name, value in (expect.get("claim") or {}).items():
        if not _same(outcome.claim.get(name), value):
            out.append(f"claim.{name}: expected {value}, got {outcome.claim.get(name)}")
    for want in expect.get("lines") or []:
        got = outcome.lines.get(want["line_no"])
        if got is None:
            out.append(f"no line {want['line_no']}")
            continue
        out += [f"line {want['line_no']}.{k}: expected {v}, got {got.get(k)}" for k, v in want.items()
                if k != "line_no" and not _same(got.get(k), v)]
    if "events" in expect and expect["events"] != outcome.events:
        out.append(f"expected events {expect['events']}, got {outcome.events}")
    return out


def _same(actual, expected) -> bool:
    if isinstance(actual, Decimal) or isinstance(expected, Decimal):
        try:
            return actual is not None and expected is not None and Decimal(actual) == Decimal(expected)
        except Exception:
            return False
    return actual == expected


# --- suites and coverage -------------------------------------------------------------------
@dataclass
class Coverage:
    company: str | None
    rules: list[str]
    fired: set[str] = field(default_factory=set)

    @property
    def never_fired(self) -> list[str]:
        return [r for r in self.rules if r not in self.fired]

    @property
    def percent(self) -> Decimal:
        """Rounded down to one decimal: 99.95% never shows as 100%."""
        if not self.rules:
            return Decimal(100)
        covered = sum(1 for r in self.rules if r in self.fired)
        return (Decimal(100 * covered) / len(self.rules)).quantize(Decimal("0.1"), rounding="ROUND_DOWN")

    @property
    def complete(self) -> bool:
        return not self.never_fired

    def as_dict(self) -> dict:
        return {"company": self.company, "rules": len(self.rules), "fired": len(self.rules) - len(self.never_fired),
                "percent": str(self.percent), "never_fired": self.never_fired}


@dataclass
class SuiteReport:
    results: list[CaseResult] = field(default_factory=list)
    coverage: dict = field(default_factory=dict)       # company (None = base) -> Coverage

    def count(self, status: str) -> int:
        return sum(1 for r in self.results if r.status == status)

    def record(self, result: CaseResult, ruleset: RuleSet) -> None:
        self.results.append(result)
        cov = self.coverage.setdefault(ruleset.company, Coverage(ruleset.company, [r.id for r in ruleset.rules]))
        if result.outcome:
            cov.fired |= set(result.outcome.fired)


_DURABLE = None


def default_evaluators() -> list:
    """Reference first (its passes feed explanations), then durable-rules (one per process)."""
    global _DURABLE
    if _DURABLE is None:
        from .durable_engine import DurableEvaluator
        _DURABLE = DurableEvaluator()
    return [ReferenceEvaluator(), _DURABLE]


def applies_to(case: Case, ruleset: RuleSet) -> bool:
    """A base case about a rule a company disabled or overrode says nothing about that company."""
    if ruleset.company is None or case.company == ruleset.company:
        return True
    named = set((case.data.get("expect") or {}).get("fired", [])) | set((case.data.get("expect") or {}).get("not_fired", []))
    ids = {r.id for r in ruleset.rules if r.origin.layer == "base"}
    return named <= ids


def run_suite(rules_dir: Path, company: str | None = None, evaluators: list | None = None,
              load=None) -> SuiteReport:
    """With a company: the base cases and that company's cases, all on the company's effective
    rules. Without one: the base cases on the base rules, then the same run for every company
    that has an overlay (a company inherits the base cases, so its coverage counts them)."""
    from .loader import load_ruleset
    load = load or (lambda c: load_ruleset(rules_dir, c))
    evaluators = evaluators or default_evaluators()
    if company is not None:
        return _run_cases(rules_dir, company, case_files(rules_dir, company), evaluators, load)
    report = _run_cases(rules_dir, None, case_files(rules_dir, None, all_companies=False), evaluators, load)
    folder = Path(rules_dir) / "companies"
    for overlay in sorted(folder.glob("*/overlay.yaml")) if folder.is_dir() else []:
        code = overlay.parent.name
        own = _run_cases(rules_dir, code, case_files(rules_dir, code), evaluators, load)
        report.results.extend(r for r in own.results if r.case.company == code)
        report.coverage.update({k: v for k, v in own.coverage.items() if k is not None})
    return report


def _run_cases(rules_dir: Path, company: str | None, files: list[Path], evaluators: list, load) -> SuiteReport:
    report, problems = SuiteReport(), []
    ruleset = load(company)
    for path in files:
        try:
            cfile = load_case_file(path, _display(path, rules_dir))
        except RuleSetInvalid as error:
            problems.extend(error.problems)
            continue
        for case in cfile.cases:
            if not applies_to(case, ruleset):
                report.record(CaseResult(case, "skipped", ["names a rule this company disabled or overrode"],
                                         company=company), ruleset)
                continue
            report.record(check_case(case, ruleset, evaluators), ruleset)
    raise_if_any(problems)
    report.coverage.setdefault(company, Coverage(company, [r.id for r in ruleset.rules]))
    return report


def _display(path: Path, rules_dir: Path) -> str:
    try:
        return str(Path(path).relative_to(Path(rules_dir).parent))
    except ValueError:
        return str(path)
