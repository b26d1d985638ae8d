"""`claims finance ...`: the answers of Invoicing (the embedded default plays the outside module)."""
from __future__ import annotations

import click

from ..engine.service.commands import ClaimCommand
from ..engine.service.views import claim_view
from .claim_cmd import _human_status, company_option
from .context import app_from, resolve_company
from .claim_cmd import _run
from .output import DECIMAL, emit, json_option


def register(cli: click.Group) -> None:
    cli.add_command(finance)


@click.group()
def finance():
    """Answers from Invoicing and Finance."""


@finance.command("finalize-credit-note")
@click.argument("claim_number")
@click.argument("credit_note")
@company_option
@json_option
@click.pass_context
def finalize_credit_note(ctx, claim_number, credit_note, company, as_json):
    """Invoicing finalized CREDIT_NOTE of CLAIM_NUMBER: the line is settled by the rules."""
    app = app_from(ctx)
    result = app.claims.run(ClaimCommand("finalize_credit_note", resolve_company(app, company), claim_number,
                                         actor=ctx.find_root().obj["settings"].actor, document_number=credit_note))
    emit(claim_view(result.claim), as_json, _human_status)


@finance.command("void-credit-note")
@click.argument("claim_number")
@click.argument("credit_note")
@company_option
@json_option
@click.pass_context
def void_credit_note(ctx, claim_number, credit_note, company, as_json):
    """Invoicing voided CREDIT_NOTE: the line goes back to approved and a new credit note is asked for."""
    _run(ctx, "void_credit_note", claim_number, company, as_json, document_number=credit_note)


def _invoice_flags(f):
    for option in reversed([
        click.option("--final", "final_invoice", is_flag=True, help="The invoice is the final one."),
        click.option("--approved-in-ap", is_flag=True, help="Approved in Accounts Payable (order invoices)."),
        click.option("--finalized-in-gl", is_flag=True, help="Finalized in General Ledger (cost invoices)."),
    ]):
        f = option(f)
    return f


@finance.command("link-invoice")
@click.argument("claim_number")
@click.option("--line", "line_no", type=int, required=True)
@click.option("--invoice", "document_number", required=True, help="Purchase invoice number.")
@click.option("--amount", type=DECIMAL, required=True)
@click.option("--kind", "invoice_kind", type=click.Choice(["cost", "order"]), default="cost", show_default=True)
@_invoice_flags
@company_option
@json_option
@click.pass_context
def link_invoice(ctx, claim_number, line_no, document_number, amount, invoice_kind, company, as_json, **flags):
    """Accounts Payable links a purchase invoice line to a line approved for invoice linking."""
    _run(ctx, "link_purchase_invoice", claim_number, company, as_json, line_no=line_no,
         document_number=document_number, amount=amount, invoice_kind=invoice_kind, **flags)


@finance.command("update-invoice")
@click.argument("claim_number")
@click.argument("invoice")
@_invoice_flags
@company_option
@json_option
@click.pass_context
def update_invoice(ctx, claim_number, invoice, company, as_json, **flags):
    """Accounts Payable / General Ledger report a linked invoice final, approved or finalized."""
    _run(ctx, "update_purchase_invoice", claim_number, company, as_json, document_number=invoice, **flags)
