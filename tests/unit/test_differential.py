"""Differential test: durable-rules and the reference evaluator agree on generated claims.

Seeded random FactSets over every command and the derived pass: statuses, flags, credit notes,
selections, approval values at and around the limits, counters derived from the lines or not.
"""
from __future__ import annotations

import random

import pytest

from claimflow.engine.rulebook.catalogue import COMMANDS
from factsets import base_ruleset, check_complete, durable_evaluator, random_factset, reference_evaluator

SEEDS = range(60)
CLAIMS_PER_SEED = 50      # 3,000 claims, each evaluated in its command pass and its derived pass
PHASES = tuple(COMMANDS) + (None,)


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
