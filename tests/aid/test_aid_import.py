"""Bulk import of existing household files through the member-import machinery: dry run, exact row
errors (row, field, kind), all or nothing (abort) or the good rows (skip)."""

from __future__ import annotations

from aid.factories import ACCOUNT, AID, dibao, make_member, officer

HEADER = "工号,姓名,地区代码,家庭人口,家庭年收入,刚性支出,致困原因,排除情形,开户行,银行账号,户名,授权书签署日期,建档日期\n"  # noqa: E501


def _csv(world, rows: list[str]) -> tuple[str, bytes, str]:
    return ("困难职工.csv", (HEADER + "".join(r + "\n" for r in rows)).encode(), "text/csv")


def _scene(client, world):
    dibao(client, world)
    good = make_member(world, "U01-B01", name="张三丰", representative=False)
    rich = make_member(world, "U01-B01", name="钱富", representative=False)
    car = make_member(world, "U01-B02", name="孙车", representative=False)
    rows = [
        f"{good.employee_no},张三丰,310000,3,36000,6000,illness,,工商银行,{ACCOUNT},张三丰,2025-01-05,2025-03-01",
        f"{rich.employee_no},钱富,310000,3,120000,12000,other,,工商银行,{ACCOUNT},钱富,2025-01-05,2025-03-01",
        f"{car.employee_no},孙车,310000,2,10000,0,illness,private_car,工商银行,{ACCOUNT},孙车,2025-01-05,2025-03-01",
        f"X999,无此人,310000,2,10000,0,illness,,工商银行,{ACCOUNT},无此人,2025-01-05,2025-03-01",
        f"{good.employee_no}9,张三丰,310000,abc,1万,0,illness,,工商银行,{ACCOUNT},张三丰,2025-01-05,2025/13/01",
    ]
    return _csv(world, rows)


def _post(client, world, file, **form):
    data = {"org_unit_id": str(world.units["U01"].id), **form}
    return client.post(f"{AID}/household-imports", files={"file": file}, data=data, headers=officer(world))


EXPECTED = [
    {"row": 3, "field": "annual_income", "kind": "not_in_hardship"},
    {"row": 4, "field": "exclusions", "kind": "excluded"},
    {"row": 5, "field": "employee_no", "kind": "member_not_found"},
    {"row": 6, "field": "household_size", "kind": "bad_number"},
    {"row": 6, "field": "annual_income", "kind": "bad_amount"},
    {"row": 6, "field": "filed_on", "kind": "bad_date"},
]


def test_dry_run_reports_exact_row_errors_and_writes_nothing(client, world, clock):
    r = _post(client, world, _scene(client, world), dry_run="true")
    assert r.status_code == 200, r.text
    report = r.json()
    assert report["total"] == 5 and report["failed"] == 4 and report["written"] is False
    assert [{k: e[k] for k in ("row", "field", "kind")} for e in report["errors"]] == EXPECTED
    assert ACCOUNT not in r.text and "钱富" not in r.text
    assert client.get(f"{AID}/households", headers=officer(world)).json()["items"] == []


def test_abort_writes_nothing_when_a_row_fails(client, world, clock):
    r = _post(client, world, _scene(client, world), on_error="abort")
    assert r.json()["written"] is False and r.json()["imported"] == 0
    assert client.get(f"{AID}/households", headers=officer(world)).json()["items"] == []


def test_skip_writes_the_good_rows_as_filed_files(client, world, clock):
    r = _post(client, world, _scene(client, world), on_error="skip")
    assert r.json()["written"] is True and r.json()["imported"] == 1
    items = client.get(f"{AID}/households", headers=officer(world)).json()["items"]
    assert len(items) == 1
    h = items[0]
    assert (h["member_name"], h["status"], h["category"], h["filed_on"], h["review_due_on"]) == (
        "张三丰",
        "filed",
        "deep",
        "2025-03-01",
        "2026-03-01",
    )
    timeline = client.get(f"{AID}/households/{h['id']}/timeline", headers=officer(world)).json()
    assert [e["kind"] for e in timeline["items"]] == ["imported"]
    # the same file again: the member now has an open file
    again = _post(client, world, _scene_again(world, h), on_error="skip").json()
    assert again["errors"][0]["kind"] == "household_exists"


def _scene_again(world, h):
    from sqlmodel import select

    from api.db.models import Member

    with world.db.read_session() as s:
        member = s.exec(select(Member).where(Member.name == "张三丰")).one()
    row = (
        f"{member.employee_no},张三丰,310000,3,36000,6000,illness,,工商银行,{ACCOUNT},张三丰,2025-01-05,"
        "2025-03-01"
    )
    return _csv(world, [row])


def test_a_damaged_header_is_refused(client, world, clock, problem):
    file = ("x.csv", "工号,姓名\nA1,张三\n".encode(), "text/csv")
    problem(_post(client, world, file), 422, "import_missing_column")
