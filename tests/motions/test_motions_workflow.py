"""One motion's whole life over the API, with its timeline (issue 4, docs/rules.md §3 [L])."""

from __future__ import annotations

from datetime import date

from motions.factories import MOTIONS, act, advance, draft, scene


def test_whole_path_draft_to_closed_with_timeline(client, world, clock):
    """draft -> co-signs -> submit -> register -> assign -> late reply -> unsatisfied -> second round
    -> satisfied -> closed (docs/rules.md §3, Lifecycle)."""
    clock.set(date(2027, 2, 1))
    sc = scene(client, world, opening_on=date(2027, 3, 20))
    assert sc.congress["motion_deadline_on"] == "2027-03-05"  # default: 15 days before opening
    assert sc.congress["reply_months"] == 2 and sc.congress["min_cosigners"] == 2
    chair, officer = world.as_role("chair", "U01"), world.as_role("officer", "U01")
    lead_handler = world.headers("hdl.lead")

    motion = draft(client, sc)
    assert motion["status"] == "draft" and motion["kind"] == "motion"
    assert motion["proposer"]["name"] == "张提案"
    act(
        client, sc, "PATCH", "", sc.headers["proposer"], {"proposals": "加装通风降温设备，调整高温时段作息。"}
    )

    act(client, sc, "POST", "/cosignatures", sc.headers["c1"])
    act(client, sc, "POST", "/cosignatures", sc.headers["c2"])
    assert {c["name"] for c in sc.motion["cosigners"]} == {"李附议", "王附议"}

    r = act(client, sc, "POST", "/submit", sc.headers["proposer"], {})
    assert r.json()["status"] == "submitted" and r.json()["kind"] == "motion"
    assert r.json()["submitted_late"] is False

    r = act(client, sc, "POST", "/review", chair, {"decision": "register"})
    assert r.json()["status"] == "registered" and r.json()["number"] == 1

    r = act(
        client,
        sc,
        "POST",
        "/assign",
        officer,
        {"lead_department_id": sc.lead["id"], "co_department_ids": [sc.co["id"]]},
    )
    assert r.json()["status"] == "assigned"
    assert r.json()["due_on"] == "2027-04-01"  # default reply period: 2 months from assignment
    assert r.json()["co_department_ids"] == [sc.co["id"]]

    clock.set(date(2027, 4, 10))
    listed = client.get(MOTIONS, params={"overdue": "true"}, headers=officer).json()["items"]
    assert [m["id"] for m in listed] == [sc.motion["id"]]
    r = act(client, sc, "POST", "/reply", lead_handler, {"text": "已加装两台通风机。", "outcome_class": "B"})
    assert r.json()["status"] == "answered" and r.json()["outcome_class"] == "B"
    detail = client.get(sc.path, headers=sc.headers["proposer"]).json()
    assert detail["replies"][0]["late"] is True and detail["replies"][0]["round"] == 1

    r = act(
        client,
        sc,
        "POST",
        "/ratings",
        sc.headers["proposer"],
        {"rating": "unsatisfied", "comment": "仍然很热"},
    )
    assert r.json()["status"] == "reopened" and r.json()["round"] == 2
    assert r.json()["due_on"] == "2027-06-10"  # a new due date for the second round

    clock.set(date(2027, 5, 20))
    r = act(
        client, sc, "POST", "/reply", lead_handler, {"text": "已安装空调，调整作息。", "outcome_class": "A"}
    )
    assert r.json()["status"] == "answered" and r.json()["outcome_class"] == "A"

    r = act(client, sc, "POST", "/ratings", sc.headers["c1"], {"rating": "basically_satisfied"})
    assert r.json()["status"] == "answered"  # a co-signer's rating does not decide
    r = act(client, sc, "POST", "/ratings", sc.headers["proposer"], {"rating": "satisfied"})
    assert r.json()["status"] == "closed" and r.json()["closed_at"]

    detail = client.get(sc.path, headers=sc.headers["proposer"]).json()
    assert [(x["round"], x["late"]) for x in detail["replies"]] == [(1, True), (2, False)]
    assert [(x["round"], x["rating"]) for x in detail["ratings"]] == [
        (1, "unsatisfied"),
        (2, "basically_satisfied"),
        (2, "satisfied"),
    ]

    timeline = client.get(f"{sc.path}/timeline", headers=chair).json()
    assert [(e["kind"], e["from_status"], e["to_status"], e["round"]) for e in timeline] == [
        ("created", None, "draft", 1),
        ("edited", "draft", "draft", 1),
        ("cosigned", "draft", "draft", 1),
        ("cosigned", "draft", "draft", 1),
        ("submitted", "draft", "submitted", 1),
        ("registered", "submitted", "registered", 1),
        ("assigned", "registered", "assigned", 1),
        ("replied", "assigned", "answered", 1),
        ("reopened", "answered", "reopened", 2),
        ("replied", "reopened", "answered", 2),
        ("rated", "answered", "answered", 2),
        ("closed", "answered", "closed", 2),
    ]
    assert timeline[7]["details"]["late"] is True and timeline[9]["details"]["late"] is False
    assert timeline[5]["actor_label"] == "chair.u01"

    # every step is audited too
    audit = client.get(
        "/api/v1/audit-events",
        params={"entity_id": sc.motion["id"], "limit": 200},
        headers=world.as_role("auditor", "U01"),
    )
    assert audit.status_code == 200, audit.text
    actions = sorted(e["action"] for e in audit.json()["items"])
    assert actions == sorted(f"motion.{e['kind']}" for e in timeline)


def test_illegal_step_is_409_with_the_current_state(client, world, clock, problem):
    """Every transition is checked in the service: illegal ones are 409 with the current state."""
    sc = scene(client, world, opening_on=date(2027, 3, 20))
    advance(client, world, sc, "submitted")
    r = act(
        client,
        sc,
        "POST",
        "/assign",
        world.as_role("officer", "U01"),
        {"lead_department_id": sc.lead["id"]},
        expect=409,
    )
    body = problem(r, 409, "motion_illegal_transition")
    assert body["current"] == "submitted" and body["step"] == "assign"
    problem(
        act(client, sc, "PATCH", "", sc.headers["proposer"], {"title": "改"}, expect=409),
        409,
        "motion_illegal_transition",
    )
    act(client, sc, "POST", "/review", world.as_role("chair", "U01"), {"decision": "register"})
    body = problem(
        act(
            client,
            sc,
            "POST",
            "/review",
            world.as_role("chair", "U01"),
            {"decision": "decline", "reason": "重复"},
            expect=409,
        ),
        409,
        "motion_illegal_transition",
    )
    assert body["current"] == "registered"
    body = problem(
        act(client, sc, "POST", "/ratings", sc.headers["proposer"], {"rating": "satisfied"}, expect=409),
        409,
        "motion_illegal_transition",
    )
    assert body["current"] == "registered"


def test_transitions_need_if_match(client, world, clock, problem):
    sc = scene(client, world, opening_on=date(2027, 3, 20))
    draft(client, sc)
    problem(
        client.post(f"{sc.path}/submit", json={}, headers=sc.headers["proposer"]), 428, "if_match_required"
    )
    problem(
        client.post(f"{sc.path}/submit", json={}, headers={**sc.headers["proposer"], "If-Match": '"99"'}),
        412,
        "version_mismatch",
    )
    # a co-signature changes the motion: the proposer's old ETag no longer fits
    old = sc.motion["etag"]
    act(client, sc, "POST", "/cosignatures", sc.headers["c1"])
    problem(
        client.post(
            f"{sc.path}/submit",
            json={"as_suggestion": True},
            headers={**sc.headers["proposer"], "If-Match": old},
        ),
        412,
        "version_mismatch",
    )
