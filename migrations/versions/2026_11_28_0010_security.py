"""security hardening (issue 14): the credential version of a user (a password change or reset ends
every session), and on SQLite a guard so that ``INSERT OR REPLACE`` cannot rewrite an audit event

Revision ID: 0010
Revises: 0006
Create Date: 2026-11-28 18:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# REPLACE deletes the row it conflicts with without firing DELETE triggers (unless recursive
# triggers are on): refuse any insert that would collide with an existing event instead.
SQLITE_NO_REPLACE = """CREATE TRIGGER audit_event_no_replace BEFORE INSERT ON audit_event
    WHEN EXISTS (SELECT 1 FROM audit_event WHERE id = NEW.id)
    BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END"""


def upgrade() -> None:
    op.add_column(
        "app_user", sa.Column("credential_version", sa.Integer(), server_default="0", nullable=False)
    )
    if op.get_bind().dialect.name == "sqlite":
        op.execute(SQLITE_NO_REPLACE)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER audit_event_no_replace")
    with op.batch_alter_table("app_user") as batch:
        batch.drop_column("credential_version")
