"""GET /members/export (issue 3: streamed CSV/XLSX with the list's filters, masked as the role requires)."""

from __future__ import annotations

import csv
import io
import re

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from api.imports.readers import iter_rows
from imports_db.helpers import HEADER_ZH, csv_bytes, error_set, make_id, post_import, row

URL = "/api/v1/members/export"


@pytest.fixture
def members(client, world):
    """Six members: four in U01 (one representative, one tagged), two in U02."""
    officer = world.as_role("officer", "ROOT")
    rows = [
        row("X001", "周一", make_id(1), "U01", phone="13811110001"),
        row("X002", "周二", make_id(2), "U01-B01", phone="13811110002", rep="是"),
        row("X003", "周三", make_id(3), "U01-B02", phone="13811110003", wage="1234.50"),
        "X004,=HYPERLINK(1),男," + make_id(4) + ",13811110004,,2020-01-01,U01,,否",
        row("X005", "吴五", make_id(5), "U02", phone="13811110005"),
        row("X006", "吴六", make_id(6), "U02-B01", phone="13811110006"),
    ]
    job = post_import(client, officer, csv_bytes(rows), org_unit="ROOT").json()
    assert job["created_count"] == 6, job
    hr = world.as_role("integration", "U01")
    client.put(
        "/api/v1/members/by-employee-no/X003?org_unit=U01",
        headers={**hr, "If-Match": "*"},
        json={"name": "周三", "national_id": make_id(3), "tags": ["劳模"]},
    )
    return rows


def read_csv(response) -> list[dict[str, str]]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    text = response.content.decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def test_csv_in_chinese_uses_the_import_headers_and_masks_ids(client, world, members):
    r = client.get(URL, headers=world.as_role("officer", "U01"))
    rows = read_csv(r)
    header = r.content.decode("utf-8-sig").splitlines()[0]
    assert header.startswith(HEADER_ZH)
    assert [x["工号"] for x in rows] == ["X001", "X002", "X003", "X004"]  # only the caller's union
    assert all(re.fullmatch(r"\d{3}\*{11}[\dX]{4}", x["身份证号"]) for x in rows)
    assert not re.search(r"\d{17}[\dX]", r.content.decode("utf-8-sig"))
    x3 = next(x for x in rows if x["工号"] == "X003")
    assert x3["手机号"] == "13811110003" and x3["月工资"] == "1234.50" and x3["标签"] == "劳模"
    assert x3["所属工会代码"] == "U01-B02" and x3["性别"] == "男" and x3["职工代表"] == "否"
    # a formula in a cell is neutralised
    assert next(x for x in rows if x["工号"] == "X004")["姓名"] == "'=HYPERLINK(1)"


def test_export_can_be_read_back_by_the_importer(client, world, members, tmp_path):
    for lang in ("zh", "en"):
        path = tmp_path / f"export-{lang}.csv"
        path.write_bytes(
            client.get(URL, params={"lang": lang}, headers=world.as_role("officer", "U01")).content
        )
        records = list(iter_rows(path, path.name))
        assert [r.data["employee_no"] for r in records] == ["X001", "X002", "X003", "X004"]
        assert records[1].data["is_representative"] in {"是", "yes"}


def test_phone_and_wage_are_masked_for_roles_without_edit_rights(client, world, members):
    rows = read_csv(client.get(URL, params={"lang": "en"}, headers=world.as_role("integration", "U01")))
    x1 = next(x for x in rows if x["employee_no"] == "X001")
    assert x1["phone"] == "138****0001" and x1["monthly_wage"] == ""
    rows = read_csv(client.get(URL, params={"lang": "en"}, headers=world.as_role("auditor", "ROOT")))
    assert len(rows) == 6
    x3 = next(x for x in rows if x["employee_no"] == "X003")
    assert x3["phone"] == "138****0003" and x3["monthly_wage"] == "1234.50"  # auditors see dues bases


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"is_representative": "true"}, ["X002"]),
        ({"tag": "劳模"}, ["X003"]),
        ({"q": "周"}, ["X001", "X002", "X003"]),
        ({"q": "X00"}, ["X001", "X002", "X003", "X004", "X005", "X006"]),
        ({"status": "retained"}, []),
    ],
)
def test_filters(client, world, members, params, expected):
    rows = read_csv(
        client.get(URL, params={"lang": "en", **params}, headers=world.as_role("officer", "ROOT"))
    )
    assert [x["employee_no"] for x in rows] == expected


def test_org_unit_filter_and_scope(client, world, members):
    officer = world.as_role("officer", "ROOT")
    rows = read_csv(client.get(URL, params={"org_unit_id": str(world.units["U02"].id)}, headers=officer))
    assert [x["工号"] for x in rows] == ["X005", "X006"]
    # an officer of U01 asking for U02's subtree gets nothing of it
    rows = read_csv(
        client.get(
            URL, params={"org_unit_id": str(world.units["U02"].id)}, headers=world.as_role("officer", "U01")
        )
    )
    assert rows == []


def test_xlsx(client, world, members, tmp_path):
    r = client.get(URL, params={"format": "xlsx", "lang": "en"}, headers=world.as_role("officer", "U01"))
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/vnd.openxmlformats")
    path = tmp_path / "members.xlsx"
    path.write_bytes(r.content)
    sheet = load_workbook(path, read_only=True).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][:3] == ("employee_no", "name", "gender") and len(values) == 5
    assert all(isinstance(v, str) for v in values[1][:5])  # IDs and phones stay text
    assert [r.data["employee_no"] for r in iter_rows(path, path.name)] == ["X001", "X002", "X003", "X004"]


def test_export_needs_members_read(client, world, members, problem):
    problem(client.get(URL, headers=world.as_role("treasurer", "U01")), 403, "permission_denied")
    problem(
        client.get(URL, params={"format": "pdf"}, headers=world.as_role("officer", "U01")),
        422,
        "validation_failed",
    )


# --- an export re-imported (issue 17) ------------------------------------------------------------------


def _id_columns(db) -> dict[str, tuple[str, str, str]]:
    with db.read_session() as s:
        rows = s.execute(
            sa.text(
                "SELECT employee_no, national_id_cipher, national_id_hmac, national_id_masked FROM member"
            )
        ).all()
    return {r[0]: (r[1], r[2], r[3]) for r in rows}


def _members(db) -> dict[str, dict[str, object]]:
    with db.read_session() as s:
        rows = s.execute(sa.text("SELECT employee_no, name, phone, version FROM member")).mappings().all()
    return {r["employee_no"]: dict(r) for r in rows}


def test_an_export_reimports_as_an_update_of_the_edited_cells_only(client, world, db, members):
    """Export -> edit two cells -> import the file as it is: the masked IDs match the members on record
    by employee number and stay untouched; only the edited members change, with their audit record and
    change-feed entries (docs/members.md, "Export")."""
    officer = world.as_role("officer", "U01")
    exported = client.get(URL, headers=officer).content.decode("utf-8-sig")
    before_ids, before = _id_columns(db), _members(db)
    with db.read_session() as s:
        feed_before = s.execute(sa.text("SELECT count(*) FROM change_log")).scalar_one()
    lines = exported.splitlines()
    edited = [
        line.replace("13811110002", "13900000002")
        if line.startswith("X002,")
        else line.replace("周三", "周叁")
        if line.startswith("X003,")
        else line
        for line in lines
    ]
    assert edited != lines
    job = post_import(client, officer, ("\n".join(edited) + "\n").encode("utf-8-sig")).json()
    assert job["status"] == "succeeded", job
    assert (job["created_count"], job["updated_count"], job["unchanged_count"], job["failed_count"]) == (
        0,
        2,
        2,
        0,
    ), job
    after_ids, after = _id_columns(db), _members(db)
    assert after_ids == before_ids  # cipher, hash and stored mask: all intact
    assert after["X002"]["phone"] == "13900000002" and after["X003"]["name"] == "周叁"
    for emp in ("X001", "X004", "X005", "X006"):
        assert after[emp] == before[emp]
    assert after["X002"]["version"] == before["X002"]["version"] + 1
    with db.read_session() as s:
        feed = s.execute(sa.text("SELECT entity_id, action FROM change_log ORDER BY id")).all()[feed_before:]
        audit = s.execute(
            sa.text("SELECT changes FROM audit_event WHERE action = 'member_import.completed'")
        ).all()
        ids = dict(s.execute(sa.text("SELECT employee_no, id FROM member")).all())
    assert sorted((str(e), a) for e, a in feed) == sorted(
        (str(ids[emp]), "updated") for emp in ("X002", "X003")
    )
    assert len(audit) == 2  # the fixture's import and this one
    # importing the same export again changes nothing
    job = post_import(client, officer, ("\n".join(edited) + "\n").encode("utf-8-sig")).json()
    assert (job["updated_count"], job["unchanged_count"], job["failed_count"]) == (0, 4, 0), job


def test_masked_ids_need_the_member_on_record_and_its_last_four(client, world, db, members):
    """The coarse mask (``**************002X``) and a birth year also re-import; a masked ID for a new
    employee number is `id_masked_new_member`, one whose visible tail differs from the record is
    `id_masked_mismatch`, and any other starred value is still a malformed ID."""
    officer = world.as_role("officer", "U01")
    masked = _id_columns(db)["X001"][2]
    coarse = "*" * 14 + masked[-4:]
    other_tail = masked[:-4] + ("0000" if masked[-4:] != "0000" else "1111")
    year = make_id(1)[6:10]
    rows = [
        f"X001,周一改,男,{coarse},13811110001,{year},,U01,,否",  # updates the name, keeps ID and birth date
        f"X999,新人,男,{masked},13811119999,,,U01,,否",
        f"X002,周二,男,{other_tail},13811110002,,,U01-B01,,是",
        f"X003,周三,男,{masked[0]}*{masked[2:]},13811110003,,,U01-B02,,否",
    ]
    before_ids = _id_columns(db)
    job = post_import(client, officer, csv_bytes(rows), on_error="skip").json()
    assert error_set(job) == {
        (3, "national_id", "id_masked_new_member"),
        (4, "national_id", "id_masked_mismatch"),
        (5, "national_id", "id_format"),
    }, job
    assert (job["updated_count"], job["failed_count"]) == (1, 3)
    assert _id_columns(db) == before_ids
    assert _members(db)["X001"]["name"] == "周一改"
    with db.read_session() as s:
        birth = s.execute(sa.text("SELECT birth_date FROM member WHERE employee_no = 'X001'")).scalar_one()
    assert str(birth)[:4] == year
