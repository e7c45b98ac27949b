"""The list's ``org_unit_id`` filter (docs/architecture.md "Scope"; docs/rules.md §0: a grant covers its
unit's subtree): a unit inside the caller's scope is filtered by its subtree alone; a unit above or
beside the caller's grants yields only the caller's own subtrees below it (possibly none)."""

from __future__ import annotations

BASE = "/api/v1/members"


def _ids(client, headers, **params):
    r = client.get(BASE, params=params, headers=headers)
    assert r.status_code == 200, r.text
    return [m["id"] for m in r.json()["items"]]


def test_a_unit_inside_the_scope_lists_its_subtree(client, world, new_member):
    a, b, c = new_member("U01-B01"), new_member("U01-B02"), new_member("U02-B01")
    root = world.as_role("auditor", "ROOT")
    assert _ids(client, root, org_unit_id=str(world.units["U01"].id)) == [a["id"], b["id"]]
    assert _ids(client, root, org_unit_id=str(world.units["U01-B02"].id)) == [b["id"]]
    assert _ids(client, root, org_unit_id=str(world.units["U02"].id)) == [c["id"]]
    assert _ids(client, root, org_unit_id=str(world.units["U01"].id), status="retained") == []


def test_a_unit_above_the_scope_lists_only_the_callers_subtree(client, world, new_member):
    a, _ = new_member("U01-B01"), new_member("U01-B02")
    chair = world.as_role("chair", "U01-B01")
    assert _ids(client, chair, org_unit_id=str(world.units["U01"].id)) == [a["id"]]
    assert _ids(client, chair, org_unit_id=str(world.units["ROOT"].id)) == [a["id"]]
    assert _ids(client, chair, org_unit_id=str(world.units["U01-B02"].id)) == []
    assert _ids(client, chair, org_unit_id=str(world.units["U02"].id)) == []


def _walk(client, headers, **params):
    """Every page of the list with ``limit=2``: the ids in order, and each page's size."""
    seen, sizes, cursor = [], [], None
    while True:
        r = client.get(
            BASE, params={**params, "limit": 2, **({"cursor": cursor} if cursor else {})}, headers=headers
        )
        assert r.status_code == 200, r.text
        page = [m["id"] for m in r.json()["items"]]
        seen, sizes, cursor = seen + page, [*sizes, len(page)], r.json()["next_cursor"]
        if not cursor:
            return seen, sizes


def test_pages_of_a_unit_and_status_neither_skip_nor_repeat(client, world, new_member, officer):
    """The list picks each page's ids first (keys first) and then reads those rows: pages of a unit's
    subtree and a status follow registration order, with other units and statuses interleaved."""
    made = [
        new_member(unit)
        for unit in ("U01-B01", "U01-B02", "U02-B01", "U01-B01", "U01-B02", "U01-B01", "U02-B01")
    ]
    retained = {made[1]["id"], made[5]["id"]}
    for m in made:
        if m["id"] in retained:
            client.post(
                f"{BASE}/{m['id']}/lifecycle",
                json={"action": "retain", "reason": "退休"},
                headers={**officer, "If-Match": m["etag"]},
            )
    root = world.as_role("auditor", "ROOT")
    branches = {str(world.units["U01-B01"].id), str(world.units["U01-B02"].id)}
    u01 = [m["id"] for m in made if m["org_unit_id"] in branches]
    active = [i for i in u01 if i not in retained]
    assert _walk(client, root, org_unit_id=str(world.units["U01"].id), status="active") == (active, [2, 1])
    assert _walk(client, root, org_unit_id=str(world.units["U01"].id)) == (u01, [2, 2, 1])
    assert _walk(client, root, status="retained") == ([m["id"] for m in made if m["id"] in retained], [2])
    assert _walk(client, root) == ([m["id"] for m in made], [2, 2, 2, 1])
    # a full page comes with the whole record, as before
    first = client.get(
        BASE, params={"org_unit_id": str(world.units["U01"].id), "status": "active", "limit": 2}, headers=root
    ).json()["items"][0]
    assert (first["view"], first["member_no"], first["status"]) == ("full", made[0]["member_no"], "active")


def test_small_and_large_subtrees_list_the_same_members(client, world, new_member, monkeypatch):
    """PostgreSQL lists a small subtree through ``= ANY(ARRAY(subtree))`` and a large one through
    ``IN (subtree)`` (members.subtree_filter); either way the pages are the same (SQLite always uses
    the second form)."""
    from api.services.members import reading as members

    made = [new_member(unit)["id"] for unit in ("U01-B01", "U02-B01", "U01-B02", "U01-B01", "U01-B02")]
    root = world.as_role("auditor", "ROOT")
    params = {"org_unit_id": str(world.units["U01"].id), "status": "active"}
    expected = ([made[0], made[2], made[3], made[4]], [2, 2])
    for cap in (0, 1_000):
        monkeypatch.setattr(members, "SMALL_SUBTREE_UNITS", cap)
        assert _walk(client, root, **params) == expected, cap
        assert _walk(client, root, org_unit_id=str(world.units["U01-B02"].id)) == ([made[2], made[4]], [2]), (
            cap
        )


def test_list_visibility_per_grant_with_a_unit_filter(client, world, new_member):
    """The list settles visibility from the grants where it can: a caller with names-only over the
    union and member rights over one branch sees that branch in full, with contacts, the rest names only."""
    a, b = new_member("U01-B01", phone="13800000001"), new_member("U01-B02", phone="13800000002")
    world.user("names-and-branch-list", ("treasurer", "U01"), ("officer", "U01-B02"))
    who = world.headers("names-and-branch-list")
    for params in (
        {},
        {"org_unit_id": str(world.units["U01"].id)},
        {"org_unit_id": str(world.units["U01-B02"].id)},
    ):
        items = {i["id"]: i for i in client.get(BASE, params=params, headers=who).json()["items"]}
        if a["id"] in items:
            assert items[a["id"]]["view"] == "names", params
        assert (items[b["id"]]["view"], items[b["id"]]["phone"]) == ("full", "13800000002"), params
    auditor = {
        i["id"]: i
        for i in client.get(
            BASE, params={"org_unit_id": str(world.units["U01"].id)}, headers=world.as_role("auditor", "ROOT")
        ).json()["items"]
    }
    assert [(auditor[m["id"]]["view"], auditor[m["id"]]["phone"]) for m in (a, b)] == [
        ("full", "138****0001"),
        ("full", "138****0002"),
    ]
