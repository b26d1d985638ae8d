"""`claims rules ...`: validate, show, test, explain, diff, graph and simulate rule sets."""
from __future__ import annotations

from pathlib import Path

import click

from ..engine.domain.errors import InvalidInput, RuleSetInvalid
from ..engine.rulebook.loader import load_ruleset
from .output import DECIMAL, emit, json_option

EXIT_TESTS_FAILED = 1
EXIT_TOO_MANY_CHANGES = 1
company_option = click.option("--company", metavar="CODE", help="Company whose overlay applies.")


def register(cli: click.Group) -> None:
    cli.add_command(rules)


@click.group()
def rules():
    """Rule files: validate, show, test, explain, diff, graph, simulate."""


def _rules_dir(ctx, path=None) -> Path:
    return Path(path) if path else Path(ctx.find_root().obj["settings"].rules_dir)


def _companies(rules_dir: Path) -> list[str]:
    folder = rules_dir / "companies"
    return sorted(p.parent.name for p in folder.glob("*/overlay.yaml")) if folder.is_dir() else []


# --- validate ------------------------------------------------------------------------------------
@rules.command()
@click.argument("path", required=False, type=click.Path(file_okay=False))
@company_option
@json_option
@click.pass_context
def validate(ctx, path, company, as_json):
    """Check the rule files and overlays (every company's unless --company): syntax, schema,
    vocabulary and semantic checks. Lists every problem with file:line:col; exit 6 on errors."""
    rules_dir = _rules_dir(ctx, path)
    problems, hashes = [], {}
    for target in [None] + ([company] if company else _companies(rules_dir)):
        try:
            ruleset = load_ruleset(rules_dir, target)
            problems.extend(ruleset.warnings)
            hashes[target or "base"] = {"hash": ruleset.hash, "rules": len(ruleset.rules)}
        except RuleSetInvalid as error:
            problems.extend(getattr(error, "problems", []) + list(getattr(error, "warnings", [])))
    unique = sorted(set(problems), key=lambda p: p.sort_key())
    errors = [p for p in unique if p.severity == "error"]
    payload = {"valid": not errors, "errors": len(errors), "warnings": len(unique) - len(errors),
               "rule_sets": hashes, "problems": [p.as_dict() for p in unique]}

    def human(p):
        for problem in unique:
            click.echo(problem.render(), err=bool(errors))
        for name, info in hashes.items():
            click.echo(f"ok: {name}: {info['rules']} rules, rule set {info['hash']}")
        click.echo(f"{p['errors']} error(s), {p['warnings']} warning(s)", err=bool(errors))
    emit(payload, as_json, human)
    if errors:
        ctx.exit(RuleSetInvalid.exit_code)


# --- show ------------------------------------------------------------------------------------
@rules.command()
@company_option
@json_option
@click.pass_context
def show(ctx, company, as_json):
    """Print the effective rule set, each rule with its origin (base file:line, overlay file:line)."""
    from ..engine.rulebook.diff import actions, conditions
    ruleset = load_ruleset(_rules_dir(ctx), company)
    payload = {"hash": ruleset.hash, "company": company, "parameters": ruleset.parameters,
               "rules": [{"id": r.id, "phase": r.phase, "commands": list(r.commands), "description": r.description,
                          "origin": r.origin.describe(), "layer": r.origin.layer,
                          "base_origin": str(r.origin.base_location) if r.origin.base_location else None,
                          "conditions": conditions(r), "actions": actions(r)} for r in ruleset.rules]}

    def human(p):
        click.echo(f"rule set {p['hash']} ({len(p['rules'])} rules)" + (f" for {company}" if company else ""))
        for name, value in p["parameters"].items():
            click.echo(f"  parameter {name}: {value}")
        for r in p["rules"]:
            mark = "*" if r["layer"] == "overlay" else " "
            click.echo(f"{mark} {r['id']:<44} {r['origin']}")
    emit(payload, as_json, human)


# --- test ------------------------------------------------------------------------------------
@rules.command("test")
@company_option
@click.option("--coverage", is_flag=True, help="Print rule coverage per company.")
@click.option("--min-coverage", type=DECIMAL, metavar="N", help="Fail when a rule set's coverage is below N percent.")
@click.option("--junit", type=click.Path(dir_okay=False, writable=True), help="Write a JUnit XML report here.")
@click.option("--explain/--no-explain", default=True, help="Print the explanation trace of failing cases.")
@json_option
@click.pass_context
def test_cmd(ctx, company, coverage, min_coverage, junit, explain, as_json):
    """Run the rule test cases (*.test.yaml) with both evaluators. Exit 1 on a failing case or low
    coverage, 6 when rule or case files are invalid."""
    from ..engine.rulebook.cases import run_suite
    from ..engine.rulebook.explain import render_explanation
    rules_dir = _rules_dir(ctx)
    report = run_suite(rules_dir, company)
    low = [c for c in report.coverage.values() if min_coverage is not None and c.percent < min_coverage]
    payload = {"passed": report.count("passed"), "failed": report.count("failed"), "todo": report.count("todo"),
               "skipped": report.count("skipped"),
               "cases": [{"name": r.case.name, "file": r.case.file, "line": r.case.location.line,
                          "company": r.company, "status": r.status, "failures": r.failures} for r in report.results],
               "coverage": [c.as_dict() for c in report.coverage.values()],
               "min_coverage": str(min_coverage) if min_coverage is not None else None,
               "coverage_ok": not low}
    if junit:
        _write_junit(Path(junit), report)

    def human(p):
        rulesets = {}
        for r in report.results:
            if r.status == "failed":
                click.echo(f"FAIL {r.case.location} {r.case.name}" + (f" [{r.company}]" if r.company else ""))
                for f in r.failures:
                    click.echo(f"     - {f}")
                if explain and r.outcome:
                    if r.company not in rulesets:
                        rulesets[r.company] = load_ruleset(rules_dir, r.company)
                    click.echo(_indent(render_explanation(rulesets[r.company], r.outcome.passes)))
        if coverage or min_coverage is not None:
            for c in report.coverage.values():
                click.echo(f"coverage {c.company or 'base'}: {c.percent}% ({len(c.rules) - len(c.never_fired)}/"
                           f"{len(c.rules)} rules fired)")
                for rule_id in c.never_fired:
                    click.echo(f"    never fired: {rule_id}")
        for c in low:
            click.echo(f"coverage {c.company or 'base'} {c.percent}% is below {min_coverage}%", err=True)
        click.echo(f"{p['passed']} passed, {p['failed']} failed, {p['todo']} todo, {p['skipped']} skipped")
    emit(payload, as_json, human)
    if payload["failed"] or low:
        ctx.exit(EXIT_TESTS_FAILED)


def _indent(text: str) -> str:
    return "\n".join("     " + line for line in text.splitlines())


def _write_junit(path: Path, report) -> None:
    import xml.etree.ElementTree as ET
    suite = ET.Element("testsuite", name="claimflow-rules", tests=str(len(report.results)),
                       failures=str(report.count("failed")),
                       skipped=str(report.count("todo") + report.count("skipped")))
    for r in report.results:
        case = ET.SubElement(suite, "testcase", classname=r.case.file + (f"[{r.company}]" if r.company else ""),
                             name=r.case.name, file=r.case.file, line=str(r.case.location.line))
        if r.status == "failed":
            ET.SubElement(case, "failure", message=r.failures[0]).text = "\n".join(r.failures)
        elif r.status in ("todo", "skipped"):
            ET.SubElement(case, "skipped", message="; ".join(r.failures))
    ET.ElementTree(suite).write(path, encoding="utf-8", xml_declaration=True)


# --- explain ---------------------------------------------------------------------------------
@rules.command()
@click.argument("claim_number", required=False)
@company_option
@click.option("--command", "command_name", help="The command to explain, e.g. approve_line.")
@click.option("--line", "line_no", type=int, help="The claim line the command is about.")
@click.option("--reason", default="", help="Reason code of a rejection.")
@click.option("--approved-quantity", type=DECIMAL)
@click.option("--approved-amount", type=DECIMAL)
@click.option("--case", "case_ref", metavar="FILE[:N]", help="Explain case N (1-based, default 1) of a case file instead.")
@click.option("--verbose", "-v", is_flag=True, help="Also list the conditions that held.")
@json_option
@click.pass_context
def explain(ctx, claim_number, company, command_name, line_no, reason, approved_quantity, approved_amount,
            case_ref, verbose, as_json):
    """Why each rule did or did not fire for a stored claim and a command (nothing is saved), or for
    a rule test case: every condition with the value read and why it failed."""
    from ..engine.rulebook.cases import run_case
    from ..engine.rulebook.explain import explain_passes, render_pass
    from ..engine.rulebook.reference import ReferenceEvaluator
    rules_dir = _rules_dir(ctx)
    if case_ref:
        case, target = _case(case_ref, company)
        ruleset = load_ruleset(rules_dir, target)
        outcome = run_case(case, ruleset, ReferenceEvaluator())
        passes, result = outcome.passes, {"outcome": outcome.result, "codes": outcome.codes}
    else:
        if not (claim_number and command_name):
            raise InvalidInput("give a claim number and --command, or --case FILE[:N]", code="invalid_option")
        from ..engine.rulebook.catalogue import COMMANDS
        if command_name not in COMMANDS:
            raise InvalidInput(f"unknown command '{command_name}' (one of {', '.join(COMMANDS)})",
                               code="unknown_command")
        passes, result, ruleset = _explain_stored(ctx, claim_number, company, command_name, line_no, reason,
                                                  approved_quantity, approved_amount)
    explained = explain_passes(ruleset, passes)
    payload = {"rule_set": ruleset.hash, "company": ruleset.company, **result,
               "passes": [{"command": cmd, "rules": [t.as_dict() for t in traces]} for cmd, traces in explained]}

    def human(p):
        click.echo(f"rule set {p['rule_set']}: {p['outcome']} {' '.join(p['codes'])}".rstrip())
        for cmd, traces in explained:
            for line in render_pass(cmd, traces, verbose):
                click.echo(line)
    emit(payload, as_json, human)


def _case(ref: str, company: str | None):
    from ..engine.rulebook.cases import load_case_file
    path, _, index = ref.partition(":")
    cfile = load_case_file(Path(path))
    n = int(index) if index.isdigit() else 1
    if not 1 <= n <= len(cfile.cases):
        raise InvalidInput(f"{path} has {len(cfile.cases)} case(s); no case {n}", code="case_not_found")
    case = cfile.cases[n - 1]
    return case, company or case.company


def _explain_stored(ctx, number, company, command_name, line_no, reason, approved_quantity, approved_amount):
    from ..engine.domain.errors import ClaimflowError, CommandDenied, NotFound
    from ..engine.rulebook.cases import RecordingEvaluator, default_parameters
    from ..engine.rulebook.reference import ReferenceEvaluator
    from ..engine.service.commands import ClaimCommand
    from ..engine.service.decide import run_command
    from ..engine.service.claims import utcnow
    from .context import app_from, resolve_company
    import dataclasses
    app = app_from(ctx)
    company = resolve_company(app, company)
    ruleset = load_ruleset(_rules_dir(ctx), company)
    recorder = RecordingEvaluator(ReferenceEvaluator())
    with app.uow_factory() as uow:  # never committed: the explanation changes nothing
        stored = uow.companies.get(company)
        claim = uow.claims.get(company, number)
        if line_no is not None and claim.line(line_no) is None:
            raise NotFound(f"claim {number} has no line {line_no}", code="line_not_found")
        params = {**default_parameters(), **stored.parameters(), **ruleset.parameters}
        command = ClaimCommand(name=command_name, company=company, claim_number=number, line_no=line_no,
                               reason=reason, approved_quantity=approved_quantity, approved_amount=approved_amount)
        result = {"outcome": "done", "codes": []}
        try:
            run_command(claim, command, dataclasses.replace(ruleset, parameters=params), recorder, utcnow())
        except CommandDenied as denied:
            result = {"outcome": "denied", "codes": sorted({r.code for r in denied.reasons})}
        except ClaimflowError as error:
            result = {"outcome": "failed", "codes": [error.code]}
        uow.rollback()
    return recorder.passes, result, ruleset


# --- diff ------------------------------------------------------------------------------------
@rules.command()
@click.argument("old", required=False, type=click.Path(file_okay=False, exists=True))
@click.argument("new", required=False, type=click.Path(file_okay=False, exists=True))
@company_option
@json_option
@click.pass_context
def diff(ctx, old, new, company, as_json):
    """Rules added, removed and changed (conditions, actions) between two rules folders, or between
    the base rules and a company (`--company X` alone)."""
    from ..engine.rulebook.diff import diff_rulesets, render_diff
    if old and new:
        before, after = load_ruleset(Path(old), company), load_ruleset(Path(new), company)
    elif company and not old:
        rules_dir = _rules_dir(ctx)
        before, after = load_ruleset(rules_dir, None), load_ruleset(rules_dir, company)
    else:
        raise InvalidInput("give OLD and NEW folders, or --company X to compare a company with the base",
                           code="invalid_option")
    payload = diff_rulesets(before, after)
    emit(payload, as_json, lambda p: [click.echo(line) for line in render_diff(p)])


# --- graph -----------------------------------------------------------------------------------
@rules.command()
@company_option
@click.option("--kind", type=click.Choice(["claim", "line", "both"]), default="both", show_default=True)
@click.option("--svg", "svg_path", type=click.Path(dir_okay=False, writable=True),
              help="Also write an SVG drawing here (with --kind both: one file per kind, suffixed).")
@json_option
@click.pass_context
def graph(ctx, company, kind, svg_path, as_json):
    """The status machine the rules define, as Mermaid text (and SVG): statuses as nodes, rule ids on edges."""
    from ..engine.rulebook import graph as g
    ruleset = load_ruleset(_rules_dir(ctx), company)
    kinds = ["claim", "line"] if kind == "both" else [kind]
    written = []
    if svg_path:
        for k in kinds:
            target = Path(svg_path)
            if len(kinds) > 1:
                target = target.with_name(f"{target.stem}-{k}{target.suffix or '.svg'}")
            target.write_text(g.svg(ruleset, k), encoding="utf-8")
            written.append(str(target))
    payload = {"rule_set": ruleset.hash, "company": company, "svg": written,
               "graphs": {k: {"mermaid": g.mermaid(ruleset, k),
                              "edges": [{"from": s, "to": d, "rules": ids} for (s, d), ids in
                                        sorted(g.edges(ruleset, k).items())]} for k in kinds}}

    def human(p):
        for k, value in p["graphs"].items():
            click.echo(f"%% {k} statuses, rule set {ruleset.hash}")
            click.echo(value["mermaid"])
        for f in written:
            click.echo(f"wrote {f}", err=True)
    emit(payload, as_json, human)


# --- simulate --------------------------------------------------------------------------------
@rules.command()
@click.option("--rules", "candidate_dir", required=True, type=click.Path(file_okay=False, exists=True),
              help="The candidate rules folder.")
@company_option
@click.option("--max-changes", type=int, default=None, help="Exit 1 when more decisions than this would change.")
@click.option("--examples", type=int, default=10, show_default=True, help="Changed decisions listed per company.")
@json_option
@click.pass_context
def simulate(ctx, candidate_dir, company, max_changes, examples, as_json):
    """Replay every stored claim's facts against the candidate rules: which decisions would change."""
    from ..engine.rulebook.cases import default_parameters
    from ..engine.rulebook.reference import ReferenceEvaluator
    from ..engine.rulebook.simulate import CompanyReport, replay_claim
    from .context import app_from
    app = app_from(ctx)
    evaluator = ReferenceEvaluator()  # plain Python: a replay of thousands of claims needs no engine host
    reports = []
    with app.uow_factory() as uow:
        companies = [uow.companies.get(company)] if company else uow.companies.list()
        for comp in companies:
            current = load_ruleset(_rules_dir(ctx), comp.code)
            candidate = load_ruleset(Path(candidate_dir), comp.code)
            report = CompanyReport(comp.code)
            params = {**default_parameters(), **comp.parameters()}
            for number in uow.claims.numbers(comp.code):
                replay_claim(uow.claims.get(comp.code, number), params, current, candidate, evaluator, report)
            reports.append(report)
        uow.rollback()
    total = sum(len(r.changes) for r in reports)
    payload = {"changes": total, "max_changes": max_changes, "companies": [r.as_dict(examples) for r in reports]}

    def human(p):
        for r in p["companies"]:
            click.echo(f"{r['company']}: {r['changes']} changed decision(s) over {r['claims']} claim(s), "
                       f"{r['evaluations']} evaluation(s)")
            for c in r["examples"]:
                line = f" line {c['line']}" if c["line"] is not None else ""
                click.echo(f"    {c['claim']} {c['command']}{line}: {'; '.join(c['before'])} -> {'; '.join(c['after'])}")
    emit(payload, as_json, human)
    if max_changes is not None and total > max_changes:
        ctx.exit(EXIT_TOO_MANY_CHANGES)


@rules.command()
@click.option("--company", required=True, help="Company whose open claims move to its current rule set.")
@click.option("--claim", "numbers", multiple=True, help="Only this claim (repeatable).")
@json_option
@click.pass_context
def migrate(ctx, company, numbers, as_json):
    """Move open claims to the company's current rule set (claims keep the version they were
    submitted under until migrated)."""
    from .context import app_from
    app = app_from(ctx)
    moved = app.claims.migrate_ruleset(company, list(numbers) or None, ctx.find_root().obj["settings"].actor)
    current = app.rulebook.for_company(company).hash
    emit({"company": company, "ruleset": current, "migrated": moved}, as_json,
         lambda p: click.echo(f"{len(moved)} claim(s) moved to rule set {current}"
                              + (f": {', '.join(moved)}" if moved else "")))
