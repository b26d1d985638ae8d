"""The lifecycle commands the API publishes: one entry each (route name, body, roles, service command)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from pydantic import BaseModel

from ...engine.domain.errors import InvalidInput
from .schemas import ApproveIn, FinalizeCreditNoteIn, NoArguments, RejectIn, decimal

HANDLERS = ("claim_handler", "approver")
APPROVERS = ("approver",)
INTEGRATIONS = ("integration",)


@dataclass(frozen=True)
class CommandRoute:
    """POST /companies/{company}/claims/{number}/commands/{name} runs `to_command(body)` for `roles`."""
    name: str
    body: type[BaseModel]
    roles: tuple[str, ...]
    summary: str
    to_command: Callable[[BaseModel], dict]


def _approve(body: ApproveIn) -> dict:
    if body.line is None and (body.quantity is not None or body.amount is not None):
        raise InvalidInput("quantity and amount need a line", code="invalid_option")
    return {"name": "approve_line" if body.line is not None else "approve_claim", "line_no": body.line,
            "approved_quantity": decimal(body.quantity), "approved_amount": decimal(body.amount)}


def _reject(body: RejectIn) -> dict:
    return {"name": "reject_line" if body.line is not None else "reject_claim", "line_no": body.line,
            "reason": body.reason.strip(), "text": body.text}


COMMANDS: tuple[CommandRoute, ...] = (
    CommandRoute("submit", NoArguments, HANDLERS, "Submit the claim: its lines go to their gates.",
                 lambda b: {"name": "submit"}),
    CommandRoute("approve", ApproveIn, APPROVERS, "Approve the whole claim, or one line (optionally partly).",
                 _approve),
    CommandRoute("reject", RejectIn, APPROVERS, "Reject the whole claim, or one line, with a reason.", _reject),
    CommandRoute("close", NoArguments, HANDLERS, "Close a decided claim whose lines are all final.",
                 lambda b: {"name": "close"}),
    CommandRoute("finalize-credit-note", FinalizeCreditNoteIn, INTEGRATIONS,
                 "Invoicing finalized a credit note of the claim: the line is settled by the rules.",
                 lambda b: {"name": "finalize_credit_note", "document_number": b.credit_note}),
)
