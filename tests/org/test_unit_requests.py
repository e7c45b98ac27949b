"""章程 Art 16: setting up or closing a unit needs the approval of the unit above — a request by the
unit (or its parent), decided by a chair of the unit above with the approval document's reference;
admin approves nothing."""

from __future__ import annotations

import uuid

from sqlmodel import select

from api.db.models import AuditEvent, OrgUnit

BASE = "/api/v1/org-unit-requests"


def _set_up(client, world, who=("officer", "U01"), code="U01-B05", kind="branch", parent="U01"):
    return client.post(
        f"{BASE}/set-up",
        json={
            "parent_id": str(world.units[parent].id),
            "code": code,
            "name": "第五分工会",
            "kind": kind,
            "reason": "新建车间职工 60 人",
        },
        headers=world.as_role(*who),
    )


def _decide(client, world, r, headers, **body):
    return client.post(
        f"{BASE}/{r.json()['id']}/decide",
        json=body,
        headers={**headers, "If-Match": r.headers["ETag"]},
    )


def test_set_up_is_approved_by_a_chair_above_with_the_document(client, world, session, problem):
    """章程 Art 16: the unit above approves; the approval names its document and sets the unit up."""
    r = _set_up(client, world)
    assert r.status_code == 201, r.text
    assert r.json()["status"] == "pending"
    chair = world.as_role("chair", "U01")
    problem(_decide(client, world, r, chair, approve=True), 422, "unit_request_approval_ref_required")
    problem(_decide(client, world, r, chair, approve=False), 422, "unit_request_note_required")
    ok = _decide(client, world, r, chair, approve=True, approval_ref="工发〔2026〕7号")
    assert ok.status_code == 200, ok.text
    assert (ok.json()["status"], ok.json()["approval_ref"]) == ("approved", "工发〔2026〕7号")
    session.expire_all()
    unit = session.get(OrgUnit, uuid.UUID(ok.json()["unit_id"]))
    assert (unit.code, unit.parent_id, unit.status) == ("U01-B05", world.units["U01"].id, "active")
    [event] = session.exec(
        select(AuditEvent).where(AuditEvent.action == "org_unit.created", AuditEvent.entity_id == unit.id)
    ).all()
    assert event.changes["approval"]["approval_ref"] == "工发〔2026〕7号"
    assert event.changes["approval"]["request_id"] == ok.json()["id"]


def test_admin_approves_nothing_and_nobody_approves_their_own_request(client, world, problem):
    """docs/rules.md §0: admin is technical and approves nothing; nobody approves what they asked for."""
    r = _set_up(client, world, who=("chair", "U01"))
    assert r.status_code == 201, r.text
    problem(
        _decide(client, world, r, world.as_role("admin", "ROOT"), approve=True, approval_ref="x"),
        403,
        "permission_denied",
    )
    problem(
        _decide(client, world, r, world.as_role("chair", "U01"), approve=True, approval_ref="x"),
        403,
        "unit_request_self_approval",
    )
    ok = _decide(
        client, world, r, world.as_role("chair", "ROOT"), approve=True, approval_ref="总工发〔2026〕3号"
    )
    assert ok.status_code == 200, ok.text


def test_closing_is_decided_above_the_unit_not_by_its_own_chair(client, world, problem, session):
    """章程 Art 16: a branch asks to close; its own chair cannot approve, the grassroots chair does."""
    r = client.post(
        f"{BASE}/close",
        json={"unit_id": str(world.units["U01-B02"].id), "reason": "车间撤并", "effective_on": "2026-11-01"},
        headers=world.as_role("officer", "U01-B02"),
    )
    assert r.status_code == 201, r.text
    assert r.json()["parent_id"] == str(world.units["U01"].id)
    problem(
        _decide(client, world, r, world.as_role("chair", "U01-B02"), approve=True, approval_ref="x"),
        403,
        "unit_request_not_above",
    )
    again = client.post(
        f"{BASE}/close",
        json={"unit_id": str(world.units["U01-B02"].id), "reason": "重复"},
        headers=world.as_role("officer", "U01"),
    )
    problem(again, 409, "unit_request_pending")
    ok = _decide(
        client, world, r, world.as_role("chair", "U01"), approve=True, approval_ref="工发〔2026〕9号"
    )
    assert ok.status_code == 200, ok.text
    session.expire_all()
    unit = session.get(OrgUnit, world.units["U01-B02"].id)
    assert (unit.status, unit.closed_on.isoformat()) == ("closed", "2026-11-01")


def test_rejection_states_reasons_and_changes_nothing(client, world, session, problem):
    r = _set_up(client, world, code="U01-B06")
    no = _decide(client, world, r, world.as_role("chair", "U01"), approve=False, note="职工人数不足")
    assert no.status_code == 200 and no.json()["status"] == "rejected"
    session.expire_all()
    assert session.exec(select(OrgUnit).where(OrgUnit.code == "U01-B06")).first() is None
    problem(
        _decide(client, world, no, world.as_role("chair", "U01"), approve=True, approval_ref="x"),
        409,
        "unit_request_not_pending",
    )


def test_requests_follow_the_kind_hierarchy_and_scope(client, world, problem):
    problem(_set_up(client, world, kind="federation"), 422, "org_unit_parent_kind")
    problem(_set_up(client, world, parent="U02"), 422, "not_found")
    r = _set_up(client, world)
    assert client.get(f"{BASE}/{r.json()['id']}", headers=world.as_role("officer", "U02")).status_code == 404
    listed = client.get(BASE, headers=world.as_role("chair", "ROOT")).json()["items"]
    assert [x["id"] for x in listed] == [r.json()["id"]]


def _inbox(client, headers):
    r = client.get("/api/v1/me/tasks", headers=headers)
    assert r.status_code == 200, r.text
    return [(t["resource_id"], t["title"]) for t in r.json()["items"] if t["kind"] == "unit_request.decide"]


def test_a_pending_request_waits_in_the_inbox_of_the_chairs_above(client, world):
    """GET /me/tasks (章程 Art 16): the request waits for a chair of the unit above; not for whoever asked,
    not for another union's chairs; decided, it leaves the inbox."""
    r = _set_up(client, world)
    assert r.status_code == 201, r.text
    chair = world.as_role("chair", "U01")
    assert _inbox(client, chair) == [(r.json()["id"], "设立第五分工会")]
    assert _inbox(client, world.as_role("chair", "U02")) == []
    assert _inbox(client, world.as_role("officer", "U01")) == []
    ok = _decide(client, world, r, chair, approve=False, note="人数不足")
    assert ok.status_code == 200, ok.text
    assert _inbox(client, chair) == []
