"""A claim's life through ClaimService, on SQLite and PostgreSQL, with the real engine and base rules."""
from __future__ import annotations

from decimal import Decimal

import pytest

from builders import COMPANY, INVOICE
from claimflow.engine.domain.errors import CommandDenied, Conflict
from service_helpers import make_service, run, seeded_claim, snapshot

ONE_LINE = [("ITEM-1", "10", "2.50")]


def _credit_notes(claim):
    return [d for d in claim.documents if d.kind == "credit_note"]


def test_a_claim_copied_from_an_invoice_is_approved_credited_settled_and_closed(uow_factory):
    service = make_service(uow_factory)
    number = seeded_claim(uow_factory, service, ONE_LINE)

    registered, _ = service.show(COMPANY, number)
    assert (registered.status, registered.document_number, registered.origin) == ("free", INVOICE, "document")
    assert [(ln.quantity, ln.amount, ln.status) for ln in registered.lines] == [(Decimal("10"), Decimal("25.00"), "free")]
    assert registered.lines[0].doc_line_id is not None

    submitted = run(service, "submit", number).claim
    assert (submitted.status, [ln.status for ln in submitted.lines]) == ("pending_approval", ["pending_approval"])

    approved = run(service, "approve_claim", number).claim
    assert approved.status == "approved"
    assert [ln.status for ln in approved.lines] == ["approved"]
    notes = _credit_notes(approved)
    assert [(n.amount, n.currency, n.status, n.line_no) for n in notes] == [(Decimal("25.00"), "EUR", "open", 10)]

    settled = run(service, "finalize_credit_note", number, document_number=notes[0].number).claim
    assert [ln.status for ln in settled.lines] == ["settled"]
    assert [n.status for n in _credit_notes(settled)] == ["final"]

    closed = run(service, "close", number).claim
    assert closed.status == "closed"

    stored, audit = service.show(COMPANY, number)
    assert stored.status == "closed" and len(_credit_notes(stored)) == 1
    assert [(a.line_no, a.from_status, a.to_status) for a in audit] == [
        (None, "free", "pending_approval"), (10, "free", "pending_approval"),
        (10, "pending_approval", "approved"), (None, "pending_approval", "approved"),
        (10, "approved", "settled"), (None, "approved", "closed")]


def test_every_status_change_is_audited_with_its_rule_and_the_rule_set_hash(uow_factory):
    service = make_service(uow_factory)
    number = seeded_claim(uow_factory, service)
    ruleset = service.rulebook.for_company(COMPANY)
    changes = 0
    for name, fields in (("submit", {}), ("approve_line", {"line_no": 10}), ("reject_line", {"line_no": 20, "reason": "LATE"})):
        changes += len(run(service, name, number, **fields).effects.changes)
    _, audit = service.show(COMPANY, number)
    assert len(audit) == changes > 0
    rule_ids = {r.id for r in ruleset.rules}
    for entry in audit:
        assert entry.rule_id in rule_ids
        assert entry.ruleset_hash == ruleset.hash
        assert entry.actor == "tester" and entry.at is not None
    assert {a.rule_id for a in audit} >= {"submit.header", "approve.line", "reject.line", "header.approved"}


def test_a_refused_command_changes_nothing(uow_factory):
    service = make_service(uow_factory)
    number = seeded_claim(uow_factory, service)
    run(service, "submit", number)
    before = snapshot(uow_factory, number)
    with pytest.raises(CommandDenied) as refused:
        run(service, "close", number)
    assert refused.value.code == "claim_not_closable"
    with pytest.raises(CommandDenied) as refused:
        run(service, "reject_line", number, line_no=10)
    assert refused.value.code == "rejection_reason_required"
    with pytest.raises(CommandDenied) as refused:
        run(service, "approve_line", number, line_no=10, approved_quantity=Decimal("11"))
    assert "approved_quantity_too_high" in {r.code for r in refused.value.reasons}
    assert snapshot(uow_factory, number) == before


def test_a_stale_expected_version_is_a_conflict_and_changes_nothing(uow_factory):
    service = make_service(uow_factory)
    number = seeded_claim(uow_factory, service)
    stale = snapshot(uow_factory, number).version
    run(service, "submit", number, expected_version=stale)
    before = snapshot(uow_factory, number)
    assert before.version > stale
    with pytest.raises(Conflict) as conflict:
        run(service, "approve_claim", number, expected_version=stale)
    assert conflict.value.code == "version_conflict"
    assert snapshot(uow_factory, number) == before
    run(service, "approve_claim", number, expected_version=before.version)  # the current version passes
    assert snapshot(uow_factory, number).status == "approved"


def test_approving_twice_yields_one_credit_note_per_line(uow_factory):
    service = make_service(uow_factory)
    number = seeded_claim(uow_factory, service, ONE_LINE)
    run(service, "submit", number)
    run(service, "approve_claim", number)
    after_first = snapshot(uow_factory, number)
    with pytest.raises(CommandDenied):
        run(service, "approve_claim", number)
    with pytest.raises(CommandDenied):
        run(service, "approve_line", number, line_no=10)
    assert snapshot(uow_factory, number) == after_first
    assert len(after_first.documents) == 1


def test_a_partial_quantity_is_credited_pro_rata(uow_factory):
    service = make_service(uow_factory)
    number = seeded_claim(uow_factory, service, ONE_LINE)
    run(service, "submit", number)
    approved = run(service, "approve_line", number, line_no=10, approved_quantity=Decimal("4")).claim
    line = approved.lines[0]
    assert (line.approved_quantity, line.approved_amount) == (Decimal("4"), Decimal("10.00"))
    assert [n.amount for n in _credit_notes(approved)] == [Decimal("10.00")]


def test_approving_one_line_and_rejecting_the_other_sets_partially_approved(uow_factory):
    service = make_service(uow_factory)
    number = seeded_claim(uow_factory, service)
    run(service, "submit", number)
    after_approval = run(service, "approve_line", number, line_no=10).claim
    assert after_approval.status == "pending_approval"  # line 20 is still undecided
    done = run(service, "reject_line", number, line_no=20, reason="LATE", text="reported too late").claim
    assert (done.status, done.partially_approved) == ("approved", True)
    assert [(ln.line_no, ln.status) for ln in done.lines] == [(10, "approved"), (20, "rejected")]
    assert (done.lines[1].rejection_reason, done.lines[1].rejection_text) == ("LATE", "reported too late")
    assert [(n.line_no, n.amount) for n in _credit_notes(done)] == [(10, Decimal("25.00"))]


def test_rejecting_every_line_rejects_the_claim_which_then_closes(uow_factory):
    service = make_service(uow_factory)
    number = seeded_claim(uow_factory, service)
    run(service, "submit", number)
    rejected = run(service, "reject_claim", number, reason="NO-PROOF").claim
    assert (rejected.status, rejected.partially_approved) == ("rejected", False)
    assert {ln.status for ln in rejected.lines} == {"rejected"}
    assert _credit_notes(rejected) == []
    assert run(service, "close", number).claim.status == "closed"
    assert snapshot(uow_factory, number).documents == ()
