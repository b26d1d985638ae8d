"""Builders of domain objects for tests: a company, its master data, documents and claims in one line each."""
from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal

from claimflow.engine.domain.model import (Claim, ClaimLine, Company, Customer, Item,
                                           OriginalDocument, OriginalDocumentLine)

COMPANY = "ACME"
CUSTOMER = "C001"
ITEM = "ITEM-1"
INVOICE = "INV-0001"


def D(value) -> Decimal:
    """Decimal from a string or int (never from a float)."""
    return Decimal(value)


def company(code: str = COMPANY, **overrides) -> Company:
    return Company(**{"code": code, "name": f"{code} Ltd", "currency": "EUR", **overrides})


def customer(code: str = CUSTOMER, company_code: str = COMPANY, **overrides) -> Customer:
    return Customer(**{"company_code": company_code, "code": code, "name": f"Customer {code}",
                       "country": "ES", **overrides})


def item(code: str = ITEM, company_code: str = COMPANY, **overrides) -> Item:
    return Item(**{"company_code": company_code, "code": code, "description": f"Item {code}", **overrides})


def document(number: str = INVOICE, *, lines: list[tuple[str, str, str]] | None = None,
             company_code: str = COMPANY, customer_code: str = CUSTOMER, doc_type: str = "invoice",
             **overrides) -> OriginalDocument:
    """An original document; `lines` are (item code, quantity, unit price) as strings."""
    lines = lines if lines is not None else [(ITEM, "10", "2.50")]
    return OriginalDocument(**{
        "company_code": company_code, "doc_type": doc_type, "number": number,
        "customer_code": customer_code, "doc_date": datetime(2024, 5, 1, tzinfo=timezone.utc),
        "currency": "EUR", "source": "test",
        "lines": [OriginalDocumentLine(line_no=10 * (i + 1), item_code=code, quantity=D(qty),
                                       unit_price=D(price))
                  for i, (code, qty, price) in enumerate(lines)],
        **overrides})


def claim_line(line_no: int = 10, quantity: str = "1", amount: str = "2.50", item_code: str = ITEM,
               **overrides) -> ClaimLine:
    return ClaimLine(**{"line_no": line_no, "item_code": item_code, "quantity": D(quantity),
                        "amount": D(amount), **overrides})


def claim(number: str = "CLM-000001", *, lines: list[ClaimLine] | None = None,
          company_code: str = COMPANY, customer_code: str = CUSTOMER, **overrides) -> Claim:
    return Claim(**{"company_code": company_code, "number": number, "customer_code": customer_code,
                    "currency": "EUR", "created_at": datetime(2024, 5, 2, 9, 30, tzinfo=timezone.utc),
                    "lines": lines if lines is not None else [claim_line()], **overrides})


def seed(uow_factory, *, company_code: str = COMPANY, documents: list[OriginalDocument] | None = None):
    """Store a company with one customer, one item and (by default) one invoice; commits.

    Returns the stored documents (detached, ids assigned).
    """
    documents = documents if documents is not None else [document(company_code=company_code)]
    with uow_factory() as uow:
        uow.companies.add(company(company_code))
        uow.master_data.add_customer(customer(company_code=company_code))
        uow.master_data.add_item(item(company_code=company_code))
        for doc in documents:
            uow.documents.add(doc)
        uow.commit()
    return documents
