"""Idempotency-Key handling: a retried request gets the first answer and changes nothing."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Callable

from fastapi.responses import Response

from ...engine.domain.errors import ClaimflowError
from ..db.http_store import IdempotencyStore
from . import problems
from .auth import Principal

# A reservation older than this whose request never finished (its server died) may be taken over.
STALE_AFTER = timedelta(minutes=2)


class Idempotency:
    def __init__(self, store: IdempotencyStore, clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc)):
        self.store, self.clock = store, clock

    def run(self, who: Principal, company: str, key: str | None, fingerprint: str,
            action: Callable[[], Response]) -> Response:
        """Runs `action` once per (company, key); ClaimflowErrors become problem responses here so
        they can be remembered too."""
        if key is None:
            return _answer(action)
        now = self.clock()
        first = self.store.reserve(company, key, who.key_id, fingerprint, now)
        if first is not None:
            replay = self._replay(first, fingerprint, now)
            if replay is not None:
                return replay
        try:
            response = _answer(action)
        except BaseException:
            self.store.release(company, key)
            raise
        if problems.is_retryable(response.status_code):
            self.store.release(company, key)
        else:
            self.store.complete(company, key, response.status_code, response.body.decode())
        return response

    def _replay(self, first, fingerprint: str, now: datetime) -> Response | None:
        """The stored answer, an error, or None when a dead request's reservation was taken over."""
        if first.request_hash != fingerprint:
            return problems.problem(422, "idempotency_key_reused",
                                    "This Idempotency-Key was used for a different request; use a new key.")
        if first.status_code is not None:
            return _stored(first.status_code, first.response_body)
        if self.store.take_over(first.company_code, first.key, fingerprint, now - STALE_AFTER, now):
            return None
        return problems.problem(409, "idempotency_in_progress",
                                "A request with this Idempotency-Key is still running; retry shortly.",
                                headers={"Retry-After": "1"})


def _answer(action: Callable[[], Response]) -> Response:
    try:
        return action()
    except ClaimflowError as error:
        return problems.from_error(error)


def _stored(status: int, body: str) -> Response:
    headers = {"Idempotent-Replayed": "true"}
    media = problems.PROBLEM_JSON if status >= 400 else "application/json"
    if status < 400:
        version = json.loads(body).get("version")
        if version is not None:
            headers["ETag"] = f'"{version}"'
    return Response(body, status_code=status, media_type=media, headers=headers)
