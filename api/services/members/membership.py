"""The membership rules of docs/rules.md §1 applied around one lifecycle step (records, imports and
transfers all go through ``members.writing.record_event``, which calls :func:`before_step` and
:func:`after_step`).

Owns: the separation of duties on applications (nobody approves an application they recorded), the
deemed-withdrawal test over owed months, dues and participation (章程 Art 6), whether re-joining is
allowed [L], and the membership card (会员证): issued on approval, recalled on withdrawal or expulsion,
kept by retired members (章程 Art 2, 6-8).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from api.db.models import DuesPayment, Member, MemberEvent, ParticipationAttendee
from api.errors import Forbidden, RuleViolation
from api.i18n import _, register
from api.rules.lapse import LAPSE_MONTHS, LapseMonth, lapsed_run
from api.schemas.members import LifecycleIn, MemberCreate
from api.security.principal import Principal
from api.services import membership_policy
from api.services.member_core import DUES_PAYING, LifecycleAction, MemberStatus

register(
    {
        "member_approver_recorded_application": _(
            "You recorded this application; another officer of the committee must approve it."
        ),
        "member_not_lapsed": _(
            "Deemed withdrawal needs {required} consecutive months in which dues were owed with neither "
            "dues nor participation (章程 Art 6); counted {counted} before {month} ({why})."
        ),
        "member_application_channel_required": _(
            "An application records how it was made: written, oral or online (章程 Art 2)."
        ),
        "member_applied_after_join": _("The application date is after the join date."),
        "member_expulsion_needs_case": _(
            "Expulsion is proposed by the union group and decided by the committee: use "
            "/member-expulsions (章程 Art 7)."
        ),
        "member_rejoin_not_allowed": _(
            "This union does not take back withdrawn members (GONGHUI_MEMBER_REJOIN_ALLOWED)."
        ),
    }
)

#: the card goes back on these steps (章程 Art 6-7: withdrawal, deemed withdrawal, expulsion)
CARD_RECALLED_ON = frozenset(
    {LifecycleAction.withdraw, LifecycleAction.deem_withdrawn, LifecycleAction.expel}
)


def _month(day: date, offset: int) -> date:
    index = day.year * 12 + day.month - 1 + offset
    return date(index // 12, index % 12 + 1, 1)


def _month_end(first: date) -> date:
    return date.fromordinal(_month(first, 1).toordinal() - 1)


def _status_at(events: list[MemberEvent], current: str, day: date) -> str | None:
    last = None
    for event in events:
        if event.effective_on > day:
            break
        last = event
    if last is not None:
        return last.to_status
    return events[0].from_status if events else current


def check_lapsed(session: Session, member: Member, effective_on: date) -> None:
    """章程 Art 6: deemed withdrawn only after 6 consecutive months, before the month of
    ``effective_on``, in which dues were owed and the member neither paid nor took part in a recorded
    activity (api.rules.lapse). Three queries: events, payments, participation."""
    first = _month(effective_on, -LAPSE_MONTHS)
    end = _month(effective_on, 0)
    events = list(
        session.exec(
            select(MemberEvent)
            .where(col(MemberEvent.member_id) == member.id)
            .order_by(col(MemberEvent.effective_on), col(MemberEvent.created_at), col(MemberEvent.id))
        )
    )
    paid = set(
        session.exec(
            select(col(DuesPayment.period)).where(
                col(DuesPayment.member_id) == member.id,
                col(DuesPayment.period) >= first,
                col(DuesPayment.period) < end,
            )
        )
    )
    present = {
        d.replace(day=1)
        for d in session.exec(
            select(col(ParticipationAttendee.held_on)).where(
                col(ParticipationAttendee.member_id) == member.id,
                col(ParticipationAttendee.held_on) >= first,
                col(ParticipationAttendee.held_on) < end,
            )
        )
    }
    paying = {s.value for s in DUES_PAYING}
    months = []
    for back in range(1, LAPSE_MONTHS + 1):
        month = _month(effective_on, -back)
        last_day = _month_end(month)
        joined = member.join_date is not None and member.join_date <= last_day
        owed = joined and _status_at(events, member.status, last_day) in paying
        months.append(LapseMonth(month, owed, month in paid, month in present))
    counted, stop = lapsed_run(months)
    if counted < LAPSE_MONTHS:
        assert stop is not None
        why = "dues paid" if stop.paid else "participated" if stop.participated else "no dues owed"
        raise RuleViolation(
            "member_not_lapsed",
            field="action",
            required=LAPSE_MONTHS,
            counted=counted,
            month=f"{_month(stop.first, 1):%Y-%m}",
            why=why,
        )


def _recorded_application(session: Session, member: Member) -> MemberEvent | None:
    """The event that recorded the member's current application (created as applicant, or re-joined)."""
    return session.exec(
        select(MemberEvent)
        .where(
            col(MemberEvent.member_id) == member.id,
            col(MemberEvent.to_status) == MemberStatus.applied.value,
        )
        .order_by(sa.desc(col(MemberEvent.created_at)), sa.desc(col(MemberEvent.id)))
        .limit(1)
    ).first()


def before_step(
    session: Session, member: Member, action: LifecycleAction, effective_on: date, by: Principal | None
) -> None:
    """The rules checked before a step is applied (the state machine itself is checked by the caller)."""
    if action is LifecycleAction.approve and by is not None:
        recorded = _recorded_application(session, member)
        if recorded is not None and recorded.actor_id is not None and recorded.actor_id == by.user_id:
            # separation of duties: nobody approves what they recorded (docs/rules.md §0)
            raise Forbidden("member_approver_recorded_application")
    if action is LifecycleAction.deem_withdrawn:
        check_lapsed(session, member, effective_on)
    if action is LifecycleAction.rejoin and not membership_policy.current().rejoin_allowed:
        raise RuleViolation("member_rejoin_not_allowed", field="action")


def after_step(member: Member, action: LifecycleAction, effective_on: date) -> None:
    """The membership card follows the step: issued on approval (章程 Art 2), recalled on withdrawal,
    deemed withdrawal or expulsion (章程 Art 6-7); retained members keep theirs (章程 Art 8)."""
    if action is LifecycleAction.approve:
        issue_card(member, effective_on)
    elif action in CARD_RECALLED_ON and member.card_status == "issued":
        member.card_status = "recalled"
        member.card_recalled_on = effective_on


def application_of(data: MemberCreate, status: MemberStatus) -> dict[str, Any]:
    """Application date and channel of a new record (章程 Art 2: an oral or written application).

    An applicant's date defaults to today and the channel is required; a member registered as already
    active may carry them (history), the application not after the join date.
    """
    applied_on = data.applied_on
    if applied_on is not None and applied_on > date.today():
        raise RuleViolation("member_date_in_future", field="applied_on", value=applied_on.isoformat())
    channel = data.application_channel.value if data.application_channel else None
    if status is MemberStatus.applied:
        if channel is None:
            raise RuleViolation("member_application_channel_required", field="application_channel")
        applied_on = applied_on or date.today()
    elif applied_on is not None and data.join_date is not None and applied_on > data.join_date:
        raise RuleViolation("member_applied_after_join", field="applied_on")
    return {"applied_on": applied_on, "application_channel": channel}


def check_direct_step(member: Member, data: LifecycleIn, effective_on: date) -> None:
    """Rules of POST /members/{id}/lifecycle beyond the state machine: expulsion has its own two-step
    case (章程 Art 7); re-joining is a new application with its channel (章程 Art 2)."""
    if data.action.value == LifecycleAction.expel.value:
        raise RuleViolation("member_expulsion_needs_case", field="action")
    if data.action.value == LifecycleAction.rejoin.value:
        if data.application_channel is None:
            raise RuleViolation("member_application_channel_required", field="application_channel")
        member.applied_on = effective_on
        member.application_channel = data.application_channel.value


def issue_card(member: Member, on: date) -> None:
    """The card carries the member number (one membership for life: 会籍办法 Art 3, 一次入会)."""
    member.card_no = member.member_no
    member.card_status = "issued"
    member.card_issued_on = on
    member.card_recalled_on = None
