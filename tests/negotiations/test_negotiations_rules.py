"""Each national rule of collective negotiation (docs/rules.md §2: 令22, 劳动合同法 Art 56), one test
each, the article in the test's name and docstring."""

from __future__ import annotations

from datetime import date

import pytest

from api.rules import collective_contracts as rules
from negotiations.factories import (
    NEGOTIATIONS,
    add_negotiator,
    advance,
    chair_member,
    congress_with,
    draft,
    propose,
    session_body,
    team,
    vote_body,
)


def _tasks(client, headers, kind):
    items = client.get("/api/v1/me/tasks", headers=headers).json()["items"]
    return [t for t in items if t["kind"] == kind]


# --- proposal and reply (Art 32) ----------------------------------------------------------------


def test_art32_reply_due_20_days_after_receipt_overdue_flagged_and_listed(client, world, clock, problem):
    """令22 Art 32: the written reply is due within 20 days of receipt; an overdue reply is flagged,
    listed (`overdue=reply`) and in the officer's tasks."""
    clock.set(date(2027, 1, 10))
    neg = propose(client, world, proposed_on="2027-01-02", received_on="2027-01-05", initiated_by="employer")
    assert neg.data["deadlines"]["reply_due_on"] == "2027-01-25"
    assert _tasks(client, neg.officer, "negotiation.reply")[0]["deadline"] == "2027-01-25"
    clock.set(date(2027, 1, 25))
    assert neg.get()["deadlines"]["reply_overdue"] is False
    clock.set(date(2027, 1, 26))
    assert neg.get()["deadlines"]["reply_overdue"] is True
    listed = client.get(f"{NEGOTIATIONS}?overdue=reply", headers=neg.officer).json()["items"]
    assert [n["id"] for n in listed] == [neg.data["id"]]
    r = neg.post("/reply", {"decision": "accept", "replied_on": "2027-01-26"})
    assert r.json()["status"] == "negotiating"
    replied = client.get(f"{neg.path}/timeline", headers=neg.officer).json()["items"][-1]
    assert replied["details"]["late"] is True
    assert client.get(f"{NEGOTIATIONS}?overdue=reply", headers=neg.officer).json()["items"] == []


def test_art32_refusal_needs_a_reason(client, world, clock, problem):
    """令22 Art 32: no refusal without (good) reason: a refusal without one is refused; with one it is
    recorded and the negotiation ends as refused."""
    neg = propose(client, world)
    tag = client.get(neg.path, headers=neg.officer).headers["ETag"]
    r = client.post(
        f"{neg.path}/reply",
        json={"decision": "refuse", "replied_on": "2027-01-04"},
        headers={**neg.officer, "If-Match": tag},
    )
    problem(r, 422, "validation_failed")
    r = neg.post("/reply", {"decision": "refuse", "replied_on": "2027-01-04", "reason": "企业正在破产重整"})
    assert (r.json()["status"], r.json()["refusal_reason"]) == ("refused", "企业正在破产重整")


# --- negotiators (Art 19-24, 28, 31) ------------------------------------------------------------


def test_art19_24_composition_equal_sides_three_each_one_chief(client, world, clock, problem):
    """令22 Art 19: equal numbers, at least 3 a side, one chief each; talks need a valid team."""
    neg = propose(client, world)
    neg.post("/reply", {"decision": "accept", "replied_on": "2027-01-04"})
    chair = chair_member(world)
    add_negotiator(neg, "e1", side="employee", name="赵主席", member_id=str(chair.id), is_chief=True)
    add_negotiator(neg, "r1", side="employer", name="钱厂长", is_chief=True)
    add_negotiator(neg, "r2", side="employer", name="管理方2")
    problems = neg.get()["composition_problems"]
    assert problems == ["negotiation_too_few_negotiators", "negotiation_unequal_sides"]
    tag = client.get(neg.path, headers=neg.officer).headers["ETag"]
    body = session_body(neg)
    r = client.post(f"{neg.path}/sessions", json=body, headers={**neg.officer, "If-Match": tag})
    assert "negotiation_too_few_negotiators" in problem(r, 409, "negotiation_composition_invalid")["problems"]
    r = add_negotiator(neg, "x", expect=409, side="employer", name="孙副厂长", is_chief=True)
    problem(r, 409, "negotiation_chief_exists")


def test_art20_employee_chief_is_the_chair_unless_delegated_in_writing(client, world, clock, problem):
    """令22 Art 20: the employee chief is the union chair; anyone else needs a written delegation."""
    from motions.factories import make_member

    neg = propose(client, world)
    other = make_member(world, "U01-B01", name="周副主席")
    r = add_negotiator(
        neg, "x", expect=422, side="employee", name="周副主席", member_id=str(other.id), is_chief=True
    )
    assert problem(r, 422, "negotiation_chief_not_chair")["errors"][0]["field"] == "delegation_ref"
    add_negotiator(
        neg,
        "e1",
        side="employee",
        name="周副主席",
        member_id=str(other.id),
        is_chief=True,
        delegation_ref="工会主席授权委托书 2027-01-05",
    )


def test_art23_experts_at_most_a_third_and_never_chief(client, world, clock, problem):
    """令22 Art 23: outside professionals at most 1/3 of a side, and never the chief."""
    neg = propose(client, world)
    r = add_negotiator(neg, "x", expect=422, side="employer", name="律师甲", is_chief=True, is_expert=True)
    problem(r, 422, "negotiation_expert_chief")
    team(neg, experts=2)  # two of the three employee negotiators are outside experts
    assert neg.get()["composition_problems"] == ["negotiation_too_many_experts"]


def test_art24_nobody_on_both_sides(client, world, clock, problem):
    """令22 Art 24: the same person cannot negotiate for both sides."""
    neg = propose(client, world)
    team(neg)
    r = add_negotiator(neg, "x", expect=409, side="employer", name="职工代表2")
    problem(r, 409, "negotiation_on_both_sides")


def test_art31_vacancy_filled_within_15_days_task_and_overdue_art28_protection(client, world, clock):
    """令22 Art 31: a vacancy is filled within 15 days (task, then overdue); Art 28: an employee
    negotiator's protection end date is kept on record."""
    neg = advance(client, world, clock, "negotiating")
    e2 = next(n for n in neg.data["negotiators"] if n["id"] == neg.people["e2"])
    assert e2["protection_ends_on"] == "2027-12-31"
    neg.post(f"/negotiators/{neg.people['e2']}/vacate", {"left_on": "2027-01-10", "reason": "调离本单位"})
    gone = next(n for n in neg.get()["negotiators"] if n["id"] == neg.people["e2"])
    assert gone["replace_due_on"] == "2027-01-25" and gone["vacancy_overdue"] is False
    assert _tasks(client, neg.officer, "negotiation.vacancy")[0]["deadline"] == "2027-01-25"
    clock.set(date(2027, 1, 26))
    assert neg.get()["deadlines"]["vacancies_overdue"] == 1
    report = client.get(
        f"{NEGOTIATIONS}/coverage-report?unit_id={world.units['ROOT'].id}",
        headers=world.as_role("auditor", "ROOT"),
    ).json()
    assert [(v["negotiation_id"], v["due_on"]) for v in report["overdue_vacancies"]] == [
        (neg.data["id"], "2027-01-25")
    ]
    assert [
        n["id"] for n in client.get(f"{NEGOTIATIONS}?overdue=vacancy", headers=neg.officer).json()["items"]
    ] == [neg.data["id"]]
    add_negotiator(
        neg, "e4", side="employee", name="吴新代表", replaces_id=neg.people["e2"], appointed_on="2027-01-26"
    )
    assert neg.get()["deadlines"]["vacancies_overdue"] == 0
    assert neg.data["composition_problems"] == []
    assert _tasks(client, neg.officer, "negotiation.vacancy") == []


# --- sessions (Art 33-35) -----------------------------------------------------------------------


def test_art33_35_recorder_is_not_a_negotiator_chiefs_chair_in_turn(client, world, clock, problem):
    """令22 Art 33-35: minutes by a recorder who is not a negotiator; the chiefs chair in turn."""
    neg = advance(client, world, clock, "negotiating")  # session 1 chaired by the employee chief
    tag = client.get(neg.path, headers=neg.officer).headers["ETag"]
    h = {**neg.officer, "If-Match": tag}
    r = client.post(f"{neg.path}/sessions", json=session_body(neg, "r1", recorder_name="钱厂长"), headers=h)
    problem(r, 422, "negotiation_recorder_is_negotiator")
    r = client.post(f"{neg.path}/sessions", json=session_body(neg, "e1"), headers=h)
    problem(r, 422, "negotiation_chair_not_alternating")
    r = client.post(f"{neg.path}/sessions", json=session_body(neg, "e2"), headers=h)
    problem(r, 422, "negotiation_chair_not_chief")
    neg.post("/sessions", session_body(neg, "r1"), expect=201)
    sessions = client.get(f"{neg.path}/sessions", headers=neg.officer).json()["items"]
    assert [(s["number"], s["chair_id"]) for s in sessions] == [(1, neg.people["e1"]), (2, neg.people["r1"])]
    assert sessions[0]["attachments"] == [{"name": "工资测算表", "ref": "档案 2027-001"}]


def test_art35_suspension_with_reason_and_next_date_then_resumed(client, world, clock, problem):
    """令22 Art 35: talks may be suspended, with the reason and the next date; a session resumes them."""
    neg = advance(client, world, clock, "negotiating")
    tag = client.get(neg.path, headers=neg.officer).headers["ETag"]
    r = client.post(
        f"{neg.path}/sessions",
        json=session_body(neg, "r1", outcome="suspended"),
        headers={**neg.officer, "If-Match": tag},
    )
    problem(r, 422, "validation_failed")
    body = session_body(
        neg, "r1", outcome="suspended", suspension_reason="需核算工资总额", next_on="2027-01-20"
    )
    assert neg.post("/sessions", body, expect=201).json()["status"] == "suspended"
    assert neg.post("/sessions", session_body(neg, "e1"), expect=201).json()["status"] == "negotiating"
    kinds = [e["kind"] for e in client.get(f"{neg.path}/timeline", headers=neg.officer).json()["items"]]
    assert kinds[-2:] == ["suspended", "resumed"]


def test_art36_no_agreement_without_a_recorded_session(client, world, clock, problem):
    """令22 Art 33-36: a draft is agreed in negotiation sessions: none recorded, none agreed."""
    neg = propose(client, world)
    neg.post("/reply", {"decision": "accept", "replied_on": "2027-01-04"})
    team(neg)
    draft(neg)
    tag = client.get(neg.path, headers=neg.officer).headers["ETag"]
    r = client.post(f"{neg.path}/agree", json={"draft_number": 1}, headers={**neg.officer, "If-Match": tag})
    problem(r, 409, "negotiation_no_session")


# --- vote (Art 36) ------------------------------------------------------------------------------


def test_art36_vote_rule_two_thirds_present_more_than_half_of_all():
    """令22 Art 36: >= 2/3 of ALL representatives present, and more than half of ALL in favour."""
    M = rules.Majority
    assert rules.vote_result(6, 4, 4, M.more_than_half).adopted  # 4/6 present, 4 > 3
    assert not rules.vote_result(6, 4, 3, M.more_than_half).adopted  # 3 is not more than half of 6
    assert rules.vote_result(6, 4, 3, M.at_least_half).adopted  # ... but it is at least half
    assert not rules.vote_result(6, 3, 3, M.at_least_half).quorate  # 3 < 2/3 of 6
    assert not rules.vote_result(100, 99, 50, M.more_than_half).adopted  # half of ALL, not of those present
    assert not rules.vote_result(0, 0, 0, M.at_least_half).adopted


@pytest.mark.parametrize(("majority", "adopted"), [("more_than_half", False), ("at_least_half", True)])
def test_art36_vote_half_of_all_representatives_both_settings(
    client, world, clock, settings, monkeypatch, majority, adopted
):
    """令22 Art 36 with GONGHUI_NEGOTIATION_VOTE_MAJORITY: exactly half of all representatives in
    favour passes only when read as ">="; a failed vote sends the draft back to negotiating. The
    electorate is the congress's representative list (counted, not typed in)."""
    monkeypatch.setattr(settings, "negotiation_vote_majority", majority)
    neg = advance(client, world, clock, "agreed")
    clock.set(date(2027, 2, 1))
    congress = congress_with(client, world, 3)  # 3 team members + 3 more = 6 representatives
    r = neg.post("/vote", vote_body(congress, present=4, yes=3))
    assert r.json()["status"] == ("adopted" if adopted else "negotiating")
    vote = neg.get()["votes"][-1]
    assert (vote["total"], vote["present"], vote["yes"], vote["adopted"], vote["majority_rule"]) == (
        6,
        4,
        3,
        adopted,
        majority,
    )


def test_art36_vote_without_two_thirds_present_fails(client, world, clock, problem):
    """令22 Art 36: fewer than 2/3 present: not adopted even if all present say yes; back to negotiating."""
    neg = advance(client, world, clock, "agreed")
    clock.set(date(2027, 2, 1))
    congress = congress_with(client, world, 3)
    assert neg.post("/vote", vote_body(congress, present=3, yes=3)).json()["status"] == "negotiating"
    neg.post("/agree", {"draft_number": 1})
    tag = client.get(neg.path, headers=neg.officer).headers["ETag"]
    r = client.post(
        f"{neg.path}/vote",
        json=vote_body(congress, present=7, yes=7),
        headers={**neg.officer, "If-Match": tag},
    )
    problem(r, 422, "negotiation_vote_present_exceeds_total")


# --- signing, filing, review (Art 37-47) --------------------------------------------------------


@pytest.mark.parametrize(("months", "ok"), [(11, False), (12, True), (36, True), (37, False)])
def test_art38_term_one_to_three_years(client, world, clock, problem, months, ok):
    """令22 Art 38: a collective contract runs 1 to 3 years."""
    neg = advance(client, world, clock, "adopted")
    tag = client.get(neg.path, headers=neg.officer).headers["ETag"]
    r = client.post(
        f"{neg.path}/sign",
        json={"signed_on": "2027-02-01", "term_months": months},
        headers={**neg.officer, "If-Match": tag},
    )
    if ok:
        assert r.status_code == 200 and r.json()["term_months"] == months
    else:
        problem(r, 422, "negotiation_term_out_of_range")


def test_art42_filing_within_10_days_task_overdue_late(client, world, clock):
    """令22 Art 42: filed within 10 days of signing: a task until then, overdue after, late if later."""
    neg = advance(client, world, clock, "signed")
    assert neg.data["deadlines"]["filing_due_on"] == "2027-02-13"
    assert _tasks(client, neg.officer, "negotiation.file")[0]["deadline"] == "2027-02-13"
    clock.set(date(2027, 2, 14))
    assert neg.get()["deadlines"]["filing_overdue"] is True
    assert [
        n["id"] for n in client.get(f"{NEGOTIATIONS}?overdue=filing", headers=neg.officer).json()["items"]
    ] == [neg.data["id"]]
    r = neg.post("/file", {"received_on": "2027-02-14", "authority": "示范市人社局"})
    assert r.json()["deadlines"]["effective_on"] == "2027-03-01"
    assert (
        client.get(f"{neg.path}/timeline", headers=neg.officer).json()["items"][-1]["details"]["late"] is True
    )


def test_art46_47_objection_within_15_days_back_to_negotiating_and_refiling(client, world, clock, problem):
    """令22 Art 46-47: an objection within 15 days of receipt sends the contract back to negotiating;
    it is then voted, signed and filed again. After day 15 it is effective and no objection fits."""
    neg = advance(client, world, clock, "under_review")  # received 2027-02-08
    clock.set(date(2027, 2, 22))
    r = neg.post("/objection", {"received_on": "2027-02-22", "reason": "工资条款低于当地最低工资标准"})
    d = r.json()
    assert (d["status"], d["round"], d["filed_on"], d["deadlines"]["effective_on"]) == (
        "negotiating",
        2,
        None,
        None,
    )
    # renegotiate, agree, vote, sign and file again
    clock.set(date(2027, 2, 25))
    neg.post("/sessions", {**session_body(neg, "r1"), "held_on": "2027-02-25"}, expect=201)
    draft(neg, note="按审查意见修改")
    neg.post("/agree", {"draft_number": 2})
    congress = congress_with(client, world, 0)
    neg.post("/vote", vote_body(congress, present=3, yes=3, held_on="2027-02-25"))
    neg.post("/sign", {"signed_on": "2027-02-25", "term_months": 24})
    neg.post("/file", {"received_on": "2027-02-25", "authority": "示范市人社局"})
    clock.set(date(2027, 3, 12))
    tag = client.get(neg.path, headers=neg.officer).headers["ETag"]
    r = client.post(
        f"{neg.path}/objection",
        json={"received_on": "2027-03-12", "reason": "迟到的意见"},
        headers={**neg.officer, "If-Match": tag},
    )
    problem(r, 409, "negotiation_illegal_transition")
    assert neg.get()["status"] == "effective"


def test_art47_objection_dated_day_15_is_too_late(client, world, clock, problem):
    """令22 Art 47: on day 15 after receipt the contract is in force; an objection served that day is late."""
    neg = advance(client, world, clock, "under_review")
    clock.set(date(2027, 2, 22))
    tag = client.get(neg.path, headers=neg.officer).headers["ETag"]
    clock.set(date(2027, 2, 23))
    r = client.post(
        f"{neg.path}/objection",
        json={"received_on": "2027-02-23", "reason": "x"},
        headers={**neg.officer, "If-Match": tag},
    )
    problem(r, 409, "negotiation_illegal_transition")
    assert rules.effective_from(date(2027, 2, 8)) == date(2027, 2, 23)


def test_art38_renewal_window_opens_3_months_before_expiry(client, world, clock, problem):
    """令22 Art 38: in the last 3 months either side may ask to renew: a task opens; a renewal
    proposal before the window is refused, one in it follows the same path from a proposal."""
    neg = advance(client, world, clock, "published")  # expires 2030-02-22, window from 2029-11-22
    clock.set(date(2029, 11, 21))
    assert _tasks(client, neg.officer, "negotiation.renew") == []
    body = {"purpose": "renewal", "parent_id": neg.data["id"], "proposed_on": "2029-11-21", "title": "续订"}
    r = client.post(
        NEGOTIATIONS,
        json={**_proposal(world), **body},
        headers=neg.officer,
    )
    assert problem(r, 409, "negotiation_illegal_transition")["current"] == "effective"
    clock.set(date(2029, 11, 22))
    assert _tasks(client, neg.officer, "negotiation.renew")[0]["deadline"] == "2030-02-22"
    renewal = propose(client, world, **{**body, "proposed_on": "2029-11-22"})
    assert (renewal.data["status"], renewal.data["parent_id"]) == ("proposed", neg.data["id"])
    assert _tasks(client, neg.officer, "negotiation.renew") == []
    report = client.get(
        f"{NEGOTIATIONS}/coverage-report?unit_id={world.units['ROOT'].id}",
        headers=world.as_role("officer", "ROOT"),
    ).json()
    assert [c["negotiation_id"] for c in report["expiring"]] == [neg.data["id"]]


def _proposal(world):
    return {
        "org_unit_id": str(world.units["U01"].id),
        "kind": "comprehensive",
        "employer_name": "第一机械厂有限公司",
        "initiated_by": "union",
        "topics": ["pay"],
        "proposal_text": "续订集体合同。",
    }


# --- disputes (Art 49-54; 劳动合同法 Art 56) -------------------------------------------------------


def test_art49_54_coordination_settled_in_30_days_extendable_once_by_15(client, world, clock, problem):
    """令22 Art 49-54: coordination within 30 days of the application, extendable once by at most 15."""
    neg = advance(client, world, clock, "negotiating")
    neg.post(
        "/disputes",
        {"kind": "coordination", "applied_on": "2027-01-10", "description": "工资增幅分歧"},
        expect=201,
    )
    dispute = neg.get()["disputes"][0]
    assert dispute["settle_due_on"] == "2027-02-09"
    assert _tasks(client, neg.officer, "negotiation.dispute")[0]["deadline"] == "2027-02-09"
    path = f"/disputes/{dispute['id']}"
    tag = client.get(neg.path, headers=neg.officer).headers["ETag"]
    r = client.post(
        f"{neg.path}{path}/extend", json={"days": 16, "reason": "x"}, headers={**neg.officer, "If-Match": tag}
    )
    problem(r, 422, "negotiation_extension_too_long")
    neg.post(f"{path}/extend", {"days": 15, "reason": "需补充调查"})
    assert neg.get()["disputes"][0]["settle_due_on"] == "2027-02-24"
    tag = client.get(neg.path, headers=neg.officer).headers["ETag"]
    r = client.post(
        f"{neg.path}{path}/extend", json={"days": 1, "reason": "x"}, headers={**neg.officer, "If-Match": tag}
    )
    problem(r, 409, "negotiation_already_extended")
    clock.set(date(2027, 2, 25))
    assert neg.get()["disputes"][0]["overdue"] is True
    assert [
        n["id"] for n in client.get(f"{NEGOTIATIONS}?overdue=dispute", headers=neg.officer).json()["items"]
    ] == [neg.data["id"]]
    neg.post(f"{path}/settle", {"settled_on": "2027-02-25", "outcome": "双方同意增长5%"})
    assert neg.get()["disputes"][0]["status"] == "settled"
    assert rules.coordination_due(date(2027, 1, 10), 15) == date(2027, 2, 24)


def test_ldht_art56_breach_referred_to_arbitration_and_compliance_checks(client, world, clock, problem):
    """劳动合同法 Art 56: a breach of a contract in force may go to arbitration or court; compliance
    checks are recorded on contracts in force (referral is for breach cases only)."""
    neg = advance(client, world, clock, "published")
    neg.post(
        "/checks",
        {"checked_on": "2027-02-24", "findings": "加班费未按约定支付", "compliant": False},
        expect=201,
    )
    neg.post(
        "/disputes", {"kind": "breach", "applied_on": "2027-02-24", "description": "拖欠加班费"}, expect=201
    )
    d = neg.get()
    assert d["checks"][0]["compliant"] is False
    dispute = d["disputes"][0]
    assert dispute["settle_due_on"] is None
    neg.post(f"/disputes/{dispute['id']}/refer", {"forum": "arbitration", "referred_on": "2027-02-24"})
    assert neg.get()["disputes"][0]["referral"] == "arbitration"


def test_art40_amendment_follows_the_same_path_and_supersedes_when_in_force(client, world, clock):
    """令22 Art 39-40 (变更): an amendment of a contract in force starts from a proposal and follows
    the same path; once it takes effect (by date) the contract it amends shows as superseded."""
    parent = advance(client, world, clock, "published")
    base = date(2027, 6, 1)
    clock.set(base)
    amendment = propose(
        client,
        world,
        base=base,
        purpose="amendment",
        parent_id=parent.data["id"],
        title="集体合同变更（工资条款）",
    )
    advance(client, world, clock, "under_review", neg=amendment)
    assert parent.get()["status"] == "effective"
    clock.set(date(2027, 7, 21))  # the amendment's day 15 after receipt (2027-07-06)
    assert amendment.get()["status"] == "effective"
    assert parent.get()["status"] == "superseded"
    listed = client.get(f"{NEGOTIATIONS}?status=superseded", headers=parent.officer).json()["items"]
    assert [n["id"] for n in listed] == [parent.data["id"]]
    report = client.get(
        f"{NEGOTIATIONS}/coverage-report?unit_id={world.units['ROOT'].id}",
        headers=world.as_role("auditor", "ROOT"),
    ).json()
    assert next(k for k in report["by_kind"] if k["kind"] == "comprehensive")["contracts"] == 1
