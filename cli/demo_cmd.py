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
@click.option("--limit", type=click.IntRange(1), help="Drive only the first N claims.")
@json_option
@click.pass_context
def demo(ctx, db_file, data_file, limit, as_json):
    """Import the bundled December 2010 invoices and drive every claim to its end; print a summary."""
    from ..adapters.bootstrap import build_app
    from ..adapters.demo import run_demo
    settings: Settings = ctx.find_root().obj["settings"]
    if db_file.exists():
        db_file.unlink()
    app = build_app(Settings(database_url=f"sqlite:///{db_file}", rules_dir=settings.rules_dir, actor=settings.actor))
    try:
        with progress_bar("demo", quiet=as_json) as tick:
            summary = run_demo(app, data_file, limit, progress=lambda _step, done, total: tick(done, total))
    finally:
        app.close()
    emit(summary.as_dict(), as_json, lambda p: print_summary(p, db_file))


def print_summary(s: dict, db_file: Path) -> None:
    imp = s["import"]
    click.echo(f"Claimflow demo on {db_file} (Online Retail, December 2010)")
    click.echo(f"  imported: {imp['invoices_new']} invoices, {imp['invoice_lines_new']} invoice lines, "
               f"{imp['customers_new']} customers, {imp['items_new']} items from {imp['rows_read']} rows")
    rejected = ", ".join(f"{k} {v['count']}" for k, v in sorted(imp["rejected"].items()))
    click.echo(f"  import rejects by reason: {rejected or 'none'}")
    click.echo(f"  claims created: {s['claims']} ({s['claims_from_document']} from a document, "
               f"{s['claims_without_document']} without one)")
    click.echo("  claims by final status: " + ", ".join(f"{k} {v}" for k, v in sorted(s["header_statuses"].items())))
    click.echo("  lines by final status: " + ", ".join(f"{k} {v}" for k, v in sorted(s["line_statuses"].items())))
    click.echo(f"  credited (final credit notes): " + ", ".join(f"{v} {k}" for k, v in s["credited"].items()))
    click.echo(f"  credited for matched lines: {s['credited_from_document']} GBP at original invoice prices; "
               f"the dataset's cancellations of the matched quantities total {s['cancellation_matched_amount']} GBP")
    click.echo("  rules that fired most:")
    for rule, count in s["top_rules"]:
        click.echo(f"    {count:>6}  {rule}")
    if s["failures"]:
        click.echo(f"  refused commands: {len(s['failures'])} (first: {s['failures'][0]})")
    click.echo(f"  {s['commands']} commands; wall time {s['wall_seconds']} s (import {s['import_seconds']} s); "
               f"{s['claims_per_second']} claims/s through the process")
