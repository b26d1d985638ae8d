"""`claims init`: create or upgrade the schema; optionally register a company with its parameters."""
from __future__ import annotations

import re

import click

from ..engine.domain.errors import InvalidInput
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
    if company is not None and not re.fullmatch(r"[A-Z0-9][A-Z0-9_-]{0,39}", company):
        raise InvalidInput(f"company code '{company}': 1-40 upper-case letters, digits, '-' or '_'",
                           code="invalid_option")
    if not re.fullmatch(r"[A-Za-z]{3}", currency):
        raise InvalidInput(f"currency '{currency}' is not a three-letter ISO code", code="invalid_option")
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
    note = "" if not company else (f"; company {company} created" if created else
                                   f"; company {company} already exists (unchanged)")
    emit({"database": _safe_url(settings.database_url), "revision": revision, "company_created": created},
         as_json, lambda p: click.echo(f"schema at revision {p['revision']} in {p['database']}{note}"))


def _safe_url(url: str) -> str:
    """Never print a password that may be in the URL."""
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        return f"{scheme}://***@{rest.split('@', 1)[1]}"
    return url
