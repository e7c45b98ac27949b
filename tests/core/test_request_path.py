"""The request path's thread-pool and connection-pool choices (api/deps.py, api/routing.py,
api/db/session.py)."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.db.session import make_engine
from api.routing import Route, in_threadpool


def test_sqlite_checkout_never_waits(tmp_path: Path):
    """Read requests load the caller on the event loop: a checkout that waited for a free connection
    would stall the loop and with it the requests that would return one. More connections than the
    pool keeps are opened for the peak instead."""
    engine = make_engine(f"sqlite:///{tmp_path / 'pool.db'}", pool_size=2, max_overflow=0, pool_timeout=0.1)
    held = [engine.connect() for _ in range(6)]  # would raise TimeoutError after 0.1 s with a bounded pool
    assert all(c.exec_driver_sql("select 1").scalar() == 1 for c in held)
    for c in held:
        c.close()
    assert engine.pool.checkedout() == 0
    engine.dispose()


def test_postgres_pool_defaults_cover_the_thread_pool():
    engine = make_engine("postgresql+psycopg://u:p@127.0.0.1:1/none")
    assert engine.pool.size() == 40  # one connection per thread-pool worker: no per-request connects
    engine.dispose()


def test_def_endpoint_runs_in_a_worker_thread_once():
    """api.routing.Route: a def endpoint still leaves the event loop (its database work must not block
    it), and FastAPI sees a coroutine, so it validates the response on the loop (no second hop)."""
    loop_thread: list[int] = []
    seen: list[int] = []

    app = FastAPI()
    app.router.route_class = Route

    @app.get("/loop")
    async def on_loop() -> None:
        loop_thread.append(threading.get_ident())

    @app.get("/x/{n}")
    def endpoint(n: int) -> dict[str, int]:
        seen.append(threading.get_ident())
        return {"n": n}

    route = next(r for r in app.routes if getattr(r, "path", "") == "/x/{n}")
    assert asyncio.iscoroutinefunction(route.endpoint)
    assert route.endpoint.__wrapped__.__name__ == "endpoint"
    with TestClient(app) as client:
        client.get("/loop")
        assert client.get("/x/3").json() == {"n": 3}
        assert client.get("/x/oops").status_code == 422  # parameters still come from the def's signature
    assert seen and seen[0] != loop_thread[0]


def test_async_and_generator_endpoints_are_left_alone():
    async def coro() -> None: ...

    def gen():
        yield 1

    def plain() -> None: ...

    assert in_threadpool(coro) is coro
    assert in_threadpool(gen) is gen
    assert asyncio.iscoroutinefunction(in_threadpool(plain))
