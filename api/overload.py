"""Load shedding: past a number of requests in flight, answer 503 at once instead of queueing.

One uvicorn worker accepts every connection and starts every request it reads; past what its core
can serve, the excess waits inside the process (the thread pool, the connection pool, the event
loop), and under overload some requests wait far longer than others (issue 16: p99 10x p50 at 128
connections). :class:`LoadShedMiddleware` counts the HTTP requests of its process that are in flight
and, past ``GONGHUI_MAX_IN_FLIGHT``, answers at once with ``503`` ``application/problem+json``
(code ``overloaded``) and ``Retry-After``: the client (or the load balancer, which may try another
worker or host) learns immediately, and the requests already admitted keep a bounded wait.

Health probes are never shed (a load balancer must not take a busy process for a dead one), nor is
``/metrics``. A pure ASGI middleware: no per-request objects beyond a counter, so shedding costs far
less than serving.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from api.errors import problem

#: paths never shed: the probes and the metrics endpoint
EXEMPT_PATHS = frozenset({"/healthz", "/readyz", "/livez", "/metrics"})


class LoadShedMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        *,
        max_in_flight: int,
        retry_after_seconds: int = 1,
        on_change: Callable[[int], None] | None = None,
        on_shed: Callable[[], None] | None = None,
    ):
        """``max_in_flight``: requests of this process served at once; 0 turns shedding off.
        ``on_change(n)`` is told the number in flight after each change, ``on_shed()`` each 503."""
        self.app = app
        self.max_in_flight = max_in_flight
        self.retry_after = str(retry_after_seconds)
        self.in_flight = 0
        self.shed = 0
        self.on_change = on_change
        self.on_shed = on_shed

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in EXEMPT_PATHS:
            await self.app(scope, receive, send)
            return
        if self.max_in_flight and self.in_flight >= self.max_in_flight:
            self.shed += 1
            if self.on_shed:
                self.on_shed()
            response = problem(Request(scope), 503, "overloaded", headers={"Retry-After": self.retry_after})
            await response(scope, receive, send)
            return
        self.in_flight += 1
        if self.on_change:
            self.on_change(self.in_flight)
        try:
            # Let every request that arrived with this one be counted before any is served. A request
            # that never waits (a SQLite read runs inline on the event loop, api/deps.py) would
            # otherwise run to completion before the next one starts, so at most one would ever be in
            # flight and nothing shed: the backlog would wait unseen in the sockets (issue 16).
            await asyncio.sleep(0)
            await self.app(scope, receive, send)
        finally:
            self.in_flight -= 1
            if self.on_change:
                self.on_change(self.in_flight)
