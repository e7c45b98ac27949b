"""Permission-matrix recipes for the member records, lifecycle, accounts and self-service routes."""

from __future__ import annotations

from factories import link_member_user
from matrix import RECIPES, Call, recipe

from members.factories import create_member, payload

BASE = "/api/v1/members"


@recipe("members_list")
def _(client, world):
    return Call("auditor", "U01", "GET", BASE)


@recipe("members_create")
def _(client, world):
    return Call("officer", "U01", "POST", BASE, json=payload(world, "U01-B02"), expect=201)


@recipe("members_get")
def _(client, world):
    return Call("treasurer", "U01", "GET", f"{BASE}/{create_member(client, world)['id']}")


@recipe("members_update")
def _(client, world):
    m = create_member(client, world)
    return Call(
        "officer",
        "U01",
        "PATCH",
        f"{BASE}/{m['id']}",
        json={"notes": "调岗"},
        headers={"If-Match": m["etag"]},
    )


@recipe("members_national_id")
def _(client, world):
    return Call("chair", "U01", "GET", f"{BASE}/{create_member(client, world)['id']}/national-id")


@recipe("members_lifecycle")
def _(client, world):
    m = create_member(client, world)
    return Call(
        "officer",
        "U01",
        "POST",
        f"{BASE}/{m['id']}/lifecycle",
        json={"action": "retain", "reason": "退休"},
        headers={"If-Match": m["etag"]},
    )


@recipe("members_events")
def _(client, world):
    return Call("auditor", "U01", "GET", f"{BASE}/{create_member(client, world)['id']}/events")


@recipe("members_account_create")
def _(client, world):
    return Call("officer", "U01", "POST", f"{BASE}/{create_member(client, world)['id']}/account", expect=201)


def _own(client, world):
    m = create_member(client, world)
    link_member_user(world, "member.u01", m["id"])
    return m


@recipe("me_member_get")
def _(client, world):
    _own(client, world)
    return Call("member", "U01", "GET", "/api/v1/me/member")


@recipe("me_member_update")
def _(client, world):
    _own(client, world)
    tag = client.get("/api/v1/me/member", headers=world.as_role("member", "U01")).headers["ETag"]
    return Call(
        "member",
        "U01",
        "PATCH",
        "/api/v1/me/member",
        json={"phone": "13900001111"},
        headers={"If-Match": tag},
    )


@recipe("me_member_national_id")
def _(client, world):
    _own(client, world)
    return Call("member", "U01", "GET", "/api/v1/me/member/national-id")


assert RECIPES  # imported for its side effect of registering recipes
