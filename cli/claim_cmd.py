"""`claims claim ...`: register claims and run their lifecycle commands."""
from __future__ import annotations

import click

from ..engine.domain.errors import InvalidInput
from ..engine.service.commands import ClaimCommand, ClaimOptions, NewLine
from ..engine.service.views import claim_summary, claim_view
from .context import app_from, resolve_company
from .output import DECIMAL, emit, json_option

company_option = click.option("--company", metavar="CODE", help="Company (default: $CLAIMFLOW_COMPANY or the only one).")
version_option = click.option("--if-version", "expected_version", type=int,
                              help="Refuse with a conflict unless the claim is still at this version.")


def register(cli: click.Group) -> None:
    cli.add_command(claim)


@click.group()
def claim():
    """Register claims and move them through the process."""


@claim.command("create")
@company_option
@click.option("--document", metavar="NUMBER", help="Original document to copy lines from.")
@click.option("--type", "doc_type", help="Document type when numbers repeat across types.")
@click.option("--line", "line_nos", type=int, multiple=True, help="Copy only this document line (repeatable).")
@click.option("--customer", help="Customer of a manual claim.")
@click.option("--item", "items", multiple=True, metavar="ITEM:QTY:AMOUNT", help="A manual claim line (repeatable).")
@click.option("--procedure", type=click.Choice(["credit_note_based", "invoice_based"]), default="credit_note_based",
              show_default=True, help="Claim invoice procedure.")
@click.option("--method", type=click.Choice(["reimburse_costs", "reimburse_materials"]), default="reimburse_costs",
              show_default=True, help="Claim method of the lines.")
@click.option("--use-estimates", is_flag=True, help="Lines wait for estimates after submit.")
@click.option("--return-material", is_flag=True, help="Lines need the material back (Return Material Required).")
@click.option("--text", default="", help="Internal text.")
@json_option
@click.pass_context
def create(ctx, company, document, doc_type, line_nos, customer, items, procedure, method, use_estimates,
           return_material, text, as_json):
    """Register a claim from a document (all or chosen lines) or by hand (--customer and --item)."""
    app = app_from(ctx)
    company = resolve_company(app, company)
    options = ClaimOptions(procedure, method, use_estimates, return_material, text)
    actor = ctx.find_root().obj["settings"].actor
    if document and (customer or items):
        raise InvalidInput("use either --document or --customer/--item", code="invalid_option")
    if document:
        result = app.claims.register_from_document(company, document, doc_type=doc_type,
                                                   line_nos=list(line_nos) or None, options=options, actor=actor)
    elif customer and items:
        result = app.claims.register_manual(company, customer, [_parse_item(i) for i in items], options=options,
                                            actor=actor)
    else:
        raise InvalidInput("give --document NUMBER, or --customer and at least one --item", code="invalid_option")
    emit(claim_view(result), as_json, lambda p: click.echo(f"claim {p['number']} registered ({p['status']}, "
                                                            f"{len(p['lines'])} line(s))"))


def _parse_item(text: str) -> NewLine:
    parts = text.split(":")
    if len(parts) != 3:
        raise InvalidInput(f"--item '{text}': write ITEM:QUANTITY:AMOUNT", code="invalid_option")
    try:
        return NewLine(parts[0], DECIMAL.convert(parts[1], None, None), DECIMAL.convert(parts[2], None, None))
    except click.BadParameter as exc:
        raise InvalidInput(f"--item '{text}': {exc.message}", code="invalid_option") from exc


def _run(ctx, name: str, number: str, company: str | None, as_json: bool, **fields) -> None:
    app = app_from(ctx)
    command = ClaimCommand(name=name, company=resolve_company(app, company), claim_number=number,
                           actor=ctx.find_root().obj["settings"].actor, **fields)
    result = app.claims.run(command)
    view = claim_view(result.claim)
    view["fired"] = result.effects.fired
    emit(view, as_json, _human_status)


def _human_status(view: dict) -> None:
    click.echo(f"claim {view['number']}: {view['status']}" + (" (partially approved)" if view["partially_approved"] else ""))
    for line in view["lines"]:
        click.echo(f"  line {line['line']}: {line['status']}")
    for doc in view["documents"]:
        click.echo(f"  {doc['kind']} {doc['number']}: {doc['amount']} {doc['currency']} ({doc['status']})")


@claim.command()
@click.argument("number")
@company_option
@version_option
@json_option
@click.pass_context
def submit(ctx, number, company, expected_version, as_json):
    """Submit a registered (or modified) claim: lines go to their gates."""
    _run(ctx, "submit", number, company, as_json, expected_version=expected_version)


@claim.command()
@click.argument("number")
@click.option("--line", "line_no", type=int, help="Approve this line only (default: the whole claim).")
@click.option("--quantity", "approved_quantity", type=DECIMAL, help="Approved quantity (line approval).")
@click.option("--amount", "approved_amount", type=DECIMAL, help="Approved amount (line approval).")
@company_option
@version_option
@json_option
@click.pass_context
def approve(ctx, number, line_no, approved_quantity, approved_amount, company, expected_version, as_json):
    """Approve the whole claim or one line."""
    if line_no is None and (approved_quantity is not None or approved_amount is not None):
        raise InvalidInput("--quantity and --amount need --line", code="invalid_option")
    _run(ctx, "approve_line" if line_no is not None else "approve_claim", number, company, as_json,
         line_no=line_no, approved_quantity=approved_quantity, approved_amount=approved_amount,
         expected_version=expected_version)


@claim.command()
@click.argument("number")
@click.option("--line", "line_no", type=int, help="Reject this line only (default: the whole claim).")
@click.option("--reason", default="", help="Rejection reason code (required).")
@click.option("--text", default="", help="Rejection text (optional).")
@company_option
@version_option
@json_option
@click.pass_context
def reject(ctx, number, line_no, reason, text, company, expected_version, as_json):
    """Reject the whole claim or one line; a reason is required."""
    _run(ctx, "reject_line" if line_no is not None else "reject_claim", number, company, as_json,
         line_no=line_no, reason=reason.strip(), text=text, expected_version=expected_version)


@claim.command()
@click.argument("number")
@company_option
@version_option
@json_option
@click.pass_context
def close(ctx, number, company, expected_version, as_json):
    """Close a decided claim whose lines are all final."""
    _run(ctx, "close", number, company, as_json, expected_version=expected_version)


@claim.command()
@click.argument("number")
@company_option
@json_option
@click.pass_context
def show(ctx, number, company, as_json):
    """Show a claim: header, lines, documents and audit trail."""
    app = app_from(ctx)
    found, audit = app.claims.show(resolve_company(app, company), number)
    view = claim_view(found, audit)

    def human(p):
        _human_status(p)
        click.echo(f"  version {p['version']}, ruleset {p['ruleset']}, customer {p['customer']}, "
                   f"document {p['document'] or '-'}")
        for a in p["audit"]:
            target = f"line {a['line']}" if a["line"] is not None else "header"
            click.echo(f"  {a['at']} {a['command']} by {a['actor']}: {target} {a['from']} -> {a['to']} [{a['rule']}]")
    emit(view, as_json, human)


@claim.command("list")
@company_option
@click.option("--status", help="Only claims in this header status.")
@click.option("--limit", type=click.IntRange(1, 1000), default=50, show_default=True)
@click.option("--offset", type=click.IntRange(0), default=0)
@json_option
@click.pass_context
def list_(ctx, company, status, limit, offset, as_json):
    """List claims of a company."""
    app = app_from(ctx)
    claims = [claim_summary(c) for c in app.claims.list(resolve_company(app, company), status, limit, offset)]

    def human(rows):
        for r in rows:
            click.echo(f"{r['number']}  {r['status']:<17} {r['customer']:<10} {r['amount']:>12} {r['currency']}  "
                       f"{r['document'] or '-'}")
    emit(claims, as_json, human)
