"""Semantic checks over a whole effective rule set: status moves, rules that never match, rules that
conflict and statuses with no way out. Each finding is a located Problem with a stable code.

Errors (the rule set does not load): `transition_not_allowed`, `rule_never_matches`.
Warnings (`claims rules validate` lists them, loading goes on): `conflicting_rules` and
`dead_end_status`, because both are judged by a sound but incomplete approximation: two rules whose
conditions cannot be proved disjoint may still never meet on real claims (fields such as
`approved_lines` and `undecided_lines` are related in ways the check does not know), and a status
with no rule out may be left by a command the lead has yet to add. The evaluation loop still
refuses a real conflict at run time (`rule_conflict`).

Crash shapes of the engine (FINDINGS §4) and why they cannot reach it:
- a pattern that only tests absence: the durable compiler anchors every pattern on its fact type,
  so `exists: false` alone becomes `t == kind and field absent`, never a bare `$nex`;
- division by a fact field: the rule language has no arithmetic (operators are a closed list,
  operands are literals or a plain `ref`), so there is nothing to divide.
"""
from __future__ import annotations

from itertools import combinations

from .catalogue import FACTS
from .domains import Domain
from .model import CompiledRule, RuleSet
from .problems import Location, Problem
from .status_model import FINAL_STATUSES, INITIAL_STATUS, MOVES_BY_ACTION, allowed

ERROR, WARNING = "error", "warning"


def check_ruleset(rules: tuple[CompiledRule, ...] | RuleSet) -> list[Problem]:
    """Every finding of every check, errors and warnings, unsorted."""
    rules = tuple(rules.rules if isinstance(rules, RuleSet) else rules)
    domains = {r.id: rule_domains(r) for r in rules}
    found: list[Problem] = []
    live = []
    for rule in rules:
        empty = _never_matches(rule, domains[rule.id])
        if empty:
            found.append(empty)
        else:
            live.append(rule)
            found.extend(_transitions(rule, domains[rule.id]))
    found.extend(_conflicts(live, domains))
    found.extend(_dead_ends(live, domains))
    return found


def rule_domains(rule: CompiledRule) -> dict[tuple[str, str], Domain]:
    """(kind, field) -> the values the rule's tests admit; only fields the rule tests are listed."""
    out: dict[tuple[str, str], Domain] = {}
    for pattern in rule.patterns:
        for test in pattern.tests:
            key = (pattern.kind, test.field)
            start = out.get(key) or Domain.of(FACTS[pattern.kind][test.field])
            out[key] = start.apply(test)
    return out


def admitted_statuses(rule: CompiledRule, domains: dict, kind: str) -> frozenset[str]:
    values = domains.get((kind, "status"), Domain.of(FACTS[kind]["status"])).admitted()
    return values if values is not None else frozenset(FACTS[kind]["status"].values)


def where(rule: CompiledRule, location: Location | None = None) -> Location:
    return location or rule.origin.location


def _also(rule: CompiledRule) -> str:
    """Errors in an overlaid rule name both places: the overlay and the base rule it replaces."""
    return f" (overrides the base rule at {rule.origin.base_location})" if rule.origin.base_location else ""


def _never_matches(rule: CompiledRule, domains: dict) -> Problem | None:
    for (kind, fname), domain in domains.items():
        if domain.is_empty():
            tests = [t for p in rule.patterns if p.kind == kind for t in p.tests if t.field == fname]
            said = " and ".join(f"{t.op} {t.source}" for t in tests)
            return Problem("rule_never_matches", f"no {kind} can match: {kind}.{fname} must be {said}{_also(rule)}",
                           where(rule, tests[-1].location), rule.id,
                           "these tests contradict each other; remove one", severity=ERROR)
    return None


def _transitions(rule: CompiledRule, domains: dict) -> list[Problem]:
    found = []
    for action in rule.actions:
        if action.name not in MOVES_BY_ACTION:
            continue
        kind, moves = MOVES_BY_ACTION[action.name]
        target = action.argument
        bad = sorted(s for s in admitted_statuses(rule, domains, kind) if allowed(moves, s, target) is False)
        if bad:
            sources = sorted(s for s in moves if allowed(moves, s, target) and s != target)
            found.append(Problem(
                "transition_not_allowed",
                f"moves a {kind} to {target} from {', '.join(bad)}, which the status model does not allow{_also(rule)}",
                where(rule, action.location), rule.id,
                f"limit `{kind}: {{status: ...}}` in `when` to statuses that may move to {target}: "
                f"{', '.join(sources) or 'none'}", severity=ERROR))
    return found


def _targets(rule: CompiledRule) -> dict[str, str]:
    return {a.name: a.argument for a in rule.actions if a.name in MOVES_BY_ACTION}


def _same_phase(a: CompiledRule, b: CompiledRule) -> bool:
    return (not a.commands and not b.commands) or bool(set(a.commands) & set(b.commands))


def disjoint(a: dict, b: dict) -> bool:
    """Provably no facts satisfy both rules: some field tested by both admits no common value."""
    return any(a[key].intersect(b[key]).is_empty() for key in a.keys() & b.keys())


def _conflicts(rules: list[CompiledRule], domains: dict) -> list[Problem]:
    found = []
    for a, b in combinations(rules, 2):
        if not _same_phase(a, b) or disjoint(domains[a.id], domains[b.id]):
            continue
        ta, tb = _targets(a), _targets(b)
        for name in ta.keys() & tb.keys():
            if ta[name] != tb[name]:
                kind = MOVES_BY_ACTION[name][0]
                found.append(Problem(
                    "conflicting_rules",
                    f"rules {a.id} and {b.id} may match the same {kind} and set its status to "
                    f"{ta[name]} / {tb[name]}", where(b), b.id,
                    f"make their conditions exclusive, e.g. opposite tests on one field (see {a.origin.location})",
                    severity=WARNING))
    return found


def _dead_ends(rules: list[CompiledRule], domains: dict) -> list[Problem]:
    found = []
    for name, (kind, moves) in MOVES_BY_ACTION.items():
        into: dict[str, CompiledRule | None] = {INITIAL_STATUS: None}
        out_of: set[str] = set()
        for rule in rules:
            target = _targets(rule).get(name)
            if target is None:
                continue
            into.setdefault(target, rule)
            out_of |= {s for s in admitted_statuses(rule, domains[rule.id], kind) if s != target}
        if len(into) == 1:
            continue  # no rule sets this kind of status at all: nothing to judge
        for status, rule in into.items():
            if status not in FINAL_STATUSES and status not in out_of:
                found.append(Problem(
                    "dead_end_status", f"a {kind} can reach {status} but no rule moves it out",
                    rule.origin.location if rule else None, rule.id if rule else None,
                    f"add a rule with `{kind}: {{status: {status}}}` that sets another status, "
                    "or make the status final", severity=WARNING))
    return found
