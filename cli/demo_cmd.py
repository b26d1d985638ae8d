"""`claims demo`: the main job on a fresh SQLite file, with a printed summary."""
from __future__ import annotations

from pathlib import Path

import click

from ..engine.settings import Settings
from .output import emit, json_option
from .progress import progress_bar


def register(cli: click.Group) -> None:
    cli.add_command(demo)


@click.command()
@click.option("--db-file", type=click.Path(dir_okay=False, path_type=Path), default=Path("claimflow-demo.sqlite"),
              show_default=True, help="SQLite file to create (replaced if it exists).")
@click.option("--data", "data_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Online Retail CSV (default: the bundled December 2010 file).")
@click.option("--limit", type=click.IntRange(1), help="Drive only the first N claims of each company.")
@click.option("--online-retail-only", is_flag=True, help="Skip the second company (Superstore).")
@json_option
@click.pass_context
def demo(ctx, db_file, data_file, limit, online_retail_only, as_json):
    """Import the bundled datasets of two companies and drive every claim to its end; print a summary."""
    from ..adapters.bootstrap import build_app
    from ..adapters.demo import run_demo
    settings: Settings = ctx.find_root().obj["settings"]
    for stale in (db_file, Path(f"{db_file}-wal"), Path(f"{db_file}-shm")):
        if stale.exists():
            stale.unlink()
    app = build_app(Settings(database_url=f"sqlite:///{db_file}", rules_dir=settings.rules_dir, actor=settings.actor))
    try:
        with progress_bar("demo", quiet=as_json) as tick:
            summary = run_demo(app, data_file, limit, progress=lambda _step, done, total: tick(done, total),
                               with_superstore=not online_retail_only)
    finally:
        app.close()
    emit(summary.as_dict(), as_json, lambda p: print_summary(p, db_file))


def print_summary(s: dict, db_file: Path) -> None:
    click.echo(f"Claimflow demo on {db_file}")
    for c in s["companies"]:
        imp = c["import"]
        click.echo(f"\n{c['company']} ({c['currency']})")
        if "invoices_new" in imp:
            click.echo(f"  imported: {imp['invoices_new']} invoices, {imp['invoice_lines_new']} invoice lines, "
                       f"{imp['customers_new']} customers, {imp['items_new']} items from {imp['rows_read']} rows")
        if "orders_new" in imp:
            click.echo(f"  imported: {imp['orders_new']} sales orders, {imp['order_lines_new']} order lines, "
                       f"{imp['customers_new']} customers, {imp['items_new']} items; {imp['returned_orders']} "
                       f"returned orders ({imp['return_duplicates']} duplicate return rows)")
        rejected = ", ".join(f"{k} {v['count'] if isinstance(v, dict) else v}"
                             for k, v in sorted((imp.get("rejected") or {}).items()))
        click.echo(f"  import rejects by reason: {rejected or 'none'}")
        click.echo(f"  claims: {c['claims']} ({c['claims_from_document']} from a document, "
                   f"{c['claims_without_document']} without one)")
        click.echo("  paths: " + "; ".join(f"{k} {v}" for k, v in sorted(c["paths"].items())))
        click.echo("  claims by final status: " + ", ".join(f"{k} {v}" for k, v in sorted(c["header_statuses"].items())))
        click.echo("  lines by final status: " + ", ".join(f"{k} {v}" for k, v in sorted(c["line_statuses"].items())))
        click.echo(f"  credited by credit note: {c['credited']} {c['currency']}; settled against customer invoices: "
                   f"{c['settled_by_invoice']} {c['currency']}; new material shipped: {c['material_shipped_quantity']} units")
        if c["deleted_after_history"]:
            click.echo(f"  posted to history and deleted: {c['deleted_after_history']}")
    click.echo(f"\nOnline Retail, claims with an original invoice: {s['online_retail_credited_for_matched_lines']} GBP "
               f"credited at original prices; the dataset's cancellations of the matched quantities total "
               f"{s['online_retail_cancellations_of_matched_quantities']} GBP (the rest of those claims took the "
               f"material or invoice paths)")
    click.echo("rules that fired most:")
    for rule, count in s["top_rules"]:
        click.echo(f"  {count:>6}  {rule}")
    if s["failures"]:
        click.echo(f"refused commands: {len(s['failures'])} (first: {s['failures'][0]})")
    click.echo(f"{s['claims']} claims, {s['commands']} commands; wall time {s['wall_seconds']} s "
               f"(import {s['import_seconds']} s); {s['claims_per_second']} claims/s through the process")
