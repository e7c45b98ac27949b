"""Permission-matrix recipes for unit set-up and closing requests (章程 Art 16)."""

from __future__ import annotations

from matrix import Call, recipe

BASE = "/api/v1/org-unit-requests"


def set_up_body(world, code="U01-B07"):
    return {
        "parent_id": str(world.units["U01"].id),
        "code": code,
        "name": "第七分工会",
        "kind": "branch",
        "reason": "新建车间，申请成立分工会",
    }


def pending(client, world, code="U01-B08"):
    """A set-up request under U01 made by U01's officer; U01's chairs decide it."""
    r = client.post(f"{BASE}/set-up", json=set_up_body(world, code), headers=world.as_role("officer", "U01"))
    assert r.status_code == 201, r.text
    return r


@recipe("unit_requests_set_up")
def _(client, world):
    return Call("officer", "U01", "POST", f"{BASE}/set-up", json=set_up_body(world), expect=201)


@recipe("unit_requests_close")
def _(client, world):
    body = {"unit_id": str(world.units["U01-B02"].id), "reason": "车间撤并"}
    return Call("officer", "U01-B02", "POST", f"{BASE}/close", json=body, expect=201)


@recipe("unit_requests_list")
def _(client, world):
    pending(client, world)
    return Call("auditor", "U01", "GET", BASE)


@recipe("unit_requests_get")
def _(client, world):
    return Call("chair", "U01", "GET", f"{BASE}/{pending(client, world).json()['id']}")


@recipe("unit_requests_decide")
def _(client, world):
    r = pending(client, world)
    return Call(
        "chair",
        "U01",
        "POST",
        f"{BASE}/{r.json()['id']}/decide",
        json={"approve": True, "approval_ref": "总工发〔2026〕5号"},
        headers={"If-Match": r.headers["ETag"]},
    )
