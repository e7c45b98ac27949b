"""The reply report read out at the congress (提案答复报告) and the follow-up of class-B answers
(docs/rules.md §3: outcome classes A-D; the committee reports at the next congress)."""

from __future__ import annotations

import io
from datetime import date

from motions.factories import CONGRESSES, act, draft, make_congress, scene

PROMISED = "2027-06-30"


def _answered_b(client, world, clock, problem):
    clock.set(date(2027, 2, 1))
    sc = scene(client, world, opening_on=date(2027, 3, 20), term_no=5, session_no=3)
    chair, officer = world.as_role("chair", "U01"), world.as_role("officer", "U01")
    draft(client, sc)
    act(client, sc, "POST", "/cosignatures", sc.headers["c1"])
    act(client, sc, "POST", "/cosignatures", sc.headers["c2"])
    act(client, sc, "POST", "/submit", sc.headers["proposer"], {})
    act(client, sc, "POST", "/review", chair, {"decision": "register"})
    act(
        client,
        sc,
        "POST",
        "/assign",
        officer,
        {"lead_department_id": sc.lead["id"], "co_department_ids": [sc.co["id"]]},
    )
    clock.set(date(2027, 3, 25))
    lead = world.headers("hdl.lead")
    problem(
        act(client, sc, "POST", "/reply", lead, {"text": "列入明年计划。", "outcome_class": "B"}, expect=422),
        422,
        "validation_failed",
    )
    problem(
        act(
            client,
            sc,
            "POST",
            "/reply",
            lead,
            {"text": "已解决。", "outcome_class": "A", "promised_on": PROMISED},
            expect=422,
        ),
        422,
        "validation_failed",
    )
    act(
        client,
        sc,
        "POST",
        "/reply",
        lead,
        {"text": "已列入年度计划，六月底前加装空调。", "outcome_class": "B", "promised_on": PROMISED},
    )
    act(client, sc, "POST", "/ratings", sc.headers["proposer"], {"rating": "satisfied"})
    act(client, sc, "POST", "/ratings", sc.headers["c1"], {"rating": "basically_satisfied"})
    return sc


def test_reply_report_lists_answer_outcome_and_satisfaction(client, world, clock, problem):
    """docs/rules.md §3: the report read at the congress gives each motion's answer, its outcome class and
    the signatories' satisfaction; class B carries the promised date. JSON, XLSX and DOCX."""
    sc = _answered_b(client, world, clock, problem)
    path = f"{CONGRESSES}/{sc.congress['id']}/reply-report"
    auditor = world.as_role("auditor", "U01")
    body = client.get(path, headers=auditor).json()
    [item] = body["items"]
    assert (item["number"], item["proposer"], item["department_name"]) == (1, "张提案", "后勤保障部")
    assert (item["answer"], item["outcome_class"]) == ("已列入年度计划，六月底前加装空调。", "B")
    assert item["proposer_rating"] == "satisfied"
    assert item["ratings"] == {"satisfied": 1, "basically_satisfied": 1}
    assert (item["promised_on"], item["follow_up_status"]) == (PROMISED, "open")

    from openpyxl import load_workbook

    xlsx = client.get(path, params={"format": "xlsx"}, headers=auditor)
    assert xlsx.status_code == 200 and xlsx.headers["content-type"].startswith("application/vnd.openxml")
    rows = list(load_workbook(io.BytesIO(xlsx.content)).active.iter_rows(values_only=True))
    assert rows[0][0] == "第五届第三次职工代表大会提案答复报告"
    assert rows[3][:5] == ("第1号", sc.motion["title"], "张提案", "后勤保障部", "B 正在解决/列入计划")
    assert "满意 1" in rows[3][8] and PROMISED in rows[3][9]

    from docx import Document

    docx = client.get(path, params={"format": "docx"}, headers=auditor)
    assert docx.status_code == 200
    text = "\n".join(p.text for p in Document(io.BytesIO(docx.content)).paragraphs)
    assert "提案答复报告" in text and "已列入年度计划，六月底前加装空调。" in text and PROMISED in text
    # representatives and handlers do not read the committee's reports
    problem(client.get(path, headers=sc.headers["proposer"]), 403, "motion_report_forbidden")


def test_class_b_answers_are_followed_up_into_the_next_congress(client, world, clock, problem):
    """docs/rules.md §3: a class-B answer stays open with its promised date until the lead department
    reports it done, and the next congress's report lists it."""
    sc = _answered_b(client, world, clock, problem)
    officer = world.as_role("officer", "U01")
    listed = client.get(f"{CONGRESSES}/{sc.congress['id']}/follow-ups", headers=officer).json()
    assert listed["next_cursor"] is None
    assert [(f["number"], f["status"], f["overdue"]) for f in listed["items"]] == [(1, "open", False)]

    clock.set(date(2028, 1, 10))
    nxt = make_congress(client, world, opening_on=date(2028, 3, 20), name="第五届第四次职工代表大会")
    report = client.get(f"{CONGRESSES}/{nxt['id']}/motion-report", headers=officer).json()
    [item] = report["follow_ups"]
    assert (item["motion_id"], item["status"], item["overdue"]) == (sc.motion["id"], "open", True)
    # the first congress's own report has no earlier congress to follow up
    first = client.get(f"{CONGRESSES}/{sc.congress['id']}/motion-report", headers=officer).json()
    assert first["follow_ups"] == []

    done = {"report": "空调已于一月安装完毕。"}
    problem(
        act(client, sc, "POST", "/follow-up/done", world.headers("hdl.co"), done, expect=403),
        403,
        "motion_follow_up_not_lead",
    )
    r = act(client, sc, "POST", "/follow-up/done", world.headers("hdl.lead"), done)
    assert r.status_code == 200
    problem(
        act(client, sc, "POST", "/follow-up/done", world.headers("hdl.lead"), done, expect=409),
        409,
        "motion_follow_up_not_open",
    )
    report = client.get(f"{CONGRESSES}/{nxt['id']}/motion-report", headers=officer).json()
    [item] = report["follow_ups"]
    assert (item["status"], item["done_on"], item["report"]) == (
        "done",
        "2028-01-10",
        "空调已于一月安装完毕。",
    )
    timeline = client.get(f"/api/v1/motions/{sc.motion['id']}/timeline", headers=officer).json()["items"]
    assert timeline[-1]["kind"] == "follow_up_done"


def _follow_up_tasks(client, headers):
    r = client.get("/api/v1/me/tasks", headers=headers)
    assert r.status_code == 200, r.text
    return [(t["resource_id"], t["deadline"]) for t in r.json()["items"] if t["kind"] == "motion.follow_up"]


def test_an_open_follow_up_waits_in_the_lead_handlers_inbox(client, world, clock, problem):
    """GET /me/tasks: a class-B answer's follow-up waits for the lead department's handlers until they
    report it done, due on the promised date; the co-department's handler has nothing to report."""
    sc = _answered_b(client, world, clock, problem)
    lead = world.headers("hdl.lead")
    assert _follow_up_tasks(client, lead) == [(sc.motion["id"], PROMISED)]
    assert _follow_up_tasks(client, world.headers("hdl.co")) == []
    act(client, sc, "POST", "/follow-up/done", lead, {"report": "空调已安装完毕。"})
    assert _follow_up_tasks(client, lead) == []
