"""Rule evaluation in worker processes: a worker killed by SIGSEGV costs one request, not the service."""
from __future__ import annotations

import functools
import os
import signal
from pathlib import Path

import httpx
import pytest

from builders import COMPANY, seed
from claimflow.adapters.bootstrap import build_app
from claimflow.adapters.db.http_store import ApiKeyStore
from claimflow.adapters.http.app import create_api
from claimflow.adapters.http.auth import ApiKeys
from claimflow.adapters.http.server import BackgroundServer
from claimflow.adapters.http.worker_evaluator import ProcessPoolEvaluator
from claimflow.engine.domain.errors import CommandDenied, EvaluationFailed
from claimflow.engine.settings import Settings, bundled_rules_dir


def crash_once(marker: str, _command) -> None:
    """Runs in the worker before each evaluation: dies like a C-level crash while the marker exists."""
    if os.path.exists(marker):
        os.unlink(marker)
        os.kill(os.getpid(), signal.SIGSEGV)


@pytest.fixture
def crashing(tmp_path, migrated_db_url):
    marker = tmp_path / "crash-next"
    evaluator = ProcessPoolEvaluator(workers=1, before_evaluate=functools.partial(crash_once, str(marker)))
    app = build_app(Settings(database_url=migrated_db_url, rules_dir=bundled_rules_dir()), evaluator=evaluator)
    seed(app.uow_factory)
    yield app, evaluator, marker
    evaluator.close()
    app.close()


def test_a_crashed_worker_fails_one_evaluation_with_engine_crashed_and_the_next_one_works(crashing):
    app, evaluator, marker = crashing
    number = app.claims.register_from_document(COMPANY, "INV-0001").number
    from claimflow.engine.service.commands import ClaimCommand
    marker.touch()
    with pytest.raises(EvaluationFailed) as caught:
        app.claims.run(ClaimCommand("submit", COMPANY, number))
    assert caught.value.code == "engine_crashed" and evaluator.restarts == 1
    assert app.claims.run(ClaimCommand("submit", COMPANY, number)).claim.status == "pending_approval"


def test_rule_denials_come_back_from_the_worker_with_their_codes_and_reasons(crashing):
    app, _evaluator, _marker = crashing
    number = app.claims.register_from_document(COMPANY, "INV-0001").number
    from claimflow.engine.service.commands import ClaimCommand
    with pytest.raises(CommandDenied) as caught:
        app.claims.run(ClaimCommand("approve_claim", COMPANY, number))
    assert caught.value.code == "claim_not_pending_approval" and caught.value.reasons[0].rule_id


def test_the_service_answers_503_engine_crashed_then_serves_the_next_request(crashing):
    app, _evaluator, marker = crashing
    _record, token = ApiKeys(ApiKeyStore(app.uow_factory.engine)).create("t", "approver", [COMPANY])
    with BackgroundServer(create_api(app, owns_app=False)) as url, \
            httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=60) as client:
        number = client.post(f"/companies/{COMPANY}/claims", json={"source": "document", "document": "INV-0001"}
                             ).json()["number"]
        submit = f"/companies/{COMPANY}/claims/{number}/commands/submit"
        marker.touch()
        crashed = client.post(submit)
        assert crashed.status_code == 503 and crashed.json()["code"] == "engine_crashed"
        assert crashed.headers["Retry-After"] == "1"
        assert client.get(f"/companies/{COMPANY}/claims/{number}").json()["version"] == 1  # nothing changed
        assert client.post(submit).status_code == 200
        assert client.get("/health").json()["status"] == "ok"
