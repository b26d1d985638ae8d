"""`claims init`: create or upgrade the schema; optionally register a company with its parameters."""
from __future__ import annotations

import click

from ..engine.domain.model import Company
from .context import app_from
from .output import emit, json_option


def register(cli: click.Group) -> None:
    cli.add_command(init)


@click.command()
@click.option("--company", metavar="CODE", help="Also create this company if it does not exist.")
@click.option("--name", default="", help="Company name.")
@click.option("--currency", default="EUR", show_default=True, help="Company currency (ISO code).")
@click.option("--use-claim-history/--no-claim-history", default=False, help="Parameter Use Claim History.")
@click.option("--inventory-allocations/--no-inventory-allocations", default=False,
              help="Parameter Inventory Allocations Required.")
@json_option
@click.pass_context
def init(ctx, company, name, currency, use_claim_history, inventory_allocations, as_json):
    """Create or upgrade the database schema (Alembic migrations)."""
    from ..adapters.db import upgrade
    settings = ctx.obj["settings"]
    revision = upgrade(settings.database_url)
    created = False
    if company:
        app = app_from(ctx)
        with app.uow_factory() as uow:
            if uow.companies.find(company) is None:
                uow.companies.add(Company(code=company, name=name or company, currency=currency.upper(),
                                          use_claim_history=use_claim_history,
                                          inventory_allocations_required=inventory_allocations))
                uow.commit()
                created = True
    emit({"database": _safe_url(settings.database_url), "revision": revision, "company_created": created},
         as_json, lambda p: click.echo(f"schema at revision {p['revision']} in {p['database']}"
                                       + (f"; company {company} created" if created else "")))


def _safe_url(url: str) -> str:
    """Never print a password that may be in the URL."""
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        return f"{scheme}://***@{rest.split('@', 1)[1]}"
    return url
