"""Lazily built application for a CLI run (the composition root is called once per process)."""
from __future__ import annotations

import click

from ..adapters.bootstrap import App, build_app


def app_from(ctx: click.Context) -> App:
    obj = ctx.find_root().obj
    if "app" not in obj:
        obj["app"] = build_app(obj["settings"])
        ctx.find_root().call_on_close(obj["app"].close)
    return obj["app"]


def resolve_company(app: App, company: str | None) -> str:
    """--company, else $CLAIMFLOW_COMPANY, else the only company in the database."""
    import os
    from ..engine.domain.errors import InvalidInput
    company = company or os.environ.get("CLAIMFLOW_COMPANY")
    if company:
        return company
    with app.uow_factory() as uow:
        companies = uow.companies.list()
    if len(companies) == 1:
        return companies[0].code
    raise InvalidInput("name the company with --company (or set CLAIMFLOW_COMPANY)" if companies else
                       "no company yet: run `claims init --company CODE` or an import first", code="company_required")
