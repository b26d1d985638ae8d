"""Generic importer: original documents and customer calls from JSON or CSV files.

Two steps, as in the Online Retail importer. `plan_documents` / `plan_calls` are pure (they only
read the file): they check every record and either return the domain objects or raise
ImportFileInvalid listing EVERY problem found, each with a stable code, a message and a location
(JSON: the JSON pointer of the value, or line:column for a syntax error; CSV: "row N, column C",
where the header is row 1 as in a spreadsheet). `import_documents` / `import_calls` then write the
plan in ONE transaction: nothing is written when any record is refused.

Idempotent: a document already stored (same company, type and number) or a call already stored
(same company and number) is skipped and counted when its content is the same, and refuses the
whole file (`import_conflict`) when it differs. Customers and items are master data: created when
absent, never changed.

Formats (docs/importing.md has examples):
  documents JSON  {"documents": [{"type", "number", "customer", "date", "currency",
                                  "lines": [{"line", "item", "quantity", "price", "description"?}]}]}
                  validated by schemas/import-documents.schema.json
  documents CSV   type,number,customer,date,currency,line,item,quantity,price[,description]
                  one row per line; rows of one document share (type, number)
  calls JSON      {"calls": [{"number", "customer", "text", "document"?, "document_type"?}]}
                  validated by schemas/import-calls.schema.json
  calls CSV       number,customer,text[,document][,document_type]
"""
from __future__ import annotations

import csv
import io
import json
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, fields
from datetime import date, datetime, timezone
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any, TextIO

from jsonschema import Draft202012Validator

from claimflow.engine.domain.errors import ImportFileInvalid, NotFound, Reason
from claimflow.engine.domain.model import (Call, Customer, Item, OriginalDocument,
                                           OriginalDocumentLine)
from claimflow.engine.domain.statuses import CallStatus, DocumentType
from claimflow.engine.service.ports import UnitOfWork
from claimflow.engine.settings import bundled_schemas_dir

DOCUMENTS_SCHEMA = "import-documents.schema.json"
CALLS_SCHEMA = "import-calls.schema.json"
FORMATS = ("json", "csv")
DOCUMENT_TYPES = tuple(str(t) for t in DocumentType)

DOCUMENT_COLUMNS = ("type", "number", "customer", "date", "currency", "line", "item", "quantity", "price")
DOCUMENT_OPTIONAL_COLUMNS = ("description",)
CALL_COLUMNS = ("number", "customer", "text")
CALL_OPTIONAL_COLUMNS = ("document", "document_type")

# -- stable problem codes (docs/importing.md lists them) ------------------------------------------
FILE_MISSING = "import_file_missing"        # no such file
FILE_UNREADABLE = "file_unreadable"         # cannot be read, or not UTF-8
UNKNOWN_FORMAT = "unknown_format"           # --format neither json nor csv
JSON_SYNTAX = "json_syntax"                 # not JSON at all; location line:column
SCHEMA_VIOLATION = "schema_violation"       # JSON against the schema (wrong type, ...); JSON pointer
MISSING_FIELD = "missing_field"             # JSON: a required member is absent
UNKNOWN_FIELD = "unknown_field"             # JSON: a member the schema does not know (a typo?)
CSV_SYNTAX = "csv_syntax"                   # unbalanced quotes and the like
CSV_MISSING_COLUMN = "csv_missing_column"   # header lacks a required column
CSV_UNKNOWN_COLUMN = "csv_unknown_column"   # header has a column the format does not know
CSV_DUPLICATE_COLUMN = "csv_duplicate_column"
CSV_FIELD_COUNT = "csv_field_count"         # a row has more or fewer fields than the header
MISSING_VALUE = "missing_value"             # a required value is empty
VALUE_TOO_LONG = "value_too_long"           # a code over 40 characters, a description over 500
INVALID_NUMBER = "invalid_number"           # not plain decimal notation, or over 4 decimals / too big
INVALID_QUANTITY = "invalid_quantity"       # quantity zero or below
NEGATIVE_PRICE = "negative_price"
INVALID_LINE_NUMBER = "invalid_line_number"  # not a whole number from 1
INVALID_DATE = "invalid_date"               # not ISO 8601, or no such day (2024-02-30)
INVALID_CURRENCY = "invalid_currency"       # not three capital letters
UNKNOWN_DOCUMENT_TYPE = "unknown_document_type"
DUPLICATE_DOCUMENT = "duplicate_document"   # JSON: same type and number twice
DUPLICATE_LINE = "duplicate_line"           # same line number twice in one document
DUPLICATE_CALL = "duplicate_call"
CURRENCY_MISMATCH = "currency_mismatch"     # CSV: rows of one document name different currencies
HEADER_MISMATCH = "header_mismatch"         # CSV: rows of one document name another customer or date
DOCUMENT_TYPE_WITHOUT_DOCUMENT = "document_type_without_document"  # a call's type without a number
IMPORT_CONFLICT = "import_conflict"         # stored already, with other content

MAX_CODE = 40          # the storage's code columns
MAX_DESCRIPTION = 500  # the storage's description columns
MAX_DECIMALS = 4       # the storage's Numeric(18, 4)
MAX_INTEGER_DIGITS = 14
MAX_LINE_NUMBER = 2**31 - 1
# Plain decimal notation only: Decimal() alone would also accept "NaN", "Infinity" and "1e3".
NUMBER = re.compile(r"-?\d+(\.\d+)?")
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})?)?")
CURRENCY = re.compile(r"[A-Z]{3}")
ROOT = "(root)"


class _Problems:
    """Every problem of a file, in file order; in JSON, at most one per location (the schema's
    own message wins over the importer's check of the same value)."""

    def __init__(self) -> None:
        self.reasons: list[Reason] = []
        self._taken: set[str] = set()

    def add(self, code: str, message: str, location: str) -> None:
        if location in self._taken:
            return
        self._taken.add(location)
        self.reasons.append(Reason(code, message, location=location))

    def taken(self, location: str) -> bool:
        return location in self._taken

    def __bool__(self) -> bool:
        return bool(self.reasons)

    def refuse(self, name: str) -> None:
        """Raise ImportFileInvalid with every problem, in file order, when there is any."""
        if self.reasons:
            count = len(self.reasons)
            ordered = sorted(self.reasons, key=lambda r: [int(n) for n in re.findall(r"\d+", r.location or "")])
            raise ImportFileInvalid(
                f"{name}: {count} problem{'s' if count > 1 else ''} found; nothing was imported",
                reasons=ordered)


# --------------------------------------------------------------------------------------------
# Plan objects and reports
# --------------------------------------------------------------------------------------------

@dataclass
class DocumentsPlan:
    source: str
    format: str
    company_code: str
    documents: list[OriginalDocument]
    locations: dict[tuple[str, str], str]   # (type, number) -> where the document starts
    customers: list[Customer]
    items: list[Item]


@dataclass
class CallsPlan:
    source: str
    format: str
    company_code: str
    calls: list[Call]
    locations: dict[str, str]               # number -> where the call is
    customers: list[Customer]


@dataclass
class _Report:
    def as_dict(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass
class DocumentsImportReport(_Report):
    """What `import_documents` read and wrote. documents == documents_new + documents_already_present."""
    source: str = ""
    format: str = ""
    company_code: str = ""
    documents: int = 0
    lines: int = 0
    documents_by_type: dict[str, int] = field(default_factory=dict)
    customers: int = 0
    items: int = 0
    documents_new: int = 0
    lines_new: int = 0
    documents_already_present: int = 0
    customers_new: int = 0
    items_new: int = 0


@dataclass
class CallsImportReport(_Report):
    """What `import_calls` read and wrote. calls == calls_new + calls_already_present."""
    source: str = ""
    format: str = ""
    company_code: str = ""
    calls: int = 0
    customers: int = 0
    calls_new: int = 0
    calls_already_present: int = 0
    customers_new: int = 0


# --------------------------------------------------------------------------------------------
# Reading a file
# --------------------------------------------------------------------------------------------

Source = str | os.PathLike | TextIO


def _read(source: Source, fmt: str | None) -> tuple[str, str, str]:
    """(name, format, text). A path is read whole; a text stream (io.StringIO) is read as given."""
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        if not path.is_file():
            raise ImportFileInvalid(f"{path}: no such file", code=FILE_MISSING)
        try:
            text = path.read_bytes().decode("utf-8-sig")
        except OSError as exc:
            raise ImportFileInvalid(f"cannot read {path}: {exc.strerror or exc}", code=FILE_UNREADABLE) from exc
        except UnicodeDecodeError as exc:
            raise ImportFileInvalid(f"{path} is not UTF-8 text (byte {exc.start}: {exc.reason})",
                                    [Reason(FILE_UNREADABLE, f"not UTF-8: {exc.reason}", location=f"byte {exc.start}")],
                                    code=FILE_UNREADABLE) from exc
        name, suffix = path.name, path.suffix.lower().lstrip(".")
    else:
        name, suffix, text = "<memory>", "", source.read().lstrip("\ufeff")
    if fmt is None:
        fmt = suffix if suffix in FORMATS else ("json" if text.lstrip()[:1] in ("{", "[") else "csv")
    if fmt not in FORMATS:
        raise ImportFileInvalid(f"unknown format {fmt!r}: use json or csv", code=UNKNOWN_FORMAT)
    return name, fmt, text


@lru_cache(maxsize=None)
def schema_validator(name: str) -> Draft202012Validator:
    schema = json.loads((bundled_schemas_dir() / name).read_text(encoding="utf-8"))
    return Draft202012Validator(schema)


def _pointer(path: Iterable[Any]) -> str:
    parts = [str(p).replace("~", "~0").replace("/", "~1") for p in path]
    return "/" + "/".join(parts) if parts else ROOT


def _child(pointer: str, key: Any) -> str:
    return _pointer([key]) if pointer == ROOT else f"{pointer}/{str(key).replace('~', '~0').replace('/', '~1')}"


def _load_json(text: str, schema: str, problems: _Problems) -> Any:
    """The parsed JSON (numbers as Decimal, never float) with every schema problem recorded,
    or None after a syntax error (nothing more can be said about such a file)."""
    try:
        # parse_float keeps the exact text of 0.1; NaN/Infinity come back as strings, which the
        # schema's number pattern refuses.
        data = json.loads(text, parse_float=Decimal, parse_constant=str)
    except json.JSONDecodeError as exc:
        problems.add(JSON_SYNTAX, f"not valid JSON: {exc.msg}", f"{exc.lineno}:{exc.colno}")
        return None
    for error in schema_validator(schema).iter_errors(data):
        for code, message, location in _schema_reasons(error):
            problems.add(code, message, location)
    return data


def _schema_reasons(error) -> list[tuple[str, str, str]]:
    """One schema error as (code, message, JSON pointer); a missing or unknown member is
    located at the member itself (/documents/0/lines/2/item)."""
    where = _pointer(error.absolute_path)
    key = error.absolute_path[-1] if error.absolute_path else None
    if error.validator == "required":
        missing = [n for n in error.validator_value if isinstance(error.instance, dict) and n not in error.instance]
        name = next((n for n in missing if repr(n) in error.message), missing[0] if missing else "?")
        return [(MISSING_FIELD, f"{name!r} is required", _child(where, name))]
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        known = set(error.schema.get("properties", {}))
        return [(UNKNOWN_FIELD, f"unknown member {extra!r}; allowed: {', '.join(sorted(known))}",
                 _child(where, extra)) for extra in error.instance if extra not in known]
    if error.validator == "enum" and key in ("type", "document_type"):
        return [(UNKNOWN_DOCUMENT_TYPE, f"unknown document type {error.instance!r}; "
                 f"use one of {', '.join(DOCUMENT_TYPES)}", where)]
    if error.validator == "pattern" and key in ("quantity", "price"):
        return [(INVALID_NUMBER, f"{key} {error.instance!r} is not a number in plain decimal notation", where)]
    if error.validator == "pattern" and key == "date":
        return [(INVALID_DATE, f"date {error.instance!r} is not an ISO 8601 date or date-time", where)]
    if error.validator == "pattern" and key == "currency":
        return [(INVALID_CURRENCY, f"currency {error.instance!r} is not three capital letters (ISO 4217)", where)]
    if error.validator in ("minLength", "pattern") and error.validator_value in (1, "\\S"):
        return [(MISSING_VALUE, f"{key or 'value'} is empty", where)]
    if error.validator == "maxLength":
        return [(VALUE_TOO_LONG, f"{key or 'value'} is longer than {error.validator_value} characters", where)]
    return [(SCHEMA_VIOLATION, error.message, where)]


@dataclass
class _CsvRow:
    row_no: int                 # spreadsheet row: the header is row 1
    values: dict[str, str]

    def where(self, column: str) -> str:
        return f"row {self.row_no}, column {column}"


def _csv_rows(text: str, required: tuple[str, ...], optional: tuple[str, ...],
              problems: _Problems) -> list[_CsvRow]:
    """Rows as dicts keyed by column; a header or row problem is recorded, the row left out."""
    # strict: a stray or unbalanced quote is an error, not a field that swallows the rest of the file.
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows: list[_CsvRow] = []
    last_line = 0
    try:
        header = next(reader, None)
        if header is None:
            problems.add(CSV_MISSING_COLUMN, f"empty file: expected the header {','.join(required)}", "row 1")
            return rows
        columns = [h.strip() for h in header]
        for column in required:
            if column not in columns:
                problems.add(CSV_MISSING_COLUMN, f"the header has no column {column!r} "
                             f"(required: {','.join(required)})", f"row 1, column {column}")
        seen: set[str] = set()
        for index, column in enumerate(columns, start=1):
            if column in seen:
                problems.add(CSV_DUPLICATE_COLUMN, f"column {column!r} appears twice", f"row 1, column {index}")
            elif column not in required and column not in optional:
                problems.add(CSV_UNKNOWN_COLUMN, f"unknown column {column!r}; known: "
                             f"{','.join(required + optional)}", f"row 1, column {index}")
            seen.add(column)
        if problems:
            return rows
        last_line = reader.line_num
        for fields_ in reader:
            row_no, last_line = last_line + 1, reader.line_num
            if not any(f.strip() for f in fields_):
                continue  # a blank line (or a row of empty cells, as spreadsheets export) is not a row
            if len(fields_) != len(columns):
                problems.add(CSV_FIELD_COUNT, f"{len(fields_)} fields, the header has {len(columns)}",
                             f"row {row_no}")
                continue
            rows.append(_CsvRow(row_no, dict(zip(columns, fields_))))
    except csv.Error as exc:
        problems.add(CSV_SYNTAX, f"CSV syntax error: {exc}", f"row {last_line + 1}")
    return rows


# --------------------------------------------------------------------------------------------
# Checking values (shared by JSON and CSV)
# --------------------------------------------------------------------------------------------

class _Values:
    """Turns raw values into domain values, recording a problem for each one that is wrong.

    Absent JSON members (None) were already reported by the schema; an absent or empty CSV
    cell is `missing_value`. Each method returns None when the value cannot be used."""

    def __init__(self, problems: _Problems, empty_is_missing: bool):
        self.problems = problems
        self.empty_is_missing = empty_is_missing

    def _present(self, value: Any, name: str, where: str) -> bool:
        if value is None or (isinstance(value, str) and not value.strip()):
            if self.empty_is_missing:
                self.problems.add(MISSING_VALUE, f"{name} is empty", where)
            return False
        return not self.problems.taken(where)

    def code(self, value: Any, name: str, where: str) -> str | None:
        if not self._present(value, name, where) or not isinstance(value, str):
            return None
        value = value.strip()
        if len(value) > MAX_CODE:
            self.problems.add(VALUE_TOO_LONG, f"{name} {value[:20]!r}... is longer than {MAX_CODE} characters", where)
            return None
        return value

    def text(self, value: Any, name: str, where: str, limit: int | None = MAX_DESCRIPTION) -> str:
        if not isinstance(value, str) or self.problems.taken(where):
            return ""
        value = value.strip()
        if limit is not None and len(value) > limit:
            self.problems.add(VALUE_TOO_LONG, f"{name} is longer than {limit} characters", where)
        return value

    def decimal(self, value: Any, name: str, where: str) -> Decimal | None:
        if not self._present(value, name, where):
            return None
        if isinstance(value, bool):
            number = None
        elif isinstance(value, (int, Decimal)):  # a JSON number: parse_float gave its exact text
            number = Decimal(value) if Decimal(value).is_finite() else None
        elif isinstance(value, str) and NUMBER.fullmatch(value.strip()):
            number = Decimal(value.strip())
        else:
            number = None
        if number is None:
            self.problems.add(INVALID_NUMBER, f"{name} {value!r} is not a number in plain decimal notation", where)
            return None
        if number.as_tuple().exponent < -MAX_DECIMALS and number != number.quantize(Decimal(1).scaleb(-MAX_DECIMALS)):
            self.problems.add(INVALID_NUMBER, f"{name} {value} has more than {MAX_DECIMALS} decimal places", where)
            return None
        if abs(number) >= Decimal(10) ** MAX_INTEGER_DIGITS:
            self.problems.add(INVALID_NUMBER, f"{name} {value} is too large", where)
            return None
        # 1E+3 (a JSON exponent) is written out as 1000: the storage keeps plain notation.
        return number.quantize(Decimal(1)) if number.as_tuple().exponent > 0 else number

    def quantity(self, value: Any, where: str) -> Decimal | None:
        number = self.decimal(value, "quantity", where)
        if number is not None and number <= 0:
            self.problems.add(INVALID_QUANTITY, f"quantity {number} must be above zero", where)
            return None
        return number

    def price(self, value: Any, where: str) -> Decimal | None:
        number = self.decimal(value, "price", where)
        if number is not None and number < 0:
            self.problems.add(NEGATIVE_PRICE, f"price {number} is negative", where)
            return None
        return number

    def line_no(self, value: Any, where: str) -> int | None:
        if not self._present(value, "line", where):
            return None
        if isinstance(value, int) and not isinstance(value, bool):
            number = value
        elif isinstance(value, str) and value.strip().isdigit():
            number = int(value.strip())
        else:
            number = None
        if number is None or not 1 <= number <= MAX_LINE_NUMBER:
            self.problems.add(INVALID_LINE_NUMBER, f"line number {value!r} is not a whole number from 1", where)
            return None
        return number

    def when(self, value: Any, where: str) -> datetime | None:
        if not self._present(value, "date", where) or not isinstance(value, str):
            return None
        text = value.strip()
        try:
            if not ISO_DATE.fullmatch(text):
                raise ValueError("not ISO 8601")
            parsed = datetime.fromisoformat(text) if len(text) > 10 else \
                datetime.combine(date.fromisoformat(text), datetime.min.time())
        except ValueError:
            reason = "no such day" if ISO_DATE.fullmatch(text) else "not an ISO 8601 date or date-time"
            self.problems.add(INVALID_DATE, f"date {value!r}: {reason}", where)
            return None
        # Naive values are UTC, as the storage reads them; a date is midnight UTC of that day.
        return parsed.replace(tzinfo=timezone.utc) if parsed.tzinfo is None else parsed

    def currency(self, value: Any, where: str) -> str | None:
        if not self._present(value, "currency", where) or not isinstance(value, str):
            return None
        if not CURRENCY.fullmatch(value.strip()):
            self.problems.add(INVALID_CURRENCY, f"currency {value!r} is not three capital letters (ISO 4217)", where)
            return None
        return value.strip()

    def doc_type(self, value: Any, where: str) -> str | None:
        if not self._present(value, "type", where) or not isinstance(value, str):
            return None
        if value.strip() not in DOCUMENT_TYPES:
            self.problems.add(UNKNOWN_DOCUMENT_TYPE, f"unknown document type {value!r}; "
                              f"use one of {', '.join(DOCUMENT_TYPES)}", where)
            return None
        return value.strip()


# --------------------------------------------------------------------------------------------
# Documents
# --------------------------------------------------------------------------------------------

@dataclass
class _RawLine:
    values: dict[str, Any]
    where: Callable[[str], str]


@dataclass
class _RawDocument:
    """One document's values as read, with where each value sits in the file."""
    values: dict[str, Any]
    where: Callable[[str], str]
    lines: list[_RawLine] = field(default_factory=list)


def _json_documents(data: Any) -> list[_RawDocument]:
    docs = data.get("documents") if isinstance(data, dict) else None
    out: list[_RawDocument] = []
    for i, doc in enumerate(docs if isinstance(docs, list) else []):
        if not isinstance(doc, dict):
            continue
        raw = _RawDocument(doc, lambda f, i=i: f"/documents/{i}/{f}")
        lines = doc.get("lines")
        for j, line in enumerate(lines if isinstance(lines, list) else []):
            if isinstance(line, dict):
                raw.lines.append(_RawLine(line, lambda f, i=i, j=j: f"/documents/{i}/lines/{j}/{f}"))
        out.append(raw)
    return out


def _csv_documents(rows: list[_CsvRow], problems: _Problems) -> list[_RawDocument]:
    """Rows grouped by (type, number), in order of first appearance; every row is a line.

    The header values of a document (customer, date, currency) come from its first row; a later
    row naming others is `currency_mismatch` / `header_mismatch`.
    """
    groups: dict[tuple[str, str], _RawDocument] = {}
    for row in rows:
        key = (row.values["type"].strip(), row.values["number"].strip())
        raw = groups.get(key)
        if raw is None:
            raw = groups[key] = _RawDocument(row.values, row.where)
        else:
            first = raw.values
            for column in ("customer", "date", "currency"):
                mine, theirs = row.values[column].strip(), first[column].strip()
                if mine != theirs:
                    code = CURRENCY_MISMATCH if column == "currency" else HEADER_MISMATCH
                    problems.add(code, f"{key[0]} {key[1]}: {column} {mine!r} differs from {theirs!r} "
                                 f"on {raw.where(column).split(',')[0]}", row.where(column))
        raw.lines.append(_RawLine(row.values, row.where))
    return list(groups.values())


def _build_documents(raws: list[_RawDocument], company_code: str, source: str, problems: _Problems,
                     empty_is_missing: bool, json_mode: bool
                     ) -> tuple[list[OriginalDocument], dict[tuple[str, str], str]]:
    values = _Values(problems, empty_is_missing)
    documents: list[OriginalDocument] = []
    locations: dict[tuple[str, str], str] = {}
    for raw in raws:
        v, at = raw.values, raw.where
        doc_type = values.doc_type(v.get("type"), at("type"))
        number = values.code(v.get("number"), "number", at("number"))
        customer = values.code(v.get("customer"), "customer", at("customer"))
        when = values.when(v.get("date"), at("date"))
        currency = values.currency(v.get("currency"), at("currency"))
        lines = _build_lines(raw, values, problems)
        if doc_type and number:
            key = (doc_type, number)
            if key in locations:
                # In CSV, rows with the same type and number are one document: never twice.
                problems.add(DUPLICATE_DOCUMENT, f"{doc_type} {number} appears twice (first at "
                             f"{locations[key]})", at("number"))
                continue
            locations[key] = at("number") if json_mode else at("number").split(",")[0]
        if None in (doc_type, number, customer, when, currency) or lines is None:
            continue
        documents.append(OriginalDocument(company_code=company_code, doc_type=doc_type, number=number,
                                          customer_code=customer, doc_date=when, currency=currency,
                                          lines=lines, source=f"import:{source}"[:500]))
    return documents, locations


def _build_lines(raw: _RawDocument, values: _Values, problems: _Problems) -> list[OriginalDocumentLine] | None:
    lines: list[OriginalDocumentLine] = []
    seen: dict[int, str] = {}
    complete = True
    for line in raw.lines:
        v, at = line.values, line.where
        line_no = values.line_no(v.get("line"), at("line"))
        item = values.code(v.get("item"), "item", at("item"))
        quantity = values.quantity(v.get("quantity"), at("quantity"))
        price = values.price(v.get("price"), at("price"))
        description = values.text(v.get("description"), "description", at("description"))
        if line_no is not None:
            if line_no in seen:
                problems.add(DUPLICATE_LINE, f"line {line_no} appears twice in this document (first at "
                             f"{seen[line_no]})", at("line"))
                complete = False
                continue
            seen[line_no] = at("line")
        if None in (line_no, item, quantity, price):
            complete = False
            continue
        lines.append(OriginalDocumentLine(line_no=line_no, item_code=item, quantity=quantity,
                                          unit_price=price, description=description))
    return lines if complete and lines else None


def plan_documents(source: Source, company_code: str, fmt: str | None = None) -> DocumentsPlan:
    """Read and check every document of the file. No I/O besides reading.

    `source`: a path, or a text stream (io.StringIO; give `fmt` or let the first character
    decide). Raises ImportFileInvalid with every problem when any record is wrong.
    """
    name, fmt, text = _read(source, fmt)
    problems = _Problems()
    if fmt == "json":
        data = _load_json(text, DOCUMENTS_SCHEMA, problems)
        raws = _json_documents(data) if data is not None else []
    else:
        rows = _csv_rows(text, DOCUMENT_COLUMNS, DOCUMENT_OPTIONAL_COLUMNS, problems)
        raws = _csv_documents(rows, problems)
    documents, locations = _build_documents(raws, company_code, name, problems,
                                            empty_is_missing=fmt == "csv", json_mode=fmt == "json")
    problems.refuse(name)
    customers: dict[str, Customer] = {}
    items: dict[str, Item] = {}
    for doc in documents:
        customers.setdefault(doc.customer_code, Customer(company_code=company_code, code=doc.customer_code))
        for line in doc.lines:
            item = items.setdefault(line.item_code, Item(company_code=company_code, code=line.item_code))
            if not item.description:  # the first non-empty description names the item
                item.description = line.description
    return DocumentsPlan(source=name, format=fmt, company_code=company_code, documents=documents,
                         locations=locations, customers=list(customers.values()), items=list(items.values()))


def import_documents(uow_factory: Callable[[], UnitOfWork], source: Source, company_code: str,
                     fmt: str | None = None) -> DocumentsImportReport:
    """Check the whole file, then write what is new in one transaction (all or nothing).

    The company must exist (`claims init --company`). A document stored already with the same
    content is skipped; with other content the file is refused (`import_conflict`, every
    conflicting document listed) and nothing is written.
    """
    plan = plan_documents(source, company_code, fmt)
    report = DocumentsImportReport(source=plan.source, format=plan.format, company_code=company_code,
                                   documents=len(plan.documents),
                                   lines=sum(len(d.lines) for d in plan.documents),
                                   customers=len(plan.customers), items=len(plan.items))
    for doc in plan.documents:
        report.documents_by_type[doc.doc_type] = report.documents_by_type.get(doc.doc_type, 0) + 1
    with uow_factory() as uow:
        _require_company(uow, company_code)
        stored_numbers = uow.documents.numbers(company_code)
        new: list[OriginalDocument] = []
        problems = _Problems()
        for doc in plan.documents:
            stored = uow.documents.find(company_code, doc.number, doc.doc_type) \
                if doc.number in stored_numbers else None
            if stored is None:
                new.append(doc)
                continue
            differences = document_differences(stored, doc)
            if differences:
                problems.add(IMPORT_CONFLICT, f"{doc.doc_type} {doc.number} is stored already with other "
                             f"content: {'; '.join(differences)}", plan.locations[(doc.doc_type, doc.number)])
            else:
                report.documents_already_present += 1
        problems.refuse(plan.source)
        report.customers_new, report.items_new = _add_master_data(uow, plan.customers, plan.items)
        for doc in new:
            uow.documents.add(doc)
        uow.commit()
    report.documents_new = len(new)
    report.lines_new = sum(len(d.lines) for d in new)
    return report


def _instant(when: datetime) -> datetime:
    return when.replace(tzinfo=timezone.utc) if when.tzinfo is None else when.astimezone(timezone.utc)


def document_differences(stored: OriginalDocument, planned: OriginalDocument, limit: int = 5) -> list[str]:
    """What differs between a stored document and the file's (empty when they are the same)."""
    out: list[str] = []
    for label, a, b in (("customer", stored.customer_code, planned.customer_code),
                        ("currency", stored.currency, planned.currency)):
        if a != b:
            out.append(f"{label} {a} stored, {b} in the file")
    if _instant(stored.doc_date) != _instant(planned.doc_date):
        out.append(f"date {_instant(stored.doc_date).isoformat()} stored, "
                   f"{_instant(planned.doc_date).isoformat()} in the file")
    mine = {ln.line_no: ln for ln in stored.lines}
    theirs = {ln.line_no: ln for ln in planned.lines}
    for no in sorted(mine.keys() | theirs.keys()):
        a, b = mine.get(no), theirs.get(no)
        if a is None or b is None:
            out.append(f"line {no} {'only in the file' if a is None else 'only stored'}")
            continue
        for label, x, y in (("item", a.item_code, b.item_code), ("quantity", a.quantity, b.quantity),
                            ("price", a.unit_price, b.unit_price), ("description", a.description, b.description)):
            if x != y:  # Decimal: 2 == 2.00, as stored Numeric values come back with 4 places
                out.append(f"line {no} {label} {x} stored, {y} in the file")
    return out[:limit] + ([f"{len(out) - limit} more"] if len(out) > limit else [])


# --------------------------------------------------------------------------------------------
# Calls
# --------------------------------------------------------------------------------------------

def _json_calls(data: Any) -> list[tuple[dict, Callable[[str], str]]]:
    calls = data.get("calls") if isinstance(data, dict) else None
    return [(c, lambda f, i=i: f"/calls/{i}/{f}")
            for i, c in enumerate(calls if isinstance(calls, list) else []) if isinstance(c, dict)]


def plan_calls(source: Source, company_code: str, fmt: str | None = None) -> CallsPlan:
    """Read and check every call of the file; ImportFileInvalid lists every problem."""
    name, fmt, text = _read(source, fmt)
    problems = _Problems()
    if fmt == "json":
        data = _load_json(text, CALLS_SCHEMA, problems)
        raws = _json_calls(data) if data is not None else []
    else:
        raws = [(row.values, row.where) for row in _csv_rows(text, CALL_COLUMNS, CALL_OPTIONAL_COLUMNS, problems)]
    values = _Values(problems, empty_is_missing=fmt == "csv")
    calls: list[Call] = []
    locations: dict[str, str] = {}
    for v, at in raws:
        number = values.code(v.get("number"), "number", at("number"))
        customer = values.code(v.get("customer"), "customer", at("customer"))
        call_text = values.text(v.get("text"), "text", at("text"), limit=None)
        document = doc_type = None
        complete = number is not None and customer is not None
        if _given(v.get("document")):
            document = values.code(v.get("document"), "document", at("document"))
            complete &= document is not None
        if _given(v.get("document_type")):
            doc_type = values.doc_type(v.get("document_type"), at("document_type"))
            complete &= doc_type is not None
            if not _given(v.get("document")):
                problems.add(DOCUMENT_TYPE_WITHOUT_DOCUMENT, "document_type needs a document number as well",
                             at("document_type"))
                complete = False
        if number:
            if number in locations:
                problems.add(DUPLICATE_CALL, f"call {number} appears twice (first at {locations[number]})",
                             at("number"))
                continue
            locations[number] = at("number") if fmt == "json" else at("number").split(",")[0]
        if complete:
            calls.append(Call(company_code=company_code, number=number, customer_code=customer, text=call_text,
                              document_number=document, document_type=doc_type, status=CallStatus.OPEN))
    problems.refuse(name)
    customers = {c.customer_code: Customer(company_code=company_code, code=c.customer_code) for c in calls}
    return CallsPlan(source=name, format=fmt, company_code=company_code, calls=calls, locations=locations,
                     customers=list(customers.values()))


def _given(value: Any) -> bool:
    """An optional value that is there: not absent, null or an empty cell."""
    return value is not None and not (isinstance(value, str) and not value.strip())


def call_differences(stored: Call, planned: Call) -> list[str]:
    """What differs between a stored call and the file's; the status is not the file's business
    (a call may have been transferred to a claim since it was imported)."""
    return [f"{label} {a!r} stored, {b!r} in the file" for label, a, b in (
        ("customer", stored.customer_code, planned.customer_code), ("text", stored.text, planned.text),
        ("document", stored.document_number, planned.document_number),
        ("document_type", stored.document_type, planned.document_type)) if (a or None) != (b or None)]


def import_calls(uow_factory: Callable[[], UnitOfWork], source: Source, company_code: str,
                 fmt: str | None = None) -> CallsImportReport:
    """Check the whole file, then write the new calls (status open) in one transaction."""
    plan = plan_calls(source, company_code, fmt)
    report = CallsImportReport(source=plan.source, format=plan.format, company_code=company_code,
                               calls=len(plan.calls), customers=len(plan.customers))
    with uow_factory() as uow:
        _require_company(uow, company_code)
        new: list[Call] = []
        problems = _Problems()
        for call in plan.calls:
            stored = uow.calls.find(company_code, call.number)
            if stored is None:
                new.append(call)
                continue
            differences = call_differences(stored, call)
            if differences:
                problems.add(IMPORT_CONFLICT, f"call {call.number} is stored already with other content: "
                             f"{'; '.join(differences)}", plan.locations[call.number])
            else:
                report.calls_already_present += 1
        problems.refuse(plan.source)
        report.customers_new, _ = _add_master_data(uow, plan.customers, [])
        for call in new:
            uow.calls.add(call)
        uow.commit()
    report.calls_new = len(new)
    return report


# --------------------------------------------------------------------------------------------
# Shared persisting helpers
# --------------------------------------------------------------------------------------------

def _require_company(uow: UnitOfWork, company_code: str) -> None:
    if uow.companies.find(company_code) is None:
        raise NotFound(f"company {company_code!r} does not exist: create it first with "
                       f"`claims init --company {company_code} --currency ...`", code="company_not_found")


def _add_master_data(uow: UnitOfWork, customers: list[Customer], items: list[Item]) -> tuple[int, int]:
    """Adds the customers and items not stored yet; returns how many of each were added."""
    added = [0, 0]
    if customers:
        known = uow.master_data.customer_codes(customers[0].company_code)
        for customer in customers:
            if customer.code not in known:
                uow.master_data.add_customer(customer)
                added[0] += 1
    if items:
        known = uow.master_data.item_codes(items[0].company_code)
        for item in items:
            if item.code not in known:
                uow.master_data.add_item(item)
                added[1] += 1
    return added[0], added[1]
