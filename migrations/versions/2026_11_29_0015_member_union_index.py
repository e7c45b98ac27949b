"""member: drop ix_member_grassroots_unit_id, which the unique (grassroots_unit_id, employee_no) covers

Every lookup by union alone can use the unique index, which leads with the same column (and the foreign
key's checks too). The single-column index only cost every member insert and update an index entry,
and misled PostgreSQL: on a table analysed while (nearly) empty, the planner chose it over the unique
index for the import's duplicate lookup by (union, employee number), and the first batches of a bulk
import took 140-385 ms each instead of a few (issue 16, docs/benchmarks.md §2).

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-29 01:55:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("member", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_member_grassroots_unit_id"))


def downgrade() -> None:
    with op.batch_alter_table("member", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_member_grassroots_unit_id"), ["grassroots_unit_id"], unique=False
        )
