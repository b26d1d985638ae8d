"""The main job: import the bundled Online Retail month and drive every claim through the process,
playing the company's claim handlers and Invoicing.

Handler policy: a line copied from an original invoice (proof of purchase) is approved in full; a
line without an original document is rejected with reason NO-PROOF-OF-PURCHASE. Invoicing
finalizes every credit note it is asked for, then the handler closes the claim.
"""
from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from ..engine.domain.errors import ClaimflowError
from ..engine.domain.model import Claim
from ..engine.domain.statuses import OutboundKind, OutboundStatus
from ..engine.service.commands import ClaimCommand
from ..engine.settings import bundled_data_dir
from .bootstrap import App

COMPANY = "UK01"
NO_PROOF = "NO-PROOF-OF-PURCHASE"


def bundled_online_retail() -> Path:
    return bundled_data_dir() / "online-retail" / "online_retail_2010-12.csv"


@dataclass
class DemoSummary:
    import_report: dict = field(default_factory=dict)
    claims: int = 0
    claims_from_document: int = 0
    claims_without_document: int = 0
    header_statuses: Counter = field(default_factory=Counter)
    line_statuses: Counter = field(default_factory=Counter)
    rules_fired: Counter = field(default_factory=Counter)
    credited: dict = field(default_factory=dict)            # currency -> total of final credit notes
    credited_from_document: Decimal = Decimal("0")
    cancellation_matched_amount: Decimal = Decimal("0")
    commands: int = 0
    failures: list = field(default_factory=list)
    import_seconds: float = 0.0
    process_seconds: float = 0.0
    wall_seconds: float = 0.0

    @property
    def claims_per_second(self) -> float:
        return self.claims / self.process_seconds if self.process_seconds else 0.0

    def as_dict(self) -> dict:
        return {
            "import": self.import_report,
            "claims": self.claims, "claims_from_document": self.claims_from_document,
            "claims_without_document": self.claims_without_document,
            "header_statuses": dict(self.header_statuses), "line_statuses": dict(self.line_statuses),
            "top_rules": self.rules_fired.most_common(10),
            "credited": {k: str(v) for k, v in self.credited.items()},
            "credited_from_document": str(self.credited_from_document),
            "cancellation_matched_amount": str(self.cancellation_matched_amount),
            "commands": self.commands, "failures": self.failures,
            "import_seconds": round(self.import_seconds, 2), "process_seconds": round(self.process_seconds, 2),
            "wall_seconds": round(self.wall_seconds, 2), "claims_per_second": round(self.claims_per_second, 1),
        }


def run_demo(app: App, data_file: Path | None = None, limit: int | None = None, progress=None) -> DemoSummary:
    from .db import upgrade
    from .sources.online_retail import import_online_retail
    started = time.perf_counter()
    summary = DemoSummary()
    upgrade(app.settings.database_url)
    report = import_online_retail(app.uow_factory, data_file or bundled_online_retail(), COMPANY,
                                  progress=lambda d, t: progress("import", d, t) if progress else None)
    summary.import_report = report.as_dict()
    summary.cancellation_matched_amount = report.cancellation_matched_amount
    summary.import_seconds = time.perf_counter() - started
    with app.uow_factory() as uow:
        numbers = uow.claims.numbers(COMPANY, "free")
    numbers = numbers[:limit] if limit else numbers
    began = time.perf_counter()
    for done, number in enumerate(numbers, start=1):
        _drive(app, number, summary)
        if progress:
            progress("claims", done, len(numbers))
    summary.process_seconds = time.perf_counter() - began
    _tally(app, numbers, summary)
    summary.wall_seconds = time.perf_counter() - started
    return summary


def _drive(app: App, number: str, summary: DemoSummary) -> None:
    """Submit, decide by the handler policy, let Invoicing finalize, close."""
    def run(name: str, **kw) -> Claim:
        result = app.claims.run(ClaimCommand(name, COMPANY, number, actor=kw.pop("actor", "handler"), **kw))
        summary.commands += 1
        summary.rules_fired.update(result.effects.fired)
        return result.claim
    try:
        claim = run("submit")
        with_doc = [ln.line_no for ln in claim.lines if ln.doc_line_id is not None]
        without = [ln.line_no for ln in claim.lines if ln.doc_line_id is None]
        if with_doc and not without:
            claim = run("approve_claim")
        elif without and not with_doc:
            claim = run("reject_claim", reason=NO_PROOF, text="no earlier invoice of this item found")
        else:
            for line_no in with_doc:
                claim = run("approve_line", line_no=line_no)
            for line_no in without:
                claim = run("reject_line", line_no=line_no, reason=NO_PROOF)
        for doc in [d for d in claim.documents if d.status == OutboundStatus.OPEN]:
            claim = run("finalize_credit_note", document_number=doc.number, actor="invoicing")
        run("close")
    except ClaimflowError as error:  # the demo reports refusals instead of stopping
        summary.failures.append({"claim": number, "code": error.code, "message": error.message})


def _tally(app: App, numbers: list[str], summary: DemoSummary) -> None:
    for number in numbers:
        claim, _ = app.claims.show(COMPANY, number)
        summary.claims += 1
        if claim.document_id is not None:
            summary.claims_from_document += 1
        else:
            summary.claims_without_document += 1
        summary.header_statuses[claim.status] += 1
        summary.line_statuses.update(ln.status for ln in claim.lines)
        for doc in claim.documents:
            if doc.kind == OutboundKind.CREDIT_NOTE and doc.status == OutboundStatus.FINAL:
                summary.credited[doc.currency] = summary.credited.get(doc.currency, Decimal("0")) + doc.amount
                if claim.document_id is not None:
                    summary.credited_from_document += doc.amount
