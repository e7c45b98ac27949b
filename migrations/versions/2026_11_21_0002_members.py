"""members: records, tags, lifecycle events, transfers, dues, import jobs, change feed

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21 19:10:46.701086
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import api.db.types

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "change_log",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("seq", sa.BigInteger(), nullable=True),
        sa.Column("entity_type", sa.String(length=40), nullable=False),
        sa.Column("entity_id", sa.Uuid(), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("org_unit_id", sa.Uuid(), nullable=True),
        sa.Column("entity_version", sa.Integer(), nullable=True),
        sa.Column("changed_at", api.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_change_log")),
        sa.UniqueConstraint("seq", name=op.f("uq_change_log_seq")),
    )
    with op.batch_alter_table("change_log", schema=None) as batch_op:
        batch_op.create_index("ix_change_log_entity_type_seq", ["entity_type", "seq"], unique=False)
        batch_op.create_index(batch_op.f("ix_change_log_org_unit_id"), ["org_unit_id"], unique=False)

    op.create_table(
        "change_log_counter",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("last_seq", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_change_log_counter")),
    )
    op.execute("INSERT INTO change_log_counter (id, last_seq) VALUES (1, 0)")
    op.create_table(
        "member",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("member_no", sa.String(length=40), nullable=False),
        sa.Column("employee_no", sa.String(length=40), nullable=False),
        sa.Column("org_unit_id", sa.Uuid(), nullable=False),
        sa.Column("grassroots_unit_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("gender", sa.String(length=6), nullable=False),
        sa.Column("birth_date", sa.Date(), nullable=False),
        sa.Column("national_id_cipher", sa.String(length=255), nullable=False),
        sa.Column("national_id_hmac", sa.String(length=64), nullable=False),
        sa.Column("national_id_masked", sa.String(length=18), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("join_date", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("status_reason", sa.String(length=500), nullable=True),
        sa.Column("status_changed_on", sa.Date(), nullable=True),
        sa.Column("is_representative", sa.Boolean(), nullable=False),
        sa.Column("monthly_wage_fen", sa.Integer(), nullable=True),
        sa.Column("notes", sa.String(length=1000), nullable=True),
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column("created_at", api.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", api.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["grassroots_unit_id"], ["org_unit.id"], name=op.f("fk_member_grassroots_unit_id_org_unit")
        ),
        sa.ForeignKeyConstraint(
            ["org_unit_id"], ["org_unit.id"], name=op.f("fk_member_org_unit_id_org_unit")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_member")),
        sa.UniqueConstraint(
            "grassroots_unit_id", "employee_no", name=op.f("uq_member_grassroots_unit_id_employee_no")
        ),
        sa.UniqueConstraint("member_no", name=op.f("uq_member_member_no")),
        sa.UniqueConstraint("national_id_hmac", name=op.f("uq_member_national_id_hmac")),
    )
    with op.batch_alter_table("member", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_member_grassroots_unit_id"), ["grassroots_unit_id"], unique=False
        )
        batch_op.create_index("ix_member_org_unit_id_id", ["org_unit_id", "id"], unique=False)
        batch_op.create_index(batch_op.f("ix_member_status"), ["status"], unique=False)
        batch_op.create_index("ix_member_status_org_unit_id", ["status", "org_unit_id"], unique=False)

    op.create_table(
        "member_number_counter",
        sa.Column("grassroots_unit_id", sa.Uuid(), nullable=False),
        sa.Column("next_value", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["grassroots_unit_id"],
            ["org_unit.id"],
            name=op.f("fk_member_number_counter_grassroots_unit_id_org_unit"),
        ),
        sa.PrimaryKeyConstraint("grassroots_unit_id", name=op.f("pk_member_number_counter")),
    )
    op.create_table(
        "dues_payment",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.Column("org_unit_id", sa.Uuid(), nullable=False),
        sa.Column("period", sa.Date(), nullable=False),
        sa.Column("amount_fen", sa.Integer(), nullable=False),
        sa.Column("wage_base_fen", sa.Integer(), nullable=True),
        sa.Column("paid_on", sa.Date(), nullable=False),
        sa.Column("method", sa.String(length=20), nullable=False),
        sa.Column("reference", sa.String(length=100), nullable=True),
        sa.Column("batch_id", sa.Uuid(), nullable=True),
        sa.Column("recorded_by_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", api.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["member_id"], ["member.id"], name=op.f("fk_dues_payment_member_id_member")),
        sa.ForeignKeyConstraint(
            ["org_unit_id"], ["org_unit.id"], name=op.f("fk_dues_payment_org_unit_id_org_unit")
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"], ["app_user.id"], name=op.f("fk_dues_payment_recorded_by_id_app_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dues_payment")),
        sa.UniqueConstraint("member_id", "period", name=op.f("uq_dues_payment_member_id_period")),
    )
    with op.batch_alter_table("dues_payment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_dues_payment_batch_id"), ["batch_id"], unique=False)
        batch_op.create_index("ix_dues_payment_org_unit_id_period", ["org_unit_id", "period"], unique=False)

    op.create_table(
        "member_event",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("from_status", sa.String(length=20), nullable=True),
        sa.Column("to_status", sa.String(length=20), nullable=False),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.Column("org_unit_id", sa.Uuid(), nullable=False),
        sa.Column("actor_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", api.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["app_user.id"], name=op.f("fk_member_event_actor_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["member.id"], name=op.f("fk_member_event_member_id_member"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["org_unit_id"], ["org_unit.id"], name=op.f("fk_member_event_org_unit_id_org_unit")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_member_event")),
    )
    with op.batch_alter_table("member_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_member_event_member_id"), ["member_id"], unique=False)

    op.create_table(
        "member_import",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("org_unit_id", sa.Uuid(), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("file_format", sa.String(length=10), nullable=False),
        sa.Column("file_hash", sa.String(length=64), nullable=False),
        sa.Column("idempotency_key", sa.String(length=200), nullable=True),
        sa.Column("dry_run", sa.Boolean(), nullable=False),
        sa.Column("on_error", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("rows_total", sa.Integer(), nullable=True),
        sa.Column("rows_done", sa.Integer(), nullable=False),
        sa.Column("created_count", sa.Integer(), nullable=False),
        sa.Column("updated_count", sa.Integer(), nullable=False),
        sa.Column("unchanged_count", sa.Integer(), nullable=False),
        sa.Column("failed_count", sa.Integer(), nullable=False),
        sa.Column("error_code", sa.String(length=64), nullable=True),
        sa.Column("report", sa.JSON(), nullable=True),
        sa.Column("created_by_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", api.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("started_at", api.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("finished_at", api.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["app_user.id"], name=op.f("fk_member_import_created_by_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["org_unit_id"], ["org_unit.id"], name=op.f("fk_member_import_org_unit_id_org_unit")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_member_import")),
    )
    with op.batch_alter_table("member_import", schema=None) as batch_op:
        batch_op.create_index(
            "ix_member_import_created_by_id_file_hash", ["created_by_id", "file_hash"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_member_import_org_unit_id"), ["org_unit_id"], unique=False)

    op.create_table(
        "member_tag",
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.Column("tag", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"], ["member.id"], name=op.f("fk_member_tag_member_id_member"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("member_id", "tag", name=op.f("pk_member_tag")),
    )
    with op.batch_alter_table("member_tag", schema=None) as batch_op:
        batch_op.create_index("ix_member_tag_tag_member_id", ["tag", "member_id"], unique=False)

    op.create_table(
        "member_transfer",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.Column("from_unit_id", sa.Uuid(), nullable=False),
        sa.Column("to_unit_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.Column("decision_reason", sa.String(length=500), nullable=True),
        sa.Column("effective_on", sa.Date(), nullable=True),
        sa.Column("requested_by_id", sa.Uuid(), nullable=True),
        sa.Column("decided_by_id", sa.Uuid(), nullable=True),
        sa.Column("requested_at", api.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("decided_at", api.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["app_user.id"], name=op.f("fk_member_transfer_decided_by_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["from_unit_id"], ["org_unit.id"], name=op.f("fk_member_transfer_from_unit_id_org_unit")
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["member.id"], name=op.f("fk_member_transfer_member_id_member")
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_id"], ["app_user.id"], name=op.f("fk_member_transfer_requested_by_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["to_unit_id"], ["org_unit.id"], name=op.f("fk_member_transfer_to_unit_id_org_unit")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_member_transfer")),
    )
    with op.batch_alter_table("member_transfer", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_member_transfer_from_unit_id"), ["from_unit_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_member_transfer_member_id"), ["member_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_member_transfer_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_member_transfer_to_unit_id"), ["to_unit_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("member_transfer", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_member_transfer_to_unit_id"))
        batch_op.drop_index(batch_op.f("ix_member_transfer_status"))
        batch_op.drop_index(batch_op.f("ix_member_transfer_member_id"))
        batch_op.drop_index(batch_op.f("ix_member_transfer_from_unit_id"))

    op.drop_table("member_transfer")
    with op.batch_alter_table("member_tag", schema=None) as batch_op:
        batch_op.drop_index("ix_member_tag_tag_member_id")

    op.drop_table("member_tag")
    with op.batch_alter_table("member_import", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_member_import_org_unit_id"))
        batch_op.drop_index("ix_member_import_created_by_id_file_hash")

    op.drop_table("member_import")
    with op.batch_alter_table("member_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_member_event_member_id"))

    op.drop_table("member_event")
    with op.batch_alter_table("dues_payment", schema=None) as batch_op:
        batch_op.drop_index("ix_dues_payment_org_unit_id_period")
        batch_op.drop_index(batch_op.f("ix_dues_payment_batch_id"))

    op.drop_table("dues_payment")
    op.drop_table("member_number_counter")
    with op.batch_alter_table("member", schema=None) as batch_op:
        batch_op.drop_index("ix_member_status_org_unit_id")
        batch_op.drop_index(batch_op.f("ix_member_status"))
        batch_op.drop_index("ix_member_org_unit_id_id")
        batch_op.drop_index(batch_op.f("ix_member_grassroots_unit_id"))

    op.drop_table("member")
    op.drop_table("change_log_counter")
    with op.batch_alter_table("change_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_change_log_org_unit_id"))
        batch_op.drop_index("ix_change_log_entity_type_seq")

    op.drop_table("change_log")
