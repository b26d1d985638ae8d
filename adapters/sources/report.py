"""The import report: what a source import read, kept, rejected (by reason) and wrote."""
from __future__ import annotations

from dataclasses import dataclass, field, fields
from decimal import Decimal

from claimflow.engine.domain.money import round_money

# How many example row numbers each reject reason keeps: enough to look a few up, small enough
# for a report a person reads.
MAX_EXAMPLES = 5


@dataclass
class RejectTally:
    """Rows rejected for one reason, with the first few row numbers as examples."""
    count: int = 0
    examples: list[int] = field(default_factory=list)

    def add(self, row_no: int) -> None:
        self.count += 1
        if len(self.examples) < MAX_EXAMPLES:
            self.examples.append(row_no)


@dataclass
class ImportReport:
    """Counts of one import. Row numbers are 1-based data rows (the header is not a row).

    Every data row lands in exactly one bucket, so
    rows_read == invoice_lines + cancellation_rows_matched + cancellation_rows_unmatched
                 + rows_rejected.
    Cancellation amounts are positive magnitudes (|quantity| x unit price); the file writes
    them with a minus sign.
    """
    source: str = ""
    company_code: str = ""
    # -- what the file holds (planning) ------------------------------------------------------
    rows_read: int = 0
    invoice_lines: int = 0
    invoices: int = 0
    customers: int = 0
    items: int = 0
    cancellation_rows: int = 0           # every C row, accepted or rejected
    cancellation_rows_matched: int = 0   # some quantity found an earlier invoice line
    cancellation_rows_partially_matched: int = 0  # ... of which a rest stayed unmatched
    cancellation_rows_unmatched: int = 0  # no earlier purchase in the file: claim without document
    rejected: dict[str, RejectTally] = field(default_factory=dict)
    claims_from_document: int = 0
    claims_without_document: int = 0
    claim_lines: int = 0
    cancellation_total: Decimal = Decimal("0")          # all C rows that could be read
    cancellation_matched_amount: Decimal = Decimal("0")  # matched quantity at the C row's price
    cancellation_unmatched_amount: Decimal = Decimal("0")
    credited_from_document: Decimal = Decimal("0")  # claim lines at the original invoice's price
    credited_without_document: Decimal = Decimal("0")
    # -- what the persisting step wrote ------------------------------------------------------
    company_created: bool = False
    customers_new: int = 0
    items_new: int = 0
    invoices_new: int = 0
    invoices_already_present: int = 0
    invoice_lines_new: int = 0
    invoice_lines_already_present: int = 0
    claims_new: int = 0
    claims_new_from_document: int = 0
    claims_new_without_document: int = 0
    claims_already_present: int = 0
    claim_lines_new: int = 0

    def reject(self, reason: str, row_no: int) -> None:
        self.rejected.setdefault(reason, RejectTally()).add(row_no)

    @property
    def rows_rejected(self) -> int:
        return sum(t.count for t in self.rejected.values())

    @property
    def rows_accounted(self) -> int:
        """Rows in some bucket; equals rows_read unless the importer lost a row (a bug)."""
        return (self.invoice_lines + self.cancellation_rows_matched
                + self.cancellation_rows_unmatched + self.rows_rejected)

    def rejected_counts(self) -> dict[str, int]:
        return {reason: t.count for reason, t in sorted(self.rejected.items())}

    def as_dict(self) -> dict:
        out = plain_fields(self)
        out["rows_rejected"] = self.rows_rejected
        return out


def plain_fields(report) -> dict:
    """A report dataclass, JSON-friendly: Decimals become strings with two decimals, tallies of
    rejected rows {reason: {count, examples}} sorted by reason."""
    out: dict = {}
    for f in fields(report):
        value = getattr(report, f.name)
        if isinstance(value, Decimal):
            value = str(round_money(value))
        elif isinstance(value, dict) and all(isinstance(t, RejectTally) for t in value.values()):
            value = {reason: {"count": t.count, "examples": list(t.examples)} for reason, t in sorted(value.items())}
        out[f.name] = value
    return out
