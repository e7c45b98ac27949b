"""Bulk import of existing household files (paper or spreadsheet 建档 records) through the member
import machinery: the same upload handling (api.services.member_imports.store_upload), the same
streaming readers (api.imports.readers with :data:`HOUSEHOLD_SPEC`), the same report of exact row
errors (row, field, kind, message — never a value from the file), a dry run, and ``on_error``
``abort`` (all or nothing) or ``skip`` (write the good rows). Everything is written in ONE
transaction with one audit event; each file is recorded as filed on its ``filed_on`` date,
reassessed with the 低保 in force that day, and gets an ``imported`` event on its timeline.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlmodel import Session, col, select

from api.config import Settings
from api.db.models import AidEvent, AidHousehold, Member, OrgUnit
from api.errors import RuleViolation
from api.i18n import _, register
from api.imports.members import parse_date
from api.imports.readers import ImportFileError, RawRow, RowSpec, iter_rows
from api.rules import aid as rules
from api.rules.dues import yuan_to_fen
from api.schemas.aid import Cause, Exclusion, HouseholdImportReport, HouseholdStatus, ImportRowError
from api.schemas.aid_enums import AidEventKind, AidImportErrorKind
from api.schemas.member_imports import ImportOnError
from api.security.pii import PiiVault
from api.security.principal import Principal
from api.services import audit
from api.services.aid import calendar, common, households, workflow
from api.services.member_imports import MAX_REPORTED_ERRORS

register(
    {"aid_import_unit_invalid": _("Household files are imported into a grassroots union in your scope.")}
)

FIELDS = (
    "employee_no",
    "name",
    "region_code",
    "household_size",
    "annual_income",
    "rigid_expenses",
    "accident_costs",
    "causes",
    "exclusions",
    "is_migrant",
    "labour_relation_since",
    "bank_name",
    "bank_account",
    "account_holder",
    "consent_signed_on",
    "visited_on",
    "visitors",
    "visit_findings",
    "filed_on",
)
REQUIRED = (
    "employee_no",
    "name",
    "region_code",
    "household_size",
    "annual_income",
    "bank_name",
    "bank_account",
    "account_holder",
    "consent_signed_on",
    "filed_on",
)
ALIASES = {
    **{f: f for f in FIELDS},
    "工号": "employee_no",
    "姓名": "name",
    "地区代码": "region_code",
    "家庭人口": "household_size",
    "家庭年收入": "annual_income",
    "家庭年收入(元)": "annual_income",
    "刚性支出": "rigid_expenses",
    "刚性支出(元)": "rigid_expenses",
    "意外支出": "accident_costs",
    "意外支出(元)": "accident_costs",
    "致困原因": "causes",
    "排除情形": "exclusions",
    "农民工": "is_migrant",
    "劳动关系起始日期": "labour_relation_since",
    "开户行": "bank_name",
    "银行账号": "bank_account",
    "户名": "account_holder",
    "授权书签署日期": "consent_signed_on",
    "走访日期": "visited_on",
    "走访人": "visitors",
    "走访情况": "visit_findings",
    "建档日期": "filed_on",
}
HOUSEHOLD_SPEC = RowSpec(
    fields=FIELDS, required=REQUIRED, aliases=ALIASES, sheet="困难职工", id_fields=frozenset({"bank_account"})
)
_FLAGS = {"是": True, "否": False, "true": True, "false": False, "1": True, "0": False, "y": True, "n": False}

MESSAGES = {
    "missing": "required",
    "bad_number": "not a whole number from 1 to 30",
    "bad_amount": "not an amount in yuan",
    "bad_date": "not a date",
    "bad_flag": "not 是/否",
    "bad_value": "not one of the allowed values",
    "bad_account": "not 8 to 30 digits",
    "unknown_column_value": "a value outside any named column",
    "member_not_found": "no member with this employee number in the union",
    "name_mismatch": "the name differs from the member record",
    "account_not_own_name": "the account holder is not the member",
    "household_exists": "the member already has an open household file",
    "duplicate_in_file": "the employee number appears earlier in the file",
    "excluded": "an exclusion refuses filing",
    "migrant_labour_too_short": "a migrant worker's labour relationship is too short",
    "no_dibao_standard": "no 低保 standard of the region in force on filed_on",
    "not_in_hardship": "not in hardship by the 低保 formula",
}


@dataclass
class _Row:
    number: int
    values: dict[str, Any] = field(default_factory=dict)


def _enum_list(text: str | None, enum: Any, name: str, errors: list[tuple[str, str]]) -> list[str]:
    items = [p.strip() for p in (text or "").replace("，", ",").split(",") if p.strip()]
    allowed = {e.value for e in enum}
    if any(i not in allowed for i in items):
        errors.append((name, "bad_value"))
    return [i for i in items if i in allowed]


def _parse(raw: RawRow) -> tuple[_Row, list[tuple[str, str]]]:
    """Shape checks of one row; the rules that need the database come after."""
    d, errors, row = raw.data, [], _Row(raw.row_number)
    if raw.extra:
        errors.append(("row", "unknown_column_value"))
    for name in REQUIRED:
        if not d.get(name):
            errors.append((name, "missing"))
    row.values["employee_no"] = (d.get("employee_no") or "").strip()
    row.values["name"] = (d.get("name") or "").strip()
    row.values["region_code"] = (d.get("region_code") or "").strip()
    try:
        size = int(d.get("household_size") or "0")
        if not 1 <= size <= 30:
            raise ValueError
        row.values["household_size"] = size
    except ValueError:
        if d.get("household_size"):
            errors.append(("household_size", "bad_number"))
    for name in ("annual_income", "rigid_expenses", "accident_costs"):
        text = d.get(name)
        try:
            row.values[name] = yuan_to_fen(text) if text else 0
            if row.values[name] < 0:
                raise ValueError
        except ValueError:
            errors.append((name, "bad_amount"))
    for name in ("labour_relation_since", "consent_signed_on", "visited_on", "filed_on"):
        text = d.get(name)
        try:
            row.values[name] = parse_date(text.strip()) if text else None
        except ValueError:
            errors.append((name, "bad_date"))
    flag = (d.get("is_migrant") or "否").strip().casefold()
    if flag not in _FLAGS:
        errors.append(("is_migrant", "bad_flag"))
    row.values["is_migrant"] = _FLAGS.get(flag, False)
    row.values["causes"] = _enum_list(d.get("causes"), Cause, "causes", errors)
    row.values["exclusions"] = _enum_list(d.get("exclusions"), Exclusion, "exclusions", errors)
    account = (d.get("bank_account") or "").replace(" ", "")
    if account and not (account.isdigit() and 8 <= len(account) <= 30):
        errors.append(("bank_account", "bad_account"))
    row.values["bank_account"] = account
    for name in ("bank_name", "account_holder", "visitors", "visit_findings"):
        row.values[name] = (d.get(name) or "").strip() or None
    return row, [
        (f, k)
        for f, k in errors
        if not (k == "missing" and any(e[0] == f and e[1] != "missing" for e in errors))
    ]


def run(
    session: Session,
    unit: OrgUnit,
    source: Any,
    filename: str,
    *,
    dry_run: bool,
    abort_on_error: bool,
    settings: Settings,
    by: Principal,
) -> HouseholdImportReport:
    """Check every row, then write the good ones (or none, on ``abort`` with any failure)."""
    common.require_unit(session, unit.id, by, "aid.file")
    vault = PiiVault.from_settings(settings)
    thresholds = common.thresholds(settings)
    errors: list[ImportRowError] = []
    good: list[AidHousehold] = []
    failed_rows: set[int] = set()
    seen: set[str] = set()
    total = 0

    def fail(number: int, field_name: str, kind: AidImportErrorKind) -> None:
        failed_rows.add(number)
        if len(errors) < MAX_REPORTED_ERRORS:
            errors.append(ImportRowError(row=number, field=field_name, kind=kind, message=MESSAGES[kind]))

    try:
        raws = list(iter_rows(source, filename, HOUSEHOLD_SPEC))
    except ImportFileError as exc:
        raise RuleViolation(f"import_{exc.code}", field="file", detail=exc.text) from None
    numbers = {(r.data.get("employee_no") or "").strip() for r in raws}
    members = {
        m.employee_no: m
        for m in session.exec(
            select(Member).where(Member.grassroots_unit_id == unit.id, col(Member.employee_no).in_(numbers))
        ).all()
    }
    open_files = set(
        session.exec(
            select(AidHousehold.member_id).where(
                col(AidHousehold.member_id).in_([m.id for m in members.values()]),
                col(AidHousehold.status).in_(workflow.values(workflow.OPEN_HOUSEHOLD)),
            )
        ).all()
    )
    for raw in raws:
        total += 1
        row, problems = _parse(raw)
        for field_name, kind in problems:
            fail(row.number, field_name, AidImportErrorKind(kind))
        if problems:
            continue
        v = row.values
        if v["employee_no"] in seen:
            fail(row.number, "employee_no", AidImportErrorKind.duplicate_in_file)
            continue
        seen.add(v["employee_no"])
        member = members.get(v["employee_no"])
        if member is None:
            fail(row.number, "employee_no", AidImportErrorKind.member_not_found)
            continue
        if member.name != v["name"]:
            fail(row.number, "name", AidImportErrorKind.name_mismatch)
            continue
        if v["account_holder"] != member.name:
            fail(row.number, "account_holder", AidImportErrorKind.account_not_own_name)
            continue
        if member.id in open_files:
            fail(row.number, "employee_no", AidImportErrorKind.household_exists)
            continue
        if v["exclusions"]:
            fail(row.number, "exclusions", AidImportErrorKind.excluded)
            continue
        filed_on: date = v["filed_on"]
        if v["is_migrant"] and (
            v["labour_relation_since"] is None
            or rules.add_years(v["labour_relation_since"], settings.aid_migrant_min_labour_years) > filed_on
        ):
            fail(row.number, "labour_relation_since", AidImportErrorKind.migrant_labour_too_short)
            continue
        try:
            dibao = calendar.dibao_in_force(session, v["region_code"], filed_on)
        except RuleViolation:
            fail(row.number, "region_code", AidImportErrorKind.no_dibao_standard)
            continue
        result = rules.assess(
            annual_income_fen=v["annual_income"],
            rigid_expenses_fen=v["rigid_expenses"],
            household_size=v["household_size"],
            accident_costs_fen=v["accident_costs"],
            dibao_monthly_fen=dibao.monthly_fen,
            thresholds=thresholds,
        )
        if result.category is rules.HardshipCategory.none:
            fail(row.number, "annual_income", AidImportErrorKind.not_in_hardship)
            continue
        good.append(
            AidHousehold(
                member_id=member.id,
                org_unit_id=member.org_unit_id,
                status=HouseholdStatus.filed.value,
                region_code=v["region_code"],
                household_size=v["household_size"],
                annual_income_fen=v["annual_income"],
                rigid_expenses_fen=v["rigid_expenses"],
                accident_costs_fen=v["accident_costs"],
                causes=v["causes"],
                exclusions=[],
                is_migrant=v["is_migrant"],
                labour_relation_since=v["labour_relation_since"],
                bank_name=v["bank_name"],
                bank_account_cipher=vault.encrypt(v["bank_account"]),
                bank_account_masked=households.mask_account(v["bank_account"]),
                consent_signed_on=v["consent_signed_on"],
                visited_on=v["visited_on"],
                visitors=v["visitors"],
                visit_findings=v["visit_findings"],
                assessed_on=filed_on,
                dibao_monthly_fen=dibao.monthly_fen,
                per_capita_monthly_fen=result.per_capita_monthly_fen,
                category=result.category.value,
                filed_on=filed_on,
                review_due_on=rules.add_months(filed_on, settings.aid_review_months),
                applicant_id=by.user_id,
            )
        )
    written = not dry_run and bool(good) and not (abort_on_error and failed_rows)
    if written:
        for household in good:
            session.add(household)
        session.flush()
        for household in good:
            session.add(
                AidEvent(
                    subject_type="household",
                    subject_id=household.id,
                    kind=AidEventKind.imported,
                    to_status=household.status,
                    actor_id=by.user_id,
                    actor_label=by.label,
                    details={"filed_on": household.filed_on.isoformat() if household.filed_on else None},
                )
            )
        audit.record(
            session,
            by,
            "aid.household.imported",
            entity_type="org_unit",
            entity_id=unit.id,
            org_unit_id=unit.id,
            changes={"imported": len(good), "failed": len(failed_rows), "filename": filename},
        )
        session.commit()
    return HouseholdImportReport(
        dry_run=dry_run,
        on_error=ImportOnError.abort if abort_on_error else ImportOnError.skip,
        total=total,
        imported=len(good) if written else 0,
        failed=len(failed_rows),
        written=written,
        errors=errors,
    )


def unit_by_id(session: Session, unit_id: uuid.UUID, by: Principal) -> OrgUnit:
    common.body_unit(session, unit_id, by, "aid.file")
    unit = session.get(OrgUnit, unit_id)
    if unit is None or unit.kind != "grassroots":
        raise RuleViolation("aid_import_unit_invalid", field="org_unit_id")
    return unit
