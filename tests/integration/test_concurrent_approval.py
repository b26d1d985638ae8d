"""Two OS processes approve the same claim at the same moment (PostgreSQL): one wins, one conflicts.

Each process runs the real `claims` command line. Both import everything first, then wait for a
barrier file; the test creates it once both are ready, so their transactions overlap.
"""
from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest
from sqlalchemy import text

from conftest import PG_SKIP_REASON, _pg_base_url
from service_helpers import make_service, run, seeded_claim, snapshot

pytestmark = pytest.mark.postgres

RUNNER = r"""
import os, sys, time
from claimflow.cli.main import cli          # import before the barrier: start-up is not the race
barrier, ready = sys.argv[1], sys.argv[2]
open(ready, "w").close()
deadline = time.monotonic() + 60
while not os.path.exists(barrier):
    if time.monotonic() > deadline:
        sys.exit(99)
    time.sleep(0.001)
cli.main(sys.argv[3:], prog_name="claims")
"""


@pytest.fixture(params=[pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_backend(request) -> str:
    """This module runs on PostgreSQL only (SQLite serialises writers with BEGIN IMMEDIATE)."""
    if _pg_base_url() is None:
        pytest.skip(PG_SKIP_REASON)
    return request.param


def _race(tmp_path, url: str, number: str, version: int, round_no: int):
    barrier = tmp_path / f"go-{round_no}"
    procs, ready = [], []
    for n in range(2):
        flag = tmp_path / f"ready-{round_no}-{n}"
        ready.append(flag)
        args = ["claims", "--db", url, "--actor", f"handler{n}", "claim", "approve", number,
                "--company", "ACME", "--if-version", str(version), "--json"]
        procs.append(subprocess.Popen([sys.executable, "-c", RUNNER, str(barrier), str(flag), *args[1:]],
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    deadline = time.monotonic() + 60
    while not all(f.exists() for f in ready):
        assert time.monotonic() < deadline, "the approving processes did not start"
        time.sleep(0.01)
    barrier.touch()
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        results.append((proc.returncode, out, err))
    return results


@pytest.mark.parametrize("round_no", range(3))
def test_two_processes_approving_the_same_claim_produce_one_credit_note_and_one_conflict(
        uow_factory, migrated_db_url, tmp_path, round_no):
    service = make_service(uow_factory)
    number = seeded_claim(uow_factory, service, [("ITEM-1", "10", "2.50")])
    run(service, "submit", number)
    version = snapshot(uow_factory, number).version

    results = _race(tmp_path, migrated_db_url, number, version, round_no)

    codes = sorted(code for code, _, _ in results)
    assert codes == [0, 5], results
    winner = next(out for code, out, _ in results if code == 0)
    loser_out, loser_err = next((out, err) for code, out, err in results if code == 5)
    assert json.loads(winner)["status"] == "approved"
    error = json.loads(loser_out)["error"]
    assert error["code"] in ("version_conflict", "conflict")
    assert "Traceback" not in loser_err
    with uow_factory() as uow:
        notes = uow.session.execute(text("SELECT amount FROM outbound_documents WHERE kind = 'credit_note'")).all()
    assert len(notes) == 1 and str(notes[0][0]).startswith("25.00")
    after = snapshot(uow_factory, number)
    assert (after.status, after.version) == ("approved", version + 1)
