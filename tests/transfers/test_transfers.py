"""Membership transfers (会籍接转): docs/rules.md §1 Transfer; 全总 2000 暂行规定 items 3-7."""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa
from sqlmodel import select

from api.db.models import AuditEvent, ChangeLogEntry, Member, MemberEvent, MemberTransfer

BASE = "/api/v1/member-transfers"


def _start(client, world, member, to="U02-B01", caller=("officer", "U01"), **extra):
    body = {"member_id": str(member.id), "to_unit_id": str(world.units[to].id), "reason": "工作调动", **extra}
    return client.post(BASE, headers=world.as_role(*caller), json=body)


def _decide(client, world, transfer, action, caller, body=None, tag=None):
    headers = {**world.as_role(*caller), "If-Match": tag or f'"{transfer["version"]}"'}
    return client.post(f"{BASE}/{transfer['id']}/{action}", headers=headers, json=body)


def _member(session, member_id):
    session.expire_all()
    return session.get(Member, member_id)


def test_transfer_across_unions(client, world, session, new_member):
    """The sending union releases, the receiving union registers (暂行规定 items 3-6); until then the
    member belongs to the sending unit, and the receiving side sees only this one member's identity."""
    member = new_member("U01-B01", name="张三", employee_no="E100")
    other = new_member("U01-B01", name="李四")
    r = _start(client, world, member)
    assert r.status_code == 201, r.text
    transfer = r.json()
    assert r.headers["Location"] == f"{BASE}/{transfer['id']}"
    assert transfer["status"] == "pending"
    assert transfer["from_unit"]["code"] == "U01-B01" and transfer["to_unit"]["code"] == "U02-B01"
    assert set(transfer["member"]) == {
        "id",
        "member_no",
        "name",
        "national_id_masked",
        "gender",
        "birth_date",
    }
    assert "*" in transfer["member"]["national_id_masked"]
    stored = _member(session, member.id)
    assert stored.status == "transfer_pending" and stored.org_unit_id == world.units["U01-B01"].id

    receiver = world.as_role("officer", "U02")
    # the receiving union cannot read the member record, nor any other member of the sending union
    assert client.get(f"/api/v1/members/{member.id}", headers=receiver).status_code == 404
    assert client.get(f"/api/v1/members/{other.id}", headers=receiver).status_code == 404
    listed = client.get("/api/v1/members", headers=receiver).json()["items"]
    assert {m["id"] for m in listed}.isdisjoint({str(member.id), str(other.id)})
    incoming = client.get(f"{BASE}?direction=incoming", headers=receiver).json()["items"]
    assert [t["id"] for t in incoming] == [transfer["id"]]
    assert incoming[0]["member"]["name"] == "张三"
    assert client.get(f"{BASE}?direction=outgoing", headers=receiver).json()["items"] == []
    seen = client.get(f"{BASE}/{transfer['id']}", headers=receiver)
    assert seen.status_code == 200 and seen.headers["ETag"] == f'"{transfer["version"]}"'

    r = _decide(client, world, transfer, "accept", ("officer", "U02"), {})
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "accepted" and r.json()["decided_at"]
    stored = _member(session, member.id)
    assert stored.status == "active"
    assert stored.org_unit_id == world.units["U02-B01"].id
    assert stored.grassroots_unit_id == world.units["U02"].id
    assert stored.member_no.startswith("U02-") and stored.member_no != member.member_no
    assert stored.employee_no == "E100"

    events = session.exec(
        select(MemberEvent).where(MemberEvent.member_id == member.id).order_by(MemberEvent.created_at)
    ).all()
    assert [(e.kind, e.from_status, e.to_status) for e in events] == [
        ("transfer_out", "active", "transfer_pending"),
        ("transfer_in", "transfer_pending", "active"),
    ]
    assert member.member_no in events[1].reason  # the old member number is kept
    feed = session.exec(
        select(ChangeLogEntry).where(
            ChangeLogEntry.entity_id == member.id, ChangeLogEntry.action == "transferred"
        )
    ).all()
    assert {e.org_unit_id for e in feed} == {world.units["U01-B01"].id, world.units["U02-B01"].id}
    accepted = session.exec(select(AuditEvent).where(AuditEvent.action == "member.transfer_accepted")).one()
    assert accepted.changes["before"]["member_no"] == member.member_no
    assert accepted.changes["after"]["member_no"] == stored.member_no

    # now the member belongs to the receiving union only
    assert client.get(f"/api/v1/members/{member.id}", headers=receiver).status_code == 200
    assert (
        client.get(f"/api/v1/members/{member.id}", headers=world.as_role("officer", "U01")).status_code == 404
    )


def test_move_within_a_union_keeps_the_member_number(client, world, session, new_member):
    member = new_member("U01-B01")
    transfer = _start(client, world, member, to="U01-B02").json()
    r = _decide(client, world, transfer, "accept", ("officer", "U01"))
    assert r.status_code == 200, r.text
    stored = _member(session, member.id)
    assert stored.org_unit_id == world.units["U01-B02"].id and stored.member_no == member.member_no


def test_only_the_receiving_side_accepts_or_refuses_and_only_the_sender_cancels(
    client, world, problem, new_member
):
    member = new_member("U01-B01")
    transfer = _start(client, world, member).json()
    problem(
        _decide(client, world, transfer, "accept", ("officer", "U01")), 403, "transfer_receiving_side_only"
    )
    problem(
        _decide(client, world, transfer, "refuse", ("officer", "U01"), {"reason": "x"}),
        403,
        "transfer_receiving_side_only",
    )
    problem(_decide(client, world, transfer, "cancel", ("officer", "U02")), 403, "transfer_sending_side_only")
    # a third union sees nothing
    world.unit("U03", "grassroots", "ROOT")
    problem(_decide(client, world, transfer, "accept", ("officer", "U03")), 404, "not_found")
    assert client.get(BASE, headers=world.as_role("officer", "U03")).json()["items"] == []


def test_refuse_returns_the_member_to_the_sending_unit(client, world, session, problem, new_member):
    member = new_member("U01-B01")
    transfer = _start(client, world, member).json()
    problem(_decide(client, world, transfer, "refuse", ("officer", "U02"), {}), 422, "validation_failed")
    r = _decide(client, world, transfer, "refuse", ("officer", "U02"), {"reason": "未建立劳动关系"})
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "refused" and r.json()["decision_reason"] == "未建立劳动关系"
    stored = _member(session, member.id)
    assert stored.status == "active" and stored.org_unit_id == world.units["U01-B01"].id
    assert stored.member_no == member.member_no
    kinds = session.exec(select(MemberEvent.kind).where(MemberEvent.member_id == member.id)).all()
    assert sorted(kinds) == ["transfer_back", "transfer_out"]
    body = problem(
        _decide(client, world, r.json(), "accept", ("officer", "U02")), 409, "transfer_not_pending"
    )
    assert body["current"] == "refused"
    assert session.exec(select(AuditEvent).where(AuditEvent.action == "member.transfer_refused")).one()


def test_cancel_by_the_sender(client, world, session, problem, new_member):
    member = new_member("U01-B01")
    transfer = _start(client, world, member).json()
    r = _decide(client, world, transfer, "cancel", ("officer", "U01"))
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "cancelled"
    assert _member(session, member.id).status == "active"
    body = problem(
        _decide(client, world, r.json(), "cancel", ("officer", "U01")), 409, "transfer_not_pending"
    )
    assert body["current"] == "cancelled"
    # the member can be transferred again
    assert _start(client, world, member).status_code == 201


def test_accept_needs_the_current_version(client, world, problem, new_member):
    member = new_member("U01-B01")
    transfer = _start(client, world, member).json()
    headers = world.as_role("officer", "U02")
    problem(client.post(f"{BASE}/{transfer['id']}/accept", headers=headers), 428, "if_match_required")
    problem(
        _decide(client, world, transfer, "accept", ("officer", "U02"), tag='"99"'), 412, "version_mismatch"
    )


def test_only_active_members_can_be_transferred(client, world, problem, new_member):
    """Only active -> transfer pending is a legal step (docs/rules.md §1 States); 409 names the state."""
    retained = new_member("U01-B01", status="retained")
    body = problem(_start(client, world, retained), 409, "member_illegal_transition")
    assert body["current"] == "retained"


def test_one_pending_transfer_per_member(client, world, problem, new_member):
    member = new_member("U01-B01")
    assert _start(client, world, member).status_code == 201
    problem(_start(client, world, member, to="U01-B02"), 409, "transfer_already_pending")


def test_receiving_unit_must_be_an_open_unit_of_a_union(client, world, session, problem, new_member):
    member = new_member("U01-B01")
    body = {"member_id": str(member.id), "reason": "调动"}
    officer = world.as_role("officer", "U01")
    r = client.post(
        BASE, headers=officer, json={**body, "to_unit_id": "00000000-0000-7000-8000-000000000000"}
    )
    assert problem(r, 422, "not_found")["errors"][0]["field"] == "to_unit_id"
    problem(_start(client, world, member, to="ROOT"), 422, "transfer_unit_not_in_union")
    problem(_start(client, world, member, to="U01-B01"), 422, "transfer_same_unit")
    closed = world.unit("U02-B09", "branch", "U02")
    with world.db.write_session() as s:
        s.get(type(closed), closed.id).status = "closed"
        s.commit()
    problem(_start(client, world, member, to="U02-B09"), 422, "org_unit_closed")
    future = (date.today() + timedelta(days=3)).isoformat()
    problem(_start(client, world, member, effective_on=future), 422, "member_date_in_future")
    assert _member(session, member.id).status == "active"


def test_officer_cannot_transfer_another_unions_member(client, world, problem, new_member):
    """Scope: an officer of U02 can neither transfer nor see a transfer inside U01 (issue: scope tests)."""
    member = new_member("U01-B01")
    r = _start(client, world, member, to="U02-B01", caller=("officer", "U02"))
    assert problem(r, 422, "not_found")["errors"][0]["field"] == "member_id"
    transfer = _start(client, world, member, to="U01-B02").json()
    outsider = world.as_role("officer", "U02")
    problem(client.get(f"{BASE}/{transfer['id']}", headers=outsider), 404, "not_found")
    assert client.get(BASE, headers=outsider).json()["items"] == []


def test_treasurer_cannot_transfer(client, world, problem, new_member):
    member = new_member("U01-B01")
    problem(_start(client, world, member, caller=("treasurer", "U01")), 403, "permission_denied")


def test_employee_number_must_be_free_in_the_receiving_union(client, world, session, problem, new_member):
    """Employee numbers are unique per grassroots union: the receiver gives a new one on a clash."""
    new_member("U02-B01", employee_no="E100")
    member = new_member("U01-B01", employee_no="E100")
    transfer = _start(client, world, member).json()
    body = problem(
        _decide(client, world, transfer, "accept", ("officer", "U02")), 409, "member_employee_no_taken"
    )
    assert body["value"] == "E100"
    assert _member(session, member.id).status == "transfer_pending"
    r = _decide(client, world, transfer, "accept", ("officer", "U02"), {"employee_no": "E200"})
    assert r.status_code == 200, r.text
    assert _member(session, member.id).employee_no == "E200"


def test_list_filters_and_pages(client, world, new_member):
    ids = [_start(client, world, new_member("U01-B01")).json()["id"] for _ in range(3)]
    outsider_transfer = _start(
        client, world, new_member("U02-B01"), to="U01-B02", caller=("officer", "U02")
    ).json()
    officer = world.as_role("officer", "U01")
    seen, cursor = [], None
    while True:
        page = client.get(
            BASE, headers=officer, params={"limit": 2, **({"cursor": cursor} if cursor else {})}
        ).json()
        seen += [t["id"] for t in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == sorted([*ids, outsider_transfer["id"]], reverse=True)  # newest first
    incoming = client.get(BASE, headers=officer, params={"direction": "incoming"}).json()["items"]
    assert [t["id"] for t in incoming] == [outsider_transfer["id"]]
    outgoing = client.get(BASE, headers=officer, params={"direction": "outgoing", "status": "pending"}).json()
    assert sorted(t["id"] for t in outgoing["items"]) == sorted(ids)
    assert client.get(BASE, headers=officer, params={"status": "accepted"}).json()["items"] == []


def test_list_queries_do_not_grow_with_the_page(client, world, connection, new_member):
    """No N+1: members and units of a page are loaded with one query each."""
    for _ in range(4):
        _start(client, world, new_member("U01-B01"))
    officer = world.as_role("officer", "U01")
    client.get(BASE, headers=officer)  # warm up

    def count(limit: int) -> int:
        statements: list[str] = []
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        sa.event.listen(connection, "before_cursor_execute", listener)
        try:
            assert client.get(BASE, headers=officer, params={"limit": limit}).status_code == 200
        finally:
            sa.event.remove(connection, "before_cursor_execute", listener)
        return len(statements)

    assert count(1) == count(4)


def test_transfer_row_is_stored(client, world, session, new_member):
    member = new_member("U01-B01")
    _start(client, world, member)
    row = session.exec(select(MemberTransfer).where(MemberTransfer.member_id == member.id)).one()
    assert row.status == "pending" and row.reason == "工作调动" and row.effective_on == date.today()
