"""Importing Online Retail into a real database: idempotence, holds, whole batches."""
from __future__ import annotations

from decimal import Decimal

import pytest

from claimflow.adapters.sources import online_retail
from claimflow.adapters.sources.online_retail import import_online_retail
from claimflow.engine.domain.model import Claim, ClaimLine
from claimflow.engine.settings import bundled_data_dir

REAL_FILE = bundled_data_dir() / "online-retail" / "online_retail_2010-12.csv"
HEADER = "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n"
COMPANY = "UK01"


@pytest.fixture(scope="module")
def real_slice_text() -> str:
    with open(REAL_FILE, encoding="utf-8", newline="") as f:
        return "".join(next(f) for _ in range(3_001))  # header + 3,000 rows (no quoted newlines)


@pytest.fixture
def real_slice(tmp_path, real_slice_text):
    path = tmp_path / "slice.csv"
    path.write_text(real_slice_text, encoding="utf-8", newline="")
    return path


def write_csv(tmp_path, name, *rows):
    path = tmp_path / name
    path.write_text(HEADER + "".join(r + "\n" for r in rows), encoding="utf-8")
    return path


def stored_claims(uow_factory) -> list[Claim]:
    with uow_factory() as uow:
        claims = uow.claims.list(COMPANY, limit=100_000)
        return [_snapshot(c) for c in claims]


def _snapshot(claim: Claim) -> Claim:
    """Copy what the assertions read, so nothing is lazily loaded after the session closed."""
    copy = Claim(company_code=claim.company_code, number=claim.number, customer_code=claim.customer_code,
                 currency=claim.currency, origin=claim.origin, source_ref=claim.source_ref,
                 document_number=claim.document_number, document_id=claim.document_id)
    copy.lines = [ClaimLine(line_no=ln.line_no, item_code=ln.item_code, quantity=ln.quantity,
                            amount=ln.amount, doc_line_id=ln.doc_line_id, status=ln.status)
                  for ln in claim.lines]
    return copy


def invoice_line_quantities(uow_factory, numbers) -> dict[int, Decimal]:
    with uow_factory() as uow:
        return {ln.id: ln.quantity for n in numbers
                for ln in uow.documents.get(COMPANY, n, "invoice").lines}


def test_importing_the_same_slice_twice_creates_nothing_twice(uow_factory, real_slice):
    first = import_online_retail(uow_factory, real_slice, COMPANY)
    second = import_online_retail(uow_factory, real_slice, COMPANY)

    assert first.company_created and not second.company_created
    assert first.invoices_new == first.invoices > 0
    assert first.claims_new == first.claims_from_document + first.claims_without_document > 0
    assert (second.invoices_new, second.invoice_lines_new, second.claims_new,
            second.customers_new, second.items_new) == (0, 0, 0, 0, 0)
    assert second.invoices_already_present == first.invoices_new
    assert second.invoice_lines_already_present == first.invoice_lines_new
    assert second.claims_already_present == first.claims_new
    claims = stored_claims(uow_factory)
    assert len({c.source_ref for c in claims}) == len(claims) == first.claims_new
    assert sorted(c.number for c in claims) == [f"CLM-{i:06d}" for i in range(1, len(claims) + 1)]


def test_stored_claims_never_exceed_the_invoiced_quantity_and_carry_two_decimal_amounts(
        uow_factory, real_slice):
    report = import_online_retail(uow_factory, real_slice, COMPANY)
    claims = stored_claims(uow_factory)
    assert report.claims_new_from_document > 0 and report.claims_new_without_document > 0
    held: dict[int, Decimal] = {}
    for claim in claims:
        for line in claim.lines:
            assert isinstance(line.amount, Decimal) and line.amount == line.amount.quantize(Decimal("0.01"))
            assert isinstance(line.quantity, Decimal) and line.quantity > 0
            if line.doc_line_id is not None:
                held[line.doc_line_id] = held.get(line.doc_line_id, Decimal("0")) + line.quantity
    invoiced = invoice_line_quantities(uow_factory, {c.document_number for c in claims if c.document_number})
    assert held and all(q <= invoiced[line_id] for line_id, q in held.items())


def test_claims_link_to_their_invoice_lines_and_number_lines_by_the_company_step(uow_factory, real_slice):
    import_online_retail(uow_factory, real_slice, COMPANY)
    claims = stored_claims(uow_factory)
    from_doc = [c for c in claims if c.document_number]
    without = [c for c in claims if not c.document_number]
    assert from_doc and without
    assert all(c.origin == "document" and c.document_id is not None for c in from_doc)
    assert all(ln.doc_line_id is not None for c in from_doc for ln in c.lines)
    assert all(c.origin == "manual" and c.source_ref.endswith(">-") for c in without)
    assert all(ln.doc_line_id is None for c in without for ln in c.lines)
    assert all([ln.line_no for ln in c.lines] == [10 * i for i in range(1, len(c.lines) + 1)] for c in claims)


def test_quantity_held_by_other_claims_is_respected_and_a_rerun_still_creates_nothing_twice(
        uow_factory, tmp_path):
    purchases = ("536001,22926,THERMOMETER,5,2010-12-01 09:00:00,5.00,100,United Kingdom",
                 "536002,22926,THERMOMETER,5,2010-12-02 09:00:00,6.00,100,United Kingdom")
    cancellation = "C536003,22926,THERMOMETER,-6,2010-12-03 09:00:00,5.95,100,United Kingdom"
    import_online_retail(uow_factory, write_csv(tmp_path, "a.csv", *purchases), COMPANY)
    with uow_factory() as uow:  # a handler's claim holds 4 of the newest invoice's 5
        company = uow.companies.get_for_update(COMPANY)
        line = uow.documents.get(COMPANY, "536002", "invoice").lines[0]
        uow.claims.add(Claim(company_code=COMPANY, number=company.next_claim_number(),
                             customer_code="100", currency="GBP", lines=[ClaimLine(
                                 line_no=10, item_code="22926", quantity=Decimal("4"),
                                 amount=Decimal("24.00"), doc_line_id=line.id)]))
        uow.commit()

    full = write_csv(tmp_path, "b.csv", *purchases, cancellation)
    first = import_online_retail(uow_factory, full, COMPANY)
    second = import_online_retail(uow_factory, full, COMPANY)

    imported = {c.source_ref: c for c in stored_claims(uow_factory) if c.source_ref}
    assert [ln.quantity for ln in imported["C536003>536002"].lines] == [Decimal("1")]
    assert [ln.quantity for ln in imported["C536003>536001"].lines] == [Decimal("5")]
    assert first.claims_new == 2 and (second.claims_new, second.claims_already_present) == (0, 2)


def test_a_crash_between_claim_batches_leaves_whole_claims_and_a_rerun_completes_the_import(
        uow_factory, real_slice, monkeypatch):
    monkeypatch.setattr(online_retail, "CLAIM_BATCH", 3)
    commits = 0

    def failing_factory():
        uow = uow_factory()
        real_commit = uow.commit

        def commit():
            nonlocal commits
            commits += 1
            if commits == 4:  # master data, invoices, one claim batch, then the crash
                raise RuntimeError("power cut")
            real_commit()
        uow.commit = commit
        return uow

    with pytest.raises(RuntimeError):
        import_online_retail(failing_factory, real_slice, COMPANY)
    partial = stored_claims(uow_factory)
    assert len(partial) == 3 and all(c.lines for c in partial)

    done = import_online_retail(uow_factory, real_slice, COMPANY)
    claims = stored_claims(uow_factory)
    assert done.claims_already_present == 3 and done.claims_new == len(claims) - 3
    planned = done.claims_from_document + done.claims_without_document
    assert len({c.source_ref for c in claims}) == len(claims) == planned


def test_progress_is_reported_up_to_the_total(uow_factory, real_slice):
    calls = []
    import_online_retail(uow_factory, real_slice, COMPANY,
                         progress=lambda done, total: calls.append((done, total)))
    assert calls[-1][0] == calls[-1][1] > 0
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)
