"""Optional OpenTelemetry tracing (issue 16, "Seeing it run"): one span per HTTP request, with a child
span per SQL statement, through the official ``opentelemetry-instrumentation-fastapi`` and
``opentelemetry-instrumentation-sqlalchemy``.

Off by default: with ``GONGHUI_OTEL_ENABLED`` unset or false nothing of OpenTelemetry is imported and no
middleware or engine hook is added, so it costs nothing. On (``pip install '.[otel]'``, then
``GONGHUI_OTEL_ENABLED=true``), spans go to the tracer provider already set globally (e.g. by
``opentelemetry-instrument`` or a host's own set-up) or else to a new SDK provider that exports over OTLP
HTTP in batches. That provider is configured the standard way, by the ``OTEL_*`` variables the SDK reads:
``OTEL_SERVICE_NAME`` (default here: ``gonghui``), ``OTEL_RESOURCE_ATTRIBUTES``,
``OTEL_EXPORTER_OTLP_ENDPOINT`` / ``OTEL_EXPORTER_OTLP_TRACES_ENDPOINT``, ``OTEL_TRACES_SAMPLER`` ...

``/metrics`` and ``/health*`` are not traced (scrapes and probes would drown the requests). SQL statements
are recorded without their parameters (the instrumentation never sends bound values), so no personal data
leaves in a span.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fastapi import FastAPI
    from sqlalchemy.engine import Engine

EXCLUDED_URLS = "/metrics,/health"


class TracingUnavailable(RuntimeError):
    """``GONGHUI_OTEL_ENABLED`` is on but the ``otel`` extra is not installed."""


def instrument(app: FastAPI, engine: Engine, *, tracer_provider: Any | None = None) -> Any:
    """Trace ``app``'s requests and ``engine``'s statements; returns the tracer provider used."""
    try:
        from opentelemetry import trace
        from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
        from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor
    except ImportError as exc:  # pragma: no cover - depends on the installation
        raise TracingUnavailable(
            "GONGHUI_OTEL_ENABLED=true needs the otel extra: pip install 'gonghui[otel]' (or '.[otel]')"
        ) from exc
    provider = tracer_provider or _global_or_new_provider(trace)
    FastAPIInstrumentor.instrument_app(app, tracer_provider=provider, excluded_urls=EXCLUDED_URLS)
    # The instrumentation declares "sqlalchemy < 2.1" and would otherwise do nothing on our 2.1: the engine
    # events it hooks (before/after_cursor_execute) are unchanged in 2.1, which tests/core/test_tracing.py
    # checks on both engines; so its version check is skipped.
    SQLAlchemyInstrumentor().instrument(engine=engine, tracer_provider=provider, skip_dep_check=True)
    return provider


def _global_or_new_provider(trace: Any) -> Any:
    from opentelemetry.sdk.trace import TracerProvider

    current = trace.get_tracer_provider()
    if isinstance(current, TracerProvider):  # set up by the host (opentelemetry-instrument, a distro)
        return current
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import SERVICE_NAME, Resource
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    # Resource.create() reads OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES; ours is only the default
    resource = Resource.create({} if os.environ.get("OTEL_SERVICE_NAME") else {SERVICE_NAME: "gonghui"})
    provider = TracerProvider(resource=resource)  # OTEL_TRACES_SAMPLER(_ARG) are read here
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))  # OTEL_EXPORTER_OTLP_* endpoint
    trace.set_tracer_provider(provider)
    return provider
