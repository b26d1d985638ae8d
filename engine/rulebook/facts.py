"""A claim's facts for one evaluation, and their engine encoding (typed by the catalogue)."""
from __future__ import annotations

from dataclasses import dataclass, field

from .catalogue import FACTS
from .encoding import encode


@dataclass
class FactSet:
    """Plain typed values per fact kind; `lines` holds one dict per claim line."""
    claim_key: str
    command: dict = field(default_factory=dict)
    parameters: dict = field(default_factory=dict)
    claim: dict = field(default_factory=dict)
    lines: list[dict] = field(default_factory=list)

    def of_kind(self, kind: str) -> list[dict]:
        if kind == "line":
            return self.lines
        return [getattr(self, kind)]

    def line(self, line_no: int) -> dict | None:
        return next((ln for ln in self.lines if ln["line_no"] == line_no), None)


def encode_fact(kind: str, values: dict, claim_key: str, key) -> dict:
    """One engine fact: type tag, unique id, the claim join key and every present field, encoded.

    A field whose value is None is left out (the engine's `exists` sees it as absent).
    """
    fields = FACTS[kind]
    out = {"t": kind, "id": f"{kind}:{key}", "claim_id": claim_key}
    for name, ftype in fields.items():
        value = values.get(name)
        if value is not None:
            out[name] = encode(ftype, value)
        elif not ftype.optional:  # a programming error: rules may rely on every required field
            raise ValueError(f"fact {kind} lacks required field {name}")
    return out


def encode_facts(facts: FactSet) -> list[dict]:
    """Lines first: the engine evaluates negation at assertion time (FINDINGS §4)."""
    out = [encode_fact("line", ln, facts.claim_key, ln["line_no"]) for ln in facts.lines]
    out.append(encode_fact("claim", facts.claim, facts.claim_key, 0))
    out.append(encode_fact("parameters", facts.parameters, facts.claim_key, 0))
    if facts.command:
        out.append(encode_fact("command", facts.command, facts.claim_key, 0))
    return out
