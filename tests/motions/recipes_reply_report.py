"""Permission-matrix recipes for the reply report, the follow-up list and reporting a follow-up done."""

from __future__ import annotations

from matrix import Call, recipe

from motions.factories import CONGRESSES, act, draft, etag_of, make_congress, make_department, scene


@recipe("congresses_reply_report")
def _(client, world):
    return Call("auditor", "U01", "GET", f"{CONGRESSES}/{make_congress(client, world)['id']}/reply-report")


@recipe("congresses_follow_ups")
def _(client, world):
    return Call("officer", "U01", "GET", f"{CONGRESSES}/{make_congress(client, world)['id']}/follow-ups")


@recipe("motions_follow_up_done")
def _(client, world):
    """A motion answered in class B through the workflow; ``handler.u01`` handles its lead department."""
    sc = scene(client, world)
    dept = make_department(client, world, "后勤部", handlers=("handler.u01",))
    draft(client, sc)
    act(client, sc, "POST", "/cosignatures", sc.headers["c1"])
    act(client, sc, "POST", "/cosignatures", sc.headers["c2"])
    act(client, sc, "POST", "/submit", sc.headers["proposer"], {})
    act(client, sc, "POST", "/review", world.as_role("chair", "U01"), {"decision": "register"})
    act(client, sc, "POST", "/assign", world.as_role("officer", "U01"), {"lead_department_id": dept["id"]})
    handler = world.as_role("handler", "U01")
    body = {"text": "列入计划。", "outcome_class": "B", "promised_on": "2030-06-30"}
    act(client, sc, "POST", "/reply", handler, body)
    return Call(
        "handler",
        "U01",
        "POST",
        f"{sc.path}/follow-up/done",
        json={"report": "已完成"},
        headers={"If-Match": etag_of(client, sc.path, handler)},
    )
