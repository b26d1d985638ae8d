"""The acceptance journeys S01-S16 (shared/acceptance/scenarios.yaml), through the service layer,
on SQLite and PostgreSQL, with the durable-rules evaluator."""
from __future__ import annotations

import pytest

from claimflow.engine.domain.errors import CommandDenied, NotFound

from journey import D, Journey


@pytest.fixture
def j(uow_factory):
    return Journey(uow_factory)


def codes(error: CommandDenied) -> set[str]:
    return {r.code for r in error.reasons}


def test_s01_a_credit_note_claim_copied_from_an_invoice_is_settled_by_the_credit_note(j):
    j.document("INV-1001", "C100", [("A-100", "4", "25.00")])
    claim = j.create("INV-1001", invoice_procedure="credit_note_based", claim_method="reimburse_costs")
    shown = j.show(claim)
    assert (shown.status, j.lines(claim)) == ("free", ["free"])
    assert (shown.lines[0].quantity, shown.lines[0].amount, shown.lines[0].item_code) == (D("4"), D("100.00"), "A-100")
    assert shown.document_number == "INV-1001"
    j.run(claim, "submit")
    assert (j.show(claim).status, j.lines(claim)) == ("pending_approval", ["pending_approval"])
    approved = j.run(claim, "approve_claim")
    assert (approved.status, approved.partially_approved, j.lines(claim)) == ("approved", False, ["approved"])
    [note] = j.docs(claim, "credit_note")
    assert (note.amount, note.status) == (D("100.00"), "open")
    j.run(claim, "finalize_credit_note", document_number=note.number)
    assert j.lines(claim) == ["settled"]
    j.run(claim, "close")
    assert (j.show(claim).status, j.lines(claim)) == ("closed", ["settled"])


def test_s02_an_invoice_based_claim_is_settled_by_hand_once_a_final_invoice_is_linked(j):
    j.document("SO-2001", "C200", [("B-200", "2", "60.00")], doc_type="sales_order")
    claim = j.create("SO-2001", invoice_procedure="invoice_based")
    j.run(claim, "submit")
    j.run(claim, "approve_claim")
    assert (j.show(claim).status, j.lines(claim), j.show(claim).documents) == ("approved", ["approved"], [])
    assert "line_not_approved_for_invoice_linking" in codes(j.refused(claim, "settle_line", line_no=10))
    j.run(claim, "approve_for_invoice_linking", line_no=10)
    assert j.lines(claim) == ["approved_for_invoice_linking"]
    j.run(claim, "link_purchase_invoice", line_no=10, document_number="PI-9", amount=D("120.00"))
    assert j.lines(claim) == ["approved_for_invoice_linking"]
    assert "no_final_invoice" in codes(j.refused(claim, "settle_line", line_no=10))
    j.run(claim, "update_purchase_invoice", document_number="PI-9", final_invoice=True, approved_in_ap=True,
          finalized_in_gl=True)
    j.run(claim, "settle_line", line_no=10)
    assert j.lines(claim) == ["settled"]
    j.run(claim, "close")
    assert j.show(claim).status == "closed"


def test_s03_a_reimburse_materials_claim_ships_new_material_and_settles_on_shipment(uow_factory):
    j = Journey(uow_factory, inventory_allocations_required=True)
    j.document("INV-3001", "C300", [("C-300", "3", "15.00")])
    claim = j.create("INV-3001", claim_method="reimburse_materials")
    j.run(claim, "submit")
    j.run(claim, "approve_claim")
    assert j.lines(claim) == ["approved"]
    [delivery] = j.docs(claim, "material_delivery")
    assert (delivery.material_type, delivery.quantity, delivery.status) == ("reimburse_material", D("3"), "open")
    assert len(j.docs(claim, "inventory_allocation")) == 1
    assert {"line_not_final", "open_orders"} <= codes(j.refused(claim, "close"))
    j.run(claim, "confirm_shipment", document_number=delivery.number)
    assert j.lines(claim) == ["settled"]
    j.run(claim, "close")
    assert j.show(claim).status == "closed"


def test_s04_a_line_with_estimates_waits_and_its_approved_values_are_locked_until_then(j):
    j.document("SV-4001", "C400", [("D-400", "1", "480.00")], doc_type="service_order")
    claim = j.create("SV-4001", use_estimates=True)
    j.run(claim, "submit")
    assert (j.show(claim).status, j.lines(claim)) == ("pending_approval", ["pending_approval_estimates"])
    assert j.show(claim).lines[0].estimate_status == "open"
    assert "approved_values_locked" in codes(j.refused(claim, "set_approved_values", line_no=10,
                                                        approved_amount=D("400.00")))
    assert "line_not_pending_approval" in codes(j.refused(claim, "approve_line", line_no=10))
    j.run(claim, "approve_estimates", line_no=10)
    assert j.lines(claim) == ["pending_approval"]
    j.run(claim, "set_approved_values", line_no=10, approved_amount=D("400.00"))
    j.run(claim, "approve_line", line_no=10)
    line = j.show(claim).lines[0]
    assert (line.status, line.approved_amount) == ("approved", D("400.00"))
    assert j.docs(claim, "credit_note")[0].amount == D("400.00")


def test_s05_material_must_come_back_and_be_inspected_before_the_line_can_be_decided(j):
    j.document("INV-5001", "C500", [("E-500", "1", "250.00")])
    claim = j.create("INV-5001", return_material_required=True, approval_action="keep_and_take_ownership")
    j.run(claim, "submit")
    assert j.lines(claim) == ["pending_material_return"]
    assert j.show(claim).lines[0].receipt_status == "open"
    [receipt_order] = j.docs(claim, "receipt_order")
    assert receipt_order.attributes["ownership"] == "customer_owned"
    assert "line_not_pending_approval" in codes(j.refused(claim, "approve_line", line_no=10))
    j.run(claim, "book_receipt", line_no=10, quantity=D("1"))
    assert j.lines(claim) == ["pending_material_return"]
    assert len(j.docs(claim, "service_delivery_order")) == 1
    j.run(claim, "deliver_to_service", line_no=10, measurement_type="VISUAL")
    shown = j.show(claim)
    assert j.lines(claim) == ["pending_approval"]
    assert [(i.status, i.measurement_type) for i in shown.inspections] == [("open", "VISUAL")]
    j.run(claim, "add_inspection", line_no=10)
    first, second = [i.number for i in j.show(claim).inspections]
    j.run(claim, "complete_inspection", inspection_number=first)
    assert sorted(i.status for i in j.show(claim).inspections) == ["completed", "open"]
    assert "inspection_open" in codes(j.refused(claim, "approve_line", line_no=10))
    j.run(claim, "reject_inspection", inspection_number=second)
    j.run(claim, "approve_line", line_no=10)
    assert j.lines(claim) == ["approved"]
    [ownership] = j.docs(claim, "ownership_change")
    assert ownership.attributes["ownership"] == "company_owned"


def test_s06_rejecting_a_returned_item_ships_it_back_and_a_reason_is_mandatory(j):
    j.document("INV-6001", "C600", [("F-600", "1", "90.00")])
    claim = j.create("INV-6001", return_material_required=True)
    j.run(claim, "submit")
    j.run(claim, "book_receipt", line_no=10, quantity=D("1"))
    j.run(claim, "deliver_to_service", line_no=10)
    assert j.lines(claim) == ["pending_approval"]
    assert "rejection_reason_required" in codes(j.refused(claim, "reject_line", line_no=10))
    rejected = j.run(claim, "reject_line", line_no=10, reason="NOT-DEFECTIVE", text="works as designed")
    assert (rejected.status, j.lines(claim)) == ("rejected", ["rejected"])
    line = j.show(claim).lines[0]
    assert (line.rejection_reason, line.rejection_text) == ("NOT-DEFECTIVE", "works as designed")
    [back] = j.docs(claim, "material_delivery")
    assert (back.material_type, back.status, back.attributes["ownership"]) == ("return_material", "open", "customer_owned")


def test_s07_terminating_receipts_caps_what_can_be_approved(j):
    j.document("INV-7001", "C700", [("G-700", "5", "10.00")])
    claim = j.create("INV-7001", return_material_required=True)
    j.run(claim, "submit")
    j.run(claim, "book_receipt", line_no=10, quantity=D("2"))
    assert j.lines(claim) == ["pending_material_return"]
    j.run(claim, "terminate_receipts", line_no=10)
    [order] = j.docs(claim, "receipt_order")
    assert order.status == "voided" and j.show(claim).lines[0].receipt_status == "terminated"
    j.run(claim, "deliver_to_service", line_no=10)
    assert j.lines(claim) == ["pending_approval"]
    assert "approved_quantity_too_high" in codes(j.refused(claim, "approve_line", line_no=10, approved_quantity=D("3")))
    j.run(claim, "approve_line", line_no=10, approved_quantity=D("2"))
    line = j.show(claim).lines[0]
    assert (line.status, line.approved_quantity, line.approved_amount) == ("approved", D("2"), D("20.00"))


def test_s08_partly_approved_and_fully_rejected_claims(j):
    j.document("INV-8001", "C800", [("H-1", "1", "10.00"), ("H-2", "1", "20.00"), ("H-3", "1", "30.00")])
    claim = j.create("INV-8001")
    j.run(claim, "submit")
    j.run(claim, "approve_line", line_no=10)
    assert (j.show(claim).status, j.lines(claim)) == ("pending_approval", ["approved", "pending_approval", "pending_approval"])
    j.run(claim, "approve_line", line_no=20)
    done = j.run(claim, "reject_line", line_no=30, reason="OUT-OF-WARRANTY")
    assert (done.status, done.partially_approved) == ("approved", True)
    second = j.create("INV-8001")
    assert [(ln.item_code, ln.quantity) for ln in j.show(second).lines] == [("H-3", D("1"))]
    with pytest.raises(CommandDenied) as caught:
        j.create("INV-8001", line_nos=[1])
    assert caught.value.code == "line_fully_claimed"
    j.document("INV-8002", "C800", [("H-1", "1", "10.00"), ("H-2", "1", "20.00")])
    third = j.create("INV-8002")
    j.run(third, "submit")
    rejected = j.run(third, "reject_claim", reason="NOT-COVERED")
    assert (rejected.status, rejected.partially_approved) == ("rejected", False)


def test_s09_cancel_is_allowed_only_while_downstream_documents_can_still_be_undone(j):
    j.document("INV-9001", "C900", [("J-1", "1", "40.00"), ("J-2", "1", "50.00")])
    claim = j.create("INV-9001")
    j.run(claim, "submit")
    j.run(claim, "approve_line", line_no=10)
    assert j.show(claim).status == "pending_approval"
    [note] = j.docs(claim, "credit_note")
    assert (note.amount, note.status) == (D("40.00"), "open")
    assert "cancel_reason_required" in codes(j.refused(claim, "cancel"))
    canceled = j.run(claim, "cancel", reason="CUSTOMER-WITHDREW")
    assert (canceled.status, j.lines(claim), canceled.cancel_reason) == ("canceled", ["canceled", "canceled"], "CUSTOMER-WITHDREW")
    assert j.docs(claim, "credit_note")[0].status == "voided"
    another = j.create("INV-9001", line_nos=[1])
    j.run(another, "submit")
    j.run(another, "approve_line", line_no=10)
    j.run(another, "finalize_credit_note", document_number=j.docs(another, "credit_note")[0].number)
    assert "downstream_document_final" in codes(j.refused(another, "cancel", reason="CUSTOMER-WITHDREW"))


def test_s10_close_lists_every_unmet_criterion(j):
    j.document("INV-1101", "C110", [("K-1", "1", "70.00")])
    claim = j.create("INV-1101", claim_method="reimburse_materials")
    j.run(claim, "submit")
    j.run(claim, "approve_claim")
    assert j.lines(claim) == ["approved"]
    error = j.refused(claim, "close")
    assert {"line_not_final", "open_orders"} <= codes(error)
    messages = " ".join(r.message for r in error.reasons)
    assert "Line 10 is approved" in messages and "open warehouse order" in messages


def test_s11_claim_history_gates_deletion(uow_factory):
    j = Journey(uow_factory, use_claim_history=True)
    j.document("INV-1201", "C120", [("L-1", "1", "12.00")])
    claim = j.create("INV-1201")
    j.run(claim, "submit")
    j.run(claim, "reject_line", line_no=10, reason="DUPLICATE")
    j.run(claim, "close")
    assert j.show(claim).status == "closed"
    assert "not_in_history" in codes(j.refused(claim, "delete"))
    j.run(claim, "post_to_history")
    j.run(claim, "delete")
    with pytest.raises(NotFound):
        j.show(claim)
    record = j.service.history("ACME", claim)
    assert record.snapshot["number"] == claim and record.snapshot["lines"][0]["status"] == "rejected"
    j.add_company("NOHIST")
    j.document("INV-1202", "C120", [("L-1", "1", "12.00")], company="NOHIST")
    other = j.create("INV-1202", company="NOHIST")
    j.run(other, "submit", company="NOHIST")
    j.run(other, "reject_claim", company="NOHIST", reason="DUPLICATE")
    j.run(other, "close", company="NOHIST")
    assert "claim_history_not_used" in codes(j.refused(other, "post_to_history", company="NOHIST"))


def test_s12_a_claim_registered_from_a_call(j):
    from claimflow.engine.domain.model import Call
    j.document("INV-1301", "C130", [("M-1", "2", "33.00")])
    j.service.add_call(Call("ACME", "CALL-77", "C130", "Customer reports cracked housing on two units", "INV-1301"))
    claim = j.service.register_from_call("ACME", "CALL-77").number
    shown = j.show(claim)
    assert (shown.status, shown.internal_text, shown.origin, shown.call_number) == (
        "free", "Customer reports cracked housing on two units", "call", "CALL-77")
    with j.uow_factory() as uow:
        assert uow.calls.find("ACME", "CALL-77").status == "transferred"
    j.service.copy_lines("ACME", claim)
    line = j.show(claim).lines[0]
    assert (line.status, line.quantity, line.amount) == ("free", D("2"), D("66.00"))
    with pytest.raises(CommandDenied) as again:
        j.service.copy_lines("ACME", claim)
    assert again.value.code == "lines_already_copied"


def test_s13_waiting_for_the_supplier(j):
    j.document("INV-1401", "C140", [("N-1", "1", "300.00"), ("N-2", "1", "300.00")])
    claim = j.create("INV-1401", generate_supplier_claim=True, wait_on_supplier_approval=True)
    j.run(claim, "submit")
    assert j.lines(claim) == ["pending_supplier_approval", "pending_supplier_approval"]
    assert len(j.docs(claim, "supplier_claim_request")) == 2
    assert "supplier_approval_pending" in codes(j.refused(claim, "approve_line", line_no=10))
    j.run(claim, "supplier_decision", line_no=10, decision="approved")
    assert j.lines(claim)[0] == "pending_approval"
    j.run(claim, "supplier_decision", line_no=20, decision="canceled")
    assert "supplier_claim_canceled" in codes(j.refused(claim, "approve_line", line_no=20))
    j.run(claim, "approve_line", line_no=20, override_canceled_supplier_claim=True)
    assert j.lines(claim)[1] == "approved"


def test_s14_a_company_variant_adds_an_inspection_gate(uow_factory):
    j = Journey(uow_factory, company="ACME")
    j.add_company("DE01")
    for company in ("ACME", "DE01"):
        j.document("INV-1501", "C150", [("P-1", "1", "800.00")], company=company)
    uk = j.create("INV-1501", company="ACME")
    j.run(uk, "submit", company="ACME")
    j.run(uk, "approve_claim", company="ACME")
    assert [ln.status for ln in j.show(uk, "ACME").lines] == ["approved"]
    de = j.create("INV-1501", company="DE01")
    j.run(de, "submit", company="DE01")
    error = j.refused(de, "approve_claim", company="DE01")
    overlay = [r for r in error.reasons if r.rule_id == "de01.approve.inspection-above-500"]
    assert overlay and "companies/DE01/overlay.yaml" in overlay[0].location
    [inspection] = j.show(de, "DE01").inspections
    j.run(de, "complete_inspection", company="DE01", inspection_number=inspection.number)
    j.run(de, "approve_claim", company="DE01")
    assert [ln.status for ln in j.show(de, "DE01").lines] == ["approved"]


def test_s15_approving_twice_credits_once(j):
    j.document("INV-1601", "C160", [("Q-1", "2", "25.00")])
    claim = j.create("INV-1601")
    j.run(claim, "submit")
    j.run(claim, "approve_claim")
    j.refused(claim, "approve_claim")
    [note] = j.docs(claim, "credit_note")
    assert note.amount == D("50.00")


def test_s16_editing_a_submitted_claim_marks_it_modified_and_reroutes_the_line(j):
    from claimflow.engine.domain.model import Customer
    j.document("INV-1701", "C170", [("R-1", "3", "9.00")])
    from claimflow.engine.service.commands import NewLine
    claim = j.service.register_manual("ACME", "C170", [NewLine("R-1", D("1"), D("9.00"))]).number
    assert j.show(claim).document_number is None
    j.run(claim, "submit")
    assert (j.show(claim).status, j.lines(claim)) == ("pending_approval", ["pending_approval"])
    j.run(claim, "modify_line", line_no=10, changes={"return_material_required": True})
    assert (j.show(claim).status, j.lines(claim)) == ("modified", ["modified"])
    j.run(claim, "submit")
    assert (j.show(claim).status, j.lines(claim)) == ("pending_approval", ["pending_material_return"])
    j.run(claim, "cancel", reason="CUSTOMER-WITHDREW")
    assert j.show(claim).status == "canceled"
    assert [d.status for d in j.docs(claim, "receipt_order")] == ["voided"]
