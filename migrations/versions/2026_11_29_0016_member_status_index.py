"""member: drop ix_member_status, which (status, org_unit_id, id) covers

``ix_member_status_org_unit_id_id`` (migration 0005) leads with ``status``, so every filter on status
alone can use it; the single-column index only cost every member insert, and every status change, one
more index entry (a bulk import writes one per row; docs/benchmarks.md §2).

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-29 03:50:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("member", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_member_status"))


def downgrade() -> None:
    with op.batch_alter_table("member", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_member_status"), ["status"], unique=False)
