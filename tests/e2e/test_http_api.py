"""The HTTP API end to end: a served app, a real client, SQLite and PostgreSQL."""
from __future__ import annotations

import threading
from decimal import Decimal

import pytest

from builders import COMPANY
from test_http_support import OTHER, command, new_claim, pool_evaluator, served  # noqa: F401  (fixtures)


def _etag_version(response) -> int:
    return int(response.headers["ETag"].strip('"'))


def test_a_claim_goes_from_creation_to_close_through_the_api(served):
    handler, approver, integration = (served.client(r) for r in ("claim_handler", "approver", "integration"))
    created = new_claim(integration)
    number = created["number"]
    assert created["status"] == "free" and created["version"] == 1
    submitted = command(handler, number, "submit", version=1)
    assert submitted.status_code == 200 and submitted.json()["status"] == "pending_approval"
    approved = command(approver, number, "approve", version=_etag_version(submitted))
    assert approved.status_code == 200, approved.text
    credit_note = approved.json()["documents"][0]
    assert (credit_note["kind"], Decimal(credit_note["amount"]), credit_note["status"]) == (
        "credit_note", Decimal("25"), "open")
    settled = command(integration, number, "finalize-credit-note", {"credit_note": credit_note["number"]})
    assert [ln["status"] for ln in settled.json()["lines"]] == ["settled"]
    closed = command(handler, number, "close", version=_etag_version(settled))
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    shown = handler.get(f"/companies/{COMPANY}/claims/{number}")
    assert shown.headers["ETag"] == f'"{closed.json()["version"]}"'
    assert {a["actor"] for a in shown.json()["audit"]} >= {"api:claim_handler-key", "api:approver-key"}


def test_a_manual_claim_is_registered_with_exact_decimal_amounts(served):
    created = new_claim(served.client("claim_handler"), source="manual", customer="C001",
                        lines=[{"item": "ITEM-1", "quantity": "2", "amount": "0.10"},
                               {"item": "ITEM-1", "quantity": "1.5", "amount": "0.20"}])
    assert [Decimal(ln["amount"]) for ln in created["lines"]] == [Decimal("0.1"), Decimal("0.2")]
    assert Decimal(created["amount"]) == Decimal("0.3")  # strings in, strings out: no float on the way


def test_claims_are_listed_a_page_at_a_time_and_filtered_by_status(served):
    client = served.client("claim_handler")
    numbers = [new_claim(client, source="manual", customer="C001",
                         lines=[{"item": "ITEM-1", "quantity": "1", "amount": "1"}])["number"] for _ in range(3)]
    command(client, numbers[0], "submit")
    first = client.get(f"/companies/{COMPANY}/claims", params={"limit": 2}).json()
    second = client.get(f"/companies/{COMPANY}/claims", params={"limit": 2, "offset": first["next_offset"]}).json()
    assert [c["number"] for c in first["items"] + second["items"]] == numbers and second["next_offset"] is None
    pending = client.get(f"/companies/{COMPANY}/claims", params={"status": "pending_approval"}).json()
    assert [c["number"] for c in pending["items"]] == [numbers[0]]


def test_a_request_without_a_valid_key_is_401_with_a_bearer_challenge(served):
    for headers in ({}, {"Authorization": "Bearer cf_000000000000_" + "x" * 43},
                    {"Authorization": "Bearer " + served.tokens["approver"][:-1] + "!"}):
        response = served.client(None).get(f"/companies/{COMPANY}/claims", headers=headers)
        assert response.status_code == 401 and response.json()["code"] == "unauthenticated"
        assert response.headers["WWW-Authenticate"] == "Bearer"
        assert response.headers["Content-Type"] == "application/problem+json"


def test_a_revoked_key_is_refused_from_the_next_request(served):
    from claimflow.adapters.db.http_store import ApiKeyStore
    from claimflow.adapters.http.auth import ApiKeys
    client = served.client("claim_handler")
    assert client.get("/me").status_code == 200
    ApiKeys(ApiKeyStore(served.app.uow_factory.engine)).revoke(client.get("/me").json()["key_id"])
    assert client.get("/me").status_code == 401


def test_a_role_without_the_permission_gets_403(served):
    number = new_claim(served.client("claim_handler"))["number"]
    command(served.client("claim_handler"), number, "submit")
    assert command(served.client("claim_handler"), number, "approve").status_code == 403
    assert command(served.client("integration"), number, "reject", {"reason": "X"}).status_code == 403
    assert command(served.client("rule_analyst"), number, "close").json()["code"] == "forbidden"
    assert served.client("rule_analyst").post(f"/companies/{COMPANY}/claims", json={
        "source": "document", "document": "INV-0001"}).status_code == 403
    assert served.client("approver").get(f"/companies/{COMPANY}/rules").status_code == 403
    rules = served.client("rule_analyst").get(f"/companies/{COMPANY}/rules").json()
    assert rules["hash"] and any(r["id"] == "approve.line" for r in rules["rules"])


def test_another_companys_claims_answer_404_exactly_like_missing_ones(served):
    theirs = new_claim(served.client("other"), OTHER, source="document", document="INV-9")["number"]
    ours = served.client("approver")
    for path in (f"/companies/{OTHER}/claims/{theirs}", f"/companies/{OTHER}/claims/NO-SUCH"):
        assert ours.get(path).status_code == 404 and ours.get(path).json()["code"] == "claim_not_found"
    assert command(ours, theirs, "approve", company=OTHER).status_code == 404
    assert ours.get(f"/companies/{OTHER}/claims").status_code == 404
    assert ours.get(f"/companies/{COMPANY}/claims/{theirs}").status_code == 404  # same number, our company
    assert served.client("other").get(f"/companies/{OTHER}/claims/{theirs}").json()["status"] == "free"


def test_a_stale_if_match_is_412_with_the_current_claim_and_changes_nothing(served):
    client = served.client("approver")
    number = new_claim(client)["number"]
    command(client, number, "submit", version=1)
    stale = command(client, number, "approve", version=1)
    assert stale.status_code == 412 and stale.json()["code"] == "version_conflict"
    assert stale.json()["claim"]["status"] == "pending_approval" and stale.headers["ETag"] == '"2"'
    assert client.get(f"/companies/{COMPANY}/claims/{number}").json()["version"] == 2


def test_a_get_with_the_current_etag_in_if_none_match_is_304(served):
    client = served.client("approver")
    number = new_claim(client)["number"]
    assert client.get(f"/companies/{COMPANY}/claims/{number}", headers={"If-None-Match": '"1"'}).status_code == 304


def test_a_retry_with_the_same_idempotency_key_returns_the_first_answer_and_runs_once(served):
    client = served.client("approver")
    number = new_claim(client)["number"]
    first = command(client, number, "submit", **{"Idempotency-Key": "submit-1"})
    again = command(client, number, "submit", **{"Idempotency-Key": "submit-1"})
    assert (first.status_code, again.status_code) == (200, 200) and again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true" and again.headers["ETag"] == first.headers["ETag"]
    audit = client.get(f"/companies/{COMPANY}/claims/{number}").json()["audit"]
    assert [a["command"] for a in audit].count("submit") == len(
        [a for a in first.json()["fired"] if a.startswith("submit.")])  # nothing ran a second time
    assert client.get(f"/companies/{COMPANY}/claims/{number}").json()["version"] == 2


def test_a_creation_retried_with_its_idempotency_key_registers_one_claim(served):
    client = served.client("claim_handler")
    body = {"source": "manual", "customer": "C001", "lines": [{"item": "ITEM-1", "quantity": "1", "amount": "3"}]}
    answers = [client.post(f"/companies/{COMPANY}/claims", json=body, headers={"Idempotency-Key": "k-1"})
               for _ in range(3)]
    assert {a.status_code for a in answers} == {201} and len({a.json()["number"] for a in answers}) == 1
    assert len(client.get(f"/companies/{COMPANY}/claims").json()["items"]) == 1


def test_the_same_idempotency_key_with_another_body_is_422_idempotency_key_reused(served):
    client = served.client("approver")
    number = new_claim(client)["number"]
    command(client, number, "submit")
    assert command(client, number, "reject", {"reason": "A"}, **{"Idempotency-Key": "k"}).status_code == 200
    reused = command(client, number, "reject", {"reason": "B"}, **{"Idempotency-Key": "k"})
    assert reused.status_code == 422 and reused.json()["code"] == "idempotency_key_reused"


def test_a_rules_denial_is_409_problem_json_with_every_reason_and_its_rule(served):
    client = served.client("approver")
    number = new_claim(client)["number"]
    denied = command(client, number, "approve")
    assert denied.status_code == 409 and denied.headers["Content-Type"] == "application/problem+json"
    problem = denied.json()
    assert problem["code"] == "claim_not_pending_approval" and problem["status"] == 409
    assert problem["reasons"][0]["rule_id"] == "approve.guard.claim-status" and problem["reasons"][0]["location"]


def test_invalid_input_is_422_invalid_input_naming_the_field(served):
    client = served.client("approver")
    number = new_claim(client)["number"]
    cases = [
        (f"/companies/{COMPANY}/claims/{number}/commands/reject", {}, "body.reason"),
        (f"/companies/{COMPANY}/claims/{number}/commands/approve", {"line": 10, "quantity": 1.5}, "body.quantity"),
        (f"/companies/{COMPANY}/claims", {"source": "manual", "customer": "C001", "lines": []}, "body.manual.lines"),
        (f"/companies/{COMPANY}/claims", {"source": "document", "document": "X\u0000"}, "body.document.document"),
    ]
    for path, body, location in cases:
        answer = client.post(path, json=body)
        assert answer.status_code == 422 and answer.json()["code"] == "invalid_input", answer.text
        assert location in [r["location"] for r in answer.json()["reasons"]], answer.text
    bad_tag = command(client, number, "submit", **{"If-Match": "yesterday"})
    assert bad_tag.status_code == 422 and bad_tag.json()["reasons"][0]["location"] == "header.If-Match"


def test_service_errors_keep_their_cli_codes(served):
    client = served.client("approver")
    missing_doc = client.post(f"/companies/{COMPANY}/claims", json={"source": "document", "document": "NOPE"})
    assert (missing_doc.status_code, missing_doc.json()["code"]) == (404, "document_not_found")
    number = new_claim(client)["number"]
    no_line = command(client, number, "approve", {"line": 99})
    assert (no_line.status_code, no_line.json()["code"]) == (404, "line_not_found")
    unknown = client.get("/no/such/route")
    assert unknown.status_code == 404 and unknown.headers["Content-Type"] == "application/problem+json"


def test_health_reports_the_database_revision_and_the_rule_set_hash(served):
    health = served.client(None).get("/health")
    assert health.status_code == 200
    body = health.json()
    assert body["status"] == "ok" and body["database"]["up_to_date"] and body["rules"]["hash"]


def test_two_clients_approving_with_the_same_if_match_make_exactly_one_credit_note(served):
    setup = served.client("approver")
    number = new_claim(setup)["number"]
    version = _etag_version(command(setup, number, "submit"))
    barrier, answers = threading.Barrier(2), []

    def approve():
        with served.client("approver") as client:
            barrier.wait()
            answers.append(command(client, number, "approve", version=version))
    racers = [threading.Thread(target=approve) for _ in range(2)]
    for t in racers:
        t.start()
    for t in racers:
        t.join(60)
    assert sorted(a.status_code for a in answers) in ([200, 409], [200, 412]), [a.text for a in answers]
    documents = setup.get(f"/companies/{COMPANY}/claims/{number}").json()["documents"]
    assert [d["kind"] for d in documents] == ["credit_note"]


@pytest.mark.parametrize("role", ["claim_handler", "approver", "integration", "rule_analyst"])
def test_me_lists_what_each_role_may_do(served, role):
    allowed = set(served.client(role).get("/me").json()["permissions"])
    assert ("approve" in allowed) == (role == "approver")
    assert ("finalize-credit-note" in allowed) == (role == "integration")
    assert ("rules:read" in allowed) == (role == "rule_analyst")
