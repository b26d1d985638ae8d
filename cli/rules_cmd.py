"""`claims rules ...`: check rule files and show the effective rule set of a company."""
from __future__ import annotations

import click

from ..engine.domain.errors import RuleSetInvalid
from ..engine.rulebook.loader import load_ruleset
from .output import emit, json_option


def register(cli: click.Group) -> None:
    cli.add_command(rules)


@click.group()
def rules():
    """Rule files: validate, show."""


@rules.command()
@click.argument("path", required=False, type=click.Path(file_okay=False))
@click.option("--company", help="Also check this company's overlay.")
@json_option
@click.pass_context
def validate(ctx, path, company, as_json):
    """Check every rule file (and an overlay); list every problem with file:line:col. Exit 6 on problems."""
    rules_dir = path or ctx.find_root().obj["settings"].rules_dir
    try:
        ruleset = load_ruleset(rules_dir, company)
    except RuleSetInvalid as error:
        problems = [p.as_dict() for p in error.problems] if hasattr(error, "problems") else []
        if as_json:
            emit({"valid": False, "problems": problems}, True)
        else:
            for p in error.problems:
                click.echo(p.render(), err=True)
            click.echo(f"{len(problems)} problem(s)", err=True)
        ctx.exit(error.exit_code)
    emit({"valid": True, "rules": len(ruleset.rules), "hash": ruleset.hash, "company": company}, as_json,
         lambda p: click.echo(f"ok: {p['rules']} rules, rule set {p['hash']}"))


@rules.command()
@click.option("--company", help="Company whose overlay applies.")
@json_option
@click.pass_context
def show(ctx, company, as_json):
    """Print the effective rule set, each rule with its origin."""
    ruleset = load_ruleset(ctx.find_root().obj["settings"].rules_dir, company)
    payload = {"hash": ruleset.hash, "company": company, "parameters": ruleset.parameters,
               "rules": [{"id": r.id, "phase": r.phase, "commands": list(r.commands), "description": r.description,
                          "origin": r.origin.describe(), "layer": r.origin.layer} for r in ruleset.rules]}

    def human(p):
        click.echo(f"rule set {p['hash']} ({len(p['rules'])} rules)" + (f" for {company}" if company else ""))
        for r in p["rules"]:
            click.echo(f"  {r['id']:<40} {r['origin']}")
    emit(payload, as_json, human)
