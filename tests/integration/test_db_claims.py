"""Claims in the database: deletion, version conflicts, row locks, held quantities, not-found and duplicates."""
from __future__ import annotations

import threading
import time
from datetime import datetime, timezone
from decimal import Decimal

import pytest
from sqlalchemy import text

from builders import D, claim, claim_line, company, customer, document, seed
from claimflow.engine.domain.errors import Conflict, NotFound
from claimflow.engine.domain.model import AuditEntry, OutboundDocument
from claimflow.engine.domain.statuses import LineStatus


def _audit(number: str) -> AuditEntry:
    return AuditEntry(company_code="ACME", claim_number=number, command="create", actor="ana",
                      at=datetime(2024, 5, 5, tzinfo=timezone.utc), rule_id="r", ruleset_hash="h",
                      from_status="", to_status="free")


def _store_claim(uow_factory, **kwargs):
    with uow_factory() as uow:
        new = claim(**kwargs)
        uow.claims.add(new)
        uow.commit()
    return new


def test_deleting_a_claim_removes_its_lines_and_documents_but_keeps_its_audit_trail(uow_factory):
    seed(uow_factory)
    with uow_factory() as uow:
        doomed = claim(lines=[claim_line(10), claim_line(20)])
        doomed.documents.append(OutboundDocument(kind="credit_note", number="CN-1", line_no=10,
                                                 amount=D("2.50"), currency="EUR"))
        uow.claims.add(doomed)
        uow.audit.add(_audit(doomed.number))
        uow.commit()
    with uow_factory() as uow:
        uow.claims.delete(uow.claims.get_for_update("ACME", "CLM-000001"))
        uow.commit()
    with uow_factory() as uow:
        count = lambda table: uow.session.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
        assert (count("claims"), count("claim_lines"), count("outbound_documents")) == (0, 0, 0)
        assert len(uow.audit.for_claim("ACME", "CLM-000001")) == 1
        assert uow.documents.get("ACME", "INV-0001").lines  # the original document is untouched


def test_deleting_claim_rows_in_sql_cascades_to_lines_and_documents(uow_factory):
    seed(uow_factory)
    stored = _store_claim(uow_factory, lines=[claim_line(10)])
    with uow_factory() as uow:
        uow.session.execute(text("DELETE FROM claims WHERE id = :id"), {"id": stored.id})
        assert uow.session.execute(text("SELECT count(*) FROM claim_lines")).scalar_one() == 0


def test_a_claim_changed_by_someone_else_since_it_was_loaded_raises_conflict(uow_factory):
    seed(uow_factory)
    _store_claim(uow_factory)
    with pytest.raises(Conflict) as caught:
        with uow_factory() as uow:
            loaded = uow.claims.get("ACME", "CLM-000001")
            # Another writer's committed change, as the version column sees it.
            uow.session.execute(text("UPDATE claims SET version = version + 1"))
            loaded.internal_text = "mine"
            uow.commit()
    assert caught.value.code == "conflict"
    assert "changed by someone else" in caught.value.message and "retry" in caught.value.message


@pytest.mark.postgres
def test_of_two_sessions_changing_the_same_claim_the_second_to_commit_gets_conflict(uow_factory, db_url):
    if db_url.startswith("sqlite"):
        pytest.skip("SQLite serialises writers (BEGIN IMMEDIATE): two sessions cannot interleave")
    seed(uow_factory)
    _store_claim(uow_factory)
    first, second = uow_factory(), uow_factory()
    with first, second:
        mine, theirs = first.claims.get("ACME", "CLM-000001"), second.claims.get("ACME", "CLM-000001")
        mine.internal_text, theirs.internal_text = "first", "second"
        first.commit()
        with pytest.raises(Conflict, match="changed by someone else"):
            second.commit()
    with uow_factory() as uow:
        stored = uow.claims.get("ACME", "CLM-000001")
        assert (stored.internal_text, stored.version) == ("first", 2)


def test_a_writer_waits_for_the_claim_lock_and_then_reads_the_committed_values(uow_factory):
    seed(uow_factory)
    _store_claim(uow_factory, lines=[claim_line(10, status=LineStatus.FREE)])
    seen = {}
    done = threading.Event()

    def second_writer():
        with uow_factory() as uow:
            locked = uow.claims.get_for_update("ACME", "CLM-000001")
            seen.update(text=locked.internal_text, status=locked.line(10).status, version=locked.version)
            locked.internal_text = "second"
            uow.commit()
        done.set()

    with uow_factory() as uow:
        held = uow.claims.get_for_update("ACME", "CLM-000001")
        held.internal_text = "first"
        held.line(10).status = LineStatus.PENDING_APPROVAL
        uow.session.flush()
        worker = threading.Thread(target=second_writer)
        worker.start()
        time.sleep(0.5)
        assert not done.is_set(), "the second writer must wait for the lock"
        uow.commit()
    worker.join(timeout=30)
    assert seen == {"text": "first", "status": "pending_approval", "version": 2}
    with uow_factory() as uow:
        assert uow.claims.get("ACME", "CLM-000001").version == 3


def test_get_for_update_overwrites_values_the_session_had_cached(uow_factory):
    seed(uow_factory)
    _store_claim(uow_factory)
    with uow_factory() as uow:
        cached = uow.claims.get("ACME", "CLM-000001")
        uow.session.execute(text("UPDATE claim_lines SET status = 'rejected'"))
        uow.session.execute(text("UPDATE claims SET internal_text = 'fresh'"))
        locked = uow.claims.get_for_update("ACME", "CLM-000001")
        assert locked is cached
        assert (locked.internal_text, locked.lines[0].status) == ("fresh", "rejected")


def test_the_company_row_can_be_locked_to_number_claims(uow_factory):
    seed(uow_factory, documents=[])
    with uow_factory() as uow:
        numbers = [uow.companies.get_for_update("ACME").next_claim_number() for _ in range(2)]
        uow.commit()
    with uow_factory() as uow:
        assert numbers == ["CLM-000001", "CLM-000002"]
        assert uow.companies.get("ACME").next_claim_seq == 3


def test_held_quantities_sum_claim_lines_that_are_not_rejected_or_canceled(uow_factory):
    (doc,) = seed(uow_factory, documents=[document(lines=[("ITEM-1", "10", "1"), ("ITEM-1", "5", "1"),
                                                           ("ITEM-1", "1", "1")])])
    first, second, third = (ln.id for ln in doc.lines)
    _store_claim(uow_factory, number="A", lines=[
        claim_line(10, "0.1", doc_line_id=first), claim_line(20, "0.2", doc_line_id=first),
        claim_line(30, "4", doc_line_id=second, status=LineStatus.REJECTED),
        claim_line(40, "1", doc_line_id=second, status=LineStatus.CANCELED)])
    other = _store_claim(uow_factory, number="B", lines=[
        claim_line(10, "2", doc_line_id=first, status=LineStatus.SETTLED),
        claim_line(20, "1.5", doc_line_id=second, status=LineStatus.PENDING_APPROVAL)])
    with uow_factory() as uow:
        held = uow.documents.held_quantities([first, second, third])
        assert held == {first: Decimal("2.3"), second: Decimal("1.5"), third: Decimal("0")}
        assert all(isinstance(q, Decimal) for q in held.values())
        assert uow.documents.held_quantities([first, second], excluding_claim_id=other.id) == {
            first: Decimal("0.3"), second: Decimal("0")}
        assert uow.documents.held_quantities([]) == {}


def test_missing_records_raise_not_found_with_their_own_codes(uow_factory):
    seed(uow_factory, documents=[])
    with uow_factory() as uow:
        cases = [(lambda: uow.companies.get("NOPE"), "company_not_found", "NOPE"),
                 (lambda: uow.companies.get_for_update("NOPE"), "company_not_found", "NOPE"),
                 (lambda: uow.documents.get("ACME", "INV-9"), "document_not_found", "INV-9"),
                 (lambda: uow.claims.get("ACME", "CLM-9"), "claim_not_found", "CLM-9"),
                 (lambda: uow.claims.get_for_update("ACME", "CLM-9"), "claim_not_found", "CLM-9")]
        for call, code, name in cases:
            with pytest.raises(NotFound) as caught:
                call()
            assert caught.value.code == code and name in caught.value.message
        assert uow.companies.find("NOPE") is None and uow.documents.find("ACME", "INV-9") is None


def test_a_duplicate_claim_number_raises_conflict_with_code_duplicate(uow_factory):
    seed(uow_factory)
    _store_claim(uow_factory)
    with uow_factory() as uow:
        with pytest.raises(Conflict) as caught:
            uow.claims.add(claim())
    assert caught.value.code == "duplicate"
    assert "claim" in caught.value.message and "company_code + number" in caught.value.message


def test_a_duplicate_found_at_commit_is_translated_too(uow_factory):
    with pytest.raises(Conflict) as caught:
        with uow_factory() as uow:
            uow.session.add_all([company("ACME"), company("ACME2")])
            uow.session.add(customer())
            uow.session.add(customer())
            uow.commit()
    assert caught.value.code == "duplicate" and "customer" in caught.value.message


def test_claims_without_a_source_reference_coexist_but_a_repeated_reference_is_a_duplicate(uow_factory):
    seed(uow_factory)
    _store_claim(uow_factory, number="A")
    _store_claim(uow_factory, number="B")
    _store_claim(uow_factory, number="C", source_ref="ext-1")
    with uow_factory() as uow:
        assert uow.claims.source_refs("ACME") == {"ext-1"}
        with pytest.raises(Conflict, match="source_ref") as caught:
            uow.claims.add(claim("D", source_ref="ext-1"))
    assert caught.value.code == "duplicate"


def test_leaving_the_unit_of_work_without_commit_rolls_back(uow_factory):
    with uow_factory() as uow:
        uow.companies.add(company())
    with uow_factory() as uow:
        assert uow.companies.find("ACME") is None


def test_claims_are_listed_by_company_and_status_in_number_order(uow_factory):
    seed(uow_factory)
    for number, status in [("C", "free"), ("A", "approved"), ("B", "free")]:
        _store_claim(uow_factory, number=number, status=status)
    with uow_factory() as uow:
        uow.companies.add(company("OTHER"))
        assert [c.number for c in uow.claims.list("ACME")] == ["A", "B", "C"]
        assert [c.number for c in uow.claims.list("ACME", status="free")] == ["B", "C"]
        assert [c.number for c in uow.claims.list("ACME", limit=1, offset=1)] == ["B"]
        assert uow.claims.numbers("ACME", status="approved") == ["A"]
        assert uow.claims.numbers("OTHER") == []


def test_a_claim_loaded_in_a_closed_unit_of_work_can_still_be_read(uow_factory):
    seed(uow_factory)
    _store_claim(uow_factory, lines=[claim_line(10), claim_line(20)])
    with uow_factory() as uow:
        loaded = uow.claims.get("ACME", "CLM-000001")
    assert [ln.line_no for ln in loaded.lines] == [10, 20] and loaded.documents == []
