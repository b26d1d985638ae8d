"""Planning an Online Retail import: row classification, cancellation matching, the report."""
from __future__ import annotations

import io
import json
from decimal import Decimal

import pytest

from claimflow.adapters.sources.online_retail import ImportPlan, plan_import
from claimflow.engine.domain.errors import ImportFileInvalid
from claimflow.engine.settings import bundled_data_dir

HEADER = "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n"
REAL_FILE = bundled_data_dir() / "online-retail" / "online_retail_2010-12.csv"


def plan(*rows: str, existing=None) -> ImportPlan:
    return plan_import(io.StringIO(HEADER + "".join(r + "\n" for r in rows)), "UK01", existing=existing)


def buy(number, code, qty, when, price="2.00", customer="100", desc="THING"):
    return f"{number},{code},{desc},{qty},2010-12-{when}:00,{price},{customer},United Kingdom"


def cancel(number, code, qty, when, price="2.00", customer="100", desc="THING"):
    return buy(number, code, -qty, when, price, customer, desc)


def by_ref(p: ImportPlan) -> dict:
    return {c.source_ref: c for c in p.claims}


def assert_every_row_accounted(p: ImportPlan) -> None:
    r = p.report
    assert r.rows_accounted == r.rows_read


# -- classification ---------------------------------------------------------------------------

@pytest.mark.parametrize("row, reason", [
    (buy("536365", "85123A", 6, "01 08:26", customer=""), "no_customer"),
    (cancel("C536366", "85123A", 6, "01 08:26", customer=""), "no_customer"),
    (buy("536365", "POST", 1, "01 08:26", price="18.00"), "non_product_code"),
    (buy("536365", "DOT", 1, "01 08:26"), "non_product_code"),
    (buy("536365", "m", 1, "01 08:26"), "non_product_code"),
    (buy("536365", "C2", 1, "01 08:26"), "non_product_code"),
    (buy("536365", "BANK CHARGES", 1, "01 08:26"), "non_product_code"),
    (buy("536365", "gift_0001_40", 1, "01 08:26"), "non_product_code"),
    (buy("536365", "DCGS0076", 1, "01 08:26"), "non_product_code"),
    (buy("536365", "8512", 1, "01 08:26"), "non_product_code"),
    (cancel("C536366", "AMAZONFEE", 1, "01 08:26", price="13541.33"), "non_product_code"),
    (cancel("C536366", "D", 1, "01 08:26"), "non_product_code"),
    (buy("536365", "85123A", 6, "01 08:26", price="0.00"), "zero_price"),
    (buy("536365", "85123A", 6, "01 08:26", price="-1.00"), "negative_price"),
    (buy("536365", "85123A", -6, "01 08:26", price="0", customer="", desc="damages"), "stock_adjustment"),
    (buy("536365", "85123A", -6, "01 08:26", price="2.55"), "stock_adjustment"),
    (buy("536365", "85123A", 0, "01 08:26"), "zero_quantity"),
    (buy("C536366", "85123A", 6, "01 08:26"), "cancellation_not_negative"),
    (buy("A563185", "B", 1, "01 08:26", price="11062.06"), "unsupported_document"),
    (buy("536365", "85123A", "abc", "01 08:26"), "malformed"),
    (buy("536365", "85123A", "NaN", "01 08:26"), "malformed"),
    (buy("536365", "85123A", "1e3", "01 08:26"), "malformed"),
    (buy("536365", "85123A", 6, "01 08:26", price="2,55"), "malformed"),
    ("536365,85123A,THING,6,2010-13-01 08:26:00,2.55,100,United Kingdom", "malformed"),
    ("536365,85123A,THING,6,yesterday,2.55,100,United Kingdom", "malformed"),
    ("536365,85123A,THING,6,2010-12-01 08:26:00,2.55,100", "malformed"),
    ("536365,85123A,THING,6", "malformed"),
    (",85123A,THING,6,2010-12-01 08:26:00,2.55,100,United Kingdom", "malformed"),
    ("536365,,THING,6,2010-12-01 08:26:00,2.55,100,United Kingdom", "malformed"),
    ("536365,85123A,THING,,2010-12-01 08:26:00,2.55,100,United Kingdom", "malformed"),
    ("536365,85123A,BREAD BIN, DINER STYLE,6,2010-12-01 08:26:00,2.55,100,United Kingdom", "malformed"),
])
def test_a_row_that_cannot_be_imported_is_counted_under_its_reason(row, reason):
    p = plan(row)
    assert p.report.rejected_counts() == {reason: 1}
    assert p.report.rejected[reason].examples == [1]
    assert p.invoices == [] and p.claims == []
    assert_every_row_accounted(p)


def test_a_quoted_description_with_commas_is_a_valid_row():
    p = plan('536365,22849,"BREAD BIN, DINER STYLE, MINT",4,2010-12-05 15:40:00,14.95,15502,United Kingdom')
    assert p.report.rejected == {}
    [line] = p.invoices[0].lines
    assert line.description == "BREAD BIN, DINER STYLE, MINT"
    assert line.quantity == Decimal("4") and line.unit_price == Decimal("14.95")


def test_a_row_whose_customer_differs_from_its_invoice_is_rejected():
    p = plan(buy("536365", "85123A", 6, "01 08:26", customer="100"),
             buy("536365", "71053", 6, "01 08:26", customer="200"))
    assert p.report.rejected_counts() == {"customer_mismatch": 1}
    assert [ln.item_code for ln in p.invoices[0].lines] == ["85123A"]
    assert_every_row_accounted(p)


def test_rejected_examples_are_capped_at_five_row_numbers():
    p = plan(*[buy("536365", "POST", 1, "01 08:26")] * 7)
    assert p.report.rejected["non_product_code"].count == 7
    assert p.report.rejected["non_product_code"].examples == [1, 2, 3, 4, 5]


def test_a_file_with_another_header_cannot_be_imported():
    with pytest.raises(ImportFileInvalid):
        plan_import(io.StringIO("a,b,c\n1,2,3\n"))


def test_a_missing_file_cannot_be_imported(tmp_path):
    with pytest.raises(ImportFileInvalid):
        plan_import(tmp_path / "nope.csv")


def test_a_file_that_is_not_utf8_cannot_be_imported(tmp_path):
    path = tmp_path / "latin1.csv"
    path.write_bytes((HEADER + buy("536365", "85123A", 1, "01 08:26", desc="\xa3 SIGN")).encode("latin-1"))
    with pytest.raises(ImportFileInvalid):
        plan_import(path)


# -- invoices and master data -----------------------------------------------------------------

def test_invoice_lines_are_numbered_in_file_order_with_decimal_values_and_the_first_timestamp():
    p = plan(buy("536591", "85123A", 6, "01 16:58", price="2.55", desc="  WHITE HEART "),
             buy("536592", "71053", 1, "01 17:00"),
             buy("536591", "84406B", 8, "01 16:57", price="2.75"))
    doc = next(d for d in p.invoices if d.number == "536591")
    assert [(ln.line_no, ln.item_code) for ln in doc.lines] == [(1, "85123A"), (2, "84406B")]
    assert doc.lines[0].unit_price == Decimal("2.55") and isinstance(doc.lines[0].quantity, Decimal)
    assert doc.lines[0].description == "WHITE HEART"
    assert (doc.doc_date.hour, doc.doc_date.minute) == (16, 57)
    assert (doc.doc_type, doc.currency, doc.customer_code) == ("invoice", "GBP", "100")


def test_lower_case_stock_codes_are_the_same_item_as_upper_case_ones():
    p = plan(buy("536365", "15056bl", 2, "01 08:26", desc="EDWARDIAN PARASOL BLACK"),
             cancel("C536366", "15056BL", 2, "01 09:00"))
    assert [i.code for i in p.items] == ["15056BL"]
    assert p.items[0].description == "EDWARDIAN PARASOL BLACK"
    assert p.invoices[0].lines[0].item_code == "15056BL"
    assert list(by_ref(p)) == ["C536366>536365"]


def test_duplicate_identical_rows_are_kept_as_separate_lines():
    row = buy("536365", "85123A", 6, "01 08:26")
    p = plan(row, row)
    assert [ln.line_no for ln in p.invoices[0].lines] == [1, 2]


# -- cancellations ----------------------------------------------------------------------------

def test_a_cancellation_takes_the_newest_invoice_first_and_spreads_over_older_ones():
    p = plan(buy("536001", "22926", 5, "01 09:00", price="5.00"),
             buy("536002", "22926", 3, "02 09:00", price="6.00"),
             cancel("C536003", "22926", 6, "03 09:00", price="5.95"))
    claims = by_ref(p)
    assert list(claims) == ["C536003>536002", "C536003>536001"]
    newest, older = claims["C536003>536002"], claims["C536003>536001"]
    assert [(ln.quantity, ln.amount, ln.doc_line_no) for ln in newest.lines] == [(3, Decimal("18.00"), 1)]
    assert [(ln.quantity, ln.amount, ln.doc_line_no) for ln in older.lines] == [(3, Decimal("15.00"), 1)]
    assert newest.cancellation_amount == Decimal("17.85")  # 3 x the cancellation's 5.95
    assert p.report.cancellation_rows_matched == 1 and p.report.cancellation_rows_unmatched == 0


def test_a_cancellation_larger_than_all_purchases_leaves_the_rest_without_a_document():
    p = plan(buy("536001", "22926", 4, "01 09:00", price="5.00"),
             cancel("C536003", "22926", 10, "03 09:00", price="4.50"))
    claims = by_ref(p)
    assert list(claims) == ["C536003>536001", "C536003>-"]
    [matched] = claims["C536003>536001"].lines
    [rest] = claims["C536003>-"].lines
    assert (matched.quantity, matched.amount) == (Decimal("4"), Decimal("20.00"))
    assert (rest.quantity, rest.amount, rest.doc_line_no) == (Decimal("6"), Decimal("27.00"), None)
    assert rest.cancellation_rows == [2] and matched.cancellation_rows == [2]
    assert p.report.cancellation_rows_partially_matched == 1
    assert_every_row_accounted(p)


def test_a_cancellation_before_the_purchase_matches_nothing():
    p = plan(cancel("C536001", "22926", 2, "01 09:00"),
             buy("536002", "22926", 2, "01 09:01"))
    assert list(by_ref(p)) == ["C536001>-"]
    assert p.report.cancellation_rows_unmatched == 1 and p.report.cancellation_rows_matched == 0


def test_a_purchase_in_the_same_minute_as_the_cancellation_is_matched():
    p = plan(buy("536001", "22926", 2, "01 09:00"), cancel("C536002", "22926", 2, "01 09:00"))
    assert list(by_ref(p)) == ["C536002>536001"]


def test_a_cancellation_only_matches_the_same_customers_purchases():
    p = plan(buy("536001", "22926", 2, "01 09:00", customer="200"),
             cancel("C536002", "22926", 2, "02 09:00", customer="100"))
    assert list(by_ref(p)) == ["C536002>-"]


def test_a_second_cancellation_of_the_same_goods_cannot_take_quantity_already_claimed():
    p = plan(buy("536001", "22926", 4, "01 09:00"),
             cancel("C536002", "22926", 4, "02 09:00"),
             cancel("C536003", "22926", 4, "02 09:10"))
    assert list(by_ref(p)) == ["C536002>536001", "C536003>-"]


def test_quantity_held_by_existing_claims_is_not_matched_again():
    p = plan(buy("536001", "22926", 5, "01 09:00"),
             buy("536002", "22926", 5, "02 09:00"),
             cancel("C536003", "22926", 4, "03 09:00"),
             existing={("536002", 1): Decimal("3")})
    claims = by_ref(p)
    assert [ln.quantity for ln in claims["C536003>536002"].lines] == [Decimal("2")]
    assert [ln.quantity for ln in claims["C536003>536001"].lines] == [Decimal("2")]


def test_the_rows_of_one_cancellation_invoice_group_into_one_claim_per_original_invoice():
    p = plan(buy("536001", "22926", 4, "01 09:00"),
             buy("536001", "22927", 4, "01 09:00"),
             cancel("C536002", "22926", 1, "02 09:00"),
             cancel("C536002", "22927", 2, "02 09:00"),
             cancel("C536002", "22926", 1, "02 09:00"),
             cancel("C536002", "84347", 9, "02 09:00", price="0.03"),
             cancel("C536002", "84348", 1, "02 09:00"))
    claims = by_ref(p)
    assert list(claims) == ["C536002>536001", "C536002>-"]
    lines = claims["C536002>536001"].lines
    # The two rows cancelling 22926 hit the same original line: one claim line, both rows kept.
    assert [(ln.doc_line_no, ln.quantity, ln.cancellation_rows) for ln in lines] == [
        (1, Decimal("2"), [3, 5]), (2, Decimal("2"), [4])]
    assert [(ln.item_code, ln.amount) for ln in claims["C536002>-"].lines] == [
        ("84347", Decimal("0.27")), ("84348", Decimal("2.00"))]


def test_claim_amounts_are_rounded_half_up_at_the_original_price():
    p = plan(buy("536001", "22926", 5, "01 09:00", price="0.085"),
             cancel("C536002", "22926", 5, "02 09:00", price="0.09"))
    [line] = p.claims[0].lines
    assert line.amount == Decimal("0.43")  # 0.425: half-up, where banker's rounding gives 0.42


def test_source_refs_are_the_same_for_the_same_file():
    rows = (buy("536001", "22926", 4, "01 09:00"), cancel("C536002", "22926", 6, "02 09:00"))
    assert [c.source_ref for c in plan(*rows).claims] == [c.source_ref for c in plan(*rows).claims]


def test_every_row_lands_in_exactly_one_bucket():
    p = plan(buy("536001", "22926", 4, "01 09:00"),
             buy("536001", "POST", 1, "01 09:00"),
             buy("536002", "22926", 4, "01 09:00", customer=""),
             buy("536003", "22926", "x", "01 09:00"),
             cancel("C536004", "22926", 2, "02 09:00"),
             cancel("C536004", "22927", 2, "02 09:00"),
             cancel("C536005", "22926", 5, "02 09:00"))
    r = p.report
    assert (r.invoice_lines, r.cancellation_rows_matched, r.cancellation_rows_unmatched,
            r.rows_rejected) == (1, 2, 1, 3)
    assert r.rows_accounted == r.rows_read == 7


def test_the_report_is_json_friendly_with_amounts_as_strings():
    p = plan(buy("536001", "22926", 4, "01 09:00", price="1.50"),
             cancel("C536002", "22926", 2, "02 09:00", price="1.25"))
    d = json.loads(json.dumps(p.report.as_dict()))
    assert d["cancellation_total"] == "2.50"
    assert d["credited_from_document"] == "3.00"
    assert d["claims_from_document"] == 1 and d["rows_rejected"] == 0


# -- the bundled file -------------------------------------------------------------------------

def test_the_bundled_december_2010_file_plans_to_the_known_figures():
    p = plan_import(REAL_FILE)
    r = p.report
    assert r.rows_read == 42_481
    assert r.cancellation_rows == 728
    assert r.rejected_counts() == {
        # 15,631 rows lack a customer (SOURCE.md); 70 of them are the negative non-C stock
        # adjustments, counted under that reason instead. 38 of these are C rows.
        "no_customer": 15_561,
        "stock_adjustment": 70,
        # Non-product codes that do have a customer (15 of them on C rows: D, AMAZONFEE, POST, M).
        "non_product_code": 116,
        # 273 rows have price 0, but all save 3 also lack a customer or are adjustments.
        "zero_price": 3,
    }
    assert r.invoice_lines == 26_056 and r.invoices == 1_394
    # SOURCE.md counts 305 C rows with an earlier purchase of the same code by the same
    # customer. 300 are matched: C537406 cancels four lines of 537217 a second time (C537402
    # had already credited all of them; 537407 was bought two minutes after), and one is a
    # POST row, not a product. 2 of the 300 are only partly covered.
    assert r.cancellation_rows_matched == 300
    assert r.cancellation_rows_partially_matched == 2
    assert r.cancellation_rows_unmatched == 375
    assert r.rows_accounted == r.rows_read
    assert (r.claims_from_document, r.claims_without_document, r.claim_lines) == (163, 166, 661)
    assert r.cancellation_total == Decimal("74789.12")  # SOURCE.md: -74,789.12
    assert round(r.cancellation_matched_amount, 2) == Decimal("8176.33")
    assert round(r.cancellation_unmatched_amount, 2) == Decimal("9189.31")
    assert r.credited_from_document == Decimal("8130.70")


def test_on_the_bundled_file_no_invoice_line_is_claimed_beyond_its_quantity():
    p = plan_import(REAL_FILE)
    lines = {(d.number, ln.line_no): ln.quantity for d in p.invoices for ln in d.lines}
    claimed: dict = {}
    for claim in p.claims:
        for ln in claim.lines:
            if claim.document_number:
                key = (claim.document_number, ln.doc_line_no)
                claimed[key] = claimed.get(key, 0) + ln.quantity
    assert claimed and all(q <= lines[k] for k, q in claimed.items())
