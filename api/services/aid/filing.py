"""The steps of a household file (建档立卡), docs/rules.md §4: screening, home visit, verification,
public notice, the chair's decision, the yearly review, closing, and deletion after the retention
period. Opening, editing, reading and the filing rules themselves are in :mod:`households`.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col

from api.config import Settings
from api.db.models import AidApplication, AidHousehold, Member
from api.errors import Conflict, RuleViolation
from api.rules import aid as rules
from api.schemas.aid import (
    CloseIn,
    Decision,
    DecisionIn,
    HouseholdStatus,
    ReviewIn,
    ScreenIn,
    ScreenOutcome,
    VerifyIn,
    VisitIn,
)
from api.schemas.aid_enums import AidEventKind
from api.security.principal import Principal
from api.services import audit
from api.services.aid import common, households, notices, workflow
from api.services.concurrency import expect_version


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
        kind = AidEventKind.refused
    else:
        if household.consent_signed_on is None:
            raise RuleViolation("aid_consent_missing", field="consent_signed_on")
        households.check_exclusions(household)
        households.check_migrant(household, common.today(), settings)
        member = session.get(Member, household.member_id)
        assert member is not None
        common.active_member(member)
        household.status = HouseholdStatus.screened.value
        kind = AidEventKind.screened
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
        AidEventKind.visited,
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
    households.check_exclusions(household)
    result = households.assess(session, household, on, settings, require_hardship=False)
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
        kind = AidEventKind.rejected
    else:
        household.status = HouseholdStatus.verified.value
        kind = AidEventKind.verified
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
        AidEventKind.notice_started,
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
        households.check_exclusions(household)
        now = common.today()
        household.status = HouseholdStatus.filed.value
        household.filed_on = now
        household.review_due_on = rules.add_months(now, settings.aid_review_months)
        kind = AidEventKind.filed
    else:
        household.status = HouseholdStatus.rejected.value
        household.decision_reason = data.reason
        kind = AidEventKind.rejected
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
    """The yearly review (docs/rules.md §4: at least yearly): new figures if they changed, reassessment
    on the review date, next review due a cycle later. A household out of hardship is then closed."""
    common.require_unit(session, household.org_unit_id, by, "aid.file")
    workflow.household_step(household, "review")
    expect_version(household, version)
    on = data.reviewed_on or common.today()
    households.apply_figures(household, data.people, data.expenses)
    if data.accident_costs_fen is not None:
        household.accident_costs_fen = data.accident_costs_fen
    result = households.assess(session, household, on, settings, require_hardship=False)
    household.review_due_on = rules.add_months(on, settings.aid_review_months)
    common.touch(household)
    common.record(
        session,
        "household",
        household,
        AidEventKind.reviewed,
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
        AidEventKind.closed,
        before,
        by,
        {"reason": data.reason, "retain_until": household.retain_until},
    )
    session.commit()
    return household


def delete(session: Session, household: AidHousehold, *, version: int, by: Principal) -> None:
    """Delete a closed file once its retention period has passed (docs/rules.md §4: keep 10 years)."""
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
