"""Member accounts and self-service: give a member a login, let a member read their own record and
correct their own contact details.
"""

from __future__ import annotations

from sqlmodel import Session, select

from api.db.models import (
    Grant,
    Member,
    User,
)
from api.db.types import utcnow
from api.errors import Conflict, NotFound
from api.schemas.members import (
    MemberAccountIn,
    MemberContactUpdate,
    MemberSelfOut,
)
from api.schemas.users import UserKind
from api.security.principal import Principal
from api.services import audit, changes, users
from api.services.concurrency import expect_version
from api.services.member_core import (
    MemberStatus,
)
from api.services.members.reading import tags_of
from api.services.members.rules import ACCOUNT_STATUSES, _flush

# --- accounts and self-service ---------------------------------------------------------------------


def create_account(
    session: Session, member: Member, data: MemberAccountIn, *, by: Principal
) -> tuple[User, str]:
    """A login for the member: role ``member`` at their unit, linked to the record, with a one-time
    password that must be changed at first login (users.create_user)."""
    existing = session.exec(select(User.username).where(User.member_id == member.id)).first()
    if existing is not None:
        raise Conflict("member_account_exists", username=existing)
    if MemberStatus(member.status) not in ACCOUNT_STATUSES:
        raise Conflict("member_not_current", current=member.status)
    user, shown = users.create_user(
        session,
        username=data.username or member.member_no.lower(),
        display_name=member.name,
        org_unit_id=member.org_unit_id,
        kind=UserKind.human,
        email=member.email,
        member_id=member.id,
        by=by,
    )
    assert shown is not None  # a human without a password always gets a one-time one
    grant = Grant(user_id=user.id, role="member", org_unit_id=member.org_unit_id, granted_by_id=by.user_id)
    session.add(grant)
    session.flush()
    audit.record(
        session,
        by,
        "grant.added",
        entity_type="user",
        entity_id=user.id,
        org_unit_id=member.org_unit_id,
        changes={
            "after": {"grant_id": str(grant.id), "role": "member", "org_unit_id": str(member.org_unit_id)}
        },
    )
    audit.record(
        session,
        by,
        "member.account_created",
        entity_type="member",
        entity_id=member.id,
        org_unit_id=member.org_unit_id,
        changes={"after": {"user_id": str(user.id), "username": user.username}},
    )
    session.commit()
    return user, shown


def get_own(session: Session, principal: Principal) -> Member:
    """The caller's own member record (their account's link); 404 when the account has none."""
    member = session.get(Member, principal.member_id) if principal.member_id else None
    if member is None:
        raise NotFound("member_not_linked")
    return member


def own_out(session: Session, member: Member) -> MemberSelfOut:
    return MemberSelfOut.model_validate(
        {**member.model_dump(), "tags": tags_of(session, [member.id])[member.id]}
    )


def update_contact(
    session: Session, member: Member, data: MemberContactUpdate, *, version: int, by: Principal
) -> Member:
    """A member corrects their own phone and email (docs/rules.md §0: "own contact details")."""
    expect_version(member, version)
    before = audit.snapshot(member, ("phone", "email"))
    given = data.model_dump(exclude_unset=True)
    if "phone" in given:
        member.phone = given["phone"]
    if "email" in given:
        member.email = str(given["email"]) if given["email"] else None
    after = audit.snapshot(member, ("phone", "email"))
    if after == before:
        return member
    member.updated_at = utcnow()
    audit.record(
        session,
        by,
        "member.contact_updated",
        entity_type="member",
        entity_id=member.id,
        org_unit_id=member.org_unit_id,
        changes=audit.diff(before, after),
    )
    _flush(session)
    changes.record(
        session, "member", member.id, "updated", org_unit_id=member.org_unit_id, version=member.version
    )
    session.commit()
    return member
