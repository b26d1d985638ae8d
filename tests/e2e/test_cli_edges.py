"""CLI edges: an uninitialised database, output closed early, customers for manual claims."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from claimflow.cli.main import cli

CLAIMS = str(Path(sys.executable).parent / "claims")


def test_a_database_never_initialised_is_a_configuration_error_naming_claims_init(tmp_path):
    db = f"sqlite:///{tmp_path / 'empty.sqlite'}"
    result = CliRunner().invoke(cli, ["--db", db, "claim", "list", "--company", "X", "--json"])
    assert result.exit_code == 9
    error = json.loads(result.stdout)["error"]
    assert error["code"] == "schema_missing" and "claims init" in error["message"]


def test_human_output_piped_into_a_reader_that_stops_early_is_not_an_error(tmp_path):
    db = f"sqlite:///{tmp_path / 'c.sqlite'}"
    subprocess.run([CLAIMS, "--db", db, "init", "--company", "ACME"], check=True, capture_output=True)
    listing = subprocess.Popen([CLAIMS, "--db", db, "rules", "show"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    listing.stdout.readline()
    listing.stdout.close()  # like `| head -1`
    stderr = listing.stderr.read().decode()
    assert listing.wait(timeout=60) in (0, -13) and "internal error" not in stderr and "Traceback" not in stderr


def test_a_customer_added_from_the_cli_can_claim_by_hand_and_twice_is_a_duplicate(tmp_path):
    db = f"sqlite:///{tmp_path / 'c.sqlite'}"
    runner = CliRunner()
    assert runner.invoke(cli, ["--db", db, "init", "--company", "ACME"]).exit_code == 0
    added = runner.invoke(cli, ["--db", db, "customer", "add", "C9", "--name", "Nine", "--json"])
    assert added.exit_code == 0 and json.loads(added.stdout) == {"customer": "C9", "company": "ACME"}
    claim = runner.invoke(cli, ["--db", db, "claim", "create", "--customer", "C9", "--item", "X:1:10.00", "--json"])
    assert claim.exit_code == 0 and json.loads(claim.stdout)["customer"] == "C9"
    again = runner.invoke(cli, ["--db", db, "customer", "add", "C9", "--json"])
    assert again.exit_code == 5 and json.loads(again.stdout)["error"]["code"] == "duplicate"


def _initialised(tmp_path) -> str:
    db = f"sqlite:///{tmp_path / 'e.sqlite'}"
    assert CliRunner().invoke(cli, ["--db", db, "init", "--company", "ACME"]).exit_code == 0
    assert CliRunner().invoke(cli, ["--db", db, "customer", "add", "C1"]).exit_code == 0
    return db


def _error(db: str, *args) -> tuple[int, dict]:
    result = CliRunner().invoke(cli, ["--db", db, *args, "--json"])
    return result.exit_code, json.loads(result.stdout)["error"]


def test_numbers_the_database_cannot_hold_exactly_are_refused_as_input_not_crashes(tmp_path):
    db = _initialised(tmp_path)
    for item in ("A:1e30:5", "A:1.00001:5", "A:1:99999999999999999", "A:-1:5", "A:1:5.123"):
        code, error = _error(db, "claim", "create", "--customer", "C1", "--item", item)
        assert code == 2 and error["code"] in ("invalid_option", "invalid_number"), (item, error)
    code, error = _error(db, "claim", "create", "--customer", "C1", "--item", ":1:5")
    assert code == 2 and error["code"] == "invalid_item"


def test_listing_with_an_unknown_status_or_company_says_so(tmp_path):
    db = _initialised(tmp_path)
    code, error = _error(db, "claim", "list", "--status", "bogus")
    assert code == 2 and error["code"] == "invalid_option"
    code, error = _error(db, "claim", "list", "--company", "NOPE")
    assert code == 3 and error["code"] == "company_not_found"


def test_a_database_file_that_cannot_be_opened_is_a_configuration_error(tmp_path):
    code, error = _error(f"sqlite:///{tmp_path / 'no' / 'dir' / 'x.sqlite'}", "claim", "list", "--company", "ACME")
    assert code == 9 and error["code"] == "database_unavailable"


def test_init_refuses_a_bad_company_code_or_currency(tmp_path):
    db = f"sqlite:///{tmp_path / 'i.sqlite'}"
    assert _error(db, "init", "--company", "")[1]["code"] == "invalid_option"
    assert _error(db, "init", "--company", "ACME", "--currency", "XYZW")[1]["code"] == "invalid_option"


def test_explaining_a_command_for_a_line_the_claim_does_not_have_is_not_found(tmp_path):
    db = _initialised(tmp_path)
    created = CliRunner().invoke(cli, ["--db", db, "claim", "create", "--customer", "C1", "--item", "A:1:5", "--json"])
    number = json.loads(created.stdout)["number"]
    code, error = _error(db, "rules", "explain", number, "--command", "approve_line", "--line", "77")
    assert code == 3 and error["code"] == "line_not_found"
