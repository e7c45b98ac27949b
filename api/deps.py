"""Dependencies every router uses: the session, the caller, ``require(permission)``, paging, If-Match.

Each route declares exactly one permission with ``dependencies=[Depends(require("x.y"))]`` (or
``public()``); the permission-matrix test walks the app's routes and fails on a route with none.
"""

from __future__ import annotations

import functools
import re
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from typing import Annotated, Any, TypeVar

import sqlalchemy as sa
from fastapi import Depends, Header, Query, Request
from fastapi.security import OAuth2PasswordBearer
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from api.config import Settings
from api.db.driver import DriverQuery
from api.db.models import Grant, RefreshToken, User
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
# Short, bounded database calls (loading the caller, loading the addressed object, a page of a hot
# list) go through db_call: on the event loop when GONGHUI_SQLITE_INLINE_READS is on, the database is
# SQLite and the request only reads (SQLite is in-process, no network wait, and in WAL mode readers
# never wait for a lock), else in the thread pool. Off by default: on a core shared with other work a
# single thread gets a small share of it (docs/benchmarks.md §6). Requests that write may wait for
# SQLite's write lock (busy_timeout), and PostgreSQL waits on a socket: those calls always go to the
# thread pool. ``def`` endpoints always run in the thread pool (api/routing.py).


async def get_session(request: Request) -> AsyncIterator[Session]:
    """One session per request; requests that may write take SQLite's write lock up front.

    Creating a session does no I/O (it connects on first use), so this runs on the event loop.
    """
    db: Database = request.app.state.db
    reading = request.method in READ_METHODS
    session = (db.request_read_session if reading else db.write_session)()
    session.info["inline_io"] = reading and db.inline_reads
    try:
        yield session
    finally:
        if db.dialect == "sqlite" or (reading and _idle_autocommit(session, db)):
            session.close()  # no I/O: SQLite is in-process; see _idle_autocommit
        else:
            await run_in_threadpool(session.close)


def _idle_autocommit(session: Session, db: Database) -> bool:
    """Whether closing this PostgreSQL read session sends nothing: its connection is in autocommit
    (api/db/session.py, request_read_session) and no transaction is open (no write began one), so
    the rollback on release is a no-op in psycopg, and the close can stay on the event loop."""
    if db.request_read_session is db.read_session:  # a test connection: keeps its transaction
        return False
    if not session.in_transaction():  # never used (e.g. refused before loading the caller)
        return True
    dbapi = session.connection().connection.dbapi_connection
    return dbapi is not None and dbapi.info.transaction_status == 0  # psycopg TransactionStatus.IDLE


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
_USER, _GRANT, _REFRESH = table_of(User), table_of(Grant), table_of(RefreshToken)
#: Core table columns, not ORM attributes: the statement then skips the ORM's compile and loading layer
_PRINCIPAL: AnySelect = (
    sa.select(
        _USER.c.username,
        _USER.c.kind,
        _USER.c.org_unit_id,
        _USER.c.member_id,
        _USER.c.is_active,
        _USER.c.must_change_password,
        _USER.c.credential_version,
        sa.exists()
        .where(
            _REFRESH.c.family_id == sa.bindparam("sid", type_=sa.Uuid()),
            _REFRESH.c.revoked_at.is_not(None),
        )
        .label("session_revoked"),
        _GRANT.c.role,
        _GRANT.c.org_unit_id.label("grant_unit_id"),
    )
    .outerjoin(_GRANT, _GRANT.c.user_id == _USER.c.id)
    .where(_USER.c.id == sa.bindparam("user_id", type_=_USER.c.id.type))
)


#: every request runs it: on PostgreSQL a driver statement (api/db/driver.py)
_PRINCIPAL_QUERY = DriverQuery(_PRINCIPAL, postgresql=_PRINCIPAL)


def load_principal(
    session: Session, user_id: uuid.UUID, *, credential_version: int = 0, session_id: uuid.UUID | None = None
) -> Principal | None:
    """The caller and their grants, read fresh on every request (one query), so a deactivated account,
    a withdrawn grant, a changed password (``credential_version``) or a revoked login (``session_id``,
    the refresh family: logout, reuse detection) takes effect at once rather than when the access
    token expires."""
    params = {"user_id": user_id, "sid": session_id}
    rows = _PRINCIPAL_QUERY.all(session, params, params)
    if not rows or not rows[0].is_active:
        return None
    if rows[0].credential_version != credential_version or rows[0].session_revoked:
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


def _caller_loader(request: Request, token: str | None) -> Callable[[Session], Principal]:
    """Check the token (CPU only, on the event loop: 401 at once for a missing or invalid one) and
    return the database half of loading the caller, a plain function to run inline or in a thread."""
    if not token:
        raise Unauthorized("not_authenticated")
    settings: Settings = request.app.state.settings
    claims = decode_access_token(token, settings)
    user_id = uuid.UUID(claims["sub"])
    sid = claims.get("sid")
    load = functools.partial(
        load_principal,
        credential_version=int(claims.get("cv", 0)),
        session_id=uuid.UUID(sid) if sid else None,
    )

    def caller(session: Session) -> Principal:
        try:
            principal = load(session, user_id)
        except sa.exc.DBAPIError as exc:
            # the request's first statement met a connection the server had dropped (no pre-ping, see
            # api/db/session.py): the pool has discarded it; nothing ran yet, so retry once on a fresh one
            if not exc.connection_invalidated:
                raise
            session.rollback()
            principal = load(session, user_id)
        if principal is None:
            raise Unauthorized("invalid_token")
        request.state.caller = principal
        return principal

    return caller


async def load_caller(request: Request, session: Session, token: str | None) -> Principal:
    """The authenticated caller of this request (401 otherwise), loaded once per request: ``require``
    and :func:`get_principal` both call this, and the second call finds it on ``request.state``."""
    cached: Principal | None = getattr(request.state, "caller", None)
    if cached is not None:
        return cached
    return await db_call(session, _caller_loader(request, token), session)


def _bind(request: Request, principal: Principal, permission: str) -> Principal:
    """``principal`` bound to the route's permission, or 403."""
    if principal.must_change_password and permission != "me":
        raise Forbidden("password_change_required")
    # "me" is every authenticated caller, including a new account with no grant yet (it must be
    # able to change its one-time password and see who it is)
    if permission != "me" and not principal.has(permission):
        raise Forbidden(permission=permission)
    bound = replace(principal, permission=permission)
    request.state.principal = bound
    return bound


async def authorized_call(request: Request, session: Session, fn: Callable[..., T], *args: Any) -> T:
    """For routes declared with ``require(permission, with_endpoint=True)``: load the caller, check the
    permission and run ``fn(principal, *args)`` in ONE database call (one thread-pool hop instead of
    two, docs/benchmarks.md §6). The token was already checked by ``require`` (401 before anything)."""
    caller, permission = request.state.deferred_caller

    def run() -> T:
        return fn(_bind(request, caller(session), permission), *args)

    return await db_call(session, run)


async def get_principal(
    request: Request,
    session: SessionDep,
    token: Annotated[str | None, Depends(oauth2_scheme)],
) -> Principal:
    return await load_caller(request, session, token)


CurrentPrincipal = Annotated[Principal, Depends(get_principal)]


class require:
    """Route dependency: the caller must hold ``permission`` somewhere; binds it for scope checks.

    ``with_endpoint=True`` (hot read routes only): the token is checked here, but loading the caller and
    the permission check run in the endpoint's own database call, which must go through
    :func:`authorized_call` (tests/core/test_permission_matrix.py exercises every route's 401/403)."""

    def __init__(self, permission: str, *, with_endpoint: bool = False):
        roles_with(permission)  # unknown permission names fail at import time
        self.permission = permission
        self.with_endpoint = with_endpoint

    # The caller is loaded here (load_caller), not through a ``get_principal`` dependency: FastAPI's
    # resolution of each dependency costs about as much as a primary-key read on SQLite, and every route
    # goes through this one (docs/benchmarks.md §6).
    async def __call__(
        self,
        request: Request,
        session: SessionDep,
        token: Annotated[str | None, Depends(oauth2_scheme)],
    ) -> Principal | None:
        if self.with_endpoint:
            request.state.deferred_caller = (_caller_loader(request, token), self.permission)
            return None
        return _bind(request, await load_caller(request, session, token), self.permission)

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
    def __init__(self, limit: int = 50, cursor: str | None = None):
        self.limit = limit
        self.cursor = cursor


async def page_params(
    limit: Annotated[int, Query(ge=1, le=200, description="Page size (at most 200).")] = 50,
    cursor: Annotated[
        str | None, Query(max_length=512, description="`next_cursor` of the previous page.")
    ] = None,
) -> PageParams:
    """``limit`` and ``cursor`` of a keyset list. An ``async`` function, not the class itself: FastAPI
    would run a class's ``__init__`` in the thread pool, a hop per list request (docs/benchmarks.md §6)."""
    return PageParams(limit, cursor)


PageQuery = Annotated[PageParams, Depends(page_params)]

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


async def if_match_or_any(
    value: Annotated[
        str | None,
        Header(
            alias="If-Match",
            description='The ETag from your last GET, e.g. `"3"`; or `*`: whatever is current, or '
            "nothing yet (an HR system that is the source of truth).",
        ),
    ] = None,
) -> int | None:
    """Like ``IfMatch`` for create-or-update (PUT): ``*`` gives None, "no precondition, create or update"."""
    if value is not None and value.strip() == "*":
        return None
    return await if_match(value)


IfMatchOrAny = Annotated[int | None, Depends(if_match_or_any)]
