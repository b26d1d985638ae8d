"""`claims apikey ...`: create (the secret is printed once), list and revoke API keys of the HTTP service."""
from __future__ import annotations

import click

from .context import app_from
from .output import emit, json_option


def register(cli: click.Group) -> None:
    cli.add_command(apikey)


def _keys(ctx):
    from ..adapters.db.http_store import ApiKeyStore
    from ..adapters.http.auth import ApiKeys
    return ApiKeys(ApiKeyStore(app_from(ctx).uow_factory.engine))


def _view(record) -> dict:
    return {"id": record.id, "name": record.name, "role": record.role, "companies": list(record.companies),
            "created_at": record.created_at.isoformat(timespec="seconds"),
            "revoked_at": record.revoked_at.isoformat(timespec="seconds") if record.revoked_at else None}


@click.group()
def apikey():
    """API keys of the HTTP service (roles: claim_handler, approver, rule_analyst, integration)."""


@apikey.command()
@click.option("--name", required=True, help="Who or what uses the key (recorded as the actor).")
@click.option("--role", required=True, type=click.Choice(["claim_handler", "approver", "rule_analyst", "integration"]))
@click.option("--company", "companies", required=True, multiple=True, metavar="CODE",
              help="Company the key may see (repeatable).")
@json_option
@click.pass_context
def create(ctx, name, role, companies, as_json):
    """Create a key and print its token ONCE: only a salted hash is stored."""
    record, token = _keys(ctx).create(name, role, list(companies))
    emit({**_view(record), "token": token}, as_json, lambda p: click.echo(
        f"API key {p['id']} ({p['role']} for {', '.join(p['companies'])})\n{p['token']}\n"
        "Store the token now: it is not shown again."))


@apikey.command("list")
@json_option
@click.pass_context
def list_(ctx, as_json):
    """List keys (never their secrets)."""
    rows = [_view(r) for r in _keys(ctx).list()]

    def human(items):
        for r in items:
            state = f"revoked {r['revoked_at']}" if r["revoked_at"] else "active"
            click.echo(f"{r['id']}  {r['role']:<13} {','.join(r['companies']):<20} {r['name']}  ({state})")
    emit(rows, as_json, human)


@apikey.command()
@click.argument("key_id")
@json_option
@click.pass_context
def revoke(ctx, key_id, as_json):
    """Revoke a key: requests with it answer 401 from now on."""
    _keys(ctx).revoke(key_id)
    emit({"id": key_id, "revoked": True}, as_json, lambda p: click.echo(f"API key {key_id} revoked"))
