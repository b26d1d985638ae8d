"""`claims import ...`: load source documents (and the claims they imply) from files."""
from __future__ import annotations

from pathlib import Path

import click

from ..engine.domain.errors import ImportFileInvalid
from .context import app_from, resolve_company
from .output import emit, json_option
from .progress import progress_bar


def register(cli: click.Group) -> None:
    cli.add_command(import_)


@click.group("import")
def import_():
    """Import original documents and claims from files."""


@import_.command("online-retail")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--company", default="UK01", show_default=True, help="Company to import into (created if absent).")
@json_option
@click.pass_context
def online_retail(ctx, file, company, as_json):
    """Import the UCI Online Retail CSV: invoices, customers, items; cancellations become claims."""
    from ..adapters.sources.online_retail import import_online_retail
    if not file.is_file():
        raise ImportFileInvalid(f"{file}: no such file", code="import_file_missing")
    app = app_from(ctx)
    with progress_bar("importing", quiet=as_json) as tick:
        report = import_online_retail(app.uow_factory, file, company, progress=tick)
    emit(report.as_dict(), as_json, print_import_report)


@import_.command("documents")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--company", metavar="CODE", help="Company to import into (must exist; default: $CLAIMFLOW_COMPANY "
              "or the only company).")
@click.option("--format", "fmt", type=click.Choice(["json", "csv"]), default=None,
              help="File format (default: from the file name, else from its first character).")
@json_option
@click.pass_context
def documents(ctx, file, company, fmt, as_json):
    """Import original documents (invoices, sales/service/maintenance orders, sales schedules).

    The whole file is checked first; any problem refuses it (exit 7) with every problem listed,
    and nothing is written. Documents stored already with the same content are skipped.
    """
    from ..adapters.sources.generic import import_documents
    app = app_from(ctx)
    report = import_documents(app.uow_factory, file, resolve_company(app, company), fmt)
    emit(report.as_dict(), as_json, print_documents_report)


@import_.command("calls")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--company", metavar="CODE", help="Company to import into (must exist; default: $CLAIMFLOW_COMPANY "
              "or the only company).")
@click.option("--format", "fmt", type=click.Choice(["json", "csv"]), default=None,
              help="File format (default: from the file name, else from its first character).")
@json_option
@click.pass_context
def calls(ctx, file, company, fmt, as_json):
    """Import customer service calls (status open); claims can then be registered from them."""
    from ..adapters.sources.generic import import_calls
    app = app_from(ctx)
    report = import_calls(app.uow_factory, file, resolve_company(app, company), fmt)
    emit(report.as_dict(), as_json, print_calls_report)


@import_.command("superstore")
@click.argument("orders_csv", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.argument("returns_csv", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--company", default="SS01", show_default=True, help="Company to import into (created if absent).")
@json_option
@click.pass_context
def superstore(ctx, orders_csv, returns_csv, company, as_json):
    """Import Tableau's Superstore Orders and Returns CSVs: orders become sales orders, each
    returned order a claim. Without arguments the bundled copies (data/superstore) are read."""
    from ..adapters.sources.superstore import import_superstore
    from ..engine.settings import bundled_data_dir
    bundled = bundled_data_dir() / "superstore"
    orders_csv = orders_csv or bundled / "superstore_orders.csv"
    returns_csv = returns_csv or bundled / "superstore_returns.csv"
    app = app_from(ctx)
    with progress_bar("importing", quiet=as_json) as tick:
        report = import_superstore(app.uow_factory, orders_csv, returns_csv, company, progress=tick)
    emit(report.as_dict(), as_json, print_superstore_report)


def print_documents_report(r: dict) -> None:
    types = ", ".join(f"{t} {n}" for t, n in sorted(r["documents_by_type"].items())) or "none"
    click.echo(f"documents: {r['documents']} ({r['lines']} lines; {types})  new: {r['documents_new']}  "
               f"already present: {r['documents_already_present']}")
    click.echo(f"new customers: {r['customers_new']}  new items: {r['items_new']}")


def print_calls_report(r: dict) -> None:
    click.echo(f"calls: {r['calls']}  new: {r['calls_new']}  already present: {r['calls_already_present']}  "
               f"new customers: {r['customers_new']}")


def print_superstore_report(r: dict) -> None:
    click.echo(f"order rows read: {r['order_rows_read']}  orders: {r['orders']} ({r['order_lines']} lines)  "
               f"new: {r['orders_new']}  already present: {r['orders_already_present']}")
    click.echo(f"return rows read: {r['return_rows_read']}  returned orders: {r['returned_orders']}  "
               f"duplicate rows: {r['return_duplicates']}")
    click.echo(f"claims: {r['claims']} ({r['claim_lines']} lines, {r['claimed_amount']} USD)  "
               f"new: {r['claims_new']}  already present: {r['claims_already_present']}")
    for label, key in (("order rows", "rejected"), ("return rows", "returns_rejected")):
        if r[key]:
            click.echo(f"{label} rejected by reason:")
            for reason, tally in r[key].items():
                click.echo(f"  {reason:<20} {tally['count']:>6}   e.g. rows {', '.join(map(str, tally['examples']))}")


def print_import_report(r: dict) -> None:
    click.echo(f"rows read: {r['rows_read']}  invoices: {r['invoices']} ({r['invoice_lines']} lines)  "
               f"new invoices: {r['invoices_new']}  already present: {r['invoices_already_present']}")
    click.echo(f"claims: {r['claims_from_document']} from a document, {r['claims_without_document']} without one; "
               f"new: {r['claims_new']}, already present: {r['claims_already_present']}")
    if r["rejected"]:
        click.echo("rows rejected by reason:")
        for reason, tally in sorted(r["rejected"].items()):
            click.echo(f"  {reason:<18} {tally['count']:>6}   e.g. rows {', '.join(map(str, tally['examples']))}")
