"""`claims claim ...`: register claims and run their lifecycle commands."""
from __future__ import annotations

import click

from ..engine.domain.errors import InvalidInput
from ..engine.service.commands import ClaimCommand, ClaimOptions, NewLine
from ..engine.service.views import claim_summary, claim_view
from .context import app_from, resolve_company
from .output import DECIMAL, emit, json_option

company_option = click.option("--company", metavar="CODE", help="Company (default: $CLAIMFLOW_COMPANY or the only one).")
version_option = click.option("--if-version", "expected_version", type=click.IntRange(1),
                              help="Refuse with a conflict unless the claim is still at this version.")


def register(cli: click.Group) -> None:
    cli.add_command(claim)


@click.group()
def claim():
    """Register claims and move them through the process."""


def line_options(f):
    """Options of the lines a claim registers (copied or manual)."""
    for option in reversed([
        click.option("--procedure", type=click.Choice(["credit_note_based", "invoice_based"]), default="credit_note_based",
                     show_default=True, help="Claim invoice procedure."),
        click.option("--method", type=click.Choice(["reimburse_costs", "reimburse_materials"]), default="reimburse_costs",
                     show_default=True, help="Claim method of the lines."),
        click.option("--use-estimates", is_flag=True, help="Lines wait for estimates after submit."),
        click.option("--return-material", is_flag=True, help="Lines need the material back (Return Material Required)."),
        click.option("--supplier-claim", is_flag=True, help="Generate Supplier Claim = To Be Generated."),
        click.option("--wait-supplier", is_flag=True, help="Wait on Supplier Claim Approval before the decision."),
        click.option("--inspection-required", is_flag=True, help="Customer Claim Inspection Required."),
        click.option("--approval-action", type=click.Choice(["keep_and_take_ownership", "return_to_customer", "scrap"]),
                     default="keep_and_take_ownership", show_default=True, help="What approval does with a received item."),
        click.option("--rejection-action", type=click.Choice(["keep_and_take_ownership", "return_to_customer", "scrap"]),
                     default="return_to_customer", show_default=True, help="What rejection does with a received item."),
        click.option("--tagged-to", type=click.Choice(["not_applicable", "repair_warranty", "contract", "goodwill",
                                                        "serialized_item_warranty", "generic_warranty"]),
                     default="not_applicable", show_default=True, help="Where approved costs are booked."),
        click.option("--text", default="", help="Internal text."),
    ]):
        f = option(f)
    return f


def _options(kw: dict) -> ClaimOptions:
    return ClaimOptions(kw.pop("procedure"), kw.pop("method"), kw.pop("use_estimates"), kw.pop("return_material"),
                        kw.pop("text"), kw.pop("supplier_claim"), kw.pop("wait_supplier"),
                        kw.pop("inspection_required"), kw.pop("approval_action"), kw.pop("rejection_action"),
                        kw.pop("tagged_to"))


@claim.command("create")
@company_option
@click.option("--call", "call_number", metavar="NUMBER", help="Register the claim from this customer call.")
@click.option("--document", metavar="NUMBER", help="Original document to copy lines from.")
@click.option("--type", "doc_type", help="Document type when numbers repeat across types.")
@click.option("--line", "line_nos", type=int, multiple=True, help="Copy only this document line (repeatable).")
@click.option("--customer", help="Customer of a manual claim.")
@click.option("--item", "items", multiple=True, metavar="ITEM:QTY:AMOUNT", help="A manual claim line (repeatable).")
@line_options
@json_option
@click.pass_context
def create(ctx, company, call_number, document, doc_type, line_nos, customer, items, as_json, **kw):
    """Register a claim from a document (all or chosen lines), from a call, or by hand (--customer, --item)."""
    app = app_from(ctx)
    company = resolve_company(app, company)
    options = _options(kw)
    actor = ctx.find_root().obj["settings"].actor
    if sum(map(bool, (document, call_number, customer or items))) > 1:
        raise InvalidInput("use one of --document, --call or --customer/--item", code="invalid_option")
    if call_number:
        result = app.claims.register_from_call(company, call_number, options=options, actor=actor)
    elif document:
        result = app.claims.register_from_document(company, document, doc_type=doc_type,
                                                   line_nos=list(line_nos) or None, options=options, actor=actor)
    elif customer and items:
        result = app.claims.register_manual(company, customer, [_parse_item(i) for i in items], options=options,
                                            actor=actor)
    else:
        raise InvalidInput("give --document NUMBER, or --customer and at least one --item", code="invalid_option")
    emit(claim_view(result), as_json, lambda p: click.echo(f"claim {p['number']} registered ({p['status']}, "
                                                            f"{len(p['lines'])} line(s))"))


def _parse_item(text: str) -> NewLine:
    parts = text.split(":")
    if len(parts) != 3:
        raise InvalidInput(f"--item '{text}': write ITEM:QUANTITY:AMOUNT", code="invalid_option")
    try:
        return NewLine(parts[0], DECIMAL.convert(parts[1], None, None), DECIMAL.convert(parts[2], None, None))
    except click.BadParameter as exc:
        raise InvalidInput(f"--item '{text}': {exc.message}", code="invalid_option") from exc


@claim.command("copy-lines")
@click.argument("number")
@click.option("--document", metavar="NUMBER", help="Document to copy from (default: the claim's own).")
@click.option("--type", "doc_type", help="Document type when numbers repeat across types.")
@click.option("--line", "line_nos", type=int, multiple=True, help="Copy only this document line (repeatable).")
@company_option
@version_option
@line_options
@json_option
@click.pass_context
def copy_lines(ctx, number, document, doc_type, line_nos, company, expected_version, as_json, **kw):
    """Copy All Lines: generate the claim's lines from its original document (once per document)."""
    app = app_from(ctx)
    result = app.claims.copy_lines(resolve_company(app, company), number, document, doc_type=doc_type,
                                   line_nos=list(line_nos) or None, options=_options(kw),
                                   expected_version=expected_version)
    emit(claim_view(result), as_json, _human_status)


def _run(ctx, name: str, number: str, company: str | None, as_json: bool, **fields) -> None:
    app = app_from(ctx)
    command = ClaimCommand(name=name, company=resolve_company(app, company), claim_number=number,
                           actor=ctx.find_root().obj["settings"].actor, **fields)
    result = app.claims.run(command)
    view = claim_view(result.claim)
    view["fired"] = result.effects.fired
    emit(view, as_json, _human_status)


def _human_status(view: dict) -> None:
    click.echo(f"claim {view['number']}: {view['status']}" + (" (partially approved)" if view["partially_approved"] else ""))
    for line in view["lines"]:
        click.echo(f"  line {line['line']}: {line['status']}")
    for doc in view["documents"]:
        value = f"{doc['amount']} {doc['currency']}" if doc["amount"] != "0.00" else f"qty {doc['quantity']}"
        click.echo(f"  {doc['kind']} {doc['number']}: {value} ({doc['status']})")


@claim.command()
@click.argument("number")
@click.option("--line", "line_no", type=int, help="Approve this line only (default: the whole claim).")
@click.option("--quantity", "approved_quantity", type=DECIMAL, help="Approved quantity (line approval).")
@click.option("--amount", "approved_amount", type=DECIMAL, help="Approved amount (line approval).")
@click.option("--override-canceled-supplier-claim", is_flag=True,
              help="Approve although the supplier canceled its claim.")
@click.option("--reason", default="", help="Approval reason (required with document approval).")
@company_option
@version_option
@json_option
@click.pass_context
def approve(ctx, number, line_no, approved_quantity, approved_amount, override_canceled_supplier_claim, reason,
            company, expected_version, as_json):
    """Approve the whole claim or one line."""
    if line_no is None and (approved_quantity is not None or approved_amount is not None):
        raise InvalidInput("--quantity and --amount need --line", code="invalid_option")
    _run(ctx, "approve_line" if line_no is not None else "approve_claim", number, company, as_json,
         line_no=line_no, approved_quantity=approved_quantity, approved_amount=approved_amount,
         override_canceled_supplier_claim=override_canceled_supplier_claim, reason=reason.strip(),
         expected_version=expected_version)


@claim.command()
@click.argument("number")
@click.option("--line", "line_no", type=int, help="Reject this line only (default: the whole claim).")
@click.option("--reason", default="", help="Rejection reason code (required).")
@click.option("--text", default="", help="Rejection text (optional).")
@company_option
@version_option
@json_option
@click.pass_context
def reject(ctx, number, line_no, reason, text, company, expected_version, as_json):
    """Reject the whole claim or one line; a reason is required."""
    _run(ctx, "reject_line" if line_no is not None else "reject_claim", number, company, as_json,
         line_no=line_no, reason=reason.strip(), text=text, expected_version=expected_version)


@claim.command()
@click.argument("number")
@company_option
@json_option
@click.pass_context
def show(ctx, number, company, as_json):
    """Show a claim: header, lines, documents and audit trail."""
    app = app_from(ctx)
    found, audit = app.claims.show(resolve_company(app, company), number)
    view = claim_view(found, audit)

    def human(p):
        _human_status(p)
        for ins in p["inspections"]:
            click.echo(f"  inspection {ins['number']} (line {ins['line']}, {ins['measurement_type'] or 'manual'}): "
                       f"{ins['status']}")
        click.echo(f"  version {p['version']}, ruleset {p['ruleset']}, customer {p['customer']}, "
                   f"document {p['document'] or '-'}")
        for a in p["audit"]:
            target = f"line {a['line']}" if a["line"] is not None else "header"
            click.echo(f"  {a['at']} {a['command']} by {a['actor']}: {target} {a['from']} -> {a['to']} [{a['rule']}]")
    emit(view, as_json, human)


@claim.command("list")
@company_option
@click.option("--status", help="Only claims in this header status.")
@click.option("--limit", type=click.IntRange(1, 1000), default=50, show_default=True)
@click.option("--offset", type=click.IntRange(0), default=0)
@json_option
@click.pass_context
def list_(ctx, company, status, limit, offset, as_json):
    """List claims of a company."""
    app = app_from(ctx)
    claims = [claim_summary(c) for c in app.claims.list(resolve_company(app, company), status, limit, offset)]

    def human(rows):
        for r in rows:
            click.echo(f"{r['number']}  {r['status']:<17} {r['customer']:<10} {r['amount']:>12} {r['currency']}  "
                       f"{r['document'] or '-'}")
    emit(claims, as_json, human)


def _claim_command(name: str, command: str, doc: str):
    """A `claims claim NAME CLAIM` command that runs one lifecycle command on the whole claim."""
    @claim.command(name, help=doc)
    @click.argument("number")
    @company_option
    @version_option
    @json_option
    @click.pass_context
    def run(ctx, number, company, expected_version, as_json):
        _run(ctx, command, number, company, as_json, expected_version=expected_version)
    return run


_claim_command("submit", "submit", "Submit a registered (or modified) claim: lines go to their gates.")
_claim_command("close", "close", "Close a decided claim whose lines are all final.")
_claim_command("post-to-history", "post_to_history", "Copy a closed claim to history (parameter Use Claim History).")


def _line_command(name: str, command: str, doc: str, *extra):
    """A `claims claim NAME CLAIM --line N` command that runs one lifecycle command."""
    @claim.command(name, help=doc)
    @click.argument("number")
    @click.option("--line", "line_no", type=int, required=True, help="Claim line number.")
    @company_option
    @version_option
    @json_option
    @click.pass_context
    def run(ctx, number, line_no, company, expected_version, as_json, **fields):
        _run(ctx, command, number, company, as_json, line_no=line_no, expected_version=expected_version, **fields)
    for option in extra:
        run = option(run)
    return run


_line_command("approve-estimates", "approve_estimates", "Approve the estimates of a line.")
_line_command("add-inspection", "add_inspection", "Add an inspection to a line by hand.",
              click.option("--measurement-type", default="", help="Measurement type of the inspection."))
_line_command("terminate-receipts", "terminate_receipts", "Terminate the open receipts of a line.")
_line_command("approve-for-invoice-linking", "approve_for_invoice_linking",
              "Approve an approved invoice-based line for invoice linking.")
_line_command("settle", "settle_line", "Settle an invoice-linked line by hand (final invoice, Finance done).")
_line_command("print-rma", "print_rma", "Print (or reprint) the RMA of a line with a receipt.")
_line_command("set-approved", "set_approved_values", "Set the approved quantity/amount before the decision.",
              click.option("--quantity", "approved_quantity", type=DECIMAL, help="Approved quantity."),
              click.option("--amount", "approved_amount", type=DECIMAL, help="Approved amount."))


@claim.command()
@click.argument("number")
@click.option("--line", "line_no", type=int, required=True, help="Claim line number.")
@click.option("--set", "assignments", multiple=True, required=True, metavar="FIELD=VALUE",
              help="A change, e.g. --set return_material_required=true --set quantity=2 (repeatable).")
@company_option
@version_option
@json_option
@click.pass_context
def modify(ctx, number, line_no, assignments, company, expected_version, as_json):
    """Edit a line; on a submitted claim the line and the claim become Modified (re-submit to route)."""
    _run(ctx, "modify_line", number, company, as_json, line_no=line_no, changes=_changes(assignments),
         expected_version=expected_version)


def _changes(assignments) -> dict:
    from ..engine.service.commands import EDITABLE_LINE_FIELDS
    changes = {}
    for text in assignments:
        name, sep, raw = text.partition("=")
        expected = EDITABLE_LINE_FIELDS.get(name.strip())
        if not sep or expected is None:
            raise InvalidInput(f"--set '{text}': write FIELD=VALUE with FIELD one of {', '.join(EDITABLE_LINE_FIELDS)}",
                               code="field_not_editable")
        if expected is bool:
            if raw.lower() not in ("true", "false"):
                raise InvalidInput(f"--set '{text}': write true or false", code="invalid_option")
            changes[name.strip()] = raw.lower() == "true"
        elif expected is str:
            changes[name.strip()] = raw
        else:
            try:
                changes[name.strip()] = DECIMAL.convert(raw, None, None)
            except click.BadParameter as exc:
                raise InvalidInput(f"--set '{text}': {exc.message}", code="invalid_number") from exc
    return changes


@claim.command()
@click.argument("number")
@click.option("--reason", default="", help="Cancel reason code (required).")
@click.option("--text", default="", help="Cancel text (optional).")
@company_option
@version_option
@json_option
@click.pass_context
def cancel(ctx, number, reason, text, company, expected_version, as_json):
    """Cancel a claim while every downstream document can still be undone."""
    _run(ctx, "cancel", number, company, as_json, reason=reason.strip(), text=text, expected_version=expected_version)


@claim.command()
@click.argument("number")
@company_option
@json_option
@click.pass_context
def delete(ctx, number, company, as_json):
    """Delete a closed claim and everything hanging from it (after history when it is used)."""
    app = app_from(ctx)
    command = ClaimCommand("delete", resolve_company(app, company), number, actor=ctx.find_root().obj["settings"].actor)
    app.claims.run(command)
    emit({"deleted": number}, as_json, lambda p: click.echo(f"claim {number} deleted"))


WHY_ACTIONS = {"approve": ("approve_claim", "approve_line"), "reject": ("reject_claim", "reject_line"),
               "settle": ("settle_line", "settle_line")}


@claim.command()
@click.argument("number")
@click.option("--action", required=True, metavar="ACTION",
              help="approve, reject, cancel, close, settle, submit, or any command name (e.g. post_to_history).")
@click.option("--line", "line_no", type=int, help="The line the action is about.")
@click.option("--reason", default="", help="Reason to assume for reject/cancel.")
@company_option
@json_option
@click.pass_context
def why(ctx, number, action, line_no, reason, company, as_json):
    """Dry run: what the rules would do, or every reason (code, message, rule) the action is refused."""
    from ..engine.rulebook.catalogue import COMMANDS
    name = action.replace("-", "_")
    if name in WHY_ACTIONS:
        name = WHY_ACTIONS[name][1 if line_no is not None else 0]
    if name not in COMMANDS:
        raise InvalidInput(f"unknown action '{action}' (one of approve, reject, settle, {', '.join(COMMANDS)})",
                           code="unknown_command")
    app = app_from(ctx)
    result = app.claims.why(ClaimCommand(name, resolve_company(app, company), number, line_no=line_no,
                                         reason=reason, actor=ctx.find_root().obj["settings"].actor))

    def human(r):
        if not r["allowed"]:
            click.echo(f"{r['command']} would be refused:")
            for reason_ in r["reasons"]:
                click.echo(f"  - {reason_['code']}: {reason_['message']} [rule {reason_.get('rule_id')}]")
            return
        click.echo(f"{r['command']} would be allowed (rule set {r['ruleset']}):")
        for change in r["status_changes"]:
            target = f"line {change['line']}" if change["line"] is not None else "header"
            click.echo(f"  {target}: {change['from']} -> {change['to']} [{change['rule']}]")
        for doc in r["documents"]:
            click.echo(f"  document: {doc}")
    emit(result, as_json, human)
