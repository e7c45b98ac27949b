"""The request edge: what every request passes before any route reads it (issue 14 items 6, 7, 9).

:class:`RequestGuard` (pure ASGI, so nothing is buffered before it decides):

* a request that carries a body to a route that is not public must present a bearer token with a
  valid signature *before* the body is read (401 otherwise): an anonymous client cannot make the
  server read, parse or spool anything. The caller's account is still checked by the route as usual;
* bodies are capped: at the route's ``max_body_size`` (FastAPI's per-route limit, which the import
  upload and the dues batch set) or else at ``max_json_body_bytes``. A declared ``Content-Length`` over
  the cap is 413 at once; a body that grows past it while streaming (chunked) is cut off with 413;
* a NUL character in the path or query string is 400 (PostgreSQL cannot store it in text).

:class:`SecurityHeaders` adds to every response ``X-Content-Type-Options: nosniff``,
``Referrer-Policy: no-referrer``, ``X-Frame-Options: DENY``, a Content-Security-Policy (a strict one for
the API, one that lets Swagger UI run on /docs), ``Strict-Transport-Security`` when the request came over
HTTPS, and ``Cache-Control: no-store`` on the token endpoints and full resident-ID reads; it drops any
``Server`` header.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from fastapi import HTTPException
from fastapi.routing import APIRoute
from starlette.datastructures import Headers, MutableHeaders
from starlette.requests import Request
from starlette.routing import compile_path
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.config import Settings
from api.errors import AppError, Unauthorized, problem
from api.security.tokens import decode_access_token

__all__ = [
    "API_CSP",
    "DOCS_CSP",
    "PayloadTooLarge",
    "RequestGuard",
    "RouteCap",
    "SecurityHeaders",
    "route_caps",
]

BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
API_CSP = "default-src 'none'; frame-ancestors 'none'"
#: Swagger UI's page starts itself with an inline script; its assets are served by this app
DOCS_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; frame-ancestors 'none'"
)
NO_STORE_PREFIXES = ("/api/v1/auth/",)
NO_STORE_SUFFIXES = ("/national-id",)


class PayloadTooLarge(AppError):
    status, code = 413, "payload_too_large"


async def _refuse(scope: Scope, receive: Receive, send: Send, error: AppError) -> None:
    response = problem(Request(scope), error.status, error.code, error.params, headers=error.headers)
    await response(scope, receive, send)


@dataclass(frozen=True)
class RouteCap:
    """A route that declares its own ``max_body_size`` (FastAPI's per-route limit)."""

    pattern: re.Pattern[str]
    methods: frozenset[str]
    limit: int


def route_caps(routes: Iterable[tuple[str, APIRoute]]) -> list[RouteCap]:
    """From (full path, route) pairs (``api.main.api_routes``), the routes with a body limit of their own."""
    caps = []
    for path, route in routes:
        limit = getattr(route, "max_body_size", None)
        if limit is not None:
            caps.append(RouteCap(compile_path(path)[0], frozenset(route.methods or ()), limit))
    return caps


class RequestGuard:
    def __init__(
        self,
        app: ASGIApp,
        *,
        settings: Settings,
        public_paths: Iterable[str],
        caps: Iterable[RouteCap] = (),
    ):
        self.app = app
        self.settings = settings
        self.public_paths = frozenset(public_paths)
        self.caps = tuple(caps)

    def body_cap(self, scope: Scope) -> int:
        """The addressed route's own limit, else ``max_json_body_bytes``."""
        for cap in self.caps:
            if scope["method"] in cap.methods and cap.pattern.match(scope["path"]):
                return cap.limit
        return self.settings.max_json_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        if "\x00" in path or b"%00" in (scope.get("query_string") or b""):
            await _refuse(scope, receive, send, AppError("bad_request"))
            return
        if scope["method"] not in BODY_METHODS:
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        if path not in self.public_paths:
            auth = headers.get("authorization", "")
            if not auth.lower().startswith("bearer "):
                await _refuse(scope, receive, send, Unauthorized("not_authenticated"))
                return
            try:
                decode_access_token(auth[7:].strip(), self.settings)  # signature and claims; CPU only
            except AppError as exc:
                await _refuse(scope, receive, send, exc)
                return
        cap = self.body_cap(scope)
        declared = headers.get("content-length")
        if declared is not None:
            try:
                too_big = int(declared) > cap
            except ValueError:
                too_big = True
            if too_big:
                await _refuse(scope, receive, send, PayloadTooLarge())
                return
        await self.app(scope, _capped(receive, cap), send)


class BodyTooLarge(HTTPException):
    def __init__(self) -> None:
        super().__init__(413)


def _capped(receive: Receive, cap: int) -> Receive:
    """Count the body as it streams (chunked, or a Content-Length that lied) and stop past ``cap``."""
    seen = 0

    async def wrapped() -> Message:
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > cap:
                raise BodyTooLarge()  # FastAPI re-raises it while reading the body: the 413 problem
        return message

    return wrapped


class SecurityHeaders:
    def __init__(self, app: ASGIApp, *, settings: Settings):
        self.app = app
        self.hsts = f"max-age={settings.hsts_seconds}; includeSubDomains" if settings.hsts_seconds else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        docs = path == "/docs" or path.startswith("/docs/")
        no_store = path.startswith(NO_STORE_PREFIXES) or path.endswith(NO_STORE_SUFFIXES)
        https = scope.get("scheme") == "https"

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                if "server" in headers:
                    del headers["server"]
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("Referrer-Policy", "no-referrer")
                headers.setdefault("X-Frame-Options", "DENY")
                headers.setdefault("Content-Security-Policy", DOCS_CSP if docs else API_CSP)
                if https and self.hsts:
                    headers.setdefault("Strict-Transport-Security", self.hsts)
                if no_store:
                    headers["Cache-Control"] = "no-store"
                    headers.setdefault("Pragma", "no-cache")
            await send(message)

        await self.app(scope, receive, send_with_headers)
