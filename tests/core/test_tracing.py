"""OpenTelemetry tracing as an option (issue 16, "Seeing it run"; api/tracing.py): off by default and then
nothing of it is loaded; on, a request is an HTTP server span whose children are its SQL statements."""

from __future__ import annotations

import subprocess
import sys

import pytest
from fastapi.testclient import TestClient

from api.db import migrate
from api.db.session import Database, make_engine
from api.main import create_app

pytest.importorskip("opentelemetry.sdk")

from opentelemetry import trace
from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind


def test_a_request_is_an_http_span_with_its_sql_as_child_spans(settings, fresh_database_url):
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    # what `opentelemetry-instrument` or a host's set-up does: the app then uses this provider
    trace.set_tracer_provider(provider)
    # a database of its own: the failed login below commits its audit event, which must not reach the
    # shared test database; and an engine of its own, so the session's shared one stays uninstrumented
    url = fresh_database_url("tracing")
    migrate.upgrade(url)
    engine = make_engine(url)
    try:
        traced = settings.model_copy(update={"otel_enabled": True, "database_url": url})
        app = create_app(traced, database=Database(engine))
        with TestClient(app, raise_server_exceptions=False) as client:
            r = client.post("/api/v1/auth/token", data={"username": "nobody", "password": "wrong-password"})
            assert r.status_code in {400, 401}, r.text
            assert client.get("/metrics").status_code == 200  # scrapes are not traced
        spans = exporter.get_finished_spans()
        servers = [s for s in spans if s.kind is SpanKind.SERVER]
        assert len(servers) == 1, [s.name for s in spans]
        http = servers[0]
        assert http.attributes is not None and http.attributes.get("http.route") == "/api/v1/auth/token"
        assert "/auth/token" in http.name
        assert http.context is not None
        trace_id = http.context.trace_id
        sql = [s for s in spans if s.attributes and "db.statement" in s.attributes]
        # the request's statements share its trace (start-up work in the lifespan has traces of its own)
        in_request = [s for s in sql if s.context is not None and s.context.trace_id == trace_id]
        assert in_request, [s.name for s in spans]
        for span in in_request:
            assert span.kind is SpanKind.CLIENT and span.parent is not None
        assert any("app_user" in str(s.attributes["db.statement"]) for s in in_request if s.attributes)
        # statements carry no bound values (a username or password never leaves in a span)
        assert not any("nobody" in str(s.attributes) for s in spans)
    finally:
        SQLAlchemyInstrumentor().uninstrument()
        engine.dispose()


def test_off_by_default_nothing_of_opentelemetry_is_loaded(settings, tmp_path):
    """Zero overhead when off: no instrumentation module imported, no middleware, no engine hook."""
    assert settings.otel_enabled is False
    code = (
        "import sys\n"
        "from api.config import Settings\n"
        "from api.main import create_app\n"
        f"app = create_app(Settings(database_url='sqlite:///{tmp_path / 'off.db'}', secret_key='x' * 40))\n"
        "app.build_middleware_stack()\n"
        "loaded = [m for m in sys.modules if m.startswith('opentelemetry.instrumentation')]\n"
        "assert not loaded, loaded\n"
        "assert not any('OpenTelemetry' in m.cls.__name__ for m in app.user_middleware)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
