"""User accounts (people and service accounts) and their role grants (docs/rules.md §0)."""

from __future__ import annotations

import secrets
import string
import uuid

import sqlalchemy as sa
from sqlmodel import Session, col, select

from api.db.models import Grant, OrgUnit, User
from api.db.types import utcnow
from api.errors import Conflict, NotFound, RuleViolation
from api.i18n import Text, _, register
from api.schemas.users import GrantCreate, UserCreate, UserKind, UserUpdate
from api.security import passwords
from api.security.permissions import ROLE_RANK, Role
from api.security.principal import Principal
from api.security.tokens import new_secret
from api.services import audit
from api.services.auth import revoke_sessions
from api.services.concurrency import expect_version
from api.services.pagination import keyset
from api.services.scope import ancestors_of, in_scope, unit_within

register(
    {
        "secret_reset_self": _(
            "You cannot reset your own secret; change your password with the current one instead."
        ),
    }
)

AUDITED_FIELDS = (
    "username",
    "display_name",
    "email",
    "kind",
    "is_active",
    "org_unit_id",
    "must_change_password",
)


def initial_password() -> str:
    """A one-time password a person can type: 12 characters without look-alikes."""
    alphabet = "".join(c for c in string.ascii_letters + string.digits if c not in "0O1lI")
    return "".join(secrets.choice(alphabet) for _ in range(12))


def get_in_scope(session: Session, user_id: uuid.UUID, principal: Principal) -> User:
    user = session.exec(
        select(User).where(col(User.id) == user_id, in_scope(col(User.org_unit_id), principal.units_for()))
    ).first()
    if user is None:
        raise NotFound()
    return user


def list_users(
    session: Session,
    principal: Principal,
    *,
    limit: int,
    cursor: str | None,
    org_unit_id: uuid.UUID | None = None,
    kind: UserKind | None = None,
    is_active: bool | None = None,
    q: str | None = None,
) -> tuple[list[User], str | None]:
    stmt = select(User).where(in_scope(col(User.org_unit_id), principal.units_for()))
    if org_unit_id is not None:
        stmt = stmt.where(in_scope(col(User.org_unit_id), [org_unit_id]))
    if kind is not None:
        stmt = stmt.where(User.kind == kind.value)
    if is_active is not None:
        stmt = stmt.where(User.is_active == is_active)
    if q:
        stmt = stmt.where(sa.or_(col(User.username).like(f"%{q}%"), col(User.display_name).like(f"%{q}%")))
    return keyset(session, stmt, keys=[col(User.id)], limit=limit, cursor=cursor)


def create_user(
    session: Session,
    *,
    username: str,
    display_name: str,
    org_unit_id: uuid.UUID,
    kind: UserKind = UserKind.human,
    email: str | None = None,
    password: str | None = None,
    member_id: uuid.UUID | None = None,
    by: Principal | None,
) -> tuple[User, str | None]:
    """Create an account; returns it with the secret to show once (initial password or client secret)."""
    username = username.lower()
    if session.exec(select(User.id).where(User.username == username)).first() is not None:
        raise Conflict("username_taken", value=username)
    shown: str | None = None
    if kind is UserKind.service:
        shown = new_secret()
        secret, must_change = shown, False
    elif password:
        passwords.check_strength(password, username=username)
        secret, must_change = password, False
    else:
        shown = initial_password()
        secret, must_change = shown, True
    user = User(
        username=username,
        display_name=display_name,
        email=email,
        kind=kind.value,
        password_hash=passwords.hash_password(secret),
        must_change_password=must_change,
        org_unit_id=org_unit_id,
        member_id=member_id,
    )
    session.add(user)
    session.flush()
    audit.record(
        session,
        by,
        "user.created",
        entity_type="user",
        entity_id=user.id,
        org_unit_id=org_unit_id,
        changes=audit.created(audit.snapshot(user, AUDITED_FIELDS)),
    )
    return user, shown


def create(session: Session, data: UserCreate, *, by: Principal) -> tuple[User, str | None]:
    if not unit_within(session, data.org_unit_id, by.units_for()):
        raise RuleViolation("not_found", field="org_unit_id")
    if data.kind is UserKind.service and data.password:
        raise RuleViolation(
            "password_too_weak",
            field="password",
            reason=Text(_("service accounts get a generated secret"), {}),
        )
    user, shown = create_user(
        session,
        username=data.username,
        display_name=data.display_name,
        org_unit_id=data.org_unit_id,
        kind=data.kind,
        email=str(data.email) if data.email else None,
        password=data.password,
        by=by,
    )
    session.commit()
    return user, shown


def update(session: Session, user: User, data: UserUpdate, *, version: int, by: Principal) -> User:
    expect_version(user, version)
    before = audit.snapshot(user, AUDITED_FIELDS)
    for key, value in data.model_dump(exclude_unset=True).items():
        if value is None and key in {"display_name", "is_active"}:
            raise RuleViolation("validation_failed", field=key, count=1)
        setattr(user, key, str(value) if key == "email" and value else value)
    after = audit.snapshot(user, AUDITED_FIELDS)
    if after == before:
        return user
    if user.id == by.user_id and after["is_active"] is False:
        raise RuleViolation("grant_self", field="is_active")
    user.updated_at = utcnow()
    audit.record(
        session,
        by,
        "user.updated",
        entity_type="user",
        entity_id=user.id,
        org_unit_id=user.org_unit_id,
        changes=audit.diff(before, after),
    )
    session.commit()
    return user


def rotate_secret(session: Session, user: User, *, version: int, by: Principal) -> str:
    """New client secret (service) or one-time password (human); the old one and every session of the
    account stop working (refresh families revoked, access tokens refused at their next request).
    Nobody resets their own secret: an administrator changes their password with their current one."""
    if user.id == by.user_id:
        raise RuleViolation("secret_reset_self", field="user_id")
    expect_version(user, version)
    shown = new_secret() if user.kind == UserKind.service else initial_password()
    user.password_hash = passwords.hash_password(shown)
    user.must_change_password = user.kind == UserKind.human
    user.updated_at = utcnow()
    revoked = revoke_sessions(session, user)
    audit.record(
        session,
        by,
        "user.secret_reset",
        entity_type="user",
        entity_id=user.id,
        org_unit_id=user.org_unit_id,
        changes={"after": {"password": audit.REDACTED, "sessions_revoked": revoked}},
    )
    session.commit()
    return shown


def list_grants(
    session: Session, user: User, *, limit: int, cursor: str | None
) -> tuple[list[Grant], str | None]:
    """One page of the account's grants, oldest first (ids are time-ordered)."""
    stmt = select(Grant).where(col(Grant.user_id) == user.id)
    return keyset(session, stmt, keys=[col(Grant.id)], limit=limit, cursor=cursor)


def add_grant(session: Session, user: User, data: GrantCreate, *, version: int, by: Principal) -> Grant:
    """Nobody grants outside their scope, to themselves, or a role above their own there. The account's
    version goes up (its grants are part of it: If-Match protects against granting on a stale view)."""
    expect_version(user, version)
    if user.id == by.user_id:
        raise RuleViolation("grant_self", field="user_id")
    unit = session.get(OrgUnit, data.org_unit_id)
    if unit is None or not unit_within(session, unit.id, by.units_for()):
        raise RuleViolation("not_found", field="org_unit_id")
    if unit.status != "active":
        raise RuleViolation("org_unit_closed", field="org_unit_id", code=unit.code)
    role = Role(data.role.value)
    if ROLE_RANK[role] > by.best_rank(ancestors_of(session, unit.id)):
        raise RuleViolation("role_above_own", field="role", role=role.value)
    exists = session.exec(
        select(Grant.id).where(
            Grant.user_id == user.id, Grant.role == role.value, Grant.org_unit_id == unit.id
        )
    ).first()
    if exists is not None:
        raise Conflict("grant_exists")
    grant = Grant(user_id=user.id, role=role.value, org_unit_id=unit.id, granted_by_id=by.user_id)
    session.add(grant)
    user.updated_at = utcnow()  # a new version of the account
    session.flush()
    audit.record(
        session,
        by,
        "grant.added",
        entity_type="user",
        entity_id=user.id,
        org_unit_id=unit.id,
        changes={"after": {"grant_id": str(grant.id), "role": role.value, "org_unit_id": str(unit.id)}},
    )
    session.commit()
    return grant


def remove_grant(session: Session, user: User, grant_id: uuid.UUID, *, version: int, by: Principal) -> None:
    """Withdraw a grant; the account's version goes up."""
    expect_version(user, version)
    grant = session.exec(select(Grant).where(Grant.id == grant_id, Grant.user_id == user.id)).first()
    if grant is None or not unit_within(session, grant.org_unit_id, by.units_for()):
        raise NotFound()
    if user.id == by.user_id:
        raise RuleViolation("grant_self", field="user_id")
    if ROLE_RANK[Role(grant.role)] > by.best_rank(ancestors_of(session, grant.org_unit_id)):
        raise RuleViolation("role_above_own", field="role", role=grant.role)
    audit.record(
        session,
        by,
        "grant.removed",
        entity_type="user",
        entity_id=user.id,
        org_unit_id=grant.org_unit_id,
        changes={
            "before": {"grant_id": str(grant.id), "role": grant.role, "org_unit_id": str(grant.org_unit_id)}
        },
    )
    session.delete(grant)
    user.updated_at = utcnow()  # a new version of the account
    session.commit()
