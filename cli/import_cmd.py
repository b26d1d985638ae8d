"""`claims import ...`: load source documents (and the claims they imply) from files."""
from __future__ import annotations

from pathlib import Path

import click

from ..engine.domain.errors import ImportFileInvalid
from .context import app_from
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


def print_import_report(r: dict) -> None:
    click.echo(f"rows read: {r['rows_read']}  invoices: {r['invoices']} ({r['invoice_lines']} lines)  "
               f"new invoices: {r['invoices_new']}  already present: {r['invoices_already_present']}")
    click.echo(f"claims: {r['claims_from_document']} from a document, {r['claims_without_document']} without one; "
               f"new: {r['claims_new']}, already present: {r['claims_already_present']}")
    if r["rejected"]:
        click.echo("rows rejected by reason:")
        for reason, tally in sorted(r["rejected"].items()):
            click.echo(f"  {reason:<18} {tally['count']:>6}   e.g. rows {', '.join(map(str, tally['examples']))}")
