"""Importer of the UCI Online Retail CSV: invoices, and cancellations turned into customer claims.

Two steps. `plan_import` is pure (it only reads the file): it classifies every row and works out
the customers, items, invoices and claim drafts. `import_online_retail` persists a plan through
the service ports (engine/service/ports.py), adding only what is not stored yet.
"""
from __future__ import annotations

import csv
import io
import os
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from claimflow.engine.domain.errors import ClaimflowError, ImportFileInvalid
from claimflow.engine.domain.model import (Claim, ClaimLine, Company, Customer, Item,
                                           OriginalDocument, OriginalDocumentLine)
from claimflow.engine.domain.money import round_money
from claimflow.engine.domain.statuses import (ClaimMethod, ClaimOrigin, DocumentType,
                                              HeaderStatus, InvoiceProcedure, LineStatus)
from claimflow.engine.service.ports import UnitOfWork

from .batching import Progress, store_in_batches
from .report import ImportReport

COLUMNS = ("InvoiceNo", "StockCode", "Description", "Quantity", "InvoiceDate", "UnitPrice",
           "CustomerID", "Country")
COMPANY_NAME = "Online Retail (UCI)"
CURRENCY = "GBP"
SOURCE_NAME = "online-retail"

# Stable reject codes (the report counts rows by these).
MALFORMED = "malformed"                    # wrong column count, missing value, unreadable number/date
UNSUPPORTED_DOCUMENT = "unsupported_document"  # invoice number neither 123456 nor C123456 (e.g. A563185)
STOCK_ADJUSTMENT = "stock_adjustment"      # negative quantity on a non-C invoice
NO_CUSTOMER = "no_customer"
NON_PRODUCT_CODE = "non_product_code"      # POST, DOT, M, C2, D, S, AMAZONFEE, BANK CHARGES, gift_*, DCGS*
ZERO_QUANTITY = "zero_quantity"
CANCELLATION_NOT_NEGATIVE = "cancellation_not_negative"  # a C row must credit (quantity < 0)
ZERO_PRICE = "zero_price"
NEGATIVE_PRICE = "negative_price"
CUSTOMER_MISMATCH = "customer_mismatch"    # a row whose customer differs from its invoice's first row

# A product code is defined positively: five digits plus optional letters (85123A, 15056BL),
# checked after upper-casing. Everything else in the data is a service or accounting code
# (POST, DOT, M, C2, D, S, AMAZONFEE, BANK CHARGES, gift_0001_40, DCGS0076, ...), which is not
# goods a customer could claim against, so a new fee code is rejected without editing a list.
PRODUCT_CODE = re.compile(r"\d{5}[A-Z]*")
INVOICE_NUMBER = re.compile(r"\d+")
CANCELLATION_NUMBER = re.compile(r"C\d+")
# Plain decimal notation only: Decimal() alone would also accept "NaN", "Infinity" and "1e3".
NUMBER = re.compile(r"-?\d+(\.\d+)?")
DATE_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%m/%d/%Y %H:%M")  # Spark copy, UCI Excel
# The shop is in the UK: its clock is London time (GMT in December); stored as aware datetimes.
SHOP_TZ = ZoneInfo("Europe/London")
MAX_CODE = 40          # the storage's code columns
MAX_DESCRIPTION = 500  # the storage's description columns
CLAIM_BATCH = 200
INVOICE_BATCH = 500



# --------------------------------------------------------------------------------------------
# Plan objects
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Row:
    """One readable data row, values parsed (Decimal, aware datetime, upper-case stock code)."""
    row_no: int
    invoice_no: str
    stock_code: str
    description: str
    quantity: Decimal
    invoice_date: datetime
    unit_price: Decimal
    customer_code: str
    country: str

    @property
    def is_cancellation(self) -> bool:
        return self.invoice_no.startswith("C")


@dataclass
class ClaimDraftLine:
    item_code: str
    description: str
    quantity: Decimal
    amount: Decimal
    doc_line_no: int | None            # line of the original invoice, None without a document
    unit_price: Decimal                # the original line's price, or the cancellation's without one
    cancellation_rows: list[int] = field(default_factory=list)

    def reference(self, cancellation_number: str) -> str:
        rows = ",".join(str(r) for r in self.cancellation_rows)
        return f"{cancellation_number} row {rows}: {self.description}"[:MAX_DESCRIPTION]


@dataclass
class ClaimDraft:
    """One claim to create: a cancellation invoice's matches on one original invoice, or its rest."""
    source_ref: str
    cancellation_number: str
    cancellation_date: datetime
    customer_code: str
    document_number: str | None
    lines: list[ClaimDraftLine] = field(default_factory=list)
    cancellation_amount: Decimal = Decimal("0")  # matched |qty| x the cancellation's unit price

    @property
    def amount(self) -> Decimal:
        return sum((ln.amount for ln in self.lines), Decimal("0"))


@dataclass
class ParsedFile:
    """The file read and classified, before cancellations are matched (matching needs holds)."""
    source: str
    rows_read: int
    invoices: list[OriginalDocument]
    cancellations: list[Row]
    customers: list[Customer]
    items: list[Item]
    report: ImportReport


@dataclass
class ImportPlan:
    company_code: str
    customers: list[Customer]
    items: list[Item]
    invoices: list[OriginalDocument]
    claims: list[ClaimDraft]
    report: ImportReport


# --------------------------------------------------------------------------------------------
# Reading and classifying rows
# --------------------------------------------------------------------------------------------

def _open_lines(source: str | os.PathLike | Iterable[str]) -> tuple[str, Iterable[str]]:
    """A path is read whole (3.7 MB): a decoding error then surfaces here, not mid-import."""
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise ImportFileInvalid(f"cannot read {path}: {exc}") from exc
        return path.name, io.StringIO(text, newline="")
    return "<memory>", source


def _data_rows(lines: Iterable[str]) -> Iterable[tuple[int, list[str]]]:
    """Data rows numbered from 1 after checking the header; blank lines are not rows."""
    reader = csv.reader(lines)
    try:
        header = next(reader, None)
        if header is None or tuple(h.strip().lstrip("\ufeff") for h in header) != COLUMNS:
            raise ImportFileInvalid(f"not an Online Retail file: expected the header {','.join(COLUMNS)}, "
                                    f"found {','.join(header or [])!r}")
        row_no = 0
        for fields in reader:
            if not fields:
                continue
            row_no += 1
            yield row_no, fields
    except csv.Error as exc:
        raise ImportFileInvalid(f"CSV syntax error near line {reader.line_num}: {exc}") from exc


def _number(text: str) -> Decimal | None:
    text = text.strip()
    return Decimal(text) if NUMBER.fullmatch(text) else None


def _datetime(text: str) -> datetime | None:
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(text.strip(), fmt).replace(tzinfo=SHOP_TZ)
        except ValueError:
            continue
    return None


def _customer(text: str) -> str:
    # Spark wrote CustomerID as a float (17850.0); the bundled copy has integers, others may not.
    text = text.strip()
    return text[:-2] if text.endswith(".0") else text


def parse_row(row_no: int, fields: list[str]) -> Row | str:
    """The parsed row, or the reason it cannot be read (`malformed`)."""
    if len(fields) != len(COLUMNS):
        return MALFORMED
    invoice_no, code, description, qty, date, price, customer, country = fields
    if not invoice_no.strip() or not code.strip():
        return MALFORMED
    quantity, unit_price, when = _number(qty), _number(price), _datetime(date)
    customer = _customer(customer)
    if quantity is None or unit_price is None or when is None:
        return MALFORMED
    if max(len(invoice_no.strip()), len(code.strip()), len(customer)) > MAX_CODE:
        return MALFORMED
    # Stock codes are upper-cased: the data has 15056bl beside 15056BL for the same product
    # (both EDWARDIAN PARASOL BLACK), and a claim must find the purchase whichever case was typed.
    return Row(row_no=row_no, invoice_no=invoice_no.strip().upper(), stock_code=code.strip().upper(),
               description=description.strip()[:MAX_DESCRIPTION], quantity=quantity,
               invoice_date=when, unit_price=unit_price, customer_code=customer,
               country=country.strip())


def reject_reason(row: Row) -> str | None:
    """Why a readable row cannot be imported, or None.

    Order matters, one reason per row: first what the row IS (not an invoice or credit, a stock
    movement), then the references it lacks (customer, product), then its values. So the 70
    negative non-C rows (no customer, price 0) count as stock adjustments, and a C row without
    a customer counts as `no_customer` whatever its code.
    """
    cancellation = row.is_cancellation
    if not (CANCELLATION_NUMBER.fullmatch(row.invoice_no) or INVOICE_NUMBER.fullmatch(row.invoice_no)):
        return UNSUPPORTED_DOCUMENT
    if not cancellation and row.quantity < 0:
        return STOCK_ADJUSTMENT
    if not row.customer_code:
        return NO_CUSTOMER
    if not PRODUCT_CODE.fullmatch(row.stock_code):
        return NON_PRODUCT_CODE
    if row.quantity == 0:
        return ZERO_QUANTITY
    if cancellation and row.quantity > 0:
        return CANCELLATION_NOT_NEGATIVE
    if row.unit_price == 0:
        return ZERO_PRICE
    if row.unit_price < 0:
        return NEGATIVE_PRICE
    return None


# --------------------------------------------------------------------------------------------
# Building invoices and master data
# --------------------------------------------------------------------------------------------

class _Collector:
    """Accumulates accepted rows into invoices, cancellations, customers and items."""

    def __init__(self, company_code: str, report: ImportReport):
        self.company_code = company_code
        self.report = report
        self.invoices: dict[str, OriginalDocument] = {}
        self.cancellations: list[Row] = []
        self.cancellation_customer: dict[str, str] = {}
        self.customers: dict[str, Customer] = {}
        self.items: dict[str, Item] = {}

    def add(self, row: Row) -> None:
        owner = self._owner_of(row)
        if owner != row.customer_code:
            # A document belongs to one customer; the data has no such row, a hand-edited file may.
            self.report.reject(CUSTOMER_MISMATCH, row.row_no)
            return
        if row.is_cancellation:
            self.cancellations.append(row)
        else:
            self._add_invoice_line(row)
        self._add_master_data(row)

    def _owner_of(self, row: Row) -> str:
        if row.is_cancellation:
            return self.cancellation_customer.setdefault(row.invoice_no, row.customer_code)
        doc = self.invoices.get(row.invoice_no)
        return doc.customer_code if doc else row.customer_code

    def _add_invoice_line(self, row: Row) -> None:
        doc = self.invoices.get(row.invoice_no)
        if doc is None:
            doc = OriginalDocument(company_code=self.company_code, doc_type=DocumentType.INVOICE,
                                   number=row.invoice_no, customer_code=row.customer_code,
                                   doc_date=row.invoice_date, currency=CURRENCY)
            self.invoices[row.invoice_no] = doc
        # One invoice can span two minutes (536591: 16:57 and 16:58); it is dated by its first.
        doc.doc_date = min(doc.doc_date, row.invoice_date)
        doc.lines.append(OriginalDocumentLine(line_no=len(doc.lines) + 1, item_code=row.stock_code,
                                              quantity=row.quantity, unit_price=row.unit_price,
                                              description=row.description))
        self.report.invoice_lines += 1

    def _add_master_data(self, row: Row) -> None:
        self.customers.setdefault(row.customer_code, Customer(
            company_code=self.company_code, code=row.customer_code, country=row.country))
        item = self.items.setdefault(row.stock_code, Item(company_code=self.company_code,
                                                          code=row.stock_code))
        if not item.description:  # the first non-empty description names the item
            item.description = row.description


def parse_file(source: str | os.PathLike | Iterable[str], company_code: str = "UK01") -> ParsedFile:
    """Read and classify every row. `source` is a path (str or Path) or an iterable of CSV lines."""
    name, lines = _open_lines(source)
    report = ImportReport(source=name, company_code=company_code)
    collector = _Collector(company_code, report)
    for row_no, fields in _data_rows(lines):
        report.rows_read += 1
        if fields[0].strip().upper().startswith("C"):  # counted even when the row is unreadable
            report.cancellation_rows += 1
        row = parse_row(row_no, fields)
        if isinstance(row, str):
            report.reject(row, row_no)
            continue
        if row.is_cancellation:
            report.cancellation_total += abs(row.quantity) * row.unit_price
        reason = reject_reason(row)
        if reason:
            report.reject(reason, row_no)
        else:
            collector.add(row)
    for doc in collector.invoices.values():
        doc.source = f"{SOURCE_NAME}:{name}"
    report.invoices = len(collector.invoices)
    report.customers = len(collector.customers)
    report.items = len(collector.items)
    return ParsedFile(source=name, rows_read=report.rows_read,
                      invoices=list(collector.invoices.values()),
                      cancellations=collector.cancellations,
                      customers=list(collector.customers.values()),
                      items=list(collector.items.values()), report=report)


# --------------------------------------------------------------------------------------------
# Matching cancellations to earlier purchases
# --------------------------------------------------------------------------------------------

@dataclass
class _Slot:
    """An invoice line a cancellation may draw on, with the quantity still unclaimed."""
    doc: OriginalDocument
    line: OriginalDocumentLine
    remaining: Decimal


def _slots(invoices: list[OriginalDocument], holds: Mapping[tuple[str, int], Decimal]
           ) -> dict[tuple[str, str], list[_Slot]]:
    """Invoice lines per (customer, item), newest invoice first, lines in invoice order."""
    index: dict[tuple[str, str], list[_Slot]] = {}
    for doc in invoices:
        for line in doc.lines:
            held = holds.get((doc.number, line.line_no), Decimal("0"))
            index.setdefault((doc.customer_code, line.item_code), []).append(
                _Slot(doc, line, max(line.quantity - held, Decimal("0"))))
    for slots in index.values():
        # Newest first; the number breaks ties of invoices stamped in the same minute. A reverse
        # sort is still stable, so the lines of one invoice stay in their order 1..n.
        slots.sort(key=lambda s: (s.doc.doc_date, s.doc.number), reverse=True)
    return index


class _Matcher:
    """Spreads each cancellation row over earlier purchases and groups the result into drafts."""

    def __init__(self, parsed: ParsedFile, holds: Mapping[tuple[str, int], Decimal]):
        self.report = parsed.report
        self.slots = _slots(parsed.invoices, holds)
        self.drafts: dict[tuple[str, str | None], ClaimDraft] = {}

    def match(self, row: Row) -> None:
        need = -row.quantity
        for slot in self.slots.get((row.customer_code, row.stock_code), []):
            if need == 0:
                break
            # A purchase at the very minute of the cancellation counts (order-and-cancel pairs).
            if slot.doc.doc_date > row.invoice_date or slot.remaining == 0:
                continue
            take = min(slot.remaining, need)
            slot.remaining -= take
            need -= take
            self._add_matched(row, slot, take)
        self._count(row, need)
        if need > 0:
            self._add_unmatched(row, need)

    def _count(self, row: Row, rest: Decimal) -> None:
        if rest == -row.quantity:
            self.report.cancellation_rows_unmatched += 1
            return
        self.report.cancellation_rows_matched += 1
        if rest > 0:
            self.report.cancellation_rows_partially_matched += 1

    def _draft(self, row: Row, document_number: str | None) -> ClaimDraft:
        key = (row.invoice_no, document_number)
        if key not in self.drafts:
            self.drafts[key] = ClaimDraft(
                source_ref=f"{row.invoice_no}>{document_number or '-'}",
                cancellation_number=row.invoice_no, cancellation_date=row.invoice_date,
                customer_code=row.customer_code, document_number=document_number)
        return self.drafts[key]

    def _add_matched(self, row: Row, slot: _Slot, quantity: Decimal) -> None:
        draft = self._draft(row, slot.doc.number)
        draft.cancellation_amount += quantity * row.unit_price
        line = next((ln for ln in draft.lines if ln.doc_line_no == slot.line.line_no), None)
        if line is None:  # one claim line per original line, even if two C rows hit it
            line = ClaimDraftLine(item_code=row.stock_code, description=row.description,
                                  quantity=Decimal("0"), amount=Decimal("0"),
                                  doc_line_no=slot.line.line_no, unit_price=slot.line.unit_price)
            draft.lines.append(line)
        line.quantity += quantity
        line.amount = round_money(line.quantity * line.unit_price)
        if row.row_no not in line.cancellation_rows:
            line.cancellation_rows.append(row.row_no)

    def _add_unmatched(self, row: Row, quantity: Decimal) -> None:
        draft = self._draft(row, None)
        draft.cancellation_amount += quantity * row.unit_price
        draft.lines.append(ClaimDraftLine(
            item_code=row.stock_code, description=row.description, quantity=quantity,
            amount=round_money(quantity * row.unit_price), doc_line_no=None,
            unit_price=row.unit_price, cancellation_rows=[row.row_no]))


def _summarise_claims(report: ImportReport, drafts: list[ClaimDraft]) -> None:
    for draft in drafts:
        report.claim_lines += len(draft.lines)
        if draft.document_number:
            report.claims_from_document += 1
            report.cancellation_matched_amount += draft.cancellation_amount
            report.credited_from_document += draft.amount
        else:
            report.claims_without_document += 1
            report.cancellation_unmatched_amount += draft.cancellation_amount
            report.credited_without_document += draft.amount


def plan_import(source: str | os.PathLike | Iterable[str] | ParsedFile, company_code: str = "UK01",
                existing: Mapping[tuple[str, int], Decimal] | None = None) -> ImportPlan:
    """Classify every row and turn cancellations into claim drafts. No I/O besides reading.

    `source`: a path, an iterable of CSV lines (e.g. io.StringIO) or an already parsed file.
    `existing`: quantity already held by stored claims, per (invoice number, line number); a
    cancellation only takes what is left of an invoice line. Cancellations are matched in file
    order, so an earlier one takes an invoice line's quantity before a later one.
    """
    parsed = source if isinstance(source, ParsedFile) else parse_file(source, company_code)
    matcher = _Matcher(parsed, existing or {})
    for row in parsed.cancellations:
        matcher.match(row)
    drafts = list(matcher.drafts.values())
    _summarise_claims(parsed.report, drafts)
    return ImportPlan(company_code=company_code, customers=parsed.customers, items=parsed.items,
                      invoices=parsed.invoices, claims=drafts, report=parsed.report)


# --------------------------------------------------------------------------------------------
# Persisting
# --------------------------------------------------------------------------------------------

def import_online_retail(uow_factory: Callable[[], UnitOfWork], path: str | os.PathLike,
                         company_code: str = "UK01", progress: Progress | None = None) -> ImportReport:
    """Import the file into `company_code` (created if absent) and return the report.

    Adds only what is not stored yet: customers and items by code, invoices by number, claims by
    source_ref, so a second import of the same file writes nothing. Transactions: one for the
    company and master data, then invoices in batches of 500 and claims in batches of 200, each
    batch committed whole. A crash mid-import therefore leaves whole invoices and whole claims
    only (never half an invoice or a claim without lines); running the import again completes
    it. Claims are matched against the quantity still free on invoices: holds of stored claims
    not made by this file are respected; this file's own claims are recognised by source_ref.
    """
    parsed = parse_file(path, company_code)
    report = parsed.report
    with uow_factory() as uow:
        report.company_created = _ensure_company(uow, company_code)
        _add_master_data(uow, parsed, report)
        numbers = uow.documents.numbers(company_code)
        refs = uow.claims.source_refs(company_code)
        holds = _foreign_holds(uow, parsed, company_code, numbers, refs)
        uow.commit()
    plan = plan_import(parsed, company_code, holds)
    new_invoices = [d for d in plan.invoices if d.number not in numbers]
    new_claims = [c for c in plan.claims if c.source_ref not in refs]
    _count_skipped(report, plan, new_invoices, new_claims)
    store_in_batches(progress, new_invoices, new_claims,
                     len(plan.invoices) - len(new_invoices) + len(plan.claims) - len(new_claims),
                     lambda batch: _store_invoices(uow_factory, batch, report), INVOICE_BATCH,
                     lambda batch: _store_claims(uow_factory, company_code, batch, report), CLAIM_BATCH)
    return report


def _ensure_company(uow: UnitOfWork, company_code: str) -> bool:
    if uow.companies.find(company_code) is not None:
        return False
    uow.companies.add(Company(code=company_code, name=COMPANY_NAME, currency=CURRENCY))
    return True


def _add_master_data(uow: UnitOfWork, parsed: ParsedFile, report: ImportReport) -> None:
    known_customers = uow.master_data.customer_codes(parsed.report.company_code)
    known_items = uow.master_data.item_codes(parsed.report.company_code)
    for customer in parsed.customers:
        if customer.code not in known_customers:
            uow.master_data.add_customer(customer)
            report.customers_new += 1
    for item in parsed.items:
        if item.code not in known_items:
            uow.master_data.add_item(item)
            report.items_new += 1


def _candidate_invoices(parsed: ParsedFile, stored_numbers: set[str]) -> list[str]:
    """Stored invoices of this file that some cancellation could draw on (same customer + item)."""
    wanted = {(row.customer_code, row.stock_code) for row in parsed.cancellations}
    return [doc.number for doc in parsed.invoices if doc.number in stored_numbers
            and any((doc.customer_code, ln.item_code) in wanted for ln in doc.lines)]


def _foreign_holds(uow: UnitOfWork, parsed: ParsedFile, company_code: str, stored_numbers: set[str],
                   refs: set[str]) -> dict[tuple[str, int], Decimal]:
    """Quantity held on this file's stored invoice lines by claims this file did not make.

    The file's own claims (a previous run) are subtracted: the plan re-derives them, and counting
    their holds would push the same cancellations elsewhere and create them twice.
    """
    planned = {doc.number: doc for doc in parsed.invoices}
    line_keys: dict[int, tuple[str, int]] = {}
    for number in _candidate_invoices(parsed, stored_numbers):
        stored = uow.documents.find(company_code, number, DocumentType.INVOICE)
        if stored is None:
            continue
        _check_same_invoice(stored, planned[number])
        line_keys.update({ln.id: (number, ln.line_no) for ln in stored.lines if ln.id is not None})
    if not line_keys:
        return {}
    held = dict(uow.documents.held_quantities(list(line_keys)))
    for line_id, quantity in _own_holds(uow, parsed, company_code, refs).items():
        if line_id in held:
            held[line_id] = max(held[line_id] - quantity, Decimal("0"))
    return {line_keys[i]: q for i, q in held.items() if i in line_keys and q > 0}


def _own_holds(uow: UnitOfWork, parsed: ParsedFile, company_code: str, refs: set[str]
               ) -> dict[int, Decimal]:
    """Holds per document line of stored claims whose source_ref names a C invoice of this file."""
    cancel_numbers = {row.invoice_no for row in parsed.cancellations}
    if not any(ref.split(">", 1)[0] in cancel_numbers for ref in refs):
        return {}
    out: dict[int, Decimal] = {}
    offset, page = 0, 500
    while True:
        claims = uow.claims.list(company_code, limit=page, offset=offset)
        for claim in claims:
            if claim.source_ref and claim.source_ref.split(">", 1)[0] in cancel_numbers:
                for line in claim.lines:
                    if line.doc_line_id is not None and line.holds_quantity:
                        out[line.doc_line_id] = out.get(line.doc_line_id, Decimal("0")) + line.quantity
        if len(claims) < page:
            return out
        offset += page


def _check_same_invoice(stored: OriginalDocument, planned: OriginalDocument) -> None:
    """Matching addresses stored lines by number: refuse an invoice stored with other lines."""
    same = [(ln.line_no, ln.item_code) for ln in stored.lines] == \
        [(ln.line_no, ln.item_code) for ln in planned.lines]
    if not same or stored.customer_code != planned.customer_code:
        raise ClaimflowError(f"invoice {planned.number} is already stored with other lines or "
                             f"another customer; it was not imported from this file",
                             code="import_conflict")


def _count_skipped(report: ImportReport, plan: ImportPlan, new_invoices: list[OriginalDocument],
                   new_claims: list[ClaimDraft]) -> None:
    new_numbers = {d.number for d in new_invoices}
    for doc in plan.invoices:
        if doc.number not in new_numbers:
            report.invoices_already_present += 1
            report.invoice_lines_already_present += len(doc.lines)
    report.claims_already_present = len(plan.claims) - len(new_claims)


def _store_invoices(uow_factory: Callable[[], UnitOfWork], batch: list[OriginalDocument],
                    report: ImportReport) -> None:
    with uow_factory() as uow:
        for doc in batch:
            uow.documents.add(doc)
        uow.commit()
    report.invoices_new += len(batch)
    report.invoice_lines_new += sum(len(d.lines) for d in batch)


def _store_claims(uow_factory: Callable[[], UnitOfWork], company_code: str,
                  batch: list[ClaimDraft], report: ImportReport) -> None:
    with uow_factory() as uow:
        company = uow.companies.get_for_update(company_code)
        documents: dict[str, OriginalDocument] = {}
        claims = [_claim(company, draft, _document(uow, company_code, draft, documents))
                  for draft in batch]
        for claim in claims:
            uow.claims.add(claim)
        uow.commit()
    for draft in batch:
        report.claims_new += 1
        report.claim_lines_new += len(draft.lines)
        if draft.document_number:
            report.claims_new_from_document += 1
        else:
            report.claims_new_without_document += 1


def _document(uow: UnitOfWork, company_code: str, draft: ClaimDraft,
              cache: dict[str, OriginalDocument]) -> OriginalDocument | None:
    number = draft.document_number
    if number is None:
        return None
    if number not in cache:
        cache[number] = uow.documents.get(company_code, number, DocumentType.INVOICE)
    return cache[number]


def _claim(company: Company, draft: ClaimDraft, document: OriginalDocument | None) -> Claim:
    claim = Claim(company_code=company.code, number=company.next_claim_number(),
                  customer_code=draft.customer_code, currency=CURRENCY,
                  origin=ClaimOrigin.DOCUMENT if document else ClaimOrigin.MANUAL,
                  invoice_procedure=InvoiceProcedure.CREDIT_NOTE_BASED, status=HeaderStatus.FREE,
                  source_ref=draft.source_ref, created_at=datetime.now(timezone.utc),
                  internal_text=f"Imported from {SOURCE_NAME} cancellation {draft.cancellation_number} "
                                f"of {draft.cancellation_date:%Y-%m-%d %H:%M}")
    if document is not None:
        claim.document_id, claim.document_number = document.id, document.number
        claim.document_type = document.doc_type
    for index, line in enumerate(draft.lines, start=1):
        doc_line = document.line(line.doc_line_no) if document and line.doc_line_no else None
        claim.lines.append(ClaimLine(
            line_no=index * company.line_step, item_code=line.item_code, quantity=line.quantity,
            amount=line.amount, claim_method=ClaimMethod.REIMBURSE_COSTS, status=LineStatus.FREE,
            description=line.reference(draft.cancellation_number),
            doc_line_id=doc_line.id if doc_line else None))
    return claim
