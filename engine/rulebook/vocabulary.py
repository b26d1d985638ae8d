"""The rule vocabulary (facts and their fields, commands, actions) as a Markdown reference for analysts.

    python -m claimflow.engine.rulebook.vocabulary > docs/vocabulary.md
"""
from __future__ import annotations

from . import catalogue as cat

_ARGUMENTS = {"header_status": "a header status", "line_status": "a line status",
              "flags": "`{partially_approved: true|false}`", "deny": "`{code: ..., message: ...}`", "none": "`{}`"}


def render() -> str:
    out = ["# Rule vocabulary", "",
           "Generated from `engine/rulebook/catalogue.py` by "
           "`python -m claimflow.engine.rulebook.vocabulary`; a test keeps it in sync.", "",
           "A rule's `when` tests fields of these facts (in this order: a reference `{ref: kind.field}` may point",
           "at its own fact or an earlier one). Decimal fields compare exactly (no float). An optional field may",
           "be absent: only optional fields take `exists`, and no reference may point at one.", ""]
    for kind in cat.FACT_ORDER:
        out += [f"## `{kind}`", "", "| field | type | optional |", "|---|---|---|"]
        for name, ftype in cat.FACTS[kind].items():
            out.append(f"| `{name}` | {ftype.describe()} | {'yes' if ftype.optional else ''} |")
        out.append("")
    out += ["## Commands", "", ", ".join(f"`{c}`" for c in cat.COMMANDS), "",
            "## Actions (`then:`)", "", "| action | argument | needs `line:` in `when` |", "|---|---|---|"]
    for name, spec in cat.ACTIONS.items():
        out.append(f"| `{name}` | {_ARGUMENTS[spec.argument]} | {'yes' if spec.needs_line else ''} |")
    out += ["", "## Operators", "", ", ".join(f"`{op}`" for op in cat.OPERATORS), ""]
    return "\n".join(out)


if __name__ == "__main__":
    print(render(), end="")
