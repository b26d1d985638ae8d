"""Claim use cases: each opens one unit of work, loads with a lock, decides by rules, commits once."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal
from typing import Callable

from ..domain.errors import CommandDenied, Conflict, InvalidInput, NotFound, Reason
from ..domain.model import AuditEntry, Claim, ClaimLine, OriginalDocument
from ..domain.money import round_money
from ..domain.statuses import ClaimMethod, ClaimOrigin, InvoiceProcedure
from .actions import Effects
from .commands import ClaimCommand, ClaimOptions, NewLine
from .decide import run_command
from .ports import UnitOfWork
from .rulebook import Rulebook

LIFECYCLE_COMMANDS = ("submit", "approve_claim", "approve_line", "reject_claim", "reject_line",
                      "finalize_credit_note", "close")


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
            lines = _claimable_lines(uow, doc, line_nos)
            comp = uow.companies.get_for_update(company)
            claim = Claim(company_code=company, number=comp.next_claim_number(), customer_code=doc.customer_code,
                          currency=doc.currency, origin=ClaimOrigin.DOCUMENT, invoice_procedure=options.invoice_procedure,
                          document_id=doc.id, document_number=doc.number, document_type=doc.doc_type,
                          internal_text=options.internal_text, created_at=self.clock())
            for i, (doc_line, quantity) in enumerate(lines, start=1):
                claim.lines.append(_line(i * comp.line_step, doc_line.item_code, quantity,
                                         round_money(quantity * doc_line.unit_price), options,
                                         doc_line.description, doc_line.id))
            uow.claims.add(claim)
            uow.commit()
            return claim

    def register_manual(self, company: str, customer: str, lines: list[NewLine], *, currency: str | None = None,
                        options: ClaimOptions = ClaimOptions(), actor: str = "cli") -> Claim:
        _check_options(options)
        if not lines:
            raise InvalidInput("a manual claim needs at least one line", code="no_lines")
        for ln in lines:
            if ln.quantity <= 0 or ln.amount < 0:
                raise InvalidInput(f"line {ln.item_code}: quantity must be above zero and amount not negative",
                                   code="invalid_line")
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
        if command.name not in LIFECYCLE_COMMANDS:
            raise InvalidInput(f"unknown command {command.name}", code="unknown_command")
        ruleset = self.rulebook.for_company(command.company)
        with self.uow_factory() as uow:
            claim = uow.claims.get_for_update(command.company, command.claim_number)
            _check_version(claim, command)
            _check_target(claim, command)
            now = self.clock()
            effects = run_command(claim, command, ruleset, self.rulebook.evaluator, now)
            if command.name == "submit":
                claim.ruleset_hash = ruleset.hash
            for change in effects.changes:
                uow.audit.add(AuditEntry(command.company, claim.number, command.name, command.actor, now,
                                         change.rule_id, ruleset.hash, change.from_status, change.to_status,
                                         change.line_no))
            for event in effects.events:
                uow.outbox.add(event)
            uow.commit()
            return CommandResult(claim, effects)

    def show(self, company: str, number: str) -> tuple[Claim, list[AuditEntry]]:
        with self.uow_factory() as uow:
            claim = uow.claims.get(company, number)
            return claim, uow.audit.for_claim(company, number)

    def list(self, company: str, status: str | None = None, limit: int = 50, offset: int = 0) -> list[Claim]:
        with self.uow_factory() as uow:
            return uow.claims.list(company, status, limit, offset)


def _check_options(options: ClaimOptions) -> None:
    if options.invoice_procedure not in {p.value for p in InvoiceProcedure}:
        raise InvalidInput(f"unknown invoice procedure {options.invoice_procedure}", code="invalid_option")
    if options.claim_method not in {m.value for m in ClaimMethod}:
        raise InvalidInput(f"unknown claim method {options.claim_method}", code="invalid_option")


def _line(line_no, item, quantity, amount, options: ClaimOptions, description, doc_line_id) -> ClaimLine:
    return ClaimLine(line_no=line_no, item_code=item, quantity=quantity, amount=amount,
                     claim_method=options.claim_method, use_estimates=options.use_estimates,
                     return_material_required=options.return_material_required,
                     description=description, doc_line_id=doc_line_id)


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


def _check_version(claim: Claim, command: ClaimCommand) -> None:
    if command.expected_version is not None and claim.version != command.expected_version:
        raise Conflict(f"claim {claim.number} is at version {claim.version}, not {command.expected_version}: "
                       "someone changed it; reload and retry", code="version_conflict")


def _check_target(claim: Claim, command: ClaimCommand) -> None:
    if command.line_no is not None and claim.line(command.line_no) is None:
        raise NotFound(f"claim {claim.number} has no line {command.line_no}", code="line_not_found")
    if command.document_number is not None and claim.document(command.document_number) is None:
        raise NotFound(f"claim {claim.number} has no document {command.document_number}",
                       code="document_not_found")
