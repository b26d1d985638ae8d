"""The `claims` command: global options, settings in the context, one error handler for all commands."""
from __future__ import annotations

import os
import sys
import traceback

import click

from ..engine.domain.errors import EXIT_CODES, ClaimflowError, InvalidInput
from ..engine.settings import Settings
from .output import report_error

EXIT_INTERNAL = 70


class ClaimsGroup(click.Group):
    """Turns every ClaimflowError into a message and its documented exit code; no traceback."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except ClaimflowError as error:
            report_error(error, bool((ctx.obj or {}).get("json")))
            ctx.exit(error.exit_code)
        except click.UsageError as error:
            # click's own input errors (a bad option value, a missing argument) get a code like ours
            if "--json" in sys.argv or (ctx.obj or {}).get("json"):
                report_error(InvalidInput(error.format_message(), code="usage_error"), True)
                ctx.exit(2)
            raise
        except BrokenPipeError:  # output piped into `head` and closed early: not an error
            sys.stderr.close()
            ctx.exit(0)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            ctx.exit(130)
        except Exception as exc:  # a bug, not a user error: say so briefly, details on request
            if os.environ.get("CLAIMFLOW_DEBUG"):
                traceback.print_exc()
            click.echo(f"internal error: {type(exc).__name__}: {exc} (set CLAIMFLOW_DEBUG=1 for details)",
                       err=True)
            ctx.exit(EXIT_INTERNAL)


@click.group(cls=ClaimsGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--db", "database_url", metavar="URL", help="Database URL (default: $CLAIMFLOW_DB_URL or sqlite:///claimflow.sqlite).")
@click.option("--rules", "rules_dir", metavar="DIR", help="Rules folder (default: $CLAIMFLOW_RULES or the bundled rules).")
@click.option("--actor", metavar="NAME", help="Who runs the command (default: $CLAIMFLOW_ACTOR or $USER).")
@click.version_option(package_name="claimflow")
@click.pass_context
def cli(ctx, database_url, rules_dir, actor):
    """Customer claims: register, route, decide, settle and close claims by YAML rules.

    Exit codes: 0 ok, 2 invalid input, 3 not found, 4 refused by the rules, 5 conflict,
    6 rule files invalid, 7 import file invalid, 8 rule evaluation failed, 9 configuration error,
    70 internal error.
    """
    ctx.ensure_object(dict)
    ctx.obj["settings"] = Settings.from_env(database_url, rules_dir, actor)


def _register_commands() -> None:
    from . import claim_cmd, demo_cmd, finance_cmd, import_cmd, init_cmd, outside_cmd, rules_cmd
    for module in (init_cmd, import_cmd, claim_cmd, finance_cmd, outside_cmd, demo_cmd, rules_cmd):
        module.register(cli)
    from . import apikey_cmd, serve_cmd  # the HTTP service
    apikey_cmd.register(cli), serve_cmd.register(cli)


_register_commands()


def main() -> None:
    cli(prog_name="claims")


assert EXIT_CODES  # documented in the group's help above and in the README
