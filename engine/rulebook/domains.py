"""What values of one fact field a rule's tests admit: the small algebra behind the semantic checks.

Every literal is compared in its engine encoding, where decimals are integers scaled by 10^4, so a
numeric field is a set of integers: `gt 5` is `gte 6` (in units of the encoding). That makes
"gt 5 and lt 6" on a whole-number field provably empty and keeps the algebra exact.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace

from .catalogue import FieldType
from .model import Test


@dataclass(frozen=True)
class Domain:
    """Admitted values: an optional finite set, exclusions, bounds (numbers) and presence."""
    values: frozenset | None = None      # None: not restricted to a finite set
    excluded: frozenset = frozenset()
    lo: int | None = None
    hi: int | None = None
    present: bool | None = None          # True: must exist, False: must be absent, None: either

    @staticmethod
    def of(ftype: FieldType) -> "Domain":
        if ftype.kind == "enum":
            return Domain(values=frozenset(ftype.values))
        if ftype.kind == "bool":
            return Domain(values=frozenset({True, False}))
        return Domain()

    def is_empty(self) -> bool:
        if self.present is False:
            return False  # an absent field admits "absent", whatever else was said about values
        if self.lo is not None and self.hi is not None and self.lo > self.hi:
            return True
        if self.values is not None:
            return not any(self._admits(v) for v in self.values)
        if self.lo is not None and self.lo == self.hi:
            return self.lo in self.excluded
        return False

    def _admits(self, value) -> bool:
        if value in self.excluded:
            return False
        if isinstance(value, bool) or not isinstance(value, int):
            return True
        return (self.lo is None or value >= self.lo) and (self.hi is None or value <= self.hi)

    def admitted(self) -> frozenset | None:
        """The finite set of admitted values, or None when it is not finite."""
        if self.values is None:
            return None
        return frozenset(v for v in self.values if self._admits(v))

    def intersect(self, other: "Domain") -> "Domain":
        presence = {self.present, other.present} - {None}
        if len(presence) > 1:
            return _EMPTY
        values = self.values if other.values is None else (
            other.values if self.values is None else self.values & other.values)
        return Domain(values, self.excluded | other.excluded, _max(self.lo, other.lo), _min(self.hi, other.hi),
                      presence.pop() if presence else None)

    def apply(self, test: Test) -> "Domain":
        """This domain narrowed by one test; tests against another fact (references) narrow nothing."""
        if test.ref is not None:
            return self.intersect(Domain(present=True))
        op, value = test.op, test.value
        if op == "exists":
            return self.intersect(Domain(present=value))
        if self.present is False:
            return _EMPTY  # any test on an absent field is false (also `ne`)
        narrowed = self.intersect(Domain(present=True))
        if op == "eq":
            return narrowed.intersect(Domain(values=frozenset({value})))
        if op == "in":
            return narrowed.intersect(Domain(values=frozenset(value)))
        if op == "ne":
            return replace(narrowed, excluded=narrowed.excluded | {value})
        if op == "not_in":
            return replace(narrowed, excluded=narrowed.excluded | frozenset(value))
        if op in ("gt", "gte"):
            return narrowed.intersect(Domain(lo=value + 1 if op == "gt" else value))
        if op in ("lt", "lte"):
            return narrowed.intersect(Domain(hi=value - 1 if op == "lt" else value))
        if op == "matches" and narrowed.values is not None:
            return replace(narrowed, values=frozenset(v for v in narrowed.values
                                                      if isinstance(v, str) and re.fullmatch(value, v)))
        return narrowed


_EMPTY = Domain(values=frozenset(), present=True)


def _max(a, b):
    return b if a is None else a if b is None else max(a, b)


def _min(a, b):
    return b if a is None else a if b is None else min(a, b)
