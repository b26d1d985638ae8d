"""Fixtures of the HTTP tests: a served API on each database, seeded companies and one API key per role."""
from __future__ import annotations

from dataclasses import dataclass

import httpx
import pytest

from builders import COMPANY, document, seed
from claimflow.adapters.bootstrap import build_app
from claimflow.adapters.db.http_store import ApiKeyStore
from claimflow.adapters.http.app import create_api
from claimflow.adapters.http.auth import ROLES, ApiKeys
from claimflow.adapters.http.server import BackgroundServer
from claimflow.adapters.http.worker_evaluator import ProcessPoolEvaluator
from claimflow.engine.settings import Settings, bundled_rules_dir

OTHER = "OTHER"


@dataclass
class Served:
    """A running API: its base URL, the composed App behind it, and a token per role."""
    url: str
    app: object
    tokens: dict[str, str]

    def client(self, role: str | None = "approver", **kwargs) -> httpx.Client:
        headers = {"Authorization": f"Bearer {self.tokens[role]}"} if role else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=60, **kwargs)


@pytest.fixture(scope="session")
def pool_evaluator():
    """One pool of durable-rules worker processes for the whole session (spawning costs a second)."""
    evaluator = ProcessPoolEvaluator(workers=2)
    yield evaluator
    evaluator.close()


def serve(db_url: str, evaluator):
    """Composes the app on `db_url`, seeds ACME and OTHER, creates keys, serves on 127.0.0.1."""
    app = build_app(Settings(database_url=db_url, rules_dir=bundled_rules_dir(), actor="test"), evaluator=evaluator)
    seed(app.uow_factory)
    seed(app.uow_factory, company_code=OTHER, documents=[document("INV-9", company_code=OTHER)])
    keys = ApiKeys(ApiKeyStore(app.uow_factory.engine))
    tokens = {role: keys.create(f"{role}-key", role, [COMPANY])[1] for role in ROLES}
    tokens["other"] = keys.create("other-approver", "approver", [OTHER])[1]
    return app, tokens


@pytest.fixture
def served(migrated_db_url, pool_evaluator):
    app, tokens = serve(migrated_db_url, pool_evaluator)
    try:
        with BackgroundServer(create_api(app, owns_app=False)) as url:
            yield Served(url, app, tokens)
    finally:
        app.close()


def new_claim(client: httpx.Client, company: str = COMPANY, **body) -> dict:
    body = body or {"source": "document", "document": "INV-0001"}
    response = client.post(f"/companies/{company}/claims", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def command(client: httpx.Client, number: str, name: str, body: dict | None = None, version: int | None = None,
            company: str = COMPANY, **headers) -> httpx.Response:
    if version is not None:
        headers["If-Match"] = f'"{version}"'
    return client.post(f"/companies/{company}/claims/{number}/commands/{name}", json=body, headers=headers)
