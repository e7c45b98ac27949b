"""member lists: extend the (status, org_unit_id) index with the id, so a list page's ids come from
the index alone (keys first, api.services.pagination.keyset; docs/benchmarks.md "Lists at scale")

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-21 22:01:46.452873
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_member_status_org_unit_id_id", "member", ["status", "org_unit_id", "id"], unique=False
    )
    op.drop_index("ix_member_status_org_unit_id", table_name="member")


def downgrade() -> None:
    op.create_index("ix_member_status_org_unit_id", "member", ["status", "org_unit_id"], unique=False)
    op.drop_index("ix_member_status_org_unit_id_id", table_name="member")
