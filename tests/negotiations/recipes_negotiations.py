"""Permission-matrix recipes for the negotiation routes. They run on the real date (no test clock):
each negotiation is started ``base`` days ago so that its steps' dates are not in the future."""

from __future__ import annotations

from datetime import date, timedelta

from matrix import Call, recipe

from negotiations.factories import (
    NEGOTIATIONS,
    NoClock,
    add_negotiator,
    advance,
    congress_with,
    etag_of,
    propose,
    session_body,
    vote_body,
)


def _at(client, world, to: str, days_ago: int):
    base = date.today() - timedelta(days=days_ago)
    return advance(client, world, NoClock(), to, base=base)


def _step(neg, suffix: str, json, expect: int = 200) -> Call:
    tag = etag_of(neg.client, neg.path, neg.officer)
    return Call(
        "officer", "U01", "POST", neg.path + suffix, json=json, headers={"If-Match": tag}, expect=expect
    )


TODAY = date.today


@recipe("negotiations_list")
def _(client, world):
    propose(client, world, base=TODAY())
    return Call("auditor", "U01", "GET", NEGOTIATIONS)


@recipe("negotiations_create")
def _(client, world):
    body = {
        "org_unit_id": str(world.units["U01"].id),
        "kind": "special",
        "special_topic": "wages",
        "title": "工资专项集体协商",
        "employer_name": "第一机械厂有限公司",
        "initiated_by": "employer",
        "topics": ["pay"],
        "proposal_text": "企业提出就年度工资调整进行协商。",
        "proposed_on": TODAY().isoformat(),
    }
    return Call("chair", "U01", "POST", NEGOTIATIONS, json=body, expect=201)


@recipe("negotiations_topics")
def _(client, world):
    return Call("auditor", "U01", "GET", f"{NEGOTIATIONS}/topics")


@recipe("negotiations_coverage_report")
def _(client, world):
    return Call("auditor", "ROOT", "GET", f"{NEGOTIATIONS}/coverage-report?unit_id={world.units['ROOT'].id}")


@recipe("negotiations_get")
def _(client, world):
    return Call("officer", "U01", "GET", propose(client, world, base=TODAY()).path)


@recipe("negotiations_timeline")
def _(client, world):
    return Call("auditor", "U01", "GET", propose(client, world, base=TODAY()).path + "/timeline")


@recipe("negotiations_reply")
def _(client, world):
    neg = propose(client, world, base=TODAY())
    return _step(neg, "/reply", {"decision": "accept", "replied_on": TODAY().isoformat()})


@recipe("negotiations_negotiators_add")
def _(client, world):
    neg = propose(client, world, base=TODAY())
    return _step(neg, "/negotiators", {"side": "employer", "name": "钱厂长", "appointed_on": neg.on(0)}, 201)


@recipe("negotiations_negotiators_vacate")
def _(client, world):
    neg = propose(client, world, base=TODAY())
    add_negotiator(neg, "r1", side="employer", name="钱厂长")
    return _step(neg, f"/negotiators/{neg.people['r1']}/vacate", {"left_on": neg.on(0), "reason": "调离"})


@recipe("negotiations_sessions_list")
def _(client, world):
    return Call("auditor", "U01", "GET", _at(client, world, "negotiating", 6).path + "/sessions")


@recipe("negotiations_sessions_create")
def _(client, world):
    neg = _at(client, world, "negotiating", 6)
    return _step(neg, "/sessions", session_body(neg, "r1"), 201)


@recipe("negotiations_versions_list")
def _(client, world):
    return Call("auditor", "U01", "GET", _at(client, world, "negotiating", 6).path + "/versions")


@recipe("negotiations_versions_create")
def _(client, world):
    neg = _at(client, world, "negotiating", 6)
    clauses = [{"key": "pay-1", "topic": "pay", "title": "工资", "text": "增长6%。", "wage_growth_bp": 600}]
    return _step(neg, "/versions", {"clauses": clauses}, 201)


@recipe("negotiations_versions_get")
def _(client, world):
    return Call("officer", "U01", "GET", _at(client, world, "negotiating", 6).path + "/versions/1")


@recipe("negotiations_versions_diff")
def _(client, world):
    return Call("chair", "U01", "GET", _at(client, world, "negotiating", 6).path + "/versions/1/diff/1")


@recipe("negotiations_agree")
def _(client, world):
    return _step(_at(client, world, "negotiating", 6), "/agree", {"draft_number": 1})


@recipe("negotiations_vote")
def _(client, world):
    neg = _at(client, world, "agreed", 28)
    congress = congress_with(client, world, 0)
    return _step(neg, "/vote", vote_body(congress, present=3, yes=3, held_on=TODAY().isoformat()))


@recipe("negotiations_sign")
def _(client, world):
    neg = _at(client, world, "adopted", 30)
    return _step(neg, "/sign", {"signed_on": TODAY().isoformat(), "term_months": 24})


@recipe("negotiations_file")
def _(client, world):
    neg = _at(client, world, "signed", 35)
    return _step(neg, "/file", {"received_on": TODAY().isoformat(), "authority": "示范市人社局"})


@recipe("negotiations_objection")
def _(client, world):
    neg = _at(client, world, "under_review", 40)
    return _step(neg, "/objection", {"received_on": TODAY().isoformat(), "reason": "条款违法"})


@recipe("negotiations_publish")
def _(client, world):
    neg = _at(client, world, "effective", 60)
    return _step(neg, "/publish", {"published_on": TODAY().isoformat(), "channel": "厂务公开栏"})


@recipe("negotiations_checks_create")
def _(client, world):
    neg = _at(client, world, "effective", 60)
    return _step(
        neg, "/checks", {"checked_on": TODAY().isoformat(), "findings": "履约良好", "compliant": True}, 201
    )


def _dispute(client, world, kind: str):
    neg = _at(
        client,
        world,
        "negotiating" if kind == "coordination" else "effective",
        6 if kind == "coordination" else 60,
    )
    neg.post(
        "/disputes", {"kind": kind, "applied_on": TODAY().isoformat(), "description": "分歧"}, expect=201
    )
    return neg, neg.get()["disputes"][0]["id"]


@recipe("negotiations_disputes_create")
def _(client, world):
    neg = _at(client, world, "negotiating", 6)
    body = {"kind": "coordination", "applied_on": TODAY().isoformat(), "description": "工资增幅分歧"}
    return _step(neg, "/disputes", body, 201)


@recipe("negotiations_disputes_extend")
def _(client, world):
    neg, dispute_id = _dispute(client, world, "coordination")
    return _step(neg, f"/disputes/{dispute_id}/extend", {"days": 10, "reason": "补充调查"})


@recipe("negotiations_disputes_settle")
def _(client, world):
    neg, dispute_id = _dispute(client, world, "coordination")
    return _step(
        neg, f"/disputes/{dispute_id}/settle", {"settled_on": TODAY().isoformat(), "outcome": "达成一致"}
    )


@recipe("negotiations_disputes_refer")
def _(client, world):
    neg, dispute_id = _dispute(client, world, "breach")
    return _step(neg, f"/disputes/{dispute_id}/refer", {"forum": "court", "referred_on": TODAY().isoformat()})


@recipe("negotiations_contract_docx")
def _(client, world):
    return Call("officer", "U01", "GET", _at(client, world, "agreed", 6).path + "/contract.docx")


@recipe("negotiations_filing_form_docx")
def _(client, world):
    return Call("auditor", "U01", "GET", _at(client, world, "agreed", 6).path + "/filing-form.docx")
