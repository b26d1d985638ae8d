"""Located problems found in rule files: code, message, file:line:col, rule id and a fix hint."""
from __future__ import annotations

import difflib
from dataclasses import dataclass

from ..domain.errors import Reason, RuleSetInvalid


@dataclass(frozen=True, order=True)
class Location:
    file: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


@dataclass(frozen=True)
class Problem:
    code: str
    message: str
    location: Location | None = None
    rule_id: str | None = None
    hint: str | None = None
    severity: str = "error"          # error: the rule set does not load; warning: reported only

    def sort_key(self):
        loc = self.location
        return (loc.file, loc.line, loc.column, self.code) if loc else ("", 0, 0, self.code)

    def render(self) -> str:
        where = f"{self.location}: " if self.location else ""
        rule = f" [rule {self.rule_id}]" if self.rule_id else ""
        hint = f"\n    hint: {self.hint}" if self.hint else ""
        level = "warning: " if self.severity == "warning" else ""
        return f"{where}{level}{self.code}: {self.message}{rule}{hint}"

    def as_dict(self) -> dict:
        loc = self.location
        return {"code": self.code, "message": self.message,
                "file": loc.file if loc else None, "line": loc.line if loc else None,
                "column": loc.column if loc else None, "rule_id": self.rule_id, "hint": self.hint,
                "severity": self.severity}


def did_you_mean(word: str, choices) -> str | None:
    close = difflib.get_close_matches(str(word), [str(c) for c in choices], n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else None


def raise_if_any(problems: list[Problem]) -> None:
    """All errors of a run are reported at once, sorted by place (warnings never stop a load)."""
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        ordered = sorted(set(errors), key=Problem.sort_key)
        reasons = [Reason(p.code, p.message + (f" ({p.hint})" if p.hint else ""), p.rule_id,
                          str(p.location) if p.location else None) for p in ordered]
        error = RuleSetInvalid(f"{len(ordered)} problem(s) in the rule files", reasons)
        error.problems = ordered
        raise error
