"""Hand-built FactSets for rule tests, and the two evaluators, shared by the rule test modules.

Every fact carries every non-optional catalogue field (engine/rulebook/catalogue.py), as
engine/service/facts.py builds them; the claim's counters are derived from its lines unless a
test overrides them.
"""
from __future__ import annotations

import random
from decimal import Decimal
from functools import cache

from claimflow.engine.domain.statuses import APPROVED_LINE_STATUSES, UNDECIDED_LINE_STATUSES
from claimflow.engine.rulebook.catalogue import CREDIT_NOTE_STATES, FACTS, HEADER_STATUSES, LINE_STATUSES
from claimflow.engine.rulebook.encoding import decode_decimal, encode
from claimflow.engine.rulebook.facts import FactSet
from claimflow.engine.rulebook.loader import load_ruleset
from claimflow.engine.rulebook.model import RuleSet
from claimflow.engine.rulebook.reference import ReferenceEvaluator, _compare
from claimflow.engine.settings import bundled_rules_dir

D = Decimal
FINAL_LINE_STATUSES = {"settled", "rejected", "canceled"}


@cache
def base_ruleset() -> RuleSet:
    return load_ruleset(bundled_rules_dir())


@cache
def durable_evaluator():
    """One durable-rules evaluator per test process (the engine is meant to have one host)."""
    from claimflow.engine.rulebook.durable_engine import DurableEvaluator
    return DurableEvaluator()


@cache
def reference_evaluator() -> ReferenceEvaluator:
    return ReferenceEvaluator()


EVALUATORS = {"durable": durable_evaluator, "reference": reference_evaluator}


def neutral(ftype):
    """The value a field has when nothing is going on: false, 0, "", or the enum's "none"."""
    if ftype.kind == "bool":
        return False
    if ftype.kind == "int":
        return 0
    if ftype.kind == "decimal":
        return Decimal("0")
    if ftype.kind == "enum":
        return "none" if "none" in ftype.values else ftype.values[0]
    return ""


def complete(kind: str, fact: dict) -> dict:
    """Fills every required catalogue field the test did not set with its neutral value, so the
    helpers keep up with a growing catalogue; tests set the fields their rules read."""
    for name, ftype in FACTS[kind].items():
        if name not in fact and not ftype.optional:
            fact[name] = neutral(ftype)
    return fact


def line(line_no: int = 10, status: str = "pending_approval", *, quantity="2", amount="5.00", **overrides) -> dict:
    quantity, amount = D(quantity), D(amount)
    fact = {
        "line_no": line_no, "status": status, "selected": False, "item": "ITEM-1",
        "claim_method": "reimburse_costs", "use_estimates": False, "return_material_required": False,
        "has_document": True, "quantity": quantity, "amount": amount,
        "approvable_quantity": quantity, "approvable_amount": amount,
        "approval_quantity": quantity, "approval_amount": amount,
        "approved_quantity": None, "approved_amount": None,
        "credit_note": "none", "credit_note_amount": None,
    }
    fact.update(overrides)
    return complete("line", fact)


def claim(lines: list[dict], status: str = "pending_approval", **overrides) -> dict:
    """The claim header fact; counters follow from `lines` unless overridden."""
    fact = {
        "number": "CLM-000001", "status": status, "origin": "document",
        "invoice_procedure": "credit_note_based", "partially_approved": False, "has_document": True,
        "document_type": "invoice", "currency": "EUR", "line_count": len(lines),
        "undecided_lines": sum(1 for ln in lines if ln["status"] in UNDECIDED_LINE_STATUSES),
        "approved_lines": sum(1 for ln in lines if ln["status"] in APPROVED_LINE_STATUSES),
        "rejected_lines": sum(1 for ln in lines if ln["status"] == "rejected"),
        "canceled_lines": sum(1 for ln in lines if ln["status"] == "canceled"),
        "unsettled_lines": sum(1 for ln in lines if ln["status"] not in FINAL_LINE_STATUSES),
        "open_documents": sum(1 for ln in lines if ln["credit_note"] == "open"),
        "final_documents": sum(1 for ln in lines if ln["credit_note"] == "final"),
        "total_amount": sum((ln["amount"] for ln in lines), D("0")),
    }
    fact.update(overrides)
    return complete("claim", fact)


def command(name: str, *, line_no: int = 0, reason: str = "", **overrides) -> dict:
    fact = {"name": name, "actor": "tester", "line_no": line_no, "reason": reason, "text": "",
            "approved_quantity": None, "approved_amount": None, "document_number": None}
    fact.update(overrides)
    return complete("command", fact)


def parameters(**overrides) -> dict:
    return complete("parameters", {"use_claim_history": False, "inventory_allocations_required": False,
                                   "document_approval": False, **overrides})


def factset(lines: list[dict], *, command_name: str | None = None, claim_key: str = "CLM-000001",
            command_fields: dict | None = None, claim_fields: dict | None = None,
            claim_status: str = "pending_approval", select: list[int] | None = None) -> FactSet:
    """A claim's facts. `select` marks the lines the command is about (default: all for a
    whole-claim command, the command's line for a line command, none in a derived pass)."""
    command_fields = dict(command_fields or {})
    if command_name is not None:
        cmd = command(command_name, **command_fields)
        if select is None:
            select = [cmd["line_no"]] if cmd["line_no"] else [ln["line_no"] for ln in lines]
    else:
        cmd = {}
    chosen = set(select or [])
    lines = [dict(ln, selected=ln["line_no"] in chosen) for ln in lines]
    header = claim(lines, claim_status, number=claim_key, **(claim_fields or {}))
    return FactSet(claim_key=claim_key, command=cmd, parameters=parameters(), claim=header, lines=lines)


def check_complete(facts: FactSet) -> None:
    """Fails loudly when a hand-built fact misses a required catalogue field."""
    for kind in ("claim", "parameters", "line") + (("command",) if facts.command else ()):
        for fact in facts.of_kind(kind):
            missing = [f for f, t in FACTS[kind].items() if not t.optional and f not in fact]
            assert not missing, f"{kind} fact lacks {missing}"


def fired(evaluator, facts: FactSet, command_name: str | None = None, ruleset: RuleSet | None = None):
    """{(rule id, line no)} that fire for the command's pass (or the derived pass)."""
    check_complete(facts)
    ruleset = ruleset or base_ruleset()
    return {(f.rule_id, f.line_no) for f in evaluator.evaluate(ruleset, command_name, facts)}


# --- generated claims (differential tests, the collision test and the benchmark) --------------

def _amount(rng: random.Random) -> Decimal:
    return Decimal(rng.randint(0, 100_000)) / Decimal(100)


def _near(rng: random.Random, value: Decimal) -> Decimal:
    """A value at, just below or just above a limit, or zero: where comparisons can differ."""
    return rng.choice([value, value - Decimal("0.0001"), value + Decimal("0.0001"), Decimal("0"), value * 2])


def random_value(rng: random.Random, ftype):
    """Any value of the field's type; optional fields are sometimes absent."""
    if ftype.optional and rng.random() < 0.4:
        return None
    if ftype.kind == "bool":
        return rng.random() < 0.5
    if ftype.kind == "int":
        return rng.choice([0, 0, 1, 2, 3])
    if ftype.kind == "decimal":
        return rng.choice([Decimal("0"), Decimal("1"), Decimal("2.5"), _amount(rng)])
    if ftype.kind == "enum":
        return rng.choice(ftype.values)
    return rng.choice(["", "", "X", "DAMAGED"])


def random_fact(rng: random.Random, kind: str, **fixed) -> dict:
    fact = {name: random_value(rng, ftype) for name, ftype in FACTS[kind].items()}
    fact.update(fixed)
    return fact


def random_line(rng: random.Random, line_no: int) -> dict:
    """Every catalogue field random; quantities and amounts correlated as the service makes them."""
    quantity = Decimal(rng.randint(1, 50))
    amount = _amount(rng)
    fact = random_fact(rng, "line", line_no=line_no, quantity=quantity, amount=amount,
                       approvable_quantity=quantity, approvable_amount=amount,
                       approval_quantity=_near(rng, quantity), approval_amount=_near(rng, amount),
                       selected=rng.random() < 0.6)
    if rng.random() < 0.5:  # often the quiet, common case: no document, no gates pending
        fact.update(credit_note="none", credit_note_amount=None)
    return fact


def random_factset(rng: random.Random, key: str, phase: str | None) -> FactSet:
    """A claim with 0-5 random lines; counters follow from the lines, or (30%) are random."""
    lines = [random_line(rng, 10 * (i + 1)) for i in range(rng.randint(0, 5))]
    header = claim(lines, rng.choice(HEADER_STATUSES), number=key)
    if rng.random() < 0.3:
        header = random_fact(rng, "claim", number=key, status=header["status"])
    else:
        header.update({k: v for k, v in random_fact(rng, "claim").items()
                       if FACTS["claim"][k].kind in ("bool", "enum") and k != "status"})
    cmd = {}
    if phase is not None:
        cmd = random_fact(rng, "command", name=phase, reason=rng.choice(["", "DAMAGED", "NO-PROOF"]),
                          line_no=rng.choice([0] + [ln["line_no"] for ln in lines]))
    return FactSet(claim_key=key, command=cmd, parameters=random_fact(rng, "parameters"), claim=header,
                   lines=lines)


# --- a rule's witness: facts built from the rule's own conditions ---------------------------------

def _candidates(ftype, tests) -> list:
    """Engine-encoded values that may satisfy every non-reference test on one field."""
    eq = [t.value for t in tests if t.op == "eq"]
    ins = [t.value for t in tests if t.op == "in"]
    if eq:
        return eq[:1]
    if ins:
        return [v for v in ins[0] if all(v in other for other in ins[1:])]
    if ftype.kind == "enum":
        return list(ftype.values)
    if ftype.kind == "bool":
        return [True, False]
    if ftype.kind == "string":
        return ["", "X", "DAMAGED"]
    bounds = [t.value for t in tests if t.op in ("gt", "gte", "lt", "lte") and t.ref is None]
    near = {b + d for b in bounds for d in (-1, 0, 1)}
    return sorted(near | {0, 1, 10_000, 20_000}, key=lambda v: (abs(v), v))


def _satisfies(value, tests) -> bool:
    return all(_compare(t.op, value, t.value) for t in tests if t.op != "exists" and t.ref is None)


def _solve_field(ftype, tests):
    exists = [t.value for t in tests if t.op == "exists"]
    if exists and exists[0] is False:
        return None
    for value in _candidates(ftype, tests):
        if _satisfies(value, tests):
            return value
    raise AssertionError(f"no value satisfies {[(t.field, t.op, t.value) for t in tests]}")


def _decode(ftype, value):
    return decode_decimal(value) if ftype.kind == "decimal" and value is not None else value


def _shift(op: str) -> int:
    return {"gt": 1, "lt": -1, "ne": 1}.get(op, 0)


def witness(rule) -> FactSet:
    """Facts under which `rule` must fire: each field set to satisfy the rule's tests on it, every
    other field neutral; references (`field op other.field`) resolved after the plain tests."""
    encoded: dict[str, dict] = {"command": {}, "parameters": {}, "claim": {}, "line": {}}
    for pattern in rule.patterns:
        by_field: dict[str, list] = {}
        for t in pattern.tests:
            by_field.setdefault(t.field, []).append(t)
        for name, tests in by_field.items():
            if all(t.ref for t in tests):
                continue
            encoded[pattern.kind][name] = _solve_field(FACTS[pattern.kind][name], tests)
    for pattern in rule.patterns:
        for t in (t for t in pattern.tests if t.ref):
            rkind, rfield = t.ref
            right = encoded[rkind].get(rfield)
            if right is None:
                right = _encode_neutral(rkind, rfield)
                encoded[rkind][rfield] = right
            ftype = FACTS[pattern.kind][t.field]
            encoded[pattern.kind][t.field] = (not right) if ftype.kind == "bool" and t.op == "ne" else (
                right + _shift(t.op) if isinstance(right, int) and not isinstance(right, bool) else right)
    typed = {kind: {k: _decode(FACTS[kind][k], v) for k, v in values.items()} for kind, values in encoded.items()}
    has_line = "line" in rule.kinds()
    lines = [line(**{"line_no": 10, "selected": False, **typed["line"]})] if has_line else []
    cmd = command(rule.commands[0], **{k: v for k, v in typed["command"].items() if k != "name"}) \
        if rule.commands else {}
    if cmd and "name" in typed["command"]:
        cmd["name"] = typed["command"]["name"]
    header = claim(lines, **{"status": "pending_approval", **typed["claim"]})
    return FactSet(claim_key="CLM-WITNESS", command=cmd, parameters=parameters(**typed["parameters"]),
                   claim=header, lines=lines)


def _encode_neutral(kind: str, name: str):
    return encode(FACTS[kind][name], neutral(FACTS[kind][name]))


def mutate(rng: random.Random, facts: FactSet, changes: int = 2) -> FactSet:
    """The same claim with a few fields set to random values of their type (near-misses of a rule)."""
    out = FactSet(facts.claim_key, dict(facts.command), dict(facts.parameters), dict(facts.claim),
                  [dict(ln) for ln in facts.lines])
    kinds = [k for k in ("command", "parameters", "claim", "line") if out.of_kind(k) and out.of_kind(k)[0]]
    for _ in range(changes):
        kind = rng.choice(kinds)
        fact = rng.choice(out.of_kind(kind))
        name = rng.choice([n for n in FACTS[kind] if n not in ("name", "line_no", "number")])
        fact[name] = random_value(rng, FACTS[kind][name])
        if fact[name] is None and not FACTS[kind][name].optional:
            fact[name] = neutral(FACTS[kind][name])
    return out
