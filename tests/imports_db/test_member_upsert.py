"""HR sync: PUT /members/by-employee-no/{employee_no} (issue 3: idempotent upsert for the integration
role)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from api.db.models import AuditEvent, Member, MemberTag
from imports_db.helpers import count, make_id

URL = "/api/v1/members/by-employee-no/{}?org_unit={}"


def put(client, headers, emp, body, org="U01"):
    return client.put(URL.format(emp, org), json=body, headers=headers)


@pytest.fixture
def hr(world):
    return world.as_role("integration", "U01")


BODY = {
    "name": "陈静",
    "national_id": make_id(21, female=True),
    "phone": "13700001234",
    "join_date": "2019-05-01",
    "monthly_wage_fen": 812345,
    "tags": ["女职工"],
    "org_unit_code": "U01-B01",
}
BAD_CHECK = BODY["national_id"][:-1] + ("1" if BODY["national_id"][-1] != "1" else "2")


def test_create_then_unchanged_writes_nothing(client, world, db, hr):
    """Issue 3: unchanged data writes nothing — no audit event, no change-log entry, version unchanged."""
    created = put(client, hr, "HR001", BODY)
    assert created.status_code == 201, created.text
    out = created.json()
    assert out["version"] == 1 and created.headers["ETag"] == '"1"'
    assert out["gender"] == "female" and out["birth_date"] == "1985-03-15"  # taken from the ID
    assert out["national_id_masked"] == BODY["national_id"][:3] + "*" * 11 + BODY["national_id"][-4:]
    assert out["phone_masked"] == "137****1234" and out["tags"] == ["女职工"]
    assert out["org_unit_id"] == str(world.units["U01-B01"].id) and out["member_no"].startswith("U01-")
    assert BODY["national_id"] not in created.text
    audit, feed = count(db, "audit_event"), count(db, "change_log")
    assert (audit, feed) == (1, 1)

    again = put(client, hr, "HR001", BODY)
    assert again.status_code == 200 and again.json()["version"] == 1 and again.headers["ETag"] == '"1"'
    assert count(db, "audit_event") == audit and count(db, "change_log") == feed
    # a lower-case x, spaces or an omitted optional field are no change either
    assert (
        put(client, hr, "HR001", {"name": "陈静", "national_id": f" {BODY['national_id']} "}).json()[
            "version"
        ]
        == 1
    )
    assert count(db, "audit_event") == audit and count(db, "change_log") == feed


def test_update_changes_only_what_was_sent(client, world, db, hr):
    put(client, hr, "HR002", BODY)
    r = put(
        client,
        hr,
        "HR002",
        {
            "name": "陈静",
            "national_id": BODY["national_id"],
            "phone": "13700009999",
            "is_representative": True,
        },
    )
    assert r.status_code == 200 and r.json()["version"] == 2 and r.json()["is_representative"] is True
    with db.read_session() as s:
        member = s.execute(sa.select(Member).where(Member.employee_no == "HR002")).scalar_one()
        tags = s.execute(sa.select(MemberTag.tag).where(MemberTag.member_id == member.id)).scalars().all()
    assert member.phone == "13700009999" and member.monthly_wage_fen == 812345 and tags == ["女职工"]
    assert member.org_unit_id == world.units["U01-B01"].id  # kept: no org_unit_code sent
    with db.read_session() as s:
        feed = s.execute(sa.text("SELECT action, entity_version FROM change_log ORDER BY id")).all()
        audit = s.execute(
            sa.select(AuditEvent.action, AuditEvent.changes).order_by(AuditEvent.at, AuditEvent.id)
        ).all()
    assert [tuple(f) for f in feed] == [("created", 1), ("updated", 2)]
    assert [a.action for a in audit] == ["member.created", "member.updated"]
    assert "13700009999" not in str(audit[1].changes)  # phone redacted in the audit log
    # null clears an optional field; tags are replaced when sent
    r = put(
        client, hr, "HR002", {"name": "陈静", "national_id": BODY["national_id"], "phone": None, "tags": []}
    )
    assert r.json()["phone_masked"] is None and r.json()["tags"] == [] and r.json()["version"] == 3


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        ({"national_id": BAD_CHECK}, "national_id", "hr_invalid_field"),
        ({"national_id": "1.10101E+17"}, "national_id", "hr_invalid_field"),
        ({"gender": "male"}, "gender", "hr_invalid_field"),
        ({"birth_date": "1985-03-16"}, "birth_date", "hr_invalid_field"),
        ({"join_date": "2099-01-01"}, "join_date", "hr_invalid_field"),
        ({"phone": "12345"}, "phone", "hr_invalid_field"),
        ({"org_unit_code": "U02"}, "org_unit_code", "hr_unknown_org"),
    ],
)
def test_invalid_data_is_422_naming_the_field(client, world, db, hr, problem, change, field, code):
    body = problem(put(client, hr, "HR003", {**BODY, **change}), 422, code)
    assert body["errors"][0]["field"] == field
    assert count(db, "member") == 0


def test_schema_errors_are_422_with_field_names(client, world, hr, problem):
    body = problem(
        put(
            client, hr, "HR004", {"name": "x", "national_id": make_id(1), "monthly_wage_fen": -1, "salary": 3}
        ),
        422,
        "validation_failed",
    )
    assert {e["field"] for e in body["errors"]} == {"monthly_wage_fen", "salary"}


def test_id_on_record_for_another_employee_is_refused(client, world, db, hr, problem):
    put(client, hr, "HR005", BODY)
    body = problem(put(client, hr, "HR006", BODY), 422, "hr_national_id_on_record")
    assert body["errors"][0]["field"] == "national_id"
    assert count(db, "member") == 1


def test_out_of_scope_union_is_not_found(client, world, hr, problem):
    problem(put(client, hr, "HR007", BODY, org="U02"), 404, "not_found")
    problem(put(client, hr, "HR007", BODY, org="NOPE"), 404, "not_found")


def test_same_employee_number_in_another_union_is_another_member(client, world, db):
    """Employee numbers are unique per grassroots union (docs/rules.md §1 Record; issue 3)."""
    hr_root = world.as_role("integration", "ROOT")
    assert put(client, hr_root, "E1", {**BODY, "org_unit_code": None}).status_code == 201
    other = {"name": "林强", "national_id": make_id(30)}
    assert put(client, hr_root, "E1", other, org="U02").status_code == 201
    assert count(db, "member") == 2
