"""Generic imports into a real database (SQLite and PostgreSQL) and through the `claims import` CLI."""
from __future__ import annotations

import json
from decimal import Decimal

import pytest
from click.testing import CliRunner

from claimflow.adapters.sources.generic import import_calls, import_documents
from claimflow.cli.main import cli
from claimflow.engine.domain.errors import ImportFileInvalid, NotFound
from claimflow.engine.domain.model import Company
from claimflow.engine.domain.statuses import DocumentType

COMPANY = "DE01"
CSV_HEADER = "type,number,customer,date,currency,line,item,quantity,price,description\n"


@pytest.fixture
def company(uow_factory):
    with uow_factory() as uow:
        uow.companies.add(Company(code=COMPANY, name="Demo", currency="EUR"))
        uow.commit()
    return COMPANY


def documents_json(tmp_path, docs, name="docs.json"):
    path = tmp_path / name
    path.write_text(json.dumps({"documents": docs}), encoding="utf-8")
    return path


def five_documents():
    return [{"type": str(t), "number": f"D-{i}", "customer": f"C{i % 2}", "date": "2024-03-01T10:00:00Z",
             "currency": "EUR", "lines": [{"line": 1, "item": "PUMP", "quantity": "0.1", "price": "0.2",
                                           "description": "Pump"},
                                          {"line": 2, "item": f"PART-{i}", "quantity": 3, "price": 12.5}]}
            for i, t in enumerate(DocumentType)]


def counts(uow_factory) -> tuple[int, int, int]:
    with uow_factory() as uow:
        return (len(uow.documents.numbers(COMPANY)), len(uow.master_data.customer_codes(COMPANY)),
                len(uow.master_data.item_codes(COMPANY)))


def test_importing_the_same_documents_twice_creates_nothing_twice(uow_factory, company, tmp_path):
    path = documents_json(tmp_path, five_documents())
    first = import_documents(uow_factory, path, COMPANY)
    second = import_documents(uow_factory, path, COMPANY)

    assert (first.documents_new, first.lines_new, first.customers_new, first.items_new) == (5, 10, 2, 6)
    assert first.documents_by_type == {str(t): 1 for t in DocumentType}
    assert (second.documents_new, second.documents_already_present, second.customers_new, second.items_new) == (
        0, 5, 0, 0)
    assert counts(uow_factory) == (5, 2, 6)


def test_stored_documents_keep_exact_decimals_and_their_type(uow_factory, company, tmp_path):
    import_documents(uow_factory, documents_json(tmp_path, five_documents()), COMPANY)
    with uow_factory() as uow:
        for i, doc_type in enumerate(DocumentType):
            doc = uow.documents.get(COMPANY, f"D-{i}", doc_type)
            first = doc.line(1)
            assert first.quantity + first.unit_price == Decimal("0.3")
            assert doc.line(2).unit_price == Decimal("12.5") and doc.doc_date.hour == 10


def test_a_file_with_one_bad_record_writes_nothing(uow_factory, company, tmp_path):
    docs = five_documents()
    docs[3]["lines"][1]["quantity"] = "-1"
    with pytest.raises(ImportFileInvalid) as caught:
        import_documents(uow_factory, documents_json(tmp_path, docs), COMPANY)
    assert [(r.code, r.location) for r in caught.value.reasons] == [
        ("invalid_quantity", "/documents/3/lines/1/quantity")]
    assert counts(uow_factory) == (0, 0, 0)


def test_a_stored_document_with_other_content_refuses_the_whole_file_and_names_the_difference(
        uow_factory, company, tmp_path):
    import_documents(uow_factory, documents_json(tmp_path, five_documents()[:1]), COMPANY)
    changed = five_documents()
    changed[0]["lines"][0]["quantity"] = "0.2"
    with pytest.raises(ImportFileInvalid) as caught:
        import_documents(uow_factory, documents_json(tmp_path, changed, "changed.json"), COMPANY)
    (reason,) = caught.value.reasons
    assert (reason.code, reason.location) == ("import_conflict", "/documents/0/number")
    assert "line 1 quantity" in reason.message
    assert counts(uow_factory) == (1, 1, 2)


def test_csv_documents_are_imported_like_json_ones(uow_factory, company, tmp_path):
    path = tmp_path / "docs.csv"
    path.write_text(CSV_HEADER + "invoice,I-1,C1,2024-03-01,EUR,1,A,2,1.10,Anchor\n"
                                 "invoice,I-1,C1,2024-03-01,EUR,2,B,1,5,\n"
                                 "sales_schedule,S-1,C2,2024-03-02,USD,10,A,4,1.10,\n", encoding="utf-8")
    first = import_documents(uow_factory, path, COMPANY)
    again = import_documents(uow_factory, path, COMPANY)
    assert (first.documents_new, first.lines_new, again.documents_already_present) == (2, 3, 2)
    with uow_factory() as uow:
        assert [ln.line_no for ln in uow.documents.get(COMPANY, "I-1", "invoice").lines] == [1, 2]
        assert uow.documents.get(COMPANY, "S-1", "sales_schedule").currency == "USD"
        assert uow.master_data.item(COMPANY, "A").description == "Anchor"


def test_importing_into_a_company_that_does_not_exist_is_refused(uow_factory, tmp_path):
    with pytest.raises(NotFound) as caught:
        import_documents(uow_factory, documents_json(tmp_path, five_documents()), "XX99")
    assert caught.value.code == "company_not_found"


def test_importing_the_same_calls_twice_creates_nothing_twice_and_a_changed_call_is_refused(
        uow_factory, company, tmp_path):
    path = tmp_path / "calls.csv"
    path.write_text("number,customer,text,document,document_type\n"
                    "CALL-1,C1,Pump leaks,D-0,invoice\nCALL-2,C9,Noise,,\n", encoding="utf-8")
    first = import_calls(uow_factory, path, COMPANY)
    second = import_calls(uow_factory, path, COMPANY)
    assert (first.calls_new, first.customers_new) == (2, 2)
    assert (second.calls_new, second.calls_already_present) == (0, 2)
    with uow_factory() as uow:
        call = uow.calls.find(COMPANY, "CALL-1")
        assert (call.status, call.customer_code, call.document_number, call.document_type) == (
            "open", "C1", "D-0", "invoice")
    changed = tmp_path / "calls.json"
    changed.write_text(json.dumps({"calls": [{"number": "CALL-2", "customer": "C9", "text": "Loud noise"},
                                             {"number": "CALL-3", "customer": "C9", "text": "New"}]}))
    with pytest.raises(ImportFileInvalid) as caught:
        import_calls(uow_factory, changed, COMPANY)
    assert [(r.code, r.location) for r in caught.value.reasons] == [("import_conflict", "/calls/0/number")]
    with uow_factory() as uow:
        assert uow.calls.find(COMPANY, "CALL-3") is None


# -- through the CLI -------------------------------------------------------------------------------

def run(migrated_db_url, *args):
    return CliRunner().invoke(cli, ["--db", migrated_db_url, "import", *map(str, args)])


def test_the_documents_command_prints_its_report_and_json_on_request(migrated_db_url, company, tmp_path):
    path = documents_json(tmp_path, five_documents())
    human = run(migrated_db_url, "documents", path, "--company", COMPANY)
    assert human.exit_code == 0, human.output
    assert "documents: 5 (10 lines;" in human.output and "new: 5" in human.output
    as_json = run(migrated_db_url, "documents", path, "--company", COMPANY, "--json")
    assert as_json.exit_code == 0
    report = json.loads(as_json.output)
    assert (report["documents_new"], report["documents_already_present"]) == (0, 5)


def test_a_bad_documents_file_exits_7_with_every_code_and_no_traceback(migrated_db_url, company, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(CSV_HEADER + "invoice,I-1,C1,2024-02-30,EUR,1,A,two,1,\nbill,I-2,C1,2024-03-01,EUR,1,A,1,1,\n")
    result = run(migrated_db_url, "documents", path, "--company", COMPANY)
    assert result.exit_code == 7
    assert "Traceback" not in result.output
    assert "invalid_date" in result.output and "row 2, column date" in result.output
    assert "invalid_number" in result.output and "unknown_document_type" in result.output

    as_json = run(migrated_db_url, "documents", path, "--company", COMPANY, "--json")
    assert as_json.exit_code == 7
    error = json.loads(as_json.output)["error"]
    assert error["code"] == "import_file_invalid"
    assert [(r["code"], r["location"]) for r in error["reasons"]] == [
        ("invalid_date", "row 2, column date"), ("invalid_number", "row 2, column quantity"),
        ("unknown_document_type", "row 3, column type")]


def test_a_json_syntax_error_and_a_missing_file_exit_7(migrated_db_url, company, tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text('{"documents": [\n  {"type": "invoice",\n}')
    result = run(migrated_db_url, "documents", broken, "--company", COMPANY, "--json")
    assert result.exit_code == 7
    assert json.loads(result.output)["error"]["reasons"][0]["code"] == "json_syntax"
    assert json.loads(result.output)["error"]["reasons"][0]["location"] == "3:1"
    missing = run(migrated_db_url, "documents", tmp_path / "none.json", "--company", COMPANY, "--json")
    assert missing.exit_code == 7 and json.loads(missing.output)["error"]["code"] == "import_file_missing"


def test_the_calls_command_imports_open_calls_and_refuses_a_bad_file_with_exit_7(migrated_db_url, company, tmp_path):
    good = tmp_path / "calls.json"
    good.write_text(json.dumps({"calls": [{"number": "CALL-1", "customer": "C1", "text": "Leak"}]}))
    result = run(migrated_db_url, "calls", good, "--company", COMPANY, "--json")
    assert result.exit_code == 0 and json.loads(result.output)["calls_new"] == 1
    bad = tmp_path / "calls.csv"
    bad.write_text("number,customer,txt\nCALL-2,C1,x\n")
    refused = run(migrated_db_url, "calls", bad, "--company", COMPANY)
    assert refused.exit_code == 7 and "csv_missing_column" in refused.output and "Traceback" not in refused.output


def test_the_company_defaults_to_the_only_one_in_the_database(migrated_db_url, company, tmp_path):
    result = run(migrated_db_url, "documents", documents_json(tmp_path, five_documents()), "--json")
    assert result.exit_code == 0 and json.loads(result.output)["company_code"] == COMPANY
