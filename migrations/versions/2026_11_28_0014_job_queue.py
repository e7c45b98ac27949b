"""job queue: procrastinate's tables, types and functions (PostgreSQL only; api/jobs, docs/scaling.md)

The schema is the library's own ``procrastinate/sql/schema.sql`` of the version pinned in
constraints.txt (:data:`PROCRASTINATE_VERSION`), applied as it ships. Upgrading procrastinate means a new
migration that applies its ``sql/migrations`` files between the two versions. On SQLite nothing is
created: jobs run in the serving process there. The queue's objects (all named ``procrastinate_*``) are
not models; migrations/env.py and tests/core/test_migrations.py leave them out of the comparison.

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-28 21:10:00
"""

from __future__ import annotations

from collections.abc import Sequence
from importlib import metadata, resources

from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: the procrastinate whose schema this migration applies (constraints.txt pins the same)
PROCRASTINATE_VERSION = "3.10.0"

_DROP_ALL = """
DO $$
DECLARE r record;
BEGIN
    FOR r IN SELECT tablename FROM pg_tables
             WHERE schemaname = current_schema() AND tablename LIKE 'procrastinate\\_%' LOOP
        EXECUTE format('DROP TABLE IF EXISTS %I CASCADE', r.tablename);
    END LOOP;
    FOR r IN SELECT p.oid::regprocedure AS sig FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
             WHERE n.nspname = current_schema() AND p.proname LIKE 'procrastinate\\_%' LOOP
        EXECUTE format('DROP FUNCTION IF EXISTS %s CASCADE', r.sig);
    END LOOP;
    FOR r IN SELECT t.typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
             WHERE n.nspname = current_schema() AND t.typname LIKE 'procrastinate\\_%'
               AND t.typtype IN ('e', 'c')
    LOOP
        EXECUTE format('DROP TYPE IF EXISTS %I CASCADE', r.typname);
    END LOOP;
END;
$$;
"""


def _execute(sql: str) -> None:
    """Run a script as it is (several statements, ``$$`` bodies, ``%`` in messages): the driver's own
    cursor, no parameters, in the migration's transaction."""
    cursor = op.get_bind().connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(sql)
    finally:
        cursor.close()


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    installed = metadata.version("procrastinate")
    if installed != PROCRASTINATE_VERSION:
        raise RuntimeError(
            f"migration 0014 applies procrastinate {PROCRASTINATE_VERSION}'s schema but {installed} is "
            "installed: install the version pinned in constraints.txt"
        )
    _execute(resources.files("procrastinate.sql").joinpath("schema.sql").read_text(encoding="utf-8"))


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    _execute(_DROP_ALL)
