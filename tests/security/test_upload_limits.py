"""Issue 14 items 1 and 2: small hostile uploads cannot hold a worker (OWASP API4:2023, unrestricted
resource consumption). A header check that is linear, a cap on columns per file, and XLSX parts whose
inflated size, strings and rows are bounded before openpyxl reads them and while it does."""

from __future__ import annotations

import io
import time
import zipfile

import pytest
from imports_db.helpers import csv_bytes, make_id, post_import, row
from openpyxl import Workbook

from api.imports.readers import (
    MEMBER_SPEC,
    REQUIRED_FIELDS,
    ImportFileError,
    _check_fields,
    count_rows,
    iter_rows,
)


def _limits():
    """api.imports.limits (imported per test, so that this file also runs against code without it)."""
    from api.imports import limits

    return limits


def kind(content: bytes, filename: str) -> str:
    with pytest.raises(ImportFileError) as excinfo:
        list(iter_rows(io.BytesIO(content), filename))
    return excinfo.value.code


def xlsx(rows: list[list[object]]) -> bytes:
    book = Workbook()
    sheet = book.active
    for cells in rows:
        sheet.append(cells)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


HEADER = ["工号", "姓名", "身份证号"]


def test_duplicate_check_is_linear():
    """Was ``fields.count(f)`` per field: 40 000 copies of one name took seconds (quadratic). With 200 000
    the quadratic check would take minutes; a linear one takes milliseconds, so the bound is generous."""
    fields = ["name"] * 200_000 + list(REQUIRED_FIELDS)
    started = time.perf_counter()
    with pytest.raises(ImportFileError) as excinfo:
        _check_fields(fields, MEMBER_SPEC)
    assert excinfo.value.code == "duplicate_column"
    assert time.perf_counter() - started < 5


def test_csv_header_of_many_columns_is_refused_quickly():
    content = ("工号,姓名,身份证号," + ",".join(["备注"] * 30_000) + "\r\n").encode()
    started = time.perf_counter()
    assert kind(content, "m.csv") == "too_many_columns"
    with pytest.raises(ImportFileError):
        count_rows(io.BytesIO(content), "m.csv")
    assert time.perf_counter() - started < 1.0


def test_csv_data_row_wider_than_the_cap_is_refused():
    content = ("工号,姓名,身份证号\r\nE1,张三," + make_id(1) + "," + "x," * 200 + "\r\n").encode()
    assert kind(content, "m.csv") == "too_many_columns"


def test_csv_line_is_never_read_whole():
    content = b"\xe5\xb7\xa5\xe5\x8f\xb7,name,national_id\r\n" + b"a" * 2_000_000 + b"\r\n"
    assert kind(content, "m.csv") == "too_many_columns"


def test_xlsx_header_repeating_a_column_is_refused_before_reading():
    assert kind(xlsx([HEADER + ["备注"] * 5000]), "m.xlsx") == "too_many_columns"


def test_xlsx_huge_shared_string_is_refused():
    """A shared string far above any real cell (openpyxl holds every shared string in memory)."""
    assert kind(xlsx([HEADER, ["E1", "张" * 200_000, make_id(1)]]), "m.xlsx") == "cell_too_long"


def test_xlsx_cell_over_the_character_limit_is_refused_while_reading():
    """Under the byte bound of the scan but over the characters a cell may hold."""
    cap = _limits().current().max_cell_chars
    assert kind(xlsx([HEADER, ["E1", "a" * (cap + 1), make_id(1)]]), "m.xlsx") == "cell_too_long"


def test_xlsx_inline_string_bomb_is_refused():
    """One inline-string cell that inflates 1000:1 (a hand-made part: openpyxl writes shared strings)."""
    sheet = (
        '<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>' + "a" * 5_000_000 + "</t></is></c></row>"
        "</sheetData></worksheet>"
    )
    source = io.BytesIO(xlsx([HEADER]))
    out = io.BytesIO()
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            data = sheet.encode() if info.filename == "xl/worksheets/sheet1.xml" else old.read(info)
            new.writestr(info.filename, data)
    assert len(out.getvalue()) < 100_000
    assert kind(out.getvalue(), "m.xlsx") == "cell_too_long"


def test_xlsx_inflating_beyond_the_limit_is_refused(monkeypatch):
    limits = _limits()
    monkeypatch.setattr(limits, "LIMITS", limits.FileLimits(max_uncompressed_bytes=20_000))
    rows = [HEADER] + [[f"E{i}", "张三", make_id(i)] for i in range(500)]
    assert kind(xlsx(rows), "m.xlsx") == "uncompressed_too_large"


def test_jsonl_value_over_the_limit_is_refused():
    line = '{"employee_no": "E1", "name": "' + "a" * 10_000 + '", "national_id": "' + make_id(1) + '"}\n'
    assert kind(line.encode(), "m.jsonl") == "cell_too_long"


def test_api_refuses_a_bomb_with_a_problem(client, world, problem, monkeypatch):
    officer_root = world.as_role("officer", "ROOT")
    refused = post_import(
        client, officer_root, xlsx([HEADER, ["E1", "张" * 200_000, make_id(1)]]), filename="m.xlsx"
    )
    problem(refused, 422, "import_cell_too_long")
    limits = _limits()
    monkeypatch.setattr(limits, "LIMITS", limits.FileLimits(max_uncompressed_bytes=20_000))
    rows = [HEADER] + [[f"E{i}", "张三", make_id(i)] for i in range(500)]
    too_big = post_import(client, officer_root, xlsx(rows), filename="m.xlsx")
    problem(too_big, 413, "import_uncompressed_too_large")
    wide = csv_bytes([row("E1", "张三", make_id(1))], header="工号,姓名,身份证号" + ",备注" * 100)
    problem(post_import(client, officer_root, wide), 422, "import_too_many_columns")


def test_xlsx_external_entities_are_not_resolved():
    """XXE (OWASP API7/API10): an entity naming a local file never reaches a row."""
    source = io.BytesIO(xlsx([HEADER, ["E1", "张三", make_id(1)]]))
    out = io.BytesIO()
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            data = old.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                doctype = '<!DOCTYPE worksheet [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
                text = data.decode().replace("<worksheet", doctype + "<worksheet", 1)
                data = text.replace("张三", "&xxe;").encode()
            new.writestr(info.filename, data)
    try:
        rows = list(iter_rows(io.BytesIO(out.getvalue()), "m.xlsx"))
    except ImportFileError:
        return  # refused outright: fine
    assert all("root:" not in str(r.data) for r in rows)


def test_shared_strings_part_is_bounded_before_reading(monkeypatch):
    """openpyxl holds every shared string in memory: the part's size and each string are bounded."""
    limits = _limits()
    big = "<sst><si><t>" + "字" * 100_000 + "</t></si></sst>"
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as book:
        book.writestr("xl/sharedStrings.xml", big)
    with pytest.raises(limits.LimitExceeded) as excinfo:
        limits.check_xlsx(io.BytesIO(out.getvalue()))
    assert excinfo.value.code == "cell_too_long"
    small = limits.FileLimits(max_shared_strings_bytes=1000)
    many = "<sst>" + "<si><t>名</t></si>" * 1000 + "</sst>"
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as book:
        book.writestr("xl/sharedStrings.xml", many)
    with pytest.raises(limits.LimitExceeded) as excinfo:
        limits.check_xlsx(io.BytesIO(out.getvalue()), small)
    assert excinfo.value.code == "uncompressed_too_large"
