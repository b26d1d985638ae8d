"""Differences between two effective rule sets, rule by rule, at the level of conditions and actions."""
from __future__ import annotations

from .model import CompiledRule, RuleSet


def conditions(rule: CompiledRule) -> list[str]:
    """Each test as the analyst reads it: `line.status in [free, modified]`."""
    out = []
    for pattern in rule.patterns:
        for test in pattern.tests:
            operand = test.source if test.source is not None else test.value
            if isinstance(operand, (list, tuple)):
                operand = "[" + ", ".join(str(v) for v in operand) + "]"
            out.append(f"{pattern.kind}.{test.field} {test.op} {operand}")
    return out


def actions(rule: CompiledRule) -> list[str]:
    return [a.name if a.argument in (None, {}) else f"{a.name}: {a.argument}" for a in rule.actions]


def _changes(old: CompiledRule, new: CompiledRule) -> dict:
    out = {}
    co, cn = conditions(old), conditions(new)
    if co != cn:
        out["conditions"] = {"removed": [c for c in co if c not in cn], "added": [c for c in cn if c not in co]}
    ao, an = actions(old), actions(new)
    if ao != an:
        out["actions"] = {"removed": [a for a in ao if a not in an], "added": [a for a in an if a not in ao]}
    if old.description != new.description:
        out["description"] = {"old": old.description, "new": new.description}
    return out


def diff_rulesets(old: RuleSet, new: RuleSet) -> dict:
    """{added: [...], removed: [...], changed: [{id, conditions, actions, ...}], parameters: {...}}."""
    before, after = {r.id: r for r in old.rules}, {r.id: r for r in new.rules}
    changed = []
    for rule_id in after.keys() & before.keys():
        found = _changes(before[rule_id], after[rule_id])
        if found:
            changed.append({"id": rule_id, "origin": after[rule_id].origin.describe(), **found})
    params = {k: {"old": old.parameters.get(k), "new": new.parameters.get(k)}
              for k in sorted(set(old.parameters) | set(new.parameters))
              if old.parameters.get(k) != new.parameters.get(k)}
    return {"old": old.hash, "new": new.hash,
            "added": [{"id": i, "origin": after[i].origin.describe()} for i in after if i not in before],
            "removed": [{"id": i, "origin": before[i].origin.describe()} for i in before if i not in after],
            "changed": sorted(changed, key=lambda c: c["id"]), "parameters": params}


def render_diff(d: dict) -> list[str]:
    lines = [f"rule set {d['old']} -> {d['new']}"]
    lines += [f"+ {r['id']}  ({r['origin']})" for r in d["added"]]
    lines += [f"- {r['id']}  ({r['origin']})" for r in d["removed"]]
    for c in d["changed"]:
        lines.append(f"~ {c['id']}  ({c['origin']})")
        for part in ("conditions", "actions"):
            if part in c:
                lines += [f"    - {part[:-1]}: {x}" for x in c[part]["removed"]]
                lines += [f"    + {part[:-1]}: {x}" for x in c[part]["added"]]
        if "description" in c:
            lines.append(f"    description: {c['description']['new']}")
    lines += [f"parameter {k}: {v['old']} -> {v['new']}" for k, v in d["parameters"].items()]
    if len(lines) == 1:
        lines.append("no differences")
    return lines
