"""Aid reports (docs/rules.md §4): aid by programme, category, unit and month against the budget lines;
households by category; overdue reviews. SQL aggregates only; XLSX via openpyxl."""

from __future__ import annotations

import uuid
from collections import defaultdict
from io import BytesIO
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from api.db.models import AidApplication, AidHousehold, AidProgramme, Member, OrgUnit
from api.errors import Conflict
from api.schemas.aid import (
    AidReport,
    AidRow,
    ApplicationStatus,
    BudgetLineRow,
    Category,
    HouseholdStatus,
    OverdueReview,
)
from api.security.principal import Principal
from api.services.aid import common
from api.services.funds import common as funds_common
from api.services.funds import reports as funds_reports
from api.services.scope import in_scope


def _month(column: Any, dialect: str) -> sa.ColumnElement[str]:
    if dialect == "postgresql":
        return func.to_char(column, "YYYY-MM")
    return func.strftime("%Y-%m", column)


def report(session: Session, org_unit_id: uuid.UUID, year: int, *, by: Principal) -> AidReport:
    common.body_unit(session, org_unit_id, by, "aid.read")
    dialect = session.get_bind().dialect.name
    scope = in_scope(common.column(AidApplication.org_unit_id), [org_unit_id])
    approved_states = [ApplicationStatus.approved.value, ApplicationStatus.paid.value]
    rows: dict[tuple[str, str, str, uuid.UUID, str], list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for label, when, states in (
        ("approved", col(AidApplication.approved_on), approved_states),
        ("paid", col(AidApplication.paid_on), [ApplicationStatus.paid.value]),
    ):
        month = _month(when, dialect).label("month")
        stmt = (
            sa.select(
                common.column(AidProgramme.name),
                common.column(AidProgramme.budget_category_code),
                common.column(AidApplication.category),
                common.column(AidApplication.org_unit_id),
                month,
                func.count(),
                func.sum(AidApplication.amount_fen),
            )
            .join(AidProgramme, col(AidProgramme.id) == AidApplication.programme_id)
            .where(
                scope,
                col(AidApplication.year) == year,
                col(AidApplication.status).in_(states),
                when.is_not(None),
            )
            .group_by(
                common.column(AidProgramme.name),
                common.column(AidProgramme.budget_category_code),
                common.column(AidApplication.category),
                common.column(AidApplication.org_unit_id),
                month,
            )
        )
        for name, code, category, unit_id, m, count, total in session.execute(stmt).all():
            cell = rows[(name, code, category, unit_id, m)]
            offset = 0 if label == "approved" else 2
            cell[offset] += int(count)
            cell[offset + 1] += int(total or 0)
    unit_names = dict(
        session.execute(
            select(OrgUnit.id, OrgUnit.name).where(col(OrgUnit.id).in_({k[3] for k in rows}))
        ).all()
    )
    out_rows = [
        AidRow(
            programme_name=k[0],
            budget_category_code=k[1],
            category=Category(k[2]),
            org_unit_id=k[3],
            unit_name=unit_names.get(k[3], ""),
            month=k[4],
            approved_count=v[0],
            approved_fen=v[1],
            paid_count=v[2],
            paid_fen=v[3],
        )
        for k, v in sorted(rows.items(), key=lambda kv: (kv[0][4], kv[0][0], kv[0][2], str(kv[0][3])))
    ]
    lines: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for r in out_rows:
        lines[r.budget_category_code][0] += r.approved_fen
        lines[r.budget_category_code][1] += r.paid_fen
    households_scope = in_scope(common.column(AidHousehold.org_unit_id), [org_unit_id])
    by_category = {
        category or "unassessed": int(n)
        for category, n in session.execute(
            select(AidHousehold.category, func.count())
            .where(households_scope, AidHousehold.status == HouseholdStatus.filed.value)
            .group_by(AidHousehold.category)
        ).all()
    }
    as_of = common.today()
    overdue = [
        OverdueReview(
            household_id=r[0],
            member_name=r[1],
            org_unit_id=r[2],
            category=Category(r[3]) if r[3] else None,
            review_due_on=r[4],
            days_overdue=(as_of - r[4]).days,
        )
        for r in session.execute(
            sa.select(
                common.column(AidHousehold.id),
                common.column(Member.name),
                common.column(AidHousehold.org_unit_id),
                common.column(AidHousehold.category),
                common.column(AidHousehold.review_due_on),
            )
            .join(Member, col(Member.id) == AidHousehold.member_id)
            .where(
                households_scope,
                col(AidHousehold.status) == HouseholdStatus.filed.value,
                col(AidHousehold.review_due_on) < as_of,
            )
            .order_by(col(AidHousehold.review_due_on), col(AidHousehold.id))
        ).all()
    ]
    return AidReport(
        org_unit_id=org_unit_id,
        year=year,
        as_of=as_of,
        rows=out_rows,
        by_budget_line=_budget_lines(session, org_unit_id, year, lines),
        households_by_category=by_category,
        overdue_reviews=overdue,
    )


def _budget_lines(
    session: Session, org_unit_id: uuid.UUID, year: int, aid: dict[str, list[int]]
) -> list[BudgetLineRow]:
    """Aid per budget line beside the line of the budget in force of the unit's books (union funds):
    its amount, everything booked on it, its remainder."""
    try:
        books = [funds_common.accounting_unit_of(session, org_unit_id)]
    except Conflict:  # the unit keeps no books (no 经费独立核算 unit above it)
        books = []
    budget = funds_reports.budget_amounts(session, books, year) if books else {}
    booked = funds_reports.actual_amounts(session, books, year) if books else {}
    rows = []
    for code, (approved, paid) in sorted(aid.items()):
        amount = budget[code][2] if code in budget else None
        spent = booked.get(code, 0) if amount is not None else None
        rows.append(
            BudgetLineRow(
                budget_category_code=code,
                approved_fen=approved,
                paid_fen=paid,
                budget_fen=amount,
                booked_fen=spent,
                remainder_fen=amount - spent if amount is not None and spent is not None else None,
            )
        )
    return rows


CATEGORY_ZH = {
    "deep": "深度困难",
    "relative": "相对困难",
    "accident": "意外致困",
    "none": "非建档",
    "unassessed": "未评定",
}


def report_xlsx(data: AidReport) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    bold = Font(bold=True)
    book = Workbook()
    sheet = book.active
    sheet.title = "帮扶明细"
    sheet.append(
        [
            "月份",
            "项目",
            "预算科目",
            "困难类别",
            "单位",
            "审批笔数",
            "审批金额（分）",
            "发放笔数",
            "发放金额（分）",
        ]
    )
    for r in data.rows:
        sheet.append(
            [
                r.month,
                r.programme_name,
                r.budget_category_code,
                CATEGORY_ZH[r.category.value],
                r.unit_name,
                r.approved_count,
                r.approved_fen,
                r.paid_count,
                r.paid_fen,
            ]
        )
    lines = book.create_sheet("预算科目")
    lines.append(
        ["预算科目", "审批金额（分）", "发放金额（分）", "预算数（分）", "已列支（分）", "余额（分）"]
    )
    for line in data.by_budget_line:
        lines.append(
            [
                line.budget_category_code,
                line.approved_fen,
                line.paid_fen,
                line.budget_fen,
                line.booked_fen,
                line.remainder_fen,
            ]
        )
    cats = book.create_sheet("困难职工分类")
    cats.append(["类别", "户数"])
    for key, n in sorted(data.households_by_category.items()):
        cats.append([CATEGORY_ZH.get(key, key), n])
    overdue = book.create_sheet("逾期复核")
    overdue.append(["姓名", "类别", "复核期限", "逾期天数"])
    for o in data.overdue_reviews:
        overdue.append(
            [
                o.member_name,
                CATEGORY_ZH[o.category.value] if o.category else "",
                o.review_due_on,
                o.days_overdue,
            ]
        )
    for s in (sheet, lines, cats, overdue):
        for cell in s[1]:
            cell.font = bold
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()
