"""Factories for the rationalisation tests and recipes (plain functions)."""

from __future__ import annotations

from typing import Any

from motions.factories import make_department, make_member, member_user

CAMPAIGNS = "/api/v1/rationalisation-campaigns"
PROPOSALS = "/api/v1/rationalisation-proposals"


def worker(world: Any, username: str = "worker.u01", unit: str = "U01-B01") -> tuple[Any, dict[str, str]]:
    """A member who is NOT a congress representative, with a member account."""
    member = make_member(world, unit, representative=False, name="赵职工")
    return member, member_user(world, member, username)


def campaign(client: Any, world: Any, starts_on: str = "2027-01-01", ends_on: str = "2027-12-31") -> dict:
    r = client.post(
        CAMPAIGNS,
        json={
            "org_unit_id": str(world.units["U01"].id),
            "title": "2027年合理化建议征集活动",
            "starts_on": starts_on,
            "ends_on": ends_on,
        },
        headers=world.as_role("officer", "U01"),
    )
    assert r.status_code == 201, r.text
    return r.json()


def submit(client: Any, headers: dict[str, str], campaign_id: str | None = None, expect: int = 201) -> Any:
    r = client.post(
        PROPOSALS,
        json={
            "title": "关于改进包装线换型工艺的建议",
            "problem": "换型一次需要两小时。",
            "proposal": "采用快速换模工装。",
            **({"campaign_id": campaign_id} if campaign_id else {}),
        },
        headers=headers,
    )
    assert r.status_code == expect, r.text
    return r


def department(client: Any, world: Any, handler: str = "hdl.prod") -> dict:
    return make_department(client, world, "生产部", handlers=(handler,))


def step(
    client: Any, proposal: Any, suffix: str, headers: dict[str, str], body: dict, expect: int = 200
) -> Any:
    """POST a step with the proposal's current ETag."""
    path = f"{PROPOSALS}/{proposal.json()['id']}"
    tag = client.get(path, headers=headers).headers.get("ETag", '"1"')
    r = client.post(f"{path}/{suffix}", json=body, headers={**headers, "If-Match": tag})
    assert r.status_code == expect, r.text
    return r
