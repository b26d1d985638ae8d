"""Invariants of the claim process under random sequences of commands through ClaimService.

Each example starts a fresh customer with two original documents and applies a random sequence of
registrations and lifecycle commands to a few claims. Refusals (CommandDenied, NotFound,
InvalidInput) are part of the game. After every step:

* per original-document line, the quantity held by claim lines that are not rejected or canceled
  is between zero and the line's quantity (DOMAIN 5.6);
* every decided line has approved quantity <= claimed quantity and approved amount <= claimed amount;
* the live credit notes of a claim line never exceed its approved amount;
* per original-document line, open + final credit notes never exceed the invoiced amount
  (with quantity edits and copies from a second document in the mix);
* every status change of a command has an audit row naming a rule of the company's rule set and
  the rule-set hash;
* a refused command changes nothing (version, statuses, quantities, documents, audit).

Deterministic (derandomize=True) and bounded; most runs use the reference evaluator for speed,
one smaller run uses durable-rules.
"""
from __future__ import annotations

import itertools
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from claimflow.engine.domain.errors import CommandDenied, InvalidInput, NotFound
from claimflow.engine.service.commands import ClaimOptions
from e2e.journey import Journey

ZERO = Decimal("0")
REFUSALS = (CommandDenied, NotFound, InvalidInput)
DOCUMENTS = {  # number suffix -> lines (item, quantity, unit price)
    "A": [("I-1", "3", "10.00"), ("I-2", "2", "7.50")],
    "B": [("I-3", "4", "2.25")],
}
_EXAMPLE = itertools.count(1)

# --- the commands ---------------------------------------------------------------------------------
claim_ix = st.integers(0, 3)
line_ix = st.integers(0, 2)
quantity = st.sampled_from(["1", "2", "3", "0.5", "5"])
OPS = {
    "register": st.tuples(st.just("register"), st.sampled_from("AB"), st.sampled_from([None, [1], [2]]),
                          st.sampled_from(["credit_note_based", "invoice_based"]),
                          st.sampled_from(["reimburse_costs", "reimburse_materials"]),
                          st.booleans()),  # submit right away
    "submit": st.tuples(st.just("submit"), claim_ix),
    "approve_claim": st.tuples(st.just("approve_claim"), claim_ix),
    "approve_line": st.tuples(st.just("approve_line"), claim_ix, line_ix, st.sampled_from([None, "1", "0.5", "2"])),
    "reject_line": st.tuples(st.just("reject_line"), claim_ix, line_ix, st.sampled_from(["", "LATE"])),
    "reject_claim": st.tuples(st.just("reject_claim"), claim_ix, st.sampled_from(["", "LATE"])),
    "cancel": st.tuples(st.just("cancel"), claim_ix, st.sampled_from(["", "WITHDRAWN"])),
    "finalize_credit_note": st.tuples(st.just("finalize_credit_note"), claim_ix, line_ix),
    "void_credit_note": st.tuples(st.just("void_credit_note"), claim_ix, line_ix),
    "confirm_shipment": st.tuples(st.just("confirm_shipment"), claim_ix, line_ix),
    "modify_quantity": st.tuples(st.just("modify_quantity"), claim_ix, line_ix, quantity),
    "copy_lines": st.tuples(st.just("copy_lines"), claim_ix, st.sampled_from("AB")),
    "close": st.tuples(st.just("close"), claim_ix),
}


# Submit and decisions weigh more (and come first, where Hypothesis leans) so that sequences get
# past the first decisions instead of bouncing off "not pending approval".
WEIGHTS = {"submit": 4, "approve_line": 3, "approve_claim": 3, "finalize_credit_note": 2, "reject_line": 2}
ORDER = ("submit", "approve_line", "approve_claim", "finalize_credit_note", "reject_line", "modify_quantity",
         "void_credit_note", "confirm_shipment", "reject_claim", "cancel", "close", "copy_lines", "register")


def ops(*excluded: str, max_size: int = 16):
    """One to three registrations, then a weighted mix of every command not excluded."""
    names = [n for n in ORDER if n not in excluded for _ in range(WEIGHTS.get(n, 1))]
    later = st.sampled_from(names).flatmap(OPS.__getitem__)
    return st.builds(lambda first, rest: first + rest, st.lists(OPS["register"], min_size=1, max_size=3),
                     st.lists(later, min_size=4, max_size=max_size))


class World:
    """One example: its own customer and documents in the shared company, and the claims it made."""

    def __init__(self, journey: Journey):
        self.j = journey
        n = next(_EXAMPLE)
        self.customer = f"H{n}"
        self.docs = {k: f"H{n}-{k}" for k in DOCUMENTS}
        for key, lines in DOCUMENTS.items():
            journey.document(self.docs[key], self.customer, lines)
        self.claims: list[str] = []
        self.ruleset = journey.service.rulebook.for_company(journey.company)
        self.rule_ids = {r.id for r in self.ruleset.rules}
        with journey.uow_factory() as uow:
            self.doc_lines = {ln.id: ln for k in DOCUMENTS
                              for ln in uow.documents.get(journey.company, self.docs[k]).lines}

    # --- applying one step ---------------------------------------------------------------------
    def apply(self, op: tuple) -> None:
        name = op[0]
        if name == "register":
            _, doc, line_nos, procedure, method, submit = op
            before = self._claim_count()
            try:
                self.claims.append(self.j.create(self.docs[doc], line_nos=line_nos, invoice_procedure=procedure,
                                                 claim_method=method))
            except REFUSALS:
                assert self._claim_count() == before, "a refused registration created a claim"
                return
            if submit:
                self.apply(("submit", len(self.claims) - 1))
            return
        if not self.claims:
            return
        claim = self.claims[op[1] % len(self.claims)]
        before = self.snapshot(claim)
        try:
            self._run(claim, op)
        except REFUSALS:
            assert self.snapshot(claim) == before, f"{op} was refused but changed the claim"
            return
        after = self.snapshot(claim)
        if name != "copy_lines":
            assert after[0] > before[0], f"{op} succeeded but the claim version did not move"
        self._check_audit(claim, op, before, after)

    def _run(self, claim: str, op: tuple) -> None:
        name, j = op[0], self.j
        shown = j.show(claim)

        def line_no(ix: int) -> int | None:
            return shown.lines[ix % len(shown.lines)].line_no if shown.lines else None

        if name in ("submit", "approve_claim", "close"):
            j.run(claim, name)
        elif name == "approve_line":
            _, _, ix, q = op
            j.run(claim, name, line_no=line_no(ix), approved_quantity=None if q is None else Decimal(q))
        elif name == "reject_line":
            j.run(claim, name, line_no=line_no(op[2]), reason=op[3])
        elif name in ("reject_claim", "cancel"):
            j.run(claim, name, reason=op[2])
        elif name in ("finalize_credit_note", "void_credit_note", "confirm_shipment"):
            kind = "material_delivery" if name == "confirm_shipment" else "credit_note"
            no = line_no(op[2])
            docs = [d for d in shown.documents if d.kind == kind and d.line_no == no]
            j.run(claim, name, document_number=docs[-1].number if docs else "NO-SUCH-DOCUMENT")
        elif name == "modify_quantity":
            j.run(claim, "modify_line", line_no=line_no(op[2]), changes={"quantity": Decimal(op[3])})
        elif name == "copy_lines":
            j.service.copy_lines(j.company, claim, self.docs[op[2]], options=ClaimOptions())
        else:  # pragma: no cover
            raise AssertionError(name)

    # --- observations ----------------------------------------------------------------------------
    def _claim_count(self) -> int:
        return len(self.j.service.list(self.j.company, limit=10_000))

    def snapshot(self, claim: str) -> tuple:
        shown, audit = self.j.service.show(self.j.company, claim)
        return (shown.version, shown.status, shown.partially_approved, shown.document_number,
                tuple((ln.line_no, ln.status, ln.quantity, ln.amount, ln.approved_quantity, ln.approved_amount,
                       ln.claim_method, ln.receipt_status) for ln in shown.lines),
                tuple((d.kind, d.number, d.status, d.amount, d.quantity, tuple(sorted(d.attributes.items())))
                      for d in shown.documents),
                tuple((i.number, i.status) for i in shown.inspections),
                len(audit))

    def _check_audit(self, claim: str, op: tuple, before: tuple, after: tuple) -> None:
        _, audit = self.j.service.show(self.j.company, claim)
        new = audit[before[-1]:]
        for entry in new:
            assert entry.rule_id in self.rule_ids, f"{op}: audit row names unknown rule {entry.rule_id}"
            assert entry.ruleset_hash == self.ruleset.hash, f"{op}: audit row without the rule-set hash"
        changed = [(None, before[1], after[1])] if before[1] != after[1] else []
        old_lines = {ln[0]: ln[1] for ln in before[4]}
        changed += [(ln[0], old_lines[ln[0]], ln[1]) for ln in after[4]
                    if ln[0] in old_lines and old_lines[ln[0]] != ln[1]]
        for line_no, was, now in changed:
            rows = [e for e in new if e.line_no == line_no]
            assert rows, f"{op}: status of {'line %s' % line_no if line_no else 'header'} changed {was}->{now} unaudited"
            assert (rows[0].from_status, rows[-1].to_status) == (was, now), f"{op}: audit rows do not match"

    def check_invariants(self, credited_within_invoiced: bool = True) -> None:
        held: dict[int, Decimal] = {}
        credited_per_doc_line: dict[int, Decimal] = {}
        for number in self.claims:
            shown = self.j.show(number)
            for ln in shown.lines:
                assert ln.quantity > 0
                if ln.doc_line_id is not None and ln.status not in ("rejected", "canceled"):
                    held[ln.doc_line_id] = held.get(ln.doc_line_id, ZERO) + ln.quantity
                if ln.status in ("approved", "approved_for_invoice_linking", "settled"):
                    assert ln.approved_quantity is not None and ln.approved_amount is not None
                    assert ZERO < ln.approved_quantity <= ln.quantity, f"{number} line {ln.line_no}"
                    assert ZERO <= ln.approved_amount <= ln.amount, f"{number} line {ln.line_no}"
                live = [d.amount for d in shown.documents
                        if d.kind == "credit_note" and d.line_no == ln.line_no and d.status in ("open", "final")]
                assert len(live) <= 1, f"{number} line {ln.line_no}: more than one live credit note"
                assert sum(live, ZERO) <= (ln.approved_amount or ZERO), f"{number} line {ln.line_no}: over-credited"
                if ln.doc_line_id is not None:
                    credited_per_doc_line[ln.doc_line_id] = credited_per_doc_line.get(ln.doc_line_id, ZERO) + sum(live, ZERO)
        for line_id, quantity in held.items():
            assert ZERO <= quantity <= self.doc_lines[line_id].quantity, \
                f"original line {line_id}: {quantity} held of {self.doc_lines[line_id].quantity}"
        if credited_within_invoiced:
            for line_id, amount in credited_per_doc_line.items():
                assert amount <= self.doc_lines[line_id].amount, \
                    f"original line {line_id}: {amount} credited of {self.doc_lines[line_id].amount} invoiced"


def play(journey: Journey, steps: list[tuple], credited_within_invoiced: bool = True) -> None:
    world = World(journey)
    for step in steps:
        world.apply(step)
        world.check_invariants(credited_within_invoiced)


COMMON = dict(deadline=None, derandomize=True, database=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

# A sequence that reaches most commands: two claims on one invoice line, approvals, credit notes.
FULL_LIFE = [("register", "A", None, "credit_note_based", "reimburse_costs", False), ("submit", 0),
             ("approve_line", 0, 0, "2"), ("reject_line", 0, 1, ""), ("reject_line", 0, 1, "LATE"),
             ("register", "A", [1], "credit_note_based", "reimburse_costs", False), ("finalize_credit_note", 0, 0),
             ("void_credit_note", 0, 0), ("submit", 1), ("cancel", 1, "WITHDRAWN"), ("close", 0),
             ("finalize_credit_note", 0, 0), ("close", 0)]
# Lowering a submitted line's quantity keeps its amount: a second claim takes the rest at full price.
OVER_CREDIT = [("register", "A", [1], "credit_note_based", "reimburse_costs", False), ("submit", 0),
               ("modify_quantity", 0, 0, "1"), ("register", "A", [1], "credit_note_based", "reimburse_costs", False),
               ("submit", 0), ("approve_claim", 0), ("submit", 1), ("approve_claim", 1)]
# Lines from a second document on the same claim escape the ledger check of modify_line.
SECOND_DOCUMENT = [("register", "A", [1], "credit_note_based", "reimburse_costs", False), ("copy_lines", 0, "B"),
                   ("modify_quantity", 0, 0, "5")]


@pytest.fixture
def reference_journey(uow_factory):
    return Journey(uow_factory, company="INV1", evaluator="reference")


@settings(max_examples=30, **COMMON)
@given(steps=ops("modify_quantity", "copy_lines"))
@example(steps=FULL_LIFE)
def test_every_invariant_holds_under_random_commands_without_edits(reference_journey, steps):
    play(reference_journey, steps)


@settings(max_examples=30, **COMMON)
@given(steps=ops())
@example(steps=FULL_LIFE + [("modify_quantity", 1, 0, "3"), ("copy_lines", 1, "A")])
def test_quantities_approvals_credits_audit_and_refusals_hold_under_random_commands_with_edits_and_copies(
        reference_journey, steps):
    """Every invariant, with quantity edits and copies from other documents in the mix."""
    play(reference_journey, steps)


@settings(max_examples=10, **COMMON)
@given(steps=ops("copy_lines", max_size=10))
@example(steps=OVER_CREDIT)
def test_credit_notes_per_original_line_never_exceed_the_invoiced_amount_even_with_edits(reference_journey, steps):
    play(reference_journey, steps)


@settings(max_examples=10, **COMMON)
@given(steps=ops(max_size=10))
@example(steps=SECOND_DOCUMENT)
def test_the_quantity_ledger_holds_when_a_claim_copies_lines_from_a_second_document(reference_journey, steps):
    play(reference_journey, steps)


@settings(max_examples=6, **COMMON)
@given(steps=ops("modify_quantity", "copy_lines", max_size=10))
@example(steps=FULL_LIFE)
def test_every_invariant_holds_with_the_durable_rules_evaluator(durable_journey, steps):
    play(durable_journey, steps)


@pytest.fixture
def durable_journey(uow_factory):
    return Journey(uow_factory, company="INV2", evaluator="durable")
