"""``/metrics`` in the Prometheus text format (prometheus_client), aggregated across worker processes.

What it exports:

- ``gonghui_http_request_duration_seconds{method,route}`` (histogram) and
  ``gonghui_http_responses_total{method,route,status}``: ``route`` is the route's path template
  (``/api/v1/members/{member_id}``), never the raw path, so label values stay few;
- ``gonghui_http_requests_in_flight`` and ``gonghui_http_requests_shed_total`` (api/overload.py);
- ``gonghui_db_pool_connections_in_use`` and ``gonghui_db_pool_connections_open`` (per process, summed);
- ``gonghui_import_jobs{status}`` (queued = the queue's depth, running, succeeded, failed),
  ``gonghui_import_rows_processed_total`` (``rate()`` of it is import rows/s): read from the database
  when scraped, so they cover the jobs of every process and host;
- ``gonghui_job_queue_depth{queue,status}``: background jobs waiting (``todo``) and running (``doing``),
  from the PostgreSQL job queue's table when scraped (every host's jobs); with jobs in-process (SQLite),
  the import jobs queued and running in the servers;
- ``gonghui_job_outcomes_total{task,outcome}``: jobs ended succeeded or failed, or retried, counted by
  the process that ran them (api/jobs): the servers' own on SQLite; a ``gonghui worker``'s on
  ``--metrics-port``, and also here when it shares this host's ``PROMETHEUS_MULTIPROC_DIR``.

Several workers (``gonghui serve --workers N``): each process writes its values to files in
``PROMETHEUS_MULTIPROC_DIR`` (set and emptied by ``gonghui serve`` before the workers start) and any
worker answers a scrape with the sum (prometheus_client's multiprocess mode). With one process and no
such directory, the values live in the process.

Not public in production: with ``GONGHUI_ENV=production`` the endpoint answers 404 unless
``GONGHUI_METRICS_TOKEN`` is set and the scraper sends it as ``Authorization: Bearer <token>``.
``GONGHUI_METRICS_ENABLED=false`` removes the endpoint and the per-request recording.
"""

from __future__ import annotations

import hmac
import os
import time
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.config import Env, Settings

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"

#: latency buckets (seconds): fine below 100 ms where a healthy API lives, coarse up to 10 s
BUCKETS = (0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

REQUEST_SECONDS = Histogram(
    "gonghui_http_request_duration_seconds",
    "Time from the request's start to its last response byte, by route template.",
    ["method", "route"],
    buckets=BUCKETS,
)
RESPONSES = Counter(
    "gonghui_http_responses", "HTTP responses by route template and status.", ["method", "route", "status"]
)
IN_FLIGHT = Gauge(
    "gonghui_http_requests_in_flight", "HTTP requests being served.", multiprocess_mode="livesum"
)
SHED = Counter("gonghui_http_requests_shed", "Requests answered 503 overloaded at once (api/overload.py).")
POOL_IN_USE = Gauge(
    "gonghui_db_pool_connections_in_use",
    "Database connections checked out of the pools.",
    multiprocess_mode="livesum",
)
POOL_OPEN = Gauge(
    "gonghui_db_pool_connections_open",
    "Database connections the pools hold open.",
    multiprocess_mode="livesum",
)

JOB_OUTCOMES = Counter(
    "gonghui_job_outcomes",
    "Background jobs by task and outcome (succeeded, failed, retried), in the process that ran them.",
    ["task", "outcome"],
)

#: requests that matched no route share one label value
UNMATCHED = "<unmatched>"


class MetricsMiddleware:
    """Pure ASGI: times every HTTP request and counts its status under the matched route's template."""

    def __init__(self, app: ASGIApp, *, templates: dict[int, str] | None = None):
        """``templates``: the full path template of each route object (by ``id``), for routes included
        under a prefix (the route FastAPI puts in the scope knows only its own router's part)."""
        self.app = app
        self.templates = templates or {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] == "/metrics":
            await self.app(scope, receive, send)
            return
        status = 500
        start = time.perf_counter()

        async def send_and_see(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        IN_FLIGHT.inc()
        try:
            await self.app(scope, receive, send_and_see)
        finally:
            IN_FLIGHT.dec()
            route = scope.get("route")
            template = (
                UNMATCHED
                if route is None
                else self.templates.get(id(route)) or getattr(route, "path_format", None) or UNMATCHED
            )
            method = scope["method"]
            REQUEST_SECONDS.labels(method, template).observe(time.perf_counter() - start)
            RESPONSES.labels(method, template, str(status)).inc()


def process_ended() -> None:
    """Drop this process's live gauges from the shared directory (its in-flight and pool values)."""
    if os.environ.get(MULTIPROC_ENV):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(os.getpid())


def count_shed() -> None:
    SHED.inc()


def count_job(task: str, outcome: str) -> None:
    JOB_OUTCOMES.labels(task, outcome).inc()


def watch_pool(engine: sa.Engine) -> None:
    """Keep the pool gauges current from the pool's own events (no work at scrape time)."""
    if getattr(engine, "_gonghui_metrics", False):
        return
    engine._gonghui_metrics = True  # type: ignore[attr-defined]
    sa.event.listen(engine, "checkout", lambda *a: POOL_IN_USE.inc())
    sa.event.listen(engine, "checkin", lambda *a: POOL_IN_USE.dec())
    sa.event.listen(engine, "connect", lambda *a: POOL_OPEN.inc())
    sa.event.listen(engine, "close", lambda *a: POOL_OPEN.dec())
    sa.event.listen(engine, "close_detached", lambda *a: POOL_OPEN.dec())


class ImportJobsCollector(Collector):
    """Import jobs by status and rows processed, read from the database when scraped (all hosts)."""

    def __init__(self, engine: sa.Engine):
        self.engine = engine

    def collect(self) -> Iterator[Any]:
        from api.db.models import MemberImport  # the models import the app's settings: load lazily

        table = sa.inspect(MemberImport).local_table
        jobs = GaugeMetricFamily(
            "gonghui_import_jobs", "Import jobs by status (queued = queue depth).", labels=["status"]
        )
        rows = CounterMetricFamily(
            "gonghui_import_rows_processed", "Rows processed by import jobs (rate() = rows/s)."
        )
        counts = {s: 0 for s in ("queued", "running", "succeeded", "failed")}
        done = 0
        try:
            with self.engine.connect() as conn:
                for status, n, rows_done in conn.execute(
                    sa.select(
                        table.c.status, sa.func.count(), sa.func.coalesce(sa.func.sum(table.c.rows_done), 0)
                    ).group_by(table.c.status)
                ):
                    counts[status] = int(n)
                    done += int(rows_done)
        except sa.exc.SQLAlchemyError:
            return  # the database is down: the HTTP metrics still answer
        for status, n in counts.items():
            jobs.add_metric([status], n)
        rows.add_metric([], done)
        yield jobs
        yield rows


class JobQueueCollector(Collector):
    """Background jobs waiting and running, by queue, read from the database when scraped (all hosts)."""

    def __init__(self, engine: sa.Engine, *, queued: bool):
        self.engine = engine
        self.queued = queued

    def _rows(self, conn: sa.Connection) -> list[tuple[str, str, int]]:
        if self.queued:  # the PostgreSQL job queue (procrastinate's table, migration 0014)
            return [
                (str(q), str(s), int(n))
                for q, s, n in conn.exec_driver_sql(
                    "SELECT queue_name, status::text, count(*) FROM procrastinate_jobs "
                    "WHERE status IN ('todo', 'doing') GROUP BY queue_name, status"
                )
            ]
        from api.db.models import MemberImport

        table = sa.inspect(MemberImport).local_table
        names = {"queued": "todo", "running": "doing"}
        return [
            ("imports", names[str(s)], int(n))
            for s, n in conn.execute(
                sa.select(table.c.status, sa.func.count())
                .where(table.c.status.in_(list(names)))
                .group_by(table.c.status)
            )
        ]

    def collect(self) -> Iterator[Any]:
        depth = GaugeMetricFamily(
            "gonghui_job_queue_depth",
            "Background jobs waiting (todo) and running (doing), by queue.",
            labels=["queue", "status"],
        )
        try:
            with self.engine.connect() as conn:
                rows = self._rows(conn)
        except sa.exc.SQLAlchemyError:
            return  # the database is down (or not migrated): the HTTP metrics still answer
        seen = set()
        for queue, status, n in rows:
            depth.add_metric([queue, status], n)
            seen.add((queue, status))
        for status in ("todo", "doing"):  # the series exist (at 0) before the first job
            if ("imports", status) not in seen:
                depth.add_metric(["imports", status], 0)
        yield depth


def render(engine: sa.Engine, *, jobs_queued: bool = False) -> bytes:
    registry = CollectorRegistry()
    path = os.environ.get(MULTIPROC_ENV)
    if path:
        MultiProcessCollector(registry, path=path)
    else:
        for collector in (REQUEST_SECONDS, RESPONSES, IN_FLIGHT, SHED, POOL_IN_USE, POOL_OPEN, JOB_OUTCOMES):
            registry.register(collector)
    registry.register(ImportJobsCollector(engine))
    registry.register(JobQueueCollector(engine, queued=jobs_queued))
    return generate_latest(registry)


def allowed(request: Request, settings: Settings) -> bool:
    """Open in development; in production only with ``GONGHUI_METRICS_TOKEN`` as a bearer token."""
    if settings.env is not Env.production:
        return True
    token = settings.metrics_token
    sent = request.headers.get("authorization", "")
    return bool(token) and hmac.compare_digest(sent.encode(), f"Bearer {token}".encode())


async def metrics_endpoint(request: Request) -> Response:
    from starlette.concurrency import run_in_threadpool

    settings: Settings = request.app.state.settings
    if not allowed(request, settings):
        return Response(status_code=404)
    body = await run_in_threadpool(
        lambda: render(request.app.state.db.engine, jobs_queued=request.app.state.jobs.queued)
    )
    return Response(body, media_type=CONTENT_TYPE_LATEST)
