"""Factories for the aid tests and the permission-matrix recipes (plain functions, no fixtures).

Members are inserted through the ORM (motions/factories.py); everything else goes through the API as
the role that would do it. Officers ``off.a`` and ``off.b`` (both at U01) stand for the two different
people that separation of duties needs; ``chair.u01`` approves, ``treasurer.u01`` pays.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from motions.factories import make_member, member_user

from api.db.models import AidNotice, Member
from api.services.aid import common

AID = "/api/v1/aid"
REGION = "310000"
DIBAO_FEN = 142_000  # 1,420 yuan a month (the Shanghai standard from July 2024)
ACCOUNT = "6222020200112233445"


def officer(world: Any, name: str = "off.a", unit: str = "U01") -> dict[str, str]:
    if name not in world.users:
        world.user(name, ("officer", unit))
    return world.headers(name)


def chair(world: Any, unit: str = "U01") -> dict[str, str]:
    return world.as_role("chair", unit)


def treasurer(world: Any, unit: str = "U01") -> dict[str, str]:
    return world.as_role("treasurer", unit)


def dibao(client: Any, world: Any, *, monthly_fen: int = DIBAO_FEN, effective_on: str = "2024-07-01") -> None:
    r = client.post(
        f"{AID}/dibao-standards",
        json={
            "region_code": REGION,
            "region_name": "上海市",
            "monthly_fen": monthly_fen,
            "effective_on": effective_on,
        },
        headers=officer(world),
    )
    assert r.status_code in (201, 409), r.text


def household_body(member: Member, **fields: Any) -> dict[str, Any]:
    """Three people, 36,000 yuan a year, 6,000 yuan medical costs: (36,000 - 6,000) / 12 / 3 = 833.33
    yuan a month, below 1x the 低保 of 1,420: deep hardship."""
    body: dict[str, Any] = {
        "member_id": str(member.id),
        "region_code": REGION,
        "people": [
            {"name": member.name, "relation": "本人", "annual_income_fen": 2_400_000},
            {"name": "王芳", "relation": "配偶", "annual_income_fen": 1_200_000},
            {"name": "张小明", "relation": "子女", "annual_income_fen": 0},
        ],
        "expenses": [{"kind": "medical", "annual_fen": 600_000, "note": "配偶慢性病"}],
        "causes": ["illness"],
        "bank_name": "工商银行上海分行",
        "bank_account": ACCOUNT,
        "account_holder": member.name,
        "consent_signed_on": "2026-01-05",
    }
    body.update(fields)
    return body


@dataclass
class Thing:
    """A household file or an application followed through the API, keeping its latest body."""

    path: str
    body: dict[str, Any] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return self.body["id"]


def read(client: Any, thing: Thing, headers: dict[str, str]) -> str:
    r = client.get(thing.path, headers=headers)
    assert r.status_code == 200, r.text
    thing.body = r.json()
    return r.headers["ETag"]


def act(
    client: Any,
    thing: Thing,
    step: str,
    headers: dict[str, str],
    json: Any = None,
    expect: int = 200,
    reader: dict[str, str] | None = None,
) -> Any:
    """POST a workflow step with the current ETag (read as ``reader``, default the actor)."""
    tag = read(client, thing, reader or headers)
    r = client.post(f"{thing.path}/{step}", json=json, headers={**headers, "If-Match": tag})
    assert r.status_code == expect, r.text
    if r.status_code == 200:
        thing.body = r.json()
    return r


def open_household(client: Any, world: Any, member: Member | None = None, **fields: Any) -> Thing:
    dibao(client, world)
    member = member or make_member(world, "U01-B01", name="张三丰", representative=False)
    r = client.post(
        f"{AID}/households", json=household_body(member, **fields), headers=officer(world, "off.a")
    )
    assert r.status_code == 201, r.text
    return Thing(f"{AID}/households/{r.json()['id']}", r.json())


def end_notice(world: Any, notice_id: str) -> None:
    """Let a notice's period lie in the past (the matrix recipes cannot wait 5 working days)."""
    with world.db.write_session() as s:
        notice = s.get(AidNotice, uuid.UUID(notice_id))
        today = common.today()  # the service's clock (tests may set it)
        notice.starts_on = today - timedelta(days=20)
        notice.ends_on = today - timedelta(days=10)
        s.commit()


def household_to(client: Any, world: Any, to: str, member: Member | None = None, **fields: Any) -> Thing:
    """A household file taken along the happy path up to ``to`` (in_notice: notice running)."""
    h = open_household(client, world, member, **fields)
    if to == "applied":
        return h
    a, b = officer(world, "off.a"), officer(world, "off.b")
    steps = [
        ("screened", lambda: act(client, h, "screen", b, {"outcome": "pass"})),
        (
            "visited",
            lambda: act(
                client,
                h,
                "visit",
                a,
                {
                    "visited_on": "2026-01-20",
                    "visitors": "李干事、王干事",
                    "findings": "住房简陋，配偶长期服药。",
                },
            ),
        ),
        ("verified", lambda: act(client, h, "verify", b, {})),
        ("in_notice", lambda: act(client, h, "notice", a)),
        (
            "filed",
            lambda: (
                end_notice(world, h.body["notice_id"]),
                act(client, h, "decision", chair(world), {"decision": "approve"}, reader=a),
            ),
        ),
    ]
    for status, run in steps:
        run()
        assert h.body["status"] == status, h.body
        if status == to:
            break
    return h


def programme(client: Any, world: Any, unit: str = "U01", **fields: Any) -> dict[str, Any]:
    today = common.today()
    body = {
        "org_unit_id": str(world.units[unit].id),
        "code": f"p-{uuid.uuid4().hex[:8]}",
        "name": "日常救助",
        "kind": "relief_daily",
        "starts_on": (today - timedelta(days=30)).isoformat(),
        "ends_on": (today + timedelta(days=30)).isoformat(),
        "cap_fen": 200_000,
        "yearly_cap_fen": 300_000,
        "eligible_categories": ["deep", "relative", "accident"],
        "notice_required": False,
        "budget_category_code": "rights.hardship_aid",
    }
    body.update(fields)
    r = client.post(f"{AID}/programmes", json=body, headers=officer(world))
    assert r.status_code == 201, r.text
    return r.json()


def jinqiu(client: Any, world: Any, **fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "金秋助学",
        "kind": "education",
        "cap_fen": None,
        "yearly_cap_fen": None,
        "tiers": {
            "university": {"filed": 500_000, "other": 400_000},
            "senior_high": {"filed": 300_000, "other": 200_000},
        },
        "eligible_categories": ["deep", "relative", "accident", "none"],
    }
    return programme(client, world, **{**body, **fields})


def apply(
    client: Any, world: Any, prog: dict[str, Any], member: Member, expect: int = 201, **fields: Any
) -> Any:
    body = {"programme_id": prog["id"], "member_id": str(member.id), "reason": "家庭困难", **fields}
    r = client.post(f"{AID}/applications", json=body, headers=officer(world, "off.a"))
    assert r.status_code == expect, r.text
    return r


def application_to(
    client: Any, world: Any, to: str, prog: dict[str, Any], member: Member, **fields: Any
) -> Thing:
    """An application taken along the happy path up to ``to`` (approved: notice ended first)."""
    r = apply(client, world, prog, member, **fields)
    app = Thing(f"{AID}/applications/{r.json()['id']}", r.json())
    a, b = officer(world, "off.a"), officer(world, "off.b")
    if to == "submitted":
        return app
    act(client, app, "screen", b, {"outcome": "pass"})
    if to == "screened":
        return app
    if prog["notice_required"]:
        act(client, app, "notice", a)
        if to == "in_notice":
            return app
        end_notice(world, app.body["notice_id"])
    act(client, app, "decision", chair(world), {"decision": "approve"}, reader=a)
    assert app.body["status"] == "approved"
    return app


def student_id(n: int = 1) -> str:
    from api.rules.resident_id import compute_check_char

    first17 = f"310104200805{n:02d}{n % 10}{n % 10}1"
    return first17 + compute_check_char(first17)


__all__ = ["make_member", "member_user"]
