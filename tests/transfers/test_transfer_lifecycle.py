"""A pending transfer and the member's other changes (docs/rules.md §1 Transfer and States)."""

from __future__ import annotations

import uuid

from sqlmodel import select

from api.db.models import MemberTransfer

BASE = "/api/v1/member-transfers"


def _start(client, world, member):
    body = {"member_id": str(member.id), "to_unit_id": str(world.units["U02-B01"].id), "reason": "工作调动"}
    r = client.post(BASE, headers=world.as_role("officer", "U01"), json=body)
    assert r.status_code == 201, r.text
    return r.json()


def test_unit_cannot_change_by_patch_while_a_transfer_is_pending(client, world, new_member, problem):
    """The member belongs to the sending unit until the receiving union accepts (暂行规定 items 3-7)."""
    member = new_member("U01-B01")
    _start(client, world, member)
    officer = world.as_role("officer", "U01")
    tag = client.get(f"/api/v1/members/{member.id}", headers=officer).headers["ETag"]
    r = client.patch(
        f"/api/v1/members/{member.id}",
        headers={**officer, "If-Match": tag},
        json={"org_unit_id": str(world.units["U01-B02"].id)},
    )
    body = problem(r, 409, "member_transfer_pending")
    assert body["current"] == "transfer_pending"


def test_death_closes_a_pending_transfer(client, world, new_member, session, problem):
    """Death ends membership (docs/rules.md §1 States), so the receiving union has nothing left to accept."""
    member = new_member("U01-B01")
    transfer = _start(client, world, member)
    officer = world.as_role("officer", "U01")
    tag = client.get(f"/api/v1/members/{member.id}", headers=officer).headers["ETag"]
    r = client.post(
        f"/api/v1/members/{member.id}/lifecycle",
        headers={**officer, "If-Match": tag},
        json={"action": "death"},
    )
    assert r.status_code == 200, r.text
    session.expire_all()
    stored = session.exec(select(MemberTransfer).where(MemberTransfer.id == uuid.UUID(transfer["id"]))).one()
    assert stored.status == "cancelled"
    receiver = {**world.as_role("officer", "U02"), "If-Match": f'"{stored.version}"'}
    problem(
        client.post(f"{BASE}/{transfer['id']}/accept", headers=receiver, json={}), 409, "transfer_not_pending"
    )
