"""Importer of Tableau's "Sample - Superstore" Orders + Returns CSVs (data/superstore/SOURCE.md).

Orders become sales orders; every returned order becomes one claim copying all its lines. Two
steps, as in the Online Retail importer: `plan_import` is pure (it only reads the files) and
classifies every row; `import_superstore` persists the plan through the service ports, adding
only what is not stored yet, in batches committed whole.

Mapping:
  order (Order ID)      -> OriginalDocument sales_order, number = Order ID, customer = Customer ID,
                           date = Order Date (midnight UTC), currency USD
  order row             -> a line, numbered 1, 2, ... in file order within its order;
                           item = Product ID, quantity = Quantity, unit price = Sales / Quantity
                           rounded to 4 decimals (see `unit_price`)
  Returns row           -> the order is returned; rows repeat per returned line, so the Order IDs
                           are deduplicated (duplicates counted)
  returned order        -> Claim: origin document, credit_note_based, every line reimburse_costs,
                           line amount = the order line's Sales (rounded to cents),
                           source_ref "RET>" + Order ID (a re-import creates nothing twice)
"""
from __future__ import annotations

import csv
import io
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from claimflow.engine.domain.errors import ImportFileInvalid, Reason
from claimflow.engine.domain.model import (Claim, ClaimLine, Company, Customer, Item,
                                           OriginalDocument, OriginalDocumentLine)
from claimflow.engine.domain.money import round_money
from claimflow.engine.domain.statuses import (ClaimMethod, ClaimOrigin, DocumentType, HeaderStatus,
                                              InvoiceProcedure, LineStatus)
from claimflow.engine.service.ports import UnitOfWork

from .report import RejectTally, plain_fields
from .batching import Progress, store_in_batches

ORDER_COLUMNS = ("Row ID", "Order ID", "Order Date", "Ship Date", "Ship Mode", "Customer ID",
                 "Customer Name", "Segment", "Country/Region", "City", "State", "Postal Code", "Region",
                 "Product ID", "Category", "Sub-Category", "Product Name", "Sales", "Quantity",
                 "Discount", "Profit")
RETURN_COLUMNS = ("Returned", "Order ID")
COMPANY_CODE = "SS01"
COMPANY_NAME = "Superstore"
CURRENCY = "USD"
SOURCE_NAME = "superstore"
SOURCE_REF_PREFIX = "RET>"

# Stable reject codes of order rows (the report counts rows by these).
MALFORMED = "malformed"                  # wrong field count, an empty Order ID / Customer ID / Product ID
INVALID_NUMBER = "invalid_number"        # Sales or Quantity not in plain decimal notation
INVALID_DATE = "invalid_date"            # Order Date not YYYY-MM-DD, or no such day
INVALID_QUANTITY = "invalid_quantity"    # Quantity zero or below
NEGATIVE_SALES = "negative_sales"
VALUE_TOO_LONG = "value_too_long"        # a code over 40 characters
HEADER_MISMATCH = "header_mismatch"      # customer or date differs from the order's first row
# ... and of Returns rows.
NOT_RETURNED = "not_returned"            # Returned is not "Yes"
RETURN_WITHOUT_ORDER = "return_without_order"  # the Order ID has no (importable) row in Orders

NUMBER = re.compile(r"-?\d+(\.\d+)?")
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
PRICE_QUANTUM = Decimal("0.0001")  # the storage's scale (Numeric(18, 4))
MAX_CODE = 40
MAX_DESCRIPTION = 500
ORDER_BATCH = 500
CLAIM_BATCH = 200



def unit_price(sales: Decimal, quantity: Decimal) -> Decimal:
    """Sales is the line's NET value (after Discount), not a unit price; the unit price is derived
    from it, rounded half up to the storage's 4 decimals. On the bundled file quantity x this
    price rounds back to Sales' cents on every line; claims still take Sales itself as amount."""
    return (sales / quantity).quantize(PRICE_QUANTUM, rounding=ROUND_HALF_UP)


# --------------------------------------------------------------------------------------------
# Plan objects and the report
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class OrderRow:
    row_no: int                 # data row, 1-based (the header is not a row)
    order_id: str
    order_date: datetime
    customer_code: str
    country: str
    product_id: str
    product_name: str
    sales: Decimal
    quantity: Decimal


@dataclass
class ClaimDraftLine:
    doc_line_no: int
    item_code: str
    quantity: Decimal
    amount: Decimal             # the order line's Sales, rounded to cents
    description: str


@dataclass
class ClaimDraft:
    order_id: str
    customer_code: str
    lines: list[ClaimDraftLine] = field(default_factory=list)

    @property
    def source_ref(self) -> str:
        return SOURCE_REF_PREFIX + self.order_id

    @property
    def amount(self) -> Decimal:
        return sum((ln.amount for ln in self.lines), Decimal("0"))


@dataclass
class SuperstoreReport:
    """Counts of one import. Row numbers are 1-based data rows (the header is not a row).

    order_rows_read == order_lines + order_rows_rejected, and
    return_rows_read == returned_orders + return_duplicates + return_rows_rejected
    (a repeated Order ID counts once under its bucket, every further row as a duplicate).
    """
    orders_file: str = ""
    returns_file: str = ""
    company_code: str = ""
    # -- what the files hold (planning) ------------------------------------------------------
    order_rows_read: int = 0
    order_lines: int = 0
    orders: int = 0
    customers: int = 0
    items: int = 0
    rejected: dict[str, RejectTally] = field(default_factory=dict)
    return_rows_read: int = 0
    returned_orders: int = 0
    return_duplicates: int = 0
    returns_rejected: dict[str, RejectTally] = field(default_factory=dict)
    claims: int = 0
    claim_lines: int = 0
    claimed_amount: Decimal = Decimal("0")
    order_total: Decimal = Decimal("0")    # Sales of every imported line
    # -- what the persisting step wrote ------------------------------------------------------
    company_created: bool = False
    customers_new: int = 0
    items_new: int = 0
    orders_new: int = 0
    orders_already_present: int = 0
    order_lines_new: int = 0
    claims_new: int = 0
    claims_already_present: int = 0
    claim_lines_new: int = 0
    claimed_amount_new: Decimal = Decimal("0")
    claim_lines_fully_claimed: int = 0     # skipped: other claims already hold the whole line
    claims_fully_claimed: int = 0          # not created: other claims hold every line

    def reject(self, reason: str, row_no: int) -> None:
        self.rejected.setdefault(reason, RejectTally()).add(row_no)

    def reject_return(self, reason: str, row_no: int) -> None:
        self.returns_rejected.setdefault(reason, RejectTally()).add(row_no)

    @property
    def order_rows_rejected(self) -> int:
        return sum(t.count for t in self.rejected.values())

    @property
    def return_rows_rejected(self) -> int:
        return sum(t.count for t in self.returns_rejected.values())

    def rejected_counts(self) -> dict[str, int]:
        return {reason: t.count for reason, t in sorted(self.rejected.items())}

    def returns_rejected_counts(self) -> dict[str, int]:
        return {reason: t.count for reason, t in sorted(self.returns_rejected.items())}

    def as_dict(self) -> dict:
        out = plain_fields(self)
        out["order_rows_rejected"] = self.order_rows_rejected
        out["return_rows_rejected"] = self.return_rows_rejected
        return out


@dataclass
class ImportPlan:
    company_code: str
    customers: list[Customer]
    items: list[Item]
    orders: list[OriginalDocument]
    claims: list[ClaimDraft]
    report: SuperstoreReport


# --------------------------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------------------------

Source = str | os.PathLike | Iterable[str]


def _open_lines(source: Source) -> tuple[str, Iterable[str]]:
    """A path is read whole (2.2 MB): a decoding error then surfaces here, not mid-import."""
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        if not path.is_file():
            raise ImportFileInvalid(f"{path}: no such file", code="import_file_missing")
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise ImportFileInvalid(f"cannot read {path}: {exc}", code="file_unreadable") from exc
        return path.name, io.StringIO(text, newline="")
    return "<memory>", source


def _data_rows(name: str, lines: Iterable[str], columns: tuple[str, ...], what: str
               ) -> Iterable[tuple[int, list[str]]]:
    """Data rows numbered from 1 after checking the header; blank lines are not rows."""
    reader = csv.reader(lines)
    try:
        header = next(reader, None)
        found = tuple(h.strip().lstrip("\ufeff") for h in header or [])
        if found != columns:
            missing = [c for c in columns if c not in found]
            raise ImportFileInvalid(
                f"{name} is not a Superstore {what} file: expected the header {','.join(columns)}",
                [Reason("csv_missing_column" if missing else "unexpected_header",
                        f"missing column {c!r}" if missing else f"found {','.join(found)!r}",
                        location=f"row 1, column {c}" if missing else "row 1")
                 for c in (missing or [None])], code="import_file_invalid")
        row_no = 0
        for fields_ in reader:
            if not fields_:
                continue
            row_no += 1
            yield row_no, fields_
    except csv.Error as exc:
        raise ImportFileInvalid(f"{name}: CSV syntax error near line {reader.line_num}: {exc}",
                                [Reason("csv_syntax", str(exc), location=f"line {reader.line_num}")],
                                code="import_file_invalid") from exc


def _number(text: str) -> Decimal | None:
    text = text.strip()
    return Decimal(text) if NUMBER.fullmatch(text) else None


def _date(text: str) -> datetime | None:
    text = text.strip()
    if not ISO_DATE.fullmatch(text):
        return None
    try:
        # An order date has no time or zone; midnight UTC keeps the calendar day when read back.
        return datetime.combine(date.fromisoformat(text), datetime.min.time(), tzinfo=timezone.utc)
    except ValueError:
        return None


def parse_order_row(row_no: int, fields_: list[str]) -> OrderRow | str:
    """The parsed row, or the reason it cannot be imported."""
    if len(fields_) != len(ORDER_COLUMNS):
        return MALFORMED
    row = dict(zip(ORDER_COLUMNS, (f.strip() for f in fields_)))
    codes = (row["Order ID"], row["Customer ID"], row["Product ID"])
    if not all(codes):
        return MALFORMED
    if max(map(len, codes)) > MAX_CODE:
        return VALUE_TOO_LONG
    when = _date(row["Order Date"])
    if when is None:
        return INVALID_DATE
    sales, quantity = _number(row["Sales"]), _number(row["Quantity"])
    if sales is None or quantity is None:
        return INVALID_NUMBER
    if quantity <= 0:
        return INVALID_QUANTITY
    if sales < 0:
        return NEGATIVE_SALES
    return OrderRow(row_no=row_no, order_id=row["Order ID"], order_date=when,
                    customer_code=row["Customer ID"], country=row["Country/Region"],
                    product_id=row["Product ID"], product_name=row["Product Name"][:MAX_DESCRIPTION],
                    sales=sales, quantity=quantity)


@dataclass
class _Orders:
    """Order rows gathered into sales orders (lines numbered in file order) and master data."""
    company_code: str
    report: SuperstoreReport
    orders: dict[str, OriginalDocument] = field(default_factory=dict)
    sales: dict[tuple[str, int], Decimal] = field(default_factory=dict)  # (order, line) -> Sales
    customers: dict[str, Customer] = field(default_factory=dict)
    items: dict[str, Item] = field(default_factory=dict)

    def add(self, row: OrderRow, source: str) -> None:
        doc = self.orders.get(row.order_id)
        if doc is not None and (doc.customer_code, doc.doc_date) != (row.customer_code, row.order_date):
            self.report.reject(HEADER_MISMATCH, row.row_no)
            return
        if doc is None:
            doc = self.orders[row.order_id] = OriginalDocument(
                company_code=self.company_code, doc_type=DocumentType.SALES_ORDER, number=row.order_id,
                customer_code=row.customer_code, doc_date=row.order_date, currency=CURRENCY,
                source=f"{SOURCE_NAME}:{source}")
        line_no = len(doc.lines) + 1
        doc.lines.append(OriginalDocumentLine(line_no=line_no, item_code=row.product_id, quantity=row.quantity,
                                              unit_price=unit_price(row.sales, row.quantity),
                                              description=row.product_name))
        self.sales[(row.order_id, line_no)] = row.sales
        self.report.order_lines += 1
        self.report.order_total += row.sales
        self.customers.setdefault(row.customer_code, Customer(
            company_code=self.company_code, code=row.customer_code, name=row.customer_code, country=row.country))
        # 32 Product IDs carry two names in the workbook: the first one names the item, each
        # order line keeps its own name as description.
        self.items.setdefault(row.product_id, Item(company_code=self.company_code, code=row.product_id,
                                                   description=row.product_name))


def _returned_order_ids(source: Source, orders: dict[str, OriginalDocument], report: SuperstoreReport) -> list[str]:
    """Distinct returned Order IDs that have an order, in order of first appearance."""
    name, lines = _open_lines(source)
    report.returns_file = name
    seen: set[str] = set()
    returned: list[str] = []
    for row_no, fields_ in _data_rows(name, lines, RETURN_COLUMNS, "Returns"):
        report.return_rows_read += 1
        if len(fields_) != len(RETURN_COLUMNS) or not fields_[1].strip():
            report.reject_return(MALFORMED, row_no)
            continue
        flag, order_id = fields_[0].strip(), fields_[1].strip()
        if flag.lower() != "yes":
            report.reject_return(NOT_RETURNED, row_no)
            continue
        if order_id in seen:
            report.return_duplicates += 1
            continue
        seen.add(order_id)
        if order_id not in orders:
            report.reject_return(RETURN_WITHOUT_ORDER, row_no)
            continue
        returned.append(order_id)
    report.returned_orders = len(returned)
    return returned


def _claim_draft(doc: OriginalDocument, sales: dict[tuple[str, int], Decimal]) -> ClaimDraft:
    draft = ClaimDraft(order_id=doc.number, customer_code=doc.customer_code)
    for line in doc.lines:
        draft.lines.append(ClaimDraftLine(doc_line_no=line.line_no, item_code=line.item_code,
                                          quantity=line.quantity,
                                          amount=round_money(sales[(doc.number, line.line_no)]),
                                          description=line.description))
    return draft


def plan_import(orders_source: Source, returns_source: Source, company_code: str = COMPANY_CODE) -> ImportPlan:
    """Classify every row of both files; every returned order becomes a claim draft. No I/O besides
    reading. Sources: paths, or iterables of CSV lines (io.StringIO)."""
    name, lines = _open_lines(orders_source)
    report = SuperstoreReport(orders_file=name, company_code=company_code)
    collected = _Orders(company_code, report)
    for row_no, fields_ in _data_rows(name, lines, ORDER_COLUMNS, "Orders"):
        report.order_rows_read += 1
        row = parse_order_row(row_no, fields_)
        if isinstance(row, str):
            report.reject(row, row_no)
        else:
            collected.add(row, name)
    returned = _returned_order_ids(returns_source, collected.orders, report)
    drafts = [_claim_draft(collected.orders[order_id], collected.sales) for order_id in returned]
    report.orders, report.customers, report.items = (len(collected.orders), len(collected.customers),
                                                     len(collected.items))
    report.claims = len(drafts)
    report.claim_lines = sum(len(d.lines) for d in drafts)
    report.claimed_amount = sum((d.amount for d in drafts), Decimal("0"))
    return ImportPlan(company_code=company_code, customers=list(collected.customers.values()),
                      items=list(collected.items.values()), orders=list(collected.orders.values()),
                      claims=drafts, report=report)


# --------------------------------------------------------------------------------------------
# Persisting
# --------------------------------------------------------------------------------------------

def import_superstore(uow_factory: Callable[[], UnitOfWork], orders_path: str | os.PathLike,
                      returns_path: str | os.PathLike, company_code: str = COMPANY_CODE,
                      progress: Progress | None = None) -> SuperstoreReport:
    """Import both files into `company_code` (created if absent) and return the report.

    Adds only what is not stored yet: customers and items by code, sales orders by number,
    claims by source_ref. Transactions: one for the company and master data, then orders in
    batches of 500 and claims in batches of 200, each committed whole; a crash leaves whole
    orders and whole claims only and a re-run completes the import. A returned order stored
    before with other lines refuses the import (`import_conflict`) before anything is written.
    Quantity other claims already hold on an order line is not claimed again.
    """
    plan = plan_import(orders_path, returns_path, company_code)
    report = plan.report
    with uow_factory() as uow:
        report.company_created = _ensure_company(uow, company_code)
        stored = _stored_order_numbers(uow, plan)
        refs = uow.claims.source_refs(company_code)
        new_claims = [c for c in plan.claims if c.source_ref not in refs]
        _check_stored_orders(uow, plan, stored, {c.order_id for c in new_claims})
        report.customers_new, report.items_new = _add_master_data(uow, plan)
        uow.commit()
    new_orders = [d for d in plan.orders if d.number not in stored]
    report.orders_already_present = len(plan.orders) - len(new_orders)
    report.claims_already_present = len(plan.claims) - len(new_claims)
    store_in_batches(progress, new_orders, new_claims,
                     report.orders_already_present + report.claims_already_present,
                     lambda batch: _store_orders(uow_factory, batch, report), ORDER_BATCH,
                     lambda batch: _store_claims(uow_factory, company_code, batch, report), CLAIM_BATCH)
    return report


def _ensure_company(uow: UnitOfWork, company_code: str) -> bool:
    if uow.companies.find(company_code) is not None:
        return False
    # rules/companies/SS01/overlay.yaml sets use_claim_history too (the overlay wins at rule
    # time); the company row says the same so both agree for every reader.
    uow.companies.add(Company(code=company_code, name=COMPANY_NAME, currency=CURRENCY, use_claim_history=True))
    return True


def _stored_order_numbers(uow: UnitOfWork, plan: ImportPlan) -> set[str]:
    """The file's order numbers stored in the company already.

    The port lists numbers of every document type; looking each one up by type would cost a
    query per order (5,009 on a re-run). A number another document type uses counts as present;
    for the orders that get a claim `_check_stored_orders` looks the sales order up by type.
    """
    numbers = uow.documents.numbers(plan.company_code)
    return {d.number for d in plan.orders if d.number in numbers}


def _check_stored_orders(uow: UnitOfWork, plan: ImportPlan, stored: set[str], to_claim: set[str]) -> None:
    """Claims address stored order lines by number: refuse, before anything is written, a
    returned order stored with other lines or customer, or whose number is another document's."""
    reasons = []
    for doc in plan.orders:
        if doc.number not in stored or doc.number not in to_claim:
            continue
        found = uow.documents.find(plan.company_code, doc.number, DocumentType.SALES_ORDER)
        if found is None:
            problem = "is the number of another type of document"
        elif found.customer_code != doc.customer_code or \
                [(ln.line_no, ln.item_code, ln.quantity) for ln in found.lines] != \
                [(ln.line_no, ln.item_code, ln.quantity) for ln in doc.lines]:
            problem = "is stored already with other lines or another customer"
        else:
            continue
        reasons.append(Reason("import_conflict", f"sales order {doc.number} {problem}",
                              location=f"Order ID {doc.number}"))
    if reasons:
        raise ImportFileInvalid(f"{len(reasons)} returned order(s) conflict with stored documents; "
                                f"nothing was imported", reasons, code="import_conflict")


def _add_master_data(uow: UnitOfWork, plan: ImportPlan) -> tuple[int, int]:
    known_customers = uow.master_data.customer_codes(plan.company_code)
    known_items = uow.master_data.item_codes(plan.company_code)
    customers = [c for c in plan.customers if c.code not in known_customers]
    items = [i for i in plan.items if i.code not in known_items]
    for customer in customers:
        uow.master_data.add_customer(customer)
    for item in items:
        uow.master_data.add_item(item)
    return len(customers), len(items)


def _store_orders(uow_factory: Callable[[], UnitOfWork], batch: list[OriginalDocument],
                  report: SuperstoreReport) -> None:
    with uow_factory() as uow:
        for doc in batch:
            uow.documents.add(doc)
        uow.commit()
    report.orders_new += len(batch)
    report.order_lines_new += sum(len(d.lines) for d in batch)


def _store_claims(uow_factory: Callable[[], UnitOfWork], company_code: str, batch: list[ClaimDraft],
                  report: SuperstoreReport) -> None:
    with uow_factory() as uow:
        company = uow.companies.get_for_update(company_code)
        documents = {d.order_id: uow.documents.get(company_code, d.order_id, DocumentType.SALES_ORDER)
                     for d in batch}
        held = uow.documents.held_quantities([ln.id for doc in documents.values() for ln in doc.lines])
        claims = []
        for draft in batch:
            claim = _claim(company, draft, documents[draft.order_id], held, report)
            if claim is not None:
                uow.claims.add(claim)
                claims.append(claim)
        uow.commit()
    report.claims_new += len(claims)
    report.claim_lines_new += sum(len(c.lines) for c in claims)
    report.claimed_amount_new += sum((ln.amount for c in claims for ln in c.lines), Decimal("0"))


def _claim(company: Company, draft: ClaimDraft, document: OriginalDocument, held: dict[int, Decimal],
           report: SuperstoreReport) -> Claim | None:
    """The claim of a returned order, or None when other claims already hold every line.

    A line partly held by other claims is claimed for the rest, its amount in proportion.
    """
    claim = Claim(company_code=company.code, number="", customer_code=draft.customer_code, currency=CURRENCY,
                  origin=ClaimOrigin.DOCUMENT, invoice_procedure=InvoiceProcedure.CREDIT_NOTE_BASED,
                  status=HeaderStatus.FREE, source_ref=draft.source_ref, created_at=datetime.now(timezone.utc),
                  document_id=document.id, document_number=document.number, document_type=document.doc_type,
                  internal_text=f"Imported from {SOURCE_NAME}: order {draft.order_id} was returned")
    for line in draft.lines:
        doc_line = document.line(line.doc_line_no)
        free = line.quantity - held.get(doc_line.id, Decimal("0"))
        if free <= 0:
            report.claim_lines_fully_claimed += 1
            continue
        amount = line.amount if free == line.quantity else round_money(line.amount * free / line.quantity)
        claim.lines.append(ClaimLine(
            line_no=(len(claim.lines) + 1) * company.line_step, item_code=line.item_code, quantity=free,
            amount=amount, claim_method=ClaimMethod.REIMBURSE_COSTS, status=LineStatus.FREE,
            description=line.description, doc_line_id=doc_line.id))
    if not claim.lines:
        report.claims_fully_claimed += 1
        return None
    claim.number = company.next_claim_number()
    return claim
