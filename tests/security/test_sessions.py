"""Issue 14 items 3 and 10 (accounts): no session outlives a password change, a reset or a logout
(OWASP API2:2023, broken authentication), and an administrator cannot reset their own secret."""

from __future__ import annotations

TEST_PASSWORD = "correct-horse-battery"  # tests/conftest.py

TOKEN = "/api/v1/auth/token"
NEW_PASSWORD = "a-much-better-passphrase-2026"


def login(client, username: str, password: str = TEST_PASSWORD) -> dict:
    r = client.post(TOKEN, data={"username": username, "password": password})
    assert r.status_code == 200, r.text
    return r.json()


def bearer(tokens: dict) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens['access_token']}"}


def me(client, tokens: dict) -> int:
    return client.get("/api/v1/auth/me", headers=bearer(tokens)).status_code


def refresh(client, tokens: dict) -> int:
    return client.post("/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}).status_code


def test_password_change_ends_every_session_of_the_user(client, world):
    world.user("wang", ("officer", "U01"))
    laptop, phone = login(client, "wang"), login(client, "wang")
    assert me(client, laptop) == me(client, phone) == 200
    r = client.post(
        "/api/v1/auth/password",
        headers=bearer(laptop),
        json={"current_password": TEST_PASSWORD, "new_password": NEW_PASSWORD},
    )
    assert r.status_code == 204, r.text
    for session in (laptop, phone):
        assert me(client, session) == 401  # the access token stops at once
        assert refresh(client, session) == 401  # and its refresh family is revoked
    assert me(client, login(client, "wang", NEW_PASSWORD)) == 200


def test_admin_reset_secret_ends_every_session_of_the_user(client, world, problem):
    world.user("li", ("officer", "U01"))
    admin = world.as_role("admin", "ROOT")
    tokens = login(client, "li")
    path = f"/api/v1/users/{world.users['li'].id}"
    tag = client.get(path, headers=admin).headers["ETag"]
    reset = client.post(f"{path}/reset-secret", headers={**admin, "If-Match": tag})
    assert reset.status_code == 200, reset.text
    assert me(client, tokens) == 401
    assert refresh(client, tokens) == 401


def test_logout_ends_the_access_token_too(client, world):
    world.user("zhao", ("officer", "U01"))
    ending, other = login(client, "zhao"), login(client, "zhao")
    r = client.post(
        "/api/v1/auth/logout", headers=bearer(ending), json={"refresh_token": ending["refresh_token"]}
    )
    assert r.status_code == 204, r.text
    assert me(client, ending) == 401
    assert refresh(client, ending) == 401
    assert me(client, other) == 200  # only that login ends
    # a refreshed token of a family revoked for reuse is refused as well
    fresh = client.post("/api/v1/auth/refresh", json={"refresh_token": other["refresh_token"]}).json()
    assert refresh(client, other) == 401  # reuse of the spent token revokes the family
    assert me(client, fresh) == 401


def test_admin_cannot_reset_their_own_secret(client, world, problem):
    admin_user = world.user("root.admin", ("admin", "ROOT"))
    admin = world.headers(admin_user)
    path = f"/api/v1/users/{admin_user.id}"
    tag = client.get(path, headers=admin).headers["ETag"]
    problem(client.post(f"{path}/reset-secret", headers={**admin, "If-Match": tag}), 422, "secret_reset_self")


def test_reset_secret_needs_if_match(client, world, problem):
    target = world.user("sun", ("officer", "U01"))
    admin = world.as_role("admin", "ROOT")
    problem(client.post(f"/api/v1/users/{target.id}/reset-secret", headers=admin), 428, "if_match_required")
    stale = {**admin, "If-Match": '"999"'}
    problem(client.post(f"/api/v1/users/{target.id}/reset-secret", headers=stale), 412, "version_mismatch")
