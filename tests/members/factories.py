"""Members created through the API, for the members area's tests and recipes (plain functions, no fixtures).

Resident IDs and members written directly to the database come from tests/factories.py."""

from __future__ import annotations

import itertools
from typing import Any

from factories import resident_id

_seq = itertools.count(1)


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
