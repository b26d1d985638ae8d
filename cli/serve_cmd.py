"""`claims serve`: the HTTP API (FastAPI on uvicorn), rules evaluated in worker processes."""
from __future__ import annotations

import ipaddress
import os

import click

from ..engine.domain.errors import ConfigurationError
from .output import emit, json_option


def register(cli: click.Group) -> None:
    cli.add_command(serve)


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535))
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64),
              help="Service processes (each with its own rule-engine workers).")
@click.option("--eval-workers", default=2, show_default=True, type=click.IntRange(1, 64),
              help="Rule-engine worker processes per service process.")
@click.option("--log-level", default="info", show_default=True,
              type=click.Choice(["critical", "error", "warning", "info", "debug"]))
@json_option
@click.pass_context
def serve(ctx, host, port, workers, eval_workers, log_level, as_json):
    """Serve the HTTP API (OpenAPI at /openapi.json, docs at /docs). Create keys with `claims apikey create`.

    With --json the start-up line (address, OpenAPI document) is printed as JSON before serving."""
    import uvicorn
    settings = ctx.obj["settings"]
    _check_schema(settings.database_url)
    emit({"url": f"http://{host}:{port}", "openapi": f"http://{host}:{port}/openapi.json", "workers": workers,
          "eval_workers": eval_workers}, as_json,
         lambda p: click.echo(f"serving {p['url']} (OpenAPI at {p['openapi']})", err=True))
    if not _is_loopback(host):
        click.echo(f"warning: listening on {host}, beyond this machine; put TLS in front of it", err=True)
    if workers == 1:
        uvicorn.run(_api(settings, eval_workers), host=host, port=port, log_level=log_level)
        return
    # Several processes: uvicorn imports the app itself, so settings travel in the environment.
    os.environ.update({"CLAIMFLOW_DB_URL": settings.database_url, "CLAIMFLOW_RULES": str(settings.rules_dir),
                       "CLAIMFLOW_EVAL_WORKERS": str(eval_workers)})
    uvicorn.run("claimflow.adapters.http.app:api_from_env", factory=True, host=host, port=port,
                workers=workers, log_level=log_level)


def _api(settings, eval_workers: int):
    from ..adapters.bootstrap import build_app
    from ..adapters.http.app import create_api
    from ..adapters.http.worker_evaluator import ProcessPoolEvaluator
    evaluator = ProcessPoolEvaluator(eval_workers, os.environ.get("CLAIMFLOW_EVALUATOR", "durable"))
    return create_api(build_app(settings, evaluator=evaluator))


def _check_schema(url: str) -> None:
    """Refuse to start on a database `claims init` has not brought to the newest schema."""
    from ..adapters.db import current_revision, head_revision
    if current_revision(url) != head_revision():
        raise ConfigurationError("the database schema is not up to date: run `claims init` first",
                                 code="schema_outdated")


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"
