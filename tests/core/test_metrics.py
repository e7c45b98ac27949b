"""/metrics (api/metrics.py): Prometheus text, per-route templates, not public in production, summed
across the worker processes of `gonghui serve --workers N`."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.config import Env, Settings
from api.main import create_app


def sample(text: str, name: str, **labels: str) -> float:
    """The value of one sample of the exposition ``text`` (0 when absent)."""
    want = ",".join(f'{k}="{v}"' for k, v in labels.items())
    pattern = re.escape(name) + (r"\{" + re.escape(want) + r"\}" if want else "") + r" (\S+)"
    match = re.search(r"^" + pattern + "$", text, re.MULTILINE)
    return float(match.group(1)) if match else 0.0


def test_per_route_latency_and_status_counts(client: TestClient, world: Any):
    auditor = world.as_role("auditor", "ROOT")
    route = "/api/v1/members/{member_id}"
    before = client.get("/metrics").text
    for _ in range(3):
        assert client.get(f"/api/v1/members/{world.units['U01'].id}", headers=auditor).status_code == 404
    client.get("/api/v1/members/not-a-uuid-at-all", headers=auditor)
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    text = response.text
    count = "gonghui_http_request_duration_seconds_count"
    assert (
        sample(text, count, method="GET", route=route) - sample(before, count, method="GET", route=route) == 3
    )
    status = {"method": "GET", "route": route, "status": "404"}
    assert (
        sample(text, "gonghui_http_responses_total", **status)
        - sample(before, "gonghui_http_responses_total", **status)
        == 3
    )
    # the raw path never becomes a label value (unbounded series)
    assert "not-a-uuid" not in text and str(world.units["U01"].id) not in text
    for name in (
        "gonghui_http_requests_in_flight",
        "gonghui_http_requests_shed_total",
        "gonghui_db_pool_connections_in_use",
        "gonghui_import_jobs",
        "gonghui_import_rows_processed_total",
    ):
        assert f"\n{name}" in text, name


def test_not_public_in_production(settings: Settings):
    app = create_app(settings)
    with TestClient(app) as client:
        app.state.settings = settings.model_copy(update={"env": Env.production, "metrics_token": None})
        assert client.get("/metrics").status_code == 404  # no token configured: nobody
        app.state.settings = settings.model_copy(
            update={"env": Env.production, "metrics_token": "s3cret-token"}
        )
        assert client.get("/metrics").status_code == 404
        assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 404
        ok = client.get("/metrics", headers={"Authorization": "Bearer s3cret-token"})
        assert ok.status_code == 200 and "gonghui_http_responses_total" in ok.text


def test_can_be_switched_off(settings: Settings):
    app = create_app(settings.model_copy(update={"metrics_enabled": False}))
    with TestClient(app) as client:
        assert client.get("/metrics").status_code == 404


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(url: str) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=10) as r:  # loopback only
        return r.status, r.read().decode()


@pytest.mark.skipif(os.environ.get("GONGHUI_TEST_DATABASE_URL", "").startswith("postgresql"), reason="once")
def test_serve_runs_n_workers_and_metrics_sum_them(tmp_path: Path):
    """`gonghui serve --workers 2`: two processes answer on one port, and a scrape (answered by either)
    counts the requests of both."""
    metrics_dir = tmp_path / "metrics"
    metrics_dir.mkdir()
    (metrics_dir / "counter_999999.db").write_bytes(b"stale")  # left by an earlier run: removed
    port = _free_port()
    env = {
        **os.environ,
        "GONGHUI_DATABASE_URL": f"sqlite:///{tmp_path / 'serve.db'}",
        "GONGHUI_SECRET_KEY": "serve-test-secret-0123456789-abcdefghij",
        "GONGHUI_LOG_LEVEL": "WARNING",
        "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
    }
    gonghui = Path(sys.executable).with_name("gonghui")
    proc = subprocess.Popen(
        [str(gonghui), "serve", "--port", str(port), "--workers", "2"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if _get(base + "/healthz")[0] == 200:
                    break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise
                time.sleep(0.2)
        # both workers import the app, and each writes its own files (named by pid); on a busy machine
        # the second may take a while to import the app
        deadline = time.monotonic() + 180
        while len({f.stem.rsplit("_", 1)[1] for f in metrics_dir.glob("*.db")}) < 2:
            assert time.monotonic() < deadline, list(metrics_dir.iterdir())
            time.sleep(0.2)
        assert not (metrics_dir / "counter_999999.db").exists()
        for _ in range(40):
            assert _get(base + "/healthz")[0] == 200  # a new connection each: either worker
        # the first readiness poll and these 40, by both workers. A response is counted just after its
        # last byte is sent, so a scrape answered by the other worker at once may miss the latest one:
        # scrape again until the count settles (a lost count would never reach 41)
        deadline = time.monotonic() + 10
        while True:
            status, text = _get(base + "/metrics")
            assert status == 200
            count = sample(text, "gonghui_http_responses_total", method="GET", route="/healthz", status="200")
            if count >= 41 or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        assert count >= 41
    finally:
        proc.terminate()
        proc.wait(timeout=30)
