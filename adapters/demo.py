"""The main job: import the bundled datasets of two companies and drive every claim through the
process, playing the companies' claim handlers and the outside modules (Invoicing, Warehousing,
Inspections, Accounts Payable, General Ledger).

Handler policy (the README states it):
- A line without an original document (no proof of purchase) is rejected with NO-PROOF-OF-PURCHASE.
- Claims with a document take one of four paths, by their sequence number (claim n, n mod 5):
  1 material return: the item must come back, is received, delivered to the service department
    with a VISUAL inspection that passes, then approved (Keep and Take Ownership) and credited;
  2 reimburse materials: approved, new material shipped, settled on Confirm Shipment;
  3 invoice based: approved, approved for invoice linking, the customer's invoice linked as final
    and finalized in the General Ledger, settled by hand;
  0, 4 credit note: approved, credit note finalized by Invoicing.
- Every claim is closed; a company that uses claim history posts it to history and deletes it.
"""
from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from ..engine.domain.errors import ClaimflowError
from ..engine.domain.model import Claim
from ..engine.domain.statuses import MaterialType, OutboundKind, OutboundStatus
from ..engine.service.commands import ClaimCommand
from ..engine.service.views import _plain, money
from ..engine.settings import bundled_data_dir
from .bootstrap import App

NO_PROOF = "NO-PROOF-OF-PURCHASE"
PROOF = "PROOF-OF-PURCHASE"
ONLINE_RETAIL, SUPERSTORE = "UK01", "SS01"


def bundled_online_retail() -> Path:
    return bundled_data_dir() / "online-retail" / "online_retail_2010-12.csv"


@dataclass
class CompanySummary:
    company: str
    import_report: dict = field(default_factory=dict)
    claims: int = 0
    claims_from_document: int = 0
    claims_without_document: int = 0
    paths: Counter = field(default_factory=Counter)
    header_statuses: Counter = field(default_factory=Counter)
    line_statuses: Counter = field(default_factory=Counter)
    credited: Decimal = Decimal("0")
    settled_by_invoice: Decimal = Decimal("0")
    material_shipped: Decimal = Decimal("0")
    deleted_after_history: int = 0
    currency: str = ""

    def as_dict(self) -> dict:
        return {"company": self.company, "currency": self.currency, "import": self.import_report,
                "claims": self.claims, "claims_from_document": self.claims_from_document,
                "claims_without_document": self.claims_without_document, "paths": dict(self.paths),
                "header_statuses": dict(self.header_statuses), "line_statuses": dict(self.line_statuses),
                "credited": money(self.credited), "settled_by_invoice": money(self.settled_by_invoice),
                "material_shipped_quantity": _plain(self.material_shipped),
                "deleted_after_history": self.deleted_after_history}


@dataclass
class DemoSummary:
    companies: list[CompanySummary] = field(default_factory=list)
    rules_fired: Counter = field(default_factory=Counter)
    commands: int = 0
    failures: list = field(default_factory=list)
    import_seconds: float = 0.0
    process_seconds: float = 0.0
    wall_seconds: float = 0.0
    cancellation_matched_amount: Decimal = Decimal("0")
    credited_from_document: Decimal = Decimal("0")

    @property
    def claims(self) -> int:
        return sum(c.claims for c in self.companies)

    @property
    def claims_per_second(self) -> float:
        return self.claims / self.process_seconds if self.process_seconds else 0.0

    def as_dict(self) -> dict:
        return {"companies": [c.as_dict() for c in self.companies], "claims": self.claims,
                "top_rules": self.rules_fired.most_common(10), "commands": self.commands,
                "failures": self.failures,
                "online_retail_credited_for_matched_lines": money(self.credited_from_document),
                "online_retail_cancellations_of_matched_quantities": money(self.cancellation_matched_amount),
                "import_seconds": round(self.import_seconds, 2), "process_seconds": round(self.process_seconds, 2),
                "wall_seconds": round(self.wall_seconds, 2), "claims_per_second": round(self.claims_per_second, 1)}


def run_demo(app: App, data_file: Path | None = None, limit: int | None = None, progress=None,
             with_superstore: bool = True) -> DemoSummary:
    from .db import upgrade
    from .sources.online_retail import import_online_retail
    started = time.perf_counter()
    summary = DemoSummary()
    upgrade(app.settings.database_url)
    tick = (lambda step: (lambda d, t: progress(step, d, t))) if progress else (lambda step: None)
    report = import_online_retail(app.uow_factory, data_file or bundled_online_retail(), ONLINE_RETAIL,
                                  progress=tick("import online retail"))
    summary.cancellation_matched_amount = report.cancellation_matched_amount
    companies = [(CompanySummary(ONLINE_RETAIL, report.as_dict(), currency="GBP"))]
    if with_superstore:
        from .sources.superstore import import_superstore
        folder = bundled_data_dir() / "superstore"
        ss_report = import_superstore(app.uow_factory, folder / "superstore_orders.csv",
                                      folder / "superstore_returns.csv", SUPERSTORE, progress=tick("import superstore"))
        companies.append(CompanySummary(SUPERSTORE, ss_report.as_dict(), currency="USD"))
    summary.import_seconds = time.perf_counter() - started
    began = time.perf_counter()
    for company in companies:
        _drive_company(app, company, summary, limit, tick(f"claims {company.company}"))
        summary.companies.append(company)
    summary.process_seconds = time.perf_counter() - began
    summary.wall_seconds = time.perf_counter() - started
    return summary


def _drive_company(app: App, company: CompanySummary, summary: DemoSummary, limit, tick) -> None:
    with app.uow_factory() as uow:
        numbers = uow.claims.numbers(company.company, "free")
        history = uow.companies.get(company.company).use_claim_history
    history = history or bool(app.rulebook.for_company(company.company).parameters.get("use_claim_history"))
    numbers = numbers[:limit] if limit else numbers
    for done, number in enumerate(numbers, start=1):
        driver = _Driver(app, company.company, number, summary)
        try:
            path = driver.drive()
            company.paths[path] += 1
            claim = driver.claim
            _tally(company, claim, summary)
            if history:
                driver.run("post_to_history")
                driver.run("delete")
                company.deleted_after_history += 1
        except ClaimflowError as error:  # the demo reports refusals instead of stopping
            summary.failures.append({"company": company.company, "claim": number, "code": error.code,
                                     "message": error.message})
        if tick:
            tick(done, len(numbers))


class _Driver:
    """Plays handlers and outside modules for one claim."""

    def __init__(self, app: App, company: str, number: str, summary: DemoSummary):
        self.app, self.company, self.number, self.summary = app, company, number, summary
        self.claim: Claim | None = None

    def run(self, name: str, actor: str = "handler", **fields) -> Claim:
        result = self.app.claims.run(ClaimCommand(name, self.company, self.number, actor=actor, **fields))
        self.summary.commands += 1
        self.summary.rules_fired.update(result.effects.fired)
        self.claim = result.claim
        return self.claim

    def drive(self) -> str:
        claim, _ = self.app.claims.show(self.company, self.number)
        if all(ln.doc_line_id is None for ln in claim.lines):
            self.run("submit")
            self.run("reject_claim", reason=NO_PROOF, text="no earlier invoice of this item found")
            self.run("close")
            return "rejected: no proof of purchase"
        sequence = int("".join(ch for ch in self.number if ch.isdigit()) or 0)
        path = {1: self.material_return, 2: self.reimburse_materials, 3: self.invoice_based}.get(
            sequence % 5, self.credit_note)
        return path(claim)

    def _each_line(self, claim: Claim, name: str, **fields) -> None:
        for line in claim.lines:
            self.run(name, line_no=line.line_no, **fields)

    def _decide_and_close(self, claim: Claim) -> None:
        """Approve what has proof of purchase, reject the rest, then settle and close."""
        without = [ln.line_no for ln in claim.lines if ln.doc_line_id is None]
        for line_no in without:
            self.run("reject_line", line_no=line_no, reason=NO_PROOF)
        if len(without) < len(self.claim.lines):
            self.run("approve_claim", reason=PROOF)

    def _finalize_credit_notes(self) -> None:
        for doc in [d for d in self.claim.documents if d.kind == OutboundKind.CREDIT_NOTE and d.status == OutboundStatus.OPEN]:
            self.run("finalize_credit_note", actor="invoicing", document_number=doc.number)

    def credit_note(self, claim: Claim) -> str:
        self.run("submit")
        self._decide_and_close(self.claim)
        self._finalize_credit_notes()
        self.run("close")
        return "credit note"

    def material_return(self, claim: Claim) -> str:
        self._each_line(claim, "modify_line", changes={"return_material_required": True})
        self.run("submit")
        for line in self.claim.lines:
            self.run("book_receipt", actor="warehousing", line_no=line.line_no, quantity=line.quantity)
            self.run("deliver_to_service", actor="warehousing", line_no=line.line_no, measurement_type="VISUAL")
        for inspection in list(self.claim.inspections):
            self.run("complete_inspection", actor="inspections", inspection_number=inspection.number,
                     text="defect confirmed")
        self.run("approve_claim", reason=PROOF)
        self._finalize_credit_notes()
        self.run("close")
        return "material return + inspection, credit note"

    def reimburse_materials(self, claim: Claim) -> str:
        self._each_line(claim, "modify_line", changes={"claim_method": "reimburse_materials"})
        self.run("submit")
        self.run("approve_claim", reason=PROOF)
        for doc in [d for d in self.claim.documents if d.kind == OutboundKind.MATERIAL_DELIVERY
                    and d.material_type == MaterialType.REIMBURSE_MATERIAL and d.status == OutboundStatus.OPEN]:
            self.run("confirm_shipment", actor="warehousing", document_number=doc.number)
        self.run("close")
        return "reimburse materials, shipped"

    def invoice_based(self, claim: Claim) -> str:
        self.run("modify_claim", changes={"invoice_procedure": "invoice_based"})
        self.run("submit")
        self.run("approve_claim", reason=PROOF)
        for line in self.claim.lines:
            self.run("approve_for_invoice_linking", line_no=line.line_no)
            self.run("link_purchase_invoice", actor="accounts_payable", line_no=line.line_no,
                     document_number=f"PI-{self.number}-{line.line_no}", amount=line.approved_amount,
                     final_invoice=True, finalized_in_gl=True)
            self.run("settle_line", line_no=line.line_no)
        self.run("close")
        return "invoice based, settled by hand"


def _tally(company: CompanySummary, claim: Claim, summary: DemoSummary) -> None:
    company.claims += 1
    if claim.document_id is not None:
        company.claims_from_document += 1
    else:
        company.claims_without_document += 1
    company.header_statuses[claim.status] += 1
    company.line_statuses.update(ln.status for ln in claim.lines)
    for doc in claim.documents:
        if doc.status != OutboundStatus.FINAL:
            continue
        if doc.kind == OutboundKind.CREDIT_NOTE:
            company.credited += doc.amount
            if company.company == ONLINE_RETAIL and claim.document_id is not None:
                summary.credited_from_document += doc.amount
        elif doc.kind == OutboundKind.PURCHASE_INVOICE:
            company.settled_by_invoice += doc.amount
        elif doc.kind == OutboundKind.MATERIAL_DELIVERY and doc.material_type == MaterialType.REIMBURSE_MATERIAL:
            company.material_shipped += doc.quantity
