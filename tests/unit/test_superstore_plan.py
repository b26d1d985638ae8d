"""Planning a Superstore import: orders as sales orders, returned orders as claim drafts, rejects by reason."""
from __future__ import annotations

import csv
import io
from datetime import datetime, timezone
from decimal import Decimal

import pytest

from claimflow.adapters.sources.superstore import ORDER_COLUMNS, plan_import, unit_price
from claimflow.engine.domain.errors import ImportFileInvalid
from claimflow.engine.domain.money import round_money
from claimflow.engine.settings import bundled_data_dir

ORDERS_HEADER = ",".join(c if "," not in c else f'"{c}"' for c in ORDER_COLUMNS) + "\n"
RETURNS_HEADER = "Returned,Order ID\n"
BUNDLED = bundled_data_dir() / "superstore"


def order_row(order="CA-2020-1", product="OFF-PA-1", sales="10.00", quantity="2", customer="CG-1",
              date="2020-11-08", name="Paper"):
    values = {"Row ID": "1", "Order ID": order, "Order Date": date, "Ship Date": "2020-11-11",
              "Ship Mode": "Second Class", "Customer ID": customer, "Customer Name": customer,
              "Segment": "Consumer", "Country/Region": "United States", "City": "Henderson",
              "State": "Kentucky", "Postal Code": "42420", "Region": "South", "Product ID": product,
              "Category": "Office Supplies", "Sub-Category": "Paper", "Product Name": name,
              "Sales": sales, "Quantity": quantity, "Discount": "0", "Profit": "1"}
    return ",".join(f'"{values[c]}"' if "," in values[c] else values[c] for c in ORDER_COLUMNS)


def plan(orders: list[str], returns: list[str] = ()):
    return plan_import(io.StringIO(ORDERS_HEADER + "".join(r + "\n" for r in orders)),
                       io.StringIO(RETURNS_HEADER + "".join(r + "\n" for r in returns)), "SS01")


def test_an_order_becomes_a_sales_order_with_lines_numbered_in_file_order():
    p = plan([order_row(product="A"), order_row(order="CA-2020-2", product="X"), order_row(product="B")])
    first = p.orders[0]
    assert (first.doc_type, first.number, first.customer_code, first.currency) == ("sales_order", "CA-2020-1", "CG-1", "USD")
    assert first.doc_date == datetime(2020, 11, 8, tzinfo=timezone.utc)
    assert [(ln.line_no, ln.item_code) for ln in first.lines] == [(1, "A"), (2, "B")]
    assert [d.number for d in p.orders] == ["CA-2020-1", "CA-2020-2"]


def test_the_unit_price_is_derived_from_the_net_sales_and_rounded_to_four_decimals():
    p = plan([order_row(sales="22.368", quantity="3"), order_row(product="B", sales="0.444", quantity="1")])
    assert [ln.unit_price for ln in p.orders[0].lines] == [Decimal("7.4560"), Decimal("0.444")]
    assert unit_price(Decimal("10"), Decimal("3")) == Decimal("3.3333")
    assert unit_price(Decimal("0.00005"), Decimal("1")) == Decimal("0.0001")  # half up


def test_a_returned_order_becomes_one_claim_copying_every_line_at_its_sales_amount():
    p = plan([order_row(product="A", sales="22.368", quantity="3"), order_row(product="B", sales="0.1"),
              order_row(order="CA-2020-2")], ["Yes,CA-2020-1", "Yes,CA-2020-1"])
    (draft,) = p.claims
    assert (draft.order_id, draft.customer_code, draft.source_ref) == ("CA-2020-1", "CG-1", "RET>CA-2020-1")
    assert [(ln.doc_line_no, ln.item_code, ln.quantity, ln.amount) for ln in draft.lines] == [
        (1, "A", Decimal("3"), Decimal("22.37")), (2, "B", Decimal("2"), Decimal("0.10"))]
    assert draft.amount == p.report.claimed_amount == Decimal("22.47")
    assert all(type(ln.amount) is Decimal for ln in draft.lines)


def test_returns_are_deduplicated_and_a_return_without_an_order_is_reported():
    p = plan([order_row(), order_row(order="CA-2020-2")],
             ["Yes,CA-2020-2", "Yes,CA-2020-1", "Yes,CA-2020-2", "Yes,CA-2099-9", "Yes,CA-2099-9", "No,CA-2020-1",
              "Yes"])
    r = p.report
    assert [c.order_id for c in p.claims] == ["CA-2020-2", "CA-2020-1"]
    assert (r.return_rows_read, r.returned_orders, r.return_duplicates) == (7, 2, 2)
    assert r.returns_rejected_counts() == {"malformed": 1, "not_returned": 1, "return_without_order": 1}
    assert r.returns_rejected["return_without_order"].examples == [4]
    assert r.return_rows_read == r.returned_orders + r.return_duplicates + r.return_rows_rejected


@pytest.mark.parametrize("row, reason", [
    (order_row(sales="12,50"), "invalid_number"),
    (order_row(sales="NaN"), "invalid_number"),
    (order_row(quantity="two"), "invalid_number"),
    (order_row(quantity="0"), "invalid_quantity"),
    (order_row(quantity="-1"), "invalid_quantity"),
    (order_row(sales="-3.00"), "negative_sales"),
    (order_row(date="08/11/2020"), "invalid_date"),
    (order_row(date="2020-02-30"), "invalid_date"),
    (order_row(customer=""), "malformed"),
    (order_row(product=""), "malformed"),
    (order_row() + ",extra", "malformed"),
    (order_row(product="P" * 41), "value_too_long"),
])
def test_an_order_row_that_cannot_be_imported_is_counted_under_its_reason(row, reason):
    p = plan([order_row(order="CA-OK", product="OK"), row], ["Yes,CA-2020-1"])
    assert p.report.rejected_counts() == {reason: 1}
    assert p.report.rejected[reason].examples == [2]
    assert [d.number for d in p.orders] == ["CA-OK"]
    assert p.report.returns_rejected_counts() == {"return_without_order": 1} and p.claims == []


def test_a_row_naming_another_customer_or_date_than_its_order_is_rejected():
    p = plan([order_row(), order_row(product="B", customer="XX-9"), order_row(product="C", date="2020-11-09")])
    assert p.report.rejected_counts() == {"header_mismatch": 2}
    assert [len(d.lines) for d in p.orders] == [1]
    assert p.report.order_rows_read == p.report.order_lines + p.report.order_rows_rejected


def test_a_file_that_is_not_a_superstore_file_is_refused_with_its_missing_columns():
    with pytest.raises(ImportFileInvalid) as caught:
        plan_import(io.StringIO("Row ID,Order ID\n1,CA-1\n"), io.StringIO(RETURNS_HEADER))
    assert caught.value.exit_code == 7
    assert ("csv_missing_column", "row 1, column Sales") in [(r.code, r.location) for r in caught.value.reasons]
    with pytest.raises(ImportFileInvalid) as caught:
        plan_import(io.StringIO(ORDERS_HEADER), io.StringIO("Order ID,Returned\n"))
    assert [(r.code, r.location) for r in caught.value.reasons] == [("unexpected_header", "row 1")]


def test_the_bundled_files_plan_the_measured_figures():
    p = plan_import(BUNDLED / "superstore_orders.csv", BUNDLED / "superstore_returns.csv")
    r = p.report
    assert (r.order_rows_read, r.order_lines, r.orders, r.customers, r.items) == (9994, 9994, 5009, 793, 1862)
    assert r.rejected == {} and r.returns_rejected == {}
    assert (r.return_rows_read, r.returned_orders, r.return_duplicates) == (800, 296, 504)
    assert (r.claims, r.claim_lines) == (296, 800)
    assert r.claimed_amount == Decimal("180504.30") and r.order_total == Decimal("2297200.8603")


def test_on_the_bundled_file_every_derived_unit_price_gives_back_the_lines_sales_to_the_cent():
    p = plan_import(BUNDLED / "superstore_orders.csv", BUNDLED / "superstore_returns.csv")
    positions: dict[str, int] = {}
    lines, sales = [], []
    with open(BUNDLED / "superstore_orders.csv", encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):  # the n-th row of an order is its line n
            positions[row["Order ID"]] = positions.get(row["Order ID"], 0) + 1
            lines.append((row["Order ID"], positions[row["Order ID"]]))
            sales.append(Decimal(row["Sales"]))
    orders = {d.number: d for d in p.orders}
    derived = [orders[o].line(no) for o, no in lines]
    assert len(derived) == len(sales) == 9994
    assert all(round_money(ln.quantity * ln.unit_price) == round_money(s) for ln, s in zip(derived, sales))
    claimed = {(c.order_id, ln.doc_line_no): ln.amount for c in p.claims for ln in c.lines}
    assert all(claimed[key] == round_money(s) for key, s in zip(lines, sales) if key in claimed)
