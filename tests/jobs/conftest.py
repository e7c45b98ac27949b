"""Fixtures for the job tests: a committed database of its own (worker processes must see the rows, which
the suite's rolled-back test transactions never commit) and worker processes started as `gonghui worker`.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from api.config import Settings
from api.db import migrate
from api.db.session import Database, make_engine
from api.jobs.inprocess import Jobs

SECRET = "test-secret-key-that-is-long-enough-000"


@pytest.fixture
def queue_env(fresh_database_url, tmp_path: Path) -> Iterator[dict[str, Any]]:
    """A migrated database of its own, the settings of the queue on it, its Database and an emptied
    spool directory (the test's own)."""
    url = fresh_database_url("jobs")
    migrate.upgrade(url)
    spool = tmp_path / "spool"
    env = {
        "GONGHUI_DATABASE_URL": url,
        "GONGHUI_SECRET_KEY": SECRET,
        "GONGHUI_JOB_RUNNER": "queue",
        "GONGHUI_JOB_STALLED_SECONDS": "5",
        "GONGHUI_JOB_REAPER_CRON": "* * * * * */1",
        "GONGHUI_JOB_SWEEP_CRON": "* * * * * */2",
        "GONGHUI_IMPORT_SPOOL_DIR": str(spool),
        "GONGHUI_LOG_LEVEL": "WARNING",
    }
    settings = Settings(
        database_url=url,
        secret_key=SECRET,
        job_runner="queue",
        job_stalled_seconds=5,
        import_spool_dir=spool,
        log_level="WARNING",
    )
    engine = make_engine(url)
    db = Database(engine)
    jobs = Jobs(settings, db)
    yield {"url": url, "env": env, "settings": settings, "db": db, "jobs": jobs, "spool": spool}
    jobs.stop()
    engine.dispose()


@pytest.fixture
def start_worker(queue_env, tmp_path: Path) -> Iterator[Callable[..., subprocess.Popen[bytes]]]:
    """Start `gonghui worker` processes on the test's database; all are stopped (SIGKILL) at the end."""
    started: list[subprocess.Popen[bytes]] = []

    def start(name: str, **env: str) -> subprocess.Popen[bytes]:
        log = open(tmp_path / f"{name}.log", "wb")  # noqa: SIM115 (kept open for the process's life)
        proc = subprocess.Popen(
            [sys.executable, "-m", "api.cli", "worker", "--name", name],
            env={**os.environ, **queue_env["env"], **env},
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=Path(__file__).resolve().parents[2],
        )
        started.append(proc)
        return proc

    yield start
    for proc in started:
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=10)


def wait_for(check: Callable[[], Any], *, timeout: float, what: str) -> Any:
    """Poll ``check`` until it returns something true, for at most ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.1)


def scalar(db: Database, sql: str, **params: Any) -> Any:
    with db.engine.connect() as conn:
        return conn.execute(sa.text(sql), params).scalar()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def scrape(port: int) -> str:
    """A worker's /metrics (``--metrics-port``), once it answers."""

    def get() -> str | None:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=2) as r:
                return r.read().decode()
        except OSError:
            return None

    return wait_for(get, timeout=10, what=f"the worker's metrics on port {port}")
