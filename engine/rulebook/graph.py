"""The status machine the rules define (statuses as nodes, rule ids on edges), as Mermaid and SVG."""
from __future__ import annotations

from collections import defaultdict
from html import escape

from .checks import admitted_statuses, rule_domains
from .model import RuleSet
from .status_model import INITIAL_STATUS, MOVES_BY_ACTION

KINDS = {"claim": "set_claim_status", "line": "set_line_status"}


def edges(ruleset: RuleSet, kind: str) -> dict[tuple[str, str], list[str]]:
    """(from, to) -> rule ids, for every rule that sets a status of `kind` (claim or line)."""
    action = KINDS[kind]
    out: dict[tuple[str, str], list[str]] = defaultdict(list)
    for rule in ruleset.rules:
        for act in rule.actions:
            if act.name != action:
                continue
            for source in sorted(admitted_statuses(rule, rule_domains(rule), kind)):
                if source != act.argument and rule.id not in out[(source, act.argument)]:
                    out[(source, act.argument)].append(rule.id)
    return dict(out)


def mermaid(ruleset: RuleSet, kind: str) -> str:
    lines = ["stateDiagram-v2", f"    [*] --> {INITIAL_STATUS}"]
    for (src, dst), ids in sorted(edges(ruleset, kind).items()):
        lines.append(f"    {src} --> {dst} : {', '.join(ids)}")
    return "\n".join(lines)


def _layers(nodes: set[str], graph: dict[tuple[str, str], list[str]]) -> dict[str, int]:
    """Longest-path layering from the initial status, ignoring edges that go back (cycles)."""
    order = list(MOVES_BY_ACTION["set_line_status"][1]) + list(MOVES_BY_ACTION["set_claim_status"][1])
    rank = {n: order.index(n) if n in order else len(order) for n in nodes}
    layer = {n: 0 for n in nodes}
    for _ in range(len(nodes)):
        for src, dst in graph:
            if rank[dst] > rank[src]:
                layer[dst] = max(layer[dst], layer[src] + 1)
    return layer


def svg(ruleset: RuleSet, kind: str) -> str:
    """A simple layered drawing: one column per layer, straight edges with their rule ids."""
    graph = edges(ruleset, kind)
    nodes = {INITIAL_STATUS} | {n for e in graph for n in e}
    layer = _layers(nodes, graph)
    columns: dict[int, list[str]] = defaultdict(list)
    for node in sorted(nodes, key=lambda n: (layer[n], n)):
        columns[layer[node]].append(node)
    col_w, row_h, box_w, box_h = 260, 90, 200, 36
    pos = {n: (40 + c * col_w, 40 + r * row_h) for c, ns in columns.items() for r, n in enumerate(ns)}
    width = 80 + col_w * max(len(columns), 1)
    height = 80 + row_h * max(len(ns) for ns in columns.values())
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" '
           f'font-size="11">',
           '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="6" markerHeight="6" '
           'orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z"/></marker></defs>',
           f'<title>{kind} statuses of rule set {ruleset.hash}</title>']
    for (src, dst), ids in sorted(graph.items()):
        (x1, y1), (x2, y2) = pos[src], pos[dst]
        forward = x2 > x1
        sx, sy = (x1 + box_w if forward else x1), y1 + box_h / 2
        ex, ey = (x2 if forward else x2 + box_w), y2 + box_h / 2
        out.append(f'<line x1="{sx}" y1="{sy}" x2="{ex}" y2="{ey}" stroke="#555" marker-end="url(#arrow)"/>')
        out.append(f'<text x="{(sx + ex) / 2}" y="{(sy + ey) / 2 - 4}" text-anchor="middle" fill="#225">'
                   f'{escape(", ".join(ids))}</text>')
    for node, (x, y) in pos.items():
        out.append(f'<rect x="{x}" y="{y}" width="{box_w}" height="{box_h}" rx="8" fill="#eef" stroke="#336"/>')
        out.append(f'<text x="{x + box_w / 2}" y="{y + 22}" text-anchor="middle">{escape(node)}</text>')
    out.append("</svg>")
    return "\n".join(out)
