"""Permission-matrix recipes for the foundation's routes (auth, org units, users, audit, health)."""

from __future__ import annotations

from matrix import PUBLIC_RECIPES, RECIPES, Call, recipe

from api.db.models import User


@recipe("auth_me")
def _(client, world):
    return Call("member", "U01", "GET", "/api/v1/auth/me")


@recipe("auth_logout")
def _(client, world):
    world.user("logout.user", ("officer", "U01"))
    token = client.post(
        "/api/v1/auth/token", data={"username": "logout.user", "password": "correct-horse-battery"}
    )
    return Call(
        "officer",
        "U01",
        "POST",
        "/api/v1/auth/logout",
        json={"refresh_token": token.json()["refresh_token"]},
        headers={"Authorization": f"Bearer {token.json()['access_token']}"},
        expect=204,
    )


@recipe("auth_change_password")
def _(client, world):
    return Call(
        "member",
        "U01",
        "POST",
        "/api/v1/auth/password",
        json={"current_password": "correct-horse-battery", "new_password": "brand-new-passphrase-1"},
        expect=204,
    )


@recipe("org_units_list")
def _(client, world):
    return Call("auditor", "U01", "GET", "/api/v1/org-units")


@recipe("org_units_get")
def _(client, world):
    return Call("treasurer", "U01", "GET", f"/api/v1/org-units/{world.units['U01-B01'].id}")


@recipe("org_units_create")
def _(client, world):
    return Call(
        "admin",
        "U01",
        "POST",
        "/api/v1/org-units",
        expect=201,
        json={
            "code": "U01-B09",
            "name": "第九分工会",
            "kind": "branch",
            "parent_id": str(world.units["U01"].id),
            "approval_ref": "总工发〔2026〕1号",
        },
    )


def _unit_write(op_path: str, body: dict, unit: str = "U01-B02"):
    def make(client, world):
        path = f"/api/v1/org-units/{world.units[unit].id}"
        admin = world.as_role("admin", "U01")
        tag = client.get(path, headers=admin).headers["ETag"]
        resolved = {
            k: (str(world.units[v[1:]].id) if isinstance(v, str) and v.startswith("@") else v)
            for k, v in body.items()
        }
        return Call(
            "admin",
            "U01",
            "PATCH" if not op_path else "POST",
            path + op_path,
            json=resolved,
            headers={"If-Match": tag},
        )

    return make


RECIPES["org_units_update"] = _unit_write("", {"name": "第二分工会（机加）"})
RECIPES["org_units_move"] = _unit_write("/move", {"parent_id": "@U01"})
RECIPES["org_units_close"] = _unit_write(
    "/close", {"reason": "车间撤并", "approval_ref": "总工发〔2026〕2号"}
)


@recipe("users_list")
def _(client, world):
    return Call("chair", "U01", "GET", "/api/v1/users")


@recipe("users_create")
def _(client, world):
    return Call(
        "admin",
        "U01",
        "POST",
        "/api/v1/users",
        expect=201,
        json={
            "username": "new.officer",
            "display_name": "新干事",
            "org_unit_id": str(world.units["U01-B01"].id),
        },
    )


def _target_user(world):
    return world.users.get("target.user") or world.user("target.user", ("member", "U01-B01"))


@recipe("users_get")
def _(client, world):
    return Call("officer", "U01", "GET", f"/api/v1/users/{_target_user(world).id}")


@recipe("users_update")
def _(client, world):
    path = f"/api/v1/users/{_target_user(world).id}"
    tag = client.get(path, headers=world.as_role("admin", "U01")).headers["ETag"]
    return Call("admin", "U01", "PATCH", path, json={"display_name": "改名"}, headers={"If-Match": tag})


@recipe("users_reset_secret")
def _(client, world):
    user = _target_user(world)
    return Call(
        "admin", "U01", "POST", f"/api/v1/users/{user.id}/reset-secret", headers=world.if_match(User, user.id)
    )


@recipe("users_grants_list")
def _(client, world):
    return Call("auditor", "U01", "GET", f"/api/v1/users/{_target_user(world).id}/grants")


@recipe("users_grants_create")
def _(client, world):
    return Call(
        "admin",
        "U01",
        "POST",
        f"/api/v1/users/{_target_user(world).id}/grants",
        expect=201,
        json={"role": "officer", "org_unit_id": str(world.units["U01-B01"].id)},
        headers=world.if_match(User, _target_user(world).id),
    )


@recipe("users_grants_delete")
def _(client, world):
    user = _target_user(world)
    grants = client.get(f"/api/v1/users/{user.id}/grants", headers=world.as_role("admin", "U01")).json()
    return Call(
        "admin",
        "U01",
        "DELETE",
        f"/api/v1/users/{user.id}/grants/{grants['items'][0]['id']}",
        expect=204,
        headers=world.if_match(User, user.id),
    )


@recipe("audit_events_list")
def _(client, world):
    return Call("auditor", "U01", "GET", "/api/v1/audit-events")


# Public routes: success without a token.
PUBLIC_RECIPES.update(
    {
        "health_live": lambda c, w: Call("", "", "GET", "/healthz"),
        "health_ready": lambda c, w: Call("", "", "GET", "/readyz"),
        "auth_token": lambda c, w: (
            w.user("tok.user", ("member", "U01")),
            Call(
                "",
                "",
                "POST",
                "/api/v1/auth/token",
                data={"username": "tok.user", "password": "correct-horse-battery"},
            ),
        )[1],
        "auth_refresh": lambda c, w: (
            w.user("ref.user", ("member", "U01")),
            Call(
                "",
                "",
                "POST",
                "/api/v1/auth/refresh",
                json={
                    "refresh_token": c.post(
                        "/api/v1/auth/token",
                        data={"username": "ref.user", "password": "correct-horse-battery"},
                    ).json()["refresh_token"]
                },
            ),
        )[1],
    }
)
