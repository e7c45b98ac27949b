"""Member accounts and self-service (issue "Members": a login with role `member` on their unit, linked
to the record, with a one-time password; a member sees and edits only their own contact details)."""

from __future__ import annotations

import uuid

from factories import link_member_user
from sqlmodel import select

from api.db.models import Grant, User

BASE = "/api/v1/members"
ME = "/api/v1/me/member"


def _login(client, username, password):
    r = client.post("/api/v1/auth/token", data={"username": username, "password": password})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def test_account_with_one_time_password_that_must_be_changed(
    client, world, new_member, officer, session, problem, audit_events
):
    m = new_member("U01-B02", email="li@example.com")
    r = client.post(f"{BASE}/{m['id']}/account", headers=officer)
    assert r.status_code == 201, r.text
    account = r.json()
    assert account["username"] == m["member_no"].lower() and account["must_change_password"] is True
    assert account["member_id"] == m["id"] and account["org_unit_id"] == str(world.units["U01-B02"].id)
    assert len(account["initial_password"]) >= 12

    user = session.exec(select(User).where(User.id == uuid.UUID(account["user_id"]))).one()
    assert str(user.member_id) == m["id"] and user.email == "li@example.com"
    grants = session.exec(select(Grant).where(Grant.user_id == user.id)).all()
    assert [(g.role, g.org_unit_id) for g in grants] == [("member", world.units["U01-B02"].id)]
    assert len(audit_events("member.account_created", m["id"])) == 1
    assert account["initial_password"] not in str([e.changes for e in audit_events("user.created")])

    headers = _login(client, account["username"], account["initial_password"])
    problem(client.get(ME, headers=headers), 403, "password_change_required")
    r = client.post(
        "/api/v1/auth/password",
        headers=headers,
        json={"current_password": account["initial_password"], "new_password": "a-new-long-passphrase-9"},
    )
    assert r.status_code == 204, r.text
    r = client.get(ME, headers=headers)
    assert r.status_code == 200, r.text
    assert r.json()["id"] == m["id"] and r.json()["phone"] == m["phone"]  # their own phone, unmasked


def test_one_account_per_member(client, new_member, officer, problem):
    m = new_member()
    assert (
        client.post(
            f"{BASE}/{m['id']}/account", headers=officer, json={"username": "zhang.worker"}
        ).status_code
        == 201
    )
    body = problem(client.post(f"{BASE}/{m['id']}/account", headers=officer), 409, "member_account_exists")
    assert body["username"] == "zhang.worker"
    other = new_member()
    problem(
        client.post(f"{BASE}/{other['id']}/account", headers=officer, json={"username": "zhang.worker"}),
        409,
        "username_taken",
    )


def test_former_members_get_no_account(client, new_member, officer, problem):
    m = new_member()
    r = client.post(
        f"{BASE}/{m['id']}/lifecycle", json={"action": "death"}, headers={**officer, "If-Match": m["etag"]}
    )
    assert r.status_code == 200
    body = problem(client.post(f"{BASE}/{m['id']}/account", headers=officer), 409, "member_not_current")
    assert body["current"] == "deceased"


def test_only_officers_create_accounts(client, world, new_member, problem):
    m = new_member()
    for role in ("chair", "treasurer", "auditor", "admin", "member"):
        problem(
            client.post(f"{BASE}/{m['id']}/account", headers=world.as_role(role, "U01")),
            403,
            "permission_denied",
        )


def test_me_without_a_linked_record_is_404(client, world, problem):
    problem(client.get(ME, headers=world.as_role("member", "U01")), 404, "member_not_linked")


def test_member_edits_only_their_own_contact_details(
    client, world, new_member, problem, audit_events, change_feed
):
    m = new_member()
    link_member_user(world, "self.member", m["id"])
    me = world.headers("self.member")
    r = client.get(ME, headers=me)
    assert r.status_code == 200 and r.json()["national_id_masked"] == m["national_id_masked"]
    assert "notes" not in r.json() and "national_id" not in r.json()
    problem(client.patch(ME, json={"phone": "13900001111"}, headers=me), 428, "if_match_required")
    r = client.patch(
        ME,
        json={"phone": "13900001111", "email": "me@example.com"},
        headers={**me, "If-Match": r.headers["ETag"]},
    )
    assert r.status_code == 200, r.text
    assert (r.json()["phone"], r.json()["email"]) == ("13900001111", "me@example.com")
    [event] = audit_events("member.contact_updated", m["id"])
    assert event.changes["after"] == {"phone": "***", "email": "***"}
    assert change_feed(m["id"]) == ["created", "updated"]
    for forbidden in (
        {"name": "改名"},
        {"monthly_wage_fen": 1},
        {"status": "active"},
        {"org_unit_id": m["id"]},
        {"is_representative": True},
        {"national_id": "x"},
    ):
        body = problem(
            client.patch(ME, json=forbidden, headers={**me, "If-Match": r.headers["ETag"]}),
            422,
            "validation_failed",
        )
        assert body["errors"][0]["code"] == "extra_forbidden", forbidden
    problem(
        client.patch(ME, json={"phone": "123"}, headers={**me, "If-Match": r.headers["ETag"]}),
        422,
        "validation_failed",
    )


def test_a_member_never_reads_another_member(client, world, new_member, problem):
    """docs/rules.md §0: members read "self" only."""
    mine, other = new_member(), new_member()
    link_member_user(world, "nosy.member", mine["id"])
    me = world.headers("nosy.member")
    problem(client.get(f"{BASE}/{other['id']}", headers=me), 403, "permission_denied")
    problem(client.get(f"{BASE}/{other['id']}/national-id", headers=me), 403, "permission_denied")
    problem(client.get(f"{BASE}/{other['id']}/events", headers=me), 403, "permission_denied")
    problem(client.get(BASE, headers=me), 403, "permission_denied")
    problem(
        client.patch(
            f"{BASE}/{other['id']}", json={"phone": "13900001111"}, headers={**me, "If-Match": '"1"'}
        ),
        403,
        "permission_denied",
    )
    assert client.get(ME, headers=me).json()["id"] == mine["id"]
