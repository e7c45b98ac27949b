"""The permission matrix, generated from the app's own routes (domain.md §0).

For every route: it declares exactly one permission (or is explicitly public); without a token it
is 401; with a token lacking the permission it is 403 (404 is also right for object routes); and an
in-scope caller holding the permission succeeds, using the request recipe below. A new route without
a recipe fails ``test_every_route_has_a_recipe``.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi.routing import APIRoute

from api.deps import public, require
from api.main import api_routes
from api.security.permissions import PERMISSIONS, Role


def declared(r: Any) -> list[Any]:
    route = r.route if isinstance(r, R) else r
    return [d.call for d in route.dependant.dependencies if isinstance(d.call, (require, public))]


@dataclass(frozen=True)
class R:
    path: str
    route: APIRoute

    @property
    def name(self) -> str:
        return self.route.name

    @property
    def methods(self) -> set[str]:
        return self.route.methods


ROUTES = [R(path, route) for path, route in api_routes()]


@dataclass
class Call:
    role: str
    unit: str
    method: str
    path: str
    json: Any = None
    data: dict[str, str] | None = None
    headers: dict[str, str] = field(default_factory=dict)
    expect: int = 200


def _version(client, world, path, headers) -> str:
    return client.get(path, headers=headers).headers["ETag"]


# Each recipe gets (client, world) and returns the Call an authorised, in-scope caller makes.
RECIPES: dict[str, Callable[[Any, Any], Call]] = {}


def recipe(op: str):
    def register(fn):
        RECIPES[op] = fn
        return fn

    return register


@recipe("auth_me")
def _(client, world):
    return Call("member", "U01", "GET", "/api/v1/auth/me")


@recipe("auth_logout")
def _(client, world):
    world.user("logout.user", ("officer", "U01"))
    token = client.post("/api/v1/auth/token", data={"username": "logout.user", "password": "correct-horse-battery"})
    return Call("officer", "U01", "POST", "/api/v1/auth/logout",
                json={"refresh_token": token.json()["refresh_token"]},
                headers={"Authorization": f"Bearer {token.json()['access_token']}"}, expect=204)


@recipe("auth_change_password")
def _(client, world):
    return Call("member", "U01", "POST", "/api/v1/auth/password",
                json={"current_password": "correct-horse-battery", "new_password": "brand-new-passphrase-1"},
                expect=204)


@recipe("org_units_list")
def _(client, world):
    return Call("auditor", "U01", "GET", "/api/v1/org-units")


@recipe("org_units_get")
def _(client, world):
    return Call("treasurer", "U01", "GET", f"/api/v1/org-units/{world.units['U01-B01'].id}")


@recipe("org_units_create")
def _(client, world):
    return Call("admin", "U01", "POST", "/api/v1/org-units", expect=201, json={
        "code": "U01-B09", "name": "第九分工会", "kind": "branch", "parent_id": str(world.units["U01"].id)})


def _unit_write(op_path: str, body: dict, unit: str = "U01-B02"):
    def make(client, world):
        path = f"/api/v1/org-units/{world.units[unit].id}"
        admin = world.as_role("admin", "U01")
        tag = client.get(path, headers=admin).headers["ETag"]
        resolved = {k: (str(world.units[v[1:]].id) if isinstance(v, str) and v.startswith("@") else v)
                    for k, v in body.items()}
        return Call("admin", "U01", "PATCH" if not op_path else "POST", path + op_path, json=resolved,
                    headers={"If-Match": tag})

    return make


RECIPES["org_units_update"] = _unit_write("", {"name": "第二分工会（机加）"})
RECIPES["org_units_move"] = _unit_write("/move", {"parent_id": "@U01"})
RECIPES["org_units_close"] = _unit_write("/close", {"reason": "车间撤并"})


@recipe("users_list")
def _(client, world):
    return Call("chair", "U01", "GET", "/api/v1/users")


@recipe("users_create")
def _(client, world):
    return Call("admin", "U01", "POST", "/api/v1/users", expect=201, json={
        "username": "new.officer", "display_name": "新干事", "org_unit_id": str(world.units["U01-B01"].id)})


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
    return Call("admin", "U01", "POST", f"/api/v1/users/{_target_user(world).id}/reset-secret")


@recipe("users_grants_list")
def _(client, world):
    return Call("auditor", "U01", "GET", f"/api/v1/users/{_target_user(world).id}/grants")


@recipe("users_grants_create")
def _(client, world):
    return Call("admin", "U01", "POST", f"/api/v1/users/{_target_user(world).id}/grants", expect=201,
                json={"role": "officer", "org_unit_id": str(world.units["U01-B01"].id)})


@recipe("users_grants_delete")
def _(client, world):
    user = _target_user(world)
    grants = client.get(f"/api/v1/users/{user.id}/grants", headers=world.as_role("admin", "U01")).json()
    return Call("admin", "U01", "DELETE", f"/api/v1/users/{user.id}/grants/{grants[0]['id']}", expect=204)


@recipe("audit_events_list")
def _(client, world):
    return Call("auditor", "U01", "GET", "/api/v1/audit-events")


# Public routes: success without a token.
PUBLIC_RECIPES: dict[str, Callable[[Any, Any], Call]] = {
    "health_live": lambda c, w: Call("", "", "GET", "/healthz"),
    "health_ready": lambda c, w: Call("", "", "GET", "/readyz"),
    "auth_token": lambda c, w: (w.user("tok.user", ("member", "U01")), Call(
        "", "", "POST", "/api/v1/auth/token", data={"username": "tok.user", "password": "correct-horse-battery"}))[1],
    "auth_refresh": lambda c, w: (w.user("ref.user", ("member", "U01")), Call(
        "", "", "POST", "/api/v1/auth/refresh", json={"refresh_token": c.post("/api/v1/auth/token", data={
            "username": "ref.user", "password": "correct-horse-battery"}).json()["refresh_token"]}))[1],
}


def _permission_of(route: Any) -> str | None:
    return declared(route)[0].permission


def _fill_path(path: str) -> str:
    return re.sub(r"\{[^}]+\}", str(uuid.uuid4()), path)


def _send(client, call: Call, headers: dict[str, str]):
    return client.request(call.method, call.path, json=call.json, data=call.data, headers={**headers, **call.headers})


def test_every_route_declares_exactly_one_permission():
    missing = [f"{sorted(r.methods)} {r.path}" for r in ROUTES if len(declared(r)) != 1]
    assert not missing, f"routes without exactly one require(...)/public(): {missing}"


def test_every_route_has_a_recipe():
    ops = {r.name for r in ROUTES}
    public_ops = {r.name for r in ROUTES if _permission_of(r) is None}
    assert ops - public_ops - set(RECIPES) == set(), "add a recipe for each new route to this matrix"
    assert public_ops == set(PUBLIC_RECIPES), "public routes changed: review them and update PUBLIC_RECIPES"


@pytest.mark.parametrize("route", [r for r in ROUTES if _permission_of(r)], ids=lambda r: r.name)
def test_no_token_is_401(client, route, problem):
    for method in route.methods:
        problem(client.request(method, _fill_path(route.path)), 401, "not_authenticated")


@pytest.mark.parametrize("route", [r for r in ROUTES if _permission_of(r)], ids=lambda r: r.name)
def test_token_without_the_permission_is_403_or_404(client, world, route):
    perm = _permission_of(route)
    lacking = [role for role in Role if role not in PERMISSIONS[perm]]
    if not lacking:
        pytest.skip(f"every role holds {perm}")
    call = RECIPES[route.name](client, world)
    for role in lacking:
        r = _send(client, call, world.as_role(role.value, call.unit))
        if "Authorization" in call.headers:
            continue  # the recipe brings its own caller (logout)
        assert r.status_code in ({403, 404} if "{" in route.path else {403}), (role, r.status_code, r.text)


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.name)
def test_in_scope_caller_with_the_permission_succeeds(client, world, route):
    perm = _permission_of(route)
    if perm is None:
        call = PUBLIC_RECIPES[route.name](client, world)
        headers: dict[str, str] = {}
    else:
        call = RECIPES[route.name](client, world)
        assert Role(call.role) in PERMISSIONS[perm], f"recipe for {route.name} uses a role without {perm}"
        headers = world.as_role(call.role, call.unit)
    r = _send(client, call, headers)
    assert r.status_code == call.expect, r.text


@pytest.mark.parametrize("route", [r for r in ROUTES if _permission_of(r) and "{" in r.path], ids=lambda r: r.name)
def test_objects_outside_the_callers_scope_are_404(client, world, route):
    """The same call from a holder of the permission, but granted only at the other union (U02)."""
    perm = _permission_of(route)
    call = RECIPES[route.name](client, world)
    if "Authorization" in call.headers:
        pytest.skip("route acts on the caller's own token")
    r = _send(client, call, world.as_role(call.role, "U02"))
    assert r.status_code == 404, (perm, r.status_code, r.text)
