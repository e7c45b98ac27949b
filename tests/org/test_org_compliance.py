"""Organisation thresholds (章程 Art 25-26, 30; 女职工委员会工作条例 Art 11) reported over a federation's
subtree, and joint grassroots unions (联合基层工会) as a unit kind."""

from __future__ import annotations

import pytest
from members.factories import create_member, resident_id

import api.rules.org_thresholds as thresholds
from api.rules.org_thresholds import Finding, findings


def _members(client, world, unit, n, *, women=0):
    return [
        create_member(
            client, world, unit, **({"national_id": resident_id(gender="female")} if i < women else {})
        )
        for i in range(n)
    ]


def _facts(client, world, unit, **facts):
    path = f"/api/v1/org-units/{world.units[unit].id}"
    admin = world.as_role("admin", "ROOT")
    tag = client.get(path, headers=admin).headers["ETag"]
    r = client.patch(path, json=facts, headers={**admin, "If-Match": tag})
    assert r.status_code == 200, r.text
    return r.json()


def _report(client, world, unit="ROOT", **params):
    r = client.get(
        f"/api/v1/org-units/{world.units[unit].id}/compliance",
        params=params,
        headers=world.as_role("officer", unit),
    )
    assert r.status_code == 200, r.text
    return {u["code"]: u for u in r.json()["units"]}, r.json()


@pytest.mark.parametrize(
    "members, women, committee, assembly, women_committee, expected",
    [
        (24, 0, False, None, False, []),
        (25, 0, False, None, False, [Finding.committee_missing]),  # 章程 Art 25: 25 members
        (25, 0, True, None, False, []),
        (100, 0, True, "congress", False, [Finding.congress_instead_of_meeting]),  # 章程 Art 26: <= 100
        (101, 0, True, "congress", False, []),
        (100, 0, True, "members_meeting", False, []),
        (30, 10, True, None, False, [Finding.women_committee_missing]),  # 条例 Art 11: 10 women
        (30, 9, True, None, False, []),
        (30, 10, True, None, True, []),
    ],
)
def test_thresholds(members, women, committee, assembly, women_committee, expected):
    """章程 Art 25-26, 30; 女职工委员会工作条例 Art 11: the three thresholds at their edges."""
    assert (
        findings(
            members=members,
            women=women,
            has_committee=committee,
            assembly=assembly,
            has_women_committee=women_committee,
        )
        == expected
    )


def test_federation_report_over_its_subtree(client, world, monkeypatch):
    """The report lists every open grassroots union under the federation with its counts and what the
    thresholds find missing; the facts are recorded on the unit."""
    # the counting is the same at 25 as at 3: lower the thresholds for a small world (the constants
    # themselves are tested above)
    monkeypatch.setattr(thresholds, "COMMITTEE_MIN_MEMBERS", 3)
    monkeypatch.setattr(thresholds, "MEMBERS_MEETING_MAX_MEMBERS", 2)
    monkeypatch.setattr(thresholds, "WOMEN_COMMITTEE_MIN_WOMEN", 2)
    _members(client, world, "U01-B01", 3, women=2)
    _members(client, world, "U02-B01", 1)
    _facts(client, world, "U02", assembly="congress", committee_since="2024-01-01")
    units, body = _report(client, world)
    assert (body["unions"], body["with_findings"]) == (2, 2)
    assert (units["U01"]["members"], units["U01"]["women"]) == (3, 2)
    assert units["U01"]["findings"] == ["committee_missing", "women_committee_missing"]
    assert units["U02"]["findings"] == ["congress_instead_of_meeting"]
    _facts(client, world, "U01", committee_since="2025-03-01", women_committee_since="2025-03-01")
    units, body = _report(client, world, only_findings="true")
    assert list(units) == ["U02"] and body["with_findings"] == 1
    # a union's officer sees only their own union
    units, _ = _report(client, world, "U01")
    assert list(units) == ["U01"]


def test_joint_grassroots_union_registers_members(client, world):
    """docs/rules.md §0: a joint grassroots union (联合基层工会) covers several employers; it is a grassroots
    union for membership (members register with it) and appears in the report."""
    admin = world.as_role("admin", "ROOT")
    r = client.post(
        "/api/v1/org-units",
        json={
            "code": "J01",
            "name": "某街道联合工会",
            "kind": "joint_grassroots",
            "parent_id": str(world.units["ROOT"].id),
            "approval_ref": "总工发〔2026〕4号",
        },
        headers=admin,
    )
    assert r.status_code == 201, r.text
    joint = r.json()["id"]
    b = client.post(
        "/api/v1/org-units",
        json={
            "code": "J01-B1",
            "name": "甲公司分会",
            "kind": "branch",
            "parent_id": joint,
            "approval_ref": "总工发〔2026〕5号",
        },
        headers=admin,
    )
    assert b.status_code == 201, b.text
    world.user("officer.j01", ("officer", "ROOT"))
    m = client.post(
        "/api/v1/members",
        json={
            "employee_no": "J0001",
            "name": "王五",
            "national_id": "11010519491231002X",
            "org_unit_id": b.json()["id"],
            "join_date": "2024-01-01",
        },
        headers=world.headers("officer.j01"),
    )
    assert m.status_code == 201, m.text
    assert m.json()["grassroots_unit_id"] == joint
    units, _ = _report(client, world)
    assert units["J01"]["kind"] == "joint_grassroots" and units["J01"]["members"] == 1
