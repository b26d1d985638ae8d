"""A small harness for claim journeys through the service layer: set up documents, run commands,
assert refusals change nothing."""
from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal

import pytest

from claimflow.adapters.bootstrap import make_evaluator
from claimflow.engine.domain.errors import CommandDenied
from claimflow.engine.domain.model import Company, Customer, Item, OriginalDocument, OriginalDocumentLine
from claimflow.engine.service.claims import ClaimService
from claimflow.engine.service.commands import ClaimCommand, ClaimOptions
from claimflow.engine.service.rulebook import Rulebook
from claimflow.engine.settings import bundled_rules_dir


class Journey:
    def __init__(self, uow_factory, company: str = "ACME", evaluator: str = "durable", **parameters):
        self.uow_factory, self.company = uow_factory, company
        self.service = ClaimService(uow_factory, Rulebook(bundled_rules_dir(), make_evaluator(evaluator)))
        self.add_company(company, **parameters)

    def add_company(self, code: str, **parameters) -> None:
        with self.uow_factory() as uow:
            uow.companies.add(Company(code=code, name=code, currency="EUR", **parameters))
            uow.commit()

    def document(self, number: str, customer: str, lines: list[tuple[str, str, str]], doc_type: str = "invoice",
                 company: str | None = None) -> None:
        company = company or self.company
        with self.uow_factory() as uow:
            if uow.master_data.customer(company, customer) is None:
                uow.master_data.add_customer(Customer(company, customer))
            for item, _, _ in lines:
                if uow.master_data.item(company, item) is None:
                    uow.master_data.add_item(Item(company, item))
            uow.documents.add(OriginalDocument(
                company, doc_type, number, customer, datetime(2026, 11, 2, tzinfo=timezone.utc), "EUR",
                [OriginalDocumentLine(i, item, Decimal(q), Decimal(p)) for i, (item, q, p) in enumerate(lines, 1)]))
            uow.commit()

    def create(self, number: str, company: str | None = None, line_nos=None, **options):
        return self.service.register_from_document(company or self.company, number, line_nos=line_nos,
                                                   options=ClaimOptions(**options)).number

    def run(self, claim: str, name: str, company: str | None = None, **fields):
        return self.service.run(ClaimCommand(name, company or self.company, claim, actor="tester", **fields)).claim

    def refused(self, claim: str, name: str, company: str | None = None, **fields) -> CommandDenied:
        before = self.show(claim, company)
        with pytest.raises(CommandDenied) as caught:
            self.run(claim, name, company, **fields)
        after = self.show(claim, company)
        assert (after.version, after.status, [ln.status for ln in after.lines], len(after.documents)) == \
               (before.version, before.status, [ln.status for ln in before.lines], len(before.documents))
        return caught.value

    def show(self, claim: str, company: str | None = None):
        return self.service.show(company or self.company, claim)[0]

    def audit(self, claim: str, company: str | None = None):
        return self.service.show(company or self.company, claim)[1]

    def lines(self, claim: str) -> list[str]:
        return [ln.status for ln in self.show(claim).lines]

    def docs(self, claim: str, kind: str) -> list:
        return [d for d in self.show(claim).documents if d.kind == kind]


def D(text: str) -> Decimal:
    return Decimal(text)
