"""Permission-matrix recipes for participation records and expulsion cases."""

from __future__ import annotations

from datetime import date

from matrix import Call, recipe
from members.factories import create_member


def _proposal(client, world):
    m = create_member(client, world)
    r = client.post(
        "/api/v1/member-expulsions",
        json={
            "member_id": m["id"],
            "ground": "criminal_penalty",
            "reference": "（2026）京0105刑初1号",
            "penalty_on": "2026-01-05",
            "group_meeting_on": date.today().isoformat(),
            "proposal": "建议开除会籍",
        },
        headers=world.as_role("officer", "U01"),
    )
    assert r.status_code == 201, r.text
    return r


def _participation(client, world):
    m = create_member(client, world)
    r = client.post(
        "/api/v1/participations",
        json={
            "org_unit_id": str(world.units["U01"].id),
            "activity": "工会小组活动",
            "held_on": date.today().isoformat(),
            "member_ids": [m["id"]],
        },
        headers=world.as_role("officer", "U01"),
    )
    assert r.status_code == 201, r.text
    return r.json()


@recipe("participation_create")
def _(client, world):
    m = create_member(client, world)
    body = {
        "org_unit_id": str(world.units["U01-B01"].id),
        "activity": "职工之家读书会",
        "held_on": date.today().isoformat(),
        "member_ids": [m["id"]],
    }
    return Call("officer", "U01", "POST", "/api/v1/participations", json=body, expect=201)


@recipe("participation_list")
def _(client, world):
    _participation(client, world)
    return Call("auditor", "U01", "GET", "/api/v1/participations")


@recipe("participation_get")
def _(client, world):
    return Call("chair", "U01", "GET", f"/api/v1/participations/{_participation(client, world)['id']}")


@recipe("expulsions_propose")
def _(client, world):
    m = create_member(client, world)
    body = {
        "member_id": m["id"],
        "ground": "criminal_penalty",
        "reference": "（2026）京0105刑初2号",
        "penalty_on": "2026-01-05",
        "group_meeting_on": date.today().isoformat(),
        "proposal": "建议开除会籍",
    }
    return Call("officer", "U01", "POST", "/api/v1/member-expulsions", json=body, expect=201)


@recipe("expulsions_list")
def _(client, world):
    _proposal(client, world)
    return Call("auditor", "U01", "GET", "/api/v1/member-expulsions")


@recipe("expulsions_get")
def _(client, world):
    return Call("chair", "U01", "GET", f"/api/v1/member-expulsions/{_proposal(client, world).json()['id']}")


@recipe("expulsions_decide")
def _(client, world):
    r = _proposal(client, world)
    return Call(
        "chair",
        "U01",
        "POST",
        f"/api/v1/member-expulsions/{r.json()['id']}/decide",
        json={"decision": "reject", "reasons": "证据不足"},
        headers={"If-Match": r.headers["ETag"]},
    )
