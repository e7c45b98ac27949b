"""Membership transfers (会籍接转), docs/rules.md §1 Transfer; 全总 2000 暂行规定 items 3-7.

The sending union releases the member (``transfer_out``: active -> transfer_pending); the member stays
registered with the sending unit until the receiving union registers them (``transfer_in``) or the
transfer ends without a move (``transfer_back``: refused by the receiver or cancelled by the sender).

Either side sees the transfer; the receiving side sees only the transferred member's identification
(name, masked ID, member number, gender, birth date) and nothing else of the sending union.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from api.db.models import Member, MemberEvent, MemberTransfer, OrgUnit
from api.db.types import utcnow
from api.errors import Conflict, Forbidden, NotFound, RuleViolation
from api.i18n import _, register
from api.schemas.members import MemberEventKind
from api.schemas.transfers import (
    TransferAccept,
    TransferCancel,
    TransferCreate,
    TransferDirection,
    TransferOut,
    TransferRefuse,
    TransferStatus,
)
from api.security.masking import coarse_birth, coarse_masked
from api.security.principal import Principal
from api.services import audit, changes, member_core
from api.services.concurrency import expect_version
from api.services.member_core import LifecycleAction, MemberStatus
from api.services.pagination import keyset
from api.services.scope import in_scope, unit_within

register(
    {
        "transfer_not_pending": _("The transfer is no longer pending (it is {current})."),
        "transfer_already_pending": _("The member already has a pending transfer."),
        "transfer_same_unit": _("The member already belongs to this unit."),
        "transfer_unit_not_in_union": _("The receiving unit is not inside a grassroots union."),
        "transfer_receiving_side_only": _("Only the receiving union can accept or refuse this transfer."),
        "transfer_sending_side_only": _("Only the sending union can cancel this transfer."),
    }
)

#: error codes shared with the member records area (registered in api.services.members): an illegal
#: lifecycle step (409, ``current`` names the member's state), an employee number already used in a
#: union, and the dating rules of every lifecycle step
ILLEGAL_TRANSITION = "member_illegal_transition"
EMPLOYEE_NO_TAKEN = "member_employee_no_taken"
DATE_IN_FUTURE = "member_date_in_future"
BEFORE_LAST = "member_effective_before_last"

TRANSFER_PERMISSION = "members.transfer"


def _transfer_scope(principal: Principal, roots: Sequence[uuid.UUID] | None = None) -> sa.ColumnElement[bool]:
    """A transfer is visible to either side: its sending or its receiving unit is in scope."""
    roots = principal.units_for() if roots is None else roots
    return sa.or_(
        in_scope(col(MemberTransfer.from_unit_id), roots), in_scope(col(MemberTransfer.to_unit_id), roots)
    )


def get_in_scope(session: Session, transfer_id: uuid.UUID, principal: Principal) -> MemberTransfer:
    transfer = session.exec(
        select(MemberTransfer).where(MemberTransfer.id == transfer_id, _transfer_scope(principal))
    ).first()
    if transfer is None:
        raise NotFound()
    return transfer


def list_transfers(
    session: Session,
    principal: Principal,
    *,
    limit: int,
    cursor: str | None,
    direction: TransferDirection | None = None,
    status: TransferStatus | None = None,
    member_id: uuid.UUID | None = None,
) -> tuple[list[TransferOut], str | None]:
    roots = principal.units_for()
    stmt = select(MemberTransfer)
    if direction is TransferDirection.incoming:
        stmt = stmt.where(in_scope(col(MemberTransfer.to_unit_id), roots))
    elif direction is TransferDirection.outgoing:
        stmt = stmt.where(in_scope(col(MemberTransfer.from_unit_id), roots))
    else:
        stmt = stmt.where(_transfer_scope(principal, roots))
    if status is not None:
        stmt = stmt.where(MemberTransfer.status == status.value)
    if member_id is not None:
        stmt = stmt.where(MemberTransfer.member_id == member_id)
    rows, next_cursor = keyset(
        session, stmt, keys=[col(MemberTransfer.id)], limit=limit, cursor=cursor, descending=True
    )
    return present(session, rows), next_cursor


def _coarse(member: dict[str, Any]) -> dict[str, Any]:
    """What both unions see of the member: the last 4 of the ID and the birth year (api.security.masking)."""
    birth = member.pop("birth_date")
    return {
        **member,
        "national_id_masked": coarse_masked(member["national_id_masked"]),
        "birth_year": coarse_birth(birth),
    }


def present(session: Session, transfers: Sequence[MemberTransfer]) -> list[TransferOut]:
    """Transfers with their member summary and both units, loaded in two queries (no N+1)."""
    if not transfers:
        return []
    member_ids = {t.member_id for t in transfers}
    unit_ids = {t.from_unit_id for t in transfers} | {t.to_unit_id for t in transfers}
    members = {
        row.id: row
        for row in session.execute(
            sa.select(
                col(Member.id),
                col(Member.member_no),
                col(Member.name),
                col(Member.national_id_masked),
                col(Member.gender),
                col(Member.birth_date),
            ).where(col(Member.id).in_(member_ids))
        )
    }
    units = {
        row.id: row
        for row in session.execute(
            select(col(OrgUnit.id), col(OrgUnit.code), col(OrgUnit.name)).where(col(OrgUnit.id).in_(unit_ids))
        )
    }
    return [
        TransferOut(
            id=t.id,
            member=_coarse(members[t.member_id]._asdict()),
            from_unit=units[t.from_unit_id]._asdict(),
            to_unit=units[t.to_unit_id]._asdict(),
            status=TransferStatus(t.status),
            reason=t.reason,
            decision_reason=t.decision_reason,
            refusal_ground=t.refusal_ground,
            effective_on=t.effective_on,
            requested_at=t.requested_at,
            decided_at=t.decided_at,
            version=t.version,
        )
        for t in transfers
    ]


def _receiving_unit(
    session: Session, unit_id: uuid.UUID, *, field: str = "to_unit_id"
) -> tuple[OrgUnit, OrgUnit]:
    """The receiving unit and its grassroots union. It may lie outside the caller's scope (transfers
    run across unions), but it must exist, be open and belong to a grassroots union."""
    unit = session.get(OrgUnit, unit_id)
    if unit is None:
        raise RuleViolation("not_found", field=field)
    if unit.status != "active":
        raise RuleViolation("org_unit_closed", field=field, code=unit.code)
    try:
        union = member_core.grassroots_of(session, unit.id)
    except RuleViolation:
        raise RuleViolation("transfer_unit_not_in_union", field=field) from None
    return unit, union


def _event(
    member: Member,
    action: LifecycleAction,
    *,
    from_status: str,
    on: date,
    reason: str | None,
    unit_id: uuid.UUID,
    by: Principal,
) -> MemberEvent:
    return MemberEvent(
        member_id=member.id,
        kind=MemberEventKind(action.value),
        from_status=from_status,
        to_status=member_core.TRANSITIONS[action].target.value,
        effective_on=on,
        reason=reason,
        org_unit_id=unit_id,
        actor_id=by.user_id,
    )


def _check_transition(member: Member, action: LifecycleAction) -> None:
    if MemberStatus(member.status) not in member_core.TRANSITIONS[action].source:
        raise Conflict(ILLEGAL_TRANSITION, current=member.status, action=action.value)


def _effective(member: Member, given: date | None) -> date:
    """A step is dated no later than today and not before the member's last status change."""
    on = given or date.today()
    if on > date.today():
        raise RuleViolation(DATE_IN_FUTURE, field="effective_on", value=on.isoformat())
    if member.status_changed_on is not None and on < member.status_changed_on:
        raise RuleViolation(BEFORE_LAST, field="effective_on", last=member.status_changed_on.isoformat())
    return on


def request(session: Session, data: TransferCreate, *, by: Principal) -> MemberTransfer:
    """The sending union releases an active member to another unit (暂行规定 items 3-4).

    The member must be in the caller's scope; the receiving unit need not be. Until the receiving
    union accepts, the member stays with the sending unit in status ``transfer_pending``.
    """
    member = member_core.referenced_member(session, data.member_id, by.units_for())
    pending = session.exec(
        select(MemberTransfer.id).where(
            MemberTransfer.member_id == member.id, MemberTransfer.status == TransferStatus.pending.value
        )
    ).first()
    if pending is not None:
        raise Conflict("transfer_already_pending", transfer_id=str(pending))
    _check_transition(member, LifecycleAction.transfer_out)
    to_unit, _ = _receiving_unit(session, data.to_unit_id)
    if to_unit.id == member.org_unit_id:
        raise RuleViolation("transfer_same_unit", field="to_unit_id")

    on = _effective(member, data.effective_on)
    from_status = member.status
    transfer = MemberTransfer(
        member_id=member.id,
        from_unit_id=member.org_unit_id,
        to_unit_id=to_unit.id,
        reason=data.reason,
        effective_on=on,
        requested_by_id=by.user_id,
    )
    member.status = MemberStatus.transfer_pending.value
    member.status_reason = data.reason
    member.status_changed_on = on
    member.updated_at = utcnow()
    session.add(transfer)
    session.add(
        _event(
            member,
            LifecycleAction.transfer_out,
            from_status=from_status,
            on=on,
            reason=data.reason,
            unit_id=member.org_unit_id,
            by=by,
        )
    )
    session.flush()
    changes.record(
        session, "member", member.id, "status_changed", org_unit_id=member.org_unit_id, version=member.version
    )
    audit.record(
        session,
        by,
        "member.transfer_requested",
        entity_type="member",
        entity_id=member.id,
        org_unit_id=member.org_unit_id,
        changes={
            "before": {"status": from_status},
            "after": {"status": member.status},
            "transfer_id": transfer.id,
            "to_unit_id": to_unit.id,
            "reason": data.reason,
            "effective_on": on,
        },
    )
    session.commit()
    return transfer


def _expect_pending(transfer: MemberTransfer, version: int) -> None:
    if transfer.status != TransferStatus.pending:
        raise Conflict("transfer_not_pending", current=transfer.status)
    expect_version(transfer, version)


def _side(session: Session, transfer: MemberTransfer, by: Principal, *, receiving: bool) -> None:
    """Accept and refuse belong to the receiving union, cancel to the sending one."""
    unit_id = transfer.to_unit_id if receiving else transfer.from_unit_id
    if not unit_within(session, unit_id, by.units_for(TRANSFER_PERMISSION)):
        raise Forbidden("transfer_receiving_side_only" if receiving else "transfer_sending_side_only")


def accept(
    session: Session, transfer: MemberTransfer, data: TransferAccept, *, version: int, by: Principal
) -> MemberTransfer:
    """The receiving union registers the member (暂行规定 items 5-6).

    The member moves to the receiving unit. Entering another grassroots union gives a new member
    number of that union (member numbers are per union; the old one is kept in the event and the
    audit trail) and the employee number must be free there.
    """
    _expect_pending(transfer, version)
    _side(session, transfer, by, receiving=True)
    member = session.get_one(Member, transfer.member_id)
    _check_transition(member, LifecycleAction.transfer_in)
    to_unit, union = _receiving_unit(session, transfer.to_unit_id, field="to_unit_id")

    before = audit.snapshot(
        member,
        ("org_unit_id", "grassroots_unit_id", "member_no", "employee_no", "status", "is_representative"),
    )
    old_unit_id = member.org_unit_id
    on = _effective(member, data.effective_on)
    employee_no = data.employee_no or member.employee_no
    if union.id != member.grassroots_unit_id or employee_no != member.employee_no:
        taken = session.exec(
            select(Member.id).where(
                Member.grassroots_unit_id == union.id,
                Member.employee_no == employee_no,
                Member.id != member.id,
            )
        ).first()
        if taken is not None:
            raise Conflict(EMPLOYEE_NO_TAKEN, value=employee_no)
    if union.id != member.grassroots_unit_id:
        member.member_no = member_core.allocate_member_numbers(session, union)[0]
        # a representative was elected by the old union's members; the new union has its own
        member.is_representative = False
    member.org_unit_id = to_unit.id
    member.grassroots_unit_id = union.id
    member.employee_no = employee_no
    member.status = MemberStatus.active.value
    member.status_changed_on = on
    member.status_reason = transfer.reason
    member.updated_at = utcnow()
    note = (
        f"会籍接转 {before['member_no']} -> {member.member_no}"
        if member.member_no != before["member_no"]
        else None
    )
    session.add(
        _event(
            member,
            LifecycleAction.transfer_in,
            from_status=before["status"],
            on=on,
            reason="; ".join(x for x in (transfer.reason, note) if x)[:500],
            unit_id=to_unit.id,
            by=by,
        )
    )
    transfer.status = TransferStatus.accepted.value
    transfer.decided_by_id = by.user_id
    transfer.decided_at = utcnow()
    try:
        session.flush()
    except IntegrityError:  # a concurrent registration took the employee number first
        session.rollback()
        raise Conflict(EMPLOYEE_NO_TAKEN, value=employee_no) from None
    for unit_id in (old_unit_id, to_unit.id):  # the sender's feed loses the member, the receiver's gains them
        changes.record(
            session, "member", member.id, "transferred", org_unit_id=unit_id, version=member.version
        )
    change_set = audit.diff(before, audit.snapshot(member, tuple(before)))
    change_set.update(transfer_id=transfer.id, effective_on=on)
    audit.record(
        session,
        by,
        "member.transfer_accepted",
        entity_type="member",
        entity_id=member.id,
        org_unit_id=to_unit.id,
        changes=change_set,
    )
    session.commit()
    return transfer


def _back(
    session: Session,
    transfer: MemberTransfer,
    *,
    status: TransferStatus,
    reason: str | None,
    by: Principal,
) -> MemberTransfer:
    """The transfer ends without a move: the member is active again at the sending unit."""
    member = session.get_one(Member, transfer.member_id)
    from_status = member.status
    transfer.status = status.value
    transfer.decision_reason = reason
    transfer.decided_by_id = by.user_id
    transfer.decided_at = utcnow()
    # The member may have left the pending state meanwhile (e.g. died); then only the transfer closes.
    moved = member.status == MemberStatus.transfer_pending
    if moved:
        today = max(date.today(), member.status_changed_on or date.today())
        member.status = MemberStatus.active.value
        member.status_changed_on = today
        member.status_reason = reason
        member.updated_at = utcnow()
        session.add(
            _event(
                member,
                LifecycleAction.transfer_back,
                from_status=from_status,
                on=today,
                reason=reason,
                unit_id=member.org_unit_id,
                by=by,
            )
        )
    session.flush()
    if moved:
        changes.record(
            session,
            "member",
            member.id,
            "status_changed",
            org_unit_id=member.org_unit_id,
            version=member.version,
        )
    audit.record(
        session,
        by,
        f"member.transfer_{status.value}",
        entity_type="member",
        entity_id=member.id,
        org_unit_id=transfer.from_unit_id,
        changes={
            "before": {"status": from_status},
            "after": {"status": member.status},
            "transfer_id": transfer.id,
            "reason": reason,
            "ground": transfer.refusal_ground,
        },
    )
    session.commit()
    return transfer


def refuse(
    session: Session, transfer: MemberTransfer, data: TransferRefuse, *, version: int, by: Principal
) -> MemberTransfer:
    """The receiving union must register a transferring member (暂行规定 items 3-7); it declines only on
    an allowed ground (``RefusalGround``), stated with the facts and audited."""
    _expect_pending(transfer, version)
    _side(session, transfer, by, receiving=True)
    transfer.refusal_ground = data.ground.value
    return _back(session, transfer, status=TransferStatus.refused, reason=data.reason, by=by)


def cancel(
    session: Session, transfer: MemberTransfer, data: TransferCancel, *, version: int, by: Principal
) -> MemberTransfer:
    """The sending union withdraws its release before the receiving union decides."""
    _expect_pending(transfer, version)
    _side(session, transfer, by, receiving=False)
    return _back(session, transfer, status=TransferStatus.cancelled, reason=data.reason, by=by)
