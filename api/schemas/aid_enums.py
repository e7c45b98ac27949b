"""Hardship aid closed sets: the StrEnums of household files, applications, programmes and objections
(docs/rules.md §4), shared by the aid schema modules and re-exported by :mod:`api.schemas.aid`."""

from __future__ import annotations

from enum import StrEnum


class HouseholdStatus(StrEnum):
    """applied -> screened -> visited -> verified -> in_notice -> filed -> closed; or rejected
    (docs/rules.md §4, File steps)."""

    applied = "applied"
    screened = "screened"
    visited = "visited"
    verified = "verified"
    in_notice = "in_notice"
    filed = "filed"
    rejected = "rejected"
    closed = "closed"


class Category(StrEnum):
    deep = "deep"  # 深度困难: below 1x 低保
    relative = "relative"  # 相对困难: below 2x 低保
    accident = "accident"  # 意外致困: costs above 80% of annual income
    none = "none"  # no filed hardship


class Exclusion(StrEnum):
    """Circumstances that refuse filing (docs/rules.md §4, Exclusions)."""

    two_or_more_homes = "two_or_more_homes"
    business_employing_others = "business_employing_others"
    high_fee_or_overseas_schooling = "high_fee_or_overseas_schooling"
    private_car = "private_car"


class Cause(StrEnum):
    illness = "illness"
    disability = "disability"
    schooling = "schooling"
    accident = "accident"
    unemployment = "unemployment"
    disaster = "disaster"
    low_income = "low_income"
    other = "other"


class ExpenseKind(StrEnum):
    medical = "medical"
    schooling = "schooling"
    disability = "disability"


class ScreenOutcome(StrEnum):
    passed = "pass"
    refused = "refuse"


class Decision(StrEnum):
    approve = "approve"
    reject = "reject"


class ApplicationStatus(StrEnum):
    """submitted -> screened -> in_notice (where required) -> approved | rejected -> paid | cancelled."""

    submitted = "submitted"
    screened = "screened"
    in_notice = "in_notice"
    approved = "approved"
    rejected = "rejected"
    paid = "paid"
    cancelled = "cancelled"


class ProgrammeKind(StrEnum):
    relief_season = "relief_season"  # 换季救助
    relief_winter = "relief_winter"  # 越冬救助
    relief_spring = "relief_spring"  # 春节救助
    relief_daily = "relief_daily"  # 日常救助
    relief_special = "relief_special"  # 特殊救助
    send_warmth = "send_warmth"  # 送温暖
    education = "education"  # 金秋助学
    medical_mutual = "medical_mutual"  # 医疗互助
    women_insurance = "women_insurance"  # 女职工安康保险


class SchoolLevel(StrEnum):
    university = "university"
    senior_high = "senior_high"


class ObjectionStatus(StrEnum):
    open = "open"
    upheld = "upheld"
    dismissed = "dismissed"


class BatchStatus(StrEnum):
    """A payout batch: open (applications being added) or paid (the bank file was paid)."""

    open = "open"
    paid = "paid"


class AidEventKind(StrEnum):
    """What a household-file or application timeline entry records (``aid_event.kind``)."""

    applied = "applied"
    submitted = "submitted"
    edited = "edited"
    adjusted = "adjusted"
    screened = "screened"
    refused = "refused"
    visited = "visited"
    verified = "verified"
    notice_started = "notice_started"
    notice_ended = "notice_ended"
    objection_dismissed = "objection_dismissed"
    filed = "filed"
    approved = "approved"
    rejected = "rejected"
    reviewed = "reviewed"
    batched = "batched"
    paid = "paid"
    cancelled = "cancelled"
    closed = "closed"
    imported = "imported"


class AidImportErrorKind(StrEnum):
    """Why a row of a household import failed (machine code; the row error's ``message`` says it)."""

    missing = "missing"
    bad_number = "bad_number"
    bad_amount = "bad_amount"
    bad_date = "bad_date"
    bad_flag = "bad_flag"
    bad_value = "bad_value"
    bad_account = "bad_account"
    unknown_column_value = "unknown_column_value"
    member_not_found = "member_not_found"
    name_mismatch = "name_mismatch"
    account_not_own_name = "account_not_own_name"
    household_exists = "household_exists"
    duplicate_in_file = "duplicate_in_file"
    excluded = "excluded"
    migrant_labour_too_short = "migrant_labour_too_short"
    no_dibao_standard = "no_dibao_standard"
    not_in_hardship = "not_in_hardship"
