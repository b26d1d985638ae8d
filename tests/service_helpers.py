"""A ClaimService on a test database, and a snapshot of everything a command could change."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import text

from builders import COMPANY, INVOICE, document, seed
from claimflow.engine.service.claims import ClaimService
from claimflow.engine.service.commands import ClaimCommand
from claimflow.engine.service.rulebook import Rulebook
from claimflow.engine.settings import bundled_rules_dir
from factsets import durable_evaluator

TWO_LINE_INVOICE = [("ITEM-1", "10", "2.50"), ("ITEM-1", "4", "1.25")]


def make_service(uow_factory, evaluator=None, rules_dir: Path | None = None) -> ClaimService:
    return ClaimService(uow_factory, Rulebook(rules_dir or bundled_rules_dir(), evaluator or durable_evaluator()))


def seeded_claim(uow_factory, service: ClaimService, lines=TWO_LINE_INVOICE) -> str:
    """Seeds company ACME with one invoice and registers a claim copying all its lines."""
    seed(uow_factory, documents=[document(lines=lines)])
    return service.register_from_document(COMPANY, INVOICE).number


def run(service: ClaimService, name: str, number: str, **fields):
    return service.run(ClaimCommand(name, COMPANY, number, actor="tester", **fields))


@dataclass(frozen=True)
class Snapshot:
    status: str
    version: int
    partially_approved: bool
    lines: tuple
    documents: tuple
    audit_rows: int
    outbox_rows: int


def snapshot(uow_factory, number: str) -> Snapshot:
    """The claim as stored, with the rows of the tables a command writes to."""
    with uow_factory() as uow:
        claim = uow.claims.get(COMPANY, number)
        count = lambda table: uow.session.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
        return Snapshot(
            claim.status, claim.version, claim.partially_approved,
            tuple((ln.line_no, ln.status, ln.approved_quantity, ln.approved_amount, ln.rejection_reason)
                  for ln in claim.lines),
            tuple((d.kind, d.number, d.line_no, d.amount, d.status) for d in claim.documents),
            count("audit_entries"), count("outbox_events"))
