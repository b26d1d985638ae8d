"""Compiled rules: the form both evaluators (durable-rules and the reference) read."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .problems import Location


@dataclass(frozen=True)
class Test:
    """One condition on a fact field: `field op value`, or `field op other_kind.other_field`."""
    field: str
    op: str                          # eq ne gt gte lt lte in not_in matches exists
    value: Any = None                # engine-encoded literal (decimals scaled to ints), list for in/not_in
    ref: tuple[str, str] | None = None
    location: Location | None = None
    source: Any = None               # the value as the rule file wrote it (for explanations)


@dataclass(frozen=True)
class Pattern:
    kind: str                        # command | parameters | claim | line
    tests: tuple[Test, ...]


@dataclass(frozen=True)
class Action:
    name: str
    argument: Any
    location: Location | None = None


@dataclass(frozen=True)
class Origin:
    """Where a rule comes from: its base file, and the overlay that added or changed it."""
    location: Location
    layer: str = "base"              # base | overlay
    base_location: Location | None = None

    def describe(self) -> str:
        if self.layer == "overlay" and self.base_location:
            return f"{self.location} (overrides {self.base_location})"
        return str(self.location)


@dataclass(frozen=True)
class CompiledRule:
    id: str
    description: str
    commands: tuple[str, ...]        # empty: a derived rule, evaluated after the command's own pass
    patterns: tuple[Pattern, ...]
    actions: tuple[Action, ...]
    origin: Origin
    order: int = 0

    @property
    def phase(self) -> str:
        return "command" if self.commands else "derived"

    def kinds(self) -> tuple[str, ...]:
        return tuple(p.kind for p in self.patterns)


@dataclass(frozen=True)
class RuleSet:
    """A company's effective rules, ready to evaluate. `hash` is recorded on every decision."""
    hash: str
    rules: tuple[CompiledRule, ...]
    parameters: dict = field(default_factory=dict)
    company: str | None = None
    warnings: tuple = ()             # Problems of severity warning found by checks.py
    sources: dict = field(default_factory=dict, compare=False)  # rule id -> the rule as written

    def rule(self, rule_id: str) -> CompiledRule:
        return next(r for r in self.rules if r.id == rule_id)

    def for_phase(self, command: str | None) -> tuple[CompiledRule, ...]:
        """The command's own rules (command given) or the derived rules (None)."""
        if command is None:
            return tuple(r for r in self.rules if not r.commands)
        return tuple(r for r in self.rules if command in r.commands)


@dataclass(frozen=True)
class Firing:
    """A rule matched: which rule, and which line (None when the rule has no line pattern)."""
    rule_id: str
    line_no: int | None = None

    def sort_key(self, order: dict[str, int]):
        return (order.get(self.rule_id, 0), self.line_no if self.line_no is not None else -1)
