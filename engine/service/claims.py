"""Claim use cases: each opens one unit of work, loads with a lock, decides by rules, commits once."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal
from typing import Callable

from ..domain.errors import CommandDenied, ConfigurationError, Conflict, InvalidInput, NotFound, Reason
from ..domain.model import (AuditEntry, Call, Claim, ClaimLine, Customer, HistoryRecord, OriginalDocument,
                            StoredRuleSet)
from ..domain.money import decimal_problem, round_money
from ..domain.statuses import (CallStatus, ClaimMethod, ClaimOrigin, HeaderStatus, InvoiceProcedure, ItemAction,
                               SupplierDecision, TaggedTo)
from ..rulebook.catalogue import COMMANDS
from ..rulebook.loader import PARAMETER_DEFAULTS
from ..rulebook.versions import to_document
from .actions import Effects
from .commands import EDITABLE_CLAIM_FIELDS, EDITABLE_LINE_FIELDS, ClaimCommand, ClaimOptions, NewLine
from .decide import run_command
from .ports import UnitOfWork
from .rulebook import Rulebook
from .views import claim_view

LIFECYCLE_COMMANDS = COMMANDS


def utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


@dataclass
class CommandResult:
    claim: Claim
    effects: Effects


class ClaimService:
    def __init__(self, uow_factory: Callable[[], UnitOfWork], rulebook: Rulebook,
                 clock: Callable[[], datetime] = utcnow):
        self.uow_factory, self.rulebook, self.clock = uow_factory, rulebook, clock

    # --- registration ---------------------------------------------------------------------------
    def register_from_document(self, company: str, document_number: str, *, doc_type: str | None = None,
                               line_nos: list[int] | None = None, options: ClaimOptions = ClaimOptions(),
                               actor: str = "cli") -> Claim:
        """Copy all lines (or the chosen ones) of an original document, as far as not yet claimed."""
        _check_options(options)
        with self.uow_factory() as uow:
            doc = uow.documents.get(company, document_number, doc_type)
            comp = uow.companies.get_for_update(company)
            claim = Claim(company_code=company, number=comp.next_claim_number(), customer_code=doc.customer_code,
                          currency=doc.currency, origin=ClaimOrigin.DOCUMENT, invoice_procedure=options.invoice_procedure,
                          internal_text=options.internal_text, created_at=self.clock())
            _copy_lines(uow, claim, doc, line_nos, options, comp.line_step)
            uow.claims.add(claim)
            uow.commit()
            return claim

    def register_from_call(self, company: str, call_number: str, *, options: ClaimOptions = ClaimOptions(),
                           actor: str = "cli") -> Claim:
        """A claim header from a customer call: the call text becomes the internal text and the
        call is transferred to the claim. Lines come from the call's document with copy_lines."""
        _check_options(options)
        with self.uow_factory() as uow:
            call = uow.calls.get_for_update(company, call_number)
            if call.status != CallStatus.OPEN:
                raise CommandDenied(f"call {call_number} is already {call.status}",
                                    [Reason("call_not_open", f"Call {call_number} is {call.status}"
                                            + (f" (claim {call.claim_number})" if call.claim_number else ""))],
                                    code="call_not_open")
            comp = uow.companies.get_for_update(company)
            claim = Claim(company_code=company, number=comp.next_claim_number(), customer_code=call.customer_code,
                          currency=comp.currency, origin=ClaimOrigin.CALL, invoice_procedure=options.invoice_procedure,
                          internal_text=call.text, call_number=call.number, created_at=self.clock())
            if call.document_number:
                doc = uow.documents.find(company, call.document_number, call.document_type)
                if doc:
                    claim.document_id, claim.document_number, claim.document_type = doc.id, doc.number, doc.doc_type
                    claim.currency = doc.currency
            call.status, call.claim_number = CallStatus.TRANSFERRED, claim.number
            uow.claims.add(claim)
            uow.commit()
            return claim

    def copy_lines(self, company: str, number: str, document_number: str | None = None, *,
                   doc_type: str | None = None, line_nos: list[int] | None = None,
                   options: ClaimOptions = ClaimOptions(), expected_version: int | None = None) -> Claim:
        """Copy All Lines: generate lines from the claim's (or a named) original document, once."""
        _check_options(options)
        with self.uow_factory() as uow:
            claim = uow.claims.get_for_update(company, number)
            _check_version(claim, expected_version)
            if claim.status != "free":
                raise CommandDenied(f"claim {number} is {claim.status}", [Reason(
                    "claim_not_free", f"Lines are copied only onto a free claim; {number} is {claim.status}")],
                    code="claim_not_free")
            document_number = document_number or claim.document_number
            if not document_number:
                raise InvalidInput("name the document to copy lines from", code="document_required")
            doc = uow.documents.get(company, document_number, doc_type)
            if doc.customer_code != claim.customer_code:
                raise CommandDenied("document belongs to another customer", [Reason(
                    "document_other_customer", f"{doc.number} is for customer {doc.customer_code}, "
                    f"the claim for {claim.customer_code}")], code="document_other_customer")
            comp = uow.companies.get(company)
            _copy_lines(uow, claim, doc, line_nos, options, comp.line_step)
            uow.commit()
            return claim

    def add_customer(self, customer: Customer) -> Customer:
        with self.uow_factory() as uow:
            uow.companies.get(customer.company_code)
            if uow.master_data.customer(customer.company_code, customer.code) is not None:
                raise Conflict(f"customer {customer.code} already exists", code="duplicate")
            uow.master_data.add_customer(customer)
            uow.commit()
            return customer

    def add_call(self, call: Call) -> Call:
        with self.uow_factory() as uow:
            uow.companies.get(call.company_code)
            uow.calls.add(call)
            uow.commit()
            return call

    def register_manual(self, company: str, customer: str, lines: list[NewLine], *, currency: str | None = None,
                        options: ClaimOptions = ClaimOptions(), actor: str = "cli") -> Claim:
        _check_options(options)
        if not lines:
            raise InvalidInput("a manual claim needs at least one line", code="no_lines")
        for ln in lines:
            _check_new_line(ln)
        with self.uow_factory() as uow:
            comp = uow.companies.get_for_update(company)
            if uow.master_data.customer(company, customer) is None:
                raise NotFound(f"customer {customer} not found in {company}", code="customer_not_found")
            claim = Claim(company_code=company, number=comp.next_claim_number(), customer_code=customer,
                          currency=currency or comp.currency, origin=ClaimOrigin.MANUAL,
                          invoice_procedure=options.invoice_procedure, internal_text=options.internal_text,
                          created_at=self.clock())
            for i, ln in enumerate(lines, start=1):
                claim.lines.append(_line(i * comp.line_step, ln.item_code, ln.quantity, round_money(ln.amount),
                                         options, ln.description, None))
            uow.claims.add(claim)
            uow.commit()
            return claim

    # --- lifecycle --------------------------------------------------------------------------------
    def run(self, command: ClaimCommand) -> CommandResult:
        """Runs one lifecycle command under a row lock; a denial or failure changes nothing."""
        _check_command(command)
        with self.uow_factory() as uow:
            claim, ruleset, parameters, effects = self._decide(uow, command)
            now = self.clock()
            claim.updated_at = now  # the header row changes with every command: its version moves
            if command.name == "submit" and claim.ruleset_hash is None:
                self._pin(uow, claim, ruleset, now)  # the version it is submitted under stays with it
            if command.name == "modify_line":
                _check_ledger(uow, claim)
            for change in effects.changes:
                uow.audit.add(AuditEntry(command.company, claim.number, command.name, command.actor, now,
                                         change.rule_id, ruleset.hash, change.from_status, change.to_status,
                                         change.line_no))
            for event in effects.events:
                uow.outbox.add(event)
            self._carry_out(uow, claim, effects, now)
            uow.commit()
            return CommandResult(claim, effects)

    def why(self, command: ClaimCommand) -> dict:
        """Dry run: what the rules would do, or every reason they refuse; nothing is saved."""
        _check_command(command)
        with self.uow_factory() as uow:
            try:
                claim, ruleset, _params, effects = self._decide(uow, command)
            except CommandDenied as denied:
                return {"command": command.name, "allowed": False, "reasons": [r.as_dict() for r in denied.reasons]}
            finally:
                uow.rollback()
            return {"command": command.name, "allowed": True, "ruleset": ruleset.hash,
                    "fired": effects.fired,
                    "status_changes": [{"line": c.line_no, "from": c.from_status, "to": c.to_status, "rule": c.rule_id}
                                       for c in effects.changes],
                    "documents": [e.topic for e in effects.events],
                    "deletes_claim": effects.delete_claim, "posts_to_history": effects.post_to_history}

    def _decide(self, uow: UnitOfWork, command: ClaimCommand):
        claim = uow.claims.get_for_update(command.company, command.claim_number)
        _check_version(claim, command.expected_version)
        _check_target(claim, command)
        company = uow.companies.get(command.company)
        ruleset = self._ruleset_of(uow, claim)
        parameters = {**PARAMETER_DEFAULTS, **company.parameters(), **ruleset.parameters}
        if claim.call_number:
            call = uow.calls.find(command.company, claim.call_number)
            claim.call_status = call.status if call else "none"
        effects = run_command(claim, command, ruleset, self.rulebook.evaluator, self.clock(), parameters)
        return claim, ruleset, parameters, effects

    def _ruleset_of(self, uow: UnitOfWork, claim: Claim):
        """The claim's own rule-set version (DOMAIN 5.11), else the company's current one."""
        current = self.rulebook.for_company(claim.company_code)
        if claim.ruleset_hash in (None, current.hash):
            return current
        stored = uow.rule_sets.find(claim.ruleset_hash)
        version = self.rulebook.version(claim.ruleset_hash, stored.content if stored else None)
        if version is None:
            raise ConfigurationError(f"claim {claim.number} was submitted under rule set {claim.ruleset_hash}, "
                                     "which is not stored; migrate it with `claims rules migrate`",
                                     code="ruleset_version_missing")
        return version

    def _pin(self, uow: UnitOfWork, claim: Claim, ruleset, now) -> None:
        claim.ruleset_hash = ruleset.hash
        if uow.rule_sets.find(ruleset.hash) is None:
            uow.rule_sets.add(StoredRuleSet(ruleset.hash, claim.company_code, now, to_document(ruleset)))

    def migrate_ruleset(self, company: str, numbers: list[str] | None = None, actor: str = "cli") -> list[str]:
        """Moves open claims (all, or the named ones) to the company's current rule set."""
        current = self.rulebook.for_company(company)
        moved = []
        with self.uow_factory() as uow:
            now = self.clock()
            for number in numbers or uow.claims.numbers(company):
                claim = uow.claims.get_for_update(company, number)
                if claim.status == "closed" or claim.ruleset_hash in (None, current.hash):
                    continue
                self._pin(uow, claim, current, now)
                claim.updated_at = now
                moved.append(number)
            uow.commit()
        return moved

    def _carry_out(self, uow: UnitOfWork, claim: Claim, effects: Effects, now) -> None:
        """What rules asked the service to do beyond the claim itself."""
        if effects.solve_call:
            call = uow.calls.find(claim.company_code, claim.call_number)
            if call:
                call.status = CallStatus.SOLVED
        if effects.post_to_history:
            uow.history.add(HistoryRecord(claim.company_code, claim.number, now, claim_view(claim)))
        if effects.delete_claim:
            uow.claims.delete(claim)

    def history(self, company: str, number: str) -> HistoryRecord:
        with self.uow_factory() as uow:
            record = uow.history.find(company, number)
            if record is None:
                raise NotFound(f"claim {number} is not in history", code="history_not_found")
            return record

    def show(self, company: str, number: str) -> tuple[Claim, list[AuditEntry]]:
        with self.uow_factory() as uow:
            claim = uow.claims.get(company, number)
            return claim, uow.audit.for_claim(company, number)

    def list(self, company: str, status: str | None = None, limit: int = 50, offset: int = 0) -> list[Claim]:
        if status is not None and status not in {s.value for s in HeaderStatus}:
            raise InvalidInput(f"status '{status}' is not one of {', '.join(s.value for s in HeaderStatus)}",
                               code="invalid_option")
        with self.uow_factory() as uow:
            uow.companies.get(company)
            return uow.claims.list(company, status, limit, offset)


_CHOICES = {"invoice_procedure": InvoiceProcedure, "claim_method": ClaimMethod, "approval_action": ItemAction,
            "rejection_action": ItemAction, "tagged_to": TaggedTo}


def _check_options(options: ClaimOptions) -> None:
    for name, enum in _CHOICES.items():
        value = getattr(options, name)
        if value not in {e.value for e in enum}:
            raise InvalidInput(f"{name} '{value}' is not one of {', '.join(e.value for e in enum)}",
                               code="invalid_option")


def _check_command(command: ClaimCommand) -> None:
    if command.name not in LIFECYCLE_COMMANDS:
        raise InvalidInput(f"unknown command {command.name}", code="unknown_command")
    if command.decision not in ("none", *(d.value for d in SupplierDecision)):
        raise InvalidInput(f"decision '{command.decision}' is not approved, rejected or canceled",
                           code="invalid_option")
    for value in (command.quantity, command.amount, command.approved_quantity, command.approved_amount,
                  *[v for v in (command.changes or {}).values() if isinstance(v, Decimal)]):
        _check_number(value)
    if command.name == "modify_line":
        _check_changes(command, EDITABLE_LINE_FIELDS, needs_line=True)
    if command.name == "modify_claim":
        _check_changes(command, EDITABLE_CLAIM_FIELDS, needs_line=False)


def _check_number(value: Decimal | None) -> None:
    problem = decimal_problem(value) if value is not None else None
    if problem:
        raise InvalidInput(f"{value} {problem}", code="invalid_number")


def _check_new_line(line: NewLine) -> None:
    if not line.item_code.strip() or len(line.item_code) > 40:
        raise InvalidInput(f"item code '{line.item_code[:50]}' must be 1 to 40 characters", code="invalid_item")
    _check_number(line.quantity)
    _check_number(line.amount)
    if line.amount != round_money(line.amount):
        raise InvalidInput(f"amount {line.amount} has more than 2 decimals", code="invalid_number")
    if line.quantity <= 0:
        raise InvalidInput(f"line {line.item_code}: quantity must be above zero", code="invalid_line")


def _check_changes(command: ClaimCommand, editable: dict, needs_line: bool) -> None:
    if (needs_line and command.line_no is None) or not command.changes:
        raise InvalidInput(f"{command.name} needs {'a line and ' if needs_line else ''}at least one change",
                           code="invalid_option")
    for name, value in command.changes.items():
        expected = editable.get(name)
        if expected is None:
            raise InvalidInput(f"'{name}' cannot be edited (editable: {', '.join(editable)})",
                               code="field_not_editable")
        if not isinstance(value, expected) or (expected is Decimal and value <= 0 and name == "quantity"):
            raise InvalidInput(f"'{name}' needs a {expected.__name__}", code="invalid_option")
        enum = _CHOICES.get(name)
        if enum and value not in {e.value for e in enum}:
            raise InvalidInput(f"{name} '{value}' is not one of {', '.join(e.value for e in enum)}",
                               code="invalid_option")


def _line(line_no, item, quantity, amount, options: ClaimOptions, description, doc_line_id) -> ClaimLine:
    return ClaimLine(line_no=line_no, item_code=item, quantity=quantity, amount=amount,
                     claim_method=options.claim_method, use_estimates=options.use_estimates,
                     return_material_required=options.return_material_required,
                     generate_supplier_claim=options.generate_supplier_claim,
                     wait_on_supplier_approval=options.wait_on_supplier_approval,
                     inspection_required=options.inspection_required, approval_action=options.approval_action,
                     rejection_action=options.rejection_action, tagged_to=options.tagged_to,
                     description=description, doc_line_id=doc_line_id)


def _copy_lines(uow: UnitOfWork, claim: Claim, doc: OriginalDocument, line_nos, options, step: int) -> None:
    """Lines are generated from a document only once per claim (DOMAIN item 96)."""
    doc_line_ids = {ln.id for ln in doc.lines}
    if any(ln.doc_line_id in doc_line_ids for ln in claim.lines):
        raise CommandDenied(f"lines were already copied from {doc.number}", [Reason(
            "lines_already_copied", f"Claim {claim.number} already has lines from {doc.number}")],
            code="lines_already_copied")
    claim.document_id, claim.document_number, claim.document_type = doc.id, doc.number, doc.doc_type
    claim.currency = doc.currency
    start = max((ln.line_no for ln in claim.lines), default=0)
    for i, (doc_line, quantity) in enumerate(_claimable_lines(uow, doc, line_nos), start=1):
        claim.lines.append(_line(start + i * step, doc_line.item_code, quantity,
                                 round_money(quantity * doc_line.unit_price), options,
                                 doc_line.description, doc_line.id))


def _claimable_lines(uow: UnitOfWork, doc: OriginalDocument, line_nos: list[int] | None):
    """Each chosen document line with the quantity still free to claim (DOMAIN 5.6).

    Copy-all skips fully claimed lines; an explicitly chosen fully claimed line refuses the command.
    """
    chosen = doc.lines if line_nos is None else []
    for no in line_nos or []:
        found = doc.line(no)
        if found is None:
            raise NotFound(f"document {doc.number} has no line {no}", code="document_line_not_found")
        chosen.append(found)
    held = uow.documents.held_quantities([ln.id for ln in chosen])
    out, refused = [], []
    for ln in chosen:
        free = ln.quantity - held.get(ln.id, Decimal("0"))
        if free > 0:
            out.append((ln, free))
        else:
            refused.append(Reason("line_fully_claimed", f"document {doc.number} line {ln.line_no} is fully claimed"))
    if (line_nos is not None and refused) or not out:
        raise CommandDenied(f"nothing left to claim on {doc.number}" if not out else refused[0].message,
                            refused or [Reason("document_fully_claimed", f"{doc.number} is fully claimed")],
                            code="line_fully_claimed")
    return out


def _check_ledger(uow: UnitOfWork, claim: Claim) -> None:
    """An edited line may not exceed what its original line has left (DOMAIN 5.6): its quantity
    stays within the quantity other claims leave free, its amount within that quantity at the
    original unit price. Lines may come from several documents: each is checked against its own."""
    linked = [ln for ln in claim.lines if ln.doc_line_id is not None and ln.holds_quantity]
    if not linked:
        return
    ids = [ln.doc_line_id for ln in linked]
    held = uow.documents.held_quantities(ids, excluding_claim_id=claim.id)
    originals = uow.documents.lines(ids)
    for line in linked:
        original = originals[line.doc_line_id]
        free = original.quantity - held.get(line.doc_line_id, Decimal("0"))
        if line.quantity > free:
            _deny_ledger("quantity_exceeds_document", f"Line {line.line_no}: {line.quantity} claimed but only "
                         f"{free} of original line {original.line_no} is not claimed by other claims")
        ceiling = round_money(line.quantity * original.unit_price)
        if line.amount > ceiling:
            _deny_ledger("amount_exceeds_document", f"Line {line.line_no}: amount {line.amount} is more than "
                         f"{line.quantity} x {original.unit_price} = {ceiling} as invoiced")


def _deny_ledger(code: str, message: str) -> None:
    raise CommandDenied(message, [Reason(code, message)], code=code)


def _check_version(claim: Claim, expected_version: int | None) -> None:
    if expected_version is not None and claim.version != expected_version:
        raise Conflict(f"claim {claim.number} is at version {claim.version}, not {expected_version}: "
                       "someone changed it; reload and retry", code="version_conflict")


# Commands that name a document the claim already has (the others may name a new one).
_NAMES_EXISTING_DOCUMENT = {"finalize_credit_note", "void_credit_note", "confirm_shipment", "update_purchase_invoice"}
_NEED_LINE = {"modify_line", "set_approved_values", "approve_estimates", "add_inspection", "terminate_receipts",
              "approve_for_invoice_linking", "settle_line", "print_rma", "book_receipt", "deliver_to_service",
              "supplier_decision", "link_purchase_invoice"}


def _check_target(claim: Claim, command: ClaimCommand) -> None:
    if command.line_no is not None and claim.line(command.line_no) is None:
        raise NotFound(f"claim {claim.number} has no line {command.line_no}", code="line_not_found")
    if command.name in _NEED_LINE and command.line_no is None:
        raise InvalidInput(f"{command.name} needs a line number", code="line_required")
    if command.name in _NAMES_EXISTING_DOCUMENT:
        if not command.document_number:
            raise InvalidInput(f"{command.name} needs a document number", code="document_required")
        if claim.document(command.document_number) is None:
            raise NotFound(f"claim {claim.number} has no document {command.document_number}",
                           code="document_not_found")
    if command.name == "link_purchase_invoice":
        if not command.document_number:
            raise InvalidInput("link_purchase_invoice needs the invoice number", code="document_required")
        if claim.document(command.document_number) is not None:
            raise CommandDenied("invoice already linked", [Reason(
                "invoice_already_linked", f"{command.document_number} is already linked to claim {claim.number}")],
                code="invoice_already_linked")
    if command.name in ("complete_inspection", "reject_inspection"):
        if not command.inspection_number or claim.inspection(command.inspection_number) is None:
            raise NotFound(f"claim {claim.number} has no inspection {command.inspection_number}",
                           code="inspection_not_found")
