"""HR member file readers and row normalisation (tests/samples.py, docs/rules.md §1 Record)."""

from __future__ import annotations

import atexit
import io
import json
import shutil
import tempfile
from datetime import date, datetime
from pathlib import Path

import pytest
import samples
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import Workbook
from samples import write_samples

from api.i18n import translate
from api.imports.members import (
    KIND_MESSAGES,
    FieldError,
    FileDuplicateTracker,
    MemberRowError,
    MemberRowOk,
    normalise_member_row,
    parse_date,
)
from api.imports.readers import ImportFileError, RawRow, count_rows, iter_rows

TODAY = date(2026, 11, 21)
#: generated sample HR files (tests/samples.py), written once for this module
SAMPLES = Path(tempfile.mkdtemp(prefix="gonghui-samples-"))
atexit.register(shutil.rmtree, SAMPLES, ignore_errors=True)
GENERATED = write_samples(SAMPLES)

HEADER_ZH = "工号,姓名,性别,身份证号,手机号,出生日期,入会日期,所属工会代码,月工资,职工代表"
GOOD_ZH = "E0000001, 彭远\u3000,男,140106198310050793,14677129422,1983-10-05,2002-07-13,U02-B01,5027.73,否"
GOOD_ID = "140106198310050793"


# --- helpers -----------------------------------------------------------------------------------------


def read_bytes(content: bytes, filename: str) -> list[RawRow]:
    return list(iter_rows(io.BytesIO(content), filename))


def error_kind(content: bytes, filename: str) -> str:
    with pytest.raises(ImportFileError) as excinfo:
        read_bytes(content, filename)
    return excinfo.value.code


def failures(path: Path) -> set[tuple[int, str, str]]:
    """Run reader, normaliser and duplicate tracker over a file as the import service will."""
    tracker = FileDuplicateTracker()
    found: set[tuple[int, str, str]] = set()
    for raw in iter_rows(path, path.name):
        result = tracker.check(normalise_member_row(raw, today=TODAY))
        if isinstance(result, MemberRowError):
            found |= {(result.row_number, error.field, error.kind) for error in result.errors}
    return found


def raw_row(**values: str | None) -> RawRow:
    data: dict[str, str | None] = {
        "employee_no": "E1",
        "name": "彭远",
        "gender": "男",
        "national_id": GOOD_ID,
        "phone": "14677129422",
        "birth_date": "1983-10-05",
        "join_date": "2002-07-13",
        "org_unit_code": "U01",
        "monthly_wage": "5027.73",
        "is_representative": "否",
        "email": None,
        "tags": None,
        "notes": None,
    }
    data.update(values)
    return RawRow(row_number=7, data=data)


def only_error(**values: str | None) -> tuple[str, str]:
    result = normalise_member_row(raw_row(**values), today=TODAY)
    assert isinstance(result, MemberRowError), result
    assert len(result.errors) == 1, result.errors
    return result.errors[0].field, result.errors[0].kind


def ok(**values: str | None) -> MemberRowOk:
    result = normalise_member_row(raw_row(**values), today=TODAY)
    assert isinstance(result, MemberRowOk), result
    return result


class NonSeekable(io.RawIOBase):
    """An upload stream that cannot seek back, like a socket."""

    def __init__(self, content: bytes) -> None:
        self._inner = io.BytesIO(content)

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def readinto(self, buffer: bytearray) -> int:  # type: ignore[override]
        data = self._inner.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


# --- the sample files --------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["members_hr_export_gb18030.csv", "members_hr_export.xlsx"])
def test_sample_rejects_exactly_the_expected_rows(name: str) -> None:
    """tests/samples.py: an importer reports the rows of FILE.expected.jsonl and no others.

    ``unknown_org`` needs the org tree in the database, so here that row must pass normalisation.
    """
    expected = [
        json.loads(line) for line in (SAMPLES / f"{name}.expected.jsonl").read_text("utf-8").splitlines()
    ]
    needs_db = {(e["row"], e["field"], e["kind"]) for e in expected if e["kind"] == "unknown_org"}
    assert len(needs_db) == 1
    expected_here = {(e["row"], e["field"], e["kind"]) for e in expected} - needs_db
    assert len(expected_here) == 12
    found = failures(SAMPLES / name)
    assert found == expected_here
    assert not {row for row, _, _ in needs_db} & {row for row, _, _ in found}


def test_sample_row_counts_and_mess() -> None:
    """tests/samples.py: 313 rows each; spaces, full-width digits and lower-case x are harmless."""
    csv_rows = list(iter_rows(SAMPLES / "members_hr_export_gb18030.csv", "members_hr_export_gb18030.csv"))
    xlsx_rows = list(iter_rows(SAMPLES / "members_hr_export.xlsx", "members_hr_export.xlsx"))
    assert len(csv_rows) == len(xlsx_rows) == 313
    assert csv_rows[0].row_number == 2 and csv_rows[-1].row_number == 314
    truth = samples.hr_export_csv().members[0]
    assert csv_rows[0].data["name"] != truth.name  # the first row's name is padded with spaces
    first = normalise_member_row(csv_rows[0], today=TODAY)
    assert isinstance(first, MemberRowOk)
    assert (first.name, first.monthly_wage_fen, first.national_id.value) == (
        truth.name,
        truth.wage_fen,
        truth.national_id,
    )
    messy = [r.data for r in csv_rows]
    assert any("　" in (d.get("name") or "") for d in messy)  # ideographic spaces
    assert any("１" in (d.get("phone") or "") or "５" in (d.get("phone") or "") for d in messy)  # full-width
    assert any((d.get("national_id") or "").endswith("x") for d in messy)  # lower-case x
    assert any("/" in (d.get("join_date") or "") for d in messy)  # 2024/03/05 dates


def test_clean_jsonl_has_no_errors() -> None:
    """tests/samples.py: members_clean.jsonl has nothing wrong."""
    rows = list(iter_rows(SAMPLES / "members_clean.jsonl", "members_clean.jsonl"))
    assert len(rows) == 100 and rows[0].row_number == 2
    assert failures(SAMPLES / "members_clean.jsonl") == set()


# --- CSV ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "gbk"])
def test_csv_encodings(encoding: str) -> None:
    """Chinese Excel saves CSV as GBK (read as its superset GB18030); other tools as UTF-8, BOM or not."""
    content = f"{HEADER_ZH}\r\n{GOOD_ZH}\r\n".encode(encoding)
    [row] = read_bytes(content, "members.csv")
    assert row.row_number == 2
    assert row.data["name"] == " 彭远\u3000"
    assert row.data["employee_no"] == "E0000001"
    assert row.data["email"] is None


@pytest.mark.parametrize("encoding", ["utf-8", "gb18030"])
def test_csv_sniff_window_ending_mid_character(encoding: str) -> None:
    """The 64 KiB sniffing window may end inside a multi-byte character; that is not a decoding error."""
    rows = "\n".join(f"E{i:07d},彭远,男,{GOOD_ID},,,,,," for i in range(3000))
    for pad in range(64):
        content = f"{HEADER_ZH}\n{'X' * pad}{rows}\n".encode(encoding)
        try:
            content[: 64 * 1024].decode(encoding)
        except UnicodeDecodeError:
            break
    else:
        pytest.fail("could not place the window boundary inside a character")
    result = read_bytes(content, "m.csv")
    assert len(result) == 3000 and {r.data["name"] for r in result} == {"彭远"}


def test_csv_from_non_seekable_stream_and_caller_stream_left_open() -> None:
    """Uploads may not seek; a caller's file object is not closed behind its back."""
    content = f"{HEADER_ZH}\n{GOOD_ZH}\n".encode("gb18030")
    upload = io.BufferedReader(NonSeekable(content))  # type: ignore[type-var]
    assert len(list(iter_rows(upload, "m.csv"))) == 1
    stream = io.BytesIO(content)
    assert len(list(iter_rows(stream, "m.csv"))) == 1
    assert not stream.closed


def test_csv_blank_lines_skipped_but_counted() -> None:
    """Row numbers are the spreadsheet's, so a clerk finds the row; empty rows are not records."""
    content = f"{HEADER_ZH}\n{GOOD_ZH}\n\n,,,,\n \u3000,,,,,,,,,\n{GOOD_ZH}\n".encode()
    assert [row.row_number for row in read_bytes(content, "m.csv")] == [2, 6]


@pytest.mark.parametrize(
    "content",
    [
        f"{HEADER_ZH}\n{GOOD_ZH}\n\n,,,,\n \u3000,,,,,,,,,\n{GOOD_ZH}\n",
        f"工号,姓名,身份证号,\nE1,张三,{GOOD_ID},,\nE2,李四,{GOOD_ID},oops,more\n,,,\n",
        f"{HEADER_ZH}\r\n",
    ],
)
def test_count_rows_counts_what_iter_rows_yields(content: str) -> None:
    """The import's counting pass only splits CSV into cells, but must agree with the reader."""
    for encoding in ("utf-8", "utf-8-sig", "gb18030"):
        data = content.encode(encoding)
        assert count_rows(io.BytesIO(data), "m.csv") == len(read_bytes(data, "m.csv"))
    jsonl = b'{"employee_no": "E1", "name": "a", "national_id": "1"}\n\n{"employee_no": "E2"}\n'
    assert count_rows(io.BytesIO(jsonl), "m.jsonl") == len(read_bytes(jsonl, "m.jsonl")) == 2


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (HEADER_ZH.encode() + b"\n\xff\xfe\xff,\xff\n", "unreadable_file"),
        (f"{HEADER_ZH}\nE1,a\x00b,{GOOD_ID}\n".encode(), "unreadable_file"),
        ("工号,姓名,手机号\n".encode(), "missing_column"),
        (b"", "missing_column"),
        ("工号,姓名,身份证号,部门\n".encode(), "unknown_column"),
    ],
)
def test_count_rows_refuses_what_iter_rows_refuses(content: bytes, code: str) -> None:
    with pytest.raises(ImportFileError) as excinfo:
        count_rows(io.BytesIO(content), "m.csv")
    assert excinfo.value.code == code == error_kind(content, "m.csv")


def test_csv_header_is_case_and_space_insensitive() -> None:
    """Column names in English or Chinese, any case, stray spaces: all mean the same column."""
    content = " Employee_No ,NAME,身份证号码,　手机　,E-Mail\n".encode()
    assert error_kind(content, "m.csv") == "unknown_column"
    content = f" Employee_No ,NAME,身份证号码,　手机　,邮箱\nE1,张三,{GOOD_ID},13800138000,a@b.cn\n".encode()
    [row] = read_bytes(content, "m.csv")
    assert (row.data["employee_no"], row.data["national_id"], row.data["phone"]) == (
        "E1",
        GOOD_ID,
        "13800138000",
    )
    assert row.data["email"] == "a@b.cn"


@pytest.mark.parametrize(
    ("content", "code"),
    [
        ("工号,姓名,身份证号,部门\n", "unknown_column"),
        ("工号,姓名,手机号\n", "missing_column"),
        ("工号,姓名,身份证号,身份证号码\n", "duplicate_column"),
        ("", "missing_column"),
        (f"\n{HEADER_ZH}\n{GOOD_ZH}\n", "missing_column"),  # the header must be row 1
    ],
)
def test_csv_header_errors(content: str, code: str) -> None:
    """A wrong header rejects the whole file before any row is read."""
    assert error_kind(content.encode(), "m.csv") == code


def test_unreadable_and_unsupported() -> None:
    """Bytes that are neither UTF-8 nor GB18030, or a file that is not what its name says, are refused."""
    assert error_kind(HEADER_ZH.encode() + b"\n\xff\xfe\xff,\xff\n", "m.csv") == "unreadable_file"
    assert error_kind(f"{HEADER_ZH}\nE1,a\x00b,{GOOD_ID}\n".encode(), "m.csv") == "unreadable_file"
    assert error_kind(f"{HEADER_ZH}\n{GOOD_ZH}\n".encode("utf-16"), "m.csv") == "unreadable_file"
    assert error_kind(b"PK\x03\x04 not really a zip", "m.xlsx") == "unreadable_file"
    assert error_kind(b"", "m.xlsx") == "unreadable_file"
    assert error_kind(b"a,b\n", "m.xls") == "unsupported_format"
    assert error_kind(b"a,b\n", "members") == "unsupported_format"


def test_a_nul_past_the_sniffed_head_is_refused_by_both_passes() -> None:
    """The encoding sniff reads the first 64 KiB only; a NUL further down (a damaged export) must still
    refuse the whole file before any row is imported: PostgreSQL cannot store it, SQLite would keep it
    inside a name."""
    good = "\n".join([HEADER_ZH, *[GOOD_ZH] * 1_000]) + "\n"
    assert len(good.encode()) > 64 * 1024
    damaged = (good + GOOD_ZH.replace("彭远", "彭\x00远") + "\n").encode()
    assert error_kind(damaged, "m.csv") == "unreadable_file"
    with pytest.raises(ImportFileError) as excinfo:
        count_rows(io.BytesIO(damaged), "m.csv")
    assert excinfo.value.code == "unreadable_file"
    assert count_rows(io.BytesIO(good.encode()), "m.csv") == 1_000


@pytest.mark.parametrize(
    "record",
    [
        '{"employee_no": "E1", "name": "a\\u0000b", "national_id": "1"}',
        '{"employee_no": "E1", "name": "a", "national_id": "1", "tags": ["x", "y\\u0000"]}',
    ],
)
def test_a_nul_escaped_in_jsonl_is_refused(record: str) -> None:
    """In JSON a NUL arrives escaped (``\\u0000``), so the line itself holds none: each value is checked."""
    assert error_kind(f"{record}\n".encode(), "m.jsonl") == "unreadable_file"


def test_missing_path_is_unreadable(tmp_path: Path) -> None:
    with pytest.raises(ImportFileError) as excinfo:
        list(iter_rows(tmp_path / "nope.csv", "nope.csv"))
    assert excinfo.value.code == "unreadable_file"


def test_cells_outside_named_columns_are_kept_as_extra() -> None:
    """Nothing typed into a file is silently dropped: a row with stray cells is rejected."""
    content = f"工号,姓名,身份证号,\nE1,张三,{GOOD_ID},,\nE2,李四,{GOOD_ID},oops,more\n".encode()
    rows = read_bytes(content, "m.csv")
    assert [row.extra for row in rows] == [(), ("oops", "more")]
    result = normalise_member_row(rows[1], today=TODAY)
    assert isinstance(result, MemberRowError)
    assert [(e.field, e.kind) for e in result.errors] == [("row", "extra_cells")]


def test_short_rows_fill_with_none() -> None:
    [row] = read_bytes(f"{HEADER_ZH}\nE1,张三,男,{GOOD_ID}\n".encode(), "m.csv")
    assert row.data["phone"] is None and row.data["monthly_wage"] is None


# --- XLSX --------------------------------------------------------------------------------------------


def xlsx_bytes(build: object) -> bytes:
    workbook = Workbook()
    build(workbook)  # type: ignore[operator]
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_xlsx_prefers_member_sheet_and_renders_cells() -> None:
    """Sheet 会员 if present; numbers and dates as the text a clerk sees; a float ID keeps its float form."""

    def build(workbook: Workbook) -> None:
        workbook.active.title = "说明"
        workbook.active.append(["这是说明"])
        sheet = workbook.create_sheet("会员")
        sheet.append(["工号", "姓名", "身份证号", "手机号", "入会日期", "月工资", "出生日期", "职工代表"])
        sheet.append(
            [
                1001,
                "张三",
                1.40105198310051e17,
                13800138000.0,
                datetime(2024, 3, 5),
                5027.73,
                date(1983, 10, 5),
                True,
            ]
        )
        sheet.append([None] * 8)
        sheet.cell(row=5, column=1, value="E5")
        sheet.cell(row=5, column=2, value="李四")
        sheet.cell(row=5, column=3, value=GOOD_ID)
        sheet.cell(row=5, column=6, value=-1200)

    rows = read_bytes(xlsx_bytes(build), "m.xlsx")
    assert [row.row_number for row in rows] == [2, 5]
    first = rows[0].data
    assert first["employee_no"] == "1001"
    assert first["national_id"] == "1.40105198310051e+17"
    assert first["phone"] == "13800138000"
    assert first["join_date"] == "2024-03-05"
    assert first["birth_date"] == "1983-10-05"
    assert first["monthly_wage"] == "5027.73"
    assert first["is_representative"] == "true"
    assert rows[1].data["monthly_wage"] == "-1200"
    result = normalise_member_row(rows[0], today=TODAY)
    assert isinstance(result, MemberRowError)
    assert [(e.field, e.kind) for e in result.errors] == [("national_id", "id_excel_float")]


def test_xlsx_first_sheet_and_header_errors() -> None:
    """Without a 会员 sheet the first sheet is read, and its row 1 must be the header."""

    def good(workbook: Workbook) -> None:
        workbook.active.append(["工号", "姓名", "身份证号"])
        workbook.active.append(["E1", "张三", GOOD_ID])
        workbook.create_sheet("其他").append(["x"])

    def bad(workbook: Workbook) -> None:
        workbook.active.append(["工号", "姓名", "身份证号", "部门"])

    [row] = read_bytes(xlsx_bytes(good), "m.XLSX")
    assert row.data["national_id"] == GOOD_ID
    assert error_kind(xlsx_bytes(bad), "m.xlsx") == "unknown_column"


# --- JSON Lines --------------------------------------------------------------------------------------


def test_jsonl_rows_numbers_and_values() -> None:
    """Line n is row n + 1 (first record is row 2, as in a spreadsheet); numbers keep their source text."""
    lines = [
        json.dumps({"employee_no": "E1", "name": "张三", "national_id": GOOD_ID, "tags": ["女职工", "劳模"]}),
        "",
        (
            '{"工号": "E2", "姓名": "李四", "national_id": 1.40105198310051e+17, "monthly_wage": 5027.70,'
            ' "is_representative": true, "notes": null}'
        ),
    ]
    rows = read_bytes("\n".join(lines).encode("utf-8-sig"), "m.ndjson")
    assert [row.row_number for row in rows] == [2, 4]
    assert rows[0].data["tags"] == "女职工,劳模"
    assert rows[1].data["national_id"] == "1.40105198310051e+17"
    assert rows[1].data["monthly_wage"] == "5027.70"
    assert rows[1].data["is_representative"] == "true"
    assert rows[1].data["notes"] is None


@pytest.mark.parametrize(
    ("content", "code"),
    [
        ('{"employee_no": "E1", "name": "a", "national_id": "x", "dept": "y"}\n', "unknown_column"),
        ('{"employee_no": "E1", "name": "a"}\n', "missing_column"),
        ('{"employee_no": "E1", "name": "a", "national_id": "x", "身份证号": "y"}\n', "duplicate_column"),
        ('{"employee_no": "E1", "name": "a", "national_id": "x"\n', "unreadable_file"),
        ('["E1", "a"]\n', "unreadable_file"),
        ('{"employee_no": "E1", "name": {"x": 1}, "national_id": "x"}\n', "unreadable_file"),
        ('{"employee_no": "E1", "name": "a", "national_id": NaN}\n', "unreadable_file"),
    ],
)
def test_jsonl_errors(content: str, code: str) -> None:
    assert error_kind(content.encode(), "m.jsonl") == code


def test_jsonl_not_utf8() -> None:
    """RFC 8259: JSON text exchanged between systems is UTF-8."""
    content = '{"employee_no": "E1", "name": "张三", "national_id": "x"}\n'.encode("gb18030")
    assert error_kind(content, "m.jsonl") == "unreadable_file"


# --- row normalisation -------------------------------------------------------------------------------


def test_harmless_mess_is_accepted() -> None:
    """samples/README.md: spaces, ideographic spaces, full-width digits, lower-case x, 2024/03/05 dates."""
    row = ok(
        employee_no=" E1\u3000",
        name=" 彭　远\u3000",
        gender=" M ",
        national_id="１４０１０６１９８３１００５０７９３",
        phone="１４６ ７７１２-９４２２",
        birth_date="1983.10.5",
        join_date="2002/07/13",
        monthly_wage="5,027.73",
        is_representative="Y",
        org_unit_code=" U02-B01 ",
        email=" a@b.cn ",
        tags="女职工，劳模、女职工",
        notes=" 备注 ",
    )
    assert (row.employee_no, row.name, row.gender) == ("E1", "彭远", "male")
    assert row.national_id.value == GOOD_ID
    assert row.phone == "14677129422"
    assert (row.birth_date, row.join_date) == (date(1983, 10, 5), date(2002, 7, 13))
    assert row.monthly_wage_fen == 502773
    assert row.is_representative is True
    assert row.org_unit_code == "U02-B01"
    assert row.email == "a@b.cn"
    assert row.tags == ["女职工", "劳模"]
    assert row.notes == "备注"
    assert row.row_number == 7


def test_latin_names_keep_their_space() -> None:
    assert ok(name="  Anna   Li ").name == "Anna Li"


def test_blank_gender_and_birth_date_come_from_the_id() -> None:
    """GB 11643-1999 §5: the ID carries the birth date and (17th digit) the gender."""
    row = ok(
        gender=None, birth_date=None, join_date=None, phone=None, monthly_wage=None, is_representative=None
    )
    assert (row.gender, row.birth_date) == ("male", date(1983, 10, 5))
    assert (row.join_date, row.phone, row.monthly_wage_fen, row.is_representative) == (
        None,
        None,
        None,
        False,
    )


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"national_id": "140106198310050794"}, ("national_id", "id_checksum")),
        ({"national_id": "1.40106E+17"}, ("national_id", "id_excel_float")),
        ({"national_id": "140106199311031"}, ("national_id", "id_short")),
        ({"national_id": "1401061983100507931"}, ("national_id", "id_long")),
        ({"national_id": "14010619831005079A"}, ("national_id", "id_format")),
        ({"national_id": " "}, ("national_id", "missing_national_id")),
        ({"birth_date": "1983-10-06"}, ("birth_date", "id_birth_mismatch")),
        ({"birth_date": "1983-13-06"}, ("birth_date", "bad_date")),
        ({"gender": "女"}, ("gender", "gender_mismatch")),
        ({"gender": "x"}, ("gender", "bad_gender")),
        ({"name": " \u3000 "}, ("name", "missing_name")),
        ({"name": None}, ("name", "missing_name")),
        ({"employee_no": ""}, ("employee_no", "missing_employee_no")),
        ({"phone": "1499795"}, ("phone", "bad_phone")),
        ({"phone": "12345678901"}, ("phone", "bad_phone")),
        ({"phone": "010-12345678"}, ("phone", "bad_phone")),
        ({"join_date": "2023-02-30"}, ("join_date", "bad_date")),
        ({"join_date": "yesterday"}, ("join_date", "bad_date")),
        ({"join_date": "2026-11-22"}, ("join_date", "future_join")),
        ({"monthly_wage": "-1200.00"}, ("monthly_wage", "negative_wage")),
        ({"monthly_wage": "5027.735"}, ("monthly_wage", "bad_wage")),
        ({"monthly_wage": "五千"}, ("monthly_wage", "bad_wage")),
        ({"is_representative": "maybe"}, ("is_representative", "bad_flag")),
        ({"email": "not-an-email"}, ("email", "bad_email")),
    ],
)
def test_error_kinds(values: dict[str, str | None], expected: tuple[str, str]) -> None:
    """Kinds as in tests/samples.py (REJECTS); GB 11643-1999 for the ID; 章程 Art 2 for join dates."""
    assert only_error(**values) == expected


def test_all_errors_of_a_row_are_reported() -> None:
    result = normalise_member_row(raw_row(name="", phone="123", join_date="2031-05-01"), today=TODAY)
    assert isinstance(result, MemberRowError)
    assert {(e.field, e.kind) for e in result.errors} == {
        ("name", "missing_name"),
        ("phone", "bad_phone"),
        ("join_date", "future_join"),
    }
    assert all(isinstance(e, FieldError) and e.message for e in result.errors)


def test_join_today_is_not_future() -> None:
    assert ok(join_date="2026-11-21").join_date == TODAY


@pytest.mark.parametrize(
    "text",
    [
        "2024-03-05",
        "2024/03/05",
        "2024.3.5",
        "20240305",
        "2024年3月5日",
        "2024-03-05 00:00:00",
        "2024/3/5 0:00",
    ],
)
def test_date_styles(text: str) -> None:
    assert parse_date(text) == date(2024, 3, 5)


@pytest.mark.parametrize(
    "text", ["2024-02-30", "2024-03/05", "05/03/2024", "2024", "1899-12-31", "2024-3-5x"]
)
def test_bad_dates(text: str) -> None:
    with pytest.raises(ValueError):
        parse_date(text)


@pytest.mark.parametrize(
    ("text", "flag"),
    [
        ("是", True),
        ("否", False),
        ("Y", True),
        ("n", False),
        ("TRUE", True),
        ("false", False),
        ("1", True),
        ("0", False),
    ],
)
def test_flags(text: str, flag: bool) -> None:
    assert ok(is_representative=text).is_representative is flag


@pytest.mark.parametrize(
    ("text", "gender"), [("男", "male"), ("F", "female"), ("Female", "female"), ("m", "male")]
)
def test_genders(text: str, gender: str) -> None:
    nid = GOOD_ID if gender == "male" else "11010519491231002X"
    assert ok(gender=text, national_id=nid, birth_date=None).gender == gender


def test_duplicate_tracker_names_the_earlier_row() -> None:
    """samples/README.md: a repeated employee number or ID number is rejected, pointing at the first."""
    tracker = FileDuplicateTracker()

    def check(row_number: int, employee_no: str, national_id: str) -> MemberRowOk | MemberRowError:
        raw = raw_row(employee_no=employee_no, national_id=national_id, birth_date=None, gender=None)
        raw.row_number = row_number
        return tracker.check(normalise_member_row(raw, today=TODAY))

    assert isinstance(check(2, "E1", GOOD_ID), MemberRowOk)
    rejected = check(3, "E1", "140106198310050794")  # not a valid ID: rejected, not remembered
    assert isinstance(rejected, MemberRowError) and rejected.errors[0].kind == "id_checksum"
    assert isinstance(check(4, "E2", "11010519491231002X"), MemberRowOk)
    dup = check(5, "E2", GOOD_ID.lower())
    assert isinstance(dup, MemberRowError)
    assert [(e.field, e.kind) for e in dup.errors] == [
        ("employee_no", "dup_employee_no"),
        ("national_id", "dup_national_id"),
    ]
    assert "row 4" in dup.errors[0].message and "row 2" in dup.errors[1].message
    assert isinstance(check(6, "E3", "11010519491231002x"), MemberRowError)


def test_every_kind_has_english_and_chinese_text() -> None:
    """Import reports go to union clerks in Chinese; every kind needs a message in both languages."""
    kinds = {
        "id_short",
        "id_long",
        "id_excel_float",
        "id_format",
        "id_region",
        "id_birth_date",
        "id_checksum",
        "id_birth_mismatch",
        "gender_mismatch",
        "missing_name",
        "bad_phone",
        "bad_date",
        "future_join",
        "negative_wage",
        "bad_wage",
        "missing_employee_no",
        "dup_employee_no",
        "dup_national_id",
    }
    assert kinds <= set(KIND_MESSAGES)
    assert all(translate(text, "zh") != text for text in KIND_MESSAGES.values())  # each has its Chinese


@given(st.dates(min_value=date(1, 1, 1)), st.sampled_from(["-", "/", ".", "", "年"]))
def test_iso_fast_path_agrees_with_the_general_forms(day: date, sep: str) -> None:
    """YYYY-MM-DD goes to date.fromisoformat; every style must give the same day (or the same refusal:
    years before 1900 are not plausible)."""
    text = (
        f"{day.year:04d}年{day.month}月{day.day}日"
        if sep == "年"
        else f"{day.year:04d}{sep}{day.month:02d}{sep}{day.day:02d}"
    )
    if day < date(1900, 1, 1):
        with pytest.raises(ValueError):
            parse_date(text)
    else:
        assert parse_date(text) == day


@pytest.mark.parametrize("text", ["2024-W10-2", "2024-065", "２０２４-03-05x", "+024-03-05", "2024-3-05"])
def test_iso_shaped_text_that_is_not_yyyy_mm_dd(text: str) -> None:
    """Other ISO 8601 forms date.fromisoformat knows (week and ordinal dates) are not HR date styles."""
    if text == "2024-3-05":
        assert parse_date(text) == date(2024, 3, 5)  # the regex forms take single-digit months
        return
    with pytest.raises(ValueError):
        parse_date(text)
