"""Importing Superstore into a real database (SQLite and PostgreSQL): figures, idempotence, batches, CLI."""
from __future__ import annotations

import csv
import json
from decimal import Decimal

import pytest
from click.testing import CliRunner

from claimflow.adapters.sources import superstore
from claimflow.adapters.sources.superstore import ORDER_COLUMNS, import_superstore
from claimflow.cli.main import cli
from claimflow.engine.domain.errors import ImportFileInvalid
from claimflow.engine.domain.model import Claim, ClaimLine
from claimflow.engine.domain.money import round_money
from claimflow.engine.settings import bundled_data_dir

BUNDLED = bundled_data_dir() / "superstore"
ORDERS = BUNDLED / "superstore_orders.csv"
RETURNS = BUNDLED / "superstore_returns.csv"
COMPANY = "SS01"


def read_rows(path):
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def sales_by_line(rows) -> dict[tuple[str, int], Decimal]:
    """(Order ID, line number) -> Sales, lines numbered in file order within each order."""
    out, seen = {}, {}
    for row in rows:
        seen[row["Order ID"]] = seen.get(row["Order ID"], 0) + 1
        out[(row["Order ID"], seen[row["Order ID"]])] = Decimal(row["Sales"])
    return out


def stored_claims(uow_factory) -> list[Claim]:
    """Plain copies of every stored claim, each line with the number of the order line it claims."""
    with uow_factory() as uow:
        out = []
        for claim in uow.claims.list(COMPANY, limit=100_000):
            order = uow.documents.find(COMPANY, claim.document_number, "sales_order") \
                if claim.document_number else None
            line_nos = {ln.id: ln.line_no for ln in order.lines} if order else {}
            copy = Claim(company_code=COMPANY, number=claim.number, customer_code=claim.customer_code,
                         currency=claim.currency, origin=claim.origin, source_ref=claim.source_ref,
                         invoice_procedure=claim.invoice_procedure, document_number=claim.document_number,
                         document_type=claim.document_type)
            copy.lines = [ClaimLine(line_no=ln.line_no, item_code=ln.item_code, quantity=ln.quantity,
                                    amount=ln.amount, claim_method=ln.claim_method,
                                    doc_line_id=line_nos.get(ln.doc_line_id)) for ln in claim.lines]
            out.append(copy)
        return out


def small_files(tmp_path, orders_rows: int = 60):
    """The first `orders_rows` rows of the bundled orders, with returns limited to their orders."""
    rows = read_rows(ORDERS)[:orders_rows]
    returned = [r for r in read_rows(RETURNS) if r["Order ID"] in {o["Order ID"] for o in rows}]
    orders_path, returns_path = tmp_path / "orders.csv", tmp_path / "returns.csv"
    with open(orders_path, "w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, ORDER_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    with open(returns_path, "w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, ["Returned", "Order ID"])
        writer.writeheader()
        writer.writerows(returned + [{"Returned": "Yes", "Order ID": "CA-2099-000000"}])
    return orders_path, returns_path


def test_the_bundled_files_import_with_the_measured_figures_and_a_second_run_creates_nothing(uow_factory):
    first = import_superstore(uow_factory, ORDERS, RETURNS)
    second = import_superstore(uow_factory, ORDERS, RETURNS)

    assert first.company_created and not second.company_created
    assert (first.order_rows_read, first.orders_new, first.order_lines_new) == (9994, 5009, 9994)
    assert (first.customers_new, first.items_new) == (793, 1862)
    assert (first.return_rows_read, first.returned_orders, first.return_duplicates) == (800, 296, 504)
    assert (first.claims_new, first.claim_lines_new, first.claimed_amount_new) == (296, 800, Decimal("180504.30"))
    assert first.rejected == {} and first.returns_rejected == {}
    assert (second.orders_new, second.order_lines_new, second.claims_new, second.customers_new,
            second.items_new) == (0, 0, 0, 0, 0)
    assert (second.orders_already_present, second.claims_already_present) == (5009, 296)

    claims = stored_claims(uow_factory)
    returned = {r["Order ID"] for r in read_rows(RETURNS)}
    assert len(claims) == 296 and {c.source_ref for c in claims} == {"RET>" + o for o in returned}
    assert sorted(c.number for c in claims) == [f"CLM-{i:06d}" for i in range(1, 297)]
    sales = sales_by_line(read_rows(ORDERS))
    for claim in claims:
        assert (claim.origin, claim.invoice_procedure, claim.currency, claim.document_type) == (
            "document", "credit_note_based", "USD", "sales_order")
        assert claim.source_ref == "RET>" + claim.document_number
        order_lines = [no for (o, no) in sales if o == claim.document_number]
        assert [ln.doc_line_id for ln in claim.lines] == order_lines  # every line copied, in order
        assert [ln.line_no for ln in claim.lines] == [10 * i for i in range(1, len(claim.lines) + 1)]
        for line in claim.lines:
            assert line.amount == round_money(sales[(claim.document_number, line.doc_line_id)])
            assert line.claim_method == "reimburse_costs"
    assert sum(ln.amount for c in claims for ln in c.lines) == Decimal("180504.30")
    with uow_factory() as uow:
        company = uow.companies.get(COMPANY)
        assert (company.name, company.currency, company.use_claim_history) == ("Superstore", "USD", True)


def test_a_crash_between_claim_batches_leaves_whole_claims_and_a_rerun_completes_the_import(
        uow_factory, tmp_path, monkeypatch):
    orders, returns = small_files(tmp_path, 400)
    monkeypatch.setattr(superstore, "CLAIM_BATCH", 2)
    commits = 0

    def failing_factory():
        uow = uow_factory()
        real_commit = uow.commit

        def commit():
            nonlocal commits
            commits += 1
            if commits == 4:  # master data, orders, one claim batch, then the crash
                raise RuntimeError("power cut")
            real_commit()
        uow.commit = commit
        return uow

    with pytest.raises(RuntimeError):
        import_superstore(failing_factory, orders, returns)
    partial = stored_claims(uow_factory)
    assert len(partial) == 2 and all(c.lines for c in partial)

    done = import_superstore(uow_factory, orders, returns)
    claims = stored_claims(uow_factory)
    assert done.claims > 2 and done.claims_already_present == 2 and done.claims_new == done.claims - 2
    assert len({c.source_ref for c in claims}) == len(claims) == done.claims
    assert done.returns_rejected_counts() == {"return_without_order": 1}


def test_quantity_other_claims_hold_is_not_claimed_again(uow_factory, tmp_path):
    orders, returns = small_files(tmp_path)
    returns.write_text("Returned,Order ID\n")  # first the orders alone
    import_superstore(uow_factory, orders, returns)
    lines_per_order: dict[str, int] = {}
    for row in read_rows(orders):
        lines_per_order[row["Order ID"]] = lines_per_order.get(row["Order ID"], 0) + 1
    first_returned = next(r["Order ID"] for r in read_rows(RETURNS) if lines_per_order.get(r["Order ID"], 0) >= 2)
    with uow_factory() as uow:  # a handler claims line 1 of that order in full by hand
        company = uow.companies.get_for_update(COMPANY)
        order = uow.documents.get(COMPANY, first_returned, "sales_order")
        held = order.line(1)
        uow.claims.add(Claim(company_code=COMPANY, number=company.next_claim_number(),
                             customer_code=order.customer_code, currency="USD", lines=[ClaimLine(
                                 line_no=10, item_code=held.item_code, quantity=held.quantity,
                                 amount=Decimal("1.00"), doc_line_id=held.id)]))
        uow.commit()
    returns.write_text(f"Returned,Order ID\nYes,{first_returned}\n")
    report = import_superstore(uow_factory, orders, returns)
    (imported,) = [c for c in stored_claims(uow_factory) if c.source_ref]
    assert [ln.doc_line_id for ln in imported.lines] == list(range(2, lines_per_order[first_returned] + 1))
    assert report.claim_lines_fully_claimed == 1 and report.claims_new == 1


def test_a_returned_order_stored_with_other_lines_refuses_the_import_before_writing(uow_factory, tmp_path):
    orders, returns = small_files(tmp_path)
    empty = tmp_path / "no_returns.csv"
    empty.write_text("Returned,Order ID\n")
    import_superstore(uow_factory, orders, empty)
    rows = read_rows(orders)
    target = next(r["Order ID"] for r in read_rows(returns) if r["Order ID"] in {o["Order ID"] for o in rows})
    for row in rows:
        if row["Order ID"] == target:
            row["Quantity"] = str(int(row["Quantity"]) + 1)
    with open(orders, "w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, ORDER_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    with pytest.raises(ImportFileInvalid) as caught:
        import_superstore(uow_factory, orders, returns)
    assert caught.value.code == "import_conflict" and caught.value.exit_code == 7
    assert [r.location for r in caught.value.reasons] == [f"Order ID {target}"]
    assert stored_claims(uow_factory) == []


def test_progress_is_reported_up_to_the_total(uow_factory, tmp_path):
    orders, returns = small_files(tmp_path)
    calls = []
    import_superstore(uow_factory, orders, returns, progress=lambda done, total: calls.append((done, total)))
    assert calls[-1][0] == calls[-1][1] > 0
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)


# -- through the CLI -------------------------------------------------------------------------------

def test_the_superstore_command_reports_in_json_and_refuses_a_wrong_file_with_exit_7(migrated_db_url, tmp_path):
    orders, returns = small_files(tmp_path)
    runner = CliRunner()
    result = runner.invoke(cli, ["--db", migrated_db_url, "import", "superstore", str(orders), str(returns), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["company_code"] == "SS01" and report["orders_new"] == report["orders"] > 0
    assert report["claims_new"] == report["claims"] > 0
    assert report["returns_rejected"]["return_without_order"]["count"] == 1

    human = runner.invoke(cli, ["--db", migrated_db_url, "import", "superstore", str(orders), str(returns)])
    assert human.exit_code == 0 and "already present" in human.output and "return_without_order" in human.output

    wrong = runner.invoke(cli, ["--db", migrated_db_url, "import", "superstore", str(returns), str(returns), "--json"])
    assert wrong.exit_code == 7 and "Traceback" not in wrong.output
    assert json.loads(wrong.output)["error"]["reasons"][0]["code"] == "csv_missing_column"
