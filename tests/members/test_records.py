"""Member records: create, read, update, list (docs/rules.md §1 Record; issue "Members")."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
import sqlalchemy as sa
from factories import resident_id

from api.schemas.members import LifecycleActionName, MemberStatusName
from api.services.member_core import LifecycleAction, MemberStatus
from members.factories import payload

BASE = "/api/v1/members"


def test_schema_enums_mirror_the_state_machine():
    assert {s.value for s in MemberStatusName} == {s.value for s in MemberStatus}
    transfers = {LifecycleAction.transfer_out, LifecycleAction.transfer_in, LifecycleAction.transfer_back}
    assert {a.value for a in LifecycleActionName} == {a.value for a in set(LifecycleAction) - transfers}


def test_create_fills_birth_date_and_gender_from_the_resident_id(
    client, world, officer, change_feed, audit_events
):
    """GB 11643 §5.2-5.3: digits 7-14 are the birth date, the 17th digit's parity the gender."""
    body = payload(world, national_id=resident_id(birth=date(1988, 7, 9), gender="female"))
    r = client.post(BASE, json=body, headers=officer)
    assert r.status_code == 201, r.text
    m = r.json()
    assert m["birth_date"] == "1988-07-09" and m["gender"] == "female"
    assert m["member_no"] == "U01-000001" and m["status"] == "active" and m["join_date"] == "2020-05-01"
    assert m["national_id_masked"] == body["national_id"][:3] + "*" * 11 + body["national_id"][-4:]
    assert "national_id" not in m and m["view"] == "full"
    assert r.headers["ETag"] == '"1"' and r.headers["Location"] == f"{BASE}/{m['id']}"
    assert m["grassroots_unit_id"] == str(world.units["U01"].id)
    assert change_feed(m["id"]) == ["created"]
    [event] = audit_events("member.created", m["id"])
    after = event.changes["after"]
    assert after["phone"] == after["monthly_wage_fen"] == after["national_id_hmac"] == "***"
    assert after["name"] == body["name"]
    events = client.get(f"{BASE}/{m['id']}/events", headers=officer).json()["items"]
    assert [(e["kind"], e["from_status"], e["to_status"], e["effective_on"]) for e in events] == [
        ("joined", None, "active", "2020-05-01")
    ]


def test_member_numbers_are_per_union(client, world, new_member):
    assert new_member("U01-B01")["member_no"] == "U01-000001"
    assert new_member("U01-B02")["member_no"] == "U01-000002"
    assert new_member("U02-B01")["member_no"] == "U02-000001"


def test_lower_case_x_and_full_width_digits_are_normalised(client, world, officer):
    """The issue: lower-case x accepted and normalised; harmless full-width digits too."""
    raw = next(resident_id(n) for n in range(9000, 9100) if resident_id(n).endswith("X"))
    messy = "　" + raw[:-1].translate(str.maketrans("0123456789", "０１２３４５６７８９")) + "x "
    r = client.post(BASE, json=payload(world, national_id=messy), headers=officer)
    assert r.status_code == 201, r.text
    assert r.json()["national_id_masked"].endswith("X")
    dup = client.post(BASE, json=payload(world, national_id=raw), headers=officer)
    assert dup.status_code == 409 and dup.json()["code"] == "member_national_id_taken"


@pytest.mark.parametrize(
    "bad, kind",
    [
        ("110105198003120013", "id_checksum"),
        ("11010519800312001", "id_short"),
        ("1101051980031200134", "id_long"),
        ("1.10105E+17", "id_excel_float"),
        ("110105198013120011", "id_birth_date"),
        ("99010519800312001X", "id_region"),
        ("11010519800312A01X", "id_format"),
    ],
)
def test_invalid_resident_ids_are_422_with_the_error_kind(client, world, officer, problem, bad, kind):
    if kind in {"id_birth_date", "id_region"}:  # give these a correct check digit so the later check fires
        from api.rules.resident_id import compute_check_char

        bad = bad[:17] + compute_check_char(bad[:17])
    body = problem(client.post(BASE, json=payload(world, national_id=bad), headers=officer), 422, kind)
    assert body["errors"][0]["field"] == "national_id"
    assert bad not in str(body)  # the number is not echoed back


def test_birth_date_and_gender_must_agree_with_the_id(client, world, officer, problem):
    rid = resident_id(gender="male")
    body = problem(
        client.post(BASE, json=payload(world, national_id=rid, birth_date="1999-01-01"), headers=officer),
        422,
        "id_birth_mismatch",
    )
    assert body["errors"][0]["field"] == "birth_date"
    problem(
        client.post(BASE, json=payload(world, national_id=rid, gender="female"), headers=officer),
        422,
        "gender_mismatch",
    )
    ok = client.post(BASE, json=payload(world, national_id=rid, gender="male"), headers=officer)
    assert ok.status_code == 201, ok.text


def test_one_person_one_membership(client, world, new_member, problem):
    """会籍办法 Art 3 (join once): the same resident ID cannot be registered twice, in any union."""
    rid = resident_id()
    first = new_member(national_id=rid)
    body = problem(
        client.post(
            BASE, json=payload(world, "U02-B01", national_id=rid), headers=world.as_role("officer", "U02")
        ),
        409,
        "member_national_id_taken",
    )
    assert body["member_no"] == first["member_no"]


def test_employee_number_is_unique_per_grassroots_union(client, world, new_member, officer, problem):
    new_member("U01-B01", employee_no="E-1")
    body = problem(
        client.post(BASE, json=payload(world, "U01-B02", employee_no="E-1"), headers=officer),
        409,
        "member_employee_no_taken",
    )
    assert body["value"] == "E-1"
    assert new_member("U02-B01", employee_no="E-1")["employee_no"] == "E-1"


def test_create_input_rules(client, world, officer, problem):
    problem(
        client.post(BASE, json=payload(world, monthly_wage_fen=-1), headers=officer), 422, "validation_failed"
    )
    problem(client.post(BASE, json=payload(world, phone="12345"), headers=officer), 422, "validation_failed")
    body = problem(
        client.post(BASE, json=payload(world, member_no="X-1"), headers=officer), 422, "validation_failed"
    )
    assert body["errors"][0]["code"] == "extra_forbidden"
    problem(
        client.post(BASE, json=payload(world, status="retained"), headers=officer), 422, "validation_failed"
    )
    problem(
        client.post(BASE, json=payload(world, join_date="2999-01-01"), headers=officer),
        422,
        "member_date_in_future",
    )
    problem(
        client.post(BASE, json=payload(world, status="applied"), headers=officer), 422, "member_not_approved"
    )
    problem(
        client.post(
            BASE,
            json=payload(world, status="applied", join_date=None, is_representative=True),
            headers=officer,
        ),
        422,
        "member_representative_not_voting",
    )


def test_members_are_registered_with_a_grassroots_union(client, world, problem):
    """docs/rules.md §0/§1: members belong to a grassroots union; a federation holds none directly."""
    body = problem(
        client.post(BASE, json=payload(world, "ROOT"), headers=world.as_role("officer", "ROOT")),
        422,
        "member_unit_not_in_union",
    )
    assert body["errors"][0]["field"] == "org_unit_id"


def test_an_applicant_has_no_join_date_until_approved(client, world, officer):
    """章程 Art 2: membership dates from approval."""
    r = client.post(BASE, json=payload(world, status="applied", join_date=None), headers=officer)
    assert r.status_code == 201, r.text
    assert r.json()["status"] == "applied" and r.json()["join_date"] is None


def test_get_sets_etag_and_patch_needs_if_match(client, new_member, officer, problem):
    m = new_member()
    path = f"{BASE}/{m['id']}"
    r = client.get(path, headers=officer)
    assert r.status_code == 200 and r.headers["ETag"] == '"1"'
    problem(client.patch(path, json={"name": "李四"}, headers=officer), 428, "if_match_required")
    problem(
        client.patch(path, json={"name": "李四"}, headers={**officer, "If-Match": '"7"'}),
        412,
        "version_mismatch",
    )
    r = client.patch(
        path, json={"name": "李四", "tags": ["劳模", "女职工"]}, headers={**officer, "If-Match": '"1"'}
    )
    assert r.status_code == 200, r.text
    assert (
        r.json()["name"] == "李四"
        and r.json()["tags"] == sorted(["女职工", "劳模"])
        and r.headers["ETag"] == '"2"'
    )
    r = client.patch(path, json={"tags": ["劳模"]}, headers={**officer, "If-Match": '"2"'})
    assert r.json()["tags"] == ["劳模"] and r.headers["ETag"] == '"3"'


def test_unchanged_patch_writes_nothing(client, new_member, officer, audit_events, change_feed):
    m = new_member(name="王五")
    r = client.patch(f"{BASE}/{m['id']}", json={"name": "王五"}, headers={**officer, "If-Match": m["etag"]})
    assert r.status_code == 200 and r.headers["ETag"] == m["etag"]
    assert audit_events("member.updated", m["id"]) == []
    assert change_feed(m["id"]) == ["created"]


def test_patch_audits_with_redaction_and_feeds_the_change_log(
    client, new_member, officer, audit_events, change_feed
):
    m = new_member()
    r = client.patch(
        f"{BASE}/{m['id']}",
        json={"phone": "13911112222", "monthly_wage_fen": 1},
        headers={**officer, "If-Match": m["etag"]},
    )
    assert r.status_code == 200, r.text
    [event] = audit_events("member.updated", m["id"])
    assert event.changes == {
        "before": {"phone": "***", "monthly_wage_fen": "***"},
        "after": {"phone": "***", "monthly_wage_fen": "***"},
    }
    assert change_feed(m["id"]) == ["created", "updated"]


def test_patch_national_id_is_revalidated(client, world, new_member, officer, problem):
    m = new_member(national_id=resident_id(gender="male"))
    path, tag = f"{BASE}/{m['id']}", {**officer, "If-Match": m["etag"]}
    problem(client.patch(path, json={"national_id": "110105198003120013"}, headers=tag), 422, "id_checksum")
    problem(client.patch(path, json={"gender": "female"}, headers=tag), 422, "gender_mismatch")
    problem(client.patch(path, json={"birth_date": "1970-01-01"}, headers=tag), 422, "id_birth_mismatch")
    other = new_member()
    problem(
        client.patch(path, json={"national_id": other["national_id_masked"]}, headers=tag), 422, "id_format"
    )
    new_id = resident_id(gender="female", birth=date(1990, 2, 3))
    r = client.patch(path, json={"national_id": new_id}, headers=tag)
    assert r.status_code == 200, r.text
    assert (r.json()["gender"], r.json()["birth_date"]) == ("female", "1990-02-03")
    assert r.json()["national_id_masked"].endswith(new_id[-4:])
    chair = world.as_role("chair", "U01")
    assert client.get(f"{path}/national-id", headers=chair).json()["national_id"] == new_id


def test_patch_cannot_take_another_members_id_or_employee_number(client, new_member, officer, problem):
    a, b = new_member(employee_no="A-1"), new_member(employee_no="B-1")
    chair_id = client.get(f"{BASE}/{a['id']}/national-id", headers=officer).json()["national_id"]
    tag = {**officer, "If-Match": b["etag"]}
    problem(
        client.patch(f"{BASE}/{b['id']}", json={"national_id": chair_id}, headers=tag),
        409,
        "member_national_id_taken",
    )
    problem(
        client.patch(f"{BASE}/{b['id']}", json={"employee_no": "A-1"}, headers=tag),
        409,
        "member_employee_no_taken",
    )
    problem(client.patch(f"{BASE}/{b['id']}", json={"name": None}, headers=tag), 422, "validation_failed")


def test_moving_within_the_union_is_an_edit_across_unions_a_transfer(client, world, new_member, problem):
    """会籍接转 (docs/rules.md §1 Transfer): leaving the grassroots union goes through a transfer."""
    root_officer = world.as_role("officer", "ROOT")
    m = new_member()
    path = f"{BASE}/{m['id']}"
    r = client.patch(
        path,
        json={"org_unit_id": str(world.units["U01-B02"].id)},
        headers={**root_officer, "If-Match": m["etag"]},
    )
    assert r.status_code == 200 and r.json()["org_unit_id"] == str(world.units["U01-B02"].id)
    problem(
        client.patch(
            path,
            json={"org_unit_id": str(world.units["U02-B01"].id)},
            headers={**root_officer, "If-Match": r.headers["ETag"]},
        ),
        422,
        "member_unit_needs_transfer",
    )
    u01 = world.as_role("officer", "U01")
    problem(
        client.patch(
            path,
            json={"org_unit_id": str(world.units["U02-B01"].id)},
            headers={**u01, "If-Match": r.headers["ETag"]},
        ),
        422,
        "not_found",
    )


def test_representatives_must_be_active(client, new_member, officer, problem):
    m = new_member(is_representative=True)
    assert m["is_representative"] is True
    r = client.post(
        f"{BASE}/{m['id']}/lifecycle",
        json={"action": "retain", "reason": "退休"},
        headers={**officer, "If-Match": m["etag"]},
    )
    problem(
        client.patch(
            f"{BASE}/{m['id']}",
            json={"is_representative": True},
            headers={**officer, "If-Match": r.headers["ETag"]},
        ),
        422,
        "member_representative_not_voting",
    )


# --- lists -----------------------------------------------------------------------------------------


def _ids(response):
    assert response.status_code == 200, response.text
    return [m["id"] for m in response.json()["items"]]


def test_list_filters(client, world, new_member, officer):
    a = new_member("U01-B01", name="张小红", tags=["女职工"], join_date="2019-03-01", employee_no="HR-77")
    b = new_member("U01-B02", name="李大明", is_representative=True, join_date="2021-06-01")
    c = new_member("U01-B02", name="赵强", tags=["劳模", "女职工"], join_date="2023-01-15")
    client.post(
        f"{BASE}/{c['id']}/lifecycle",
        json={"action": "retain", "reason": "退休"},
        headers={**officer, "If-Match": c["etag"]},
    )
    get = lambda **q: _ids(client.get(BASE, params=q, headers=officer))  # noqa: E731
    assert get() == [a["id"], b["id"], c["id"]]
    assert get(org_unit_id=str(world.units["U01-B02"].id)) == [b["id"], c["id"]]
    assert get(status="retained") == [c["id"]]
    assert get(is_representative="true") == [b["id"]]
    assert get(tag="女职工") == [a["id"], c["id"]]
    assert get(joined_from="2020-01-01", joined_to="2022-12-31") == [b["id"]]
    assert get(q="大明") == [b["id"]]
    assert get(q="hr-77") == [a["id"]]
    assert get(q=c["member_no"]) == [c["id"]]
    assert get(q="%") == []


def test_keyset_pages_neither_skip_nor_repeat(client, new_member, officer, problem):
    made = [new_member()["id"] for _ in range(5)]
    seen, cursor = [], None
    while True:
        r = client.get(BASE, params={"limit": 2, **({"cursor": cursor} if cursor else {})}, headers=officer)
        seen += _ids(r)
        cursor = r.json()["next_cursor"]
        if not cursor:
            break
    assert seen == made
    problem(client.get(BASE, params={"cursor": "garbage"}, headers=officer), 400, "invalid_cursor")


def test_list_has_no_n_plus_one(client, engine, new_member, officer):
    """Tags and visibility are loaded with one query each per page, whatever its size."""

    def count_queries() -> int:
        statements: list[str] = []
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        sa.event.listen(engine, "before_cursor_execute", listener)
        try:
            assert client.get(BASE, headers=officer).status_code == 200
        finally:
            sa.event.remove(engine, "before_cursor_execute", listener)
        return len(statements)

    for _ in range(2):
        new_member(tags=["劳模"])
    few = count_queries()
    for _ in range(6):
        new_member(tags=["女职工", "劳模"])
    assert count_queries() == few


# --- who sees what ---------------------------------------------------------------------------------


def test_contact_details_and_wage_are_masked_by_role(client, world, new_member):
    """docs/rules.md §0: names only for treasurers; phone masked for roles that do not edit members; the
    wage (dues base) only for those who edit members or record dues."""
    m = new_member(phone="13812345678", email="zhang.san@example.com", monthly_wage_fen=812345)
    path = f"{BASE}/{m['id']}"
    officer = client.get(path, headers=world.as_role("officer", "U01")).json()
    assert (officer["phone"], officer["email"], officer["monthly_wage_fen"]) == (
        "13812345678",
        "zhang.san@example.com",
        812345,
    )
    assert officer["contact_masked"] is False
    for role in ("chair", "auditor", "integration", "admin"):
        seen = client.get(path, headers=world.as_role(role, "U01")).json()
        assert seen["view"] == "full", role
        assert (seen["phone"], seen["email"], seen["monthly_wage_fen"]) == (
            "138****5678",
            "z***@example.com",
            None,
        )
        assert seen["contact_masked"] is True
    treasurer = client.get(path, headers=world.as_role("treasurer", "U01")).json()
    assert treasurer["view"] == "names"
    assert set(treasurer) == {
        "view",
        "id",
        "member_no",
        "employee_no",
        "name",
        "org_unit_id",
        "status",
        "monthly_wage_fen",
        "version",
    }
    assert treasurer["monthly_wage_fen"] == 812345
    listed = client.get(BASE, headers=world.as_role("treasurer", "U01")).json()["items"]
    assert [i["view"] for i in listed] == ["names"]


def test_visibility_follows_the_scope_of_each_grant(client, world, new_member):
    """An officer of one branch who chairs the union sees other branches' phones masked."""
    world.user("mixed", ("officer", "U01-B01"), ("chair", "U01"))
    a, b = new_member("U01-B01", phone="13800000001"), new_member("U01-B02", phone="13800000002")
    items = {i["id"]: i for i in client.get(BASE, headers=world.headers("mixed")).json()["items"]}
    assert items[a["id"]]["phone"] == "13800000001"
    assert items[b["id"]]["phone"] == "138****0002"
    # by id too (the one-member view settles what it can from the grants and asks the closure table
    # only for permissions held at some of the caller's units but not all)
    one = lambda m, who: client.get(f"{BASE}/{m['id']}", headers=world.headers(who)).json()  # noqa: E731
    assert (one(a, "mixed")["phone"], one(b, "mixed")["phone"]) == ("13800000001", "138****0002")
    world.user("names-and-branch", ("treasurer", "U01"), ("officer", "U01-B02"))
    assert (one(a, "names-and-branch")["view"], one(b, "names-and-branch")["view"]) == ("names", "full")
    assert one(b, "names-and-branch")["phone"] == "13800000002"


def test_unknown_member_is_404(client, officer, problem):
    problem(client.get(f"{BASE}/{uuid.uuid4()}", headers=officer), 404, "not_found")
    problem(client.get(f"{BASE}/not-a-uuid", headers=officer), 404, "not_found")
