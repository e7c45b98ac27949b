"""Membership rules of docs/rules.md §1 as written (issue 15): deemed withdrawal over owed months with
participation, the application and its approver, the membership card, re-joining and voting as
configuration, and participation records."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import date, timedelta

import pytest
from members.factories import create_member, payload
from sqlmodel import select

from api.db.models import AuditEvent
from api.services import membership_policy

BASE = "/api/v1/members"


def _months_ago(n: int) -> date:
    first = date.today().replace(day=1)
    index = first.year * 12 + first.month - 1 - n
    return date(index // 12, index % 12 + 1, 15)


def _step(client, world, m, action, *, who=("officer", "U01"), expect=200, **body):
    r = client.post(
        f"{BASE}/{m['id']}/lifecycle",
        json={"action": action, **body},
        headers={**world.as_role(*who), "If-Match": m["etag"]},
    )
    assert r.status_code == expect, r.text
    return {**r.json(), "etag": r.headers.get("ETag", m["etag"])} if expect == 200 else r


def _attend(client, world, member_ids, held_on, unit="U01", expect=201):
    r = client.post(
        "/api/v1/participations",
        json={
            "org_unit_id": str(world.units[unit].id),
            "activity": "工会小组组织生活会",
            "kind": "meeting",
            "held_on": held_on.isoformat(),
            "member_ids": member_ids,
        },
        headers=world.as_role("officer", unit),
    )
    assert r.status_code == expect, r.text
    return r


@pytest.fixture
def policy(monkeypatch):
    """Change the installed membership policy for one test (GONGHUI_MEMBER_* settings)."""

    def set_(**changes):
        monkeypatch.setattr(membership_policy, "_policy", replace(membership_policy.current(), **changes))

    return set_


# --- deemed withdrawal (章程 Art 6) -----------------------------------------------------------------


def test_deemed_withdrawal_counts_only_months_in_which_dues_were_owed(client, world, problem):
    """章程 Art 6: six consecutive months with neither dues nor participation. Months of retained
    membership owe no dues, so a member restored after a long retention is not deemed withdrawn at once:
    the count starts again at the restoration."""
    m = create_member(client, world, join_date="2020-01-01")
    m = _step(client, world, m, "retain", reason="失业", effective_on="2020-02-01")
    m = _step(client, world, m, "restore", reason="再就业", effective_on=_months_ago(2).isoformat())
    body = problem(
        _step(client, world, m, "deem_withdrawn", reason="未交会费", expect=422), 422, "member_not_lapsed"
    )
    assert body["counted"] == 2 and body["required"] == 6  # the restoration month and the next
    # after 6 owed months without dues or participation it applies
    old = create_member(client, world, join_date="2020-01-01")
    assert _step(client, world, old, "deem_withdrawn", reason="连续6个月未交会费")["status"] == "withdrawn"


def test_recorded_participation_keeps_membership_alive(client, world, problem):
    """章程 Art 6: taking part in the union's activities within the six months keeps the membership,
    even without dues; participation older than that does not."""
    recent = create_member(client, world, join_date="2020-01-01")
    stale = create_member(client, world, join_date="2020-01-01")
    _attend(client, world, [recent["id"]], _months_ago(3))
    _attend(client, world, [stale["id"]], _months_ago(8))
    body = problem(
        _step(client, world, recent, "deem_withdrawn", reason="未交会费", expect=422),
        422,
        "member_not_lapsed",
    )
    assert body["counted"] == 2
    assert _step(client, world, stale, "deem_withdrawn", reason="未交会费")["status"] == "withdrawn"


# --- application, approval, card (章程 Art 2, 6, 8) --------------------------------------------------


def test_an_application_records_its_date_and_channel(client, world, problem):
    """章程 Art 2: an oral or written application; the record keeps its date and channel."""
    officer = world.as_role("officer", "U01")
    body = payload(world, status="applied", join_date=None)
    problem(client.post(BASE, json=body, headers=officer), 422, "member_application_channel_required")
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    problem(
        client.post(
            BASE,
            json=payload(
                world, status="applied", join_date=None, application_channel="oral", applied_on=tomorrow
            ),
            headers=officer,
        ),
        422,
        "member_date_in_future",
    )
    r = client.post(
        BASE,
        json=payload(world, status="applied", join_date=None, application_channel="oral"),
        headers=officer,
    )
    assert r.status_code == 201, r.text
    out = r.json()
    assert (out["applied_on"], out["application_channel"]) == (date.today().isoformat(), "oral")
    assert (out["card_no"], out["card_status"]) == (None, None)


def test_nobody_approves_an_application_they_recorded(client, world, problem):
    """Separation of duties (docs/rules.md §0): the officer who recorded the application cannot approve it;
    another member of the committee does, and the card is issued on approval (章程 Art 2)."""
    m = create_member(client, world, status="applied", join_date=None, application_channel="written")
    problem(
        _step(client, world, m, "approve", expect=403, who=("officer", "U01")),
        403,
        "member_approver_recorded_application",
    )
    m = _step(client, world, m, "approve", who=("officer", "U01-B01"))
    assert m["status"] == "active"
    assert (m["card_no"], m["card_status"], m["card_issued_on"]) == (
        m["member_no"],
        "issued",
        date.today().isoformat(),
    )


def test_card_is_recalled_on_withdrawal_and_kept_by_retirees(client, world):
    """章程 Art 6: a withdrawing member returns the card; 章程 Art 8: retired members keep membership
    and the card."""
    kept = _step(client, world, create_member(client, world), "retain", reason="退休")
    assert (kept["status"], kept["card_status"]) == ("retained", "issued")
    gone = _step(client, world, create_member(client, world), "withdraw", reason="本人申请退会")
    assert (gone["card_status"], gone["card_recalled_on"]) == ("recalled", date.today().isoformat())


def test_rejoining_is_a_new_application_and_can_be_switched_off(client, world, problem, policy):
    """docs/rules.md §1 [L]: withdrawn -> applied (may re-join), configurable (GONGHUI_MEMBER_REJOIN_ALLOWED);
    the new application records its channel (章程 Art 2)."""
    m = _step(client, world, create_member(client, world), "withdraw", reason="本人申请退会")
    problem(
        _step(client, world, m, "rejoin", reason="重新申请", expect=422),
        422,
        "member_application_channel_required",
    )
    policy(rejoin_allowed=False)
    problem(
        _step(client, world, m, "rejoin", reason="重新申请", application_channel="written", expect=422),
        422,
        "member_rejoin_not_allowed",
    )
    policy(rejoin_allowed=True)
    m = _step(client, world, m, "rejoin", reason="重新申请", application_channel="online")
    assert (m["status"], m["application_channel"], m["applied_on"]) == (
        "applied",
        "online",
        date.today().isoformat(),
    )


def test_which_statuses_vote_is_configurable(client, world, problem, policy):
    """docs/rules.md §1 [L]: retained members lose voting rights by default (GONGHUI_MEMBER_VOTING_STATUSES);
    a union that keeps their vote keeps them as representatives."""
    m = _step(client, world, create_member(client, world, is_representative=True), "retain", reason="退休")
    assert m["is_representative"] is False
    policy(voting=frozenset({"active", "transfer_pending", "retained"}))
    m = _step(client, world, create_member(client, world, is_representative=True), "retain", reason="退休")
    assert (m["status"], m["is_representative"]) == ("retained", True)


# --- participation records ---------------------------------------------------------------------------


def test_participation_records_activity_date_and_members_present(client, world, problem):
    """Participation (activity, date, members present) is recorded by an officer within their scope."""
    a, b = create_member(client, world), create_member(client, world)
    other = create_member(client, world, "U02-B01")
    body = problem(
        _attend(client, world, [a["id"], other["id"]], date.today(), expect=422),
        422,
        "participation_members_unknown",
    )
    assert body["count"] == 1
    problem(
        _attend(client, world, [a["id"]], date.today() + timedelta(days=1), expect=422),
        422,
        "participation_date_in_future",
    )
    r = _attend(client, world, [a["id"], b["id"]], date.today())
    assert r.headers["Location"].endswith(r.json()["id"])
    got = client.get(f"/api/v1/participations/{r.json()['id']}", headers=world.as_role("auditor", "U01"))
    assert got.status_code == 200
    assert (
        sorted(got.json()["member_ids"]) == sorted([a["id"], b["id"]]) and got.json()["attendee_count"] == 2
    )
    listed = client.get(
        "/api/v1/participations", params={"member_id": a["id"]}, headers=world.as_role("officer", "U01")
    ).json()["items"]
    assert [p["id"] for p in listed] == [r.json()["id"]] and listed[0]["attendee_count"] == 2
    # another union's officer sees nothing of it
    r2 = client.get(f"/api/v1/participations/{r.json()['id']}", headers=world.as_role("officer", "U02"))
    assert r2.status_code == 404


def test_participation_is_audited(client, world, session):
    m = create_member(client, world)
    r = _attend(client, world, [m["id"]], date.today())
    session.expire_all()
    [event] = session.exec(
        select(AuditEvent).where(
            AuditEvent.action == "participation.recorded", AuditEvent.entity_id == uuid.UUID(r.json()["id"])
        )
    ).all()
    assert event.changes["after"]["members"] == 1
