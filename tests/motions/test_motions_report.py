"""The motion committee's report checked against a hand-computed fixture, and the task inbox."""

from __future__ import annotations

from datetime import date
from io import BytesIO

from openpyxl import load_workbook

from api.db.models import Congress, Department, Motion, MotionRating, MotionReply
from motions.factories import CONGRESSES, act, draft, make_member, scene

AS_OF = date(2027, 6, 1)


def _fixture(world):
    """Ten motions past the draft stage (and one draft) of one congress, in every state.

    | #   | status    | decision | lead | rnd | out | replies (round: late) | ratings (round: value)         |
    | M0  | draft     | -        | -    | 1   | -   | -                     | -                              |
    | M1  | closed    | register | D1   | 1   | A   | 1: on time            | 1: P sat, S1 basic             |
    | M2  | closed    | register | D1   | 2   | B   | 1: late, 2: on time   | 1: P unsat; 2: P sat, S1 unsat |
    | M3  | assigned  | register | D2   | 1   | -   | - (due 05-01, overdue 31 days)                         |
    | M4  | reopened  | register | D2   | 2   | C   | 1: late (due 07-01)   | 1: P unsat                     |
    | M5  | declined  | decline  | -    | 1   | -   | -                     | -                              |
    | M6  | merged    | merge    | -    | 1   | -   | -                     | -                              |
    | M7  | assigned  | convert  | D3   | 1   | -   | - (due 05-31, overdue 1 day)                           |
    | M8  | converted | -        | -    | 1   | -   | - (submitted late as a suggestion)                     |
    | M9  | submitted | -        | -    | 1   | -   | -                     | -                              |
    | M10 | answered  | register | D3   | 1   | D   | 1: on time            | -                              |

    All are motions except M7 and M8 (suggestions). rnd: the reply round; out: the recorded outcome.
    """
    p, s1 = make_member(world, "U01-B01", name="甲"), make_member(world, "U01-B01", name="乙")
    unit = world.units["U01"].id
    with world.db.write_session() as s:
        congress = Congress(
            org_unit_id=unit,
            name="第五届第三次职工代表大会",
            opening_on=date(2027, 3, 20),
            motion_deadline_on=date(2027, 3, 5),
            reply_months=2,
            min_cosigners=2,
        )
        s.add(congress)
        d1, d2, d3 = (
            Department(org_unit_id=unit, name=n) for n in ("后勤保障部", "安全环保部", "人力资源部")
        )
        s.add_all([d1, d2, d3])
        s.flush()

        def motion(n, status, *, kind="motion", decision=None, lead=None, round=1, outcome=None, due=None):
            m = Motion(
                congress_id=congress.id,
                org_unit_id=unit,
                title=f"M{n}",
                reasons="r",
                proposals="p",
                category="other",
                proposer_member_id=p.id,
                status=status,
                kind=kind,
                decision=decision,
                lead_department_id=lead.id if lead else None,
                round=round,
                outcome_class=outcome,
                due_on=due,
                number=n if decision == "register" else None,
            )
            s.add(m)
            s.flush()
            return m

        def reply(m, rnd, dept, late):
            s.add(
                MotionReply(
                    motion_id=m.id,
                    round=rnd,
                    department_id=dept.id,
                    text="答复",
                    outcome_class="A",
                    due_on=date(2027, 5, 1),
                    replied_on=date(2027, 5, 2 if late else 1),
                    late=late,
                )
            )

        def rating(m, rnd, member, value):
            s.add(
                MotionRating(
                    motion_id=m.id, round=rnd, member_id=member.id, is_proposer=member is p, rating=value
                )
            )

        motion(0, "draft")
        m1 = motion(1, "closed", decision="register", lead=d1, outcome="A")
        reply(m1, 1, d1, False)
        rating(m1, 1, p, "satisfied")
        rating(m1, 1, s1, "basically_satisfied")
        m2 = motion(2, "closed", decision="register", lead=d1, round=2, outcome="B")
        reply(m2, 1, d1, True)
        reply(m2, 2, d1, False)
        rating(m2, 1, p, "unsatisfied")
        rating(m2, 2, p, "satisfied")
        rating(m2, 2, s1, "unsatisfied")
        m3 = motion(3, "assigned", decision="register", lead=d2, due=date(2027, 5, 1))
        m4 = motion(4, "reopened", decision="register", lead=d2, round=2, outcome="C", due=date(2027, 7, 1))
        reply(m4, 1, d2, True)
        rating(m4, 1, p, "unsatisfied")
        motion(5, "declined", decision="decline")
        motion(6, "merged", decision="merge")
        m7 = motion(7, "assigned", kind="suggestion", decision="convert", lead=d3, due=date(2027, 5, 31))
        motion(8, "converted", kind="suggestion")
        motion(9, "submitted")
        m10 = motion(10, "answered", decision="register", lead=d3, outcome="D")
        reply(m10, 1, d3, False)
        s.commit()
        return congress.id, {"D1": d1.id, "D2": d2.id, "D3": d3.id}, {"M3": m3.id, "M7": m7.id}


def test_report_matches_the_hand_computed_fixture(client, world, clock):
    """docs/rules.md §3 [L]: the committee reports counts by decision and outcome, on-time reply rate,
    satisfaction rate and the overdue list (figures worked out by hand from the table in _fixture)."""
    clock.set(AS_OF)
    congress_id, _depts, ids = _fixture(world)
    r = client.get(f"{CONGRESSES}/{congress_id}/motion-report", headers=world.as_role("auditor", "U01"))
    assert r.status_code == 200, r.text
    rep = r.json()
    assert rep["as_of"] == "2027-06-01" and rep["submitted"] == 10
    assert rep["by_kind"] == {"motion": 8, "suggestion": 2}
    assert rep["by_status"] == {
        "closed": 2,
        "assigned": 2,
        "reopened": 1,
        "declined": 1,
        "merged": 1,
        "converted": 1,
        "submitted": 1,
        "answered": 1,
    }
    assert rep["by_decision"] == {"register": 5, "decline": 1, "merge": 1, "convert": 1}
    assert rep["by_outcome"] == {"A": 1, "B": 1, "C": 1, "D": 1}
    assert rep["on_time_replies"] == {"numerator": 3, "denominator": 5, "rate": 0.6}
    assert rep["satisfaction"] == {"numerator": 3, "denominator": 6, "rate": 0.5}
    assert rep["ratings_by_value"] == {"satisfied": 2, "basically_satisfied": 1, "unsatisfied": 3}
    assert (rep["reopened"], rep["extra_rounds"]) == (2, 2)
    assert [(o["motion_id"], o["days_overdue"], o["department_name"]) for o in rep["overdue"]] == [
        (str(ids["M3"]), 31, "安全环保部"),
        (str(ids["M7"]), 1, "人力资源部"),
    ]
    table = {
        row["name"]: {
            k: row[k] for k in ("assigned", "replies", "on_time", "late", "overdue", "satisfied", "ratings")
        }
        for row in rep["departments"]
    }
    assert table == {
        "后勤保障部": {
            "assigned": 2,
            "replies": 3,
            "on_time": 2,
            "late": 1,
            "overdue": 0,
            "satisfied": 3,
            "ratings": 5,
        },
        "安全环保部": {
            "assigned": 2,
            "replies": 1,
            "on_time": 0,
            "late": 1,
            "overdue": 1,
            "satisfied": 0,
            "ratings": 1,
        },
        "人力资源部": {
            "assigned": 2,
            "replies": 1,
            "on_time": 1,
            "late": 0,
            "overdue": 1,
            "satisfied": 0,
            "ratings": 0,
        },
    }

    x = client.get(
        f"{CONGRESSES}/{congress_id}/motion-report",
        params={"format": "xlsx"},
        headers=world.as_role("chair", "U01"),
    )
    assert x.status_code == 200 and x.headers["content-type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(BytesIO(x.content))
    assert book.sheetnames == ["概况", "逾期", "承办部门"]
    summary = {row[0]: row[1:] for row in book["概况"].iter_rows(values_only=True) if row[0]}
    assert summary["提交总数"][0] == 10 and summary["按期答复"][:3] == (3, 5, 0.6)
    assert [row[1] for row in book["逾期"].iter_rows(min_row=2, values_only=True)] == ["M3", "M7"]


def test_report_is_for_the_committee_side_only(client, world, clock, problem):
    """docs/rules.md §0: congresses and motions are managed by chair and officers, read by auditors;
    handlers and members do not read the report, other unions do not see the congress."""
    clock.set(AS_OF)
    congress_id, _, _ = _fixture(world)
    path = f"{CONGRESSES}/{congress_id}/motion-report"
    problem(client.get(path, headers=world.as_role("handler", "U01")), 403, "motion_report_forbidden")
    problem(client.get(path, headers=world.as_role("auditor", "U02")), 404, "not_found")
    problem(client.get(path, headers=world.as_role("treasurer", "U01")), 403, "permission_denied")


def test_task_inbox(client, world, clock):
    """Issue 4: /me/tasks lists what waits for the caller, with a link and a deadline."""
    clock.set(date(2027, 2, 1))
    sc = scene(client, world, opening_on=date(2027, 3, 20))

    def kinds(headers):
        r = client.get("/api/v1/me/tasks", headers=headers)
        assert r.status_code == 200, r.text
        return [(t["kind"], t["resource_id"], t["deadline"]) for t in r.json()["items"]]

    first = draft(client, sc)
    assert kinds(sc.headers["proposer"]) == [("motion.submit", first["id"], "2027-03-05")]
    act(client, sc, "POST", "/cosignatures", sc.headers["c1"])
    act(client, sc, "POST", "/cosignatures", sc.headers["c2"])
    act(client, sc, "POST", "/submit", sc.headers["proposer"], {})
    assert kinds(sc.headers["proposer"]) == []
    chair, officer = world.as_role("chair", "U01"), world.as_role("officer", "U01")
    assert kinds(chair) == [("motion.review", first["id"], "2027-03-20")]
    assert kinds(world.as_role("chair", "U02")) == []
    act(client, sc, "POST", "/review", chair, {"decision": "register"})
    assert kinds(officer) == [("motion.assign", first["id"], None)]
    assert kinds(chair) == [("motion.assign", first["id"], None)]
    act(
        client,
        sc,
        "POST",
        "/assign",
        officer,
        {"lead_department_id": sc.lead["id"], "co_department_ids": [sc.co["id"]]},
    )
    assert kinds(world.headers("hdl.lead")) == [("motion.reply", first["id"], "2027-04-01")]
    assert kinds(world.headers("hdl.co")) == []  # only the lead department answers
    act(client, sc, "POST", "/reply", world.headers("hdl.lead"), {"text": "已办理。", "outcome_class": "A"})
    assert kinds(sc.headers["proposer"]) == [("motion.rate", first["id"], None)]
    assert kinds(sc.headers["c2"]) == [("motion.rate", first["id"], None)]
    act(client, sc, "POST", "/ratings", sc.headers["c2"], {"rating": "satisfied"})
    assert kinds(sc.headers["c2"]) == []
    item = client.get("/api/v1/me/tasks", headers=sc.headers["proposer"]).json()["items"][0]
    assert item["link"] == f"/api/v1/motions/{first['id']}" and item["title"] == first["title"]
    assert client.get(item["link"], headers=sc.headers["proposer"]).status_code == 200


def test_task_registry_takes_new_kinds():
    """Later areas plug their providers into the registry; a kind is registered once."""
    import pytest

    from api.services import tasks

    assert {"motion.submit", "motion.rate", "motion.reply", "motion.review", "motion.assign"} <= set(
        tasks.kinds()
    )
    with pytest.raises(ValueError):
        tasks.register("motion.reply", lambda session, principal: [])
