"""funds_totals: running totals of the ledger per accounting unit, fiscal year and category
(``fund_total``), backfilled from the existing entries; the welfare recipients indexed by unit and year
for the per-person report

Revision ID: 0013
Revises: 0008
Create Date: 2026-11-28 21:00:34.022817
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# the totals of the entries already booked (the same statement as api.services.funds.totals.REBUILD_SQL,
# written out here so this migration keeps doing what it did when the service changes)
BACKFILL = (
    "INSERT INTO fund_total (org_unit_id, fiscal_year, category_code, kind, root_code, amount_fen, entries) "
    "SELECT org_unit_id, fiscal_year, category_code, min(kind), min(root_code), sum(amount_fen), count(*) "
    "FROM fund_ledger_entry GROUP BY org_unit_id, fiscal_year, category_code"
)


def upgrade() -> None:
    op.create_table(
        "fund_total",
        sa.Column("org_unit_id", sa.Uuid(), nullable=False),
        sa.Column("fiscal_year", sa.Integer(), nullable=False),
        sa.Column("category_code", sa.String(length=60), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("root_code", sa.String(length=60), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("entries", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_unit_id"], ["org_unit.id"], name=op.f("fk_fund_total_org_unit_id_org_unit")
        ),
        sa.PrimaryKeyConstraint("org_unit_id", "fiscal_year", "category_code", name=op.f("pk_fund_total")),
    )
    op.execute(BACKFILL)
    with op.batch_alter_table("fund_welfare_recipient", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_fund_welfare_recipient_org_unit_id"))
        batch_op.create_index(
            "ix_fund_welfare_recipient_unit_year", ["org_unit_id", "fiscal_year", "member_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("fund_welfare_recipient", schema=None) as batch_op:
        batch_op.drop_index("ix_fund_welfare_recipient_unit_year")
        batch_op.create_index(
            batch_op.f("ix_fund_welfare_recipient_org_unit_id"), ["org_unit_id"], unique=False
        )
    op.drop_table("fund_total")
