"""``Idempotency-Key`` for POST requests, as a pure ASGI middleware.

The first request with a key reserves it (a unique row, so a concurrent duplicate gets 409 instead
of running twice), runs, and stores its response if it succeeded. A retry with the same key and
the same body gets that stored response back; the same key with another body is 422. A failed first
attempt releases the key so the client can retry.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import col
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.db.models import IdempotencyRecord
from api.db.types import utcnow
from api.errors import problem
from api.security.tokens import subject_of

MAX_KEY_LENGTH = 200
REPLAYED_HEADERS = ("content-type", "location", "etag")


class IdempotencyMiddleware:
    def __init__(self, app: ASGIApp, *, exempt_prefixes: tuple[str, ...] = ("/api/v1/auth/",)):
        self.app = app
        self.exempt_prefixes = exempt_prefixes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        key = headers.get("idempotency-key")
        path: str = scope["path"]
        if not key or path.startswith(self.exempt_prefixes):
            await self.app(scope, receive, send)
            return
        state_app = scope["app"]
        auth = headers.get("authorization", "")
        principal = (
            subject_of(auth[7:], state_app.state.settings) if auth.lower().startswith("bearer ") else None
        )
        if principal is None:  # the request will be refused anyway; nothing to remember
            await self.app(scope, receive, send)
            return

        body = await _read_body(receive)
        request = Request(scope)
        if len(key) > MAX_KEY_LENGTH:
            await _send(
                problem(
                    request,
                    422,
                    "validation_failed",
                    {"count": 1},
                    errors=[
                        {
                            "field": "Idempotency-Key",
                            "code": "string_too_long",
                            "message": "At most 200 characters.",
                        }
                    ],
                ),
                scope,
                send,
            )
            return
        digest = hashlib.sha256(
            path.encode() + b"\n" + (scope.get("query_string") or b"") + b"\n" + body
        ).hexdigest()
        db = state_app.state.db

        outcome = await run_in_threadpool(
            _reserve, db, principal, key, path, digest, state_app.state.settings.idempotency_ttl_hours
        )
        if outcome == "mismatch":
            await _send(problem(request, 422, "idempotency_key_reused"), scope, send)
            return
        if outcome == "in_progress":
            await _send(
                problem(request, 409, "idempotency_in_progress", headers={"Retry-After": "1"}), scope, send
            )
            return
        if isinstance(outcome, IdempotencyRecord):
            await _replay(outcome, send)
            return

        captured: dict[str, Any] = {"status": 500, "headers": [], "body": b""}

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                captured["status"] = message["status"]
                captured["headers"] = message.get("headers", [])
            elif message["type"] == "http.response.body":
                captured["body"] += message.get("body", b"")
            await send(message)

        try:
            await self.app(scope, _replay_body(body), capture)
        finally:
            await run_in_threadpool(_finish, db, principal, key, captured)


async def _read_body(receive: Receive) -> bytes:
    chunks = []
    more = True
    while more:
        message = await receive()
        chunks.append(message.get("body", b""))
        more = message.get("more_body", False)
    return b"".join(chunks)


def _replay_body(body: bytes) -> Receive:
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return {"type": "http.disconnect"}

    return receive


def _reserve(db: Any, principal: str, key: str, path: str, digest: str, ttl_hours: int) -> Any:
    with db.write_session() as session:
        existing = session.execute(
            sa.select(IdempotencyRecord).where(
                col(IdempotencyRecord.principal) == principal, col(IdempotencyRecord.key) == key
            )
        ).scalar_one_or_none()
        if existing is not None and existing.created_at < utcnow() - timedelta(hours=ttl_hours):
            session.delete(existing)
            session.flush()
            existing = None
        if existing is not None:
            if existing.request_hash != digest or existing.path != path:
                return "mismatch"
            return existing if existing.status_code is not None else "in_progress"
        session.add(
            IdempotencyRecord(principal=principal, key=key, method="POST", path=path, request_hash=digest)
        )
        try:
            session.commit()
        except IntegrityError:
            return "in_progress"
        return "reserved"


def _finish(db: Any, principal: str, key: str, captured: dict[str, Any]) -> None:
    with db.write_session() as session:
        record = session.execute(
            sa.select(IdempotencyRecord).where(
                col(IdempotencyRecord.principal) == principal, col(IdempotencyRecord.key) == key
            )
        ).scalar_one_or_none()
        if record is None:
            return
        if 200 <= captured["status"] < 300:
            record.status_code = captured["status"]
            record.response_body = captured["body"]
            record.response_headers = {
                k.decode().lower(): v.decode()
                for k, v in captured["headers"]
                if k.decode().lower() in REPLAYED_HEADERS
            }
        else:
            session.delete(record)  # nothing happened; let the client retry with the same key
        session.commit()


async def _replay(record: IdempotencyRecord, send: Send) -> None:
    headers = [(k.encode(), v.encode()) for k, v in (record.response_headers or {}).items()]
    headers.append((b"idempotent-replayed", b"true"))
    headers.append((b"content-length", str(len(record.response_body or b"")).encode()))
    await send({"type": "http.response.start", "status": record.status_code, "headers": headers})
    await send({"type": "http.response.body", "body": record.response_body or b""})


async def _send(response: Any, scope: Scope, send: Send) -> None:
    async def no_receive() -> Message:
        return {"type": "http.disconnect"}

    await response(scope, no_receive, send)
