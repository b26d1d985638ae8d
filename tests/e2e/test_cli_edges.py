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
