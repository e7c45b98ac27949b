"""Logging in, token rotation and logout.

Every login success and failure is audited. Repeated failures are throttled per (account, address)
with a growing wait, and per address (api.services.login_throttle); an account is never locked.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any, cast

import sqlalchemy as sa
from sqlmodel import Session, col, select

from api.config import Settings
from api.db.models import Grant, RefreshToken, User
from api.db.types import utcnow
from api.errors import RuleViolation, Unauthorized
from api.i18n import Text, _
from api.schemas.auth import TokenOut
from api.schemas.users import GrantOut, MeOut
from api.security import passwords
from api.security.permissions import PERMISSIONS
from api.security.principal import Principal
from api.security.tokens import create_access_token, hash_secret, new_secret
from api.services import audit, login_throttle
from api.services.login_throttle import LOGIN_FAILED


def _fail(session: Session, username: str, code: str, user: User | None) -> Unauthorized:
    audit.record(
        session,
        None,
        LOGIN_FAILED,
        actor_label=username,
        entity_type="user",
        entity_id=user.id if user else None,
        org_unit_id=user.org_unit_id if user else None,
        changes={"after": {"reason": code}},
    )
    session.commit()
    return Unauthorized(code)


def _issue(
    session: Session, settings: Settings, user: User, *, family_id: uuid.UUID | None, refresh: bool
) -> TokenOut:
    family = (family_id or uuid.uuid4()) if refresh else None
    access = create_access_token(
        user.id, settings, credential_version=user.credential_version, session_id=family
    )
    refresh_token = None
    if family is not None:
        refresh_token = new_secret()
        session.add(
            RefreshToken(
                user_id=user.id,
                family_id=family,
                token_hash=hash_secret(refresh_token),
                expires_at=utcnow() + timedelta(days=settings.refresh_token_days),
            )
        )
    return TokenOut(
        access_token=access.token,
        expires_in=access.expires_in,
        refresh_token=refresh_token,
        must_change_password=user.must_change_password,
    )


def login(session: Session, settings: Settings, *, username: str, password: str, service: bool) -> TokenOut:
    """Password grant for people (``service=False``), client-credentials grant for integrations."""
    username = username.strip().lower()
    login_throttle.check(session, settings, username)
    user = session.exec(select(User).where(User.username == username)).first()
    code = "invalid_client" if service else "invalid_credentials"
    if user is None:
        passwords.burn_verify_time(password)
        raise _fail(session, username, code, None)
    if (user.kind == "service") != service or not passwords.verify_password(password, user.password_hash):
        raise _fail(session, username, code, user)
    if not user.is_active:
        raise _fail(session, username, "account_disabled", user)
    audit.record(
        session,
        None,
        "auth.login",
        actor_label=username,
        entity_type="user",
        entity_id=user.id,
        org_unit_id=user.org_unit_id,
    )
    # a Core UPDATE: logging in must not bump the optimistic-locking version clients hold
    session.execute(sa.update(User).where(col(User.id) == user.id).values(last_login_at=utcnow()))
    tokens = _issue(session, settings, user, family_id=None, refresh=not service)
    session.commit()
    return tokens


def refresh(session: Session, settings: Settings, raw_token: str) -> TokenOut:
    """Rotate a refresh token. Presenting a spent one revokes its whole family (theft detection)."""
    token = session.exec(
        select(RefreshToken).where(RefreshToken.token_hash == hash_secret(raw_token))
    ).first()
    now = utcnow()
    if token is None or token.revoked_at is not None or token.expires_at <= now:
        raise Unauthorized("invalid_refresh_token")
    user = session.get(User, token.user_id)
    if token.used_at is not None:
        revoked = _revoke_family(session, token.family_id)
        audit.record(
            session,
            None,
            "auth.refresh_reused",
            actor_label=user.username if user else None,
            entity_type="user",
            entity_id=token.user_id,
            org_unit_id=user.org_unit_id if user else None,
            changes={"after": {"family_id": str(token.family_id), "revoked": revoked}},
        )
        session.commit()
        raise Unauthorized("refresh_token_reused")
    if user is None or not user.is_active:
        raise Unauthorized("invalid_refresh_token")
    token.used_at = now
    audit.record(
        session,
        None,
        "auth.refresh",
        actor_label=user.username,
        entity_type="user",
        entity_id=user.id,
        org_unit_id=user.org_unit_id,
        changes={"after": {"family_id": str(token.family_id)}},
    )
    tokens = _issue(session, settings, user, family_id=token.family_id, refresh=True)
    session.commit()
    return tokens


def _revoke_family(session: Session, family_id: uuid.UUID) -> int:
    result = session.execute(
        sa.update(RefreshToken)
        .where(col(RefreshToken.family_id) == family_id, col(RefreshToken.revoked_at).is_(None))
        .values(revoked_at=utcnow())
    )
    return cast("sa.CursorResult[Any]", result).rowcount or 0  # an UPDATE's result is a CursorResult


def revoke_sessions(session: Session, user: User) -> int:
    """End every session of ``user``: each refresh family revoked and the credential version bumped, so
    the access tokens already issued stop working at their next request. Returns the families revoked."""
    result = session.execute(
        sa.update(RefreshToken)
        .where(col(RefreshToken.user_id) == user.id, col(RefreshToken.revoked_at).is_(None))
        .values(revoked_at=utcnow())
        .returning(col(RefreshToken.family_id))
    )
    families = {row.family_id for row in result}
    user.credential_version += 1
    return len(families)


def logout(session: Session, raw_token: str, *, by: Principal) -> None:
    token = session.exec(
        select(RefreshToken).where(RefreshToken.token_hash == hash_secret(raw_token))
    ).first()
    if token is None or token.user_id != by.user_id:
        raise Unauthorized("invalid_refresh_token")
    _revoke_family(session, token.family_id)
    audit.record(
        session, by, "auth.logout", entity_type="user", entity_id=by.user_id, org_unit_id=by.org_unit_id
    )
    session.commit()


def change_password(session: Session, *, by: Principal, current: str, new: str) -> None:
    user = session.get(User, by.user_id)
    assert user is not None
    if not passwords.verify_password(current, user.password_hash):
        raise RuleViolation("wrong_current_password", field="current_password")
    if current == new:
        raise RuleViolation(
            "password_too_weak", field="new_password", reason=Text(_("same as the current password"), {})
        )
    passwords.check_strength(new, username=user.username)
    user.password_hash = passwords.hash_password(new)
    user.must_change_password = False
    user.updated_at = utcnow()
    revoked = revoke_sessions(session, user)
    audit.record(
        session,
        by,
        "user.password_changed",
        entity_type="user",
        entity_id=user.id,
        org_unit_id=user.org_unit_id,
        changes={"after": {"password": audit.REDACTED, "sessions_revoked": revoked}},
    )
    session.commit()


def me(session: Session, principal: Principal) -> MeOut:
    """The caller, their grants (oldest first) and the permissions those grants give."""
    user = session.get(User, principal.user_id)
    if user is None:  # the caller was loaded for this request: only a concurrent delete gets here
        raise Unauthorized("invalid_token")
    grants = session.exec(
        select(Grant).where(Grant.user_id == principal.user_id).order_by(col(Grant.created_at))
    ).all()
    perms = sorted(p for p in PERMISSIONS if principal.has(p))
    return MeOut.model_validate(
        {**user.model_dump(), "grants": [GrantOut.model_validate(g) for g in grants], "permissions": perms}
    )
