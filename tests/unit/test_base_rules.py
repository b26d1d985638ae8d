"""Each base rule alone, on hand-built facts, with durable-rules and with the reference evaluator.

Two parts:
- a table of cases for the core process (submit, decide, header derivation, credit notes, close):
  the pass (a command, or None for the derived pass), the facts, and exactly which rules fire for
  which lines; for refusals, the deny codes those firings carry;
- every rule of the base rule set, generically: facts built from its own conditions must make it
  fire (with its deny code, if it denies) under both evaluators.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

import pytest

from factsets import EVALUATORS, base_ruleset, durable_evaluator, factset, fired, line, reference_evaluator, witness


@dataclass
class Case:
    id: str
    command: str | None
    lines: list[dict]
    expected: set[tuple[str, int | None]]
    claim_status: str = "pending_approval"
    command_fields: dict = field(default_factory=dict)
    claim_fields: dict = field(default_factory=dict)
    select: list[int] | None = None
    denies: set[str] = field(default_factory=set)


CASES = [
    # --- submit -------------------------------------------------------------------------------
    Case("submit of a free claim sets the header pending approval and sends a plain line to pending approval",
         "submit", [line(10, "free")], {("submit.header", None), ("submit.route.pending-approval", 10)},
         claim_status="free"),
    Case("submit of a modified claim routes a modified line like a free one",
         "submit", [line(10, "modified")], {("submit.header", None), ("submit.route.pending-approval", 10)},
         claim_status="modified"),
    Case("submit sends a line whose estimates are pending to pending approval estimates",
         "submit", [line(10, "free", use_estimates=True, estimates_pending=True)],
         {("submit.header", None), ("submit.route.estimates", 10)}, claim_status="free"),
    Case("submit sends a line whose material must come back to pending material return",
         "submit", [line(10, "free", return_material_required=True, material_pending=True)],
         {("submit.header", None), ("submit.route.material-return", 10)}, claim_status="free"),
    Case("estimates come before material return and the supplier when a line waits for all three",
         "submit", [line(10, "free", estimates_pending=True, material_pending=True, supplier_pending=True)],
         {("submit.header", None), ("submit.route.estimates", 10)}, claim_status="free"),
    Case("submit sends a line waiting on its supplier to pending supplier approval",
         "submit", [line(10, "free", supplier_pending=True)],
         {("submit.header", None), ("submit.route.supplier", 10)}, claim_status="free"),
    Case("submit routes each line on its own",
         "submit", [line(10, "free"), line(20, "free", estimates_pending=True)],
         {("submit.header", None), ("submit.route.pending-approval", 10), ("submit.route.estimates", 20)},
         claim_status="free"),
    Case("submit of a claim already pending approval is refused",
         "submit", [line(10, "pending_approval")], {("submit.guard.status", None)},
         denies={"claim_not_submittable"}),
    Case("submit of a claim without lines is refused",
         "submit", [], {("submit.guard.no-lines", None)}, claim_status="free", denies={"claim_has_no_lines"}),
    # --- approve --------------------------------------------------------------------------------
    Case("approving one line pending approval approves only that line",
         "approve_line", [line(10), line(20)], {("approve.line", 10)}, command_fields={"line_no": 10}),
    Case("approving the claim approves every line pending approval",
         "approve_claim", [line(10), line(20)], {("approve.line", 10), ("approve.line", 20)}),
    Case("approving a claim that is not pending approval is refused",
         "approve_claim", [line(10, "approved")], {("approve.guard.claim-status", None)},
         claim_status="approved", denies={"claim_not_pending_approval"}),
    Case("approving a line that is not pending approval is refused",
         "approve_line", [line(10, "pending_approval_estimates"), line(20)], {("approve-line.guard.status", 10)},
         command_fields={"line_no": 10}, denies={"line_not_pending_approval"}),
    Case("approving more than the approvable quantity is refused",
         "approve_line", [line(10, approval_quantity=Decimal("3"))],
         {("approve.guard.quantity", 10), ("approve.line", 10)}, command_fields={"line_no": 10},
         denies={"approved_quantity_too_high"}),
    Case("approving more than the approvable amount is refused",
         "approve_line", [line(10, approval_amount=Decimal("5.01"))],
         {("approve.guard.amount", 10), ("approve.line", 10)}, command_fields={"line_no": 10},
         denies={"approved_amount_too_high"}),
    Case("approving a quantity of zero is refused",
         "approve_line", [line(10, approval_quantity=Decimal("0"))],
         {("approve.guard.not-positive", 10), ("approve.line", 10)}, command_fields={"line_no": 10},
         denies={"approved_quantity_not_positive"}),
    Case("approving the claim while a line waits for its material is refused",
         "approve_claim", [line(10), line(20, "pending_material_return")],
         {("approve-claim.guard.waiting-lines", 20), ("approve.line", 10)}, denies={"line_not_ready"}),
    # --- reject ---------------------------------------------------------------------------------
    Case("rejecting a line pending approval records the rejection",
         "reject_line", [line(10), line(20)], {("reject.line", 10)},
         command_fields={"line_no": 10, "reason": "DAMAGED"}),
    Case("rejecting a line pending approval of estimates is allowed",
         "reject_line", [line(10, "pending_approval_estimates")], {("reject.line", 10)},
         command_fields={"line_no": 10, "reason": "DAMAGED"}),
    Case("rejecting the claim rejects every line pending approval",
         "reject_claim", [line(10), line(20)], {("reject.line", 10), ("reject.line", 20)},
         command_fields={"reason": "DAMAGED"}),
    Case("a rejection without a reason is refused",
         "reject_line", [line(10)], {("reject.guard.reason", None)}, command_fields={"line_no": 10},
         denies={"rejection_reason_required"}),
    Case("rejecting an approved line is refused",
         "reject_line", [line(10, "approved")], {("reject-line.guard.status", 10)},
         command_fields={"line_no": 10, "reason": "DAMAGED"}, denies={"line_not_rejectable"}),
    Case("rejecting the claim while a line waits for the supplier is refused",
         "reject_claim", [line(10), line(20, "pending_supplier_approval")],
         {("reject-claim.guard.waiting-lines", 20), ("reject.line", 10)},
         command_fields={"reason": "DAMAGED"}, denies={"line_not_rejectable"}),
    # --- settle ---------------------------------------------------------------------------------
    Case("an approved reimburse-costs line without a credit note asks for one",
         None, [line(10, "approved")], {("settle.credit-note.request", 10)}, claim_status="approved"),
    Case("an approved line whose credit note was voided asks for a new one",
         None, [line(10, "approved", credit_note="voided")], {("settle.credit-note.request", 10)},
         claim_status="approved"),
    Case("an invoice-based claim asks for no credit note",
         None, [line(10, "approved")], set(), claim_status="approved",
         claim_fields={"invoice_procedure": "invoice_based"}),
    Case("a reimburse-materials line asks for new material, not for a credit note",
         None, [line(10, "approved", claim_method="reimburse_materials")], {("settle.materials.delivery", 10)},
         claim_status="approved"),
    Case("Invoicing finalizes the open credit note of the chosen line",
         "finalize_credit_note", [line(10, "approved", credit_note="open"), line(20, "approved", credit_note="open")],
         {("finalize-credit-note.apply", 10)}, claim_status="approved", select=[10]),
    Case("finalizing a credit note that is not open is refused",
         "finalize_credit_note", [line(10, "settled", credit_note="final")],
         {("finalize-credit-note.guard.open", 10)}, claim_status="approved", select=[10],
         denies={"credit_note_not_open"}),
    Case("an approved line whose credit note is final is settled",
         None, [line(10, "approved", credit_note="final")], {("settle.credit-note.final", 10)},
         claim_status="approved"),
    # --- close ----------------------------------------------------------------------------------
    Case("an approved claim whose lines are settled closes",
         "close", [line(10, "settled", credit_note="final")], {("close.apply", None)}, claim_status="approved"),
    Case("a rejected claim closes",
         "close", [line(10, "rejected")], {("close.apply", None)}, claim_status="rejected"),
    Case("closing a claim pending approval is refused",
         "close", [line(10, "rejected")], {("close.guard.header-status", None)},
         denies={"claim_not_closable"}),
    Case("closing while a line is not final is refused",
         "close", [line(10, "approved")], {("close.apply", None), ("close.guard.line-final", 10)},
         claim_status="approved", denies={"line_not_final"}),
    Case("closing while a warehouse order of a line is still open is refused",
         "close", [line(10, "settled", credit_note="final", open_orders=1)],
         {("close.apply", None), ("close.guard.open-orders", 10)}, claim_status="approved", denies={"open_orders"}),
    # --- header (derived) -------------------------------------------------------------------------
    Case("every line approved makes the claim approved",
         None, [line(10, "approved", credit_note="open"), line(20, "approved", credit_note="open")],
         {("header.approved", None)}),
    Case("approved and rejected lines make the claim approved and partially approved",
         None, [line(10, "approved", credit_note="open"), line(20, "rejected")],
         {("header.approved", None), ("header.partially-approved", None)}),
    Case("every line rejected makes the claim rejected",
         None, [line(10, "rejected"), line(20, "rejected")], {("header.rejected", None)}),
    Case("a line still undecided leaves the header alone",
         None, [line(10, "approved", credit_note="open"), line(20, "pending_approval")], set()),
    Case("the header is derived only while the claim is pending approval",
         None, [line(10, "rejected")], set(), claim_status="approved"),
]

def _facts(case: Case):
    return factset(case.lines, command_name=case.command, command_fields=case.command_fields,
                   claim_fields=case.claim_fields, claim_status=case.claim_status, select=case.select)


def _deny_codes(firings) -> set[str]:
    ruleset = base_ruleset()
    return {a.argument["code"] for rule_id, _ in firings for a in ruleset.rule(rule_id).actions if a.name == "deny"}


@pytest.mark.parametrize("evaluator", sorted(EVALUATORS))
@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_rule_fires_exactly_as_expected(case: Case, evaluator: str):
    got = fired(EVALUATORS[evaluator](), _facts(case), case.command)
    assert got == case.expected
    assert _deny_codes(got) == case.denies


def test_every_case_names_rules_of_the_base_rule_set_in_their_own_phase():
    ruleset = base_ruleset()
    ids = {r.id for r in ruleset.rules}
    for case in CASES:
        for rule_id, _ in case.expected:
            assert rule_id in ids, f"{case.id}: no rule {rule_id} any more"
            assert ruleset.rule(rule_id) in ruleset.for_phase(case.command), (case.id, rule_id)


# --- every rule, generically: facts built from the rule's own conditions -------------------------

@pytest.mark.parametrize("evaluator", sorted(EVALUATORS))
@pytest.mark.parametrize("rule_id", [r.id for r in base_ruleset().rules])
def test_each_base_rule_fires_on_facts_built_from_its_own_conditions(rule_id: str, evaluator: str):
    rule = base_ruleset().rule(rule_id)
    facts = witness(rule)
    phase = rule.commands[0] if rule.commands else None
    got = fired(EVALUATORS[evaluator](), facts, phase)
    expected_line = 10 if "line" in rule.kinds() else None
    assert (rule_id, expected_line) in got, f"{rule_id} did not fire on {facts}"
    own_denials = {a.argument["code"] for a in rule.actions if a.name == "deny"}
    assert own_denials <= _deny_codes(got)


def test_both_evaluators_agree_on_every_rules_witness_facts():
    ruleset = base_ruleset()
    for rule in ruleset.rules:
        facts = witness(rule)
        phase = rule.commands[0] if rule.commands else None
        assert durable_evaluator().evaluate(ruleset, phase, facts) == \
            reference_evaluator().evaluate(ruleset, phase, facts), rule.id
