"""security hardening (issue 14): the credential version of a user (a password change or reset ends
every session); the audit log as a hash chain (``seq``, ``chain_hash``, the one-row head); and on SQLite
a guard so that ``INSERT OR REPLACE`` cannot rewrite an audit event

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-28 18:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# REPLACE deletes the row it conflicts with without firing DELETE triggers (unless recursive
# triggers are on): refuse any insert that would collide with an existing event instead.
SQLITE_NO_REPLACE = """CREATE TRIGGER audit_event_no_replace BEFORE INSERT ON audit_event
    WHEN EXISTS (SELECT 1 FROM audit_event WHERE id = NEW.id OR (NEW.seq IS NOT NULL AND seq = NEW.seq))
    BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END"""


def upgrade() -> None:
    op.add_column(
        "app_user", sa.Column("credential_version", sa.Integer(), server_default="0", nullable=False)
    )
    # plain ADD COLUMN (no batch copy of the table: that would drop its append-only triggers on SQLite)
    op.add_column("audit_event", sa.Column("seq", sa.BigInteger(), nullable=True))
    op.add_column("audit_event", sa.Column("chain_hash", sa.String(length=64), nullable=True))
    op.create_index("ux_audit_event_seq", "audit_event", ["seq"], unique=True)
    head = op.create_table(
        "audit_chain_head",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("chain_hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_chain_head")),
    )
    op.bulk_insert(head, [{"id": 1, "seq": 0, "chain_hash": "0" * 64}])
    if op.get_bind().dialect.name == "sqlite":
        op.execute(SQLITE_NO_REPLACE)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER audit_event_no_replace")
    op.drop_table("audit_chain_head")
    op.drop_index("ux_audit_event_seq", table_name="audit_event")
    if op.get_bind().dialect.name == "postgresql":
        op.drop_column("audit_event", "chain_hash")
        op.drop_column("audit_event", "seq")
    else:  # SQLite 3.35+ drops a column in place, keeping the table's triggers
        op.execute("ALTER TABLE audit_event DROP COLUMN chain_hash")
        op.execute("ALTER TABLE audit_event DROP COLUMN seq")
    with op.batch_alter_table("app_user") as batch:
        batch.drop_column("credential_version")
