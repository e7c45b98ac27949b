"""Negotiation sessions and their minutes (令22 Art 33-35), and the versioned draft contract with its
clause-by-clause comparison.

A session needs a valid team (Art 19-24), is chaired by a chief, the chiefs taking turns (Art 34),
and is minuted by a recorder who is not a negotiator. A session may suspend the talks, with its
reason and the next date (Art 35); the next session resumes them. Every draft version is kept.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any, cast

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from api.db.models import Negotiation, NegotiationClause, NegotiationDraft, NegotiationSession, Negotiator
from api.errors import NotFound, RuleViolation
from api.i18n import _, register
from api.schemas.negotiations import (
    ClauseChange,
    ClauseOut,
    DraftCreate,
    DraftDiff,
    DraftOut,
    DraftSummary,
    NegotiationStatus,
    SessionCreate,
    SessionOut,
    SessionOutcome,
)
from api.schemas.negotiations_enums import NegotiationEventKind
from api.security.principal import Principal
from api.services.concurrency import expect_version
from api.services.negotiations import parties
from api.services.negotiations.workflow import record, step, today, touch
from api.services.pagination import keyset

S = NegotiationStatus
CLAUSE_FIELDS = ("topic", "title", "text", "wage_growth_bp", "minimum_wage_fen", "position")

register(
    {
        "negotiation_chair_not_chief": _(
            "A session is chaired by one of the two chief negotiators (令22 Art 34)."
        ),
        "negotiation_chair_not_alternating": _(
            "The chiefs chair in turn: the {side} chief chaired the last session (令22 Art 34)."
        ),
        "negotiation_recorder_is_negotiator": _(
            "The recorder cannot be a negotiator (令22 Art 33-35: minutes by a neutral recorder)."
        ),
        "negotiation_attendee_unknown": _(
            "Attendees (the chair included) are serving negotiators of this negotiation."
        ),
    }
)


def _norm(name: str) -> str:
    return "".join(name.split())


def record_session(
    session: Session, negotiation: Negotiation, data: SessionCreate, *, version: int, by: Principal
) -> NegotiationSession:
    """Record one session (令22 Art 33-35)."""
    step(session, negotiation, "session")
    expect_version(negotiation, version)
    parties.require_valid_composition(session, negotiation)
    if data.held_on > today():
        raise RuleViolation("negotiation_date_in_future", field="held_on")
    if data.held_on < negotiation.received_on:
        raise RuleViolation(
            "negotiation_date_too_early", field="held_on", earliest=negotiation.received_on.isoformat()
        )
    team = {n.id: n for n in parties.serving(session, negotiation)}
    chair = team.get(data.chair_id)
    if chair is None or not chair.is_chief:
        raise RuleViolation("negotiation_chair_not_chief", field="chair_id")
    if data.chair_id not in data.attendee_ids or any(a not in team for a in data.attendee_ids):
        raise RuleViolation("negotiation_attendee_unknown", field="attendee_ids")
    if (
        data.recorder_member_id is not None
        and data.recorder_member_id in {n.member_id for n in team.values()}
    ) or (_norm(data.recorder_name) in {_norm(n.name) for n in team.values()}):
        raise RuleViolation("negotiation_recorder_is_negotiator", field="recorder_name")
    last = session.exec(
        select(NegotiationSession)
        .where(NegotiationSession.negotiation_id == negotiation.id)
        .order_by(col(NegotiationSession.number).desc())
        .limit(1)
    ).first()
    if last is not None:
        last_chair = session.get(Negotiator, last.chair_id)
        if last_chair is not None and last_chair.side == chair.side:
            raise RuleViolation("negotiation_chair_not_alternating", field="chair_id", side=chair.side)
    row = NegotiationSession(
        negotiation_id=negotiation.id,
        number=(last.number + 1) if last else 1,
        held_on=data.held_on,
        place=data.place,
        chair_id=chair.id,
        recorder_name=data.recorder_name,
        recorder_member_id=data.recorder_member_id,
        attendee_ids=[str(a) for a in data.attendee_ids],
        minutes=data.minutes,
        attachments=[a.model_dump() for a in data.attachments],
        outcome=data.outcome.value,
        outcome_note=data.outcome_note,
        suspension_reason=data.suspension_reason,
        next_on=data.next_on,
    )
    session.add(row)
    before = negotiation.status
    negotiation.status = (
        S.suspended.value if data.outcome is SessionOutcome.suspended else S.negotiating.value
    )
    touch(negotiation)
    kind = (
        NegotiationEventKind.suspended
        if data.outcome is SessionOutcome.suspended
        else NegotiationEventKind.session_held
    )
    if before == S.suspended.value and kind is NegotiationEventKind.session_held:
        kind = NegotiationEventKind.resumed
    record(
        session,
        negotiation,
        kind,
        before,
        by,
        {
            "number": row.number,
            "outcome": row.outcome,
            "reason": data.suspension_reason,
            "next_on": data.next_on,
        },
        on=data.held_on,
    )
    session.commit()
    session.refresh(row)
    return row


def list_sessions(
    session: Session, negotiation: Negotiation, *, limit: int, cursor: str | None
) -> tuple[list[SessionOut], str | None]:
    """One page of the sessions, in order (number is unique within the negotiation)."""
    stmt = select(NegotiationSession).where(NegotiationSession.negotiation_id == negotiation.id)
    rows, next_cursor = keyset(
        session, stmt, keys=[col(NegotiationSession.number)], limit=limit, cursor=cursor
    )
    return [SessionOut.model_validate(r) for r in rows], next_cursor


# --- drafts -------------------------------------------------------------------------------------


def create_draft(
    session: Session, negotiation: Negotiation, data: DraftCreate, *, version: int, by: Principal
) -> NegotiationDraft:
    """A new version of the whole draft; earlier versions stay as they were."""
    step(session, negotiation, "draft")
    expect_version(negotiation, version)
    last = session.exec(
        select(func.max(NegotiationDraft.number)).where(NegotiationDraft.negotiation_id == negotiation.id)
    ).one()
    draft = NegotiationDraft(
        negotiation_id=negotiation.id, number=(last or 0) + 1, note=data.note, created_by_id=by.user_id
    )
    session.add(draft)
    session.flush()
    for position, c in enumerate(data.clauses, start=1):
        session.add(
            NegotiationClause(
                draft_id=draft.id,
                position=position,
                key=c.key,
                topic=c.topic.value,
                title=c.title,
                text=c.text,
                wage_growth_bp=c.wage_growth_bp,
                minimum_wage_fen=c.minimum_wage_fen,
            )
        )
    touch(negotiation)
    record(
        session,
        negotiation,
        NegotiationEventKind.draft_saved,
        negotiation.status,
        by,
        {"number": draft.number, "clauses": len(data.clauses)},
    )
    session.commit()
    session.refresh(draft)
    return draft


def list_drafts(
    session: Session, negotiation: Negotiation, *, limit: int, cursor: str | None
) -> tuple[list[DraftSummary], str | None]:
    """One page of the draft versions, by number (unique within the negotiation)."""
    stmt = cast(
        "sa.Select[Any]",
        sa.select(
            col(NegotiationDraft.number),
            col(NegotiationDraft.note),
            col(NegotiationDraft.created_at),
            func.count(col(NegotiationClause.id)),
        )
        .outerjoin(NegotiationClause, col(NegotiationClause.draft_id) == NegotiationDraft.id)
        .where(col(NegotiationDraft.negotiation_id) == negotiation.id)
        .group_by(
            col(NegotiationDraft.id),
            col(NegotiationDraft.number),
            col(NegotiationDraft.note),
            col(NegotiationDraft.created_at),
        ),
    )
    rows, next_cursor = keyset(
        session, stmt, keys=[col(NegotiationDraft.number)], limit=limit, cursor=cursor, scalars=False
    )
    return [
        DraftSummary(number=r[0], note=r[1], created_at=r[2], clause_count=r[3]) for r in rows
    ], next_cursor


def clauses_of(session: Session, negotiation_id: object, number: int) -> list[ClauseOut]:
    rows = session.exec(
        select(NegotiationClause)
        .join(NegotiationDraft, col(NegotiationDraft.id) == NegotiationClause.draft_id)
        .where(NegotiationDraft.negotiation_id == negotiation_id, NegotiationDraft.number == number)
        .order_by(col(NegotiationClause.position))
    ).all()
    return [ClauseOut.model_validate(r) for r in rows]


def get_draft(session: Session, negotiation: Negotiation, number: int) -> DraftOut:
    draft = session.exec(
        select(NegotiationDraft).where(
            NegotiationDraft.negotiation_id == negotiation.id, NegotiationDraft.number == number
        )
    ).first()
    if draft is None:
        raise NotFound()
    return DraftOut(
        number=draft.number,
        note=draft.note,
        created_at=draft.created_at,
        clauses=clauses_of(session, negotiation.id, number),
    )


def diff(session: Session, negotiation: Negotiation, a: int, b: int) -> DraftDiff:
    """Compare two versions clause by clause, matching clauses by ``key``: added, removed, changed
    (with the fields that changed) and unchanged, in the order of version ``b`` then removed ones."""
    left = {c.key: c for c in get_draft(session, negotiation, a).clauses}
    right = {c.key: c for c in get_draft(session, negotiation, b).clauses}
    changes: list[ClauseChange] = []
    counts: dict[str, int] = defaultdict(int)
    for key, after in right.items():
        before = left.get(key)
        if before is None:
            change, fields = "added", []
        else:
            fields = [f for f in CLAUSE_FIELDS if getattr(before, f) != getattr(after, f)]
            change = "changed" if fields else "unchanged"
        counts[change] += 1
        changes.append(ClauseChange(key=key, change=change, fields=fields, before=before, after=after))
    for key, before in left.items():
        if key not in right:
            counts["removed"] += 1
            changes.append(ClauseChange(key=key, change="removed", fields=[], before=before, after=None))
    return DraftDiff(
        a=a,
        b=b,
        changes=changes,
        added=counts["added"],
        removed=counts["removed"],
        changed=counts["changed"],
        unchanged=counts["unchanged"],
    )
