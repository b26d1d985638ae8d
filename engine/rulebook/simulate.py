"""Replays stored claims against a candidate rule set: for each claim and each command that could
apply, the decisions of the current and the candidate rules are compared on the same facts."""
from __future__ import annotations

from dataclasses import dataclass, field

from .catalogue import COMMANDS
from .model import RuleSet

LINE_COMMAND_PREFIXES = ("approve_line", "reject_line")


def decisions(ruleset: RuleSet, evaluator, command: str, facts) -> list[str]:
    """What the command's own pass would decide, named by effect, not by rule id (a renamed rule
    that decides the same is no change)."""
    out = []
    for firing in evaluator.evaluate(ruleset, command, facts):
        for action in ruleset.rule(firing.rule_id).actions:
            if action.name == "deny":
                out.append(f"deny {action.argument['code']}")
            else:
                where = f" line {firing.line_no}" if firing.line_no is not None else ""
                arg = "" if action.argument in (None, {}) else f" {action.argument}"
                out.append(f"{action.name}{arg}{where}")
    return sorted(set(out)) or ["no rule applies"]


@dataclass
class Change:
    claim: str
    command: str
    line: int | None
    before: list[str]
    after: list[str]

    def as_dict(self) -> dict:
        return {"claim": self.claim, "command": self.command, "line": self.line,
                "before": self.before, "after": self.after}


@dataclass
class CompanyReport:
    company: str
    claims: int = 0
    evaluations: int = 0
    changes: list[Change] = field(default_factory=list)

    def as_dict(self, examples: int = 10) -> dict:
        return {"company": self.company, "claims": self.claims, "evaluations": self.evaluations,
                "changes": len(self.changes), "examples": [c.as_dict() for c in self.changes[:examples]]}


def commands_for(claim) -> list[tuple[str, int | None]]:
    """Every command of the catalogue; line commands once per line."""
    out = []
    for name in COMMANDS:
        if name.endswith("_line") or name in LINE_COMMAND_PREFIXES:
            out.extend((name, ln.line_no) for ln in claim.lines)
        else:
            out.append((name, None))
    return out


def replay_claim(claim, parameters: dict, current: RuleSet, candidate: RuleSet, evaluator,
                 report: CompanyReport) -> None:
    from ..service.commands import ClaimCommand
    from ..service.facts import build_facts
    report.claims += 1
    for name, line_no in commands_for(claim):
        command = ClaimCommand(name=name, company=claim.company_code, claim_number=claim.number, line_no=line_no)
        # each rule set sees its own overlay's parameters over the company's stored ones
        before = decisions(current, evaluator, name,
                           build_facts(claim, {**parameters, **current.parameters}, command))
        after = decisions(candidate, evaluator, name,
                          build_facts(claim, {**parameters, **candidate.parameters}, command))
        report.evaluations += 1
        if before != after:
            report.changes.append(Change(claim.number, name, line_no, before, after))
