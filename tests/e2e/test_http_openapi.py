"""The published OpenAPI document: valid by openapi-spec-validator, and fuzzed by schemathesis without a 500."""
from __future__ import annotations

import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import httpx
import pytest
from openapi_spec_validator import validate

from test_http_support import pool_evaluator, served  # noqa: F401  (fixtures)

# Every check that judges the service, not the data: positive_data_acceptance is left out
# because the service rightly refuses schema-valid but meaningless claims (unknown customer,
# zero quantity) with 404/409/422.
CHECKS = ("not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,"
          "response_headers_conformance,unsupported_method,use_after_free,ensure_resource_availability")
MAX_EXAMPLES = 25  # per operation; deterministic generation: the same cases every run


def test_the_openapi_document_is_valid_and_names_every_operation(served):
    spec = httpx.get(f"{served.url}/openapi.json").json()
    validate(spec)
    operations = {op["operationId"] for path in spec["paths"].values() for op in path.values()}
    assert {"create_claim", "show_claim", "list_claims", "rules", "health", "command_approve",
            "command_reject", "command_submit", "command_close", "command_finalize_credit_note"} <= operations
    approve = spec["paths"]["/companies/{company}/claims/{number}/commands/approve"]["post"]
    assert "application/problem+json" in approve["responses"]["412"]["content"]


@pytest.mark.slow
def test_schemathesis_finds_no_server_error_and_no_contract_violation(served, tmp_path):
    cli = shutil.which("schemathesis") or str(Path(sys.executable).parent / "schemathesis")
    runs = {}
    for role in ("approver", "integration"):  # integration reaches finalize-credit-note and creation
        report = tmp_path / role
        done = subprocess.run(
            [cli, "run", f"{served.url}/openapi.json", "-H", f"Authorization: Bearer {served.tokens[role]}",
             "--checks", CHECKS, "--max-examples", str(MAX_EXAMPLES), "--generation-deterministic", "--workers", "1",
             "--max-time", "150", "--request-timeout", "30", "--no-color", "--report", "junit",
             "--report-dir", str(report)],
            capture_output=True, text=True, timeout=420)
        runs[role] = _junit_totals(report)
        assert done.returncode == 0, done.stdout[-8000:] + done.stderr[-2000:]
    print(f"\nschemathesis: {runs}")  # figures for the report (pytest -s)
    assert all(totals["failures"] == 0 and totals["errors"] == 0 for totals in runs.values())


def _junit_totals(folder: Path) -> dict:
    tests = failures = errors = 0
    for path in folder.glob("*.xml"):
        for suite in ET.parse(path).getroot().iter("testsuite"):
            tests += int(suite.get("tests", 0))
            failures += int(suite.get("failures", 0))
            errors += int(suite.get("errors", 0))
    return {"operations": tests, "failures": failures, "errors": errors}
