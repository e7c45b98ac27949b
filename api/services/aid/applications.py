"""Applications for a programme's grant (docs/rules.md §4 Application lifecycle): submitted (by an
officer for a member, or by a member for themselves) -> screened -> in notice (where the programme
requires it) -> approved | rejected -> paid | cancelled. Payment is api/services/aid/payouts.py.

Refusals name the rule (its code): outside the programme's period, a category it does not serve,
above its cap or the member's yearly cap, a second grant of a fixed-amount programme in a year, a
second 金秋助学 grant for one student in a year across programmes. Separation of duties: applicant,
screener, approver (chair) and payer (treasurer) are four different people; admin approves nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlmodel import Session, col, func, select

from api.config import Settings
from api.db.models import AidApplication, AidProgramme, Member
from api.errors import Conflict, NotFound, RuleViolation
from api.i18n import _, register
from api.rules.resident_id import parse_resident_id
from api.schemas.aid import (
    ApplicationCreate,
    ApplicationOut,
    ApplicationStatus,
    CancelIn,
    Decision,
    DecisionIn,
    ProgrammeKind,
    SchoolLevel,
    ScreenIn,
    ScreenOutcome,
)
from api.schemas.aid_enums import AidEventKind
from api.security.pii import PiiVault
from api.security.principal import Principal
from api.services.aid import common, households, notices, workflow
from api.services.aid.visibility import application_clause, programme_clause
from api.services.concurrency import expect_version
from api.services.pagination import keyset
from api.services.scope import in_scope

register(
    {
        "aid_programme_not_found": _("No such programme open to this member."),
        "aid_programme_inactive": _("The programme {programme} is not active."),
        "aid_outside_period": _(
            "Rule programme.period: {programme} takes applications from {starts_on} to {ends_on}."
        ),
        "aid_category_not_eligible": _(
            "Rule programme.eligible_categories: {programme} serves {eligible}; this member is {category}."
        ),
        "aid_over_cap": _("Rule programme.cap: {programme} grants at most {cap_fen} fen per application."),
        "aid_amount_not_standard": _(
            "Rule programme.standard: {programme} grants exactly {standard_fen} fen."
        ),
        "aid_yearly_cap_exceeded": _(
            "Rule programme.yearly_cap: {programme} grants a member at most {cap_fen} fen a year; "
            "{used_fen} fen are already granted or pending."
        ),
        "aid_duplicate_application": _(
            "Rule no_double_aid: the member already has a grant of {programme} this year."
        ),
        "aid_student_already_granted": _(
            "Rule one_grant_per_student: this student already has a study grant in {year}."
        ),
        "aid_student_required": _(
            "An education grant needs the student's name, resident ID and school level."
        ),
        "aid_student_id_invalid": _("The student's resident ID is not valid."),
    }
)


# --- reading ------------------------------------------------------------------------------------


def get_visible(session: Session, application_id: uuid.UUID, principal: Principal) -> AidApplication:
    application = session.exec(
        select(AidApplication).where(AidApplication.id == application_id, application_clause(principal))
    ).first()
    if application is None:
        raise NotFound()
    return application


def list_applications(
    session: Session,
    principal: Principal,
    *,
    limit: int,
    cursor: str | None,
    status: ApplicationStatus | None = None,
    programme_id: uuid.UUID | None = None,
    member_id: uuid.UUID | None = None,
    own: bool = False,
) -> tuple[list[AidApplication], str | None]:
    if own:
        stmt = select(AidApplication).where(AidApplication.member_id == common.member_of(principal))
    else:
        stmt = select(AidApplication).where(application_clause(principal))
    if status is not None:
        stmt = stmt.where(AidApplication.status == status.value)
    if programme_id is not None:
        stmt = stmt.where(AidApplication.programme_id == programme_id)
    if member_id is not None:
        stmt = stmt.where(AidApplication.member_id == member_id)
    return keyset(session, stmt, keys=[common.column(AidApplication.id)], limit=limit, cursor=cursor)


def present(session: Session, applications: Sequence[AidApplication]) -> list[ApplicationOut]:
    """Applications with programme and member names: two queries for any number."""
    if not applications:
        return []
    programmes = dict(
        session.execute(
            select(AidProgramme.id, AidProgramme.name).where(
                col(AidProgramme.id).in_({a.programme_id for a in applications})
            )
        ).all()
    )
    names = dict(
        session.execute(
            select(Member.id, Member.name).where(col(Member.id).in_({a.member_id for a in applications}))
        ).all()
    )
    out = []
    for a in applications:
        data = a.model_dump(exclude={"student_hmac"})
        data.update(programme_name=programmes.get(a.programme_id, ""), member_name=names.get(a.member_id, ""))
        out.append(ApplicationOut.model_validate(data))
    return out


# --- submission ---------------------------------------------------------------------------------


def _used(session: Session, member_id: uuid.UUID, programme_id: uuid.UUID, year: int) -> tuple[int, int]:
    """(count, amount) of the member's live applications of a programme in a year."""
    count, total = session.execute(
        select(func.count(), func.coalesce(func.sum(AidApplication.amount_fen), 0)).where(
            AidApplication.member_id == member_id,
            AidApplication.programme_id == programme_id,
            AidApplication.year == year,
            col(AidApplication.status).in_(workflow.values(workflow.LIVE_APPLICATION)),
        )
    ).one()
    return int(count), int(total)


def submit(
    session: Session, data: ApplicationCreate, *, settings: Settings, by: Principal, for_self: bool
) -> AidApplication:
    """Check the programme's rules and record the application (docs/rules.md §4 Programmes)."""
    if for_self:
        member_id = common.member_of(by)
        if data.member_id is not None and data.member_id != member_id:
            raise RuleViolation("aid_member_not_found", field="member_id")
        member = session.get(Member, member_id)
    else:
        if data.member_id is None:
            raise RuleViolation("aid_member_not_found", field="member_id")
        member = session.exec(
            select(Member).where(
                Member.id == data.member_id,
                in_scope(common.column(Member.org_unit_id), by.units_for("aid.file")),
            )
        ).first()
    if member is None:
        raise RuleViolation("aid_member_not_found", field="member_id")
    common.active_member(member)
    programme = session.exec(
        select(AidProgramme).where(AidProgramme.id == data.programme_id, programme_clause(by))
    ).first()
    if programme is None:
        raise RuleViolation("aid_programme_not_found", field="programme_id")
    name = programme.name
    if not programme.is_active:
        raise RuleViolation("aid_programme_inactive", field="programme_id", programme=name)
    now = common.today()
    if not programme.starts_on <= now <= programme.ends_on:
        raise RuleViolation(
            "aid_outside_period",
            field="programme_id",
            programme=name,
            starts_on=programme.starts_on,
            ends_on=programme.ends_on,
        )
    household_id, category = households.filed_category(session, member.id)
    if category not in programme.eligible_categories:
        raise RuleViolation(
            "aid_category_not_eligible",
            field="programme_id",
            programme=name,
            eligible=list(programme.eligible_categories),
            category=category,
        )
    year = now.year
    student_hmac = None
    if programme.kind == ProgrammeKind.education.value:
        amount, student_hmac = _education(session, programme, data, category, year, settings)
    else:
        amount = _amount(programme, data)
    count, used = _used(session, member.id, programme.id, year)
    if programme.standard_fen is not None and count:
        raise Conflict("aid_duplicate_application", programme=name)
    if programme.yearly_cap_fen is not None and used + amount > programme.yearly_cap_fen:
        raise RuleViolation(
            "aid_yearly_cap_exceeded",
            field="amount_fen",
            programme=name,
            cap_fen=programme.yearly_cap_fen,
            used_fen=used,
        )
    application = AidApplication(
        programme_id=programme.id,
        member_id=member.id,
        org_unit_id=member.org_unit_id,
        household_id=household_id,
        category=category,
        year=year,
        amount_fen=amount,
        reason=data.reason,
        student_name=data.student_name,
        student_hmac=student_hmac,
        school_level=data.school_level.value if data.school_level else None,
        applicant_id=by.user_id,
    )
    session.add(application)
    session.flush()
    common.record(
        session,
        "application",
        application,
        AidEventKind.submitted,
        None,
        by,
        {"programme_id": programme.id, "amount_fen": amount, "for_self": for_self},
    )
    session.commit()
    return application


def _amount(programme: AidProgramme, data: ApplicationCreate) -> int:
    name = programme.name
    if programme.standard_fen is not None:
        if data.amount_fen is not None and data.amount_fen != programme.standard_fen:
            raise RuleViolation(
                "aid_amount_not_standard",
                field="amount_fen",
                programme=name,
                standard_fen=programme.standard_fen,
            )
        return programme.standard_fen
    if data.amount_fen is None:
        raise RuleViolation("validation_failed", field="amount_fen", count=1)
    if programme.cap_fen is not None and data.amount_fen > programme.cap_fen:
        raise RuleViolation("aid_over_cap", field="amount_fen", programme=name, cap_fen=programme.cap_fen)
    return data.amount_fen


def _education(
    session: Session,
    programme: AidProgramme,
    data: ApplicationCreate,
    category: str,
    year: int,
    settings: Settings,
) -> tuple[int, str]:
    """金秋助学: the tier amount by school level and whether the household is filed; one grant per
    student per year across programmes (docs/rules.md §4: no double aid)."""
    if not (data.student_name and data.student_national_id and data.school_level):
        raise RuleViolation("aid_student_required", field="student_national_id")
    try:
        rid = parse_resident_id(data.student_national_id, today=common.today())
    except ValueError:
        raise RuleViolation("aid_student_id_invalid", field="student_national_id") from None
    student_hmac = PiiVault.from_settings(settings).lookup_hash("aid-student:" + rid.value)
    taken = session.exec(
        select(AidApplication.id).where(
            AidApplication.student_hmac == student_hmac,
            AidApplication.year == year,
            col(AidApplication.status).in_(workflow.values(workflow.LIVE_APPLICATION)),
        )
    ).first()
    if taken is not None:
        raise Conflict("aid_student_already_granted", year=year)
    tiers = programme.tiers or {}
    tier = tiers.get(data.school_level.value) if isinstance(data.school_level, SchoolLevel) else None
    if not tier:
        raise RuleViolation("aid_student_required", field="school_level")
    amount = int(tier["filed" if category != "none" else "other"])
    if data.amount_fen is not None and data.amount_fen != amount:
        raise RuleViolation(
            "aid_amount_not_standard", field="amount_fen", programme=programme.name, standard_fen=amount
        )
    return amount, student_hmac


# --- the steps ----------------------------------------------------------------------------------


def _programme(session: Session, application: AidApplication) -> AidProgramme:
    programme = session.get(AidProgramme, application.programme_id)
    assert programme is not None  # foreign key
    return programme


def screen(
    session: Session, application: AidApplication, data: ScreenIn, *, version: int, by: Principal
) -> AidApplication:
    """An officer other than the applicant screens: passes it on, or refuses with reasons."""
    common.require_unit(session, application.org_unit_id, by, "aid.file")
    workflow.application_step(application, "screen")
    expect_version(application, version)
    common.not_own_case(by, application.member_id)
    common.distinct_from(by, "screen", applicant=application.applicant_id)
    before = application.status
    application.screened_by_id = by.user_id
    if data.outcome is ScreenOutcome.refused:
        application.status = ApplicationStatus.rejected.value
        application.decision_reason = data.reason
        kind = AidEventKind.refused
    else:
        application.status = ApplicationStatus.screened.value
        kind = AidEventKind.screened
    common.touch(application)
    common.record(
        session,
        "application",
        application,
        kind,
        before,
        by,
        {"reason": data.reason} if data.reason else None,
    )
    session.commit()
    return application


def start_notice(
    session: Session, application: AidApplication, *, version: int, settings: Settings, by: Principal
) -> AidApplication:
    """Post the notice: masked name, unit, programme and amount only."""
    common.require_unit(session, application.org_unit_id, by, "aid.file")
    workflow.application_step(application, "notice")
    expect_version(application, version)
    programme = _programme(session, application)
    member = session.get(Member, application.member_id)
    assert member is not None
    notice = notices.open_notice(
        session,
        subject_type="application",
        subject=application,
        member=member,
        programme_name=programme.name,
        amount_fen=application.amount_fen,
        settings=settings,
        by=by,
    )
    before = application.status
    application.notice_id = notice.id
    application.status = ApplicationStatus.in_notice.value
    common.touch(application)
    common.record(
        session,
        "application",
        application,
        AidEventKind.notice_started,
        before,
        by,
        {"notice_id": notice.id, "ends_on": notice.ends_on},
    )
    session.commit()
    return application


def decide(
    session: Session, application: AidApplication, data: DecisionIn, *, version: int, by: Principal
) -> AidApplication:
    """The chair approves or rejects: after the notice (where the programme requires one) has ended
    without open objections; never the applicant, the screener, an admin or the member themselves."""
    common.require_unit(session, application.org_unit_id, by, "aid.approve")
    workflow.application_step(application, "decide")
    expect_version(application, version)
    common.not_admin(by)
    common.not_own_case(by, application.member_id)
    common.distinct_from(
        by, "approve", applicant=application.applicant_id, screener=application.screened_by_id
    )
    programme = _programme(session, application)
    if (
        application.status == ApplicationStatus.screened.value
        and programme.notice_required
        and data.decision is Decision.approve
    ):
        raise Conflict(
            "aid_illegal_transition", subject="application", current=application.status, step="decide"
        )
    notices.ensure_decidable(session, application.notice_id)
    before = application.status
    application.approved_by_id = by.user_id
    if data.decision is Decision.approve:
        application.status = ApplicationStatus.approved.value
        application.approved_on = common.today()
        kind = AidEventKind.approved
    else:
        application.status = ApplicationStatus.rejected.value
        application.decision_reason = data.reason
        kind = AidEventKind.rejected
    common.touch(application)
    common.record(
        session,
        "application",
        application,
        kind,
        before,
        by,
        {"reason": data.reason} if data.reason else None,
    )
    session.commit()
    return application


def cancel(
    session: Session, application: AidApplication, data: CancelIn, *, version: int, by: Principal
) -> AidApplication:
    """Withdraw an application before payment (not once it is in a payout batch)."""
    common.require_unit(session, application.org_unit_id, by, "aid.file")
    workflow.application_step(application, "cancel")
    expect_version(application, version)
    if application.payout_batch_id is not None:
        raise Conflict("aid_in_payout_batch", batch_id=application.payout_batch_id)
    before = application.status
    application.status = ApplicationStatus.cancelled.value
    application.decision_reason = data.reason
    common.touch(application)
    common.record(
        session, "application", application, AidEventKind.cancelled, before, by, {"reason": data.reason}
    )
    session.commit()
    return application
