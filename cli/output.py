"""How the CLI prints: human text or --json, and every user error with its code and exit code."""
from __future__ import annotations

import json
import sys
from decimal import Decimal, InvalidOperation

import click

from ..engine.domain.errors import ClaimflowError
from ..engine.domain.money import decimal_problem


def json_option(f):
    """--json on every command; remembered in the context so errors print as JSON too."""
    def remember(ctx, _param, value):
        if value:
            ctx.ensure_object(dict)["json"] = True
        return value
    return click.option("--json", "as_json", is_flag=True, expose_value=True, callback=remember,
                        is_eager=True, help="Print machine-readable JSON.")(f)


def emit(payload, as_json: bool, human=None) -> None:
    if as_json:
        click.echo(json.dumps(payload, indent=2, default=_default, ensure_ascii=False))
    elif human is not None:
        human(payload)
    else:
        click.echo(json.dumps(payload, indent=2, default=_default, ensure_ascii=False))


def _default(value):
    if isinstance(value, Decimal):
        return str(value)
    return str(value)


def report_error(error: ClaimflowError, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps({"error": error.as_dict()}, indent=2, ensure_ascii=False))
        return
    click.echo(f"error [{error.code}]: {error.message}", err=True)
    if len(error.reasons) > 1 or error.reasons[0].message != error.message:
        for reason in error.reasons:
            where = f" ({reason.location})" if reason.location else ""
            rule = f" [rule {reason.rule_id}]" if reason.rule_id else ""
            click.echo(f"  - {reason.code}: {reason.message}{rule}{where}", err=True)


class DecimalType(click.ParamType):
    """A decimal option: parsed from text, never through float."""
    name = "decimal"

    def convert(self, value, param, ctx):
        if isinstance(value, Decimal):
            return value
        try:
            result = Decimal(str(value).strip())
        except InvalidOperation:
            self.fail(f"'{value}' is not a number", param, ctx)
        problem = decimal_problem(result)
        if problem:
            self.fail(f"'{value}' {problem}", param, ctx)
        return result


DECIMAL = DecimalType()


def stderr_is_tty() -> bool:
    return sys.stderr.isatty()
