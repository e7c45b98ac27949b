"""Union funds (docs/rules.md §5): charts, budgets, the append-only ledger, final accounts, dues and
2% allocation income, welfare recipients; the independent-accounting flag on org units.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28 18:14:56.617129
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import api.db.types

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# The ledger is append-only: the database itself refuses to change or remove an entry (a correction is
# a reversal entry linked to the original).
SQLITE_TRIGGERS = [
    """CREATE TRIGGER fund_ledger_entry_no_update BEFORE UPDATE ON fund_ledger_entry
       BEGIN SELECT RAISE(ABORT, 'fund_ledger_entry is append-only'); END""",
    """CREATE TRIGGER fund_ledger_entry_no_delete BEFORE DELETE ON fund_ledger_entry
       BEGIN SELECT RAISE(ABORT, 'fund_ledger_entry is append-only'); END""",
]
PG_TRIGGERS = [
    """CREATE FUNCTION fund_ledger_entry_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN RAISE EXCEPTION 'fund_ledger_entry is append-only'; END $$""",
    """CREATE TRIGGER fund_ledger_entry_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON fund_ledger_entry
       FOR EACH STATEMENT EXECUTE FUNCTION fund_ledger_entry_append_only()""",
]


def upgrade() -> None:
    op.create_table(
        "fund_allocation",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("org_unit_id", sa.Uuid(), nullable=False),
        sa.Column("employer_name", sa.String(length=200), nullable=False),
        sa.Column("employer_uscc", sa.String(length=18), nullable=True),
        sa.Column("period", sa.Date(), nullable=False),
        sa.Column("payroll_fen", sa.BigInteger(), nullable=False),
        sa.Column("expected_fen", sa.BigInteger(), nullable=False),
        sa.Column("received_fen", sa.BigInteger(), nullable=False),
        sa.Column("kept_percent", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Uuid(), nullable=True),
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column("created_at", api.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", api.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["app_user.id"], name=op.f("fk_fund_allocation_created_by_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["org_unit_id"], ["org_unit.id"], name=op.f("fk_fund_allocation_org_unit_id_org_unit")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fund_allocation")),
        sa.UniqueConstraint(
            "org_unit_id",
            "employer_name",
            "period",
            name=op.f("uq_fund_allocation_org_unit_id_employer_name_period"),
        ),
    )
    with op.batch_alter_table("fund_allocation", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_fund_allocation_org_unit_id"), ["org_unit_id"], unique=False)

    op.create_table(
        "fund_chart",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("org_unit_id", sa.Uuid(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("template", sa.String(length=40), nullable=False),
        sa.Column("province", sa.String(length=40), nullable=False),
        sa.Column("items", sa.JSON(), nullable=False),
        sa.Column("rules", sa.JSON(), nullable=False),
        sa.Column("created_by_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", api.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["app_user.id"], name=op.f("fk_fund_chart_created_by_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["org_unit_id"], ["org_unit.id"], name=op.f("fk_fund_chart_org_unit_id_org_unit")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fund_chart")),
        sa.UniqueConstraint(
            "org_unit_id", "code", "version", name=op.f("uq_fund_chart_org_unit_id_code_version")
        ),
    )
    with op.batch_alter_table("fund_chart", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_fund_chart_org_unit_id"), ["org_unit_id"], unique=False)

    op.create_table(
        "fund_event",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("entity_type", sa.String(length=20), nullable=False),
        sa.Column("entity_id", sa.Uuid(), nullable=False),
        sa.Column("org_unit_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("from_status", sa.String(length=12), nullable=True),
        sa.Column("to_status", sa.String(length=12), nullable=True),
        sa.Column("actor_id", sa.Uuid(), nullable=True),
        sa.Column("details", sa.JSON(), nullable=True),
        sa.Column("created_at", api.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["actor_id"], ["app_user.id"], name=op.f("fk_fund_event_actor_id_app_user")),
        sa.ForeignKeyConstraint(
            ["org_unit_id"], ["org_unit.id"], name=op.f("fk_fund_event_org_unit_id_org_unit")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fund_event")),
    )
    with op.batch_alter_table("fund_event", schema=None) as batch_op:
        batch_op.create_index("ix_fund_event_entity", ["entity_type", "entity_id"], unique=False)

    op.create_table(
        "fund_final_account",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("org_unit_id", sa.Uuid(), nullable=False),
        sa.Column("fiscal_year", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("figures", sa.JSON(), nullable=False),
        sa.Column("drafted_by_id", sa.Uuid(), nullable=True),
        sa.Column("approved_by_id", sa.Uuid(), nullable=True),
        sa.Column("approved_at", api.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("meeting_on", sa.Date(), nullable=True),
        sa.Column("minute_ref", sa.String(length=100), nullable=True),
        sa.Column("reviewed_by_id", sa.Uuid(), nullable=True),
        sa.Column("reviewed_at", api.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("review_opinion", sa.String(length=2000), nullable=True),
        sa.Column("returned_reason", sa.String(length=2000), nullable=True),
        sa.Column("closed_at", api.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column("created_at", api.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", api.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["approved_by_id"], ["app_user.id"], name=op.f("fk_fund_final_account_approved_by_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["drafted_by_id"], ["app_user.id"], name=op.f("fk_fund_final_account_drafted_by_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["org_unit_id"], ["org_unit.id"], name=op.f("fk_fund_final_account_org_unit_id_org_unit")
        ),
        sa.ForeignKeyConstraint(
            ["reviewed_by_id"], ["app_user.id"], name=op.f("fk_fund_final_account_reviewed_by_id_app_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fund_final_account")),
        sa.UniqueConstraint(
            "org_unit_id", "fiscal_year", name=op.f("uq_fund_final_account_org_unit_id_fiscal_year")
        ),
    )
    op.create_table(
        "fund_budget",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("org_unit_id", sa.Uuid(), nullable=False),
        sa.Column("fiscal_year", sa.Integer(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("chart_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("note", sa.String(length=2000), nullable=True),
        sa.Column("drafted_by_id", sa.Uuid(), nullable=True),
        sa.Column("approved_by_id", sa.Uuid(), nullable=True),
        sa.Column("approved_at", api.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("meeting_on", sa.Date(), nullable=True),
        sa.Column("minute_ref", sa.String(length=100), nullable=True),
        sa.Column("reviewed_by_id", sa.Uuid(), nullable=True),
        sa.Column("reviewed_at", api.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("review_opinion", sa.String(length=2000), nullable=True),
        sa.Column("returned_reason", sa.String(length=2000), nullable=True),
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column("created_at", api.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", api.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["approved_by_id"], ["app_user.id"], name=op.f("fk_fund_budget_approved_by_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["chart_id"], ["fund_chart.id"], name=op.f("fk_fund_budget_chart_id_fund_chart")
        ),
        sa.ForeignKeyConstraint(
            ["drafted_by_id"], ["app_user.id"], name=op.f("fk_fund_budget_drafted_by_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["org_unit_id"], ["org_unit.id"], name=op.f("fk_fund_budget_org_unit_id_org_unit")
        ),
        sa.ForeignKeyConstraint(
            ["reviewed_by_id"], ["app_user.id"], name=op.f("fk_fund_budget_reviewed_by_id_app_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fund_budget")),
        sa.UniqueConstraint(
            "org_unit_id",
            "fiscal_year",
            "revision",
            name=op.f("uq_fund_budget_org_unit_id_fiscal_year_revision"),
        ),
    )
    with op.batch_alter_table("fund_budget", schema=None) as batch_op:
        batch_op.create_index(
            "ix_fund_budget_org_unit_id_fiscal_year_status",
            ["org_unit_id", "fiscal_year", "status"],
            unique=False,
        )

    op.create_table(
        "fund_budget_line",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("budget_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("category_code", sa.String(length=60), nullable=False),
        sa.Column("root_code", sa.String(length=60), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ["budget_id"],
            ["fund_budget.id"],
            name=op.f("fk_fund_budget_line_budget_id_fund_budget"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fund_budget_line")),
        sa.UniqueConstraint(
            "budget_id", "category_code", name=op.f("uq_fund_budget_line_budget_id_category_code")
        ),
    )
    op.create_table(
        "fund_ledger_entry",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("org_unit_id", sa.Uuid(), nullable=False),
        sa.Column("fiscal_year", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("voucher_no", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("category_code", sa.String(length=60), nullable=False),
        sa.Column("root_code", sa.String(length=60), nullable=False),
        sa.Column("budget_id", sa.Uuid(), nullable=False),
        sa.Column("entry_on", sa.Date(), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("counterparty", sa.String(length=200), nullable=False),
        sa.Column("description", sa.String(length=1000), nullable=False),
        sa.Column("payment_method", sa.String(length=20), nullable=True),
        sa.Column("attachments", sa.JSON(), nullable=True),
        sa.Column("decision_ref", sa.String(length=100), nullable=True),
        sa.Column("approved_by_id", sa.Uuid(), nullable=True),
        sa.Column("reverses_id", sa.Uuid(), nullable=True),
        sa.Column("source_type", sa.String(length=40), nullable=True),
        sa.Column("source_id", sa.Uuid(), nullable=True),
        sa.Column("posted_by_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", api.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["approved_by_id"], ["app_user.id"], name=op.f("fk_fund_ledger_entry_approved_by_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["budget_id"], ["fund_budget.id"], name=op.f("fk_fund_ledger_entry_budget_id_fund_budget")
        ),
        sa.ForeignKeyConstraint(
            ["org_unit_id"], ["org_unit.id"], name=op.f("fk_fund_ledger_entry_org_unit_id_org_unit")
        ),
        sa.ForeignKeyConstraint(
            ["posted_by_id"], ["app_user.id"], name=op.f("fk_fund_ledger_entry_posted_by_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["reverses_id"],
            ["fund_ledger_entry.id"],
            name=op.f("fk_fund_ledger_entry_reverses_id_fund_ledger_entry"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fund_ledger_entry")),
        sa.UniqueConstraint(
            "org_unit_id", "fiscal_year", "seq", name=op.f("uq_fund_ledger_entry_org_unit_id_fiscal_year_seq")
        ),
        sa.UniqueConstraint(
            "org_unit_id",
            "fiscal_year",
            "voucher_no",
            name=op.f("uq_fund_ledger_entry_org_unit_id_fiscal_year_voucher_no"),
        ),
        sa.UniqueConstraint("reverses_id", name=op.f("uq_fund_ledger_entry_reverses_id")),
    )
    with op.batch_alter_table("fund_ledger_entry", schema=None) as batch_op:
        batch_op.create_index("ix_fund_ledger_entry_source", ["source_type", "source_id"], unique=False)
        batch_op.create_index(
            "ix_fund_ledger_entry_unit_year_category",
            ["org_unit_id", "fiscal_year", "category_code", "amount_fen"],
            unique=False,
        )

    op.create_table(
        "fund_allocation_receipt",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("allocation_id", sa.Uuid(), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("kept_fen", sa.BigInteger(), nullable=False),
        sa.Column("passed_up_fen", sa.BigInteger(), nullable=False),
        sa.Column("income_entry_id", sa.Uuid(), nullable=False),
        sa.Column("remit_entry_id", sa.Uuid(), nullable=True),
        sa.Column("parent_entry_id", sa.Uuid(), nullable=True),
        sa.Column("created_by_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", api.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["allocation_id"],
            ["fund_allocation.id"],
            name=op.f("fk_fund_allocation_receipt_allocation_id_fund_allocation"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["app_user.id"], name=op.f("fk_fund_allocation_receipt_created_by_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["income_entry_id"],
            ["fund_ledger_entry.id"],
            name=op.f("fk_fund_allocation_receipt_income_entry_id_fund_ledger_entry"),
        ),
        sa.ForeignKeyConstraint(
            ["parent_entry_id"],
            ["fund_ledger_entry.id"],
            name=op.f("fk_fund_allocation_receipt_parent_entry_id_fund_ledger_entry"),
        ),
        sa.ForeignKeyConstraint(
            ["remit_entry_id"],
            ["fund_ledger_entry.id"],
            name=op.f("fk_fund_allocation_receipt_remit_entry_id_fund_ledger_entry"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fund_allocation_receipt")),
    )
    with op.batch_alter_table("fund_allocation_receipt", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_fund_allocation_receipt_allocation_id"), ["allocation_id"], unique=False
        )

    op.create_table(
        "fund_dues_posting",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("org_unit_id", sa.Uuid(), nullable=False),
        sa.Column("period", sa.Date(), nullable=False),
        sa.Column("payments", sa.Integer(), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("entry_id", sa.Uuid(), nullable=False),
        sa.Column("created_by_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", api.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["app_user.id"], name=op.f("fk_fund_dues_posting_created_by_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["fund_ledger_entry.id"],
            name=op.f("fk_fund_dues_posting_entry_id_fund_ledger_entry"),
        ),
        sa.ForeignKeyConstraint(
            ["org_unit_id"], ["org_unit.id"], name=op.f("fk_fund_dues_posting_org_unit_id_org_unit")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fund_dues_posting")),
    )
    with op.batch_alter_table("fund_dues_posting", schema=None) as batch_op:
        batch_op.create_index(
            "ix_fund_dues_posting_org_unit_id_period", ["org_unit_id", "period"], unique=False
        )

    op.create_table(
        "fund_welfare_recipient",
        sa.Column("entry_id", sa.Uuid(), nullable=False),
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.Column("org_unit_id", sa.Uuid(), nullable=False),
        sa.Column("fiscal_year", sa.Integer(), nullable=False),
        sa.Column("welfare_type", sa.String(length=20), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["fund_ledger_entry.id"],
            name=op.f("fk_fund_welfare_recipient_entry_id_fund_ledger_entry"),
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["member.id"], name=op.f("fk_fund_welfare_recipient_member_id_member")
        ),
        sa.ForeignKeyConstraint(
            ["org_unit_id"], ["org_unit.id"], name=op.f("fk_fund_welfare_recipient_org_unit_id_org_unit")
        ),
        sa.PrimaryKeyConstraint("entry_id", "member_id", name=op.f("pk_fund_welfare_recipient")),
    )
    with op.batch_alter_table("fund_welfare_recipient", schema=None) as batch_op:
        batch_op.create_index(
            "ix_fund_welfare_recipient_member_year_type",
            ["member_id", "fiscal_year", "welfare_type"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_fund_welfare_recipient_org_unit_id"), ["org_unit_id"], unique=False
        )

    with op.batch_alter_table("org_unit", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("independent_accounting", sa.Boolean(), server_default=sa.false(), nullable=False)
        )

    postgres = op.get_bind().dialect.name == "postgresql"
    for statement in PG_TRIGGERS if postgres else SQLITE_TRIGGERS:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER fund_ledger_entry_append_only ON fund_ledger_entry")
        op.execute("DROP FUNCTION fund_ledger_entry_append_only()")
    else:
        op.execute("DROP TRIGGER fund_ledger_entry_no_update")
        op.execute("DROP TRIGGER fund_ledger_entry_no_delete")
    with op.batch_alter_table("org_unit", schema=None) as batch_op:
        batch_op.drop_column("independent_accounting")

    with op.batch_alter_table("fund_welfare_recipient", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_fund_welfare_recipient_org_unit_id"))
        batch_op.drop_index("ix_fund_welfare_recipient_member_year_type")

    op.drop_table("fund_welfare_recipient")
    with op.batch_alter_table("fund_dues_posting", schema=None) as batch_op:
        batch_op.drop_index("ix_fund_dues_posting_org_unit_id_period")

    op.drop_table("fund_dues_posting")
    with op.batch_alter_table("fund_allocation_receipt", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_fund_allocation_receipt_allocation_id"))

    op.drop_table("fund_allocation_receipt")
    with op.batch_alter_table("fund_ledger_entry", schema=None) as batch_op:
        batch_op.drop_index("ix_fund_ledger_entry_unit_year_category")
        batch_op.drop_index("ix_fund_ledger_entry_source")

    op.drop_table("fund_ledger_entry")
    op.drop_table("fund_budget_line")
    with op.batch_alter_table("fund_budget", schema=None) as batch_op:
        batch_op.drop_index("ix_fund_budget_org_unit_id_fiscal_year_status")

    op.drop_table("fund_budget")
    op.drop_table("fund_final_account")
    with op.batch_alter_table("fund_event", schema=None) as batch_op:
        batch_op.drop_index("ix_fund_event_entity")

    op.drop_table("fund_event")
    with op.batch_alter_table("fund_chart", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_fund_chart_org_unit_id"))

    op.drop_table("fund_chart")
    with op.batch_alter_table("fund_allocation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_fund_allocation_org_unit_id"))

    op.drop_table("fund_allocation")
