"""Differential test: durable-rules and the reference evaluator agree on generated claims.

Seeded random FactSets over every command and the derived pass: statuses, flags, credit notes,
selections, approval values at and around the limits, counters derived from the lines or not.
"""
from __future__ import annotations

import random
from decimal import Decimal

import pytest

from claimflow.engine.rulebook.catalogue import COMMANDS, CREDIT_NOTE_STATES, HEADER_STATUSES, LINE_STATUSES
from factsets import base_ruleset, check_complete, claim, command, durable_evaluator, line, parameters, reference_evaluator
from claimflow.engine.rulebook.facts import FactSet

SEEDS = range(60)
CLAIMS_PER_SEED = 50      # 3,000 claims, each evaluated in its command pass and its derived pass
PHASES = tuple(COMMANDS) + (None,)


def _amount(rng: random.Random) -> Decimal:
    return Decimal(rng.randint(0, 100_000)) / Decimal(100)


def _near(rng: random.Random, value: Decimal) -> Decimal:
    """A value at, just below or just above a limit, or zero: where comparisons can differ."""
    return rng.choice([value, value - Decimal("0.0001"), value + Decimal("0.0001"), Decimal("0"), value * 2])


def random_line(rng: random.Random, line_no: int) -> dict:
    quantity = Decimal(rng.randint(1, 50))
    amount = _amount(rng)
    credit = rng.choice(CREDIT_NOTE_STATES)
    fact = line(line_no, rng.choice(LINE_STATUSES), quantity=quantity, amount=amount,
                selected=rng.random() < 0.6, use_estimates=rng.random() < 0.3,
                return_material_required=rng.random() < 0.3, has_document=rng.random() < 0.7,
                claim_method=rng.choice(["reimburse_costs", "reimburse_materials"]), credit_note=credit,
                approval_quantity=_near(rng, quantity), approval_amount=_near(rng, amount))
    if rng.random() < 0.4:
        fact.update(approved_quantity=quantity, approved_amount=amount)
    if credit != "none" and rng.random() < 0.8:
        fact["credit_note_amount"] = amount
    return fact


def random_factset(rng: random.Random, key: str, phase: str | None) -> FactSet:
    lines = [random_line(rng, 10 * (i + 1)) for i in range(rng.randint(0, 5))]
    overrides = {}
    if rng.random() < 0.3:  # counters that do not follow from the lines (rules must not care how they were made)
        overrides = {name: rng.randint(0, 3) for name in ("undecided_lines", "approved_lines", "rejected_lines",
                                                         "open_documents", "line_count")}
    header = claim(lines, rng.choice(HEADER_STATUSES), number=key, partially_approved=rng.random() < 0.2,
                   invoice_procedure=rng.choice(["credit_note_based", "invoice_based"]), **overrides)
    cmd = {}
    if phase is not None:
        cmd = command(phase, line_no=rng.choice([0] + [ln["line_no"] for ln in lines]),
                      reason=rng.choice(["", "DAMAGED", "NO-PROOF"]))
        if rng.random() < 0.3:
            cmd["approved_quantity"] = Decimal(rng.randint(0, 10))
        if rng.random() < 0.2:
            cmd["document_number"] = f"CN-{key}-1"
    return FactSet(claim_key=key, command=cmd, parameters=parameters(use_claim_history=rng.random() < 0.5),
                   claim=header, lines=lines)


@pytest.mark.parametrize("seed", SEEDS)
def test_durable_rules_and_the_reference_evaluator_fire_the_same_rules_on_generated_claims(seed):
    rng = random.Random(seed)
    ruleset = base_ruleset()
    durable, reference = durable_evaluator(), reference_evaluator()
    firings = 0
    for n in range(CLAIMS_PER_SEED):
        phase = rng.choice(PHASES)
        for current in (phase, None) if phase else (None,):
            facts = random_factset(rng, f"CLM{seed:03d}{n:05d}", current)
            check_complete(facts)
            expected = reference.evaluate(ruleset, current, facts)
            got = durable.evaluate(ruleset, current, facts)
            assert got == expected, f"seed {seed}, claim {n}, phase {current}: {facts}"
            firings += len(expected)
    assert firings > 0  # the generator must reach rules, or agreement proves nothing


def test_generated_claims_reach_every_base_rule():
    """The generator is worth something only if, over all seeds, every rule fires somewhere."""
    ruleset = base_ruleset()
    reference = reference_evaluator()
    seen: set[str] = set()
    for seed in SEEDS:
        rng = random.Random(seed)
        for n in range(CLAIMS_PER_SEED):
            phase = rng.choice(PHASES)
            for current in (phase, None) if phase else (None,):
                facts = random_factset(rng, f"CLM{seed:03d}{n:05d}", current)
                seen.update(f.rule_id for f in reference.evaluate(ruleset, current, facts))
    assert seen == {r.id for r in ruleset.rules}
