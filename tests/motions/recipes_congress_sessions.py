"""Permission-matrix recipes for a congress session's presidium."""

from __future__ import annotations

from matrix import Call, recipe

from motions.factories import CONGRESSES, etag_of, make_congress, make_member


@recipe("congresses_presidium")
def _(client, world):
    return Call("auditor", "U01", "GET", f"{CONGRESSES}/{make_congress(client, world)['id']}/presidium")


@recipe("congresses_presidium_set")
def _(client, world):
    path = f"{CONGRESSES}/{make_congress(client, world)['id']}"
    member = make_member(world, "U01-B01")
    tag = etag_of(client, path, world.as_role("officer", "U01"))
    return Call(
        "chair",
        "U01",
        "PUT",
        f"{path}/presidium",
        json={"member_ids": [str(member.id)]},
        headers={"If-Match": tag},
    )
