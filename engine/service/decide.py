"""Runs a command through the rules: the command's pass, then derived passes until nothing changes.

A denial from any rule refuses the command with every reason and changes nothing (the caller
discards the in-memory claim). No rule at all for the command is an explicit refusal too.
"""
from __future__ import annotations

import re
from datetime import datetime
from typing import Protocol

from ..domain.errors import CommandDenied, EvaluationFailed, Reason
from ..domain.model import Claim
from ..rulebook.facts import FactSet
from ..rulebook.loader import PARAMETER_DEFAULTS
from ..rulebook.model import Firing, RuleSet
from .actions import ActionContext, Effects, apply_action
from .commands import ClaimCommand
from .facts import build_facts

MAX_DERIVED_PASSES = 12
_PLACEHOLDER = re.compile(r"\{(command|parameters|claim|line)\.([a-z_]+)\}")


class Evaluator(Protocol):
    name: str

    def evaluate(self, ruleset: RuleSet, command: str | None, facts: FactSet) -> list[Firing]: ...


def run_command(claim: Claim, command: ClaimCommand, ruleset: RuleSet, evaluator: Evaluator,
                now: datetime, parameters: dict | None = None) -> Effects:
    """`parameters`: the company's effective parameters (defaults, database, overlay)."""
    parameters = {**PARAMETER_DEFAULTS, **ruleset.parameters} if parameters is None else parameters
    effects = Effects()
    facts = build_facts(claim, parameters, command)
    firings = evaluator.evaluate(ruleset, command.name, facts)
    if not firings:
        raise CommandDenied(f"no rule allows {command.name} on claim {claim.number} ({claim.status})",
                            [Reason("no_rule_applied", f"No rule allows {command.name} on claim "
                                    f"{claim.number} in status {claim.status}")], code="no_rule_applied")
    _refuse_on_denials(firings, ruleset, facts, command)
    _apply(firings, ruleset, claim, command, now, effects)
    for _ in range(MAX_DERIVED_PASSES):
        facts = build_facts(claim, parameters, None)
        firings = evaluator.evaluate(ruleset, None, facts)
        _refuse_on_denials(firings, ruleset, facts, command)
        if not _apply(firings, ruleset, claim, command, now, effects):
            return effects
    raise EvaluationFailed(f"rules keep changing claim {claim.number}: "
                           f"{', '.join(sorted({f.rule_id for f in firings}))}", code="rule_cycle")


def _refuse_on_denials(firings: list[Firing], ruleset: RuleSet, facts: FactSet, command: ClaimCommand) -> None:
    reasons = []
    for firing in firings:
        rule = ruleset.rule(firing.rule_id)
        for action in rule.actions:
            if action.name == "deny":
                message = render(action.argument["message"], facts, firing.line_no)
                reasons.append(Reason(action.argument["code"], message, rule.id, rule.origin.describe()))
    if reasons:
        summary = "; ".join(r.message for r in reasons)
        raise CommandDenied(f"{command.name} refused: {summary}", reasons, code=reasons[0].code)


def _apply(firings, ruleset, claim, command, now, effects) -> bool:
    """Applies one pass. Two rules setting the same status to different values is a rule error."""
    _check_conflicts(firings, ruleset)
    changed = False
    for firing in firings:
        rule = ruleset.rule(firing.rule_id)
        effects.fired.append(rule.id)
        ctx = ActionContext(claim, command, now, effects, rule.id, firing.line_no)
        for action in rule.actions:
            changed = apply_action(ctx, action) or changed
    return changed


def _check_conflicts(firings: list[Firing], ruleset: RuleSet) -> None:
    targets: dict[tuple, tuple[str, str]] = {}
    for firing in firings:
        for action in ruleset.rule(firing.rule_id).actions:
            if action.name not in ("set_claim_status", "set_line_status"):
                continue
            key = (action.name, firing.line_no if action.name == "set_line_status" else None)
            seen = targets.setdefault(key, (action.argument, firing.rule_id))
            if seen[0] != action.argument:
                raise EvaluationFailed(f"rules {seen[1]} and {firing.rule_id} set different statuses "
                                       f"({seen[0]} / {action.argument})", code="rule_conflict")


def render(template: str, facts: FactSet, line_no: int | None) -> str:
    """Fills {kind.field} placeholders of a deny message from the facts the rule matched."""
    def value(match):
        kind, name = match.groups()
        source = facts.line(line_no) if kind == "line" else getattr(facts, kind)
        found = (source or {}).get(name)
        return "" if found is None else str(found)
    return _PLACEHOLDER.sub(value, template)
