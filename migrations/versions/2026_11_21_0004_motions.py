"""motions: congresses, representative overrides, answering departments and handlers, motions with
signatories, departments, replies, ratings and their timeline

Revision ID: 0004
Revises: 0002
Create Date: 2026-11-21 19:15:22.704707
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import api.db.types

revision: str = "0004"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "congress",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("org_unit_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("opening_on", sa.Date(), nullable=False),
        sa.Column("motion_deadline_on", sa.Date(), nullable=False),
        sa.Column("reply_months", sa.Integer(), nullable=False),
        sa.Column("min_cosigners", sa.Integer(), nullable=False),
        sa.Column("satisfaction_scale", sa.String(length=20), nullable=False),
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column("created_at", api.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", api.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_unit_id"], ["org_unit.id"], name=op.f("fk_congress_org_unit_id_org_unit")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_congress")),
    )
    with op.batch_alter_table("congress", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_congress_org_unit_id"), ["org_unit_id"], unique=False)

    op.create_table(
        "department",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("org_unit_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column("created_at", api.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", api.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_unit_id"], ["org_unit.id"], name=op.f("fk_department_org_unit_id_org_unit")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_department")),
        sa.UniqueConstraint("org_unit_id", "name", name=op.f("uq_department_org_unit_id_name")),
    )
    with op.batch_alter_table("department", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_department_org_unit_id"), ["org_unit_id"], unique=False)

    op.create_table(
        "congress_representative_override",
        sa.Column("congress_id", sa.Uuid(), nullable=False),
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.Column("action", sa.String(length=10), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.Column("created_by_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", api.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["congress_id"],
            ["congress.id"],
            name=op.f("fk_congress_representative_override_congress_id_congress"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["app_user.id"],
            name=op.f("fk_congress_representative_override_created_by_id_app_user"),
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["member.id"], name=op.f("fk_congress_representative_override_member_id_member")
        ),
        sa.PrimaryKeyConstraint("congress_id", "member_id", name=op.f("pk_congress_representative_override")),
    )
    with op.batch_alter_table("congress_representative_override", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_congress_representative_override_member_id"), ["member_id"], unique=False
        )

    op.create_table(
        "department_handler",
        sa.Column("department_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", api.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["department.id"],
            name=op.f("fk_department_handler_department_id_department"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["app_user.id"],
            name=op.f("fk_department_handler_user_id_app_user"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("department_id", "user_id", name=op.f("pk_department_handler")),
    )
    with op.batch_alter_table("department_handler", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_department_handler_user_id"), ["user_id"], unique=False)

    op.create_table(
        "motion",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("congress_id", sa.Uuid(), nullable=False),
        sa.Column("org_unit_id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("reasons", sa.String(length=5000), nullable=False),
        sa.Column("proposals", sa.String(length=5000), nullable=False),
        sa.Column("category", sa.String(length=20), nullable=False),
        sa.Column("delegation", sa.String(length=100), nullable=True),
        sa.Column("proposer_member_id", sa.Uuid(), nullable=False),
        sa.Column("created_by_id", sa.Uuid(), nullable=True),
        sa.Column("submitted_at", api.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("submitted_late", sa.Boolean(), nullable=False),
        sa.Column("decision", sa.String(length=12), nullable=True),
        sa.Column("decision_reason", sa.String(length=1000), nullable=True),
        sa.Column("merged_into_id", sa.Uuid(), nullable=True),
        sa.Column("reviewed_by_id", sa.Uuid(), nullable=True),
        sa.Column("reviewed_at", api.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("lead_department_id", sa.Uuid(), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("outcome_class", sa.String(length=1), nullable=True),
        sa.Column("closed_at", api.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column("created_at", api.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", api.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["congress_id"], ["congress.id"], name=op.f("fk_motion_congress_id_congress")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["app_user.id"], name=op.f("fk_motion_created_by_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["lead_department_id"], ["department.id"], name=op.f("fk_motion_lead_department_id_department")
        ),
        sa.ForeignKeyConstraint(
            ["merged_into_id"], ["motion.id"], name=op.f("fk_motion_merged_into_id_motion")
        ),
        sa.ForeignKeyConstraint(
            ["org_unit_id"], ["org_unit.id"], name=op.f("fk_motion_org_unit_id_org_unit")
        ),
        sa.ForeignKeyConstraint(
            ["proposer_member_id"], ["member.id"], name=op.f("fk_motion_proposer_member_id_member")
        ),
        sa.ForeignKeyConstraint(
            ["reviewed_by_id"], ["app_user.id"], name=op.f("fk_motion_reviewed_by_id_app_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_motion")),
        sa.UniqueConstraint("congress_id", "number", name=op.f("uq_motion_congress_id_number")),
    )
    with op.batch_alter_table("motion", schema=None) as batch_op:
        batch_op.create_index("ix_motion_congress_id_status", ["congress_id", "status"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_motion_lead_department_id"), ["lead_department_id"], unique=False
        )
        batch_op.create_index("ix_motion_org_unit_id_id", ["org_unit_id", "id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_motion_proposer_member_id"), ["proposer_member_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_motion_status"), ["status"], unique=False)

    op.create_table(
        "motion_department",
        sa.Column("motion_id", sa.Uuid(), nullable=False),
        sa.Column("department_id", sa.Uuid(), nullable=False),
        sa.Column("role", sa.String(length=6), nullable=False),
        sa.ForeignKeyConstraint(
            ["department_id"], ["department.id"], name=op.f("fk_motion_department_department_id_department")
        ),
        sa.ForeignKeyConstraint(
            ["motion_id"],
            ["motion.id"],
            name=op.f("fk_motion_department_motion_id_motion"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("motion_id", "department_id", name=op.f("pk_motion_department")),
    )
    with op.batch_alter_table("motion_department", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_motion_department_department_id"), ["department_id"], unique=False
        )

    op.create_table(
        "motion_event",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("motion_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("from_status", sa.String(length=12), nullable=True),
        sa.Column("to_status", sa.String(length=12), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Uuid(), nullable=True),
        sa.Column("actor_label", sa.String(length=100), nullable=True),
        sa.Column("details", sa.JSON(), nullable=True),
        sa.Column("created_at", api.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["app_user.id"], name=op.f("fk_motion_event_actor_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["motion_id"], ["motion.id"], name=op.f("fk_motion_event_motion_id_motion"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_motion_event")),
    )
    with op.batch_alter_table("motion_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_motion_event_motion_id"), ["motion_id"], unique=False)

    op.create_table(
        "motion_rating",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("motion_id", sa.Uuid(), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.Column("is_proposer", sa.Boolean(), nullable=False),
        sa.Column("rating", sa.String(length=20), nullable=False),
        sa.Column("comment", sa.String(length=2000), nullable=True),
        sa.Column("created_at", api.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["member_id"], ["member.id"], name=op.f("fk_motion_rating_member_id_member")),
        sa.ForeignKeyConstraint(
            ["motion_id"], ["motion.id"], name=op.f("fk_motion_rating_motion_id_motion"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_motion_rating")),
        sa.UniqueConstraint(
            "motion_id", "round", "member_id", name=op.f("uq_motion_rating_motion_id_round_member_id")
        ),
    )
    with op.batch_alter_table("motion_rating", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_motion_rating_motion_id"), ["motion_id"], unique=False)

    op.create_table(
        "motion_reply",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("motion_id", sa.Uuid(), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Uuid(), nullable=False),
        sa.Column("text", sa.String(length=10000), nullable=False),
        sa.Column("outcome_class", sa.String(length=1), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("replied_on", sa.Date(), nullable=False),
        sa.Column("late", sa.Boolean(), nullable=False),
        sa.Column("replied_by_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", api.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["department_id"], ["department.id"], name=op.f("fk_motion_reply_department_id_department")
        ),
        sa.ForeignKeyConstraint(
            ["motion_id"], ["motion.id"], name=op.f("fk_motion_reply_motion_id_motion"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["replied_by_id"], ["app_user.id"], name=op.f("fk_motion_reply_replied_by_id_app_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_motion_reply")),
        sa.UniqueConstraint("motion_id", "round", name=op.f("uq_motion_reply_motion_id_round")),
    )
    with op.batch_alter_table("motion_reply", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_motion_reply_department_id"), ["department_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_motion_reply_motion_id"), ["motion_id"], unique=False)

    op.create_table(
        "motion_signatory",
        sa.Column("motion_id", sa.Uuid(), nullable=False),
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.Column("role", sa.String(length=12), nullable=False),
        sa.Column("merged_from_id", sa.Uuid(), nullable=True),
        sa.Column("signed_at", api.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"], ["member.id"], name=op.f("fk_motion_signatory_member_id_member")
        ),
        sa.ForeignKeyConstraint(
            ["merged_from_id"], ["motion.id"], name=op.f("fk_motion_signatory_merged_from_id_motion")
        ),
        sa.ForeignKeyConstraint(
            ["motion_id"],
            ["motion.id"],
            name=op.f("fk_motion_signatory_motion_id_motion"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("motion_id", "member_id", name=op.f("pk_motion_signatory")),
    )
    with op.batch_alter_table("motion_signatory", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_motion_signatory_member_id"), ["member_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("motion_signatory", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_motion_signatory_member_id"))

    op.drop_table("motion_signatory")
    with op.batch_alter_table("motion_reply", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_motion_reply_motion_id"))
        batch_op.drop_index(batch_op.f("ix_motion_reply_department_id"))

    op.drop_table("motion_reply")
    with op.batch_alter_table("motion_rating", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_motion_rating_motion_id"))

    op.drop_table("motion_rating")
    with op.batch_alter_table("motion_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_motion_event_motion_id"))

    op.drop_table("motion_event")
    with op.batch_alter_table("motion_department", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_motion_department_department_id"))

    op.drop_table("motion_department")
    with op.batch_alter_table("motion", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_motion_status"))
        batch_op.drop_index(batch_op.f("ix_motion_proposer_member_id"))
        batch_op.drop_index("ix_motion_org_unit_id_id")
        batch_op.drop_index(batch_op.f("ix_motion_lead_department_id"))
        batch_op.drop_index("ix_motion_congress_id_status")

    op.drop_table("motion")
    with op.batch_alter_table("department_handler", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_department_handler_user_id"))

    op.drop_table("department_handler")
    with op.batch_alter_table("congress_representative_override", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_congress_representative_override_member_id"))

    op.drop_table("congress_representative_override")
    with op.batch_alter_table("department", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_department_org_unit_id"))

    op.drop_table("department")
    with op.batch_alter_table("congress", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_congress_org_unit_id"))

    op.drop_table("congress")
