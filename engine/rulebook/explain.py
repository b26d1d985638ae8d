"""Why each rule did or did not fire: every condition with the value read, the value compared and
the verdict, per candidate fact, using the reference evaluator's test_holds."""
from __future__ import annotations

from dataclasses import dataclass, field

from .catalogue import FACTS
from .encoding import decode_decimal
from .facts import FactSet, encode_facts
from .model import CompiledRule, RuleSet, Test
from .reference import _MISSING, group_by_kind, rule_firings, test_holds


@dataclass
class ConditionTrace:
    kind: str
    field: str
    op: str
    wanted: object
    read: object
    compared: object
    holds: bool
    location: str | None

    def render(self) -> str:
        mark = "ok  " if self.holds else "FAIL"
        compared = f" (compared with {self.compared})" if str(self.compared) != str(self.wanted) else ""
        return f"{mark} {self.kind}.{self.field} {self.op} {self.wanted}: read {self.read}{compared}"


@dataclass
class FactTrace:
    """The conditions of one pattern against one candidate fact (one per line for `line:`)."""
    kind: str
    key: object
    conditions: list[ConditionTrace] = field(default_factory=list)

    @property
    def holds(self) -> bool:
        return all(c.holds for c in self.conditions)


@dataclass
class RuleTrace:
    rule_id: str
    origin: str
    fired_for: list                       # line numbers (None for a rule without `line:`)
    facts: list[FactTrace] = field(default_factory=list)
    actions: list[str] = field(default_factory=list)

    @property
    def matched(self) -> bool:
        return bool(self.fired_for)

    def as_dict(self) -> dict:
        return {"rule": self.rule_id, "origin": self.origin, "matched": self.matched,
                "fired_for_lines": [f for f in self.fired_for if f is not None], "actions": self.actions,
                "facts": [{"kind": f.kind, "key": f.key, "holds": f.holds,
                           "conditions": [{"field": f"{c.kind}.{c.field}", "op": c.op, "wanted": _plain(c.wanted),
                                           "read": _plain(c.read), "compared": _plain(c.compared),
                                           "holds": c.holds, "location": c.location} for c in f.conditions]}
                          for f in self.facts]}


def _plain(value):
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return str(value)


def _shown(kind: str, fname: str, value):
    """Engine values back in the rule file's terms: decimals unscaled, absent fields named."""
    if value is _MISSING:
        return "(absent)"
    ftype = FACTS.get(kind, {}).get(fname)
    if ftype is not None and ftype.kind == "decimal" and isinstance(value, int) and not isinstance(value, bool):
        return f"{decode_decimal(value).normalize():f}"
    if isinstance(value, tuple):
        return [_shown(kind, fname, v) for v in value]
    return value


def _condition(kind: str, test: Test, fact: dict, bound: dict) -> ConditionTrace:
    holds, read, compared = test_holds(test, fact, bound)
    ref_kind, ref_field = test.ref or (kind, test.field)
    return ConditionTrace(kind, test.field, test.op, test.source if test.source is not None else test.value,
                          _shown(kind, test.field, read), _shown(ref_kind, ref_field, compared), holds,
                          str(test.location) if test.location else None)


def trace_rule(rule: CompiledRule, by_kind: dict[str, list[dict]]) -> RuleTrace:
    singles = {k: facts[0] for k, facts in by_kind.items() if k != "line" and facts}
    out = RuleTrace(rule.id, rule.origin.describe(), [f.line_no for f in rule_firings(rule, by_kind)])
    for pattern in rule.patterns:
        for fact in by_kind.get(pattern.kind, []):
            key = fact.get("line_no") if pattern.kind == "line" else None
            bound = dict(singles, line=fact) if pattern.kind == "line" else singles
            out.facts.append(FactTrace(pattern.kind, key, [_condition(pattern.kind, t, fact, bound)
                                                           for t in pattern.tests]))
    out.actions = [f"{a.name} {a.argument}" if a.argument not in (None, {}) else a.name for a in rule.actions]
    return out


def explain_pass(ruleset: RuleSet, command: str | None, facts: FactSet) -> list[RuleTrace]:
    """Every rule of the phase, matched or not, with its conditions against the facts."""
    by_kind = group_by_kind(encode_facts(facts))
    return [trace_rule(rule, by_kind) for rule in ruleset.for_phase(command)]


def render_pass(command: str | None, traces: list[RuleTrace], verbose: bool = True) -> list[str]:
    lines = [f"pass: {'command ' + command if command else 'derived rules'}"]
    for trace in traces:
        if trace.matched:
            where = ", ".join(f"line {n}" for n in trace.fired_for if n is not None)
            lines.append(f"  FIRED   {trace.rule_id}{' for ' + where if where else ''}  ({trace.origin})")
            lines.extend(f"          -> {a}" for a in trace.actions)
        else:
            lines.append(f"  no      {trace.rule_id}  ({trace.origin})")
        if verbose or not trace.matched:
            for fact in trace.facts:
                label = f"{fact.kind} {fact.key}" if fact.key is not None else fact.kind
                for cond in fact.conditions:
                    if verbose or not cond.holds:
                        lines.append(f"          [{label}] {cond.render()}")
    return lines


def explain_passes(ruleset: RuleSet, passes) -> list[tuple[str | None, list[RuleTrace]]]:
    """Explanations of the passes a RecordingEvaluator saw, in order."""
    return [(p.command, explain_pass(ruleset, p.command, p.facts)) for p in passes]


def render_explanation(ruleset: RuleSet, passes, verbose: bool = False) -> str:
    lines = [f"rule set {ruleset.hash}" + (f" ({ruleset.company})" if ruleset.company else "")]
    for command, traces in explain_passes(ruleset, passes):
        lines.extend(render_pass(command, traces, verbose))
    return "\n".join(lines)
