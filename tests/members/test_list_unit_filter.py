"""The list's ``org_unit_id`` filter (docs/architecture.md "Scope"; domain.md §0: a grant covers its
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
