"""Answers of the outside modules (Warehousing, Inspections, Purchasing, Accounts Payable), played
from the CLI in the embedded default."""
from __future__ import annotations

import click

from ..engine.domain.model import Call, Customer
from .claim_cmd import _run, company_option
from .context import app_from, resolve_company
from .output import DECIMAL, emit, json_option


def register(cli: click.Group) -> None:
    cli.add_command(warehouse)
    cli.add_command(inspection)
    cli.add_command(supplier)
    cli.add_command(call)
    cli.add_command(customer)


@click.group()
def warehouse():
    """Warehousing: receipts, delivery to the service department, shipments."""


@warehouse.command("book-receipt")
@click.argument("claim_number")
@click.option("--line", "line_no", type=int, required=True)
@click.option("--quantity", type=DECIMAL, required=True, help="Quantity received.")
@company_option
@json_option
@click.pass_context
def book_receipt(ctx, claim_number, line_no, quantity, company, as_json):
    """The returned item was received into customer-owned stock."""
    _run(ctx, "book_receipt", claim_number, company, as_json, line_no=line_no, quantity=quantity)


@warehouse.command("deliver-to-service")
@click.argument("claim_number")
@click.option("--line", "line_no", type=int, required=True)
@click.option("--measurement-type", default="", help="Creates an inspection of this measurement type.")
@company_option
@json_option
@click.pass_context
def deliver_to_service(ctx, claim_number, line_no, measurement_type, company, as_json):
    """The received item reached the service department."""
    _run(ctx, "deliver_to_service", claim_number, company, as_json, line_no=line_no, measurement_type=measurement_type)


@warehouse.command("confirm-shipment")
@click.argument("claim_number")
@click.argument("order")
@company_option
@json_option
@click.pass_context
def confirm_shipment(ctx, claim_number, order, company, as_json):
    """A delivery's warehouse order reached Confirm Shipment."""
    _run(ctx, "confirm_shipment", claim_number, company, as_json, document_number=order)


@click.group()
def inspection():
    """Inspections: complete or reject."""


def _inspection_result(name: str, command: str, doc: str):
    @inspection.command(name, help=doc)
    @click.argument("claim_number")
    @click.argument("inspection_number")
    @click.option("--text", default="", help="Result text.")
    @company_option
    @json_option
    @click.pass_context
    def run(ctx, claim_number, inspection_number, text, company, as_json):
        _run(ctx, command, claim_number, company, as_json, inspection_number=inspection_number, text=text)
    return run


_inspection_result("complete", "complete_inspection", "The inspection was completed.")
_inspection_result("reject", "reject_inspection", "The inspection was rejected.")


@click.group()
def supplier():
    """Purchasing: the supplier's answer to a supplier claim."""


@supplier.command()
@click.argument("claim_number")
@click.option("--line", "line_no", type=int, required=True)
@click.option("--decision", type=click.Choice(["approved", "rejected", "canceled"]), required=True)
@company_option
@json_option
@click.pass_context
def decide(ctx, claim_number, line_no, decision, company, as_json):
    """Record the supplier's decision on the line's supplier claim."""
    _run(ctx, "supplier_decision", claim_number, company, as_json, line_no=line_no, decision=decision)


@click.group()
def call():
    """Customer service calls a claim can be registered from."""


@call.command("add")
@click.argument("number")
@click.option("--customer", required=True)
@click.option("--text", default="", help="The call's transaction text.")
@click.option("--document", help="The original document the call is about.")
@click.option("--type", "doc_type", help="Its document type.")
@company_option
@json_option
@click.pass_context
def add_call(ctx, number, customer, text, document, doc_type, company, as_json):
    """Record a customer call (then `claims claim create --call NUMBER`)."""
    app = app_from(ctx)
    stored = app.claims.add_call(Call(resolve_company(app, company), number, customer, text, document, doc_type))
    emit({"call": stored.number, "status": stored.status}, as_json,
         lambda p: click.echo(f"call {p['call']} recorded ({p['status']})"))


@click.group()
def customer():
    """Customers (master data) for manual claims."""


@customer.command("add")
@click.argument("code")
@click.option("--name", default="")
@click.option("--country", default="")
@company_option
@json_option
@click.pass_context
def add_customer(ctx, code, name, country, company, as_json):
    """Add a customer to a company."""
    app = app_from(ctx)
    stored = app.claims.add_customer(Customer(resolve_company(app, company), code, name, country))
    emit({"customer": stored.code, "company": stored.company_code}, as_json,
         lambda p: click.echo(f"customer {p['customer']} added to {p['company']}"))
