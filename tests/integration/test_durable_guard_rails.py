"""The durable-rules adapter's guard-rails (DESIGN.md, FINDINGS.md §3, §4, §6, §8), on the real engine.

(a) an error inside an engine action fails the evaluation and changes nothing in the database;
(b) a command no rule matches gets an explicit outcome, never an engine exception;
(c) 70,000 distinct claims in one process: no false duplicate, flat memory;
(d) claim numbers whose session hashes collide never share facts.
"""
from __future__ import annotations

import os
import random
import resource
import shutil
import time

import pytest

from claimflow.engine.domain.errors import CommandDenied, EvaluationFailed
from claimflow.engine.rulebook import durable_engine
from claimflow.engine.rulebook.durable_engine import DurableEvaluator
from claimflow.engine.service import actions
from claimflow.engine.settings import bundled_rules_dir
from factsets import base_ruleset, durable_evaluator, factset, line, random_factset, reference_evaluator
from service_helpers import make_service, run, seeded_claim, snapshot


def _pending_claim(key: str, n_lines: int = 2):
    return factset([line(10 * (i + 1)) for i in range(n_lines)], command_name="approve_claim", claim_key=key)


# --- (a) errors inside actions ------------------------------------------------------------------

def test_an_error_inside_the_engine_callback_fails_the_evaluation(monkeypatch):
    evaluator = durable_evaluator()

    def broken_firing(*_args, **_kwargs):
        raise RuntimeError("recorder broke")
    monkeypatch.setattr(durable_engine, "Firing", broken_firing)
    with pytest.raises(EvaluationFailed, match="recorder broke"):
        evaluator.evaluate(base_ruleset(), "approve_claim", _pending_claim("CLM-A1"))


def test_an_error_the_engine_would_swallow_still_fails_the_evaluation(monkeypatch):
    """The engine catches exceptions raised in actions (issue #305); the adapter must not lose them,
    even when they come from outside its own recorder's try block."""
    evaluator = DurableEvaluator()  # its actions are bound when the rules load: patch before that

    def recorder(shard, rule, matched):
        if rule != "__sentinel__":
            raise RuntimeError("action exploded")
    monkeypatch.setattr(evaluator._host, "_recorder", recorder)
    try:
        with pytest.raises(EvaluationFailed, match="action exploded"):
            evaluator.evaluate(base_ruleset(), "approve_claim", _pending_claim("CLM-A2"))
    finally:
        evaluator.unload_all()


def test_the_evaluator_works_normally_after_a_failed_evaluation(monkeypatch):
    evaluator = durable_evaluator()
    with monkeypatch.context() as patch:
        patch.setattr(durable_engine, "Firing", lambda *a, **k: 1 / 0)
        with pytest.raises(EvaluationFailed):
            evaluator.evaluate(base_ruleset(), "approve_claim", _pending_claim("CLM-A3"))
    facts = _pending_claim("CLM-A3")  # same claim again: its session was deleted despite the failure
    assert evaluator.evaluate(base_ruleset(), "approve_claim", facts) == \
        reference_evaluator().evaluate(base_ruleset(), "approve_claim", facts)


def test_a_failing_engine_callback_changes_nothing_in_the_database(uow_factory, monkeypatch):
    service = make_service(uow_factory)
    number = seeded_claim(uow_factory, service)
    run(service, "submit", number)
    before = snapshot(uow_factory, number)
    monkeypatch.setattr(durable_engine, "Firing", lambda *a, **k: 1 / 0)
    with pytest.raises(EvaluationFailed):
        run(service, "approve_claim", number)
    assert snapshot(uow_factory, number) == before
    assert before.status == "pending_approval" and before.documents == ()


def test_a_failing_action_implementation_changes_nothing_in_the_database(uow_factory, monkeypatch):
    """approve.line has already changed the lines in memory when the credit-note request fails."""
    service = make_service(uow_factory)
    number = seeded_claim(uow_factory, service)
    run(service, "submit", number)
    before = snapshot(uow_factory, number)

    def broken(ctx, arg):
        raise RuntimeError("invoicing is down")
    monkeypatch.setitem(actions.REGISTRY, "request_credit_note", broken)
    with pytest.raises(EvaluationFailed) as failure:
        run(service, "approve_claim", number)
    assert failure.value.code == "action_failed"
    assert "invoicing is down" in failure.value.message
    assert snapshot(uow_factory, number) == before


# --- (b) no rule applies ------------------------------------------------------------------------

def test_a_pass_where_no_rule_matches_returns_no_firings_and_the_engine_stays_usable():
    evaluator = durable_evaluator()
    free = factset([line(10, "free")], claim_status="free", claim_key="CLM-B1")
    for _ in range(3):  # deleting a session where only the sentinel fired must be safe, repeatedly
        assert evaluator.evaluate(base_ruleset(), None, free) == []
        assert evaluator.evaluate(base_ruleset(), "cancel", free) == []  # no rule at all for cancel


def test_a_command_no_rule_matches_is_refused_with_no_rule_applied(uow_factory, tmp_path):
    rules = tmp_path / "rules"
    shutil.copytree(bundled_rules_dir() / "base", rules / "base")
    (rules / "base" / "50-close.yaml").unlink()  # nothing at all can match `close` now
    service = make_service(uow_factory, rules_dir=rules)
    number = seeded_claim(uow_factory, service)
    run(service, "submit", number)
    before = snapshot(uow_factory, number)
    with pytest.raises(CommandDenied) as refused:
        run(service, "close", number)
    assert refused.value.code == "no_rule_applied"
    assert [r.code for r in refused.value.reasons] == ["no_rule_applied"]
    assert snapshot(uow_factory, number) == before


# --- (c) many claims in one process ---------------------------------------------------------------

def _rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


MANY = 70_000
WARMUP = 5_000
RSS_GROWTH_LIMIT_MB = 20


@pytest.mark.slow
def test_seventy_thousand_distinct_claims_raise_no_false_duplicate_and_memory_stays_flat(record_property):
    """One evaluator, 70,000 claim numbers, 1-4 lines each: the engine's 32-bit fact and session
    hashes (issue #376) and its 1,024-session cap would show here if sessions were kept or reused."""
    evaluator = DurableEvaluator()  # its own host: nothing else loaded, nothing else counted
    ruleset, reference = base_ruleset(), reference_evaluator()
    phases = ("submit", "approve_claim", None)
    statuses = {"submit": "free", "approve_claim": "pending_approval", None: "pending_approval"}
    line_status = {"submit": "free", "approve_claim": "pending_approval", None: "approved"}
    started = time.perf_counter()
    rss_warm = None
    mismatches = 0
    for n in range(MANY):
        phase = phases[n % 3]
        lines = [line(10 * (i + 1), line_status[phase], credit_note="open" if phase is None else "none")
                 for i in range(1 + n % 4)]
        facts = factset(lines, command_name=phase, claim_key=f"CLM{n:07d}", claim_status=statuses[phase])
        got = evaluator.evaluate(ruleset, phase, facts)   # a false duplicate raises EvaluationFailed
        if n % 50 == 0 and got != reference.evaluate(ruleset, phase, facts):
            mismatches += 1
        assert got, f"claim {n}: no rule fired"
        if n + 1 == WARMUP:
            rss_warm = _rss_mb()
    seconds = time.perf_counter() - started
    rss_end = _rss_mb()
    evaluator.unload_all()
    record_property("seconds", round(seconds, 1))
    record_property("rss_mb_after_5k", round(rss_warm, 1))
    record_property("rss_mb_after_70k", round(rss_end, 1))
    print(f"\n70k claims: {seconds:.1f} s ({MANY / seconds:.0f} claims/s); RSS {rss_warm:.1f} MB after "
          f"{WARMUP}, {rss_end:.1f} MB after {MANY} (max RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.1f} MB)")
    assert mismatches == 0
    assert rss_end - rss_warm < RSS_GROWTH_LIMIT_MB


# --- (d) colliding session hashes -----------------------------------------------------------------

def fnv1a_32(text: str) -> int:
    """The engine's session hash (FINDINGS §3): sessions are found by this hash, never by the string."""
    value = 0x811C9DC5
    for byte in text.encode():
        value = ((value ^ byte) * 16777619) & 0xFFFFFFFF
    return value


COLLIDING = ("CLM0479599", "CLM0662382")


def test_the_two_claim_numbers_really_collide_in_the_engines_session_hash():
    a, b = COLLIDING
    assert a != b and fnv1a_32(a) == fnv1a_32(b)
    # FNV-1a carries only its state forward: the same suffix keeps the collision, so the
    # adapter's session ids for these claims ("<claim>#<serial>") collide at equal serials.
    assert fnv1a_32(a + "#7") == fnv1a_32(b + "#7")
    assert fnv1a_32("CLM0479598") != fnv1a_32("CLM0662382")  # the hash is not trivially constant


def _evaluate_with_colliding_session(evaluator: DurableEvaluator, ruleset, phase, facts, serial: int):
    """Forces the session id to "<claim>#<serial + 1>" so both claims use colliding sessions."""
    evaluator._serial = serial
    return evaluator.evaluate(ruleset, phase, facts)


@pytest.mark.parametrize("order", ["one after the other", "interleaved"])
def test_claims_whose_session_hashes_collide_never_share_facts(order):
    evaluator, reference, ruleset = durable_evaluator(), reference_evaluator(), base_ruleset()
    rng = random.Random(479599)
    a, b = COLLIDING
    work = []
    for _ in range(60):
        phase = rng.choice(("submit", "approve_claim", "approve_line", "reject_claim", "close", None))
        work.append((phase, random_factset(rng, a, phase), random_factset(rng, b, phase)))
    if order == "one after the other":
        steps = [(p, fa) for p, fa, _ in work] + [(p, fb) for p, _, fb in work]
    else:
        steps = [step for p, fa, fb in work for step in ((p, fa), (p, fb))]
    fired_any = 0
    for phase, facts in steps:
        got = _evaluate_with_colliding_session(evaluator, ruleset, phase, facts, serial=1000)
        assert got == reference.evaluate(ruleset, phase, facts), (phase, facts.claim_key)
        fired_any += bool(got)
    assert fired_any > len(steps) // 3
