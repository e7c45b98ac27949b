"""Password and client-secret hashing with argon2id (pwdlib's recommended parameters)."""

from __future__ import annotations

from functools import lru_cache

from pwdlib import PasswordHash

from api.errors import RuleViolation
from api.i18n import Text, _

MIN_PASSWORD_LENGTH = 10


@lru_cache
def _hasher() -> PasswordHash:
    return PasswordHash.recommended()


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password: str, hashed: str) -> bool:
    try:
        return _hasher().verify(password, hashed)
    except Exception:  # a malformed stored hash must read as "wrong password", never a 500
        return False


_DUMMY: list[str] = []


def burn_verify_time(password: str) -> None:
    """Spend the time of a real verification, so unknown usernames cannot be told apart by timing."""
    if not _DUMMY:
        _DUMMY.append(hash_password("dummy-password-for-timing"))
    verify_password(password, _DUMMY[0])


def check_strength(password: str, *, username: str | None = None) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise RuleViolation(
            "password_too_weak",
            field="password",
            reason=Text(_("fewer than {count} characters"), {"count": MIN_PASSWORD_LENGTH}),
        )
    if username and username.lower() in password.lower():
        raise RuleViolation(
            "password_too_weak", field="password", reason=Text(_("it contains the username"), {})
        )
    if len(set(password)) < 4:
        raise RuleViolation(
            "password_too_weak", field="password", reason=Text(_("too few distinct characters"), {})
        )
