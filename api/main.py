"""The application factory: ``create_app()``; ``api.main:app`` for uvicorn."""

from __future__ import annotations

import contextlib
import gc
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import structlog
import swagger_ui_bundle
from asgi_correlation_id import CorrelationIdMiddleware
from fastapi import APIRouter, FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.openapi.docs import get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.responses import HTMLResponse
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool
from starlette.routing import compile_path
from starlette.types import ASGIApp, Receive, Scope, Send
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from api import __doc__ as package_doc
from api import metrics
from api.config import Settings, get_settings
from api.context import client_ip
from api.db.session import Database, make_engine
from api.deps import public
from api.errors import install_error_handlers
from api.idempotency import IdempotencyMiddleware
from api.jobs.inprocess import Jobs
from api.logging import configure_logging
from api.openapi import install as install_openapi
from api.overload import LoadShedMiddleware
from api.routers import (
    aid,
    audit_events,
    auth,
    changes,
    congresses,
    dues,
    expulsions,
    funds,
    funds_books,
    health,
    me,
    member_imports,
    member_sync,
    members,
    motions,
    negotiations,
    org_units,
    participation,
    rationalisation,
    tasks,
    transfers,
    unit_requests,
    users,
)
from api.security.http import RequestGuard, SecurityHeaders, route_caps
from api.services import aid as aid_service
from api.services import expulsions as expulsion_service
from api.services import import_guard, membership_policy
from api.services import member_imports as import_service
from api.services import motions as motion_service
from api.services import negotiations as negotiation_service
from api.services import tasks as task_service
from api.services import unit_requests as unit_request_service
from api.services.funds import tasks as funds_tasks
from api.services.motions import categories as motion_categories
from api.services.rationalisation import tasks as rationalisation_tasks

API_PREFIX = "/api/v1"
#: one tag per area, in the order the docs show them
TAGS = [
    {"name": "auth", "description": "Log in (password or client credentials), refresh, log out, who am I."},
    {
        "name": "org-units",
        "description": "The union's organisation tree: federation → grassroots → branch → group.",
    },
    {"name": "users", "description": "Accounts, service accounts and their (role, org unit) grants."},
    {
        "name": "members",
        "description": "Member records, resident-ID protection, lifecycle and member accounts.",
    },
    {"name": "me", "description": "Self-service for members: their own record and contact details."},
    {"name": "transfers", "description": "Membership transfers (会籍接转) between units and unions."},
    {"name": "dues", "description": "Membership dues (会费): payments, statements, arrears and summaries."},
    {
        "name": "unit-requests",
        "description": "Setting up or closing a unit, approved by a chair of the unit above (章程 Art 16).",
    },
    {
        "name": "participation",
        "description": "Participation in union activities (组织生活): who was present.",
    },
    {
        "name": "expulsions",
        "description": "Expulsion (开除会籍, 章程 Art 7): the union group proposes, the committee decides.",
    },
    {
        "name": "congresses",
        "description": (
            "Workers' congresses (职代会), their representatives, and the departments that answer motions."
        ),
    },
    {
        "name": "motions",
        "description": (
            "Motions to the congress (提案): drafting, co-signing, review, assignment, replies, "
            "ratings, timeline."
        ),
    },
    {
        "name": "aid",
        "description": "Hardship aid (困难帮扶): household files, programmes, applications, public notices "
        "with objections, payout batches, reports, bulk import of existing files.",
    },
    {
        "name": "negotiations",
        "description": (
            "Collective negotiations and contracts (集体协商/集体合同): proposal, negotiators, "
            "sessions, versioned drafts, congress vote, signing, filing and review, publication, "
            "disputes, coverage report."
        ),
    },
    {
        "name": "funds",
        "description": "Union funds (工会经费): charts of accounts, budgets and adjustments, the ledger, "
        "dues and 2% allocation income, final accounts, reports.",
    },
    {"name": "tasks", "description": "The caller's task inbox across areas."},
    {
        "name": "rationalisation",
        "description": "Rationalisation proposals (合理化建议) from any worker, and their campaigns.",
    },
    {
        "name": "member-imports",
        "description": "Bulk member imports from HR files (CSV, XLSX, JSON Lines): jobs, progress, reports.",
    },
    {
        "name": "changes",
        "description": "Change feed for integrations: every change in commit order, by cursor.",
    },
    {"name": "audit", "description": "The append-only audit trail."},
    {"name": "health", "description": "Liveness and readiness probes."},
]

#: routers of the areas, mounted under /api/v1; a new area adds itself here
AREA_ROUTERS: list[APIRouter] = [auth.router, org_units.router, unit_requests.router]
AREA_ROUTERS += [users.router, audit_events.router]
# member_sync before members: /members/export must not be taken for /members/{member_id}
AREA_ROUTERS += [member_sync.router, member_imports.router, changes.router]
AREA_ROUTERS += [members.router, me.router]
AREA_ROUTERS += [transfers.router, dues.router, participation.router, expulsions.router]
AREA_ROUTERS += [congresses.router, congresses.departments_router, motions.router, tasks.router]
AREA_ROUTERS += [rationalisation.router]
AREA_ROUTERS += [aid.router, aid.me_router]
AREA_ROUTERS += [negotiations.router]
AREA_ROUTERS += [funds.router, funds_books.router]


#: routers tried first when a request is matched (FastAPI tries the included routers in turn, a regex per
#: route): the hottest reads. Only the matching order changes; the OpenAPI keeps AREA_ROUTERS' order.
#: Safe because these routers' paths never match another router's (``{member_id:uuid}`` takes ids only).
HOT_ROUTERS: list[APIRouter] = [members.router]


_CONVERTER = re.compile(r":[a-z]+}")  # "{member_id:uuid}" is documented as "{member_id}"


def mount_order() -> list[APIRouter]:
    return HOT_ROUTERS + [r for r in AREA_ROUTERS if r not in HOT_ROUTERS]


#: the task providers of the areas for ``/me/tasks``; a new area adds its ``TASK_PROVIDERS`` here
TASK_PROVIDERS = [
    motion_service.TASK_PROVIDERS,
    negotiation_service.TASK_PROVIDERS,
    aid_service.TASK_PROVIDERS,
    funds_tasks.TASK_PROVIDERS,
    rationalisation_tasks.TASK_PROVIDERS,
    expulsion_service.TASK_PROVIDERS,
    unit_request_service.TASK_PROVIDERS,
]


def api_routes() -> list[tuple[str, APIRoute]]:
    """(full path, route) for every route of the app's routers, for the permission-matrix test."""
    mounted = [(API_PREFIX, r) for r in AREA_ROUTERS] + [("", health.router)]
    return [
        (prefix + route.path, route)
        for prefix, router in mounted
        for route in router.routes
        if isinstance(route, APIRoute) and route.include_in_schema
    ]


def public_paths() -> list[str]:
    """Full paths of the routes declared ``public()`` (login, refresh, probes): the only ones a request
    may send a body to without a bearer token (api.security.http.RequestGuard)."""
    return [
        path
        for path, route in api_routes()
        if any(isinstance(d.call, public) for d in route.dependant.dependencies)
    ]


#: POSTs under these prefixes do not replay by Idempotency-Key (member imports key on the file's hash
#: themselves: a multipart body differs per retry)
IDEMPOTENCY_EXEMPT = ("/api/v1/auth/", "/api/v1/member-imports")


def idempotent(path: str, method: str) -> bool:
    """Whether a ``method`` request to ``path`` honours ``Idempotency-Key`` (IdempotencyMiddleware)."""
    return method == "POST" and path.startswith(API_PREFIX) and not path.startswith(IDEMPOTENCY_EXEMPT)


def operation_id(route: APIRoute) -> str:
    """Operation ids are the handler names (``org_units_list``): stable and readable for codegen."""
    return route.name


class ClientIPMiddleware:
    """Puts the caller's address where the audit log and login throttling read it."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            client = scope.get("client")
            token = client_ip.set(client[0] if client else None)
            try:
                await self.app(scope, receive, send)
            finally:
                client_ip.reset(token)
        else:
            await self.app(scope, receive, send)


log = structlog.get_logger(__name__)


@contextlib.asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """On start: imports left "running" by a process of this host that has ended are marked failed (when
    jobs run in-process), the plaintext upload files of ended processes are removed, and the in-process
    deadline sweeps start (api/jobs); on stop, they stop."""
    swept = await run_in_threadpool(import_guard.sweep_orphans)
    if swept:
        log.warning("import_uploads_removed", count=swept)
    jobs: Jobs = app.state.jobs
    if not jobs.queued:  # queued imports belong to the job queue, whose workers reap their dead (api/jobs)
        try:
            reaped = await run_in_threadpool(import_service.reap_interrupted, app.state.db)
        except SQLAlchemyError:  # e.g. a database not migrated yet: the server still starts (health says why)
            log.warning("import_reaper_failed", exc_info=True)
        else:
            if reaped:
                log.warning("imports_interrupted", count=reaped)
    jobs.start()
    frozen = app.state.settings.gc_freeze
    if frozen:
        # Everything alive after start-up (modules, routes, the compiled OpenAPI, caches) lives as long
        # as the process: moved out of the collector's sight, a full collection no longer walks it.
        # Measured: a full collection paused the process for 160 ms with ~275,000 objects tracked and
        # 11 ms once they were frozen; under load every request in flight waited that long, which was
        # most of the p99 (docs/benchmarks.md §7).
        gc.collect()
        gc.freeze()
    yield
    await run_in_threadpool(jobs.stop)
    if frozen:
        gc.unfreeze()
    metrics.process_ended()


def create_app(settings: Settings | None = None, *, database: Database | None = None) -> FastAPI:
    settings = settings or get_settings()
    configure_logging(json=settings.log_json, level=settings.log_level)
    app = FastAPI(
        title="gonghui",
        summary="API backend for running a trade union (工会).",
        description=(package_doc or "")
        + "\n\nErrors are `application/problem+json` with a stable `code`. Lists use keyset pagination "
        "(`limit`, `cursor` → `next_cursor`). Mutations need `If-Match` with the ETag of your last read; "
        "creating POSTs accept `Idempotency-Key`.",
        version="0.1.0",
        openapi_tags=TAGS,
        generate_unique_id_function=operation_id,
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json" if settings.docs_on else None,
        swagger_ui_oauth2_redirect_url="/docs/oauth2-redirect",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.db = database or Database(
        make_engine(
            settings.database_url, pool_size=settings.db_pool_size, max_overflow=settings.db_max_overflow
        )
    )

    app.state.db.inline_reads = settings.sqlite_inline_reads and app.state.db.dialect == "sqlite"
    app.state.jobs = Jobs(settings, app.state.db)

    install_error_handlers(app)
    app.add_middleware(IdempotencyMiddleware, exempt_prefixes=IDEMPOTENCY_EXEMPT)
    app.add_middleware(ClientIPMiddleware)
    app.add_middleware(
        RequestGuard, settings=settings, public_paths=public_paths(), caps=route_caps(api_routes())
    )
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["*"],
            allow_headers=["*"],
            expose_headers=["ETag", "Location", "X-Request-ID", "Retry-After", "Idempotent-Replayed"],
        )
    # inside the request id (a shed request's problem carries it), outside everything else
    shed_kwargs: dict[str, Any] = {
        "max_in_flight": settings.max_in_flight,
        "retry_after_seconds": settings.overload_retry_after_seconds,
    }
    if settings.metrics_enabled:
        shed_kwargs["on_shed"] = metrics.count_shed
    app.add_middleware(LoadShedMiddleware, **shed_kwargs)
    if settings.metrics_enabled:  # outside the shedding, so shed requests are timed and counted too
        templates = {id(route): compile_path(path)[1] for path, route in api_routes()}
        app.add_middleware(metrics.MetricsMiddleware, templates=templates)
        metrics.watch_pool(app.state.db.engine)
        app.add_route("/metrics", metrics.metrics_endpoint, include_in_schema=False)
    app.add_middleware(CorrelationIdMiddleware, header_name="X-Request-ID")
    app.add_middleware(SecurityHeaders, settings=settings)
    if settings.trusted_proxies:  # X-Forwarded-For/-Proto believed from these peers only (uvicorn's own)
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.trusted_proxies)

    if settings.otel_enabled:  # outermost: the request's span covers every middleware and its SQL
        from api import tracing

        tracing.instrument(app, app.state.db.engine)

    for router in mount_order():
        app.include_router(router, prefix=API_PREFIX)
    for providers in TASK_PROVIDERS:
        task_service.install(providers)
    membership_policy.install(membership_policy.MembershipPolicy.from_settings(settings))
    motion_categories.install(settings.motion_categories)
    app.include_router(health.router)
    app.state.route_methods = [(compile_path(path)[0], route.methods) for path, route in api_routes()]
    install_openapi(
        app,
        lambda: [route for _, route in api_routes()],
        idempotent=idempotent,
        path_order=lambda: [_CONVERTER.sub("}", path) for path, _ in api_routes()],
    )
    if settings.docs_on:
        _mount_docs(app)
    return app


def _mount_docs(app: FastAPI) -> None:
    """Swagger UI served from the installed swagger-ui-bundle package: /docs works offline."""
    assets = Path(swagger_ui_bundle.swagger_ui_path)
    app.mount("/docs/assets", StaticFiles(directory=assets), name="swagger-assets")

    @app.get("/docs", include_in_schema=False)
    def docs(request: Request) -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url="/openapi.json",
            title="gonghui API",
            swagger_js_url="/docs/assets/swagger-ui-bundle.js",
            swagger_css_url="/docs/assets/swagger-ui.css",
            swagger_favicon_url="/docs/assets/favicon-32x32.png",
            oauth2_redirect_url="/docs/oauth2-redirect",
            init_oauth={"usePkceWithAuthorizationCodeGrant": False},
        )

    @app.get("/docs/oauth2-redirect", include_in_schema=False)
    def docs_redirect() -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()


def __getattr__(name: str) -> FastAPI:
    # ``api.main:app`` is built on first access, so importing this module has no side effects.
    if name == "app":
        globals()["app"] = application = create_app()
        return application
    raise AttributeError(name)
