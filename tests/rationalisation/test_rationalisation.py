"""Rationalisation proposals (合理化建议), docs/rules.md §3: any worker submits — not only representatives; a
named officer screens and forwards to the department concerned; adoption and benefit are recorded; the
worker is told the result; rewards are recorded; a campaign has a period and a report. Answers within
2 months, 3 for major ones [L, configurable]."""

from __future__ import annotations

from datetime import date

import pytest
from motions.factories import make_department

from api.services.congresses import common as congresses_common
from rationalisation.factories import CAMPAIGNS, PROPOSALS, campaign, department, step, submit, worker


@pytest.fixture
def today(monkeypatch):
    day = {"value": date(2027, 3, 1)}
    monkeypatch.setattr(congresses_common, "today", lambda: day["value"])
    return day


def test_any_worker_proposal_from_submission_to_reward(client, world, today, settings, monkeypatch):
    """The whole path with a worker who is not a congress representative."""
    member, headers = worker(world)
    c = campaign(client, world)
    r = submit(client, headers, c["id"])
    assert (r.json()["status"], r.json()["submitter_member_id"]) == ("submitted", str(member.id))
    officer = world.as_role("officer", "U01")
    dept = department(client, world)
    monkeypatch.setattr(settings, "rationalisation_major_reply_months", 3)
    r = step(
        client, r, "screen", officer, {"decision": "forward", "department_id": dept["id"], "is_major": True}
    )
    out = r.json()
    assert (out["status"], out["due_on"], out["is_major"]) == ("forwarded", "2027-06-01", True)
    assert out["screened_by_id"] == str(world.users["officer.u01"].id)  # the named officer
    r = step(
        client,
        r,
        "decide",
        world.headers("hdl.prod"),
        {
            "adopted": True,
            "note": "采纳，已在包装线推广",
            "benefit_fen": 12_000_000,
            "benefit_note": "年节约12万元",
        },
    )
    assert (r.json()["status"], r.json()["benefit_fen"], r.json()["decided_on"]) == (
        "adopted",
        12_000_000,
        "2027-03-01",
    )
    r = step(client, r, "notify", officer, {"result_note": "已书面告知本人"})
    assert r.json()["status"] == "closed" and r.json()["notified_at"]
    r = step(client, r, "reward", officer, {"reward_fen": 200_000, "note": "三等奖"})
    assert r.json()["reward_fen"] == 200_000
    # the worker sees their own proposal and its result
    mine = client.get(f"{PROPOSALS}/{r.json()['id']}", headers=headers).json()
    assert (mine["result_note"], mine["adopted"]) == ("已书面告知本人", True)
    report = client.get(f"{CAMPAIGNS}/{c['id']}/report", headers=world.as_role("auditor", "U01")).json()
    assert (report["submitted"], report["adopted"], report["adoption_rate"]) == (1, 1, 1.0)
    assert (report["benefit_fen"], report["rewarded"], report["reward_fen"]) == (12_000_000, 1, 200_000)


def test_campaign_period_and_scope(client, world, today, problem):
    """A campaign collects proposals within its period only; other unions and other workers see nothing."""
    _, headers = worker(world)
    c = campaign(client, world, starts_on="2027-04-01", ends_on="2027-04-30")
    problem(submit(client, headers, c["id"], expect=422), 422, "rationalisation_campaign_closed")
    r = submit(client, headers)
    assert (
        client.get(f"{PROPOSALS}/{r.json()['id']}", headers=world.as_role("officer", "U02")).status_code
        == 404
    )
    _, other = worker(world, "worker2.u01")
    assert client.get(f"{PROPOSALS}/{r.json()['id']}", headers=other).status_code == 404
    listed = client.get(CAMPAIGNS, headers=other).json()["items"]
    assert [x["id"] for x in listed] == [c["id"]]  # members see their union's campaigns


def test_screening_and_answering_rules(client, world, today, problem):
    _, headers = worker(world)
    r = submit(client, headers)
    officer = world.as_role("officer", "U01")
    problem(step(client, r, "screen", officer, {"decision": "reject"}, expect=422), 422, "validation_failed")
    problem(
        step(client, r, "notify", officer, {"result_note": "x"}, expect=409),
        409,
        "rationalisation_illegal_transition",
    )
    u02 = make_department(client, world, "二厂生产部", unit="U02")
    problem(
        step(client, r, "screen", officer, {"decision": "forward", "department_id": u02["id"]}, expect=422),
        422,
        "not_found",
    )
    dept = department(client, world)
    r = step(client, r, "screen", officer, {"decision": "forward", "department_id": dept["id"]})
    assert r.json()["due_on"] == "2027-05-01"  # GONGHUI_RATIONALISATION_REPLY_MONTHS: 2
    world.user("hdl.other", ("handler", "U01"))
    make_department(client, world, "其他部", handlers=("hdl.other",))
    # a handler of another department does not even see it
    assert client.get(f"{PROPOSALS}/{r.json()['id']}", headers=world.headers("hdl.other")).status_code == 404
    r = step(client, r, "decide", world.headers("hdl.prod"), {"adopted": False, "note": "暂不具备条件"})
    problem(
        step(client, r, "reward", officer, {"reward_fen": 100}, expect=409),
        409,
        "rationalisation_illegal_transition",
    )
    r = step(client, r, "notify", officer, {"result_note": "已电话告知"})
    problem(
        step(client, r, "reward", officer, {"reward_fen": 100}, expect=409),
        409,
        "rationalisation_reward_not_adopted",
    )


def test_representatives_are_not_required_and_officers_do_not_screen_their_own(client, world, today, problem):
    """Only member accounts submit (an officer without a member record cannot); an officer who is also
    the worker does not screen their own proposal."""
    problem(
        client.post(
            PROPOSALS,
            json={"title": "t", "problem": "p", "proposal": "q"},
            headers=world.as_role("officer", "U01"),
        ),
        403,
        "permission_denied",
    )
    member, _ = worker(world)
    world.user("both.u01", ("officer", "U01"), ("member", "U01"), member_id=member.id)
    r = submit(client, world.headers("both.u01"))
    problem(
        step(client, r, "screen", world.headers("both.u01"), {"decision": "reject", "note": "x"}, expect=403),
        403,
        "rationalisation_own_proposal",
    )


def _tasks(client, headers, kind):
    r = client.get("/api/v1/me/tasks", headers=headers)
    assert r.status_code == 200, r.text
    return [(t["resource_id"], t["deadline"]) for t in r.json()["items"] if t["kind"] == kind]


def test_each_step_is_in_the_inbox_of_whoever_takes_it(client, world, today):
    """GET /me/tasks: the officer screens, the department's handler answers by the due date, the officer
    tells the worker; each task leaves the inbox once its step is done, and never reaches U02."""
    _member, headers = worker(world)
    r = submit(client, headers)
    pid = r.json()["id"]
    officer = world.as_role("officer", "U01")
    assert _tasks(client, officer, "rationalisation.screen") == [(pid, None)]
    assert _tasks(client, world.as_role("officer", "U02"), "rationalisation.screen") == []
    assert _tasks(client, headers, "rationalisation.screen") == []
    dept = department(client, world)
    r = step(client, r, "screen", officer, {"decision": "forward", "department_id": dept["id"]})
    assert _tasks(client, officer, "rationalisation.screen") == []
    assert _tasks(client, world.headers("hdl.prod"), "rationalisation.decide") == [(pid, r.json()["due_on"])]
    r = step(client, r, "decide", world.headers("hdl.prod"), {"adopted": False, "note": "暂不具备条件"})
    assert _tasks(client, world.headers("hdl.prod"), "rationalisation.decide") == []
    assert _tasks(client, officer, "rationalisation.notify") == [(pid, None)]
    step(client, r, "notify", officer, {"result_note": "已口头告知"})
    assert _tasks(client, officer, "rationalisation.notify") == []
