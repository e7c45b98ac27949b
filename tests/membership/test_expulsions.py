"""Expulsion (开除会籍), 章程 Art 7: only for a member given a criminal penalty; the union group
proposes, the grassroots committee decides (someone other than who recorded the proposal), and the
decision is filed with the union above."""

from __future__ import annotations

import uuid
from datetime import date

from members.factories import create_member
from sqlmodel import select

from api.db.models import AuditEvent

BASE = "/api/v1/member-expulsions"


def _propose(client, world, member, *, who=("officer", "U01"), expect=201, **overrides):
    body = {
        "member_id": member["id"],
        "ground": "criminal_penalty",
        "reference": "（2026）京0105刑初88号刑事判决书",
        "penalty_on": "2026-03-02",
        "group_meeting_on": date.today().isoformat(),
        "proposal": "工会小组讨论，建议开除会籍",
        **overrides,
    }
    r = client.post(BASE, json=body, headers=world.as_role(*who))
    assert r.status_code == expect, r.text
    return r


def _decide(client, world, case, headers, *, decision="expel", expect=200):
    r = client.post(
        f"{BASE}/{case.json()['id']}/decide",
        json={"decision": decision, "reasons": "基层工会委员会会议决定"},
        headers={**headers, "If-Match": case.headers["ETag"]},
    )
    assert r.status_code == expect, r.text
    return r


def test_only_the_listed_ground_with_its_reference(client, world, problem):
    """章程 Art 7: 对严重违法犯罪并受到刑事处罚的会员，开除会籍 — no other reason string expels, and the
    judgment is named."""
    m = create_member(client, world)
    problem(_propose(client, world, m, ground="misconduct", expect=422), 422, "validation_failed")
    problem(_propose(client, world, m, reference="", expect=422), 422, "validation_failed")
    body = {"member_id": m["id"], "ground": "criminal_penalty", "proposal": "x"}
    problem(client.post(BASE, json=body, headers=world.as_role("officer", "U01")), 422, "validation_failed")


def test_proposal_and_decision_are_separate_steps_by_different_people(client, world, problem):
    """章程 Art 7: 须经工会小组讨论，提出意见，由工会基层委员会决定. The proposal leaves the member active;
    the decision is the committee's (chairs), never by whoever recorded the proposal."""
    m = create_member(client, world)
    world.user("both.u01", ("officer", "U01"), ("chair", "U01"))
    r = client.post(
        BASE,
        json={
            "member_id": m["id"],
            "ground": "criminal_penalty",
            "reference": "（2026）京0105刑初89号",
            "penalty_on": "2026-03-02",
            "group_meeting_on": date.today().isoformat(),
            "proposal": "建议开除",
        },
        headers=world.headers("both.u01"),
    )
    assert r.status_code == 201, r.text
    case = r
    assert case.json()["status"] == "proposed"
    got = client.get(f"/api/v1/members/{m['id']}", headers=world.as_role("officer", "U01")).json()
    assert got["status"] == "active"
    problem(
        _decide(client, world, case, world.headers("both.u01"), expect=403),
        403,
        "expulsion_decider_is_proposer",
    )
    # an officer cannot decide at all: the decision is the committee's
    problem(
        _decide(client, world, case, world.as_role("officer", "U01"), expect=403), 403, "permission_denied"
    )
    _propose(client, world, m, expect=409)  # one open case per member


def test_expelling_applies_the_step_recalls_the_card_and_files_upward(client, world, session):
    """章程 Art 7: 报上一级工会备案 — the case is filed with the union above the grassroots union (ROOT
    above U01), whose officers see it; the member is expelled and the card recalled."""
    m = create_member(client, world)
    case = _propose(client, world, m)
    r = _decide(client, world, case, world.as_role("chair", "U01"))
    out = r.json()
    assert out["status"] == "decided" and out["filed_with_unit_id"] == str(world.units["ROOT"].id)
    got = client.get(f"/api/v1/members/{m['id']}", headers=world.as_role("officer", "U01")).json()
    assert (got["status"], got["card_status"]) == ("expelled", "recalled")
    assert "（2026）京0105刑初88号" in got["status_reason"]
    listed = client.get(BASE, params={"status": "decided"}, headers=world.as_role("officer", "ROOT")).json()
    assert [c["id"] for c in listed["items"]] == [out["id"]]
    # another union sees nothing of it
    assert client.get(f"{BASE}/{out['id']}", headers=world.as_role("officer", "U02")).status_code == 404
    session.expire_all()
    actions = session.exec(
        select(AuditEvent.action).where(AuditEvent.entity_id == uuid.UUID(m["id"])).order_by(AuditEvent.at)
    ).all()
    assert actions[-3:] == ["member.expulsion_proposed", "member.expel", "member.expulsion_decided"]


def test_the_committee_may_reject(client, world, problem):
    m = create_member(client, world)
    case = _propose(client, world, m)
    r = _decide(client, world, case, world.as_role("chair", "U01"), decision="reject")
    assert r.json()["status"] == "rejected" and r.json()["filed_with_unit_id"] is None
    got = client.get(f"/api/v1/members/{m['id']}", headers=world.as_role("officer", "U01")).json()
    assert got["status"] == "active"
    stale = client.post(
        f"{BASE}/{case.json()['id']}/decide",
        json={"decision": "expel", "reasons": "x"},
        headers={**world.as_role("chair", "U01"), "If-Match": r.headers["ETag"]},
    )
    problem(stale, 409, "expulsion_not_proposed")


def test_only_active_members_can_be_proposed(client, world, problem):
    m = create_member(client, world)
    r = client.post(
        f"/api/v1/members/{m['id']}/lifecycle",
        json={"action": "retain", "reason": "退休"},
        headers={**world.as_role("officer", "U01"), "If-Match": m["etag"]},
    )
    assert r.status_code == 200
    problem(_propose(client, world, m, expect=409), 409, "expulsion_member_not_active")


def _inbox(client, headers):
    r = client.get("/api/v1/me/tasks", headers=headers)
    assert r.status_code == 200, r.text
    return [t["resource_id"] for t in r.json()["items"] if t["kind"] == "expulsion.decide"]


def test_a_proposed_expulsion_waits_in_the_committees_inbox(client, world):
    """GET /me/tasks: the chairs of the grassroots union see the proposal to decide (章程 Art 7), not the
    one who recorded it, nor another union's chairs; it leaves the inbox once decided."""
    case = _propose(client, world, create_member(client, world))
    chair = world.as_role("chair", "U01")
    assert _inbox(client, chair) == [case.json()["id"]]
    assert _inbox(client, world.as_role("chair", "U02")) == []
    assert _inbox(client, world.as_role("officer", "U01")) == []
    _decide(client, world, case, chair, decision="reject")
    assert _inbox(client, chair) == []
