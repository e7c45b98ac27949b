"""Permission-matrix recipes for rationalisation proposals and campaigns."""

from __future__ import annotations

from matrix import Call, recipe

from rationalisation.factories import CAMPAIGNS, PROPOSALS, campaign, department, step, submit, worker


def _submitted(client, world):
    _, headers = worker(world)
    return submit(client, headers)


def _forwarded(client, world):
    r = _submitted(client, world)
    dept = department(client, world, handler="handler.u01")
    return step(
        client,
        r,
        "screen",
        world.as_role("officer", "U01"),
        {"decision": "forward", "department_id": dept["id"]},
    )


def _with_etag(client, world, r, role="officer"):
    path = f"{PROPOSALS}/{r.json()['id']}"
    return path, client.get(path, headers=world.as_role(role, "U01")).headers["ETag"]


@recipe("rationalisation_campaigns_create")
def _(client, world):
    body = {
        "org_unit_id": str(world.units["U01"].id),
        "title": "征集",
        "starts_on": "2027-01-01",
        "ends_on": "2027-06-30",
    }
    return Call("officer", "U01", "POST", CAMPAIGNS, json=body, expect=201)


@recipe("rationalisation_campaigns_list")
def _(client, world):
    campaign(client, world)
    return Call("auditor", "U01", "GET", CAMPAIGNS)


@recipe("rationalisation_campaigns_get")
def _(client, world):
    return Call("chair", "U01", "GET", f"{CAMPAIGNS}/{campaign(client, world)['id']}")


@recipe("rationalisation_campaigns_report")
def _(client, world):
    return Call("auditor", "U01", "GET", f"{CAMPAIGNS}/{campaign(client, world)['id']}/report")


@recipe("rationalisation_proposals_submit")
def _(client, world):
    worker(world, "member.u01")
    body = {"title": "建议", "problem": "问题", "proposal": "办法"}
    return Call("member", "U01", "POST", PROPOSALS, json=body, expect=201)


@recipe("rationalisation_proposals_list")
def _(client, world):
    _submitted(client, world)
    return Call("officer", "U01", "GET", PROPOSALS)


@recipe("rationalisation_proposals_get")
def _(client, world):
    return Call("auditor", "U01", "GET", f"{PROPOSALS}/{_submitted(client, world).json()['id']}")


@recipe("rationalisation_proposals_screen")
def _(client, world):
    path, tag = _with_etag(client, world, _submitted(client, world))
    body = {"decision": "reject", "note": "已有同类建议"}
    return Call("officer", "U01", "POST", f"{path}/screen", json=body, headers={"If-Match": tag})


@recipe("rationalisation_proposals_decide")
def _(client, world):
    path, tag = _with_etag(client, world, _forwarded(client, world))
    body = {"adopted": True, "note": "采纳", "benefit_fen": 1000000}
    return Call("handler", "U01", "POST", f"{path}/decide", json=body, headers={"If-Match": tag})


@recipe("rationalisation_proposals_notify")
def _(client, world):
    r = _submitted(client, world)
    step(client, r, "screen", world.as_role("officer", "U01"), {"decision": "reject", "note": "不具备条件"})
    path, tag = _with_etag(client, world, r)
    body = {"result_note": "已当面告知"}
    return Call("officer", "U01", "POST", f"{path}/notify", json=body, headers={"If-Match": tag})


@recipe("rationalisation_proposals_reward")
def _(client, world):
    r = _forwarded(client, world)
    step(client, r, "decide", world.as_role("handler", "U01"), {"adopted": True, "note": "采纳"})
    path, tag = _with_etag(client, world, r)
    return Call(
        "officer", "U01", "POST", f"{path}/reward", json={"reward_fen": 50000}, headers={"If-Match": tag}
    )
