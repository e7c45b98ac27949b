"""Sample HR exports for the import tests, generated deterministically from a seed (no files outside the
repository are needed).

Three files, as HR systems and spreadsheets hand member lists to a union office. Data is synthetic:
names are random, every resident ID number has a valid GB 11643 check digit (api.rules.resident_id)
unless the row is meant to be rejected.

* ``members_hr_export_gb18030.csv``: CSV in GB18030, Chinese headers, with harmless mess (spaces and
  ideographic spaces around names, full-width digits in phones, lower-case x in IDs, 2024/03/05 dates);
  313 rows, 13 to reject.
* ``members_hr_export.xlsx``: XLSX, sheet 会员, Chinese headers, wages as numbers, one ID stored as a
  number by a spreadsheet (15 significant digits); 313 rows, 13 to reject.
* ``members_clean.jsonl``: JSON Lines, English keys, nothing wrong; 100 rows.

Columns: 工号 employee_no, 姓名 name, 性别 gender (男/女), 身份证号 national_id, 手机号 phone,
出生日期 birth_date, 入会日期 join_date, 所属工会代码 org_unit_code, 月工资 monthly_wage (yuan, two
decimals), 职工代表 is_representative (是/否). Rows name the units of the test world: ``U01``,
``U01-B01``, ``U01-B02``, ``U02``, ``U02-B01``.

Each file comes with the rows that must be rejected (``FILE.expected.jsonl`` when written): ``row`` (the
spreadsheet row: the header is row 1), ``field`` and ``kind``, one of each kind in :data:`REJECTS`. An
importer reports those rows and no others. Every good join date lies before November 2026, so "in the
future" holds for any import day from then on.
"""

from __future__ import annotations

import csv
import io
import json
import random
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from factories import resident_id
from openpyxl import Workbook

SEED = 20261128
CSV_NAME = "members_hr_export_gb18030.csv"
XLSX_NAME = "members_hr_export.xlsx"
JSONL_NAME = "members_clean.jsonl"
HR_ROWS = 313
CLEAN_ROWS = 100

HEADER_ZH = [
    "工号",
    "姓名",
    "性别",
    "身份证号",
    "手机号",
    "出生日期",
    "入会日期",
    "所属工会代码",
    "月工资",
    "职工代表",
]
KEYS = [
    "employee_no",
    "name",
    "gender",
    "national_id",
    "phone",
    "birth_date",
    "join_date",
    "org_unit_code",
    "monthly_wage",
    "is_representative",
]
UNITS = ["U01", "U01-B01", "U01-B02", "U02", "U02-B01"]
#: the kinds of rejected row every HR export sample holds once each: (kind, field at fault)
REJECTS = [
    ("id_checksum", "national_id"),
    ("id_excel_float", "national_id"),
    ("id_short", "national_id"),
    ("id_birth_mismatch", "birth_date"),
    ("gender_mismatch", "gender"),
    ("missing_name", "name"),
    ("bad_phone", "phone"),
    ("bad_date", "join_date"),
    ("future_join", "join_date"),
    ("unknown_org", "org_unit_code"),
    ("negative_wage", "monthly_wage"),
    ("dup_employee_no", "employee_no"),
    ("dup_national_id", "national_id"),
]
_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢"
)
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍建国红梅志文辉鹏思远嘉萱彬玲东燕浩宇"
_REGIONS = ["110105", "140106", "230103", "310104", "440106", "450102", "510107", "530102"]
_FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


@dataclass(frozen=True)
class Member:
    """One row's true values (what a correct import stores); ``wage_fen`` in fen."""

    employee_no: str
    name: str
    gender: str  # 男 / 女
    national_id: str
    phone: str
    birth_date: date
    join_date: date
    org_unit_code: str
    wage_fen: int
    is_representative: bool


@dataclass
class Row:
    """A row as written to a file: text cells (or numbers for XLSX), maybe messed up or wrong."""

    member: Member
    cells: dict[str, Any]
    reject: tuple[str, str] | None = None  # (kind, field)


@dataclass(frozen=True)
class SampleFile:
    name: str
    content: bytes
    members: list[Member]  # the good rows' true values, in file order
    rejected: list[dict[str, Any]] = field(default_factory=list)  # {"row", "field", "kind"}

    def write(self, directory: Path) -> Path:
        """Write the file (and ``NAME.expected.jsonl`` for files with rejected rows) into ``directory``."""
        path = directory / self.name
        path.write_bytes(self.content)
        if self.rejected:
            lines = [json.dumps(r, ensure_ascii=False) for r in self.rejected]
            (directory / f"{self.name}.expected.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
        return path

    @property
    def expected(self) -> set[tuple[int, str, str]]:
        return {(r["row"], r["field"], r["kind"]) for r in self.rejected}


def _member(rng: random.Random, n: int, prefix: str = "E") -> Member:
    gender = rng.choice("男女")
    birth = date(1966, 1, 1) + timedelta(days=rng.randrange(0, 37 * 365))
    nid = resident_id(
        rng.randrange(500),
        gender="male" if gender == "男" else "female",
        birth=birth,
        region=rng.choice(_REGIONS),
    )
    earliest = date(birth.year + 18, birth.month, min(birth.day, 28))
    join = earliest + timedelta(days=rng.randrange(0, max(1, (date(2026, 6, 30) - earliest).days)))
    return Member(
        employee_no=f"{prefix}{n:07d}",
        name=rng.choice(_SURNAMES) + "".join(rng.choice(_GIVEN) for _ in range(rng.choice((1, 2)))),
        gender=gender,
        national_id=nid,
        phone="1" + rng.choice("3456789") + "".join(rng.choice("0123456789") for _ in range(9)),
        birth_date=birth,
        join_date=join,
        org_unit_code=rng.choice(UNITS),
        wage_fen=rng.randrange(300_000, 3_000_000),
        is_representative=rng.random() < 0.1,
    )


def _cells(m: Member) -> dict[str, Any]:
    return {
        "employee_no": m.employee_no,
        "name": m.name,
        "gender": m.gender,
        "national_id": m.national_id,
        "phone": m.phone,
        "birth_date": m.birth_date.isoformat(),
        "join_date": m.join_date.isoformat(),
        "org_unit_code": m.org_unit_code,
        "monthly_wage": f"{m.wage_fen // 100}.{m.wage_fen % 100:02d}",
        "is_representative": "是" if m.is_representative else "否",
    }


def _with_valid_id(m: Member, rng: random.Random) -> Member:
    """The same person with another valid ID number (for a repeated employee number)."""
    other = resident_id(
        rng.randrange(500),
        gender="male" if m.gender == "男" else "female",
        birth=m.birth_date,
        region=rng.choice(_REGIONS),
    )
    return replace(m, national_id=other)


def _break(kind: str, row: Row, earlier: list[Row], rng: random.Random, *, xlsx: bool) -> None:
    """Make ``row`` wrong in exactly the way ``kind`` names (and in no other way)."""
    m, cells = row.member, row.cells
    if kind == "id_checksum":
        wrong = next(c for c in "0123456789X" if c != m.national_id[-1])
        cells["national_id"] = m.national_id[:17] + wrong
    elif kind == "id_excel_float":
        # a spreadsheet turned the number into a float: 15 significant digits
        number = float(f"{int(m.national_id[:17] + '0'):.14e}")
        cells["national_id"] = number if xlsx else f"{number:.5E}"
    elif kind == "id_short":
        cells["national_id"] = m.national_id[:15]
    elif kind == "id_birth_mismatch":
        cells["birth_date"] = (m.birth_date + timedelta(days=400)).isoformat()
    elif kind == "gender_mismatch":
        cells["gender"] = "女" if m.gender == "男" else "男"
    elif kind == "missing_name":
        cells["name"] = "  "
    elif kind == "bad_phone":
        cells["phone"] = m.phone[:7]
    elif kind == "bad_date":
        cells["join_date"] = f"{min(m.join_date.year, 2025)}-02-30"
    elif kind == "future_join":
        cells["join_date"] = "2031-05-01"
    elif kind == "unknown_org":
        cells["org_unit_code"] = f"NOPE-{rng.randrange(1000, 9999)}"
    elif kind == "negative_wage":
        cells["monthly_wage"] = -1200 if xlsx else "-1200.00"
    elif kind == "dup_employee_no":
        cells["employee_no"] = rng.choice(earlier).member.employee_no
    elif kind == "dup_national_id":
        source = rng.choice(earlier).member
        row.member = replace(
            m, national_id=source.national_id, gender=source.gender, birth_date=source.birth_date
        )
        cells.update(
            national_id=source.national_id, gender=source.gender, birth_date=source.birth_date.isoformat()
        )
    else:
        raise ValueError(kind)


def _mess_csv(cells: dict[str, Any], rng: random.Random, *, force: bool = False) -> None:
    """Harmless mess an importer must clean: padded names, full-width phone digits, x, slashed dates."""
    if force or rng.random() < 0.08:
        cells["name"] = rng.choice((" ", "　")) + cells["name"] + rng.choice(("　", " ", ""))
    if rng.random() < 0.05 and cells["phone"].isdigit():
        cells["phone"] = cells["phone"].translate(_FULL_WIDTH)
    if cells["national_id"].endswith("X") and rng.random() < 0.5:
        cells["national_id"] = cells["national_id"][:17] + "x"
    if rng.random() < 0.05 and cells["join_date"][:4].isdigit() and "-02-30" not in cells["join_date"]:
        cells["join_date"] = cells["join_date"].replace("-", "/")


def hr_rows(seed: int = SEED, *, xlsx: bool = False) -> list[Row]:
    """313 rows, 13 of them rejected (one of each kind in :data:`REJECTS`), at seeded positions."""
    rng = random.Random(seed + (1 if xlsx else 0))
    # the duplicates come after row 100, so there is always an earlier row to repeat
    positions = sorted(rng.sample(range(20, HR_ROWS - 20), len(REJECTS) - 2))
    positions += sorted(rng.sample([p for p in range(100, HR_ROWS) if p not in positions], 2))
    kinds = dict(zip(positions, REJECTS, strict=True))
    rows: list[Row] = []
    good = 0
    for i in range(HR_ROWS):
        reject = kinds.get(i)
        if reject is None:
            good += 1
            member = _member(rng, good)
        else:
            member = _member(rng, 9_000_000 + i)
        row = Row(member=member, cells=_cells(member), reject=reject)
        if reject is not None:
            earlier = [r for r in rows if r.reject is None]
            if reject[0] == "dup_employee_no":
                row.member = _with_valid_id(member, rng)
                row.cells = _cells(row.member)
            _break(reject[0], row, earlier, rng, xlsx=xlsx)
        rows.append(row)
    return rows


def _expected(rows: list[Row]) -> list[dict[str, Any]]:
    return [
        {"row": i + 2, "field": r.reject[1], "kind": r.reject[0]}
        for i, r in enumerate(rows)
        if r.reject is not None
    ]


def hr_export_csv(seed: int = SEED) -> SampleFile:
    """The GB18030 CSV with Chinese headers and harmless mess (the first row's name is padded)."""
    rows = hr_rows(seed)
    rng = random.Random(seed + 2)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(HEADER_ZH)
    for i, row in enumerate(rows):
        cells = dict(row.cells)
        if row.reject is None or row.reject[0] not in {
            "missing_name",
            "bad_phone",
            "bad_date",
            "future_join",
        }:
            _mess_csv(cells, rng, force=i == 0)
        writer.writerow([cells[k] for k in KEYS])
    return SampleFile(
        CSV_NAME,
        buffer.getvalue().encode("gb18030"),
        [r.member for r in rows if r.reject is None],
        _expected(rows),
    )


def hr_export_xlsx(seed: int = SEED) -> SampleFile:
    """The XLSX: sheet 会员, Chinese headers, wages as numbers, one ID stored as a number."""
    rows = hr_rows(seed, xlsx=True)
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "会员"
    sheet.append(HEADER_ZH)
    for row in rows:
        cells = dict(row.cells)
        if isinstance(cells["monthly_wage"], str):
            cells["monthly_wage"] = float(cells["monthly_wage"])
        sheet.append([cells[k] for k in KEYS])
    out = io.BytesIO()
    book.save(out)
    return SampleFile(
        XLSX_NAME, out.getvalue(), [r.member for r in rows if r.reject is None], _expected(rows)
    )


def clean_jsonl(seed: int = SEED) -> SampleFile:
    """100 rows of JSON Lines with English keys and nothing wrong."""
    rng = random.Random(seed + 3)
    members = [_member(rng, n) for n in range(1, CLEAN_ROWS + 1)]
    lines = [json.dumps(_cells(m), ensure_ascii=False) for m in members]
    return SampleFile(JSONL_NAME, ("\n".join(lines) + "\n").encode("utf-8"), members)


def all_samples(seed: int = SEED) -> dict[str, SampleFile]:
    return {s.name: s for s in (hr_export_csv(seed), hr_export_xlsx(seed), clean_jsonl(seed))}


def write_samples(directory: Path, seed: int = SEED) -> dict[str, Path]:
    """Write every sample (and its expected rejections) into ``directory``; returns the paths by name."""
    directory.mkdir(parents=True, exist_ok=True)
    return {name: s.write(directory) for name, s in all_samples(seed).items()}
