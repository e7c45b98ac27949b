"""Factories for the motion tests and the permission-matrix recipes (plain functions, no fixtures).

Members are inserted through the ORM (valid resident IDs, protected as the service stores them);
everything else goes through the API as the role that would do it.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import factories

from api.db.models import DepartmentHandler, Member

_seq = itertools.count(1)

CONGRESSES = "/api/v1/congresses"
DEPARTMENTS = "/api/v1/departments"
MOTIONS = "/api/v1/motions"


def make_member(
    world: Any,
    unit: str = "U01-B01",
    *,
    representative: bool = True,
    status: str = "active",
    name: str | None = None,
) -> Member:
    """A member for motion tests (tests/factories.make_member): a representative unless told otherwise."""
    n = next(_seq)
    return factories.make_member(
        world,
        unit,
        name=name or f"代表{n}",
        employee_no=f"M{n:06d}",
        status=status,
        join_date=date(2015, 3, 1),
        wage_fen=None,
        phone=None,
        representative=representative,
    )


def member_user(world: Any, member: Member, username: str, unit: str = "U01") -> dict[str, str]:
    """Headers of a member account (role ``member`` at ``unit``) linked to ``member``.

    ``username`` ``member.u01`` makes ``world.as_role("member", "U01")`` act as this member.
    """
    return factories.link_member_user(world, username, member.id, unit)


def etag_of(client: Any, path: str, headers: dict[str, str]) -> str:
    r = client.get(path, headers=headers)
    assert r.status_code == 200, r.text
    return r.headers["ETag"]


def make_congress(
    client: Any, world: Any, unit: str = "U01", *, opening_on: date | None = None, **fields: Any
) -> dict[str, Any]:
    body = {
        "org_unit_id": str(world.units[unit].id),
        "name": "第五届第三次职工代表大会",
        "opening_on": (opening_on or date.today() + timedelta(days=60)).isoformat(),
        **fields,
    }
    r = client.post(CONGRESSES, json=body, headers=world.as_role("officer", unit))
    assert r.status_code == 201, r.text
    return r.json()


def make_department(
    client: Any, world: Any, name: str, unit: str = "U01", handlers: tuple[str, ...] = ()
) -> dict[str, Any]:
    """A department of ``unit`` with the named users (created with a handler grant at ``unit``) attached."""
    r = client.post(
        DEPARTMENTS,
        json={"org_unit_id": str(world.units[unit].id), "name": name},
        headers=world.as_role("officer", unit),
    )
    assert r.status_code == 201, r.text
    dept = r.json()
    for username in handlers:
        if username not in world.users:
            world.user(username, ("handler", unit))
        attach(world, dept["id"], username)
    return dept


def attach(world: Any, department_id: str, username: str) -> None:
    import uuid

    with world.db.write_session() as s:
        s.add(DepartmentHandler(department_id=uuid.UUID(department_id), user_id=world.users[username].id))
        s.commit()


def handler_headers(world: Any, username: str) -> dict[str, str]:
    return world.headers(username)


@dataclass
class Scene:
    """One congress at U01 with a proposer, two co-signers (member accounts) and two departments."""

    congress: dict[str, Any]
    proposer: Member
    cosigners: list[Member]
    headers: dict[str, dict[str, str]]
    lead: dict[str, Any]
    co: dict[str, Any]
    motion: dict[str, Any] = field(default_factory=dict)

    @property
    def path(self) -> str:
        return f"{MOTIONS}/{self.motion['id']}"


def scene(
    client: Any,
    world: Any,
    *,
    proposer_username: str = "rep.proposer",
    opening_on: date | None = None,
    **congress_fields: Any,
) -> Scene:
    congress = make_congress(client, world, opening_on=opening_on, **congress_fields)
    proposer = make_member(world, "U01-B01", name="张提案")
    cosigners = [make_member(world, "U01-B01", name="李附议"), make_member(world, "U01-B02", name="王附议")]
    headers = {
        "proposer": member_user(world, proposer, proposer_username),
        "c1": member_user(world, cosigners[0], "rep.c1"),
        "c2": member_user(world, cosigners[1], "rep.c2"),
    }
    lead = make_department(client, world, "后勤保障部", handlers=("hdl.lead",))
    co = make_department(client, world, "安全环保部", handlers=("hdl.co",))
    return Scene(congress, proposer, cosigners, headers, lead, co)


def draft(client: Any, sc: Scene, **fields: Any) -> dict[str, Any]:
    body = {
        "congress_id": sc.congress["id"],
        "title": "关于改善一车间夏季防暑降温条件的提案",
        "reasons": "一车间夏季室温超过35度。",
        "proposals": "加装通风降温设备，发放防暑用品。",
        "category": "safety",
        **fields,
    }
    r = client.post(MOTIONS, json=body, headers=sc.headers["proposer"])
    assert r.status_code == 201, r.text
    sc.motion = {**r.json(), "etag": r.headers["ETag"]}
    return sc.motion


def act(
    client: Any,
    sc: Scene,
    method: str,
    suffix: str,
    headers: dict[str, str],
    json: Any = None,
    expect: int = 200,
) -> Any:
    """Send a state-changing request with the motion's current ETag; keep the new one."""
    tag = etag_of(client, sc.path, headers) if method != "GET" else None
    r = client.request(method, sc.path + suffix, json=json, headers={**headers, "If-Match": tag})
    assert r.status_code == expect, r.text
    if r.status_code < 300 and "ETag" in r.headers:
        sc.motion = {**r.json(), "etag": r.headers["ETag"]}
    return r


def advance(client: Any, world: Any, sc: Scene, to: str) -> dict[str, Any]:
    """Take a fresh draft of ``sc`` along the happy path up to status ``to``."""
    order = ["draft", "submitted", "registered", "assigned", "answered", "closed"]
    draft(client, sc)
    steps = {
        "submitted": lambda: (
            act(client, sc, "POST", "/cosignatures", sc.headers["c1"]),
            act(client, sc, "POST", "/cosignatures", sc.headers["c2"]),
            act(client, sc, "POST", "/submit", sc.headers["proposer"], {}),
        ),
        "registered": lambda: act(
            client, sc, "POST", "/review", world.as_role("chair", "U01"), {"decision": "register"}
        ),
        "assigned": lambda: act(
            client,
            sc,
            "POST",
            "/assign",
            world.as_role("officer", "U01"),
            {"lead_department_id": sc.lead["id"], "co_department_ids": [sc.co["id"]]},
        ),
        "answered": lambda: act(
            client,
            sc,
            "POST",
            "/reply",
            world.headers("hdl.lead"),
            {"text": "已加装通风设备。", "outcome_class": "A"},
        ),
        "closed": lambda: act(
            client, sc, "POST", "/ratings", sc.headers["proposer"], {"rating": "satisfied"}
        ),
    }
    for status in order[1 : order.index(to) + 1]:
        steps[status]()
    return sc.motion
