"""`claims finance ...`: the answers of Invoicing (the embedded default plays the outside module)."""
from __future__ import annotations

import click

from ..engine.service.commands import ClaimCommand
from ..engine.service.views import claim_view
from .claim_cmd import _human_status, company_option
from .context import app_from, resolve_company
from .output import emit, json_option


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
