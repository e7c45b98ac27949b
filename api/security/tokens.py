"""Access tokens (JWT) and opaque secrets. The only module that touches python-jose.

Decoding pins the configured algorithm, so ``alg: none`` and HS/RS confusion are refused, and it
requires iss, aud, sub, exp, iat and jti.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

from jose import JWTError, jwt

from api.config import Settings
from api.db.types import new_id, utcnow
from api.errors import Unauthorized


@dataclass(frozen=True)
class AccessToken:
    token: str
    expires_in: int
    jti: str


@lru_cache(maxsize=8)
def _read_key(path: Path) -> str:
    return path.read_text()


def _signing_key(settings: Settings) -> str:
    if settings.jwt_algorithm == "RS256":
        assert settings.jwt_private_key_file is not None
        return _read_key(settings.jwt_private_key_file)
    return settings.secret_key


def _verifying_key(settings: Settings) -> str:
    if settings.jwt_algorithm == "RS256":
        assert settings.jwt_public_key_file is not None
        return _read_key(settings.jwt_public_key_file)
    return settings.secret_key


def create_access_token(
    subject: uuid.UUID,
    settings: Settings,
    *,
    credential_version: int = 0,
    session_id: uuid.UUID | None = None,
    **extra: Any,
) -> AccessToken:
    """``credential_version`` (claim ``cv``): the user's at issue; a password change or reset bumps it and
    so ends the token. ``session_id`` (claim ``sid``): the refresh family of the login, so that logging
    out (or a revoked family) ends the access token too."""
    now = utcnow()
    lifetime = timedelta(minutes=settings.access_token_minutes)
    jti = str(new_id())
    claims = {
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "sub": str(subject),
        "iat": int(now.timestamp()),
        "exp": int((now + lifetime).timestamp()),
        "jti": jti,
        "cv": credential_version,
        **({"sid": str(session_id)} if session_id else {}),
        **extra,
    }
    token = jwt.encode(claims, _signing_key(settings), algorithm=settings.jwt_algorithm)
    return AccessToken(token=token, expires_in=int(lifetime.total_seconds()), jti=jti)


#: tokens whose signature and claims were verified, with their claims: clients send the same access
#: token with every request for its lifetime, and verifying it again costs more than loading the
#: caller (docs/benchmarks.md, request overhead). The key is the whole token (a changed byte is a
#: miss) plus the verification settings; expiry is checked on every hit. Bounded, oldest out first.
_VERIFIED_MAX = 4096
_verified: dict[tuple[str, ...], dict[str, Any]] = {}
_verified_lock = threading.Lock()


def decode_access_token(token: str, settings: Settings) -> dict[str, Any]:
    key = (
        token,
        settings.jwt_algorithm,
        _verifying_key(settings),
        settings.jwt_audience,
        settings.jwt_issuer,
    )
    claims = _verified.get(key)
    if claims is not None:
        if int(time.time()) <= claims["exp"]:  # python-jose's rule: expired once exp < now
            return dict(claims)
        with _verified_lock:
            _verified.pop(key, None)
        raise Unauthorized("invalid_token")
    try:
        claims = jwt.decode(
            token,
            _verifying_key(settings),
            algorithms=[settings.jwt_algorithm],
            audience=settings.jwt_audience,
            issuer=settings.jwt_issuer,
            options={
                "require_iat": True,
                "require_exp": True,
                "require_sub": True,
                "require_jti": True,
                "require_aud": True,
                "require_iss": True,
            },
        )
        uuid.UUID(claims["sub"])
        int(claims["exp"])
        int(claims.get("cv", 0))
        if "sid" in claims:
            uuid.UUID(claims["sid"])
    except (JWTError, ValueError, KeyError, TypeError, AttributeError):
        raise Unauthorized("invalid_token") from None
    with _verified_lock:
        if len(_verified) >= _VERIFIED_MAX:
            del _verified[next(iter(_verified))]
        _verified[key] = claims
    return dict(claims)


def subject_of(token: str, settings: Settings) -> str | None:
    """The verified ``sub`` of a bearer token, or None. For middleware that must not fail requests."""
    try:
        return str(decode_access_token(token, settings)["sub"])
    except Unauthorized:
        return None


def new_secret(nbytes: int = 32) -> str:
    return secrets.token_urlsafe(nbytes)


def hash_secret(value: str) -> str:
    """SHA-256 of a high-entropy random secret (refresh tokens). Passwords use argon2 instead."""
    return hashlib.sha256(value.encode()).hexdigest()
