"""Small factories for member tests and the permission-matrix recipes (plain functions, no fixtures)."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from typing import Any

from api.rules.resident_id import compute_check_char

_seq = itertools.count(1)


def resident_id(
    n: int | None = None, *, gender: str = "male", region: str = "110105", birth: date | None = None
) -> str:
    """A valid GB 11643 number, different for each ``n`` (a fresh one when ``n`` is None)."""
    n = next(_seq) if n is None else n
    born = birth or date(1960, 1, 1) + timedelta(days=n // 100)
    first17 = f"{region}{born:%Y%m%d}{n % 100:02d}{1 if gender == 'male' else 2}"
    return first17 + compute_check_char(first17)


def payload(world: Any, unit: str = "U01-B01", **overrides: Any) -> dict[str, Any]:
    n = next(_seq)
    body: dict[str, Any] = {
        "employee_no": f"E{n:05d}",
        "name": f"会员{n}",
        "national_id": resident_id(n),
        "phone": f"138{n:08d}",
        "org_unit_id": str(world.units[unit].id),
        "join_date": "2020-05-01",
        "monthly_wage_fen": 650000,
    }
    body.update(overrides)
    return body


def officer_for(world: Any, unit: str) -> dict[str, str]:
    """An officer of the grassroots union that ``unit`` belongs to (U01 for U01-B01)."""
    return world.as_role("officer", unit.split("-")[0])


def create_member(client: Any, world: Any, unit: str = "U01-B01", **overrides: Any) -> dict[str, Any]:
    """Create a member through the API as an officer of the unit's union; returns the body plus ``etag``."""
    r = client.post(
        "/api/v1/members", json=payload(world, unit, **overrides), headers=officer_for(world, unit)
    )
    assert r.status_code == 201, r.text
    return {**r.json(), "etag": r.headers["ETag"]}


def link_member_user(world: Any, username: str, member_id: str, unit: str = "U01") -> None:
    """Make ``username`` (role member at ``unit``) the account of member ``member_id``."""
    import uuid

    from api.db.models import User

    if username not in world.users:
        world.user(username, ("member", unit), member_id=uuid.UUID(member_id))
        return
    with world.db.write_session() as s:
        user = s.get(User, world.users[username].id)
        user.member_id = uuid.UUID(member_id)
        s.commit()


def expel(client: Any, world: Any, member: dict[str, Any], *, unit: str = "U01") -> dict[str, Any]:
    """Expel an active member through both steps of 章程 Art 7 (officer proposes, chair decides)."""
    r = client.post(
        "/api/v1/member-expulsions",
        json={
            "member_id": member["id"],
            "ground": "criminal_penalty",
            "reference": "（2026）京0105刑初1号",
            "penalty_on": "2026-01-05",
            "group_meeting_on": date.today().isoformat(),
            "proposal": "工会小组讨论，建议开除会籍",
        },
        headers=world.as_role("officer", unit),
    )
    assert r.status_code == 201, r.text
    r = client.post(
        f"/api/v1/member-expulsions/{r.json()['id']}/decide",
        json={"decision": "expel", "reasons": "基层委员会决定开除会籍"},
        headers={**world.as_role("chair", unit), "If-Match": r.headers["ETag"]},
    )
    assert r.status_code == 200, r.text
    got = client.get(f"/api/v1/members/{member['id']}", headers=world.as_role("officer", unit))
    return {**got.json(), "etag": got.headers["ETag"]}
