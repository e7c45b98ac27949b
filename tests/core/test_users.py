"""Users, service accounts and (role, org unit) grants (docs/rules.md §0; issue: Auth and roles)."""

from __future__ import annotations

import uuid

from conftest import TEST_PASSWORD, etag
from sqlmodel import select

from api.db.models import AuditEvent, Grant, User
from api.security.permissions import PERMISSIONS, ROLE_RANK, Role
from api.security.principal import GrantRef, Principal

BASE = "/api/v1/users"


def new_user(client, headers, username, unit_id, **extra):
    body = {
        "username": username,
        "display_name": extra.pop("display_name", username),
        "org_unit_id": str(unit_id),
        **extra,
    }
    return client.post(BASE, json=body, headers=headers)


def login(client, username, password):
    return client.post("/api/v1/auth/token", data={"username": username, "password": password})


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def stored_user(session, user_id) -> User:
    session.expire_all()
    return session.get(User, uuid.UUID(str(user_id)))


# --- accounts -------------------------------------------------------------------------------------


def test_person_gets_a_one_time_password_that_must_be_changed(client, world, session, problem):
    admin = world.as_role("admin", "U01")
    r = new_user(
        client, admin, "Li.Officer", world.units["U01-B01"].id, display_name="李干事", email="li@example.cn"
    )
    assert r.status_code == 201, r.text
    body = r.json()
    initial = body["initial_password"]
    assert len(initial) == 12 and body["client_secret"] is None
    assert (
        body["username"] == "li.officer" and body["must_change_password"] is True and body["kind"] == "human"
    )
    assert r.headers["Location"] == f"{BASE}/{body['id']}" and etag(r) == '"1"'

    # shown once: never again on reads
    got = client.get(f"{BASE}/{body['id']}", headers=admin).json()
    assert "initial_password" not in got and "client_secret" not in got and "password_hash" not in got
    hashed = stored_user(session, body["id"]).password_hash
    assert hashed.startswith("$argon2id$") and initial not in hashed

    token = login(client, "li.officer", initial)
    assert token.status_code == 200 and token.json()["must_change_password"] is True
    access = bearer(token.json()["access_token"])
    assert client.get("/api/v1/auth/me", headers=access).status_code == 200
    problem(client.get("/api/v1/org-units", headers=access), 403, "password_change_required")
    changed = client.post(
        "/api/v1/auth/password",
        headers=access,
        json={"current_password": initial, "new_password": "a-much-better-passphrase"},
    )
    assert changed.status_code == 204, changed.text
    assert stored_user(session, body["id"]).must_change_password is False
    assert login(client, "li.officer", initial).status_code == 401
    assert login(client, "li.officer", "a-much-better-passphrase").status_code == 200


def test_person_with_a_chosen_password_and_strength_rules(client, world, problem):
    admin = world.as_role("admin", "U01")
    unit = world.units["U01"].id
    body = problem(new_user(client, admin, "wang.wu", unit, password="short1"), 422, "validation_failed")
    assert [e["field"] for e in body["errors"]] == ["password"] and body["errors"][0][
        "code"
    ] == "string_too_short"
    body = problem(
        new_user(client, admin, "wang.wu", unit, password="wang.wu-2026-x"), 422, "password_too_weak"
    )
    assert body["errors"][0]["field"] == "password" and "username" in body["detail"]
    problem(new_user(client, admin, "wang.wu", unit, password="abababababab"), 422, "password_too_weak")

    r = new_user(client, admin, "wang.wu", unit, password="Plum-blossom-1977")
    assert r.status_code == 201, r.text
    assert r.json()["must_change_password"] is False and r.json()["initial_password"] is None
    assert login(client, "wang.wu", "Plum-blossom-1977").status_code == 200


def test_usernames_are_unique_ignoring_case(client, world, problem):
    admin = world.as_role("admin", "U01")
    world.user("zhao.liu", ("member", "U01"))
    body = problem(new_user(client, admin, "Zhao.Liu", world.units["U01"].id), 409, "username_taken")
    assert "zhao.liu" in body["detail"]


def test_service_account_secret_is_shown_once_and_stored_hashed(client, world, session, problem):
    admin = world.as_role("admin", "U01")
    unit = world.units["U01"].id
    problem(
        new_user(client, admin, "hr.sync", unit, kind="service", password="Plum-blossom-1977"),
        422,
        "password_too_weak",
    )
    r = new_user(client, admin, "hr.sync", unit, kind="service", display_name="HR 系统")
    assert r.status_code == 201, r.text
    secret = r.json()["client_secret"]
    assert secret and r.json()["initial_password"] is None and r.json()["must_change_password"] is False

    hashed = stored_user(session, r.json()["id"]).password_hash
    assert hashed.startswith("$argon2id$"), "the client secret must be stored as an argon2id hash"
    assert secret not in hashed
    assert "client_secret" not in client.get(f"{BASE}/{r.json()['id']}", headers=admin).json()

    token = client.post(
        "/api/v1/auth/token",
        data={"grant_type": "client_credentials", "client_id": "hr.sync", "client_secret": secret},
    )
    assert token.status_code == 200, token.text
    assert token.json()["refresh_token"] is None
    # a service account cannot use the people's password grant
    problem(login(client, "hr.sync", secret), 401, "invalid_credentials")

    # a reset issues a new secret; the old one stops working
    reset = client.post(f"{BASE}/{r.json()['id']}/reset-secret", headers=admin)
    assert reset.status_code == 200 and reset.json()["client_secret"] not in (None, secret)
    old = client.post(
        "/api/v1/auth/token",
        data={"grant_type": "client_credentials", "client_id": "hr.sync", "client_secret": secret},
    )
    problem(old, 401, "invalid_client")


def test_accounts_are_created_only_inside_the_callers_scope(client, world, problem):
    admin_u01 = world.as_role("admin", "U01")
    body = problem(new_user(client, admin_u01, "outsider", world.units["U02"].id), 422, "not_found")
    assert body["errors"][0]["field"] == "org_unit_id"
    problem(
        new_user(client, world.as_role("chair", "U01"), "by.chair", world.units["U01"].id),
        403,
        "permission_denied",
    )


# --- lists ----------------------------------------------------------------------------------------


def test_list_filter_and_paginate_within_scope(client, world, problem):
    for name, unit in [("a.one", "U01"), ("b.two", "U01-B01"), ("c.three", "U01-B02"), ("d.four", "U02")]:
        world.user(name, ("member", unit))
    world.user("svc.one", ("integration", "U01"), kind="service")
    admin = world.as_role("admin", "U01")

    def names(**params):
        r = client.get(BASE, params={"limit": 200, **params}, headers=admin)
        assert r.status_code == 200, r.text
        return sorted(u["username"] for u in r.json()["items"])

    assert names() == ["a.one", "admin.u01", "b.two", "c.three", "svc.one"]
    assert names(org_unit_id=str(world.units["U01-B01"].id)) == ["b.two"]
    assert names(kind="service") == ["svc.one"]
    assert names(q="thr") == ["c.three"]
    assert names(is_active="false") == []

    seen, cursor = [], None
    while True:
        page = client.get(
            BASE, params={"limit": 2, **({"cursor": cursor} if cursor else {})}, headers=admin
        ).json()
        assert len(page["items"]) <= 2
        seen += [u["id"] for u in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert len(seen) == 5 == len(set(seen))
    problem(client.get(BASE, params={"cursor": "%%%"}, headers=admin), 400, "invalid_cursor")
    problem(client.get(BASE, params={"limit": 500}, headers=admin), 422, "validation_failed")
    # a user outside the scope does not exist for this caller
    problem(client.get(f"{BASE}/{world.users['d.four'].id}", headers=admin), 404, "not_found")


# --- update and deactivate ------------------------------------------------------------------------


def test_patch_needs_if_match_and_deactivation_locks_the_account_out(client, world, session, problem):
    admin = world.as_role("admin", "U01")
    target = world.user("qian.qi", ("officer", "U01-B01"))
    path = f"{BASE}/{target.id}"
    their_token = login(client, "qian.qi", TEST_PASSWORD).json()["access_token"]

    problem(client.patch(path, json={"display_name": "钱七"}, headers=admin), 428, "if_match_required")
    problem(
        client.patch(path, json={"display_name": "钱七"}, headers={**admin, "If-Match": '"5"'}),
        412,
        "version_mismatch",
    )
    body = problem(
        client.patch(
            path, json={"username": "x", "email": "not-an-email"}, headers={**admin, "If-Match": '"1"'}
        ),
        422,
        "validation_failed",
    )
    assert {e["field"] for e in body["errors"]} == {"username", "email"}

    r = client.patch(
        path, json={"display_name": "钱七", "email": "qian@example.cn"}, headers={**admin, "If-Match": '"1"'}
    )
    assert r.status_code == 200, r.text
    assert r.json()["display_name"] == "钱七" and etag(r) == '"2"'
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "user.updated")).one()
    assert event.changes["after"] == {
        "display_name": "钱七",
        "email": "***",
    }  # e-mail is personal data: redacted

    r = client.patch(path, json={"is_active": False}, headers={**admin, "If-Match": etag(r)})
    assert r.status_code == 200 and r.json()["is_active"] is False
    problem(client.get("/api/v1/auth/me", headers=bearer(their_token)), 401, "invalid_token")
    problem(login(client, "qian.qi", TEST_PASSWORD), 401, "account_disabled")

    # nobody deactivates themselves
    me = world.users["admin.u01"]
    problem(
        client.patch(f"{BASE}/{me.id}", json={"is_active": False}, headers={**admin, "If-Match": '"1"'}),
        422,
        "grant_self",
    )


# --- grants ---------------------------------------------------------------------------------------


def grants_path(user) -> str:
    return f"{BASE}/{user.id}/grants"


def test_grants_add_list_delete_and_every_change_is_audited(client, world, session, problem):
    admin = world.as_role("admin", "U01")
    admin_user = world.users["admin.u01"]
    target = world.user("sun.ba", ("member", "U01-B01"))
    unit = world.units["U01-B01"].id

    r = client.post(grants_path(target), json={"role": "officer", "org_unit_id": str(unit)}, headers=admin)
    assert r.status_code == 201, r.text
    grant = r.json()
    assert grant["role"] == "officer" and grant["org_unit_id"] == str(unit)
    listed = client.get(grants_path(target), headers=world.as_role("auditor", "U01")).json()
    assert sorted(g["role"] for g in listed) == ["member", "officer"]
    # the grant takes effect: the user now holds members.write
    token = login(client, "sun.ba", TEST_PASSWORD).json()["access_token"]
    assert "members.write" in client.get("/api/v1/auth/me", headers=bearer(token)).json()["permissions"]

    problem(
        client.post(grants_path(target), json={"role": "officer", "org_unit_id": str(unit)}, headers=admin),
        409,
        "grant_exists",
    )

    assert client.delete(f"{grants_path(target)}/{grant['id']}", headers=admin).status_code == 204
    problem(client.delete(f"{grants_path(target)}/{grant['id']}", headers=admin), 404, "not_found")
    assert [g["role"] for g in client.get(grants_path(target), headers=admin).json()] == ["member"]

    events = session.exec(
        select(AuditEvent)
        .where(AuditEvent.action.in_(["grant.added", "grant.removed"]))
        .order_by(AuditEvent.id)
    ).all()
    assert [(e.action, e.actor_id, e.entity_id, e.org_unit_id) for e in events] == [
        ("grant.added", admin_user.id, target.id, unit),
        ("grant.removed", admin_user.id, target.id, unit),
    ]
    assert events[0].changes["after"] == {
        "grant_id": grant["id"],
        "role": "officer",
        "org_unit_id": str(unit),
    }
    assert events[1].changes["before"]["grant_id"] == grant["id"]
    assert all(e.request_id for e in events)


def test_grants_only_inside_the_callers_scope(client, world, problem):
    admin = world.as_role("admin", "U01")
    target = world.user("zhou.jiu", ("member", "U01-B01"))
    for unit in (world.units["U02"].id, world.units["ROOT"].id, uuid.uuid4()):
        body = problem(
            client.post(
                grants_path(target), json={"role": "officer", "org_unit_id": str(unit)}, headers=admin
            ),
            422,
            "not_found",
        )
        assert body["errors"] == [{"field": "org_unit_id", "code": "not_found", "message": body["detail"]}]
    # a user outside the scope cannot be reached at all
    stranger = world.user("wu.shi", ("member", "U02"))
    problem(
        client.post(
            grants_path(stranger),
            json={"role": "member", "org_unit_id": str(world.units["U01"].id)},
            headers=admin,
        ),
        404,
        "not_found",
    )
    # and a grant on a user in scope but at a unit outside it cannot be withdrawn from here
    with world.db.write_session() as s:
        foreign = Grant(user_id=target.id, role="member", org_unit_id=world.units["U02"].id)
        s.add(foreign)
        s.commit()
    problem(client.delete(f"{grants_path(target)}/{foreign.id}", headers=admin), 404, "not_found")


def test_nobody_changes_their_own_grants(client, world, problem):
    admin = world.as_role("admin", "U01")
    me = world.users["admin.u01"]
    body = problem(
        client.post(
            grants_path(me), json={"role": "chair", "org_unit_id": str(world.units["U01"].id)}, headers=admin
        ),
        422,
        "grant_self",
    )
    assert body["errors"][0]["field"] == "user_id"
    own = client.get(grants_path(me), headers=admin).json()[0]
    problem(client.delete(f"{grants_path(me)}/{own['id']}", headers=admin), 422, "grant_self")


def test_nobody_grants_a_role_above_their_own(client, world, problem, monkeypatch):
    """Nobody grants a role above their own (issue: Users and grants). With the shipped matrix only admin
    holds grants.write and admin ranks highest, so the check cannot fire through the API as configured;
    here grants.write is lent to chairs for the duration of the test to exercise the whole path, and the
    rank function (``Principal.best_rank``) is tested directly below."""
    monkeypatch.setitem(PERMISSIONS, "grants.write", frozenset({Role.admin, Role.chair}))
    chair = world.user("chair.granter", ("chair", "U01"), ("admin", "U01-B01"))
    headers = world.headers(chair)
    target = world.user("zheng.shiyi", ("member", "U01-B02"))
    b02, b01 = world.units["U01-B02"].id, world.units["U01-B01"].id

    body = problem(
        client.post(grants_path(target), json={"role": "admin", "org_unit_id": str(b02)}, headers=headers),
        422,
        "role_above_own",
    )
    assert body["errors"][0]["field"] == "role" and "admin" in body["detail"]
    # equal or lower ranks are fine
    for role in ("chair", "officer", "treasurer"):
        r = client.post(grants_path(target), json={"role": role, "org_unit_id": str(b02)}, headers=headers)
        assert r.status_code == 201, (role, r.text)
    # the rank counts where the grant lands: at U01-B01 this caller is an admin
    assert (
        client.post(
            grants_path(target), json={"role": "admin", "org_unit_id": str(b01)}, headers=headers
        ).status_code
        == 201
    )
    # and the same rule guards withdrawals: an admin grant at U01-B02 is above a chair there
    with world.db.write_session() as s:
        high = Grant(user_id=target.id, role="admin", org_unit_id=b02)
        s.add(high)
        s.commit()
    problem(client.delete(f"{grants_path(target)}/{high.id}", headers=headers), 422, "role_above_own")


def test_best_rank_is_the_highest_role_at_the_unit_or_above():
    u01, b01, b02, u02 = (uuid.uuid4() for _ in range(4))
    p = Principal(
        user_id=uuid.uuid4(),
        username="p",
        kind="human",
        org_unit_id=u01,
        member_id=None,
        grants=(GrantRef(Role.chair, u01), GrantRef(Role.admin, b01), GrantRef(Role.member, u02)),
    )
    assert p.best_rank({b02, u01}) == ROLE_RANK[Role.chair]  # B02 and its ancestor U01
    assert p.best_rank({b01, u01}) == ROLE_RANK[Role.admin]
    assert p.best_rank({u02}) == ROLE_RANK[Role.member]
    assert p.best_rank({uuid.uuid4()}) == 0
    assert ROLE_RANK[Role.admin] > ROLE_RANK[Role.chair] > ROLE_RANK[Role.officer] > ROLE_RANK[Role.member]
