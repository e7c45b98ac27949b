"""Household files (建档立卡), docs/rules.md §4: opening (one open file per member), editing before
verification and adjusting a filed file, reading, and the filing rules the steps apply (the steps
themselves are in :mod:`api.services.aid.filing`: application -> screening -> home visit ->
verification -> public notice -> approved and filed; review, close, delete after retention).

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
from api.db.models import AidEvent, AidHousehold, Member
from api.errors import Conflict, NotFound, RuleViolation
from api.i18n import _, _n, register
from api.rules import aid as rules
from api.schemas.aid import (
    Category,
    EventOut,
    HouseholdCreate,
    HouseholdOut,
    HouseholdStatus,
    HouseholdUpdate,
)
from api.schemas.aid_enums import AidEventKind
from api.security.pii import PiiVault
from api.security.principal import Principal
from api.services import audit
from api.services.aid import calendar, common, workflow
from api.services.aid.visibility import household_clause
from api.services.concurrency import expect_version
from api.services.pagination import keyset
from api.services.scope import in_scope

register(
    {
        "aid_household_exists": _("This member already has an open household file."),
        "aid_account_not_own_name": _("The bank account must be in the worker's own name ({expected})."),
        "aid_excluded": _("Filing is refused: {exclusions} (domain rule: exclusions of hardship filing)."),
        "aid_consent_missing": _("The signed consent to income checks is missing."),
        "aid_migrant_labour_too_short": _n(
            "A migrant worker needs at least {years} year of labour relationship (since {since}).",
            "A migrant worker needs at least {years} years of labour relationship (since {since}).",
            "years",
        ),
        "aid_not_in_hardship": _(
            "Per-capita monthly income {per_capita_fen} fen is not below {multiple}x the 低保 "
            "({dibao_fen} fen) and no accident-caused hardship applies."
        ),
        "aid_retention_period": _(
            "Closed files are kept until {retain_until}; this one cannot be deleted before."
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


def own(
    session: Session, principal: Principal, *, limit: int, cursor: str | None
) -> tuple[list[AidHousehold], str | None]:
    """One page of the caller's own files (a member), newest first."""
    member_id = common.member_of(principal)
    stmt = select(AidHousehold).where(AidHousehold.member_id == member_id)
    return keyset(session, stmt, keys=[col(AidHousehold.id)], limit=limit, cursor=cursor, descending=True)


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


def timeline(
    session: Session, subject_id: uuid.UUID, *, limit: int, cursor: str | None
) -> tuple[list[EventOut], str | None]:
    """One page of the steps of a file or an application, oldest first."""
    stmt = select(AidEvent).where(AidEvent.subject_id == subject_id)
    events, next_cursor = keyset(
        session, stmt, keys=[col(AidEvent.created_at), col(AidEvent.id)], limit=limit, cursor=cursor
    )
    return [EventOut.model_validate(e) for e in events], next_cursor


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
    """The aid is paid by real-name transfer to the worker's own account (docs/rules.md §4)."""
    if holder.strip() != member.name.strip():
        raise RuleViolation("aid_account_not_own_name", field="account_holder", expected=member.name)


def apply_figures(household: AidHousehold, people: list[Any] | None, expenses: list[Any] | None) -> None:
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
    apply_figures(household, data.people, data.expenses)
    session.add(household)
    session.flush()
    common.record(session, "household", household, AidEventKind.applied, None, by, {"member_id": member.id})
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
    file is reassessed at once with the 低保 in force today (docs/rules.md §4: adjust on change)."""
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
    apply_figures(household, data.people, data.expenses)
    kind = AidEventKind.edited
    details: dict[str, Any] = audit.diff(before, audit.snapshot(household, before.keys()))
    if household.status == HouseholdStatus.filed.value:
        check_exclusions(household)
        check_migrant(household, common.today(), settings)
        assess(session, household, common.today(), settings, require_hardship=True)
        kind = AidEventKind.adjusted
        details["category"] = household.category
    common.touch(household)
    common.record(session, "household", household, kind, household.status, by, details)
    session.commit()
    return household


# --- the rules ----------------------------------------------------------------------------------


def check_exclusions(household: AidHousehold) -> None:
    """Exclusions refuse filing (docs/rules.md §4 Exclusions)."""
    if household.exclusions:
        raise RuleViolation("aid_excluded", field="exclusions", exclusions=list(household.exclusions))


def check_migrant(household: AidHousehold, on: date, settings: Settings) -> None:
    """Migrant workers: union member and >= 1 year of labour relationship (docs/rules.md §4)."""
    if not household.is_migrant:
        return
    years = settings.aid_migrant_min_labour_years
    since = household.labour_relation_since
    if since is None or rules.add_years(since, years) > on:
        raise RuleViolation(
            "aid_migrant_labour_too_short", field="labour_relation_since", years=years, since=since
        )


def assess(
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
