"""Exact amounts and database URLs, checked without a database."""
from __future__ import annotations

from decimal import Decimal

import pytest

from claimflow.adapters.db.engine import normalize_url
from claimflow.adapters.db.types import to_column_decimal


@pytest.mark.parametrize("value, stored", [(Decimal("0.1") + Decimal("0.2"), "0.3000"),
                                           (Decimal("12345678901234.5678"), "12345678901234.5678"),
                                           (Decimal("-99999999999999.9999"), "-99999999999999.9999"),
                                           (7, "7.0000"), (Decimal("1E+2"), "100.0000")])
def test_an_amount_is_brought_to_four_decimals_without_changing_its_value(value, stored):
    assert str(to_column_decimal(value)) == stored


@pytest.mark.parametrize("value, error", [(0.1, TypeError), (True, TypeError), ("1.5", TypeError),
                                          (Decimal("0.00005"), ValueError), (Decimal("NaN"), ValueError),
                                          (Decimal("Infinity"), ValueError),
                                          (Decimal("100000000000000"), ValueError)])
def test_an_amount_that_would_be_rounded_or_is_not_a_decimal_is_refused(value, error):
    with pytest.raises(error):
        to_column_decimal(value)


def test_postgresql_urls_always_use_psycopg_3():
    assert normalize_url("postgresql://u@h:5432/db").drivername == "postgresql+psycopg"
    assert normalize_url("postgresql+psycopg2://u@h/db").drivername == "postgresql+psycopg"
    assert normalize_url("sqlite:///claims.sqlite").drivername == "sqlite"
