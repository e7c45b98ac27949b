"""Permission-matrix recipes for congresses, departments, motions and the task inbox.

Member routes act as ``member.u01`` linked to a representative, so ``world.as_role("member", "U01")``
is that representative; ``member.u02`` has no member record and sees nothing (404 out of scope).
"""

from __future__ import annotations

from matrix import RECIPES, Call, recipe

from motions.factories import (
    CONGRESSES,
    DEPARTMENTS,
    MOTIONS,
    act,
    advance,
    attach,
    etag_of,
    make_congress,
    make_department,
    make_member,
    member_user,
    scene,
)


def _congress(client, world):
    return make_congress(client, world)


@recipe("congresses_list")
def _(client, world):
    _congress(client, world)
    return Call("officer", "U01", "GET", CONGRESSES)


@recipe("congresses_create")
def _(client, world):
    return Call(
        "chair",
        "U01",
        "POST",
        CONGRESSES,
        expect=201,
        json={
            "org_unit_id": str(world.units["U01"].id),
            "name": "第五届第四次职工代表大会",
            "opening_on": "2030-03-20",
        },
    )


@recipe("congresses_get")
def _(client, world):
    return Call("auditor", "U01", "GET", f"{CONGRESSES}/{_congress(client, world)['id']}")


@recipe("congresses_update")
def _(client, world):
    path = f"{CONGRESSES}/{_congress(client, world)['id']}"
    tag = etag_of(client, path, world.as_role("officer", "U01"))
    return Call("officer", "U01", "PATCH", path, json={"min_cosigners": 3}, headers={"If-Match": tag})


@recipe("congresses_representatives_list")
def _(client, world):
    congress = _congress(client, world)
    make_member(world, "U01-B01")
    return Call("handler", "U01", "GET", f"{CONGRESSES}/{congress['id']}/representatives")


@recipe("congresses_representatives_add")
def _(client, world):
    path = f"{CONGRESSES}/{_congress(client, world)['id']}"
    member = make_member(world, "U01-B02", representative=False)
    tag = etag_of(client, path, world.as_role("officer", "U01"))
    return Call(
        "officer",
        "U01",
        "POST",
        f"{path}/representatives",
        json={"member_id": str(member.id)},
        headers={"If-Match": tag},
        expect=201,
    )


@recipe("congresses_representatives_remove")
def _(client, world):
    path = f"{CONGRESSES}/{_congress(client, world)['id']}"
    member = make_member(world, "U01-B02")
    tag = etag_of(client, path, world.as_role("chair", "U01"))
    return Call(
        "chair", "U01", "DELETE", f"{path}/representatives/{member.id}", headers={"If-Match": tag}, expect=204
    )


@recipe("congresses_motion_report")
def _(client, world):
    sc = scene(client, world)
    advance(client, world, sc, "answered")
    return Call("auditor", "U01", "GET", f"{CONGRESSES}/{sc.congress['id']}/motion-report")


def _department(client, world):
    return make_department(client, world, "工会办公室", handlers=("hdl.office",))


@recipe("departments_list")
def _(client, world):
    _department(client, world)
    return Call("handler", "U01", "GET", DEPARTMENTS)


@recipe("departments_create")
def _(client, world):
    return Call(
        "officer",
        "U01",
        "POST",
        DEPARTMENTS,
        expect=201,
        json={"org_unit_id": str(world.units["U01"].id), "name": "人力资源部"},
    )


@recipe("departments_get")
def _(client, world):
    return Call("auditor", "U01", "GET", f"{DEPARTMENTS}/{_department(client, world)['id']}")


@recipe("departments_update")
def _(client, world):
    path = f"{DEPARTMENTS}/{_department(client, world)['id']}"
    tag = etag_of(client, path, world.as_role("officer", "U01"))
    return Call("officer", "U01", "PATCH", path, json={"name": "工会工作部"}, headers={"If-Match": tag})


@recipe("departments_handlers_add")
def _(client, world):
    path = f"{DEPARTMENTS}/{_department(client, world)['id']}"
    user = world.user("hdl.new", ("handler", "U01"))
    tag = etag_of(client, path, world.as_role("chair", "U01"))
    return Call(
        "chair", "U01", "POST", f"{path}/handlers", json={"user_id": str(user.id)}, headers={"If-Match": tag}
    )


@recipe("departments_handlers_remove")
def _(client, world):
    path = f"{DEPARTMENTS}/{_department(client, world)['id']}"
    tag = etag_of(client, path, world.as_role("officer", "U01"))
    return Call(
        "officer",
        "U01",
        "DELETE",
        f"{path}/handlers/{world.users['hdl.office'].id}",
        headers={"If-Match": tag},
    )


# --- motions ------------------------------------------------------------------------------------


@recipe("motions_list")
def _(client, world):
    sc = scene(client, world, proposer_username="member.u01")
    advance(client, world, sc, "draft")
    return Call("member", "U01", "GET", MOTIONS)


@recipe("motions_create")
def _(client, world):
    sc = scene(client, world, proposer_username="member.u01")
    return Call(
        "member",
        "U01",
        "POST",
        MOTIONS,
        expect=201,
        json={
            "congress_id": sc.congress["id"],
            "title": "关于增设职工书屋的提案",
            "reasons": "职工业余学习需要场所。",
            "proposals": "在二号楼设立职工书屋。",
            "category": "welfare",
        },
    )


@recipe("motions_get")
def _(client, world):
    sc = scene(client, world, proposer_username="member.u01")
    advance(client, world, sc, "draft")
    return Call("member", "U01", "GET", sc.path)


def _motion_call(role: str, status: str, method: str, suffix: str, body, *, actor: str = "proposer"):
    """A motion brought to ``status``; the call is made by ``role`` at U01 (``member.u01`` = ``actor``)."""

    def make(client, world):
        sc = scene(client, world, proposer_username="member.u01" if actor == "proposer" else "rep.proposer")
        if actor == "c3":  # a third representative who has not signed yet
            member_user(world, make_member(world, "U01-B02"), "member.u01")
        elif actor == "c1":
            member_user(world, sc.cosigners[0], "member.u01")
            sc.headers["c1"] = world.headers("member.u01")
        advance(client, world, sc, status)
        if status == "draft" and actor == "c1":
            act(client, sc, "POST", "/cosignatures", sc.headers["c1"])
        caller = world.as_role(role, "U01")
        tag = etag_of(client, sc.path, caller)
        return Call(role, "U01", method, sc.path + suffix, json=body, headers={"If-Match": tag})

    return make


RECIPES["motions_update"] = _motion_call("member", "draft", "PATCH", "", {"category": "welfare"})
RECIPES["motions_cosign"] = _motion_call("member", "draft", "POST", "/cosignatures", None, actor="c3")
RECIPES["motions_cosign_withdraw"] = _motion_call(
    "member", "draft", "DELETE", "/cosignatures", None, actor="c1"
)
RECIPES["motions_review"] = _motion_call("chair", "submitted", "POST", "/review", {"decision": "register"})
RECIPES["motions_rate"] = _motion_call("member", "answered", "POST", "/ratings", {"rating": "satisfied"})


@recipe("motions_submit")
def _(client, world):
    sc = scene(client, world, proposer_username="member.u01")
    advance(client, world, sc, "draft")
    act(client, sc, "POST", "/cosignatures", sc.headers["c1"])
    act(client, sc, "POST", "/cosignatures", sc.headers["c2"])
    tag = etag_of(client, sc.path, sc.headers["proposer"])
    return Call("member", "U01", "POST", f"{sc.path}/submit", json={}, headers={"If-Match": tag})


@recipe("motions_assign")
def _(client, world):
    sc = scene(client, world)
    advance(client, world, sc, "registered")
    tag = etag_of(client, sc.path, world.as_role("officer", "U01"))
    return Call(
        "officer",
        "U01",
        "POST",
        f"{sc.path}/assign",
        json={"lead_department_id": sc.lead["id"]},
        headers={"If-Match": tag},
    )


@recipe("motions_reply")
def _(client, world):
    sc = scene(client, world)
    world.as_role("handler", "U01")  # the cached handler.u01, attached to the lead department
    attach(world, sc.lead["id"], "handler.u01")
    advance(client, world, sc, "assigned")
    tag = etag_of(client, sc.path, world.as_role("handler", "U01"))
    return Call(
        "handler",
        "U01",
        "POST",
        f"{sc.path}/reply",
        json={"text": "已落实。", "outcome_class": "A"},
        headers={"If-Match": tag},
    )


@recipe("motions_timeline")
def _(client, world):
    sc = scene(client, world)
    advance(client, world, sc, "submitted")
    return Call("auditor", "U01", "GET", f"{sc.path}/timeline")


@recipe("tasks_list")
def _(client, world):
    return Call("treasurer", "U01", "GET", "/api/v1/me/tasks")
