"""Authentication: tokens, refresh rotation, service accounts, throttling, JWT attacks."""

from __future__ import annotations

import base64
import json
import time
import uuid

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jose import jwt
from sqlmodel import select

from api.config import Settings
from api.db.models import AuditEvent
from api.errors import Unauthorized
from api.security.tokens import create_access_token, decode_access_token

PASSWORD = "correct-horse-battery"


def login(client, username, password=PASSWORD):
    return client.post("/api/v1/auth/token", data={"username": username, "password": password})


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def test_password_login_returns_short_lived_jwt_with_required_claims(client, world, settings):
    world.user("alice", ("officer", "U01"))
    r = login(client, "alice")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["token_type"] == "bearer" and body["expires_in"] == 15 * 60 and body["refresh_token"]
    claims = decode_access_token(body["access_token"], settings)
    assert {"iss", "aud", "sub", "exp", "iat", "jti"} <= claims.keys()
    assert claims["exp"] - claims["iat"] == 15 * 60
    me = client.get("/api/v1/auth/me", headers=bearer(body["access_token"])).json()
    assert me["username"] == "alice"
    assert me["grants"][0]["role"] == "officer"
    assert "members.write" in me["permissions"] and "users.write" not in me["permissions"]


def test_login_success_and_failure_are_audited(client, world, session):
    world.user("bob", ("officer", "U01"))
    assert login(client, "bob", "wrong-password").status_code == 401
    assert login(client, "nobody", "whatever-pass").status_code == 401
    assert login(client, "bob").status_code == 200
    actions = [(e.action, e.actor_label) for e in session.exec(select(AuditEvent).order_by(AuditEvent.id))]
    assert ("auth.login_failed", "bob") in actions
    assert ("auth.login_failed", "nobody") in actions
    assert ("auth.login", "bob") in actions


def test_repeated_failures_are_refused_with_429_and_retry_after(client, world, settings, problem):
    """Per (account, address) backoff; the account itself is never locked (tests/security/test_login.py)."""
    world.user("carol", ("officer", "U01"))
    state = client.app.state
    state.settings = settings.model_copy(update={"login_slowdown_step_seconds": 30})
    try:
        for _ in range(settings.login_slowdown_after):
            assert login(client, "carol", "wrong-password").status_code == 401
        r = login(client, "carol")  # even the right password waits from this address
        body = problem(r, 429, "login_throttled")
        assert 0 < int(r.headers["Retry-After"]) <= 30 and body["retry_after"] > 0
    finally:
        state.settings = settings


def test_refresh_rotates_and_reuse_revokes_the_family(client, world, problem):
    world.user("dave", ("officer", "U01"))
    first = login(client, "dave").json()["refresh_token"]
    second = client.post("/api/v1/auth/refresh", json={"refresh_token": first})
    assert second.status_code == 200, second.text
    second_refresh = second.json()["refresh_token"]
    assert second_refresh != first
    # the spent token comes back: theft assumed, the whole family is revoked
    problem(client.post("/api/v1/auth/refresh", json={"refresh_token": first}), 401, "refresh_token_reused")
    problem(
        client.post("/api/v1/auth/refresh", json={"refresh_token": second_refresh}),
        401,
        "invalid_refresh_token",
    )


def test_logout_revokes_the_refresh_token(client, world, problem):
    world.user("erin", ("officer", "U01"))
    tokens = login(client, "erin").json()
    r = client.post(
        "/api/v1/auth/logout",
        json={"refresh_token": tokens["refresh_token"]},
        headers=bearer(tokens["access_token"]),
    )
    assert r.status_code == 204
    problem(
        client.post("/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}),
        401,
        "invalid_refresh_token",
    )


def test_service_account_client_credentials_secret_shown_once(client, world, problem):
    admin = world.as_role("admin", "U01")
    r = client.post(
        "/api/v1/users",
        headers=admin,
        json={
            "username": "hr-sync",
            "display_name": "HR 同步",
            "kind": "service",
            "org_unit_id": str(world.units["U01"].id),
        },
    )
    assert r.status_code == 201, r.text
    secret = r.json()["client_secret"]
    assert secret and r.json()["initial_password"] is None
    user_id = r.json()["id"]
    assert "client_secret" not in client.get(f"/api/v1/users/{user_id}", headers=admin).json()
    form = client.post(
        "/api/v1/auth/token",
        data={"grant_type": "client_credentials", "client_id": "hr-sync", "client_secret": secret},
    )
    assert form.status_code == 200, form.text
    assert form.json()["refresh_token"] is None
    basic = base64.b64encode(f"hr-sync:{secret}".encode()).decode()
    r = client.post(
        "/api/v1/auth/token",
        data={"grant_type": "client_credentials"},
        headers={"Authorization": f"Basic {basic}"},
    )
    assert r.status_code == 200
    problem(
        client.post(
            "/api/v1/auth/token",
            data={"grant_type": "client_credentials", "client_id": "hr-sync", "client_secret": "wrong"},
        ),
        401,
        "invalid_client",
    )
    # a service account cannot use the password grant, nor a person the client grant
    problem(login(client, "hr-sync", secret), 401, "invalid_credentials")


def test_initial_password_must_be_changed_before_anything_else(client, world, problem):
    admin = world.as_role("admin", "U01")
    r = client.post(
        "/api/v1/users",
        headers=admin,
        json={"username": "frank", "display_name": "Frank", "org_unit_id": str(world.units["U01"].id)},
    )
    initial = r.json()["initial_password"]
    user_id = r.json()["id"]
    client.post(
        f"/api/v1/users/{user_id}/grants",
        headers={**admin, "If-Match": r.headers["ETag"]},
        json={"role": "officer", "org_unit_id": str(world.units["U01"].id)},
    )
    token = login(client, "frank", initial).json()
    assert token["must_change_password"] is True
    problem(
        client.get("/api/v1/org-units", headers=bearer(token["access_token"])),
        403,
        "password_change_required",
    )
    r = client.post(
        "/api/v1/auth/password",
        headers=bearer(token["access_token"]),
        json={"current_password": initial, "new_password": "a-much-better-passphrase"},
    )
    assert r.status_code == 204, r.text
    # the change ends every session, this one included: log in again with the new password
    assert client.get("/api/v1/org-units", headers=bearer(token["access_token"])).status_code == 401
    token = login(client, "frank", "a-much-better-passphrase").json()
    assert client.get("/api/v1/org-units", headers=bearer(token["access_token"])).status_code == 200


def _forge(claims, key, alg):
    return jwt.encode(claims, key, algorithm=alg)


def _claims(settings, user_id, **over):
    now = int(time.time())
    return {
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "sub": str(user_id),
        "iat": now,
        "exp": now + 600,
        "jti": str(uuid.uuid4()),
        **over,
    }


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "attack",
    [
        "alg_none",
        "tampered",
        "expired",
        "wrong_audience",
        "wrong_issuer",
        "wrong_key",
        "missing_jti",
        "garbage",
    ],
)
def test_jwt_attacks_are_401(client, world, settings, problem, attack):
    user = world.user("mallory", ("admin", "ROOT"))
    good = create_access_token(user.id, settings).token
    if attack == "alg_none":
        token = f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(_claims(settings, user.id))}."
    elif attack == "tampered":
        header, _payload, sig = good.split(".")
        token = f"{header}.{_b64(_claims(settings, uuid.uuid4()))}.{sig}"
    elif attack == "expired":
        token = _forge(_claims(settings, user.id, exp=int(time.time()) - 10), settings.secret_key, "HS256")
    elif attack == "wrong_audience":
        token = _forge(_claims(settings, user.id, aud="other-api"), settings.secret_key, "HS256")
    elif attack == "wrong_issuer":
        token = _forge(_claims(settings, user.id, iss="evil"), settings.secret_key, "HS256")
    elif attack == "wrong_key":
        token = _forge(_claims(settings, user.id), "another-secret-key-of-sufficient-length", "HS256")
    elif attack == "missing_jti":
        claims = _claims(settings, user.id)
        claims.pop("jti")
        token = _forge(claims, settings.secret_key, "HS256")
    else:
        token = "not.a.jwt"
    problem(client.get("/api/v1/auth/me", headers=bearer(token)), 401, "invalid_token")


def test_rs256_rejects_hs256_token_signed_with_the_public_key(tmp_path):
    """HS/RS confusion: a token 'signed' with HMAC over the public key must not verify under RS256."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = tmp_path / "private.pem"
    public = tmp_path / "public.pem"
    private.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    public_pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    public.write_bytes(public_pem)
    settings = Settings(jwt_algorithm="RS256", jwt_private_key_file=private, jwt_public_key_file=public)
    user_id = uuid.uuid4()
    good = create_access_token(user_id, settings).token
    assert decode_access_token(good, settings)["sub"] == str(user_id)
    import hashlib
    import hmac

    header = _b64({"alg": "HS256", "typ": "JWT"})
    payload = _b64(_claims(settings, user_id))
    sig = (
        base64.urlsafe_b64encode(
            hmac.new(public_pem, f"{header}.{payload}".encode(), hashlib.sha256).digest()
        )
        .decode()
        .rstrip("=")
    )
    with pytest.raises(Unauthorized):
        decode_access_token(f"{header}.{payload}.{sig}", settings)


def test_production_refuses_missing_default_or_short_secret():
    from api.config import DEV_SECRET, Env
    from api.security.pii import new_pii_key

    key = new_pii_key()

    for secret in ("", DEV_SECRET, "short"):
        with pytest.raises(ValueError):
            Settings(env=Env.production, secret_key=secret, pii_keys=[key], pii_hmac_key="h" * 32)
    assert (
        Settings(env=Env.production, secret_key="x" * 40, pii_keys=[key], pii_hmac_key="h" * 32).env
        is Env.production
    )
    with pytest.raises(ValueError):  # personal-data keys are required too
        Settings(env=Env.production, secret_key="x" * 40)


def test_inactive_user_token_is_refused(client, world, problem):
    admin = world.as_role("admin", "ROOT")
    user = world.user("gina", ("officer", "U01"))
    headers = world.headers(user)
    r = client.get(f"/api/v1/users/{user.id}", headers=admin)
    client.patch(
        f"/api/v1/users/{user.id}",
        headers={**admin, "If-Match": r.headers["ETag"]},
        json={"is_active": False},
    )
    problem(client.get("/api/v1/auth/me", headers=headers), 401, "invalid_token")


def test_failed_logins_for_unknown_usernames_are_visible_to_root_auditors_only(client, world):
    client.post("/api/v1/auth/token", data={"username": "ghost", "password": "whatever-pass"})

    def seen(headers):
        return [
            e["actor_label"]
            for e in client.get("/api/v1/audit-events?action=auth.login_failed", headers=headers).json()[
                "items"
            ]
        ]

    assert "ghost" in seen(world.as_role("auditor", "ROOT"))
    assert "ghost" not in seen(world.as_role("auditor", "U01"))


def test_verified_token_cache_still_checks_expiry_signature_and_settings(settings, monkeypatch):
    """decode_access_token remembers verified tokens (clients resend the same one with every request);
    a remembered token must still expire on time, and must not verify under other settings."""
    from api.security import tokens

    user_id = uuid.uuid4()
    token = create_access_token(user_id, settings).token
    claims = decode_access_token(token, settings)
    assert decode_access_token(token, settings) == claims  # served from the cache
    claims["sub"] = "changed by a caller"  # callers get a copy: the cached claims stay intact
    assert decode_access_token(token, settings)["sub"] == str(user_id)

    other = settings.model_copy(update={"secret_key": "another-secret-key-of-sufficient-length-1234"})
    with pytest.raises(Unauthorized):  # same token, other key: verified afresh, refused
        decode_access_token(token, other)
    with pytest.raises(Unauthorized):  # one changed byte of the signature is a cache miss, then refused
        decode_access_token(token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1], settings)

    expires = claims["exp"]
    monkeypatch.setattr(tokens.time, "time", lambda: expires + 1)
    with pytest.raises(Unauthorized):
        decode_access_token(token, settings)


def test_audit_events_with_an_action_no_longer_listed_still_read_and_the_filter_still_422s(
    client, world, session, problem
):
    session.add(AuditEvent(action="legacy.retired_action", entity_type="legacy_thing", actor_label="old"))
    session.commit()
    headers = world.as_role("auditor", "ROOT")
    r = client.get("/api/v1/audit-events", headers=headers)
    assert r.status_code == 200, r.text
    legacy = [e for e in r.json()["items"] if e["action"] == "legacy.retired_action"]
    assert legacy and legacy[0]["entity_type"] == "legacy_thing"
    refused = client.get("/api/v1/audit-events?action=legacy.retired_action", headers=headers)
    problem(refused, 422, "validation_failed")
