"""Migrations are the only source of the schema (issue: foundation, Settings and database)."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from api.db import migrate
from api.db.models import metadata
from api.db.session import make_engine
from api.jobs import QUEUE_PREFIX, include_name


def _diff(url: str) -> list:
    engine = make_engine(url)
    with engine.connect() as conn:
        # the job queue's tables (PostgreSQL, migration 0014) are procrastinate's, not models: left out
        context = MigrationContext.configure(conn, opts={"compare_type": True, "include_name": include_name})
        diff = compare_metadata(context, metadata)
    engine.dispose()
    return diff


def test_upgrade_downgrade_upgrade_and_models_match(fresh_database_url):
    url = fresh_database_url("migrations")
    migrate.upgrade(url)
    assert _diff(url) == [], (
        "models and migrations disagree: write a migration (alembic revision --autogenerate)"
    )
    migrate.downgrade(url, revision="base")
    engine = make_engine(url)
    tables = set(sa.inspect(engine).get_table_names()) - {"alembic_version"}
    engine.dispose()
    assert tables == set(), f"downgrade left tables behind: {tables}"
    migrate.upgrade(url)
    assert _diff(url) == []
    engine = make_engine(url)
    assert migrate.current_revision(engine) == migrate.head_revision()
    engine.dispose()


def test_job_queue_schema_comes_from_its_migration(fresh_database_url, backend):
    """Migration 0014 creates procrastinate's schema on PostgreSQL (and nothing on SQLite); downgrading
    below it removes every one of its objects."""
    url = fresh_database_url("queue_schema")
    migrate.upgrade(url)
    engine = make_engine(url)
    queue = {t for t in sa.inspect(engine).get_table_names() if t.startswith(QUEUE_PREFIX)}
    if backend == "sqlite":
        assert queue == set()
        engine.dispose()
        return
    assert {"procrastinate_jobs", "procrastinate_workers", "procrastinate_periodic_defers"} <= queue
    migrate.downgrade(url, revision="0013")  # the revision below the queue's (0014)
    with engine.connect() as conn:
        left = (
            conn.exec_driver_sql("SELECT count(*) FROM pg_proc WHERE proname LIKE 'procrastinate%%'").scalar()
            + conn.exec_driver_sql(
                "SELECT count(*) FROM pg_type WHERE typname LIKE 'procrastinate%%'"
            ).scalar()
        )
    tables = {t for t in sa.inspect(engine).get_table_names() if t.startswith(QUEUE_PREFIX)}
    engine.dispose()
    assert (tables, left) == (set(), 0)


def test_sqlite_runs_in_wal_mode_with_foreign_keys(engine, backend):
    if backend != "sqlite":
        return
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
