"""Jobs in the serving process (api/jobs/inprocess.py), the embedded SQLite default: a large import runs
after the response in this process, counted in /metrics with the import queue's depth; both engines
(the suite's settings run jobs in-process on PostgreSQL too, see tests/conftest.py)."""

from __future__ import annotations

from core.test_metrics import sample
from imports_db.helpers import csv_bytes, make_id, post_import, row

from api.config import Settings
from api.jobs import uses_queue
from api.services.member_imports import jobs as import_jobs


def test_a_large_import_runs_in_process_and_is_counted_in_metrics(client, world, monkeypatch):
    monkeypatch.setattr(import_jobs, "INLINE_MAX_BYTES", 100)
    officer = world.as_role("officer", "U01")
    labels = {"outcome": "succeeded", "task": "member_import"}  # in the exposition's (sorted) order
    before = sample(client.get("/metrics").text, "gonghui_job_outcomes_total", **labels)
    r = post_import(
        client, officer, csv_bytes([row(f"Q{i:03d}", f"员工{i}", make_id(i)) for i in range(1, 6)])
    )
    assert r.status_code == 202, r.text
    assert client.get(r.headers["Location"], headers=officer).json()["status"] == "succeeded"
    text = client.get("/metrics").text
    assert sample(text, "gonghui_job_outcomes_total", **labels) - before == 1
    assert "gonghui_job_queue_depth{" in text
    assert sample(text, "gonghui_job_queue_depth", queue="imports", status="doing") == 0


def test_sqlite_runs_jobs_in_process_and_postgresql_on_the_queue():
    def runner(url: str, choice: str = "auto") -> bool:
        return uses_queue(Settings(database_url=url, job_runner=choice))  # type: ignore[arg-type]

    assert not runner("sqlite:///var/x.db")
    assert runner("postgresql+psycopg://u@h/db")
    assert not runner("postgresql+psycopg://u@h/db", "inprocess")


def test_gonghui_worker_refuses_to_start_when_jobs_run_in_process(monkeypatch):
    """On SQLite the server runs jobs itself: `gonghui worker` says so and exits 1 instead of waiting."""
    from typer.testing import CliRunner

    from api.cli import app as cli
    from api.config import get_settings

    monkeypatch.setenv("GONGHUI_DATABASE_URL", "sqlite:///var/not-used.db")
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(cli, ["worker"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 1
    assert "no worker is needed" in result.output
