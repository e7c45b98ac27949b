"""The membership lifecycle (docs/rules.md §1 States; 章程 Art 2, 6-8): every allowed transition, a
selection of illegal ones, reasons, dates, the timeline, audit and change feed."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest

from api.db.models import DuesPayment
from members.factories import payload

BASE = "/api/v1/members"


class Lifecycle:
    def __init__(self, client, world):
        self.client, self.world = client, world
        self.officer = world.as_role("officer", "U01")

    def member(self, **fields):
        r = self.client.post(BASE, json=payload(self.world, **fields), headers=self.officer)
        assert r.status_code == 201, r.text
        return {**r.json(), "etag": r.headers["ETag"]}

    def step(self, m, action, reason="原因", effective_on=None, expect=200):
        body = {
            "action": action,
            **({"reason": reason} if reason else {}),
            **({"effective_on": effective_on} if effective_on else {}),
        }
        r = self.client.post(
            f"{BASE}/{m['id']}/lifecycle", json=body, headers={**self.officer, "If-Match": m["etag"]}
        )
        assert r.status_code == expect, r.text
        return {**r.json(), "etag": r.headers.get("ETag", m["etag"])} if expect == 200 else r

    def at(self, status, **fields):
        """A member brought to ``status`` by legal steps."""
        if status == "applied":
            return self.member(status="applied", join_date=None, **fields)
        m = self.member(**fields)
        path = {
            "active": [],
            "retained": ["retain"],
            "withdrawn": ["withdraw"],
            "expelled": ["expel"],
            "deceased": ["death"],
        }[status]
        for action in path:
            m = self.step(m, action)
        assert m["status"] == status
        return m


@pytest.fixture
def life(client, world):
    return Lifecycle(client, world)


def test_approve_makes_an_applicant_active_and_dates_membership_from_approval(
    life, audit_events, change_feed
):
    """章程 Art 2: the grassroots committee approves; membership dates from approval."""
    m = life.at("applied")
    day = date.today().isoformat()  # not before the application was recorded (today)
    m = life.step(m, "approve", reason=None, effective_on=day)
    assert (m["status"], m["join_date"], m["status_changed_on"]) == ("active", day, day)
    assert len(audit_events("member.approve", m["id"])) == 1
    assert change_feed(m["id"]) == ["created", "status_changed"]


def test_retain_keeps_membership_without_vote(life, audit_events):
    """章程 Art 8 (retained on retirement/unemployment); retained members lose voting rights [L], so the
    representative flag is cleared (docs/rules.md §1)."""
    m = life.at("active", is_representative=True)
    m = life.step(m, "retain", reason="退休")
    assert (m["status"], m["status_reason"], m["is_representative"]) == ("retained", "退休", False)
    [event] = audit_events("member.retain", m["id"])
    assert event.changes["after"]["status"] == "retained" and event.changes["reason"] == "退休"
    assert event.changes["after"]["is_representative"] is False


def test_restore_brings_a_retained_member_back(life):
    """docs/rules.md §1: retained -> active (re-employed)."""
    m = life.step(life.at("retained"), "restore", reason="再就业")
    assert m["status"] == "active"


def test_withdraw_on_own_request(life):
    """章程 Art 6: a member may withdraw on their own request."""
    m = life.step(life.at("active", is_representative=True), "withdraw", reason="本人申请退会")
    assert (m["status"], m["is_representative"]) == ("withdrawn", False)


def test_deemed_withdrawn_after_six_months_without_dues(life, session):
    """章程 Art 6: six consecutive months with neither dues nor participation -> deemed withdrawn."""
    lapsed = life.at("active", join_date="2020-01-01")
    assert life.step(lapsed, "deem_withdrawn", reason="连续6个月未交会费")["status"] == "withdrawn"

    recent = life.at("active", join_date=(date.today() - timedelta(days=60)).isoformat())
    r = life.step(recent, "deem_withdrawn", reason="未交会费", expect=422)
    assert r.json()["code"] == "member_not_lapsed"

    payer = life.at("active", join_date="2020-01-01")
    month = date.today().replace(day=1) - timedelta(days=1)
    session.add(
        DuesPayment(
            member_id=uuid.UUID(payer["id"]),
            org_unit_id=life.world.units["U01-B01"].id,
            period=month.replace(day=1),
            amount_fen=3000,
            paid_on=date.today(),
            method="payroll",
        )
    )
    session.commit()
    r = life.step(payer, "deem_withdrawn", reason="未交会费", expect=422)
    assert r.json()["code"] == "member_not_lapsed"


def test_expel_needs_a_reason(life):
    """章程 Art 7: expulsion only after a criminal penalty, decided by the committee: the reason is
    required."""
    m = life.at("active")
    r = life.step(m, "expel", reason=None, expect=422)
    assert r.json()["code"] == "member_reason_required" and r.json()["errors"][0]["field"] == "reason"
    assert life.step(m, "expel", reason="受刑事处分，委员会决定开除")["status"] == "expelled"


def test_rejoin_after_withdrawal(life):
    """docs/rules.md §1 [L]: withdrawn -> applied (may re-join), then approval again (章程 Art 2)."""
    m = life.step(life.at("withdrawn"), "rejoin", reason="重新申请入会")
    assert m["status"] == "applied"
    assert life.step(m, "approve", reason=None)["status"] == "active"


@pytest.mark.parametrize("status", ["applied", "active", "retained", "withdrawn", "expelled"])
def test_death_ends_membership_from_any_living_state(life, status):
    """docs/rules.md §1: "Deceased ends membership"; no reason needed."""
    m = life.step(life.at(status), "death", reason=None)
    assert (m["status"], m["is_representative"]) == ("deceased", False)


@pytest.mark.parametrize(
    "status, action",
    [
        ("applied", "retain"),  # only active members are retained (章程 Art 8)
        ("active", "approve"),  # already approved (章程 Art 2)
        ("active", "restore"),  # restore is for retained members
        ("active", "rejoin"),  # only the withdrawn re-join [L]
        ("retained", "withdraw"),
        ("retained", "expel"),
        ("withdrawn", "restore"),
        ("withdrawn", "approve"),  # re-joining starts with a new application [L]
        ("expelled", "rejoin"),  # expulsion is final (章程 Art 7)
        ("expelled", "restore"),
        ("deceased", "death"),
        ("deceased", "restore"),
    ],
)
def test_illegal_transitions_are_409_naming_the_current_status(life, problem, status, action):
    m = life.at(status)
    body = problem(life.step(m, action, expect=409), 409, "member_illegal_transition")
    assert body["current"] == status and body["action"] == action


def test_transfer_actions_belong_to_the_transfer_endpoints(life, problem):
    problem(life.step(life.at("active"), "transfer_out", expect=422), 422, "validation_failed")


def test_effective_date_rules(life, problem):
    m = life.at("active", join_date="2020-05-01")
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    problem(life.step(m, "retain", effective_on=tomorrow, expect=422), 422, "member_date_in_future")
    body = problem(
        life.step(m, "retain", effective_on="2019-01-01", expect=422), 422, "member_effective_before_last"
    )
    assert body["last"] == "2020-05-01"
    assert life.step(m, "retain")["status_changed_on"] == date.today().isoformat()


def test_lifecycle_needs_if_match(client, life, problem):
    m = life.at("active")
    path = f"{BASE}/{m['id']}/lifecycle"
    problem(client.post(path, json={"action": "death"}, headers=life.officer), 428, "if_match_required")
    problem(
        client.post(path, json={"action": "death"}, headers={**life.officer, "If-Match": '"9"'}),
        412,
        "version_mismatch",
    )


def test_timeline_lists_every_step_in_order(client, world, life):
    m = life.step(
        life.step(life.at("active", join_date="2020-05-01"), "retain", reason="失业"),
        "restore",
        reason="再就业",
    )
    r = client.get(f"{BASE}/{m['id']}/events", headers=world.as_role("auditor", "U01"))
    assert r.status_code == 200, r.text
    steps = [(e["kind"], e["from_status"], e["to_status"], e["reason"]) for e in r.json()["items"]]
    assert steps == [
        ("joined", None, "active", None),
        ("retain", "active", "retained", "失业"),
        ("restore", "retained", "active", "再就业"),
    ]
    assert all(e["actor_id"] for e in r.json()["items"])
