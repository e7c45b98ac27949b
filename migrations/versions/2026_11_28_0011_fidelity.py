"""domain fidelity (issue 15): application date and channel, membership card, participation records,
expulsion cases, transfer refusal grounds, organisation facts for the threshold report (union committee,
women workers' committee, assembly form), requests to set up or close a unit (章程 Art 16), congress
sessions (第N届第M次, closing date, presidium), follow-up of class-B motion answers, rationalisation
proposals (合理化建议) and their campaigns

Members already holding membership are given the card their member number names, issued on their join
date (the record had no card before; every approved member was issued one, 章程 Art 2).

Revision ID: 0011
Revises: 0007
Create Date: 2026-11-28 18:10:39.291671
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import api.db.types

revision: str = "0011"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "rationalisation_campaign",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("org_unit_id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("theme", sa.String(length=1000), nullable=True),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("created_by_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", api.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["app_user.id"],
            name=op.f("fk_rationalisation_campaign_created_by_id_app_user"),
        ),
        sa.ForeignKeyConstraint(
            ["org_unit_id"], ["org_unit.id"], name=op.f("fk_rationalisation_campaign_org_unit_id_org_unit")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rationalisation_campaign")),
    )
    with op.batch_alter_table("rationalisation_campaign", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_rationalisation_campaign_org_unit_id"), ["org_unit_id"], unique=False
        )

    op.create_table(
        "rationalisation_proposal",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("org_unit_id", sa.Uuid(), nullable=False),
        sa.Column("grassroots_unit_id", sa.Uuid(), nullable=False),
        sa.Column("campaign_id", sa.Uuid(), nullable=True),
        sa.Column("submitter_member_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("problem", sa.String(length=5000), nullable=False),
        sa.Column("proposal", sa.String(length=5000), nullable=False),
        sa.Column("is_major", sa.Boolean(), nullable=False),
        sa.Column("screened_by_id", sa.Uuid(), nullable=True),
        sa.Column("screened_at", api.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("screening_note", sa.String(length=2000), nullable=True),
        sa.Column("department_id", sa.Uuid(), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("adopted", sa.Boolean(), nullable=True),
        sa.Column("decision_note", sa.String(length=5000), nullable=True),
        sa.Column("benefit_fen", sa.Integer(), nullable=True),
        sa.Column("benefit_note", sa.String(length=2000), nullable=True),
        sa.Column("decided_by_id", sa.Uuid(), nullable=True),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.Column("result_note", sa.String(length=2000), nullable=True),
        sa.Column("notified_by_id", sa.Uuid(), nullable=True),
        sa.Column("notified_at", api.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("reward_fen", sa.Integer(), nullable=True),
        sa.Column("reward_note", sa.String(length=1000), nullable=True),
        sa.Column("rewarded_by_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", api.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", api.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["rationalisation_campaign.id"],
            name=op.f("fk_rationalisation_proposal_campaign_id_rationalisation_campaign"),
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["app_user.id"],
            name=op.f("fk_rationalisation_proposal_decided_by_id_app_user"),
        ),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["department.id"],
            name=op.f("fk_rationalisation_proposal_department_id_department"),
        ),
        sa.ForeignKeyConstraint(
            ["grassroots_unit_id"],
            ["org_unit.id"],
            name=op.f("fk_rationalisation_proposal_grassroots_unit_id_org_unit"),
        ),
        sa.ForeignKeyConstraint(
            ["notified_by_id"],
            ["app_user.id"],
            name=op.f("fk_rationalisation_proposal_notified_by_id_app_user"),
        ),
        sa.ForeignKeyConstraint(
            ["org_unit_id"], ["org_unit.id"], name=op.f("fk_rationalisation_proposal_org_unit_id_org_unit")
        ),
        sa.ForeignKeyConstraint(
            ["rewarded_by_id"],
            ["app_user.id"],
            name=op.f("fk_rationalisation_proposal_rewarded_by_id_app_user"),
        ),
        sa.ForeignKeyConstraint(
            ["screened_by_id"],
            ["app_user.id"],
            name=op.f("fk_rationalisation_proposal_screened_by_id_app_user"),
        ),
        sa.ForeignKeyConstraint(
            ["submitter_member_id"],
            ["member.id"],
            name=op.f("fk_rationalisation_proposal_submitter_member_id_member"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rationalisation_proposal")),
    )
    with op.batch_alter_table("rationalisation_proposal", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_rationalisation_proposal_campaign_id"), ["campaign_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_rationalisation_proposal_department_id"), ["department_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_rationalisation_proposal_grassroots_unit_id"), ["grassroots_unit_id"], unique=False
        )
        batch_op.create_index(
            "ix_rationalisation_proposal_org_unit_id_id", ["org_unit_id", "id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_rationalisation_proposal_status"), ["status"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_rationalisation_proposal_submitter_member_id"),
            ["submitter_member_id"],
            unique=False,
        )

    op.create_table(
        "rationalisation_event",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("proposal_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("from_status", sa.String(length=12), nullable=True),
        sa.Column("to_status", sa.String(length=12), nullable=False),
        sa.Column("actor_id", sa.Uuid(), nullable=True),
        sa.Column("details", sa.JSON(), nullable=True),
        sa.Column("created_at", api.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["app_user.id"], name=op.f("fk_rationalisation_event_actor_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["proposal_id"],
            ["rationalisation_proposal.id"],
            name=op.f("fk_rationalisation_event_proposal_id_rationalisation_proposal"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rationalisation_event")),
    )
    with op.batch_alter_table("rationalisation_event", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_rationalisation_event_proposal_id"), ["proposal_id"], unique=False
        )

    op.create_table(
        "motion_follow_up",
        sa.Column("motion_id", sa.Uuid(), nullable=False),
        sa.Column("congress_id", sa.Uuid(), nullable=False),
        sa.Column("org_unit_id", sa.Uuid(), nullable=False),
        sa.Column("department_id", sa.Uuid(), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("promised_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("done_on", sa.Date(), nullable=True),
        sa.Column("report", sa.String(length=5000), nullable=True),
        sa.Column("reported_by_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", api.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", api.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.ForeignKeyConstraint(
            ["congress_id"], ["congress.id"], name=op.f("fk_motion_follow_up_congress_id_congress")
        ),
        sa.ForeignKeyConstraint(
            ["department_id"], ["department.id"], name=op.f("fk_motion_follow_up_department_id_department")
        ),
        sa.ForeignKeyConstraint(
            ["motion_id"],
            ["motion.id"],
            name=op.f("fk_motion_follow_up_motion_id_motion"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["org_unit_id"], ["org_unit.id"], name=op.f("fk_motion_follow_up_org_unit_id_org_unit")
        ),
        sa.ForeignKeyConstraint(
            ["reported_by_id"], ["app_user.id"], name=op.f("fk_motion_follow_up_reported_by_id_app_user")
        ),
        sa.PrimaryKeyConstraint("motion_id", name=op.f("pk_motion_follow_up")),
    )
    with op.batch_alter_table("motion_follow_up", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_motion_follow_up_congress_id"), ["congress_id"], unique=False)
        batch_op.create_index(
            "ix_motion_follow_up_org_unit_id_status", ["org_unit_id", "status"], unique=False
        )

    with op.batch_alter_table("motion_reply", schema=None) as batch_op:
        batch_op.add_column(sa.Column("promised_on", sa.Date(), nullable=True))

    op.create_table(
        "congress_presidium_member",
        sa.Column("congress_id", sa.Uuid(), nullable=False),
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", api.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["congress_id"],
            ["congress.id"],
            name=op.f("fk_congress_presidium_member_congress_id_congress"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["member.id"], name=op.f("fk_congress_presidium_member_member_id_member")
        ),
        sa.PrimaryKeyConstraint("congress_id", "member_id", name=op.f("pk_congress_presidium_member")),
    )
    with op.batch_alter_table("congress_presidium_member", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_congress_presidium_member_member_id"), ["member_id"], unique=False
        )

    with op.batch_alter_table("congress", schema=None) as batch_op:
        batch_op.add_column(sa.Column("term_no", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("session_no", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("closing_on", sa.Date(), nullable=True))

    op.create_table(
        "org_unit_request",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("action", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("parent_id", sa.Uuid(), nullable=False),
        sa.Column("unit_id", sa.Uuid(), nullable=True),
        sa.Column("code", sa.String(length=32), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=True),
        sa.Column("uscc", sa.String(length=18), nullable=True),
        sa.Column("effective_on", sa.Date(), nullable=True),
        sa.Column("reason", sa.String(length=2000), nullable=False),
        sa.Column("requested_by_id", sa.Uuid(), nullable=True),
        sa.Column("requested_at", api.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("decided_by_id", sa.Uuid(), nullable=True),
        sa.Column("decided_at", api.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("approval_ref", sa.String(length=100), nullable=True),
        sa.Column("decision_note", sa.String(length=2000), nullable=True),
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["app_user.id"], name=op.f("fk_org_unit_request_decided_by_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"], ["org_unit.id"], name=op.f("fk_org_unit_request_parent_id_org_unit")
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_id"], ["app_user.id"], name=op.f("fk_org_unit_request_requested_by_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["org_unit.id"], name=op.f("fk_org_unit_request_unit_id_org_unit")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_org_unit_request")),
    )
    with op.batch_alter_table("org_unit_request", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_org_unit_request_parent_id"), ["parent_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_org_unit_request_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_org_unit_request_unit_id"), ["unit_id"], unique=False)

    op.create_table(
        "member_expulsion",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.Column("org_unit_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("ground", sa.String(length=30), nullable=False),
        sa.Column("reference", sa.String(length=200), nullable=False),
        sa.Column("penalty_on", sa.Date(), nullable=False),
        sa.Column("proposal", sa.String(length=2000), nullable=False),
        sa.Column("group_meeting_on", sa.Date(), nullable=False),
        sa.Column("proposed_by_id", sa.Uuid(), nullable=True),
        sa.Column("proposed_at", api.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("decision", sa.String(length=2000), nullable=True),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.Column("decided_by_id", sa.Uuid(), nullable=True),
        sa.Column("decided_at", api.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("filed_with_unit_id", sa.Uuid(), nullable=True),
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["app_user.id"], name=op.f("fk_member_expulsion_decided_by_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["filed_with_unit_id"],
            ["org_unit.id"],
            name=op.f("fk_member_expulsion_filed_with_unit_id_org_unit"),
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["member.id"], name=op.f("fk_member_expulsion_member_id_member")
        ),
        sa.ForeignKeyConstraint(
            ["org_unit_id"], ["org_unit.id"], name=op.f("fk_member_expulsion_org_unit_id_org_unit")
        ),
        sa.ForeignKeyConstraint(
            ["proposed_by_id"], ["app_user.id"], name=op.f("fk_member_expulsion_proposed_by_id_app_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_member_expulsion")),
    )
    with op.batch_alter_table("member_expulsion", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_member_expulsion_member_id"), ["member_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_member_expulsion_org_unit_id"), ["org_unit_id"], unique=False)

    op.create_table(
        "participation",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("org_unit_id", sa.Uuid(), nullable=False),
        sa.Column("activity", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("notes", sa.String(length=1000), nullable=True),
        sa.Column("recorded_by_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", api.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_unit_id"], ["org_unit.id"], name=op.f("fk_participation_org_unit_id_org_unit")
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"], ["app_user.id"], name=op.f("fk_participation_recorded_by_id_app_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_participation")),
    )
    with op.batch_alter_table("participation", schema=None) as batch_op:
        batch_op.create_index(
            "ix_participation_org_unit_id_held_on", ["org_unit_id", "held_on"], unique=False
        )

    op.create_table(
        "participation_attendee",
        sa.Column("participation_id", sa.Uuid(), nullable=False),
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"], ["member.id"], name=op.f("fk_participation_attendee_member_id_member")
        ),
        sa.ForeignKeyConstraint(
            ["participation_id"],
            ["participation.id"],
            name=op.f("fk_participation_attendee_participation_id_participation"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("participation_id", "member_id", name=op.f("pk_participation_attendee")),
    )
    with op.batch_alter_table("participation_attendee", schema=None) as batch_op:
        batch_op.create_index(
            "ix_participation_attendee_member_id_held_on", ["member_id", "held_on"], unique=False
        )

    with op.batch_alter_table("member", schema=None) as batch_op:
        batch_op.add_column(sa.Column("applied_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("application_channel", sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column("card_no", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("card_status", sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column("card_issued_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("card_recalled_on", sa.Date(), nullable=True))
    member = sa.table(
        "member",
        sa.column("status", sa.String),
        sa.column("member_no", sa.String),
        sa.column("join_date", sa.Date),
        sa.column("card_no", sa.String),
        sa.column("card_status", sa.String),
        sa.column("card_issued_on", sa.Date),
    )
    op.execute(
        member.update()
        .where(member.c.status.in_(["active", "transfer_pending", "retained"]))
        .values(card_no=member.c.member_no, card_status="issued", card_issued_on=member.c.join_date)
    )

    with op.batch_alter_table("member_transfer", schema=None) as batch_op:
        batch_op.add_column(sa.Column("refusal_ground", sa.String(length=30), nullable=True))

    with op.batch_alter_table("org_unit", schema=None) as batch_op:
        batch_op.add_column(sa.Column("committee_since", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("women_committee_since", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("assembly", sa.String(length=20), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("rationalisation_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rationalisation_event_proposal_id"))

    op.drop_table("rationalisation_event")
    with op.batch_alter_table("rationalisation_proposal", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rationalisation_proposal_submitter_member_id"))
        batch_op.drop_index(batch_op.f("ix_rationalisation_proposal_status"))
        batch_op.drop_index("ix_rationalisation_proposal_org_unit_id_id")
        batch_op.drop_index(batch_op.f("ix_rationalisation_proposal_grassroots_unit_id"))
        batch_op.drop_index(batch_op.f("ix_rationalisation_proposal_department_id"))
        batch_op.drop_index(batch_op.f("ix_rationalisation_proposal_campaign_id"))

    op.drop_table("rationalisation_proposal")
    with op.batch_alter_table("rationalisation_campaign", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rationalisation_campaign_org_unit_id"))

    op.drop_table("rationalisation_campaign")

    with op.batch_alter_table("motion_reply", schema=None) as batch_op:
        batch_op.drop_column("promised_on")

    with op.batch_alter_table("motion_follow_up", schema=None) as batch_op:
        batch_op.drop_index("ix_motion_follow_up_org_unit_id_status")
        batch_op.drop_index(batch_op.f("ix_motion_follow_up_congress_id"))

    op.drop_table("motion_follow_up")

    with op.batch_alter_table("org_unit", schema=None) as batch_op:
        batch_op.drop_column("assembly")
        batch_op.drop_column("women_committee_since")
        batch_op.drop_column("committee_since")

    with op.batch_alter_table("member_transfer", schema=None) as batch_op:
        batch_op.drop_column("refusal_ground")

    with op.batch_alter_table("member", schema=None) as batch_op:
        batch_op.drop_column("card_recalled_on")
        batch_op.drop_column("card_issued_on")
        batch_op.drop_column("card_status")
        batch_op.drop_column("card_no")
        batch_op.drop_column("application_channel")
        batch_op.drop_column("applied_on")

    with op.batch_alter_table("participation_attendee", schema=None) as batch_op:
        batch_op.drop_index("ix_participation_attendee_member_id_held_on")

    op.drop_table("participation_attendee")
    with op.batch_alter_table("participation", schema=None) as batch_op:
        batch_op.drop_index("ix_participation_org_unit_id_held_on")

    op.drop_table("participation")
    with op.batch_alter_table("member_expulsion", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_member_expulsion_org_unit_id"))
        batch_op.drop_index(batch_op.f("ix_member_expulsion_member_id"))

    op.drop_table("member_expulsion")
    with op.batch_alter_table("org_unit_request", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_org_unit_request_unit_id"))
        batch_op.drop_index(batch_op.f("ix_org_unit_request_status"))
        batch_op.drop_index(batch_op.f("ix_org_unit_request_parent_id"))

    op.drop_table("org_unit_request")
    with op.batch_alter_table("congress", schema=None) as batch_op:
        batch_op.drop_column("closing_on")
        batch_op.drop_column("session_no")
        batch_op.drop_column("term_no")

    with op.batch_alter_table("congress_presidium_member", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_congress_presidium_member_member_id"))

    op.drop_table("congress_presidium_member")
