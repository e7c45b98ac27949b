"""Household files (建档立卡), domain.md §4: application -> screening -> home visit -> verification
-> public notice -> approved and filed; yearly review, adjustment, closing, and deletion only after the
retention period. Every step is audited and on the file's timeline, committed once.

Rules, with their sources (all [L], configurable where they are values): per-capita monthly income =
(annual disposable income - rigid expenses) / 12 / household size against the 低保 in force on the
assessment date; deep hardship below 1x, relative below 2x, accident-caused when costs exceed 80% of
the annual income; exclusions (two or more homes, a business employing others, high-fee private or
self-funded overseas schooling, a private car) refuse filing; migrant workers need membership and at
least 1 year of labour relationship; the bank account is in the worker's own name; closed files are
kept 10 years.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from api.config import Settings
from api.db.models import AidApplication, AidEvent, AidHousehold, Member
from api.errors import Conflict, NotFound, RuleViolation
from api.i18n import register
from api.rules import aid as rules
from api.schemas.aid import (
    Category,
    CloseIn,
    Decision,
    DecisionIn,
    EventOut,
    HouseholdCreate,
    HouseholdOut,
    HouseholdStatus,
    HouseholdUpdate,
    ReviewIn,
    ScreenIn,
    ScreenOutcome,
    VerifyIn,
    VisitIn,
)
from api.security.pii import PiiVault
from api.security.principal import Principal
from api.services import audit
from api.services.aid import calendar, common, notices, workflow
from api.services.aid.visibility import household_clause
from api.services.concurrency import expect_version
from api.services.pagination import keyset
from api.services.scope import in_scope

register(
    {
        "aid_household_exists": (
            "This member already has an open household file.",
            "该会员已有在办或在档的困难职工档案。",
        ),
        "aid_account_not_own_name": (
            "The bank account must be in the worker's own name ({expected}).",
            "银行账户须为职工本人名下（{expected}）。",
        ),
        "aid_excluded": (
            "Filing is refused: {exclusions} (domain rule: exclusions of hardship filing).",
            "不予建档：存在 {exclusions}（困难职工认定排除情形）。",
        ),
        "aid_consent_missing": (
            "The signed consent to income checks is missing.",
            "缺少经本人签字的家庭收入核查授权书。",
        ),
        "aid_migrant_labour_too_short": (
            "A migrant worker needs at least {years} year(s) of labour relationship (since {since}).",
            "农民工须建立劳动关系满 {years} 年（自 {since} 起）。",
        ),
        "aid_not_in_hardship": (
            "Per-capita monthly income {per_capita_fen} fen is not below {multiple}x the 低保 "
            "({dibao_fen} fen) and no accident-caused hardship applies.",
            "家庭月人均收入 {per_capita_fen} 分，不低于低保标准（{dibao_fen} 分）的 {multiple} 倍，"
            "亦不属于意外致困。",
        ),
        "aid_retention_period": (
            "Closed files are kept until {retain_until}; this one cannot be deleted before.",
            "已销档的档案须保存至 {retain_until}，此前不能删除。",
        ),
    }
)

EDITABLE = ("region_code", "causes", "exclusions", "is_migrant", "labour_relation_since", "bank_name")


def _vault(settings: Settings) -> PiiVault:
    return PiiVault.from_settings(settings)


def mask_account(account: str) -> str:
    """6222 **** **** 1234 style: the first 4 and the last 4 digits."""
    return account[:4] + "*" * max(len(account) - 8, 4) + account[-4:]


# --- reading ------------------------------------------------------------------------------------


def get_visible(session: Session, household_id: uuid.UUID, principal: Principal) -> AidHousehold:
    household = session.exec(
        select(AidHousehold).where(AidHousehold.id == household_id, household_clause(principal))
    ).first()
    if household is None:
        raise NotFound()
    return household


def own(session: Session, principal: Principal) -> list[AidHousehold]:
    """The caller's own files (a member), newest first."""
    member_id = common.member_of(principal)
    return list(
        session.exec(
            select(AidHousehold)
            .where(AidHousehold.member_id == member_id)
            .order_by(col(AidHousehold.id).desc())
        ).all()
    )


def list_households(
    session: Session,
    principal: Principal,
    *,
    limit: int,
    cursor: str | None,
    status: HouseholdStatus | None = None,
    category: Category | None = None,
    member_id: uuid.UUID | None = None,
    review_overdue: bool | None = None,
) -> tuple[list[AidHousehold], str | None]:
    stmt = select(AidHousehold).where(household_clause(principal))
    if status is not None:
        stmt = stmt.where(AidHousehold.status == status.value)
    if category is not None:
        stmt = stmt.where(AidHousehold.category == category.value)
    if member_id is not None:
        stmt = stmt.where(AidHousehold.member_id == member_id)
    if review_overdue is not None:
        overdue = overdue_clause()
        stmt = stmt.where(overdue if review_overdue else sa.not_(overdue))
    return keyset(session, stmt, keys=[common.column(AidHousehold.id)], limit=limit, cursor=cursor)


def overdue_clause() -> sa.ColumnElement[bool]:
    return sa.and_(
        col(AidHousehold.status) == HouseholdStatus.filed.value,
        col(AidHousehold.review_due_on) < common.today(),
    )


def present(session: Session, households: list[AidHousehold]) -> list[HouseholdOut]:
    """Files with the member's name: one query for any number of files."""
    if not households:
        return []
    names = dict(
        session.execute(
            select(Member.id, Member.name).where(col(Member.id).in_({h.member_id for h in households}))
        ).all()
    )
    now = common.today()
    out = []
    for h in households:
        data = h.model_dump(exclude={"bank_account_cipher"})
        data.update(
            member_name=names.get(h.member_id, ""),
            review_overdue=h.status == HouseholdStatus.filed.value
            and h.review_due_on is not None
            and h.review_due_on < now,
        )
        out.append(HouseholdOut.model_validate(data))
    return out


def timeline(session: Session, subject_id: uuid.UUID) -> list[EventOut]:
    events = session.exec(
        select(AidEvent)
        .where(AidEvent.subject_id == subject_id)
        .order_by(col(AidEvent.created_at), col(AidEvent.id))
    ).all()
    return [EventOut.model_validate(e) for e in events]


# --- opening and editing ------------------------------------------------------------------------


def _member_in_scope(session: Session, member_id: uuid.UUID, by: Principal) -> Member:
    member = session.exec(
        select(Member).where(
            Member.id == member_id, in_scope(common.column(Member.org_unit_id), by.units_for("aid.file"))
        )
    ).first()
    if member is None:
        raise RuleViolation("aid_member_not_found", field="member_id")
    return member


def _own_name(member: Member, holder: str) -> None:
    """The aid is paid by real-name transfer to the worker's own account (domain.md §4)."""
    if holder.strip() != member.name.strip():
        raise RuleViolation("aid_account_not_own_name", field="account_holder", expected=member.name)


def _apply_figures(household: AidHousehold, people: list[Any] | None, expenses: list[Any] | None) -> None:
    if people is not None:
        household.people = [p.model_dump(mode="json") for p in people]
        household.household_size = len(people)
        household.annual_income_fen = sum(p.annual_income_fen for p in people)
    if expenses is not None:
        household.expenses = [e.model_dump(mode="json") for e in expenses]
        household.rigid_expenses_fen = sum(e.annual_fen for e in expenses)


def create(session: Session, data: HouseholdCreate, *, settings: Settings, by: Principal) -> AidHousehold:
    """An officer records a member's application for a household file (one open file per member)."""
    member = _member_in_scope(session, data.member_id, by)
    common.active_member(member)
    _own_name(member, data.account_holder)
    existing = session.exec(
        select(AidHousehold.id).where(
            AidHousehold.member_id == member.id,
            col(AidHousehold.status).in_(workflow.values(workflow.OPEN_HOUSEHOLD)),
        )
    ).first()
    if existing is not None:
        raise Conflict("aid_household_exists", household_id=existing)
    household = AidHousehold(
        member_id=member.id,
        org_unit_id=member.org_unit_id,
        region_code=data.region_code,
        household_size=0,
        annual_income_fen=0,
        rigid_expenses_fen=0,
        accident_costs_fen=data.accident_costs_fen,
        causes=[c.value for c in data.causes],
        exclusions=[e.value for e in data.exclusions],
        is_migrant=data.is_migrant,
        labour_relation_since=data.labour_relation_since,
        bank_name=data.bank_name,
        bank_account_cipher=_vault(settings).encrypt(data.bank_account),
        bank_account_masked=mask_account(data.bank_account),
        consent_signed_on=data.consent_signed_on,
        applicant_id=by.user_id,
    )
    _apply_figures(household, data.people, data.expenses)
    session.add(household)
    session.flush()
    common.record(session, "household", household, "applied", None, by, {"member_id": member.id})
    session.commit()
    return household


def update(
    session: Session,
    household: AidHousehold,
    data: HouseholdUpdate,
    *,
    version: int,
    settings: Settings,
    by: Principal,
) -> AidHousehold:
    """Correct a file before verification, or adjust a filed one when circumstances change: a filed
    file is reassessed at once with the 低保 in force today (domain.md §4: adjust on change)."""
    common.require_unit(session, household.org_unit_id, by, "aid.file")
    workflow.household_step(household, "edit")
    expect_version(household, version)
    fields = data.model_dump(exclude_unset=True)
    if "account_holder" in fields or "bank_account" in fields:
        if not (data.account_holder and data.bank_account):
            raise RuleViolation("validation_failed", field="account_holder", count=1)
        member = session.get(Member, household.member_id)
        assert member is not None
        _own_name(member, data.account_holder)
        household.bank_account_cipher = _vault(settings).encrypt(data.bank_account)
        household.bank_account_masked = mask_account(data.bank_account)
    before = audit.snapshot(
        household, (*EDITABLE, "annual_income_fen", "rigid_expenses_fen", "household_size")
    )
    for key in (*EDITABLE, "accident_costs_fen", "consent_signed_on"):
        if key in fields:
            value = fields[key]
            if value is None and key not in ("labour_relation_since", "consent_signed_on"):
                raise RuleViolation("validation_failed", field=key, count=1)
            setattr(
                household,
                key,
                [v.value if hasattr(v, "value") else v for v in value] if isinstance(value, list) else value,
            )
    _apply_figures(household, data.people, data.expenses)
    kind = "edited"
    details: dict[str, Any] = audit.diff(before, audit.snapshot(household, before.keys()))
    if household.status == HouseholdStatus.filed.value:
        _check_exclusions(household)
        _check_migrant(household, common.today(), settings)
        _assess(session, household, common.today(), settings, require_hardship=True)
        kind = "adjusted"
        details["category"] = household.category
    common.touch(household)
    common.record(session, "household", household, kind, household.status, by, details)
    session.commit()
    return household


# --- the rules ----------------------------------------------------------------------------------


def _check_exclusions(household: AidHousehold) -> None:
    """Exclusions refuse filing (domain.md §4 Exclusions)."""
    if household.exclusions:
        raise RuleViolation("aid_excluded", field="exclusions", exclusions=", ".join(household.exclusions))


def _check_migrant(household: AidHousehold, on: date, settings: Settings) -> None:
    """Migrant workers: union member and >= 1 year of labour relationship (domain.md §4)."""
    if not household.is_migrant:
        return
    years = settings.aid_migrant_min_labour_years
    since = household.labour_relation_since
    if since is None or rules.add_years(since, years) > on:
        raise RuleViolation(
            "aid_migrant_labour_too_short", field="labour_relation_since", years=years, since=since
        )


def _assess(
    session: Session, household: AidHousehold, on: date, settings: Settings, *, require_hardship: bool
) -> rules.Assessment:
    dibao = calendar.dibao_in_force(session, household.region_code, on)
    result = rules.assess(
        annual_income_fen=household.annual_income_fen,
        rigid_expenses_fen=household.rigid_expenses_fen,
        household_size=household.household_size,
        accident_costs_fen=household.accident_costs_fen,
        dibao_monthly_fen=dibao.monthly_fen,
        thresholds=common.thresholds(settings),
    )
    if require_hardship and result.category is rules.HardshipCategory.none:
        raise RuleViolation(
            "aid_not_in_hardship",
            per_capita_fen=result.per_capita_monthly_fen,
            dibao_fen=dibao.monthly_fen,
            multiple=str(settings.aid_relative_multiple),
        )
    household.assessed_on = on
    household.dibao_monthly_fen = dibao.monthly_fen
    household.per_capita_monthly_fen = result.per_capita_monthly_fen
    household.category = result.category.value
    return result


# --- the steps ----------------------------------------------------------------------------------


def screen(
    session: Session,
    household: AidHousehold,
    data: ScreenIn,
    *,
    version: int,
    settings: Settings,
    by: Principal,
) -> AidHousehold:
    """Grassroots screening by an officer other than the one who recorded the application: consent
    signed, no exclusion, the migrant-worker condition; or a refusal with reasons."""
    common.require_unit(session, household.org_unit_id, by, "aid.file")
    workflow.household_step(household, "screen")
    expect_version(household, version)
    common.not_own_case(by, household.member_id)
    common.distinct_from(by, "screen", applicant=household.applicant_id)
    before = household.status
    if data.outcome is ScreenOutcome.refused:
        household.status = HouseholdStatus.rejected.value
        household.decision_reason = data.reason
        kind = "refused"
    else:
        if household.consent_signed_on is None:
            raise RuleViolation("aid_consent_missing", field="consent_signed_on")
        _check_exclusions(household)
        _check_migrant(household, common.today(), settings)
        member = session.get(Member, household.member_id)
        assert member is not None
        common.active_member(member)
        household.status = HouseholdStatus.screened.value
        kind = "screened"
    household.screened_by_id = by.user_id
    common.touch(household)
    common.record(
        session, "household", household, kind, before, by, {"reason": data.reason} if data.reason else None
    )
    session.commit()
    return household


def visit(
    session: Session, household: AidHousehold, data: VisitIn, *, version: int, by: Principal
) -> AidHousehold:
    """Record the home visit: who, when, what they found."""
    common.require_unit(session, household.org_unit_id, by, "aid.file")
    workflow.household_step(household, "visit")
    expect_version(household, version)
    before = household.status
    household.visited_on, household.visitors, household.visit_findings = (
        data.visited_on,
        data.visitors,
        data.findings,
    )
    household.status = HouseholdStatus.visited.value
    common.touch(household)
    common.record(
        session,
        "household",
        household,
        "visited",
        before,
        by,
        {"visited_on": data.visited_on, "visitors": data.visitors},
    )
    session.commit()
    return household


def verify(
    session: Session,
    household: AidHousehold,
    data: VerifyIn,
    *,
    version: int,
    settings: Settings,
    by: Principal,
) -> AidHousehold:
    """Verification computes the per-capita income against the 低保 in force on the assessment date
    and the category. A household not in hardship by the formula is rejected, with the figures."""
    common.require_unit(session, household.org_unit_id, by, "aid.file")
    workflow.household_step(household, "verify")
    expect_version(household, version)
    on = data.assessed_on or common.today()
    _check_exclusions(household)
    result = _assess(session, household, on, settings, require_hardship=False)
    before = household.status
    details: dict[str, Any] = {
        "assessed_on": on,
        "dibao_monthly_fen": household.dibao_monthly_fen,
        "per_capita_monthly_fen": result.per_capita_monthly_fen,
        "category": result.category.value,
    }
    if result.category is rules.HardshipCategory.none:
        household.status = HouseholdStatus.rejected.value
        household.decision_reason = "not_in_hardship"
        kind = "rejected"
    else:
        household.status = HouseholdStatus.verified.value
        kind = "verified"
    common.touch(household)
    common.record(session, "household", household, kind, before, by, details)
    session.commit()
    return household


def start_notice(
    session: Session, household: AidHousehold, *, version: int, settings: Settings, by: Principal
) -> AidHousehold:
    """Post the public notice (masked name, unit, programme only) for the configured working days."""
    common.require_unit(session, household.org_unit_id, by, "aid.file")
    workflow.household_step(household, "notice")
    expect_version(household, version)
    member = session.get(Member, household.member_id)
    assert member is not None
    notice = notices.open_notice(
        session,
        subject_type="household",
        subject=household,
        member=member,
        programme_name=notices.HOUSEHOLD_PROGRAMME_NAME,
        amount_fen=None,
        settings=settings,
        by=by,
    )
    before = household.status
    household.notice_id = notice.id
    household.status = HouseholdStatus.in_notice.value
    common.touch(household)
    common.record(
        session,
        "household",
        household,
        "notice_started",
        before,
        by,
        {"notice_id": notice.id, "ends_on": notice.ends_on},
    )
    session.commit()
    return household


def decide(
    session: Session,
    household: AidHousehold,
    data: DecisionIn,
    *,
    version: int,
    settings: Settings,
    by: Principal,
) -> AidHousehold:
    """The chair approves and files, or rejects, after the notice has ended with no open objection;
    not the officer who recorded or screened it, not an admin, not the member themselves."""
    common.require_unit(session, household.org_unit_id, by, "aid.approve")
    workflow.household_step(household, "decide")
    expect_version(household, version)
    common.not_admin(by)
    common.not_own_case(by, household.member_id)
    common.distinct_from(by, "approve", applicant=household.applicant_id, screener=household.screened_by_id)
    notices.ensure_decidable(session, household.notice_id)
    before = household.status
    household.approved_by_id = by.user_id
    if data.decision is Decision.approve:
        _check_exclusions(household)
        now = common.today()
        household.status = HouseholdStatus.filed.value
        household.filed_on = now
        household.review_due_on = rules.add_months(now, settings.aid_review_months)
        kind = "filed"
    else:
        household.status = HouseholdStatus.rejected.value
        household.decision_reason = data.reason
        kind = "rejected"
    common.touch(household)
    common.record(
        session, "household", household, kind, before, by, {"reason": data.reason} if data.reason else None
    )
    session.commit()
    return household


def review(
    session: Session,
    household: AidHousehold,
    data: ReviewIn,
    *,
    version: int,
    settings: Settings,
    by: Principal,
) -> AidHousehold:
    """The yearly review (domain.md §4: at least yearly): new figures if they changed, reassessment
    on the review date, next review due a cycle later. A household out of hardship is then closed."""
    common.require_unit(session, household.org_unit_id, by, "aid.file")
    workflow.household_step(household, "review")
    expect_version(household, version)
    on = data.reviewed_on or common.today()
    _apply_figures(household, data.people, data.expenses)
    if data.accident_costs_fen is not None:
        household.accident_costs_fen = data.accident_costs_fen
    result = _assess(session, household, on, settings, require_hardship=False)
    household.review_due_on = rules.add_months(on, settings.aid_review_months)
    common.touch(household)
    common.record(
        session,
        "household",
        household,
        "reviewed",
        household.status,
        by,
        {
            "reviewed_on": on,
            "findings": data.findings,
            "category": result.category.value,
            "per_capita_monthly_fen": result.per_capita_monthly_fen,
            "review_due_on": household.review_due_on,
        },
    )
    session.commit()
    return household


def close(
    session: Session,
    household: AidHousehold,
    data: CloseIn,
    *,
    version: int,
    settings: Settings,
    by: Principal,
) -> AidHousehold:
    """Close a file when the household is out of hardship; it is kept 10 years (configurable)."""
    common.require_unit(session, household.org_unit_id, by, "aid.file")
    workflow.household_step(household, "close")
    expect_version(household, version)
    now = common.today()
    before = household.status
    household.status = HouseholdStatus.closed.value
    household.closed_on = now
    household.close_reason = data.reason
    household.retain_until = rules.add_years(now, settings.aid_retention_years)
    common.touch(household)
    common.record(
        session,
        "household",
        household,
        "closed",
        before,
        by,
        {"reason": data.reason, "retain_until": household.retain_until},
    )
    session.commit()
    return household


def delete(session: Session, household: AidHousehold, *, version: int, by: Principal) -> None:
    """Delete a closed file once its retention period has passed (domain.md §4: keep 10 years)."""
    common.require_unit(session, household.org_unit_id, by, "aid.file")
    workflow.household_step(household, "delete")
    expect_version(household, version)
    if household.retain_until is None or common.today() < household.retain_until:
        raise Conflict("aid_retention_period", retain_until=household.retain_until)
    session.execute(
        sa.update(AidApplication)
        .where(col(AidApplication.household_id) == household.id)
        .values(household_id=None)
    )
    audit.record(
        session,
        by,
        "aid.household.deleted",
        entity_type="aid_household",
        entity_id=household.id,
        org_unit_id=household.org_unit_id,
        changes={"closed_on": household.closed_on, "retain_until": household.retain_until},
    )
    session.delete(household)
    session.commit()


def filed_category(session: Session, member_id: uuid.UUID) -> tuple[uuid.UUID | None, str]:
    """The member's filed household and its category, or (None, "none")."""
    row = session.execute(
        select(AidHousehold.id, AidHousehold.category).where(
            AidHousehold.member_id == member_id, AidHousehold.status == HouseholdStatus.filed.value
        )
    ).first()
    if row is None or row[1] is None:
        return None, Category.none.value
    return row[0], row[1]
