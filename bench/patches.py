"""Proposed fixes, applied by monkeypatching inside a benchmark server only, to measure their effect
before their owners change the real code: ``python -m bench --patch NAME`` serves
``bench.patched_app:app`` instead of ``api.main:app`` (docs/benchmarks.md records before/after).

Nothing here is imported by the application itself.
"""

import dataclasses
import uuid
from collections.abc import Callable, Sequence
from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import Depends, Request
from sqlmodel import Session, select

PATCHES: dict[str, tuple[str, Callable[[], None]]] = {}


def patch(name: str, description: str) -> Callable[[Callable[[], None]], Callable[[], None]]:
    def register(fn: Callable[[], None]) -> Callable[[], None]:
        PATCHES[name] = (description, fn)
        return fn

    return register


@patch("feed-core-rows", "api/services/changes.py read(): select the table's columns (Core rows) instead of "
                         "ORM entities; ChangeOut validates rows by attribute as before")
def _feed_core_rows() -> None:
    from api.db.models import ChangeLogEntry
    from api.services import changes
    from api.services.scope import in_scope

    t = ChangeLogEntry.__table__

    def read(session: Session, *, since: int, limit: int, roots: Sequence[uuid.UUID],
             entity_type: str | None = None) -> list[Any]:
        stmt = sa.select(*t.c).where(t.c.seq > since, in_scope(t.c.org_unit_id, roots))
        if entity_type:
            stmt = stmt.where(t.c.entity_type == entity_type)
        return list(session.execute(stmt.order_by(t.c.seq).limit(limit)).all())

    changes.read = read


@patch("principal-one-query", "api/deps.py load_principal(): the user and its grants in one outer-joined "
                              "SELECT of the needed columns instead of session.get(User) + a grants query")
def _principal_one_query() -> None:
    from api import deps
    from api.db.models import Grant, User
    from api.security.permissions import Role
    from api.security.principal import GrantRef, Principal

    def load_principal(session: Session, user_id: uuid.UUID) -> Principal | None:
        rows = session.execute(
            select(User.id, User.username, User.kind, User.org_unit_id, User.member_id, User.is_active,
                   User.must_change_password, Grant.role, Grant.org_unit_id.label("grant_unit"))
            .outerjoin(Grant, Grant.user_id == User.id).where(User.id == user_id)
        ).all()
        if not rows or not rows[0].is_active:
            return None
        u = rows[0]
        return Principal(
            user_id=u.id, username=u.username, kind=u.kind, org_unit_id=u.org_unit_id, member_id=u.member_id,
            grants=tuple(GrantRef(Role(r.role), r.grant_unit) for r in rows if r.role is not None),
            must_change_password=u.must_change_password,
        )

    deps.load_principal = load_principal


@patch("async-pure-deps", "api/deps.py: declare the dependencies that do no I/O as `async def` "
                          "(require.__call__, get_authorized, get_settings_dep, get_database) so FastAPI "
                          "runs them on the event loop instead of one thread-pool hop each")
def _async_pure_deps() -> None:
    from api import deps
    from api.errors import Forbidden
    from api.security.principal import Principal

    async def require_call(self: Any, request: Request,
                           principal: Annotated[Principal, Depends(deps.get_principal)]) -> Principal:
        if principal.must_change_password and self.permission != "me":
            raise Forbidden("password_change_required")
        if not principal.has(self.permission):
            raise Forbidden(permission=self.permission)
        bound = Principal(**{**principal.__dict__, "permission": self.permission})
        request.state.principal = bound
        return bound

    async def get_authorized(request: Request) -> Principal:
        principal = getattr(request.state, "principal", None)
        if principal is None:
            raise RuntimeError("route uses Authorized but declares no require(permission)")
        return principal

    async def get_settings_dep(request: Request) -> Any:
        return request.app.state.settings

    async def get_database(request: Request) -> Any:
        return request.app.state.db

    deps.require.__call__ = require_call  # type: ignore[method-assign]
    for alias, fn in ((deps.Authorized, get_authorized), (deps.SettingsDep, get_settings_dep)):
        object.__setattr__(alias.__metadata__[0], "dependency", fn)
    deps.get_authorized, deps.get_settings_dep, deps.get_database = get_authorized, get_settings_dep, get_database


@patch("list-scope-intersect", "api/services/members.py list_stmt(): with an org_unit_id filter, filter by ONE "
                               "subquery (the unit's subtree intersected with the caller's subtrees) instead of two "
                               "IN-subqueries, so the planner drives the index from the small subtree")
def _list_scope_intersect() -> None:
    from api.db.models import Member, OrgUnitClosure
    from api.services import members
    from api.services.scope import subtree_ids

    original = members.list_stmt

    def list_stmt(principal: Any, filters: Any = None, *, permission: str | None = None) -> Any:
        if filters is None or filters.org_unit_id is None:
            return original(principal, filters, permission=permission)
        roots = principal.units_for(permission)
        if not roots:
            return original(principal, filters, permission=permission)
        within = (select(OrgUnitClosure.descendant_id)
                  .where(OrgUnitClosure.ancestor_id == filters.org_unit_id,
                         OrgUnitClosure.descendant_id.in_(subtree_ids(roots))))
        rest = dataclasses.replace(filters, org_unit_id=None)
        stmt = original(principal, rest, permission=permission)
        # drop the scope condition the original added first and use the intersected subtree instead
        stmt = stmt.where(Member.org_unit_id.in_(within))
        stmt._where_criteria = tuple(c for i, c in enumerate(stmt._where_criteria) if i != 0)
        return stmt

    members.list_stmt = list_stmt


def apply(names: Sequence[str]) -> list[str]:
    """Apply the named patches (before api.main and the routers are imported); returns their names."""
    applied = []
    for name in names:
        name = name.strip()
        if not name:
            continue
        if name not in PATCHES:
            raise SystemExit(f"unknown patch {name!r}; known: {', '.join(PATCHES)}")
        PATCHES[name][1]()
        applied.append(name)
    return applied
