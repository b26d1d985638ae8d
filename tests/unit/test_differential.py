"""Differential test: durable-rules and the reference evaluator agree on generated claims.

Two generators, both seeded: random FactSets over every command and the derived pass (every
catalogue field random, approval values at and around their limits, counters derived from the
lines or not); and, for every rule, the facts built from its own conditions with a few fields
changed at random (near-misses, where the two evaluators are most likely to part).
"""
from __future__ import annotations

import random

import pytest

from claimflow.engine.rulebook.catalogue import COMMANDS
from factsets import base_ruleset, check_complete, durable_evaluator, mutate, random_factset, reference_evaluator, witness

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


MUTATIONS_PER_RULE = 12


def test_durable_rules_and_the_reference_evaluator_agree_on_near_misses_of_every_rule():
    rng = random.Random(2024)
    ruleset = base_ruleset()
    durable, reference = durable_evaluator(), reference_evaluator()
    for rule in ruleset.rules:
        phase = rule.commands[0] if rule.commands else None
        base = witness(rule)
        for n in range(MUTATIONS_PER_RULE):
            facts = mutate(rng, base, changes=1 + n % 3)
            check_complete(facts)
            for current in (phase, None) if phase else (None,):
                expected = reference.evaluate(ruleset, current, facts)
                assert durable.evaluate(ruleset, current, facts) == expected, (rule.id, n, current, facts)


def test_generated_claims_reach_every_base_rule():
    """The random generator is worth something only if it reaches nearly every rule (the near-miss
    test covers every rule by construction)."""
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
    unreached = {r.id for r in ruleset.rules} - seen
    assert len(unreached) <= len(ruleset.rules) // 10, f"random claims reach too few rules; unreached: {sorted(unreached)}"
