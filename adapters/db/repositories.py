"""SQLAlchemy implementations of the storage ports in engine/service/ports.py."""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from ...engine.domain.errors import NotFound
from ...engine.domain.model import (AuditEntry, Call, Claim, Company, Customer, HistoryRecord, Item,
                                    OriginalDocument, OriginalDocumentLine, OutboxEvent, StoredRuleSet)
from ...engine.domain.statuses import RELEASED_LINE_STATUSES
from .errors import translate
from .orm import (audit_entries, calls, claim_history, claim_lines, claims, companies, original_document_lines,
                  original_documents)

_RELEASED = sorted(str(s) for s in RELEASED_LINE_STATUSES)


class _Repository:
    def __init__(self, session: Session):
        self.session = session

    def _add(self, obj) -> None:
        # Flushing now assigns ids and reports a duplicate at the call that caused it.
        self.session.add(obj)
        self._flush()

    def _flush(self) -> None:
        try:
            self.session.flush()
        except SQLAlchemyError as exc:
            domain_error = translate(exc)
            if domain_error is None:
                raise
            raise domain_error from exc


class SqlCompanyRepository(_Repository):
    def get(self, code: str) -> Company:
        return self._required(self.find(code), code)

    def get_for_update(self, code: str) -> Company:
        """The company with its row locked (claim numbering); values re-read from the database."""
        stmt = (select(Company).where(companies.c.code == code)
                .with_for_update().execution_options(populate_existing=True))
        return self._required(self.session.scalars(stmt).one_or_none(), code)

    def find(self, code: str) -> Company | None:
        return self.session.get(Company, code)

    def add(self, company: Company) -> None:
        self._add(company)

    def list(self) -> list[Company]:
        return list(self.session.scalars(select(Company).order_by(companies.c.code)))

    @staticmethod
    def _required(company: Company | None, code: str) -> Company:
        if company is None:
            raise NotFound(f"Company {code!r} does not exist.", code="company_not_found")
        return company


class SqlMasterDataRepository(_Repository):
    def customer(self, company_code: str, code: str) -> Customer | None:
        return self.session.scalars(select(Customer).filter_by(company_code=company_code, code=code)).one_or_none()

    def item(self, company_code: str, code: str) -> Item | None:
        return self.session.scalars(select(Item).filter_by(company_code=company_code, code=code)).one_or_none()

    # Master data and documents arrive in bulk (imports): they are flushed together, at the next
    # query or at commit, where SQLAlchemy batches the INSERTs; a duplicate surfaces there.
    def add_customer(self, customer: Customer) -> None:
        self.session.add(customer)

    def add_item(self, item: Item) -> None:
        self.session.add(item)

    def customer_codes(self, company_code: str) -> set[str]:
        return set(self.session.scalars(select(Customer.code).filter_by(company_code=company_code)))

    def item_codes(self, company_code: str) -> set[str]:
        return set(self.session.scalars(select(Item.code).filter_by(company_code=company_code)))


class SqlDocumentRepository(_Repository):
    def get(self, company_code: str, number: str, doc_type: str | None = None) -> OriginalDocument:
        document = self.find(company_code, number, doc_type)
        if document is None:
            kind = f"{doc_type} " if doc_type else ""
            raise NotFound(f"Original document {kind}{number!r} does not exist in company {company_code!r}.",
                           code="document_not_found")
        return document

    def find(self, company_code: str, number: str, doc_type: str | None = None) -> OriginalDocument | None:
        """The document with that number; without a type, the first by type if several share it."""
        stmt = select(OriginalDocument).filter_by(company_code=company_code, number=number)
        if doc_type is not None:
            stmt = stmt.filter_by(doc_type=str(doc_type))
        return self.session.scalars(stmt.order_by(original_documents.c.doc_type).limit(1)).first()

    def numbers(self, company_code: str) -> set[str]:
        return set(self.session.scalars(select(OriginalDocument.number).filter_by(company_code=company_code)))

    def add(self, document: OriginalDocument) -> None:
        self.session.add(document)

    def held_quantities(self, doc_line_ids: list[int], excluding_claim_id: int | None = None) -> dict[int, Decimal]:
        """Quantity held per original-document line by claim lines that are not rejected/canceled.

        Summed in Python: SQLite stores the quantities as TEXT, where SUM() would go through float.
        Lines nobody holds are reported with zero.
        """
        held = {line_id: Decimal("0") for line_id in doc_line_ids}
        if not doc_line_ids:
            return held
        stmt = (select(claim_lines.c.doc_line_id, claim_lines.c.quantity)
                .where(claim_lines.c.doc_line_id.in_(doc_line_ids))
                .where(claim_lines.c.status.not_in(_RELEASED)))
        if excluding_claim_id is not None:
            stmt = stmt.where(claim_lines.c.claim_id != excluding_claim_id)
        for line_id, quantity in self.session.execute(stmt):
            held[line_id] += quantity
        return held

    def lines(self, doc_line_ids: list[int]) -> dict[int, OriginalDocumentLine]:
        """Original-document lines by id (a claim may hold lines of several documents)."""
        if not doc_line_ids:
            return {}
        stmt = select(OriginalDocumentLine).where(original_document_lines.c.id.in_(doc_line_ids))
        return {line.id: line for line in self.session.scalars(stmt)}

    def for_customer(self, company_code: str, customer_code: str) -> list[OriginalDocument]:
        stmt = (select(OriginalDocument).filter_by(company_code=company_code, customer_code=customer_code)
                .order_by(original_documents.c.doc_date, original_documents.c.number))
        return list(self.session.scalars(stmt))


class SqlClaimRepository(_Repository):
    def get(self, company_code: str, number: str) -> Claim:
        return self._required(self._one(company_code, number), company_code, number)

    def get_for_update(self, company_code: str, number: str) -> Claim:
        """The claim with its header row locked (PostgreSQL FOR UPDATE) and fresh values.

        populate_existing overwrites anything this session cached, including the eagerly loaded
        lines and documents; on SQLite the transaction already holds the write lock.
        """
        stmt = (self._select(company_code, number)
                .with_for_update(of=claims).execution_options(populate_existing=True))
        return self._required(self.session.scalars(stmt).one_or_none(), company_code, number)

    def add(self, claim: Claim) -> None:
        self._add(claim)

    def delete(self, claim: Claim) -> None:
        self.session.delete(claim)
        self._flush()

    def list(self, company_code: str, status: str | None = None, limit: int = 50,
             offset: int = 0) -> list[Claim]:
        stmt = self._filtered(select(Claim), company_code, status)
        return list(self.session.scalars(stmt.order_by(claims.c.number).limit(limit).offset(offset)))

    def numbers(self, company_code: str, status: str | None = None) -> list[str]:
        stmt = self._filtered(select(claims.c.number), company_code, status)
        return list(self.session.scalars(stmt.order_by(claims.c.number)))

    def source_refs(self, company_code: str) -> set[str]:
        stmt = select(claims.c.source_ref).where(claims.c.company_code == company_code,
                                                 claims.c.source_ref.is_not(None))
        return set(self.session.scalars(stmt))

    @staticmethod
    def _select(company_code: str, number: str):
        return select(Claim).where(claims.c.company_code == company_code, claims.c.number == number)

    def _one(self, company_code: str, number: str) -> Claim | None:
        return self.session.scalars(self._select(company_code, number)).one_or_none()

    @staticmethod
    def _filtered(stmt, company_code: str, status: str | None):
        stmt = stmt.where(claims.c.company_code == company_code)
        return stmt if status is None else stmt.where(claims.c.status == str(status))

    @staticmethod
    def _required(claim: Claim | None, company_code: str, number: str) -> Claim:
        if claim is None:
            raise NotFound(f"Claim {number!r} does not exist in company {company_code!r}.",
                           code="claim_not_found")
        return claim


class SqlAuditLog(_Repository):
    def add(self, entry: AuditEntry) -> None:
        self.session.add(entry)

    def for_claim(self, company_code: str, claim_number: str) -> list[AuditEntry]:
        stmt = (select(AuditEntry)
                .where(audit_entries.c.company_code == company_code,
                       audit_entries.c.claim_number == claim_number)
                .order_by(audit_entries.c.id))
        return list(self.session.scalars(stmt))


class SqlOutbox(_Repository):
    def add(self, event: OutboxEvent) -> None:
        self.session.add(event)


class SqlCallRepository(_Repository):
    def get_for_update(self, company_code: str, number: str) -> Call:
        stmt = (select(Call).where(calls.c.company_code == company_code, calls.c.number == number)
                .with_for_update().execution_options(populate_existing=True))
        call = self.session.scalars(stmt).one_or_none()
        if call is None:
            raise NotFound(f"Call {number!r} does not exist in company {company_code!r}.", code="call_not_found")
        return call

    def find(self, company_code: str, number: str) -> Call | None:
        stmt = select(Call).where(calls.c.company_code == company_code, calls.c.number == number)
        return self.session.scalars(stmt).one_or_none()

    def add(self, call: Call) -> None:
        self._add(call)


class SqlHistory(_Repository):
    def add(self, record: HistoryRecord) -> None:
        self._add(record)

    def find(self, company_code: str, claim_number: str) -> HistoryRecord | None:
        stmt = select(HistoryRecord).where(claim_history.c.company_code == company_code,
                                           claim_history.c.claim_number == claim_number)
        return self.session.scalars(stmt).one_or_none()


class SqlRuleSetStore(_Repository):
    def find(self, ruleset_hash: str) -> StoredRuleSet | None:
        return self.session.get(StoredRuleSet, ruleset_hash)

    def add(self, stored: StoredRuleSet) -> None:
        self.session.add(stored)
