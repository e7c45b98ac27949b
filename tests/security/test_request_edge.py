"""Issue 14 items 7 and 9: bodies are not read before authentication and are capped, validation errors
and concurrent imports are bounded (OWASP API4:2023), and the production surface is closed (API8:2023:
security headers, no-store, no Server header, docs off, key material checked at start and by /readyz)."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from imports_db.helpers import csv_bytes, make_id, post_import, row
from members.factories import payload

from api.config import Env, Settings, get_settings
from api.db.models import MemberImport
from api.db.types import utcnow
from api.main import create_app
from api.security.pii import new_pii_key


def asgi(app: Any, method: str, path: str, headers: dict[str, str], chunks: list[bytes]) -> tuple[int, int]:
    """Run one request straight through the ASGI app; returns (status, body chunks the app read)."""
    read = 0
    pending = list(chunks)
    status = 0

    async def receive() -> dict[str, Any]:
        nonlocal read
        read += 1
        body = pending.pop(0) if pending else b""
        return {"type": "http.request", "body": body, "more_body": bool(pending)}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        "client": ("192.0.2.1", 1234),
        "server": ("testserver", 80),
        "app": app,
    }
    asyncio.run(app(scope, receive, send))
    return status, read


def test_an_anonymous_body_is_refused_before_it_is_read(app):
    chunks = [b"{" + b'"a":1,' * 100_000 + b'"b":1}']
    status, read = asgi(app, "POST", "/api/v1/members", {"content-type": "application/json"}, chunks)
    assert (status, read) == (401, 0)
    forged = {"content-type": "application/json", "authorization": "Bearer not.a.token"}
    assert asgi(app, "POST", "/api/v1/members", forged, chunks) == (401, 0)


def test_a_declared_body_over_the_cap_is_413_before_it_is_read(app, world):
    headers = {**world.as_role("officer", "U01"), "content-type": "application/json"}
    big = str(app.state.settings.max_json_body_bytes + 1)
    assert asgi(app, "POST", "/api/v1/members", {**headers, "content-length": big}, [b"{}"]) == (413, 0)
    upload = {**world.as_role("officer", "U01"), "content-type": "multipart/form-data; boundary=x"}
    assert (
        asgi(app, "POST", "/api/v1/member-imports", {**upload, "content-length": str(10**10)}, [b""])[0]
        == 413
    )


def test_a_streamed_body_over_the_cap_is_cut_off(client, world, problem):
    headers = {**world.as_role("officer", "U01"), "content-type": "application/json"}
    chunk = b" " * 256 * 1024

    def body():
        yield b"{"
        for _ in range(8):  # 2 MB, no Content-Length (chunked)
            yield chunk
        yield b"}"

    problem(client.post("/api/v1/members", content=body(), headers=headers), 413, "payload_too_large")


def test_a_json_body_over_the_cap_is_413(client, world, problem):
    headers = world.as_role("officer", "U01")
    body = payload(world, notes="x" * (2 * 1024 * 1024))
    problem(client.post("/api/v1/members", json=body, headers=headers), 413, "payload_too_large")


def test_reported_validation_errors_are_capped(client, world, problem):
    body = {**payload(world), **{f"k{i}": i for i in range(5000)}}
    r = client.post("/api/v1/members", json=body, headers=world.as_role("officer", "U01"))
    found = problem(r, 422, "validation_failed")
    assert found["count"] >= 5000 and len(found["errors"]) == 50
    assert len(r.content) < 20_000


def test_a_nul_in_the_query_is_400_not_500(client, world, problem):
    problem(client.get("/api/v1/members?q=%00", headers=world.as_role("officer", "U01")), 400, "bad_request")


def _unfinished(session, world, unit: str, count: int, *, age_hours: float = 0) -> None:
    for _ in range(count):
        session.add(
            MemberImport(
                created_at=utcnow() - timedelta(hours=age_hours),
                org_unit_id=world.units[unit].id,
                filename="x.csv",
                file_format="csv",
                file_hash="0" * 64,
                on_error="abort",
                status="running",
                report={"phase": "running"},
            )
        )
    session.commit()


def test_concurrent_imports_are_capped_per_unit(client, world, session, problem):
    officer = world.as_role("officer", "U01")
    content = csv_bytes([row("C001", "钱一", make_id(31))])
    _unfinished(session, world, "U01", app_settings(client).max_imports_per_unit)
    r = post_import(client, officer, content, dry_run=True)
    body = problem(r, 429, "import_busy")
    assert int(r.headers["Retry-After"]) > 0 and body["retry_after"] > 0
    other = csv_bytes([row("C001", "钱一", make_id(31), "U02-B01")])
    assert post_import(client, world.as_role("officer", "U02"), other, org_unit="U02").status_code == 201


def test_jobs_left_running_for_hours_do_not_block_a_unit(client, world, session):
    """A process on another host that died leaves its job "running" until that host restarts."""
    _unfinished(session, world, "U01", 5, age_hours=7)
    content = csv_bytes([row("C003", "钱三", make_id(33))])
    assert post_import(client, world.as_role("officer", "U01"), content, dry_run=True).status_code == 201


def test_concurrent_imports_are_capped_in_all(client, world, session, problem):
    with override(client, max_imports_total=2):
        _unfinished(session, world, "U01", 1)
        _unfinished(session, world, "U02", 1)
        content = csv_bytes([row("C002", "钱二", make_id(32))])
        federation = world.as_role("officer", "ROOT")
        problem(post_import(client, federation, content, org_unit="ROOT"), 429, "import_busy")


def app_settings(client) -> Settings:
    return client.app.state.settings


@contextlib.contextmanager
def override(client, **update: Any) -> Iterator[Settings]:
    """The app's settings with ``update`` for the duration (pytest's monkeypatch deletes a State attribute
    on undo instead of restoring it)."""
    state = client.app.state
    before = state.settings
    state.settings = before.model_copy(update=update)
    try:
        yield state.settings
    finally:
        state.settings = before


# --- item 9: the production surface ------------------------------------------------------------------


def test_security_headers_on_every_response(client, world):
    for r in (client.get("/healthz"), client.get("/api/v1/members", headers=world.as_role("officer", "U01"))):
        assert r.headers["X-Content-Type-Options"] == "nosniff"
        assert r.headers["Referrer-Policy"] == "no-referrer"
        assert "default-src 'none'" in r.headers["Content-Security-Policy"]
        assert "server" not in r.headers
        assert "Strict-Transport-Security" not in r.headers  # plain HTTP
    docs = client.get("/docs")
    assert docs.status_code == 200 and "script-src 'self'" in docs.headers["Content-Security-Policy"]


def test_hsts_over_https(app, db):
    app.state.db = db
    with TestClient(app, base_url="https://testserver") as tls:
        assert "max-age=" in tls.get("/healthz").headers["Strict-Transport-Security"]


def test_no_store_on_tokens_and_full_id_reads(client, world):
    world.user("nostore", ("officer", "U01"))
    r = client.post("/api/v1/auth/token", data={"username": "nostore", "password": "correct-horse-battery"})
    assert r.status_code == 200 and r.headers["Cache-Control"] == "no-store"
    officer = world.as_role("officer", "U01")
    m = client.post("/api/v1/members", json=payload(world), headers=officer).json()
    full = client.get(f"/api/v1/members/{m['id']}/national-id", headers=officer)
    assert full.status_code == 200 and full.headers["Cache-Control"] == "no-store"
    assert "no-store" not in client.get(f"/api/v1/members/{m['id']}", headers=officer).headers.get(
        "Cache-Control", ""
    )


def _production(**extra: Any) -> Settings:
    return Settings(
        env=Env.production,
        secret_key="p" * 48,
        pii_keys=[new_pii_key()],
        pii_hmac_key="h" * 48,
        database_url="sqlite://",
        **extra,
    )


def test_docs_and_openapi_are_off_in_production_unless_enabled(engine):
    from api.db.session import Database

    with TestClient(create_app(_production(), database=Database(engine))) as prod:
        assert prod.get("/docs").status_code == 404
        assert prod.get("/openapi.json").status_code == 404
    with TestClient(create_app(_production(docs_enabled=True), database=Database(engine))) as prod:
        assert prod.get("/docs").status_code == 200
        assert prod.get("/openapi.json").status_code == 200


def test_bad_key_material_stops_the_start_with_one_line_per_problem(monkeypatch):
    from api.config import ConfigurationError

    monkeypatch.setenv("GONGHUI_ENV", "production")
    monkeypatch.setenv("GONGHUI_SECRET_KEY", "short")
    monkeypatch.setenv("GONGHUI_PII_KEYS", json.dumps(["not-a-key", new_pii_key()]))
    monkeypatch.setenv("GONGHUI_PII_HMAC_KEY", "tiny")
    get_settings.cache_clear()
    try:
        with pytest.raises(ConfigurationError) as stopped:
            get_settings()
    finally:
        get_settings.cache_clear()
    lines = str(stopped.value.code).splitlines()
    assert len(lines) == 3, lines
    assert all(line.startswith("gonghui: configuration: ") for line in lines)
    assert any("GONGHUI_SECRET_KEY" in line for line in lines)
    assert any("GONGHUI_PII_KEYS[0]" in line for line in lines)
    assert any("GONGHUI_PII_HMAC_KEY" in line for line in lines)
    assert "Traceback" not in str(stopped.value.code) and "pydantic" not in str(stopped.value.code)


def test_readyz_fails_when_the_key_ring_cannot_open_stored_ids(client, world):
    client.post("/api/v1/members", json=payload(world), headers=world.as_role("officer", "U01"))
    assert client.get("/readyz").status_code == 200
    with override(client, pii_keys=[new_pii_key()], pii_hmac_key="h" * 48):
        r = client.get("/readyz")
    assert r.status_code == 503 and "decrypt" in r.json()["keys"]


def test_routes_with_their_own_cap_take_larger_bodies(client, world):
    """The dues batch (up to 50,000 rows) takes more than the 1 MB default; its own cap still holds."""
    rows = [{"employee_no": f"NOPE{n:06d}", "period": "2025-01", "amount_fen": 2500} for n in range(20_000)]
    body = {"org_unit_id": str(world.units["U01"].id), "paid_on": "2025-02-01", "rows": rows}
    r = client.post("/api/v1/dues-payments/batch", json=body, headers=world.as_role("treasurer", "U01"))
    assert len(r.request.content) > 1024 * 1024 and r.status_code != 413, r.text[:200]
