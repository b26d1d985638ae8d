"""Benchmark (not a test): the compiled base rules under durable-rules and under the plain-Python
reference evaluator, in the same run, on the same synthetic claims; then the demo end to end.

    python bench/bench_rules.py [--claims 10000] [--seed 1] [--demo-limit N | --no-demo]

Each synthetic claim has 1-5 lines with random statuses, flags and values over the whole fact
catalogue, and a random command. Both its command pass and its derived pass are evaluated by both
evaluators; the decisions must be identical (the run stops otherwise). Nothing here asserts on time.
"""
from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

from claimflow.engine.rulebook.catalogue import COMMANDS, FACTS, HEADER_STATUSES
from claimflow.engine.rulebook.durable_engine import DurableEvaluator
from claimflow.engine.rulebook.facts import FactSet
from claimflow.engine.rulebook.loader import load_ruleset
from claimflow.engine.rulebook.reference import ReferenceEvaluator
from claimflow.engine.settings import Settings, bundled_rules_dir


def _value(rng: random.Random, ftype):
    if ftype.optional and rng.random() < 0.4:
        return None
    if ftype.kind == "bool":
        return rng.random() < 0.5
    if ftype.kind == "int":
        return rng.choice([0, 0, 1, 2, 3])
    if ftype.kind == "decimal":
        return Decimal(rng.randint(0, 100_000)) / 100
    if ftype.kind == "enum":
        return rng.choice(ftype.values)
    return rng.choice(["", "X", "DAMAGED"])


def _fact(rng: random.Random, kind: str, **fixed) -> dict:
    fact = {name: _value(rng, ftype) for name, ftype in FACTS[kind].items()}
    fact.update(fixed)
    return {k: v for k, v in fact.items() if v is not None or FACTS[kind][k].optional}


def synthetic_claim(rng: random.Random, n: int) -> tuple[str, FactSet, FactSet]:
    """(command, facts of its command pass, facts of the derived pass that follows)."""
    key = f"BENCH{n:08d}"
    lines = []
    for i in range(rng.randint(1, 5)):
        quantity, amount = Decimal(rng.randint(1, 20)), Decimal(rng.randint(100, 50_000)) / 100
        lines.append(_fact(rng, "line", line_no=10 * (i + 1), quantity=quantity, amount=amount,
                           approvable_quantity=quantity, approvable_amount=amount,
                           approval_quantity=rng.choice([quantity, quantity + 1, Decimal(0)]),
                           approval_amount=amount))
    claim = _fact(rng, "claim", number=key, status=rng.choice(HEADER_STATUSES), line_count=len(lines))
    parameters = _fact(rng, "parameters")
    command = rng.choice(COMMANDS)
    cmd = _fact(rng, "command", name=command, line_no=rng.choice([0] + [ln["line_no"] for ln in lines]))
    return (command, FactSet(key, cmd, parameters, claim, lines),
            FactSet(key, {}, parameters, dict(claim), [dict(ln) for ln in lines]))


def time_evaluator(evaluator, ruleset, work) -> tuple[float, list]:
    decisions = []
    started = time.perf_counter()
    for command, command_facts, derived_facts in work:
        decisions.append((evaluator.evaluate(ruleset, command, command_facts),
                          evaluator.evaluate(ruleset, None, derived_facts)))
    return time.perf_counter() - started, decisions


def run_demo_bench(limit: int | None) -> dict:
    from claimflow.adapters.bootstrap import build_app
    from claimflow.adapters.demo import run_demo
    with tempfile.TemporaryDirectory() as tmp:
        app = build_app(Settings(database_url=f"sqlite:///{Path(tmp) / 'bench-demo.sqlite'}",
                                 rules_dir=bundled_rules_dir()))
        try:
            summary = run_demo(app, limit=limit)
        finally:
            app.close()
    return summary.as_dict()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--claims", type=int, default=10_000, help="synthetic claims (default 10,000)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--demo-limit", type=int, default=None, help="drive only N demo claims (default: all)")
    parser.add_argument("--no-demo", action="store_true", help="skip the end-to-end demo")
    args = parser.parse_args(argv)

    ruleset = load_ruleset(bundled_rules_dir())
    rng = random.Random(args.seed)
    work = [synthetic_claim(rng, n) for n in range(args.claims)]
    lines = sum(len(w[1].lines) for w in work)
    print(f"rule set {ruleset.hash}: {len(ruleset.rules)} rules; {args.claims} synthetic claims, {lines} lines, "
          f"2 passes each (command + derived)")

    durable = DurableEvaluator()
    durable.evaluate(ruleset, None, work[0][2])  # load the shards outside the timing
    durable_s, durable_decisions = time_evaluator(durable, ruleset, work)
    reference_s, reference_decisions = time_evaluator(ReferenceEvaluator(), ruleset, work)
    differing = [w[1].claim_key for w, a, b in zip(work, durable_decisions, reference_decisions) if a != b]
    if differing:
        print(f"DECISIONS DIFFER on {len(differing)} claims, e.g. {differing[:5]}", file=sys.stderr)
        return 1
    firings = sum(len(a) + len(b) for a, b in durable_decisions)
    durable_rate, reference_rate = args.claims / durable_s, args.claims / reference_s

    rows = [("durable-rules", durable_s, durable_rate), ("reference (plain Python)", reference_s, reference_rate)]
    print(f"decisions identical on all {args.claims} claims ({firings} rule firings)\n")
    print(f"{'evaluator':<26}{'seconds':>10}{'claims/s':>12}{'us/claim':>11}")
    for name, seconds, rate in rows:
        print(f"{name:<26}{seconds:>10.2f}{rate:>12,.0f}{1e6 / rate:>11.1f}")
    print(f"{'ratio durable/reference':<26}{'':>10}{reference_rate / durable_rate:>11.1f}x slower")

    if not args.no_demo:
        demo = run_demo_bench(args.demo_limit)
        print(f"\ndemo end to end (SQLite, durable-rules): {demo['claims']} claims, {demo['commands']} commands "
              f"in {demo['process_seconds']} s -> {demo['claims_per_second']} claims/s "
              f"(import {demo['import_seconds']} s, wall {demo['wall_seconds']} s, failures {len(demo['failures'])})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
