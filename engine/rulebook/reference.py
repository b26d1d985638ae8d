"""Plain-Python evaluator of the compiled rules: the oracle durable-rules is checked against, and
the source of per-condition explanations (durable-rules cannot say why a rule did not match).

Semantics mirror the engine on our encoded facts: a test on an absent field is false (also `ne`),
`in` is an OR of equalities, `not_in` an AND of inequalities, `matches` a full regex match.
"""
from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

from .facts import FactSet, encode_facts
from .model import CompiledRule, Firing, Pattern, RuleSet, Test

_MISSING = object()


def _compare(op: str, left, right) -> bool:
    if left is _MISSING or right is _MISSING:
        return op == "exists" and right is False
    if op == "eq":
        return left == right
    if op == "ne":
        return left != right
    if op == "gt":
        return left > right
    if op == "gte":
        return left >= right
    if op == "lt":
        return left < right
    if op == "lte":
        return left <= right
    if op == "in":
        return left in right
    if op == "not_in":
        return left not in right
    if op == "matches":
        return re.fullmatch(right, left) is not None
    raise ValueError(op)


def test_holds(test: Test, fact: dict, bound: dict[str, dict]) -> tuple[bool, object, object]:
    """Whether one test holds; also returns the value read and the value compared with."""
    left = fact.get(test.field, _MISSING)
    if test.op == "exists":
        return (left is not _MISSING) == test.value, left, test.value
    if test.ref:
        source = fact if test.ref[0] == fact.get("t") else bound.get(test.ref[0], {})
        right = source.get(test.ref[1], _MISSING)
    else:
        right = test.value
    try:
        return _compare(test.op, left, right), left, right
    except TypeError:
        return False, left, right


def pattern_holds(pattern: Pattern, fact: dict, bound: dict[str, dict]) -> bool:
    return all(test_holds(t, fact, bound)[0] for t in pattern.tests)


def rule_firings(rule: CompiledRule, by_kind: dict[str, list[dict]]) -> list[Firing]:
    firings = []
    candidates = [by_kind.get(p.kind, []) for p in rule.patterns]
    for combo in itertools.product(*candidates):
        bound: dict[str, dict] = {}
        ok = True
        for pattern, fact in zip(rule.patterns, combo):
            if not pattern_holds(pattern, fact, bound):
                ok = False
                break
            bound[pattern.kind] = fact
        if ok:
            line = bound.get("line")
            firings.append(Firing(rule.id, line["line_no"] if line else None))
    return firings


def group_by_kind(engine_facts: list[dict]) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for fact in engine_facts:
        out.setdefault(fact["t"], []).append(fact)
    return out


@dataclass
class ReferenceEvaluator:
    """Evaluates a phase of a rule set over one claim's facts, in plain Python."""
    name: str = "reference"

    def evaluate(self, ruleset: RuleSet, command: str | None, facts: FactSet) -> list[Firing]:
        by_kind = group_by_kind(encode_facts(facts))
        out = []
        for rule in ruleset.for_phase(command):
            out.extend(rule_firings(rule, by_kind))
        order = {r.id: r.order for r in ruleset.rules}
        return sorted(set(out), key=lambda f: f.sort_key(order))
