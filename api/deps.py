"""Dependencies every router uses: the session, the caller, ``require(permission)``, paging, If-Match.

Each route declares exactly one permission with ``dependencies=[Depends(require("x.y"))]`` (or
``public()``); the permission-matrix test walks the app's routes and fails on a route with none.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from typing import Annotated, Any, TypeVar

import sqlalchemy as sa
from fastapi import Depends, Header, Query, Request
from fastapi.security import OAuth2PasswordBearer
from sqlmodel import Session, col
from starlette.concurrency import run_in_threadpool

from api.config import Settings
from api.db.models import Grant, User
from api.db.session import Database
from api.db.types import AnySelect, table_of
from api.errors import Forbidden, PreconditionFailed, PreconditionRequired, Unauthorized
from api.security.permissions import Role, roles_with
from api.security.principal import GrantRef, Principal
from api.security.tokens import decode_access_token

TOKEN_URL = "/api/v1/auth/token"
oauth2_scheme = OAuth2PasswordBearer(tokenUrl=TOKEN_URL, auto_error=False)

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
T = TypeVar("T")


# Dependencies that do no I/O are ``async def``: FastAPI then runs them on the event loop instead of
# sending each through the thread pool (measured in bench/: ~10% of a by-id request's CPU).


async def get_settings_dep(request: Request) -> Settings:
    return request.app.state.settings


async def get_database(request: Request) -> Database:
    return request.app.state.db


# Thread-pool hops: a hop is a worker hand-off plus an event-loop wake-up, ~0.2 ms of CPU on the
# benchmark machine — more than a primary-key SELECT on SQLite (docs/benchmarks.md, request overhead).
# Short, bounded database calls made by dependencies (loading the caller, loading the addressed
# object, closing the session) therefore run on the event loop when the database is SQLite and the
# request only reads: SQLite is in-process (no network wait) and in WAL mode readers never wait for a
# lock. Requests that write may wait for SQLite's write lock (busy_timeout), and PostgreSQL waits on
# a socket: those calls go to the thread pool. Endpoints always run in the thread pool (api/routing.py).


async def get_session(request: Request) -> AsyncIterator[Session]:
    """One session per request; requests that may write take SQLite's write lock up front.

    Creating a session does no I/O (it connects on first use), so this runs on the event loop.
    """
    db: Database = request.app.state.db
    reading = request.method in READ_METHODS
    session = (db.read_session if reading else db.write_session)()
    session.info["inline_io"] = reading and db.dialect == "sqlite"
    try:
        yield session
    finally:
        if db.dialect == "sqlite":  # releasing a connection never waits on SQLite
            session.close()
        else:
            await run_in_threadpool(session.close)


async def db_call(session: Session, fn: Callable[..., T], *args: Any) -> T:
    """Run ``fn(*args)``, a short database call of a dependency, inline or in the thread pool (above)."""
    if session.info.get("inline_io"):
        return fn(*args)
    return await run_in_threadpool(fn, *args)


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
SessionDep = Annotated[Session, Depends(get_session)]
#: the app's :class:`Database`, for use cases that open their own sessions (imports, background jobs)
DatabaseDep = Annotated[Database, Depends(get_database)]


#: built once: a statement object reused across requests keeps its SQL cache key, which SQLAlchemy
#: would otherwise recompute from the statement tree on every request (a third of this query's cost)
_PRINCIPAL: AnySelect = (
    sa.select(
        col(User.username),
        col(User.kind),
        col(User.org_unit_id),
        col(User.member_id),
        col(User.is_active),
        col(User.must_change_password),
        col(Grant.role),
        col(Grant.org_unit_id).label("grant_unit_id"),
    )
    .outerjoin(Grant, col(Grant.user_id) == col(User.id))
    .where(col(User.id) == sa.bindparam("user_id", type_=table_of(User).c.id.type))
)


def load_principal(session: Session, user_id: uuid.UUID) -> Principal | None:
    """The caller and their grants, read fresh on every request (one query), so a deactivated account
    or a withdrawn grant takes effect at once rather than when the access token expires."""
    rows = session.execute(_PRINCIPAL, {"user_id": user_id}).all()
    if not rows or not rows[0].is_active:
        return None
    user = rows[0]
    return Principal(
        user_id=user_id,
        username=user.username,
        kind=user.kind,
        org_unit_id=user.org_unit_id,
        member_id=user.member_id,
        grants=tuple(GrantRef(Role(r.role), r.grant_unit_id) for r in rows if r.role is not None),
        must_change_password=user.must_change_password,
    )


async def get_principal(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    token: Annotated[str | None, Depends(oauth2_scheme)],
) -> Principal:
    if not token:
        raise Unauthorized("not_authenticated")
    claims = decode_access_token(token, settings)  # CPU only: on the event loop
    principal = await db_call(session, load_principal, session, uuid.UUID(claims["sub"]))
    if principal is None:
        raise Unauthorized("invalid_token")
    return principal


CurrentPrincipal = Annotated[Principal, Depends(get_principal)]


class require:
    """Route dependency: the caller must hold ``permission`` somewhere; binds it for scope checks."""

    def __init__(self, permission: str):
        roles_with(permission)  # unknown permission names fail at import time
        self.permission = permission

    async def __call__(self, request: Request, principal: CurrentPrincipal) -> Principal:
        if principal.must_change_password and self.permission != "me":
            raise Forbidden("password_change_required")
        # "me" is every authenticated caller, including a new account with no grant yet (it must be
        # able to change its one-time password and see who it is)
        if self.permission != "me" and not principal.has(self.permission):
            raise Forbidden(permission=self.permission)
        bound = replace(principal, permission=self.permission)
        request.state.principal = bound
        return bound

    def __repr__(self) -> str:
        return f"require({self.permission!r})"


class public:
    """Route dependency that declares a route open to anonymous callers (health checks, login)."""

    permission = None

    async def __call__(self) -> None:
        return None

    def __repr__(self) -> str:
        return "public()"


async def get_authorized(request: Request) -> Principal:
    """The caller bound to the permission the route declared (set by ``require``)."""
    principal = getattr(request.state, "principal", None)
    if principal is None:  # a route using Authorized without require(): a programming error
        raise RuntimeError("route uses Authorized but declares no require(permission)")
    return principal


Authorized = Annotated[Principal, Depends(get_authorized)]


class PageParams:
    def __init__(
        self,
        limit: Annotated[int, Query(ge=1, le=200, description="Page size (at most 200).")] = 50,
        cursor: Annotated[
            str | None, Query(max_length=512, description="`next_cursor` of the previous page.")
        ] = None,
    ):
        self.limit = limit
        self.cursor = cursor


PageQuery = Annotated[PageParams, Depends(PageParams)]

_ETAG = re.compile(r'^(?:W/)?"(\d+)"$')


async def if_match(
    if_match: Annotated[
        str | None,
        Header(alias="If-Match", description='The ETag from your last GET, e.g. `"3"`.'),
    ] = None,
) -> int:
    """The version the client last saw. Missing -> 428; a value that is no ETag of ours -> 412."""
    if not if_match:
        raise PreconditionRequired()
    match = _ETAG.match(if_match.strip())
    if not match:
        raise PreconditionFailed()
    return int(match.group(1))


IfMatch = Annotated[int, Depends(if_match)]
