"""全总 2000 暂行规定 items 3-7: the receiving union must register a transferring member; it refuses
only on an allowed ground, stated and audited."""

from __future__ import annotations

from members.factories import create_member
from sqlmodel import select

from api.db.models import AuditEvent


def _start(client, world, member):
    r = client.post(
        "/api/v1/member-transfers",
        json={"member_id": member["id"], "to_unit_id": str(world.units["U02-B01"].id), "reason": "调动"},
        headers=world.as_role("officer", "U01"),
    )
    assert r.status_code == 201, r.text
    return r


def _refuse(client, world, transfer, body):
    return client.post(
        f"/api/v1/member-transfers/{transfer.json()['id']}/refuse",
        json=body,
        headers={**world.as_role("officer", "U02"), "If-Match": transfer.headers["ETag"]},
    )


def test_refusal_needs_an_allowed_ground_stated_and_audited(client, world, session, problem):
    t = _start(client, world, create_member(client, world))
    problem(_refuse(client, world, t, {"reason": "不想接收"}), 422, "validation_failed")
    problem(_refuse(client, world, t, {"ground": "no_quota", "reason": "名额已满"}), 422, "validation_failed")
    r = _refuse(client, world, t, {"ground": "not_employed", "reason": "该职工未与本单位建立劳动关系"})
    assert r.status_code == 200, r.text
    assert (r.json()["refusal_ground"], r.json()["decision_reason"]) == (
        "not_employed",
        "该职工未与本单位建立劳动关系",
    )
    session.expire_all()
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "member.transfer_refused")).one()
    assert event.changes["ground"] == "not_employed"
