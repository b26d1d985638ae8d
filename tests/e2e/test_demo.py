"""`claims demo` end to end on a small slice of the bundled Online Retail month (the second
company, Superstore, is left out here; the wheel test runs both)."""
from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, text

from claimflow.adapters.demo import bundled_online_retail
from claimflow.cli.main import cli

ROWS = 6_000       # about 30 claims: enough for the limit
LIMIT = 15


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("demo")
    data = folder / "slice.csv"
    with bundled_online_retail().open(encoding="utf-8", newline="") as source:
        data.write_text("".join(line for _, line in zip(range(ROWS + 1), source)), encoding="utf-8")
    db_file = folder / "demo.sqlite"
    result = CliRunner().invoke(cli, ["demo", "--limit", str(LIMIT), "--db-file", str(db_file), "--data", str(data),
                                      "--online-retail-only", "--json"], catch_exceptions=False)
    return result, db_file


def test_the_demo_on_a_slice_exits_cleanly_with_a_json_summary(demo_run):
    result, db_file = demo_run
    assert result.exit_code == 0, result.output + result.stderr
    summary = json.loads(result.stdout)
    assert [c["company"] for c in summary["companies"]] == ["UK01"]
    assert summary["companies"][0]["import"]["rows_read"] == ROWS
    assert summary["failures"] == []
    assert db_file.exists()


def test_every_claim_the_demo_drives_ends_closed(demo_run):
    summary = json.loads(demo_run[0].stdout)
    company = summary["companies"][0]
    assert summary["claims"] == company["claims"] == LIMIT
    assert company["header_statuses"] == {"closed": LIMIT}
    assert set(company["line_statuses"]) <= {"settled", "rejected"}
    assert sum(company["paths"].values()) == LIMIT
    assert summary["commands"] >= 3 * LIMIT  # submit, a decision and close at least


def test_what_the_demo_says_it_credited_is_the_sum_of_final_credit_notes_in_the_database(demo_run):
    result, db_file = demo_run
    summary = json.loads(result.stdout)
    engine = create_engine(f"sqlite:///{db_file}")
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT currency, amount, status FROM outbound_documents "
                                 "WHERE kind = 'credit_note'")).all()
        closed = conn.execute(text("SELECT count(*) FROM claims WHERE status = 'closed'")).scalar_one()
    engine.dispose()
    totals: dict[str, Decimal] = {}
    for currency, amount, status in rows:
        assert status == "final"  # Invoicing finalized every credit note it was asked for
        totals[currency] = totals.get(currency, Decimal("0")) + Decimal(str(amount))
    assert Decimal(summary["companies"][0]["credited"]) == totals.get("GBP", Decimal("0"))
    assert set(totals) <= {"GBP"} and sum(totals.values()) > 0
    assert closed == LIMIT


def test_the_demo_prints_a_readable_summary_without_json(tmp_path):
    data = tmp_path / "tiny.csv"
    with bundled_online_retail().open(encoding="utf-8", newline="") as source:
        data.write_text("".join(line for _, line in zip(range(1_500), source)), encoding="utf-8")
    result = CliRunner().invoke(cli, ["demo", "--limit", "3", "--db-file", str(tmp_path / "d.sqlite"),
                                      "--data", str(data), "--online-retail-only"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "UK01 (GBP)" in result.stdout and "claims/s through the process" in result.stdout
