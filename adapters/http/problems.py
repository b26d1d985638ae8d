"""Errors as application/problem+json (RFC 9457) with the same stable codes as the CLI."""
from __future__ import annotations

import json
from decimal import Decimal
from http import HTTPStatus

from fastapi.responses import Response

from ...engine.domain.errors import ClaimflowError, Reason

PROBLEM_JSON = "application/problem+json"

# Codes whose HTTP status differs from their class's `http_status`, and why:
_STATUS_BY_CODE = {
    "version_conflict": 412,          # If-Match named a version the claim is no longer at
    "engine_crashed": 503,            # a worker died; the pool is replaced, a retry works
    "engine_timeout": 503,
    "database_unavailable": 503,
}


class ApiError(ClaimflowError):
    """An error only the HTTP layer raises (authentication, permissions, idempotency)."""

    def __init__(self, status: int, code: str, message: str, reasons: list[Reason] | None = None,
                 headers: dict | None = None):
        super().__init__(message, reasons, code=code)
        self.http_status, self.headers = status, headers or {}


def status_of(error: ClaimflowError) -> int:
    return _STATUS_BY_CODE.get(error.code, error.http_status)


def dumps(payload) -> str:
    """JSON with Decimals as strings (never float) and dates in ISO form."""
    def default(value):
        if isinstance(value, Decimal):
            return str(value)
        if hasattr(value, "isoformat"):
            return value.isoformat()
        return str(value)
    return json.dumps(payload, default=default, ensure_ascii=False)


def json_response(payload, status: int = 200, headers: dict | None = None) -> Response:
    return Response(dumps(payload), status_code=status, media_type="application/json", headers=headers)


def problem(status: int, code: str, detail: str, reasons: list[dict] | None = None,
            headers: dict | None = None, **extra) -> Response:
    body = {"type": f"/problems/{code}", "title": HTTPStatus(status).phrase, "status": status,
            "detail": detail, "code": code, "reasons": reasons if reasons is not None else [
                {"code": code, "message": detail}], **extra}
    return Response(dumps(body), status_code=status, media_type=PROBLEM_JSON, headers=headers)


def from_error(error: ClaimflowError, **extra) -> Response:
    status = status_of(error)
    headers = dict(getattr(error, "headers", {}) or {})
    if status == 503:
        headers.setdefault("Retry-After", "1")
    return problem(status, error.code, error.message, [r.as_dict() for r in error.reasons], headers, **extra)


def internal_error() -> Response:
    """An unexpected failure: a bug. The body says so without any traceback or exception text."""
    return problem(500, "internal_error", "The service failed unexpectedly; the failure was logged.")


def is_retryable(status: int) -> bool:
    """Answers not worth remembering for an Idempotency-Key: a retry may well succeed."""
    return status >= 500 or status in (409, 412)

