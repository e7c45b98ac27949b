"""aid: 低保 standards, calendar overrides, household files, programmes, applications, public notices
with objections, payout batches and the aid timeline (domain.md §4)

Revision ID: 0009
Revises: 0011
Create Date: 2026-11-28 18:11:54.340362
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import api.db.types

revision: str = "0009"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "aid_programme",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("org_unit_id", sa.Uuid(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("standard_fen", sa.Integer(), nullable=True),
        sa.Column("cap_fen", sa.Integer(), nullable=True),
        sa.Column("yearly_cap_fen", sa.Integer(), nullable=True),
        sa.Column("tiers", sa.JSON(), nullable=True),
        sa.Column("eligible_categories", sa.JSON(), nullable=False),
        sa.Column("notice_required", sa.Boolean(), nullable=False),
        sa.Column("budget_category_code", sa.String(length=60), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column("created_at", api.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", api.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_unit_id"], ["org_unit.id"], name=op.f("fk_aid_programme_org_unit_id_org_unit")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_aid_programme")),
        sa.UniqueConstraint("org_unit_id", "code", name=op.f("uq_aid_programme_org_unit_id_code")),
    )
    with op.batch_alter_table("aid_programme", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_aid_programme_org_unit_id"), ["org_unit_id"], unique=False)

    op.create_table(
        "aid_calendar_day",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("is_workday", sa.Boolean(), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=True),
        sa.Column("set_by_id", sa.Uuid(), nullable=True),
        sa.Column("updated_at", api.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["set_by_id"], ["app_user.id"], name=op.f("fk_aid_calendar_day_set_by_id_app_user")
        ),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_aid_calendar_day")),
    )
    op.create_table(
        "aid_dibao_standard",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("region_code", sa.String(length=12), nullable=False),
        sa.Column("region_name", sa.String(length=100), nullable=False),
        sa.Column("monthly_fen", sa.Integer(), nullable=False),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.Column("created_by_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", api.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["app_user.id"], name=op.f("fk_aid_dibao_standard_created_by_id_app_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_aid_dibao_standard")),
        sa.UniqueConstraint(
            "region_code", "effective_on", name=op.f("uq_aid_dibao_standard_region_code_effective_on")
        ),
    )
    op.create_table(
        "aid_event",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("subject_type", sa.String(length=12), nullable=False),
        sa.Column("subject_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("from_status", sa.String(length=12), nullable=True),
        sa.Column("to_status", sa.String(length=12), nullable=False),
        sa.Column("actor_id", sa.Uuid(), nullable=True),
        sa.Column("actor_label", sa.String(length=100), nullable=True),
        sa.Column("details", sa.JSON(), nullable=True),
        sa.Column("created_at", api.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["actor_id"], ["app_user.id"], name=op.f("fk_aid_event_actor_id_app_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_aid_event")),
    )
    with op.batch_alter_table("aid_event", schema=None) as batch_op:
        batch_op.create_index(
            "ix_aid_event_subject_id_created_at", ["subject_id", "created_at"], unique=False
        )

    op.create_table(
        "aid_notice",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("org_unit_id", sa.Uuid(), nullable=False),
        sa.Column("subject_type", sa.String(length=12), nullable=False),
        sa.Column("subject_id", sa.Uuid(), nullable=False),
        sa.Column("masked_name", sa.String(length=100), nullable=False),
        sa.Column("unit_name", sa.String(length=200), nullable=False),
        sa.Column("programme_name", sa.String(length=100), nullable=False),
        sa.Column("amount_fen", sa.Integer(), nullable=True),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("created_by_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", api.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["app_user.id"], name=op.f("fk_aid_notice_created_by_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["org_unit_id"], ["org_unit.id"], name=op.f("fk_aid_notice_org_unit_id_org_unit")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_aid_notice")),
    )
    with op.batch_alter_table("aid_notice", schema=None) as batch_op:
        batch_op.create_index("ix_aid_notice_org_unit_id_ends_on", ["org_unit_id", "ends_on"], unique=False)

    op.create_table(
        "aid_payout_batch",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("org_unit_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("total_fen", sa.Integer(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Uuid(), nullable=True),
        sa.Column("paid_by_id", sa.Uuid(), nullable=True),
        sa.Column("paid_on", sa.Date(), nullable=True),
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column("created_at", api.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", api.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["app_user.id"], name=op.f("fk_aid_payout_batch_created_by_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["org_unit_id"], ["org_unit.id"], name=op.f("fk_aid_payout_batch_org_unit_id_org_unit")
        ),
        sa.ForeignKeyConstraint(
            ["paid_by_id"], ["app_user.id"], name=op.f("fk_aid_payout_batch_paid_by_id_app_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_aid_payout_batch")),
    )
    with op.batch_alter_table("aid_payout_batch", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_aid_payout_batch_org_unit_id"), ["org_unit_id"], unique=False)

    op.create_table(
        "aid_household",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.Column("org_unit_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("region_code", sa.String(length=12), nullable=False),
        sa.Column("household_size", sa.Integer(), nullable=False),
        sa.Column("people", sa.JSON(), nullable=False),
        sa.Column("expenses", sa.JSON(), nullable=False),
        sa.Column("causes", sa.JSON(), nullable=False),
        sa.Column("exclusions", sa.JSON(), nullable=False),
        sa.Column("annual_income_fen", sa.Integer(), nullable=False),
        sa.Column("rigid_expenses_fen", sa.Integer(), nullable=False),
        sa.Column("accident_costs_fen", sa.Integer(), nullable=False),
        sa.Column("is_migrant", sa.Boolean(), nullable=False),
        sa.Column("labour_relation_since", sa.Date(), nullable=True),
        sa.Column("bank_name", sa.String(length=100), nullable=False),
        sa.Column("bank_account_cipher", sa.String(length=255), nullable=False),
        sa.Column("bank_account_masked", sa.String(length=40), nullable=False),
        sa.Column("consent_signed_on", sa.Date(), nullable=True),
        sa.Column("visited_on", sa.Date(), nullable=True),
        sa.Column("visitors", sa.String(length=200), nullable=True),
        sa.Column("visit_findings", sa.String(length=4000), nullable=True),
        sa.Column("assessed_on", sa.Date(), nullable=True),
        sa.Column("dibao_monthly_fen", sa.Integer(), nullable=True),
        sa.Column("per_capita_monthly_fen", sa.Integer(), nullable=True),
        sa.Column("category", sa.String(length=10), nullable=True),
        sa.Column("notice_id", sa.Uuid(), nullable=True),
        sa.Column("filed_on", sa.Date(), nullable=True),
        sa.Column("review_due_on", sa.Date(), nullable=True),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("close_reason", sa.String(length=1000), nullable=True),
        sa.Column("retain_until", sa.Date(), nullable=True),
        sa.Column("decision_reason", sa.String(length=1000), nullable=True),
        sa.Column("applicant_id", sa.Uuid(), nullable=True),
        sa.Column("screened_by_id", sa.Uuid(), nullable=True),
        sa.Column("approved_by_id", sa.Uuid(), nullable=True),
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column("created_at", api.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", api.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["applicant_id"], ["app_user.id"], name=op.f("fk_aid_household_applicant_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["approved_by_id"], ["app_user.id"], name=op.f("fk_aid_household_approved_by_id_app_user")
        ),
        sa.ForeignKeyConstraint(["member_id"], ["member.id"], name=op.f("fk_aid_household_member_id_member")),
        sa.ForeignKeyConstraint(
            ["notice_id"], ["aid_notice.id"], name=op.f("fk_aid_household_notice_id_aid_notice")
        ),
        sa.ForeignKeyConstraint(
            ["org_unit_id"], ["org_unit.id"], name=op.f("fk_aid_household_org_unit_id_org_unit")
        ),
        sa.ForeignKeyConstraint(
            ["screened_by_id"], ["app_user.id"], name=op.f("fk_aid_household_screened_by_id_app_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_aid_household")),
    )
    with op.batch_alter_table("aid_household", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_aid_household_category"), ["category"], unique=False)
        batch_op.create_index(batch_op.f("ix_aid_household_member_id"), ["member_id"], unique=False)
        batch_op.create_index("ix_aid_household_org_unit_id_id", ["org_unit_id", "id"], unique=False)
        batch_op.create_index(batch_op.f("ix_aid_household_status"), ["status"], unique=False)
        batch_op.create_index(
            "ix_aid_household_status_review_due_on", ["status", "review_due_on"], unique=False
        )

    op.create_table(
        "aid_objection",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("notice_id", sa.Uuid(), nullable=False),
        sa.Column("org_unit_id", sa.Uuid(), nullable=False),
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.Column("reason", sa.String(length=2000), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("resolution", sa.String(length=2000), nullable=True),
        sa.Column("resolved_by_id", sa.Uuid(), nullable=True),
        sa.Column("resolved_at", api.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column("created_at", api.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["member_id"], ["member.id"], name=op.f("fk_aid_objection_member_id_member")),
        sa.ForeignKeyConstraint(
            ["notice_id"], ["aid_notice.id"], name=op.f("fk_aid_objection_notice_id_aid_notice")
        ),
        sa.ForeignKeyConstraint(
            ["org_unit_id"], ["org_unit.id"], name=op.f("fk_aid_objection_org_unit_id_org_unit")
        ),
        sa.ForeignKeyConstraint(
            ["resolved_by_id"], ["app_user.id"], name=op.f("fk_aid_objection_resolved_by_id_app_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_aid_objection")),
    )
    with op.batch_alter_table("aid_objection", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_aid_objection_notice_id"), ["notice_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_aid_objection_status"), ["status"], unique=False)

    op.create_table(
        "aid_application",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("programme_id", sa.Uuid(), nullable=False),
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.Column("org_unit_id", sa.Uuid(), nullable=False),
        sa.Column("household_id", sa.Uuid(), nullable=True),
        sa.Column("category", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("amount_fen", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=2000), nullable=False),
        sa.Column("student_name", sa.String(length=100), nullable=True),
        sa.Column("student_hmac", sa.String(length=64), nullable=True),
        sa.Column("school_level", sa.String(length=20), nullable=True),
        sa.Column("notice_id", sa.Uuid(), nullable=True),
        sa.Column("decision_reason", sa.String(length=1000), nullable=True),
        sa.Column("applicant_id", sa.Uuid(), nullable=True),
        sa.Column("screened_by_id", sa.Uuid(), nullable=True),
        sa.Column("approved_by_id", sa.Uuid(), nullable=True),
        sa.Column("approved_on", sa.Date(), nullable=True),
        sa.Column("payout_batch_id", sa.Uuid(), nullable=True),
        sa.Column("paid_by_id", sa.Uuid(), nullable=True),
        sa.Column("paid_on", sa.Date(), nullable=True),
        sa.Column("bank_reference", sa.String(length=60), nullable=True),
        sa.Column("ledger_entry_id", sa.Uuid(), nullable=True),
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column("created_at", api.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", api.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["applicant_id"], ["app_user.id"], name=op.f("fk_aid_application_applicant_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["approved_by_id"], ["app_user.id"], name=op.f("fk_aid_application_approved_by_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["household_id"], ["aid_household.id"], name=op.f("fk_aid_application_household_id_aid_household")
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["member.id"], name=op.f("fk_aid_application_member_id_member")
        ),
        sa.ForeignKeyConstraint(
            ["notice_id"], ["aid_notice.id"], name=op.f("fk_aid_application_notice_id_aid_notice")
        ),
        sa.ForeignKeyConstraint(
            ["org_unit_id"], ["org_unit.id"], name=op.f("fk_aid_application_org_unit_id_org_unit")
        ),
        sa.ForeignKeyConstraint(
            ["paid_by_id"], ["app_user.id"], name=op.f("fk_aid_application_paid_by_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["payout_batch_id"],
            ["aid_payout_batch.id"],
            name=op.f("fk_aid_application_payout_batch_id_aid_payout_batch"),
        ),
        sa.ForeignKeyConstraint(
            ["programme_id"], ["aid_programme.id"], name=op.f("fk_aid_application_programme_id_aid_programme")
        ),
        sa.ForeignKeyConstraint(
            ["screened_by_id"], ["app_user.id"], name=op.f("fk_aid_application_screened_by_id_app_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_aid_application")),
    )
    with op.batch_alter_table("aid_application", schema=None) as batch_op:
        batch_op.create_index("ix_aid_application_member_id_year", ["member_id", "year"], unique=False)
        batch_op.create_index("ix_aid_application_org_unit_id_id", ["org_unit_id", "id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_aid_application_payout_batch_id"), ["payout_batch_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_aid_application_programme_id"), ["programme_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_aid_application_status"), ["status"], unique=False)
        batch_op.create_index("ix_aid_application_student_hmac_year", ["student_hmac", "year"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("aid_application", schema=None) as batch_op:
        batch_op.drop_index("ix_aid_application_student_hmac_year")
        batch_op.drop_index(batch_op.f("ix_aid_application_status"))
        batch_op.drop_index(batch_op.f("ix_aid_application_programme_id"))
        batch_op.drop_index(batch_op.f("ix_aid_application_payout_batch_id"))
        batch_op.drop_index("ix_aid_application_org_unit_id_id")
        batch_op.drop_index("ix_aid_application_member_id_year")

    op.drop_table("aid_application")
    with op.batch_alter_table("aid_objection", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_aid_objection_status"))
        batch_op.drop_index(batch_op.f("ix_aid_objection_notice_id"))

    op.drop_table("aid_objection")
    with op.batch_alter_table("aid_household", schema=None) as batch_op:
        batch_op.drop_index("ix_aid_household_status_review_due_on")
        batch_op.drop_index(batch_op.f("ix_aid_household_status"))
        batch_op.drop_index("ix_aid_household_org_unit_id_id")
        batch_op.drop_index(batch_op.f("ix_aid_household_member_id"))
        batch_op.drop_index(batch_op.f("ix_aid_household_category"))

    op.drop_table("aid_household")
    with op.batch_alter_table("aid_payout_batch", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_aid_payout_batch_org_unit_id"))

    op.drop_table("aid_payout_batch")
    with op.batch_alter_table("aid_notice", schema=None) as batch_op:
        batch_op.drop_index("ix_aid_notice_org_unit_id_ends_on")

    op.drop_table("aid_notice")
    with op.batch_alter_table("aid_event", schema=None) as batch_op:
        batch_op.drop_index("ix_aid_event_subject_id_created_at")

    op.drop_table("aid_event")
    op.drop_table("aid_dibao_standard")
    op.drop_table("aid_calendar_day")
    with op.batch_alter_table("aid_programme", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_aid_programme_org_unit_id"))

    op.drop_table("aid_programme")
