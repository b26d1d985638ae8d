"""Requests per second of the HTTP API (GET show, POST approve) on SQLite and, with --pg, PostgreSQL; loopback only."""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from builders import COMPANY, document, seed  # noqa: E402
from claimflow.adapters.bootstrap import build_app  # noqa: E402
from claimflow.adapters.db import normalize_url, upgrade  # noqa: E402
from claimflow.adapters.db.http_store import ApiKeyStore  # noqa: E402
from claimflow.adapters.http.app import create_api  # noqa: E402
from claimflow.adapters.http.auth import ApiKeys  # noqa: E402
from claimflow.adapters.http.server import BackgroundServer  # noqa: E402
from claimflow.adapters.http.worker_evaluator import ProcessPoolEvaluator  # noqa: E402
from claimflow.engine.settings import Settings, bundled_rules_dir  # noqa: E402


def pg_schema_url(base: str) -> str:
    """A fresh schema `claimflow_bench` on the given PostgreSQL database, as a search_path URL."""
    url = normalize_url(base)
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text('DROP SCHEMA IF EXISTS "claimflow_bench" CASCADE'))
        conn.execute(text('CREATE SCHEMA "claimflow_bench"'))
    admin.dispose()
    return url.update_query_dict({"options": "-csearch_path=claimflow_bench"}).render_as_string(hide_password=False)


def bench(db_url: str, requests: int, eval_workers: int) -> dict:
    upgrade(db_url)
    evaluator = ProcessPoolEvaluator(eval_workers)
    app = build_app(Settings(database_url=db_url, rules_dir=bundled_rules_dir(), actor="bench"), evaluator=evaluator)
    # One invoice line per claim to approve: every approve is a real decision with a credit note.
    seed(app.uow_factory, documents=[document(f"INV-{i:05d}") for i in range(requests)])
    _record, token = ApiKeys(ApiKeyStore(app.uow_factory.engine)).create("bench", "approver", [COMPANY])
    try:
        with BackgroundServer(create_api(app, owns_app=False)) as url, \
                httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=60) as client:
            numbers = [_submitted_claim(client, f"INV-{i:05d}") for i in range(requests)]
            show = _rate(lambda n: client.get(f"/companies/{COMPANY}/claims/{n}"), numbers)
            approve = _rate(lambda n: client.post(f"/companies/{COMPANY}/claims/{n}/commands/approve",
                                                  headers={"If-Match": '"2"'}), numbers)
    finally:
        evaluator.close()
        app.close()
    return {"GET show req/s": round(show, 1), "POST approve req/s": round(approve, 1)}


def _submitted_claim(client: httpx.Client, invoice: str) -> str:
    number = client.post(f"/companies/{COMPANY}/claims", json={"source": "document", "document": invoice}).json()["number"]
    assert client.post(f"/companies/{COMPANY}/claims/{number}/commands/submit").status_code == 200
    return number


def _rate(call, numbers: list[str]) -> float:
    started = time.perf_counter()
    for number in numbers:
        response = call(number)
        assert response.status_code == 200, response.text
    return len(numbers) / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=200, help="requests per measured endpoint (bounded)")
    parser.add_argument("--eval-workers", type=int, default=2)
    parser.add_argument("--pg", default=os.environ.get("CLAIMFLOW_TEST_PG_URL"), help="PostgreSQL URL (loopback)")
    args = parser.parse_args()
    requests = max(1, min(args.requests, 5000))
    with tempfile.TemporaryDirectory() as folder:
        print("sqlite    ", bench(f"sqlite:///{folder}/bench.sqlite", requests, args.eval_workers))
    if args.pg:
        host = normalize_url(args.pg).host or ""
        if host not in ("127.0.0.1", "localhost", "::1"):
            sys.exit(f"refusing a non-loopback database host {host!r}")
        print("postgresql", bench(pg_schema_url(args.pg), requests, args.eval_workers))


if __name__ == "__main__":
    main()
