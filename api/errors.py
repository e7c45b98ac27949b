"""Typed application errors and their RFC 9457 ``application/problem+json`` rendering.

Services raise :class:`AppError` subclasses with a stable ``code``; the handlers here turn them, and
every framework error, into a problem document in English or Chinese (by ``Accept-Language``).
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

import structlog
from asgi_correlation_id import correlation_id
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import DataError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm.exc import StaleDataError
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.i18n import (
    MESSAGES,
    SOURCE_LANGUAGE,
    TITLES,
    Text,
    field_message,
    message,
    preferred_language,
    translate,
)

log = structlog.get_logger("gonghui.errors")

PROBLEM_JSON = "application/problem+json"
TYPE_BASE = "https://gonghui.dev/problems/"


class AppError(Exception):
    """An error a client can cause, with a stable machine-readable ``code``."""

    status: int = 400
    code: str = "bad_request"

    def __init__(self, code: str | None = None, /, *, headers: dict[str, str] | None = None, **params: Any):
        self.code = code or self.code
        self.params = params
        self.headers = headers or {}
        super().__init__(self.code)


class BadRequest(AppError):
    status, code = 400, "bad_request"


class Unauthorized(AppError):
    status, code = 401, "not_authenticated"

    def __init__(self, code: str | None = None, /, **params: Any):
        super().__init__(code, headers={"WWW-Authenticate": "Bearer"}, **params)


class Forbidden(AppError):
    status, code = 403, "permission_denied"


class NotFound(AppError):
    status, code = 404, "not_found"


class Conflict(AppError):
    status, code = 409, "conflict"


class PreconditionFailed(AppError):
    status, code = 412, "version_mismatch"


class RuleViolation(AppError):
    """A business rule refused the request; ``field`` names the input at fault when there is one."""

    status, code = 422, "rule_violation"

    def __init__(self, code: str | None = None, /, *, field: str | None = None, **params: Any):
        super().__init__(code, **params)
        self.field = field


class PreconditionRequired(AppError):
    status, code = 428, "if_match_required"


class TooManyRequests(AppError):
    status, code = 429, "too_many_requests"

    def __init__(self, code: str | None = None, /, *, retry_after: int, **params: Any):
        super().__init__(code, headers={"Retry-After": str(retry_after)}, retry_after=retry_after, **params)


class ServiceUnavailable(AppError):
    status, code = 503, "service_unavailable"


def problem(
    request: Request,
    status: int,
    code: str,
    params: dict[str, Any] | None = None,
    *,
    headers: dict[str, str] | None = None,
    errors: list[dict[str, Any]] | None = None,
    extra: dict[str, Any] | None = None,
) -> JSONResponse:
    lang = preferred_language(request.headers.get("accept-language"))
    params = params or {}
    body: dict[str, Any] = {
        "type": TYPE_BASE + code,
        "title": translate(TITLES[status], lang) if status in TITLES else HTTPStatus(status).phrase,
        "status": status,
        "detail": message(code, lang, params),
        "instance": request.url.path,
        "code": code,
        "request_id": correlation_id.get(),
    }
    # Machine-readable context (e.g. the current state of a workflow object) next to the prose.
    for key, value in params.items():
        if isinstance(value, Text):  # a message parameter: its English for programs
            value = value.render(SOURCE_LANGUAGE)
        elif isinstance(value, list):
            value = [v.render(SOURCE_LANGUAGE) if isinstance(v, Text) else v for v in value]
        if key not in body and isinstance(value, (str, int, float, bool, type(None), list)):
            body[key] = value
    if errors is not None:
        body["errors"] = errors
    elif status == 422:  # every 422 lists its fields (ValidationProblem), even when no one field is at fault
        body.setdefault("errors", [])
    for key, value in (extra or {}).items():  # e.g. the failed import job itself
        body.setdefault(key, value)
    # The X-Request-ID header is added by CorrelationIdMiddleware (and by _server_error outside it).
    return JSONResponse(body, status_code=status, headers=dict(headers or {}), media_type=PROBLEM_JSON)


def _field_path(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] in {"body", "query", "path", "header", "cookie", "form"}:
        parts = parts[1:] or parts
    return ".".join(parts)


async def _app_error(request: Request, exc: AppError) -> JSONResponse:
    errors = None
    if isinstance(exc, RuleViolation) and exc.field:
        lang = preferred_language(request.headers.get("accept-language"))
        errors = [{"field": exc.field, "code": exc.code, "message": message(exc.code, lang, exc.params)}]
    return problem(request, exc.status, exc.code, exc.params, headers=exc.headers, errors=errors)


#: reported field errors when the app's settings give no other cap (a body of 100k bad keys must not
#: produce a 100k-entry response); ``count`` always says how many there were
MAX_REPORTED_ERRORS = 50


async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    lang = preferred_language(request.headers.get("accept-language"))
    settings = getattr(request.app.state, "settings", None)
    cap = getattr(settings, "max_validation_errors", MAX_REPORTED_ERRORS)
    found = exc.errors()
    errors = [
        {
            "field": _field_path(tuple(err.get("loc", ()))),
            "code": err.get("type", "invalid"),
            "message": field_message(err, lang),
        }
        for err in found[:cap]
    ]
    # one field failing one of our rules (e.g. ``id_checksum``) keeps that rule's code, as when the service
    # checked it; several problems at once are ``validation_failed`` with every one (up to the cap) in
    # ``errors``, and ``count`` says how many there were
    code = errors[0]["code"] if len(found) == 1 and errors[0]["code"] in MESSAGES else "validation_failed"
    params = {"count": len(found)}
    if code != "validation_failed":
        params.update(found[0].get("ctx") or {})
    return problem(request, 422, code, params, errors=errors)


_HTTP_CODES = {
    400: "bad_request",
    401: "not_authenticated",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    413: "payload_too_large",
    415: "unsupported_media_type",
}


def allowed_methods(request: Request) -> list[str]:
    """Every method some route serves at the request's path (Starlette's 405 names only the first route's
    methods). ``app.state.route_methods`` is the ``(path regex, methods)`` table create_app builds."""
    methods: set[str] = set()
    for regex, route_methods in getattr(request.app.state, "route_methods", ()):
        if regex.match(request.url.path):
            methods |= route_methods
    if methods:
        methods |= {"OPTIONS"} | ({"HEAD"} if "GET" in methods else set())
    return sorted(methods)


async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
    headers = dict(getattr(exc, "headers", None) or {})
    if exc.status_code == 405:
        allow = allowed_methods(request)
        headers["Allow"] = ", ".join(allow)
        if request.method == "OPTIONS":  # what may I do here? (CORS preflights are answered before this)
            return Response(status_code=204, headers=headers)
    code = _HTTP_CODES.get(exc.status_code, "bad_request" if exc.status_code < 500 else "internal_error")
    return problem(request, exc.status_code, code, headers=headers)


async def _stale(request: Request, exc: StaleDataError) -> JSONResponse:
    # Another request changed the row between our read and our write.
    return problem(request, 412, "version_mismatch")


#: SQLSTATE classes of a server that refuses or ends connections: 08 connection exception, 53
#: insufficient resources (53300 too many connections), 57P operator intervention (57P01 admin shutdown,
#: 57P03 cannot connect now: starting up or in recovery)
_UNAVAILABLE_SQLSTATES = ("08", "53", "57P")


def connection_refused(exc: OperationalError) -> bool:
    """Whether ``exc`` says the database refused or could not make a connection (no SQL ran): server
    down or unreachable (no SQLSTATE: the driver failed to connect), too many connections, shutting
    down or starting up. These are 503 with Retry-After, never 500 (issue 16)."""
    state = getattr(exc.orig, "sqlstate", None)
    if state is None:
        # psycopg's own connection failures (refused, reset, timed out) carry no SQLSTATE; SQLite's
        # errors never do and are not about connections
        return type(exc.orig).__module__.startswith("psycopg") and "connection" in str(exc.orig).lower()
    return str(state).startswith(_UNAVAILABLE_SQLSTATES)


async def _operational(request: Request, exc: OperationalError) -> JSONResponse:
    if exc.connection_invalidated or connection_refused(exc):  # a dropped connection (server restart,
        # failover): the pool has discarded it and the connections opened before it; or the server
        # refused a new one (too many connections, starting up): the next request may get one
        return problem(request, 503, "database_unavailable", headers={"Retry-After": "1"})
    if "locked" in str(exc.orig).lower() or "could not serialize" in str(exc.orig).lower():
        return problem(request, 503, "database_busy", headers={"Retry-After": "1"})
    return await _unexpected(request, exc)


async def _data_error(request: Request, exc: DataError) -> JSONResponse:
    # input models refuse NUL in text field by field (api/schemas/common.py StrictIn) and uploads in
    # their readers; anything else a client sends with one reaches PostgreSQL, which refuses NUL in
    # text (psycopg raises before sending): 422, never 500. Other data errors are faults of ours.
    if "NUL" in str(exc.orig):
        return problem(request, 422, "nul_character")
    return await _unexpected(request, exc)


async def _pool_timeout(request: Request, exc: PoolTimeout) -> JSONResponse:
    # every pooled connection stayed in use for the pool's timeout (GONGHUI_DB_POOL_SIZE + overflow):
    # the process is busier than its pool, which is overload, not a fault (issue 16)
    return problem(request, 503, "database_busy", headers={"Retry-After": "1"})


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled_error", path=request.url.path, method=request.method)
    return problem(request, 500, "internal_error")


async def _server_error(request: Request, exc: Exception) -> JSONResponse:
    # Starlette runs the catch-all handler in ServerErrorMiddleware, outside CorrelationIdMiddleware,
    # so this response gets its request-id header here (elsewhere the middleware adds it, once).
    response = await _unexpected(request, exc)
    request_id = correlation_id.get()
    if request_id:
        response.headers["X-Request-ID"] = request_id
    return response


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(AppError, _app_error)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _validation_error)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, _http_error)  # type: ignore[arg-type]
    app.add_exception_handler(StaleDataError, _stale)  # type: ignore[arg-type]
    app.add_exception_handler(OperationalError, _operational)  # type: ignore[arg-type]
    app.add_exception_handler(DataError, _data_error)  # type: ignore[arg-type]
    app.add_exception_handler(PoolTimeout, _pool_timeout)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, _server_error)
