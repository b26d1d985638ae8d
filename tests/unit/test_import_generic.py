"""Planning a generic import: JSON and CSV documents and calls, every problem code with its location."""
from __future__ import annotations

import io
import json
from datetime import datetime, timezone
from decimal import Decimal

import pytest
from jsonschema import Draft202012Validator

from claimflow.adapters.sources.generic import (CALLS_SCHEMA, DOCUMENTS_SCHEMA, plan_calls,
                                                plan_documents, schema_validator)
from claimflow.engine.domain.errors import ImportFileInvalid
from claimflow.engine.domain.statuses import CallStatus, DocumentType
from claimflow.engine.settings import bundled_schemas_dir

CSV_HEADER = "type,number,customer,date,currency,line,item,quantity,price,description\n"
CALLS_HEADER = "number,customer,text,document,document_type\n"


def doc(number="INV-1", type_="invoice", customer="C100", date="2024-03-01", currency="EUR", lines=None):
    return {"type": type_, "number": number, "customer": customer, "date": date, "currency": currency,
            "lines": lines if lines is not None else [line()]}


def line(no=1, item="ITEM-1", quantity="2", price="9.95", **extra):
    return {"line": no, "item": item, "quantity": quantity, "price": price, **extra}


def json_plan(*docs, raw: str | None = None):
    text = raw if raw is not None else json.dumps({"documents": list(docs)})
    return plan_documents(io.StringIO(text), "DE01", "json")


def csv_plan(*rows: str):
    return plan_documents(io.StringIO(CSV_HEADER + "".join(r + "\n" for r in rows)), "DE01", "csv")


def problems(call, *args) -> list[tuple[str, str]]:
    with pytest.raises(ImportFileInvalid) as caught:
        call(*args)
    assert caught.value.exit_code == 7
    return [(r.code, r.location) for r in caught.value.reasons]


def json_problems(*docs, raw=None):
    return problems(lambda: json_plan(*docs, raw=raw))


def csv_problems(*rows):
    return problems(lambda: csv_plan(*rows))


def csv_row(type_="invoice", number="INV-1", customer="C100", date="2024-03-01", currency="EUR",
            line_no="1", item="ITEM-1", quantity="2", price="9.95", description="Widget"):
    return ",".join([type_, number, customer, date, currency, line_no, item, quantity, price, description])


# -- the schemas ---------------------------------------------------------------------------------

@pytest.mark.parametrize("name", [DOCUMENTS_SCHEMA, CALLS_SCHEMA])
def test_the_import_schemas_are_valid_2020_12_schemas_with_an_id(name):
    schema = json.loads((bundled_schemas_dir() / name).read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"].endswith("/" + name)


def test_the_documents_schema_lists_exactly_the_five_original_document_types():
    enum = schema_validator(DOCUMENTS_SCHEMA).schema["$defs"]["document_type"]["enum"]
    assert sorted(enum) == sorted(str(t) for t in DocumentType)


# -- documents: what goes in ---------------------------------------------------------------------

@pytest.mark.parametrize("doc_type", [str(t) for t in DocumentType])
def test_each_of_the_five_document_types_is_imported_from_json_and_from_csv(doc_type):
    from_json = json_plan(doc(type_=doc_type)).documents
    from_csv = csv_plan(csv_row(type_=doc_type)).documents
    assert [d.doc_type for d in from_json] == [d.doc_type for d in from_csv] == [doc_type]


def test_json_numbers_are_read_as_exact_decimals_never_through_float():
    plan = json_plan(raw='{"documents": [{"type": "invoice", "number": "I1", "customer": "C", '
                         '"date": "2024-03-01", "currency": "EUR", "lines": ['
                         '{"line": 1, "item": "A", "quantity": 0.1, "price": 0.2},'
                         '{"line": 2, "item": "B", "quantity": "0.1", "price": "0.2"},'
                         '{"line": 3, "item": "C", "quantity": 3, "price": 1E+2}]}]}')
    lines = plan.documents[0].lines
    assert all(type(ln.quantity) is Decimal and type(ln.unit_price) is Decimal for ln in lines)
    assert lines[0].quantity + lines[0].unit_price == Decimal("0.3")
    assert (lines[0].quantity, lines[0].unit_price) == (lines[1].quantity, lines[1].unit_price)
    assert str(lines[2].unit_price) == "100" and lines[2].quantity == 3


def test_a_csv_file_is_grouped_into_documents_by_type_and_number_in_order_of_first_appearance():
    plan = csv_plan(csv_row(number="A", line_no="1", item="X"),
                    csv_row(type_="sales_order", number="A", line_no="1", item="Y"),
                    csv_row(number="B", line_no="1", item="Z"),
                    csv_row(number="A", line_no="2", item="W", quantity="0.1", price="0.2"))
    assert [(d.doc_type, d.number, [(ln.line_no, ln.item_code) for ln in d.lines]) for d in plan.documents] == [
        ("invoice", "A", [(1, "X"), (2, "W")]), ("sales_order", "A", [(1, "Y")]), ("invoice", "B", [(1, "Z")])]
    assert plan.documents[0].lines[1].quantity + plan.documents[0].lines[1].unit_price == Decimal("0.3")


def test_dates_and_date_times_are_read_as_utc_instants():
    plan = json_plan(doc(number="1", date="2024-03-01"), doc(number="2", date="2024-03-01T09:30:00"),
                     doc(number="3", date="2024-03-01T09:30:00+01:00"), doc(number="4", date="2024-03-01T08:30:00Z"))
    utc = [d.doc_date.astimezone(timezone.utc) for d in plan.documents]
    assert utc == [datetime(2024, 3, 1, tzinfo=timezone.utc), datetime(2024, 3, 1, 9, 30, tzinfo=timezone.utc),
                   datetime(2024, 3, 1, 8, 30, tzinfo=timezone.utc), datetime(2024, 3, 1, 8, 30, tzinfo=timezone.utc)]
    assert all(d.doc_date.tzinfo is not None for d in plan.documents)


def test_customers_and_items_referenced_become_master_data_once_each():
    plan = json_plan(doc(number="1", lines=[line(1, "A", description=""), line(2, "B", description="Bolt")]),
                     doc(number="2", customer="C200", lines=[line(1, "A", description="Anchor")]))
    assert [c.code for c in plan.customers] == ["C100", "C200"]
    assert [(i.code, i.description) for i in plan.items] == [("A", "Anchor"), ("B", "Bolt")]


def test_the_format_follows_the_first_character_when_not_given():
    text = json.dumps({"documents": [doc()]})
    assert plan_documents(io.StringIO(text), "DE01").format == "json"
    assert plan_documents(io.StringIO(CSV_HEADER + csv_row() + "\n"), "DE01").format == "csv"


def test_a_csv_file_may_leave_out_the_optional_description_column_and_blank_lines():
    text = "type,number,customer,date,currency,line,item,quantity,price\n\ninvoice,I,C,2024-03-01,EUR,1,A,1,2\n,,,,,,,,\n"
    plan = plan_documents(io.StringIO(text), "DE01", "csv")
    assert [(d.number, len(d.lines)) for d in plan.documents] == [("I", 1)]


# -- documents: every problem, with its location -------------------------------------------------

@pytest.mark.parametrize("change, expected", [
    ({"type": "bill"}, ("unknown_document_type", "/documents/0/type")),
    ({"number": ""}, ("missing_value", "/documents/0/number")),
    ({"number": "N" * 41}, ("value_too_long", "/documents/0/number")),
    ({"customer": 17850}, ("schema_violation", "/documents/0/customer")),
    ({"date": "01/03/2024"}, ("invalid_date", "/documents/0/date")),
    ({"date": "2024-02-30"}, ("invalid_date", "/documents/0/date")),
    ({"currency": "eur"}, ("invalid_currency", "/documents/0/currency")),
    ({"lines": []}, ("schema_violation", "/documents/0/lines")),
    ({"lines": [line(quantity="abc")]}, ("invalid_number", "/documents/0/lines/0/quantity")),
    ({"lines": [line(quantity="1e3")]}, ("invalid_number", "/documents/0/lines/0/quantity")),
    ({"lines": [line(price="1,50")]}, ("invalid_number", "/documents/0/lines/0/price")),
    ({"lines": [line(price="0.12345")]}, ("invalid_number", "/documents/0/lines/0/price")),
    ({"lines": [line(quantity="0")]}, ("invalid_quantity", "/documents/0/lines/0/quantity")),
    ({"lines": [line(quantity=-1)]}, ("invalid_quantity", "/documents/0/lines/0/quantity")),
    ({"lines": [line(price="-0.01")]}, ("negative_price", "/documents/0/lines/0/price")),
    ({"lines": [line(no=0)]}, ("schema_violation", "/documents/0/lines/0/line")),
    ({"lines": [line(quantity=True)]}, ("schema_violation", "/documents/0/lines/0/quantity")),
    ({"lines": [line(colour="red")]}, ("unknown_field", "/documents/0/lines/0/colour")),
    ({"lines": [{"line": 1, "quantity": "1", "price": "1"}]}, ("missing_field", "/documents/0/lines/0/item")),
    ({"lines": [line(1), line(1, item="OTHER")]}, ("duplicate_line", "/documents/0/lines/1/line")),
])
def test_a_wrong_json_document_is_refused_with_the_code_and_json_pointer_of_its_problem(change, expected):
    assert json_problems({**doc(), **change}) == [expected]


def test_a_json_syntax_error_is_located_by_line_and_column():
    assert json_problems(raw='{"documents": [\n  {"type": "invoice",, }\n]}') == [("json_syntax", "2:22")]


def test_a_json_nan_is_not_a_number():
    raw = json.dumps({"documents": [doc(lines=[line(quantity="X")])]}).replace('"X"', "NaN")
    assert json_problems(raw=raw) == [("invalid_number", "/documents/0/lines/0/quantity")]


def test_the_same_json_document_twice_is_a_duplicate_but_the_same_number_of_another_type_is_not():
    assert json_problems(doc(), doc(type_="sales_order"), doc()) == [("duplicate_document", "/documents/2/number")]


def test_a_json_file_without_the_documents_member_is_refused_at_the_root():
    assert sorted(json_problems(raw='{"docs": []}')) == [("missing_field", "/documents"), ("unknown_field", "/docs")]
    assert json_problems(raw='[]') == [("schema_violation", "(root)")]


@pytest.mark.parametrize("row, expected", [
    (csv_row(type_="bill"), ("unknown_document_type", "row 2, column type")),
    (csv_row(number=""), ("missing_value", "row 2, column number")),
    (csv_row(item="I" * 41), ("value_too_long", "row 2, column item")),
    (csv_row(date="2024-13-01"), ("invalid_date", "row 2, column date")),
    (csv_row(date="yesterday"), ("invalid_date", "row 2, column date")),
    (csv_row(currency="EURO"), ("invalid_currency", "row 2, column currency")),
    (csv_row(line_no="1.5"), ("invalid_line_number", "row 2, column line")),
    (csv_row(line_no="0"), ("invalid_line_number", "row 2, column line")),
    (csv_row(quantity="two"), ("invalid_number", "row 2, column quantity")),
    (csv_row(quantity="NaN"), ("invalid_number", "row 2, column quantity")),
    (csv_row(quantity="-2"), ("invalid_quantity", "row 2, column quantity")),
    (csv_row(price="-1"), ("negative_price", "row 2, column price")),
    (csv_row(price=""), ("missing_value", "row 2, column price")),
    (csv_row() + ",extra", ("csv_field_count", "row 2")),
])
def test_a_wrong_csv_row_is_refused_with_the_code_row_and_column_of_its_problem(row, expected):
    assert csv_problems(row) == [expected]


def test_rows_of_one_csv_document_must_agree_on_currency_customer_and_date():
    assert csv_problems(csv_row(), csv_row(line_no="2", currency="USD", customer="C9"),
                        csv_row(line_no="3", date="2024-03-02")) == [
        ("header_mismatch", "row 3, column customer"), ("currency_mismatch", "row 3, column currency"),
        ("header_mismatch", "row 4, column date")]


def test_a_csv_document_with_a_line_number_twice_is_refused_at_the_second_row():
    assert csv_problems(csv_row(), csv_row(item="OTHER")) == [("duplicate_line", "row 3, column line")]


def test_a_csv_header_without_a_required_column_or_with_an_unknown_one_is_refused():
    text = "type,number,customer,date,currency,line,item,qty,price\n" + "invoice,I,C,2024-03-01,EUR,1,A,1,2\n"
    assert problems(plan_documents, io.StringIO(text), "DE01", "csv") == [
        ("csv_missing_column", "row 1, column quantity"), ("csv_unknown_column", "row 1, column 8")]


def test_a_csv_syntax_error_is_refused_with_its_row():
    text = CSV_HEADER + csv_row() + "\n" + 'invoice,"I2"x,C,2024-03-01,EUR,1,A,1,2,x\n'
    assert problems(plan_documents, io.StringIO(text), "DE01", "csv") == [("csv_syntax", "row 3")]
    unbalanced = CSV_HEADER + csv_row() + "\n" + 'invoice,"I2,C,2024-03-01,EUR,1,A,1,2,x\n'
    assert problems(plan_documents, io.StringIO(unbalanced), "DE01", "csv") == [("csv_syntax", "row 3")]


def test_every_problem_of_a_file_is_reported_at_once_in_file_order():
    found = csv_problems(csv_row(quantity="x"), csv_row(number="B", date="never"),
                         csv_row(number="C", type_="memo", price="-5"))
    assert found == [("invalid_number", "row 2, column quantity"), ("invalid_date", "row 3, column date"),
                     ("unknown_document_type", "row 4, column type"), ("negative_price", "row 4, column price")]
    assert len(json_problems(doc(number="A", date="x"), doc(number="B", lines=[line(price="-1")]),
                             doc(number="C", type_="memo"))) == 3


def test_one_bad_record_refuses_the_whole_file_and_the_error_says_nothing_was_imported():
    with pytest.raises(ImportFileInvalid) as caught:
        csv_plan(csv_row(number="GOOD"), csv_row(number="BAD", quantity="0"))
    assert "nothing was imported" in caught.value.message
    assert caught.value.as_dict()["reasons"] == [{
        "code": "invalid_quantity", "message": "quantity 0 must be above zero", "location": "row 3, column quantity"}]


def test_a_missing_file_and_a_file_that_is_not_utf8_are_refused(tmp_path):
    assert problems(plan_documents, tmp_path / "none.json", "DE01") == [("import_file_missing", None)]
    latin = tmp_path / "latin.csv"
    latin.write_bytes(CSV_HEADER.encode() + "invoice,I,C,2024-03-01,EUR,1,A,1,2,Gr\xfc\xdfe\n".encode("latin-1"))
    (code, location), = problems(plan_documents, latin, "DE01")
    assert code == "file_unreadable" and location.startswith("byte ")


# -- calls -----------------------------------------------------------------------------------------

def test_calls_are_read_from_json_and_csv_as_open_calls():
    from_json = plan_calls(io.StringIO(json.dumps({"calls": [
        {"number": "CALL-1", "customer": "C100", "text": "Pump leaks", "document": "INV-1",
         "document_type": "invoice"},
        {"number": "CALL-2", "customer": "C200", "text": "", "document": None}]})), "DE01", "json")
    from_csv = plan_calls(io.StringIO(CALLS_HEADER + "CALL-1,C100,Pump leaks,INV-1,invoice\nCALL-2,C200,,,\n"),
                          "DE01", "csv")
    for plan in (from_json, from_csv):
        assert [(c.number, c.customer_code, c.text, c.document_number, c.document_type, c.status)
                for c in plan.calls] == [("CALL-1", "C100", "Pump leaks", "INV-1", "invoice", CallStatus.OPEN),
                                         ("CALL-2", "C200", "", None, None, CallStatus.OPEN)]
        assert [c.code for c in plan.customers] == ["C100", "C200"]


@pytest.mark.parametrize("body, expected", [
    ('CALL-1,C100,x,INV-1,bill', ("unknown_document_type", "row 2, column document_type")),
    ('CALL-1,C100,x,,invoice', ("document_type_without_document", "row 2, column document_type")),
    ('CALL-1,,x,,', ("missing_value", "row 2, column customer")),
    ('CALL-1,C100,x,,\nCALL-1,C100,y,,', ("duplicate_call", "row 3, column number")),
])
def test_a_wrong_csv_call_is_refused_with_its_code_and_location(body, expected):
    assert problems(plan_calls, io.StringIO(CALLS_HEADER + body + "\n"), "DE01", "csv") == [expected]


@pytest.mark.parametrize("call, expected", [
    ({"number": "C1", "customer": "K", "text": "x", "document": "I", "document_type": "bill"},
     ("unknown_document_type", "/calls/0/document_type")),
    ({"number": "C1", "customer": "K"}, ("missing_field", "/calls/0/text")),
    ({"number": "C1", "customer": "K", "text": 5}, ("schema_violation", "/calls/0/text")),
    ({"number": "C1", "customer": "K", "text": "", "document_type": "invoice"},
     ("document_type_without_document", "/calls/0/document_type")),
])
def test_a_wrong_json_call_is_refused_with_its_code_and_json_pointer(call, expected):
    assert problems(plan_calls, io.StringIO(json.dumps({"calls": [call]})), "DE01", "json") == [expected]
