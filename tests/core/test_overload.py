"""Load shedding (api/overload.py): past GONGHUI_MAX_IN_FLIGHT requests in flight, 503 at once."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
from conftest import assert_problem
from starlette.types import Receive, Scope, Send

from api.config import Settings
from api.main import create_app
from api.overload import LoadShedMiddleware


class Gate:
    """An ASGI app whose requests wait until released (requests held in flight)."""

    def __init__(self) -> None:
        self.release = asyncio.Event()
        self.entered = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.entered += 1
        if scope["path"] != "/healthz":
            await self.release.wait()
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"2")]})
        await send({"type": "http.response.body", "body": b"ok"})


def run(coro: Any) -> Any:
    return asyncio.run(coro)


def test_past_the_limit_requests_get_503_problem_with_retry_after_at_once():
    gate = Gate()
    counts: list[int] = []
    shed: list[int] = []
    app = LoadShedMiddleware(
        gate, max_in_flight=2, retry_after_seconds=3, on_change=counts.append, on_shed=lambda: shed.append(1)
    )

    async def scenario() -> None:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            held = [asyncio.create_task(client.get("/api/v1/members")) for _ in range(2)]
            while gate.entered < 2:
                await asyncio.sleep(0)
            assert app.in_flight == 2
            # the third is answered at once, while the first two are still being served
            refused = await asyncio.wait_for(client.get("/api/v1/members"), timeout=2)
            assert_problem(refused, 503, "overloaded")
            assert refused.headers["Retry-After"] == "3"
            assert gate.entered == 2  # the refused request never reached the app
            # probes are never shed: a busy process is not a dead one
            assert (await asyncio.wait_for(client.get("/healthz"), timeout=2)).status_code == 200
            gate.release.set()
            assert [r.status_code for r in await asyncio.gather(*held)] == [200, 200]
            assert app.in_flight == 0
            assert (await client.get("/api/v1/members")).status_code == 200  # admitted again

    run(scenario())
    assert app.shed == 1 and shed == [1]
    assert max(counts) == 2 and counts[-1] == 0


def test_zero_turns_shedding_off():
    gate = Gate()
    app = LoadShedMiddleware(gate, max_in_flight=0)
    gate.release.set()

    async def scenario() -> list[int]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            return [r.status_code for r in await asyncio.gather(*(client.get("/x") for _ in range(50)))]

    assert run(scenario()) == [200] * 50


def test_the_app_sheds_with_the_configured_limit(settings: Settings):
    app = create_app(settings.model_copy(update={"max_in_flight": 7, "overload_retry_after_seconds": 2}))
    (mw,) = [m for m in app.user_middleware if m.cls is LoadShedMiddleware]
    assert mw.kwargs["max_in_flight"] == 7 and mw.kwargs["retry_after_seconds"] == 2
    assert Settings().max_in_flight == 48  # on by default, below the 60 PostgreSQL connections


def test_requests_served_without_waiting_are_still_counted_and_shed():
    """A SQLite read runs inline on the event loop and never waits (api/deps.py): requests that arrive
    together must still count as in flight together, or nothing is ever shed (issue 16)."""
    statuses: list[int] = []

    async def inline(scope: Scope, receive: Receive, send: Send) -> None:  # no await that suspends
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    app = LoadShedMiddleware(inline, max_in_flight=2)

    async def one() -> None:
        scope = {
            "type": "http",
            "path": "/api/v1/members",
            "method": "GET",
            "headers": [],
            "query_string": b"",
        }

        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                statuses.append(message["status"])

        await app(scope, receive, send)  # type: ignore[arg-type]

    async def scenario() -> None:
        await asyncio.gather(*(one() for _ in range(5)))  # five arrive in the same loop iteration

    run(scenario())
    assert sorted(statuses) == [200, 200, 503, 503, 503]
    assert app.in_flight == 0 and app.shed == 3


def test_start_up_freezes_the_long_lived_objects_and_stop_unfreezes_them(settings: Settings, db: Any):
    """Tail latency (issue 16): a full garbage collection walked every object alive since start-up and
    paused all requests in flight (160 ms measured); frozen at start-up, it walks only what requests
    made. Stopping the app gives them back to the collector (a process that builds apps, such as a
    test run, does not accumulate frozen garbage)."""
    import gc

    from fastapi.testclient import TestClient

    gc.unfreeze()
    app = create_app(settings.model_copy(update={"gc_freeze": True}), database=db)
    with TestClient(app):
        assert gc.get_freeze_count() > 10_000
    assert gc.get_freeze_count() == 0
    off = create_app(settings, database=db)  # the suite's settings: GONGHUI_GC_FREEZE=false
    with TestClient(off):
        assert gc.get_freeze_count() == 0
