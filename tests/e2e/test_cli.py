"""The `claims` command line end to end: a manual claim's whole life, bad input, --json everywhere.

Through click's CliRunner (fast, in process) and as a real subprocess (the installed entry point).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from builders import customer
from claimflow.cli.main import cli

COMPANY = "ACME"


@pytest.fixture
def db(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'cli.sqlite'}"


def claims(db: str, *args: str, expect: int = 0):
    """Runs `claims --db DB ARGS` in process; returns the parsed JSON (when --json) and the result."""
    result = CliRunner().invoke(cli, ["--db", db, "--actor", "ana", *args], catch_exceptions=False)
    assert result.exit_code == expect, (args, result.exit_code, result.output, result.stderr)
    assert "Traceback" not in result.output + result.stderr
    payload = json.loads(result.stdout) if "--json" in args and result.stdout.strip() else None
    return payload, result


@pytest.fixture
def company_db(db) -> str:
    """`claims init --company ACME` plus one customer (the CLI has no command to add a customer)."""
    payload, _ = claims(db, "init", "--company", COMPANY, "--currency", "EUR", "--json")
    assert payload["company_created"] is True and payload["revision"]
    from claimflow.adapters.db import make_uow_factory
    uow_factory = make_uow_factory(db)
    with uow_factory() as uow:
        uow.master_data.add_customer(customer("C001", company_code=COMPANY))
        uow.commit()
    uow_factory.engine.dispose()
    return db


def _new_claim(db: str) -> dict:
    created, _ = claims(db, "claim", "create", "--company", COMPANY, "--customer", "C001",
                        "--item", "ITEM-1:2:10.00", "--item", "ITEM-2:1:5.5", "--text", "broken on arrival", "--json")
    return created


def test_a_manual_claim_goes_from_registration_to_closed_through_the_command_line(company_db):
    db = company_db
    created = _new_claim(db)
    number = created["number"]
    assert (created["status"], created["origin"], created["currency"]) == ("free", "manual", "EUR")
    assert [(ln["line"], ln["quantity"], ln["amount"]) for ln in created["lines"]] == [(10, "2", "10.00"), (20, "1", "5.50")]

    submitted, _ = claims(db, "claim", "submit", number, "--json")
    assert submitted["status"] == "pending_approval"
    assert {ln["status"] for ln in submitted["lines"]} == {"pending_approval"}
    assert "submit.header" in submitted["fired"]

    approved, _ = claims(db, "claim", "approve", number, "--if-version", str(submitted["version"]), "--json")
    assert approved["status"] == "approved"
    notes = [d for d in approved["documents"] if d["kind"] == "credit_note"]
    assert sorted((d["line"], d["amount"], d["status"]) for d in notes) == [(10, "10.00", "open"), (20, "5.50", "open")]

    for note in notes:
        finalized, _ = claims(db, "finance", "finalize-credit-note", number, note["number"], "--json")
    assert {ln["status"] for ln in finalized["lines"]} == {"settled"}

    closed, _ = claims(db, "claim", "close", number, "--json")
    assert closed["status"] == "closed"

    shown, _ = claims(db, "claim", "show", number, "--json")
    assert {"number", "status", "version", "customer", "currency", "lines", "documents", "audit", "ruleset",
            "partially_approved", "invoice_procedure"} <= set(shown)
    assert shown["status"] == "closed" and shown["customer"] == "C001" and shown["internal_text"] == "broken on arrival"
    assert {"line", "status", "item", "quantity", "amount", "approved_quantity", "approved_amount"} <= set(shown["lines"][0])
    assert [d["status"] for d in shown["documents"]] == ["final", "final"]
    assert shown["audit"] and all(a["rule"] and a["ruleset"] == shown["ruleset"] and a["actor"] == "ana"
                                  for a in shown["audit"])
    assert (shown["audit"][-1]["from"], shown["audit"][-1]["to"]) == ("approved", "closed")

    listed, _ = claims(db, "claim", "list", "--json")
    assert [(c["number"], c["status"], c["amount"]) for c in listed] == [(number, "closed", "15.50")]
    human, result = claims(db, "claim", "list")
    assert number in result.stdout and "closed" in result.stdout


def test_the_human_output_names_the_claim_and_its_status(company_db):
    number = _new_claim(company_db)["number"]
    _, result = claims(company_db, "claim", "submit", number)
    assert f"claim {number}: pending_approval" in result.stdout


# --- bad input: documented exit code, a coded message, no traceback -------------------------------

def _error(db: str, *args: str, expect: int) -> tuple[dict, str]:
    """The JSON error (with --json) and the human message (without) of one bad command."""
    payload, _ = claims(db, *args, "--json", expect=expect)
    _, result = claims(db, *args, expect=expect)
    return payload["error"], result.stderr


def test_an_unknown_claim_is_not_found_with_exit_code_3(company_db):
    error, message = _error(company_db, "claim", "show", "CLM-999999", expect=3)
    assert error["code"] == "claim_not_found" and "CLM-999999" in error["message"]
    assert message.startswith("error [claim_not_found]:")


def test_a_rejection_without_a_reason_is_refused_by_the_rules_with_exit_code_4(company_db):
    number = _new_claim(company_db)["number"]
    claims(company_db, "claim", "submit", number)
    error, message = _error(company_db, "claim", "reject", number, expect=4)
    assert error["code"] == "rejection_reason_required"
    assert error["reasons"][0]["rule_id"] == "reject.guard.reason"
    assert "error [rejection_reason_required]" in message


def test_a_stale_version_is_a_conflict_with_exit_code_5(company_db):
    number = _new_claim(company_db)["number"]
    error, message = _error(company_db, "claim", "submit", number, "--if-version", "99", expect=5)
    assert error["code"] == "version_conflict"
    assert "error [version_conflict]" in message


def test_a_malformed_item_is_invalid_input_with_exit_code_2(company_db):
    error, message = _error(company_db, "claim", "create", "--company", COMPANY, "--customer", "C001",
                            "--item", "ITEM-1:2", expect=2)
    assert error["code"] == "invalid_option" and "ITEM:QUANTITY:AMOUNT" in error["message"]
    assert "error [invalid_option]" in message


def test_a_quantity_that_is_not_a_number_is_a_usage_error_with_exit_code_2(company_db):
    number = _new_claim(company_db)["number"]
    _, result = claims(company_db, "claim", "approve", number, "--line", "10", "--quantity", "abc", expect=2)
    assert "'abc' is not a number" in result.stderr and "--quantity" in result.stderr


def test_a_usage_error_carries_an_error_code_like_every_other_user_error(company_db):
    number = _new_claim(company_db)["number"]
    payload, _ = claims(company_db, "claim", "approve", number, "--line", "10", "--quantity", "abc", "--json",
                        expect=2)
    assert payload["error"]["code"]


def test_a_missing_import_file_is_exit_code_7(company_db, tmp_path):
    error, message = _error(company_db, "import", "online-retail", str(tmp_path / "nope.csv"), expect=7)
    assert error["code"] == "import_file_missing"
    assert "error [import_file_missing]" in message


def test_a_rules_folder_without_rule_files_is_exit_code_6(company_db, tmp_path):
    empty = tmp_path / "no-rules"
    empty.mkdir()
    number = _new_claim(company_db)["number"]
    error, message = _error_with_rules(company_db, str(empty), number)
    assert error["code"] == "rules_invalid"
    assert any(r["code"] == "no_rule_files" for r in error["reasons"])
    assert "error [rules_invalid]" in message


def _error_with_rules(db: str, rules: str, number: str):
    """--rules is a global option, before the command: `claims --rules DIR claim submit N`."""
    result = CliRunner().invoke(cli, ["--db", db, "--rules", rules, "claim", "submit", number, "--json"])
    assert result.exit_code == 6, result.output
    human = CliRunner().invoke(cli, ["--db", db, "--rules", rules, "claim", "submit", number])
    assert human.exit_code == 6 and "Traceback" not in human.output + human.stderr
    return json.loads(result.stdout)["error"], human.stderr


def _commands(group: click.Group, prefix=()):
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            yield from _commands(command, prefix + (name,))
        else:
            yield " ".join(prefix + (name,)), command


# Reported to the HTTP service's owner: a long-running server with no --json (its start-up line could be JSON).
_NO_JSON_YET: set[str] = set()


@pytest.mark.parametrize("name,command", [
    pytest.param(n, c, id=n, marks=[pytest.mark.xfail(strict=True, reason="reported: no --json yet")]
                 if n in _NO_JSON_YET else []) for n, c in _commands(cli)])
def test_every_command_accepts_json(name, command):
    assert any("--json" in p.opts for p in command.params), f"`claims {name}` has no --json"


# --- the installed entry point ------------------------------------------------------------------------

def _claims_executable() -> str:
    exe = Path(sys.executable).with_name("claims")
    return str(exe) if exe.exists() else "claims"


def test_the_installed_claims_command_runs_and_reports_errors_without_a_traceback(tmp_path):
    db = f"sqlite:///{tmp_path / 'sub.sqlite'}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLAIMFLOW_")}
    ok = subprocess.run([_claims_executable(), "--db", db, "init", "--company", "SUB", "--json"],
                        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120)
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["company_created"] is True
    missing = subprocess.run([_claims_executable(), "--db", db, "claim", "show", "CLM-000404", "--company", "SUB"],
                             capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120)
    assert missing.returncode == 3
    assert missing.stderr.startswith("error [claim_not_found]") and "Traceback" not in missing.stderr
