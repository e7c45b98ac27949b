"""Funds reports as SQL aggregates, as JSON or XLSX (docs/rules.md §5 Reports).

- budget vs actual per line and per top category with the execution rate, for one accounting unit
  or consolidated over every accounting unit in a federation's subtree (plain sums: a share passed
  up inside the subtree shows as 上解 below and as income above);
- the income/expense statement (工会经费收支情况表): income by category, expense by category, the
  year's surplus, the balance carried from earlier years, the closing balance;
- dues income vs dues expected per month (members area), with what is recorded but not yet posted;
- 2% allocation arrears per employer and month;
- welfare spending per person and type against the per-person caps.

Ledger figures are read from the running totals per unit, year and category
(:mod:`api.services.funds.totals`, kept with every posting): a consolidated report groups a few rows
per accounting unit of the subtree, not its entries. Per-person welfare groups the recipient rows (on
their (unit, year) index). Never a loop over entries; a caller sees a report only for units in their
subtrees (404 otherwise).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import date
from io import BytesIO
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from api.db.models import (
    DuesPayment,
    FundAllocation,
    FundBudget,
    FundBudgetLine,
    FundDuesPosting,
    FundTotal,
    FundWelfareRecipient,
    Member,
    OrgUnit,
)
from api.errors import RuleViolation
from api.schemas.funds import (
    ArrearsReport,
    ArrearsRow,
    BudgetActualLine,
    BudgetActualReport,
    DuesMonth,
    DuesReport,
    EntryKind,
    Rate,
    StatementReport,
    StatementRow,
    WelfareReport,
    WelfareRow,
)
from api.security.principal import Principal
from api.services import dues
from api.services.funds import budgets, charts, totals
from api.services.funds.common import accounting_units_under, own_units, require_in_scope


def _rate(numerator: int, denominator: int) -> Rate:
    return Rate(
        numerator=numerator,
        denominator=denominator,
        rate=round(numerator / denominator, 4) if denominator else None,
    )


def _line(kind: str, code: str, root: str, budget: int, actual: int) -> BudgetActualLine:
    return BudgetActualLine(
        kind=EntryKind(kind),
        category_code=code,
        root_code=root,
        budget_fen=budget,
        actual_fen=actual,
        remainder_fen=budget - actual,
        execution=_rate(actual, budget),
    )


def _units(session: Session, principal: Principal, unit_id: uuid.UUID, consolidated: bool) -> Any:
    """The accounting units a report covers: the unit itself, or every one in its subtree."""
    require_in_scope(session, unit_id, principal)
    if consolidated:
        return accounting_units_under(unit_id)
    unit = session.get(OrgUnit, unit_id)
    if unit is None or not unit.independent_accounting:
        raise RuleViolation("funds_not_accounting_unit", field="org_unit_id")
    return [unit_id]


def budget_amounts(session: Session, units: Any, year: int) -> dict[str, tuple[str, str, int]]:
    """category -> (kind, root, budgeted fen) over the revisions in force."""
    rows = session.execute(
        select(
            FundBudgetLine.category_code,
            FundBudgetLine.kind,
            FundBudgetLine.root_code,
            func.sum(FundBudgetLine.amount_fen),
        )
        .join(FundBudget, col(FundBudget.id) == FundBudgetLine.budget_id)
        .where(
            col(FundBudget.org_unit_id).in_(units),
            FundBudget.fiscal_year == year,
            FundBudget.status == "in_force",
        )
        .group_by(FundBudgetLine.category_code, FundBudgetLine.kind, FundBudgetLine.root_code)
    ).all()
    return {code: (kind, root, int(total or 0)) for code, kind, root, total in rows}


def actual_amounts(session: Session, units: Any, year: int) -> dict[str, int]:
    """category -> booked fen (reversals included), from the running totals."""
    return {code: fen for code, (_, _, fen, _) in totals.by_category(session, units, year).items()}


def _planned_and_booked(session: Session, units: Any, year: int) -> Any:
    """ONE statement: per category, (kind, root, budgeted fen over the revisions in force, booked fen from
    the running totals) over ``units``: the budget lines and the totals stacked (UNION ALL) and grouped
    once, so a consolidated report reads the subtree's rows in a single round trip."""
    planned: Any = (
        sa.select(
            col(FundBudgetLine.category_code).label("code"),
            col(FundBudgetLine.kind).label("kind"),
            col(FundBudgetLine.root_code).label("root"),
            col(FundBudgetLine.amount_fen).label("budget"),
            sa.literal(0, sa.BigInteger).label("actual"),
        )
        .join(FundBudget, col(FundBudget.id) == col(FundBudgetLine.budget_id))
        .where(
            col(FundBudget.org_unit_id).in_(units),
            col(FundBudget.fiscal_year) == year,
            col(FundBudget.status) == "in_force",
        )
    )
    booked: Any = sa.select(
        col(FundTotal.category_code).label("code"),
        col(FundTotal.kind).label("kind"),
        col(FundTotal.root_code).label("root"),
        sa.literal(0, sa.BigInteger).label("budget"),
        col(FundTotal.amount_fen).label("actual"),
    ).where(col(FundTotal.org_unit_id).in_(units), col(FundTotal.fiscal_year) == year)
    both = sa.union_all(planned, booked).subquery("both")
    return session.execute(
        sa.select(
            both.c.code,
            func.min(both.c.kind),
            func.min(both.c.root),
            func.sum(both.c.budget),
            func.sum(both.c.actual),
        ).group_by(both.c.code)
    ).all()


def budget_vs_actual(
    session: Session, principal: Principal, *, org_unit_id: uuid.UUID, fiscal_year: int, consolidated: bool
) -> BudgetActualReport:
    units = _units(session, principal, org_unit_id, consolidated)
    lines = [
        _line(kind, code, root, int(budget or 0), int(booked or 0))
        for code, kind, root, budget, booked in _planned_and_booked(session, units, fiscal_year)
    ]
    lines.sort(key=lambda line: (line.kind != "income", line.category_code))
    by_root: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    sums: dict[str, list[int]] = {"income": [0, 0], "expense": [0, 0]}
    for line in lines:
        by_root[(line.kind, line.root_code)][0] += line.budget_fen
        by_root[(line.kind, line.root_code)][1] += line.actual_fen
        sums[line.kind][0] += line.budget_fen
        sums[line.kind][1] += line.actual_fen
    categories = [
        _line(kind, root, root, b, a)
        for (kind, root), (b, a) in sorted(by_root.items(), key=lambda kv: (kv[0][0] != "income", kv[0][1]))
    ]
    count = (
        session.execute(select(func.count()).select_from(units.subquery())).scalar_one()
        if consolidated
        else 1
    )
    return BudgetActualReport(
        org_unit_id=org_unit_id,
        fiscal_year=fiscal_year,
        consolidated=consolidated,
        units=int(count),
        lines=lines,
        categories=categories,
        income=_line("income", "income", "income", *sums["income"]),
        expense=_line("expense", "expense", "expense", *sums["expense"]),
    )


def _names(session: Session, units: Any, year: int) -> dict[str, str]:
    """Item names from the charts the covered budgets pinned (the first chart naming a code wins)."""
    chart_ids = session.execute(
        select(FundBudget.chart_id)
        .where(col(FundBudget.org_unit_id).in_(units), FundBudget.fiscal_year == year)
        .distinct()
    ).scalars()
    names: dict[str, str] = {}
    for chart_id in chart_ids:
        for code, item in charts.chart(session, chart_id).items.items():
            names.setdefault(code, item["name"])
    return names


def statement(
    session: Session, principal: Principal, *, org_unit_id: uuid.UUID, fiscal_year: int, consolidated: bool
) -> StatementReport:
    """工会经费收支情况表 in its usual layout: 一、收入 by category; 二、支出 by category; 三、本年结余;
    上年结转; 年末结余."""
    report = budget_vs_actual(
        session, principal, org_unit_id=org_unit_id, fiscal_year=fiscal_year, consolidated=consolidated
    )
    units = _units(session, principal, org_unit_id, consolidated)
    names = _names(session, units, fiscal_year)

    def rows(kind: str) -> list[StatementRow]:
        return [
            StatementRow(
                label=names.get(c.root_code, c.root_code),
                code=c.root_code,
                budget_fen=c.budget_fen,
                actual_fen=c.actual_fen,
            )
            for c in report.categories
            if c.kind == kind
        ]

    earlier = totals.before_year(session, units, fiscal_year)
    carried = earlier.get("income", 0) - earlier.get("expense", 0)
    surplus = report.income.actual_fen - report.expense.actual_fen
    return StatementReport(
        org_unit_id=org_unit_id,
        fiscal_year=fiscal_year,
        consolidated=consolidated,
        income=rows("income"),
        income_total_fen=report.income.actual_fen,
        expense=rows("expense"),
        expense_total_fen=report.expense.actual_fen,
        surplus_fen=surplus,
        carried_forward_fen=carried,
        closing_balance_fen=carried + surplus,
    )


def dues_report(
    session: Session, principal: Principal, *, org_unit_id: uuid.UUID, fiscal_year: int
) -> DuesReport:
    """Dues expected (members area rules) vs payments recorded vs income posted, month by month."""
    _units(session, principal, org_unit_id, False)
    books = own_units(org_unit_id)
    months = [date(fiscal_year, m, 1) for m in range(1, 13)]
    expected = dues.expected_by_month(session, books, months)
    paid = {
        period: (int(n), int(total or 0))
        for period, n, total in session.execute(
            select(col(DuesPayment.period), func.count(), func.sum(DuesPayment.amount_fen))
            .where(
                col(DuesPayment.org_unit_id).in_(books),
                col(DuesPayment.period).between(months[0], months[-1]),
            )
            .group_by(col(DuesPayment.period))
        ).all()
    }
    posted = {
        period: int(total or 0)
        for period, total in session.execute(
            select(col(FundDuesPosting.period), func.sum(FundDuesPosting.amount_fen))
            .where(
                FundDuesPosting.org_unit_id == org_unit_id,
                col(FundDuesPosting.period).between(months[0], months[-1]),
            )
            .group_by(col(FundDuesPosting.period))
        ).all()
    }
    out = []
    for first in months:
        count, total = paid.get(first, (0, 0))
        out.append(
            DuesMonth(
                period=first.strftime("%Y-%m"),
                expected_fen=expected[first],
                paid_fen=total,
                paid_count=count,
                posted_fen=posted.get(first, 0),
                unposted_fen=total - posted.get(first, 0),
            )
        )
    return DuesReport(org_unit_id=org_unit_id, fiscal_year=fiscal_year, months=out)


def arrears_report(
    session: Session, principal: Principal, *, org_unit_id: uuid.UUID, fiscal_year: int
) -> ArrearsReport:
    """2% allocations not fully received, per employer and month, for every accounting unit in the subtree."""
    units = _units(session, principal, org_unit_id, True)
    rows = session.exec(
        select(FundAllocation)
        .where(
            col(FundAllocation.org_unit_id).in_(units),
            col(FundAllocation.period).between(date(fiscal_year, 1, 1), date(fiscal_year, 12, 1)),
            col(FundAllocation.received_fen) < col(FundAllocation.expected_fen),
        )
        .order_by(col(FundAllocation.employer_name), col(FundAllocation.period))
    ).all()
    out = [
        ArrearsRow(
            allocation_id=a.id,
            org_unit_id=a.org_unit_id,
            employer_name=a.employer_name,
            employer_uscc=a.employer_uscc,
            period=a.period.strftime("%Y-%m"),
            payroll_fen=a.payroll_fen,
            expected_fen=a.expected_fen,
            received_fen=a.received_fen,
            arrears_fen=a.expected_fen - a.received_fen,
        )
        for a in rows
    ]
    return ArrearsReport(
        org_unit_id=org_unit_id,
        fiscal_year=fiscal_year,
        rows=out,
        arrears_fen=sum(r.arrears_fen for r in out),
    )


def welfare_report(
    session: Session, principal: Principal, *, org_unit_id: uuid.UUID, fiscal_year: int
) -> WelfareReport:
    """Welfare received per member and type this year, against the caps of the budget's chart."""
    _units(session, principal, org_unit_id, False)
    current = budgets.in_force(session, org_unit_id, fiscal_year)
    caps: dict[str, int] = (
        charts.chart(session, current.chart_id).rules.get("welfare_caps_fen", {}) if current else {}
    )
    rows = session.execute(
        select(
            FundWelfareRecipient.member_id,
            Member.name,
            FundWelfareRecipient.welfare_type,
            func.sum(FundWelfareRecipient.amount_fen),
        )
        .join(Member, col(Member.id) == FundWelfareRecipient.member_id)
        .where(
            FundWelfareRecipient.org_unit_id == org_unit_id, FundWelfareRecipient.fiscal_year == fiscal_year
        )
        .group_by(
            col(FundWelfareRecipient.member_id), col(Member.name), col(FundWelfareRecipient.welfare_type)
        )
        .order_by(Member.name, FundWelfareRecipient.welfare_type)
    ).all()
    out = []
    for member_id, name, kind, total in rows:
        cap = caps.get(kind)
        spent = int(total or 0)
        out.append(
            WelfareRow(
                member_id=member_id,
                name=name,
                welfare_type=kind,
                spent_fen=spent,
                cap_fen=cap,
                remaining_fen=None if cap is None else cap - spent,
            )
        )
    return WelfareReport(org_unit_id=org_unit_id, fiscal_year=fiscal_year, rows=out)


# --- XLSX ---------------------------------------------------------------------------------------------


def _yuan(fen: int | None) -> float | None:
    """Fen to yuan for the printed sheet only (the JSON keeps integer fen)."""
    return None if fen is None else fen / 100


def xlsx(title: str, header: list[str], rows: list[list[Any]]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = title[:31]
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(row)
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def budget_vs_actual_xlsx(report: BudgetActualReport) -> bytes:
    header = ["收支", "科目", "类别", "预算（元）", "实际（元）", "余额（元）", "执行率"]
    rows = [
        [
            "收入" if line.kind == "income" else "支出",
            line.category_code,
            line.root_code,
            _yuan(line.budget_fen),
            _yuan(line.actual_fen),
            _yuan(line.remainder_fen),
            line.execution.rate,
        ]
        for line in [*report.lines, report.income, report.expense]
    ]
    return xlsx("预算执行情况", header, rows)


def statement_xlsx(report: StatementReport) -> bytes:
    rows: list[list[Any]] = [["一、收入", None, None]]
    rows += [[r.label, _yuan(r.budget_fen), _yuan(r.actual_fen)] for r in report.income]
    rows += [["收入合计", None, _yuan(report.income_total_fen)], ["二、支出", None, None]]
    rows += [[r.label, _yuan(r.budget_fen), _yuan(r.actual_fen)] for r in report.expense]
    rows += [
        ["支出合计", None, _yuan(report.expense_total_fen)],
        ["三、本年收支结余", None, _yuan(report.surplus_fen)],
        ["上年结转", None, _yuan(report.carried_forward_fen)],
        ["年末结余", None, _yuan(report.closing_balance_fen)],
    ]
    return xlsx("工会经费收支情况表", ["项目", "预算数（元）", "决算数（元）"], rows)


def dues_xlsx(report: DuesReport) -> bytes:
    header = ["月份", "应缴（元）", "已缴（元）", "缴费笔数", "已入账（元）", "未入账（元）"]
    rows = [
        [
            m.period,
            _yuan(m.expected_fen),
            _yuan(m.paid_fen),
            m.paid_count,
            _yuan(m.posted_fen),
            _yuan(m.unposted_fen),
        ]
        for m in report.months
    ]
    return xlsx("会费收缴情况", header, rows)


def arrears_xlsx(report: ArrearsReport) -> bytes:
    header = [
        "单位",
        "统一社会信用代码",
        "月份",
        "工资总额（元）",
        "应拨缴（元）",
        "已拨缴（元）",
        "欠缴（元）",
    ]
    rows = [
        [
            r.employer_name,
            r.employer_uscc,
            r.period,
            _yuan(r.payroll_fen),
            _yuan(r.expected_fen),
            _yuan(r.received_fen),
            _yuan(r.arrears_fen),
        ]
        for r in report.rows
    ]
    return xlsx("拨缴经费欠缴情况", header, rows)


def welfare_xlsx(report: WelfareReport) -> bytes:
    header = ["姓名", "福利类型", "已发放（元）", "标准（元）", "剩余（元）"]
    rows = [
        [r.name, r.welfare_type, _yuan(r.spent_fen), _yuan(r.cap_fen), _yuan(r.remaining_fen)]
        for r in report.rows
    ]
    return xlsx("职工福利发放情况", header, rows)
