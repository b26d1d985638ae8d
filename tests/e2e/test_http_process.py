"""The whole process over HTTP: gates, outside modules' answers, the dry run, calls (a served app)."""
from __future__ import annotations

from builders import COMPANY
from test_http_support import command, new_claim, pool_evaluator, served  # noqa: F401  (fixtures)


def _lines(response) -> list[str]:
    return [ln["status"] for ln in response.json()["lines"]]


def test_a_returned_item_is_received_inspected_approved_and_credited_over_http(served):
    handler, approver, integration = (served.client(r) for r in ("claim_handler", "approver", "integration"))
    number = new_claim(integration)["number"]
    modified = command(handler, number, "modify-line", {"line": 10, "changes": {"return_material_required": True}})
    assert modified.status_code == 200, modified.text
    assert _lines(command(handler, number, "submit")) == ["pending_material_return"]
    why = handler.post(f"/companies/{COMPANY}/claims/{number}/why", json={"action": "approve", "line": 10})
    assert why.status_code == 200 and why.json()["allowed"] is False
    assert why.json()["reasons"][0]["code"] == "line_not_pending_approval"
    quantity = command(handler, number, "submit").json()  # refused: not free or modified
    assert quantity["code"] == "claim_not_submittable"
    received = command(integration, number, "book-receipt", {"line": 10, "quantity": "10"})
    assert received.status_code == 200, received.text
    delivered = command(integration, number, "deliver-to-service", {"line": 10, "measurement_type": "VISUAL"})
    assert _lines(delivered) == ["pending_approval"]
    [inspection] = delivered.json()["inspections"]
    refused = command(approver, number, "approve")
    assert refused.status_code == 409 and refused.json()["code"] == "inspection_open"
    done = command(integration, number, "complete-inspection", {"inspection": inspection["number"]})
    assert done.json()["inspections"][0]["status"] == "completed"
    approved = command(approver, number, "approve")
    assert _lines(approved) == ["approved"]
    kinds = {d["kind"] for d in approved.json()["documents"]}
    assert {"credit_note", "ownership_change", "receipt_order", "service_delivery_order"} <= kinds


def test_an_integration_key_cannot_cancel_and_a_handler_cannot_book_receipts(served):
    integration, handler = served.client("integration"), served.client("claim_handler")
    number = new_claim(integration)["number"]
    command(handler, number, "submit")
    assert command(integration, number, "cancel", {"reason": "X"}).status_code == 403
    assert command(handler, number, "book-receipt", {"line": 10, "quantity": "1"}).status_code == 403


def test_a_modify_with_an_unknown_field_or_a_wrong_type_is_a_422_with_a_code(served):
    handler = served.client("claim_handler")
    number = new_claim(handler)["number"]
    unknown = command(handler, number, "modify-line", {"line": 10, "changes": {"colour": "red"}})
    assert unknown.status_code == 422 and unknown.json()["code"] == "field_not_editable"
    wrong = command(handler, number, "modify-line", {"line": 10, "changes": {"return_material_required": "1"}})
    assert wrong.status_code == 422 and wrong.json()["code"] == "invalid_option"
