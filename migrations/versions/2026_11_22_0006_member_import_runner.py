"""member imports: which process runs a job (``host:pid:start``), so that a job whose process died is
marked failed instead of showing "running" for ever (api.services.member_imports.reap_interrupted)

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22 01:05:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("member_import", sa.Column("runner", sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("member_import") as batch:
        batch.drop_column("runner")
