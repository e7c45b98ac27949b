"""The negotiators of both sides (令22 Art 19-31): appointing, vacancies and the composition rules.

The employer's side has no accounts: the union records its negotiators' names and posts. Rules
checked when a negotiator is added: an outside expert is never chief (Art 23), one chief per side,
the employee chief is the union chair unless a written delegation is recorded (Art 20), nobody on both
sides (Art 24). Rules over the whole team (equal numbers, at least 3 a side, experts at most 1/3) are
checked before talks and agreement (:func:`require_valid_composition`), since a team is built one
negotiator at a time.
"""

from __future__ import annotations

import uuid

from sqlmodel import Session, col, select

from api.db.models import Grant, Member, Negotiation, NegotiationCoverage, Negotiator, User
from api.errors import Conflict, NotFound, RuleViolation
from api.i18n import MESSAGES, Text, _, register
from api.rules import collective_contracts as rules
from api.schemas.negotiations import NegotiatorIn, Side, VacateIn
from api.schemas.negotiations_enums import NegotiationEventKind
from api.security.permissions import Role
from api.security.principal import Principal
from api.services.concurrency import expect_version
from api.services.negotiations.visibility import MULTI_EMPLOYER
from api.services.negotiations.workflow import record, step, today, touch
from api.services.scope import unit_within

register(
    {
        "negotiation_too_few_negotiators": _("at least 3 negotiators a side (Art 19)"),
        "negotiation_unequal_sides": _("equal numbers on both sides (Art 19)"),
        "negotiation_one_chief_per_side": _("exactly one chief per side (Art 19)"),
        "negotiation_too_many_experts": _("outside experts at most 1/3 of a side (Art 23)"),
        "negotiation_expert_chief": _("An outside expert cannot be the chief negotiator (令22 Art 23)."),
        "negotiation_on_both_sides": _("Nobody may negotiate for both sides (令22 Art 24)."),
        "negotiation_chief_exists": _("This side already has a chief negotiator (令22 Art 19)."),
        "negotiation_chief_not_chair": _(
            "The employee chief is the union chair; anyone else needs a written delegation (令22 Art 20)."
        ),
        "negotiation_not_vacant": _(
            "replaces_id must name a negotiator of the same side who left and was not replaced."
        ),
        "negotiation_negotiator_left": _("This negotiator has already left."),
        "negotiation_employee_only": _(
            "Only employee negotiators have labour-contract protection (令22 Art 28)."
        ),
    }
)


def serving(session: Session, negotiation: Negotiation) -> list[Negotiator]:
    stmt = (
        select(Negotiator)
        .where(Negotiator.negotiation_id == negotiation.id, col(Negotiator.left_on).is_(None))
        .order_by(col(Negotiator.side), col(Negotiator.created_at), col(Negotiator.id))
    )
    return list(session.exec(stmt).all())


def seat(n: Negotiator) -> rules.Seat:
    return rules.Seat(
        side=rules.Side(n.side),
        name=n.name,
        member_id=str(n.member_id) if n.member_id else None,
        is_chief=n.is_chief,
        is_expert=n.is_expert,
    )


def composition(session: Session, negotiation: Negotiation) -> list[str]:
    """The codes of the 令22 Art 19-24 rules the serving negotiators break (empty when valid)."""
    return rules.composition_problems([seat(n) for n in serving(session, negotiation)])


def require_valid_composition(session: Session, negotiation: Negotiation) -> None:
    problems = composition(session, negotiation)
    if problems:
        raise Conflict(
            "negotiation_composition_invalid",
            problems=problems,
            rules=[Text(MESSAGES[code], {}) for code in problems],
        )


def chiefs(session: Session, negotiation: Negotiation) -> tuple[str, str]:
    """Names of the serving chiefs (employee, employer); the composition must be valid."""
    require_valid_composition(session, negotiation)
    found = {n.side: n.name for n in serving(session, negotiation) if n.is_chief}
    return found[Side.employee.value], found[Side.employer.value]


def _union_chair_members(session: Session, unit_id: uuid.UUID) -> set[uuid.UUID]:
    """Member records of the users holding the chair role at the conducting union itself."""
    stmt = (
        select(User.member_id)
        .join(Grant, col(Grant.user_id) == User.id)
        .where(Grant.role == Role.chair.value, Grant.org_unit_id == unit_id, col(User.member_id).is_not(None))
    )
    return {m for m in session.exec(stmt).all() if m is not None}


def _member_covered(session: Session, negotiation: Negotiation, member_id: uuid.UUID) -> bool:
    member = session.get(Member, member_id)
    if member is None:
        return False
    roots = [negotiation.org_unit_id]
    if negotiation.kind in MULTI_EMPLOYER:
        roots += list(
            session.exec(
                select(NegotiationCoverage.org_unit_id).where(
                    NegotiationCoverage.negotiation_id == negotiation.id
                )
            ).all()
        )
    return unit_within(session, member.org_unit_id, roots)


def add(
    session: Session, negotiation: Negotiation, data: NegotiatorIn, *, version: int, by: Principal
) -> Negotiator:
    """Appoint a negotiator, or fill a vacancy (``replaces_id``, 令22 Art 31)."""
    step(session, negotiation, "vacate" if data.replaces_id else "staff")
    expect_version(negotiation, version)
    if data.appointed_on > today():
        raise RuleViolation("negotiation_date_in_future", field="appointed_on")
    if data.member_id is not None and not _member_covered(session, negotiation, data.member_id):
        raise RuleViolation("not_found", field="member_id")
    if data.protection_ends_on is not None and data.side is not Side.employee:
        raise RuleViolation("negotiation_employee_only", field="protection_ends_on")
    if data.is_chief and data.is_expert:
        raise RuleViolation("negotiation_expert_chief", field="is_expert")
    current = serving(session, negotiation)
    replaced: Negotiator | None = None
    if data.replaces_id is not None:
        replaced = session.get(Negotiator, data.replaces_id)
        taken = session.exec(select(Negotiator.id).where(Negotiator.replaces_id == data.replaces_id)).first()
        if (
            replaced is None
            or replaced.negotiation_id != negotiation.id
            or replaced.left_on is None
            or replaced.side != data.side.value
            or taken is not None
        ):
            raise RuleViolation("negotiation_not_vacant", field="replaces_id")
    if data.is_chief and any(n.is_chief and n.side == data.side.value for n in current):
        raise Conflict("negotiation_chief_exists")
    chair_required = data.is_chief and data.side is Side.employee and not data.delegation_ref
    if chair_required and (
        data.member_id is None or data.member_id not in _union_chair_members(session, negotiation.org_unit_id)
    ):
        raise RuleViolation("negotiation_chief_not_chair", field="delegation_ref")
    new = Negotiator(
        negotiation_id=negotiation.id,
        side=data.side.value,
        name=data.name,
        post=data.post,
        member_id=data.member_id,
        is_chief=data.is_chief,
        is_expert=data.is_expert,
        delegation_ref=data.delegation_ref,
        protection_ends_on=data.protection_ends_on,
        appointed_on=data.appointed_on,
        replaces_id=data.replaces_id,
    )
    others = [seat(n) for n in current if n.side != data.side.value]
    mine = [seat(new)]
    pair = (mine, others) if data.side is Side.employee else (others, mine)
    if rules.on_both_sides(*pair):
        raise Conflict("negotiation_on_both_sides")
    session.add(new)
    session.flush()
    touch(negotiation)
    record(
        session,
        negotiation,
        NegotiationEventKind.negotiator_replaced if replaced else NegotiationEventKind.negotiator_added,
        negotiation.status,
        by,
        {
            "negotiator_id": new.id,
            "side": new.side,
            "name": new.name,
            "chief": new.is_chief,
            "replaces_id": data.replaces_id,
        },
        on=data.appointed_on,
    )
    session.commit()
    return new


def vacate(
    session: Session,
    negotiation: Negotiation,
    negotiator_id: uuid.UUID,
    data: VacateIn,
    *,
    version: int,
    by: Principal,
) -> Negotiator:
    """A negotiator leaves (replaced, resigned, force majeure): the vacancy is to be filled within 15
    days (令22 Art 31), a task for the union and overdue after that."""
    gone = session.get(Negotiator, negotiator_id)
    if gone is None or gone.negotiation_id != negotiation.id:
        raise NotFound()
    step(session, negotiation, "vacate")
    expect_version(negotiation, version)
    if gone.left_on is not None:
        raise Conflict("negotiation_negotiator_left")
    if data.left_on > today():
        raise RuleViolation("negotiation_date_in_future", field="left_on")
    gone.left_on = data.left_on
    gone.left_reason = data.reason
    gone.replace_due_on = rules.vacancy_due(data.left_on)
    touch(negotiation)
    record(
        session,
        negotiation,
        NegotiationEventKind.negotiator_left,
        negotiation.status,
        by,
        {"negotiator_id": gone.id, "reason": data.reason, "replace_due_on": gone.replace_due_on},
        on=data.left_on,
    )
    session.commit()
    return gone
