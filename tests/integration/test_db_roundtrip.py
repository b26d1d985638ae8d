"""Every aggregate survives a trip through the database with exact Decimals and UTC timestamps."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import text
from sqlalchemy.exc import StatementError

from builders import D, claim, claim_line, company, customer, document, seed
from claimflow.engine.domain.model import AuditEntry, Claim, ClaimLine, OutboundDocument, OutboxEvent
from claimflow.engine.domain.statuses import LineStatus, OutboundKind

BIG = Decimal("12345678901234.5678")


def test_a_company_and_its_claim_parameters_come_back_unchanged(uow_factory):
    with uow_factory() as uow:
        uow.companies.add(company("ACME", use_claim_history=True, document_approval=True,
                                  claim_number_prefix="R-", line_step=5, next_claim_seq=42))
        uow.commit()
    with uow_factory() as uow:
        stored = uow.companies.get("ACME")
        assert (stored.name, stored.currency, stored.claim_number_prefix) == ("ACME Ltd", "EUR", "R-")
        assert stored.parameters() == {"use_claim_history": True, "inventory_allocations_required": False,
                                       "document_approval": True}
        assert (stored.line_step, stored.next_claim_number()) == (5, "R-000042")
        uow.commit()
    with uow_factory() as uow:
        assert uow.companies.get("ACME").next_claim_seq == 43
        assert [c.code for c in uow.companies.list()] == ["ACME"]


def test_customers_and_items_are_found_by_company_and_code(uow_factory):
    seed(uow_factory, documents=[])
    with uow_factory() as uow:
        uow.companies.add(company("OTHER"))
        uow.master_data.add_customer(customer("C002", company_code="OTHER"))
        uow.commit()
    with uow_factory() as uow:
        assert uow.master_data.customer("ACME", "C001").country == "ES"
        assert uow.master_data.customer("OTHER", "C001") is None
        assert uow.master_data.item("ACME", "ITEM-1").description == "Item ITEM-1"
        assert uow.master_data.customer_codes("ACME") == {"C001"}
        assert uow.master_data.item_codes("ACME") == {"ITEM-1"}
        assert uow.master_data.item_codes("OTHER") == set()


def test_an_original_document_keeps_its_lines_in_order_with_exact_decimals(uow_factory):
    tenth_plus_fifth = Decimal("0.1") + Decimal("0.2")
    seed(uow_factory, documents=[document(lines=[("ITEM-1", str(tenth_plus_fifth), "0.0001"),
                                                 ("ITEM-2", "1", str(BIG)),
                                                 ("ITEM-3", "-3.5", "-" + str(BIG))])])
    with uow_factory() as uow:
        doc = uow.documents.get("ACME", "INV-0001")
        assert [ln.line_no for ln in doc.lines] == [10, 20, 30]
        first, second, third = doc.lines
        assert first.quantity == Decimal("0.3") and isinstance(first.quantity, Decimal)
        assert first.unit_price == Decimal("0.0001")
        assert second.unit_price == BIG and str(second.unit_price) == "12345678901234.5678"
        assert (third.quantity, third.unit_price) == (Decimal("-3.5"), -BIG)
        assert doc.doc_date == datetime(2024, 5, 1, tzinfo=timezone.utc)
        assert all(ln.document_id == doc.id for ln in doc.lines)


def test_documents_are_found_by_number_type_and_customer(uow_factory):
    seed(uow_factory, documents=[document("D-1"), document("D-1", doc_type="sales_order"),
                                 document("D-2", customer_code="C009")])
    with uow_factory() as uow:
        assert uow.documents.get("ACME", "D-1", "sales_order").doc_type == "sales_order"
        assert uow.documents.find("ACME", "D-1").doc_type == "invoice"
        assert uow.documents.find("ACME", "D-3") is None
        assert uow.documents.numbers("ACME") == {"D-1", "D-2"}
        assert [d.number for d in uow.documents.for_customer("ACME", "C009")] == ["D-2"]


def test_a_claim_with_lines_and_outbound_documents_comes_back_exactly(uow_factory):
    (doc,) = seed(uow_factory)
    created = datetime(2024, 5, 3, 12, 0, tzinfo=timezone.utc)
    with uow_factory() as uow:
        new = claim(lines=[claim_line(20, "0.3", "0.75", status=LineStatus.APPROVED,
                                      approved_quantity=D("0.1") + D("0.2"), approved_amount=BIG,
                                      doc_line_id=doc.lines[0].id),
                           claim_line(10, "1", "2.50", use_estimates=True, rejection_reason="damaged",
                                      rejection_text="box crushed")],
                    document_id=doc.id, document_number=doc.number, document_type=doc.doc_type,
                    source_ref="ext-1", ruleset_hash="abc123", internal_text="note")
        new.documents.append(OutboundDocument(kind=OutboundKind.CREDIT_NOTE, number="CN-1", line_no=20,
                                              amount=D("0.75"), currency="EUR", quantity=D("0.3"),
                                              created_at=created))
        uow.claims.add(new)
        assert new.id is not None and all(ln.claim_id == new.id for ln in new.lines)
        uow.commit()
    with uow_factory() as uow:
        stored = uow.claims.get("ACME", "CLM-000001")
        assert [ln.line_no for ln in stored.lines] == [10, 20]
        line = stored.line(20)
        assert line.status == LineStatus.APPROVED and line.approved
        assert (line.quantity, line.amount) == (Decimal("0.3"), Decimal("0.75"))
        assert (line.approved_quantity, line.approved_amount) == (Decimal("0.3"), BIG)
        assert line.doc_line_id == doc.lines[0].id
        assert stored.line(10).use_estimates and stored.line(10).rejection_text == "box crushed"
        assert stored.line(10).approved_quantity is None
        note = stored.live_credit_note(20)
        assert (note.number, note.amount, note.quantity, note.created_at) == ("CN-1", D("0.75"), D("0.3"), created)
        assert (stored.document_id, stored.source_ref, stored.ruleset_hash) == (doc.id, "ext-1", "abc123")
        assert stored.version == 1


def test_mapped_dataclasses_still_apply_their_defaults(uow_factory):
    fresh = Claim(company_code="ACME", number="X", customer_code="C001", currency="EUR")
    assert (fresh.lines, fresh.documents, fresh.version, fresh.status) == ([], [], 1, "free")
    assert ClaimLine(line_no=1, item_code="I", quantity=D("1"), amount=D("1")).status == "free"
    other = Claim(company_code="ACME", number="Y", customer_code="C001", currency="EUR")
    assert other.lines is not fresh.lines
    seed(uow_factory, documents=[])
    with uow_factory() as uow:
        uow.claims.add(fresh)
        uow.commit()
    with uow_factory() as uow:
        stored = uow.claims.get("ACME", "X")
        assert (stored.lines, stored.documents, stored.origin, stored.partially_approved) == ([], [], "manual", False)


def test_the_audit_trail_and_outbox_events_round_trip(uow_factory):
    at = datetime(2024, 5, 4, 8, 0, tzinfo=timezone(timedelta(hours=2)))
    with uow_factory() as uow:
        uow.audit.add(AuditEntry(company_code="ACME", claim_number="CLM-1", command="submit", actor="ana",
                                 at=at, rule_id="submit.route", ruleset_hash="h1", from_status="free",
                                 to_status="pending_approval", line_no=10))
        uow.outbox.add(OutboxEvent(topic="credit_note.requested",
                                   payload={"number": "CN-1", "amount": D("0.30"), "lines": [1, 2]},
                                   created_at=at))
        uow.commit()
    with uow_factory() as uow:
        (entry,) = uow.audit.for_claim("ACME", "CLM-1")
        assert (entry.rule_id, entry.line_no, entry.to_status) == ("submit.route", 10, "pending_approval")
        assert entry.at == at and entry.at.tzinfo == timezone.utc
        event = uow.session.query(OutboxEvent).one()
        # Decimals in a payload travel as strings, never as float.
        assert event.payload == {"number": "CN-1", "amount": "0.30", "lines": [1, 2]}


def test_naive_timestamps_are_taken_as_utc(uow_factory):
    seed(uow_factory, documents=[document(doc_date=datetime(2010, 12, 1, 8, 26))])
    with uow_factory() as uow:
        assert uow.documents.get("ACME", "INV-0001").doc_date == datetime(2010, 12, 1, 8, 26, tzinfo=timezone.utc)


@pytest.mark.parametrize("bad, why", [(D("0.00001"), "more than 4 decimal places"),
                                      (D("100000000000000"), "does not fit"),
                                      (0.1, "must be Decimal")])
def test_an_amount_the_column_cannot_hold_exactly_is_refused_not_rounded(uow_factory, bad, why):
    seed(uow_factory, documents=[])
    with uow_factory() as uow:
        with pytest.raises(StatementError, match=why):
            uow.claims.add(claim(lines=[ClaimLine(line_no=10, item_code="I", quantity=D("1"), amount=bad)]))


def test_amounts_are_stored_as_text_on_sqlite_never_as_real(uow_factory, db_url):
    if not db_url.startswith("sqlite"):
        pytest.skip("SQLite storage class only")
    seed(uow_factory)
    with uow_factory() as uow:
        kinds = uow.session.execute(text("SELECT DISTINCT typeof(quantity) || typeof(unit_price) "
                                         "FROM original_document_lines")).scalars().all()
    assert kinds == ["texttext"]
