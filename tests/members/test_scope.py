"""Scope (docs/architecture.md "Scope"; docs/rules.md §0: a grant covers its unit's subtree): members
outside the caller's subtrees are not found — listed, read, updated or moved through their lifecycle."""

from __future__ import annotations

from members.factories import payload

BASE = "/api/v1/members"


def test_an_officer_of_one_union_cannot_reach_another_unions_members(client, world, new_member, problem):
    mine, theirs = new_member("U01-B01"), new_member("U02-B01")
    u01 = world.as_role("officer", "U01")
    listed = [m["id"] for m in client.get(BASE, headers=u01).json()["items"]]
    assert listed == [mine["id"]]
    assert (
        client.get(BASE, params={"org_unit_id": str(world.units["U02"].id)}, headers=u01).json()["items"]
        == []
    )
    assert client.get(BASE, params={"q": theirs["member_no"]}, headers=u01).json()["items"] == []
    path = f"{BASE}/{theirs['id']}"
    if_match = {**u01, "If-Match": theirs["etag"]}
    problem(client.get(path, headers=u01), 404, "not_found")
    problem(client.patch(path, json={"name": "改名"}, headers=if_match), 404, "not_found")
    problem(client.post(f"{path}/lifecycle", json={"action": "death"}, headers=if_match), 404, "not_found")
    problem(client.get(f"{path}/events", headers=u01), 404, "not_found")
    problem(client.get(f"{path}/national-id", headers=u01), 404, "not_found")
    problem(client.post(f"{path}/account", headers=u01), 404, "not_found")
    body = problem(client.post(BASE, json=payload(world, "U02-B01"), headers=u01), 422, "not_found")
    assert body["errors"][0]["field"] == "org_unit_id"


def test_a_branch_chair_sees_only_that_branch(client, world, new_member, problem):
    b01, b02 = new_member("U01-B01"), new_member("U01-B02")
    chair = world.as_role("chair", "U01-B01")
    assert [m["id"] for m in client.get(BASE, headers=chair).json()["items"]] == [b01["id"]]
    assert client.get(f"{BASE}/{b01['id']}", headers=chair).status_code == 200
    problem(client.get(f"{BASE}/{b02['id']}", headers=chair), 404, "not_found")
    problem(client.get(f"{BASE}/{b02['id']}/national-id", headers=chair), 404, "not_found")


def test_a_federation_grant_covers_every_union_below(client, world, new_member):
    a, b = new_member("U01-B01"), new_member("U02-B01")
    listed = [m["id"] for m in client.get(BASE, headers=world.as_role("auditor", "ROOT")).json()["items"]]
    assert listed == [a["id"], b["id"]]


def test_treasurer_names_only_within_scope(client, world, new_member, problem):
    a, b = new_member("U01-B01"), new_member("U02-B01")
    treasurer = world.as_role("treasurer", "U02")
    assert [m["id"] for m in client.get(BASE, headers=treasurer).json()["items"]] == [b["id"]]
    problem(client.get(f"{BASE}/{a['id']}", headers=treasurer), 404, "not_found")
