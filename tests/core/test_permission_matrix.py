"""The permission matrix, generated from the app's own routes (docs/rules.md §0).

For every route: it declares exactly one permission (or is explicitly public); without a token it
is 401; with a token lacking the permission it is 403 (404 is also right for object routes); and an
in-scope caller holding the permission succeeds, using the request recipe below. A new route without
a recipe fails ``test_every_route_has_a_recipe``.
"""

from __future__ import annotations

import importlib.util
import re
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.routing import APIRoute
from matrix import PUBLIC_RECIPES, RECIPES, Call

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


def _load_recipes() -> None:
    for path in sorted(Path(__file__).resolve().parents[1].glob("*/recipes_*.py")):
        spec = importlib.util.spec_from_file_location(f"gonghui_recipes_{path.stem}", path)
        assert spec and spec.loader
        spec.loader.exec_module(importlib.util.module_from_spec(spec))


_load_recipes()


def _permission_of(route: Any) -> str | None:
    return declared(route)[0].permission


def _fill_path(path: str) -> str:
    return re.sub(r"\{[^}]+\}", str(uuid.uuid4()), path)


def _send(client, call: Call, headers: dict[str, str]):
    return client.request(
        call.method,
        call.path,
        json=call.json,
        data=call.data,
        files=call.files,
        headers={**headers, **call.headers},
    )


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


def _lacking(route: Any) -> list[Role]:
    perm = _permission_of(route)
    return [role for role in Role if perm and role not in PERMISSIONS[perm]]


# Routes whose permission every role holds ("me": the caller's own account and inbox) have nobody to refuse.
@pytest.mark.parametrize("route", [r for r in ROUTES if _lacking(r)], ids=lambda r: r.name)
def test_token_without_the_permission_is_403_or_404(client, world, route):
    lacking = _lacking(route)
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


@pytest.mark.parametrize(
    "route", [r for r in ROUTES if _permission_of(r) and "{" in r.path], ids=lambda r: r.name
)
def test_objects_outside_the_callers_scope_are_404(client, world, route):
    """The same call from a holder of the permission, but granted only at the other union (U02)."""
    perm = _permission_of(route)
    call = RECIPES[route.name](client, world)
    if "Authorization" in call.headers:
        pytest.skip("route acts on the caller's own token")
    r = _send(client, call, world.as_role(call.role, "U02"))
    assert r.status_code == 404, (perm, r.status_code, r.text)
