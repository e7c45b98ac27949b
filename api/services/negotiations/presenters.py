"""Negotiations as the API shows them: phase and deadlines computed, sub-records batch-loaded (a fixed
number of queries for any page)."""

from __future__ import annotations

import uuid
from collections import defaultdict

from sqlmodel import Session, col, func, select

from api.db.models import (
    Negotiation,
    NegotiationCheck,
    NegotiationCoverage,
    NegotiationDispute,
    NegotiationDraft,
    NegotiationEvent,
    NegotiationSession,
    NegotiationVote,
    Negotiator,
)
from api.schemas.negotiations import (
    CheckOut,
    CoverageOut,
    Deadlines,
    DisputeOut,
    NegotiationDetail,
    NegotiationEventOut,
    NegotiationOut,
    NegotiationStatus,
    NegotiatorOut,
    VoteOut,
)
from api.services.negotiations import meetings, parties
from api.services.negotiations.visibility import open_vacancies
from api.services.negotiations.workflow import FILED, phase, today
from api.services.pagination import keyset

S = NegotiationStatus


def present(session: Session, negotiations: list[Negotiation]) -> list[NegotiationOut]:
    ids = [n.id for n in negotiations]
    if not ids:
        return []
    as_of = today()
    coverage: dict[uuid.UUID, list[CoverageOut]] = defaultdict(list)
    for row in session.exec(
        select(NegotiationCoverage)
        .where(col(NegotiationCoverage.negotiation_id).in_(ids))
        .order_by(col(NegotiationCoverage.employer_name))
    ).all():
        coverage[row.negotiation_id].append(CoverageOut.model_validate(row))
    superseded = set(
        session.exec(
            select(Negotiation.parent_id).where(
                col(Negotiation.parent_id).in_(ids),
                Negotiation.status == FILED,
                col(Negotiation.effective_on) <= as_of,
            )
        ).all()
    )
    vacant = open_vacancies(as_of).subquery()
    late_vacancies = dict(
        session.execute(
            select(vacant.c.negotiation_id, func.count())
            .where(vacant.c.negotiation_id.in_(ids))
            .group_by(vacant.c.negotiation_id)
        ).all()
    )
    out = []
    for n in negotiations:
        current = phase(n, as_of, superseded=n.id in superseded)
        deadlines = Deadlines(
            reply_due_on=n.reply_due_on,
            reply_overdue=n.status == S.proposed.value and n.reply_due_on < as_of,
            filing_due_on=n.filing_due_on,
            filing_overdue=n.status == S.signed.value
            and n.filing_due_on is not None
            and n.filing_due_on < as_of,
            effective_on=n.effective_on,
            expires_on=n.expires_on,
            renewal_opens_on=n.renewal_opens_on,
            vacancies_overdue=late_vacancies.get(n.id, 0) if n.status != FILED else 0,
        )
        data = n.model_dump()
        data.update(status=current, deadlines=deadlines, coverage=coverage[n.id])
        out.append(NegotiationOut.model_validate(data))
    return out


def present_one(session: Session, negotiation: Negotiation) -> NegotiationOut:
    return present(session, [negotiation])[0]


def negotiators(session: Session, negotiation: Negotiation) -> list[NegotiatorOut]:
    rows = session.exec(
        select(Negotiator)
        .where(Negotiator.negotiation_id == negotiation.id)
        .order_by(col(Negotiator.side), col(Negotiator.created_at), col(Negotiator.id))
    ).all()
    replaced = {r.replaces_id for r in rows if r.replaces_id}
    as_of = today()
    return [
        NegotiatorOut.model_validate(
            {
                **r.model_dump(),
                "replaced": r.id in replaced,
                "vacancy_overdue": r.left_on is not None
                and r.id not in replaced
                and r.replace_due_on is not None
                and r.replace_due_on < as_of,
            }
        )
        for r in rows
    ]


def detail(session: Session, negotiation: Negotiation, *, staff: bool) -> NegotiationDetail:
    """The negotiation with its team, votes, checks, disputes and (once agreed) the agreed text.
    ``staff``: False for a member reading a published contract (no working records)."""
    base = present_one(session, negotiation)
    nid = negotiation.id

    def count(model: type[NegotiationSession] | type[NegotiationDraft]) -> int:
        return int(
            session.exec(select(func.count()).select_from(model).where(model.negotiation_id == nid)).one()
        )

    votes = session.exec(
        select(NegotiationVote)
        .where(NegotiationVote.negotiation_id == nid)
        .order_by(col(NegotiationVote.created_at))
    ).all()
    checks = session.exec(
        select(NegotiationCheck)
        .where(NegotiationCheck.negotiation_id == nid)
        .order_by(col(NegotiationCheck.checked_on))
    ).all()
    disputes = session.exec(
        select(NegotiationDispute)
        .where(NegotiationDispute.negotiation_id == nid)
        .order_by(col(NegotiationDispute.applied_on), col(NegotiationDispute.id))
    ).all()
    as_of = today()
    clauses = meetings.clauses_of(session, nid, negotiation.agreed_draft) if negotiation.agreed_draft else []
    team = negotiators(session, negotiation)
    return NegotiationDetail(
        **base.model_dump(),
        negotiators=team if staff else [_public(n) for n in team],
        composition_problems=parties.composition(session, negotiation) if staff else [],
        sessions=count(NegotiationSession) if staff else 0,
        drafts=count(NegotiationDraft) if staff else 0,
        votes=[VoteOut.model_validate(v) for v in votes],
        checks=[CheckOut.model_validate(c) for c in checks] if staff else [],
        disputes=[
            DisputeOut.model_validate(
                {
                    **d.model_dump(),
                    "overdue": d.status == "open" and d.settle_due_on is not None and d.settle_due_on < as_of,
                }
            )
            for d in disputes
        ]
        if staff
        else [],
        clauses=clauses,
    )


def _public(n: NegotiatorOut) -> NegotiatorOut:
    """A negotiator as a member reading the published contract sees them: side, name, post, role; not
    the member link, the labour-contract protection date, delegations or why someone left."""
    return n.model_copy(
        update={"member_id": None, "protection_ends_on": None, "delegation_ref": None, "left_reason": None}
    )


def timeline(
    session: Session, negotiation: Negotiation, *, limit: int, cursor: str | None
) -> tuple[list[NegotiationEventOut], str | None]:
    """One page of the steps, oldest first."""
    stmt = select(NegotiationEvent).where(NegotiationEvent.negotiation_id == negotiation.id)
    keys = [col(NegotiationEvent.created_at), col(NegotiationEvent.id)]
    events, next_cursor = keyset(session, stmt, keys=keys, limit=limit, cursor=cursor)
    return [NegotiationEventOut.model_validate(e) for e in events], next_cursor
