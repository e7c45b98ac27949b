"""Permission-matrix recipes for membership transfers (会籍接转)."""

from __future__ import annotations

from factories import make_member
from matrix import RECIPES, Call, recipe


def _pending(client, world) -> tuple[str, str]:
    """A pending transfer U01-B01 -> U01-B02 started by U01's officer: (path, ETag)."""
    member = make_member(world, "U01-B01")
    r = client.post(
        "/api/v1/member-transfers",
        headers=world.as_role("officer", "U01"),
        json={"member_id": str(member.id), "to_unit_id": str(world.units["U01-B02"].id), "reason": "调岗"},
    )
    assert r.status_code == 201, r.text
    return f"/api/v1/member-transfers/{r.json()['id']}", r.headers["ETag"]


@recipe("transfers_list")
def _(client, world):
    return Call("auditor", "U01", "GET", "/api/v1/member-transfers?direction=incoming")


@recipe("transfers_create")
def _(client, world):
    member = make_member(world, "U01-B01")
    return Call(
        "officer",
        "U01",
        "POST",
        "/api/v1/member-transfers",
        expect=201,
        json={"member_id": str(member.id), "to_unit_id": str(world.units["U01-B02"].id), "reason": "调岗"},
    )


@recipe("transfers_get")
def _(client, world):
    path, _ = _pending(client, world)
    return Call("chair", "U01", "GET", path)


def _decision(action: str, body: dict | None):
    def make(client, world):
        path, tag = _pending(client, world)
        return Call("officer", "U01", "POST", f"{path}/{action}", json=body, headers={"If-Match": tag})

    return make


RECIPES["transfers_accept"] = _decision("accept", {})
RECIPES["transfers_refuse"] = _decision("refuse", {"reason": "未建立劳动关系"})
RECIPES["transfers_cancel"] = _decision("cancel", {"reason": "职工放弃调动"})
