"""The funds area's task providers for ``GET /me/tasks`` (installed by api.main).

- ``funds.budget_approve``: budget drafts (originals) in the chair's subtrees, not drafted by them;
- ``funds.budget_review``: approved budgets waiting for the funds-audit committee (auditor);
- ``funds.adjustment``: adjustments waiting: drafts for the chair, approved ones for the auditor;
- ``funds.final_due``: accounting units with a budget in force for a year that has ended and no
  closed final accounts (treasurer);
- ``funds.final_approve`` / ``funds.final_review``: final accounts waiting for the chair / auditor.

Each provider is one query, bounded by ``tasks.PER_KIND + 1`` rows.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from api.db.models import FundBudget, FundFinalAccount, OrgUnit
from api.schemas.tasks import TaskOut, TaskResourceType
from api.security.principal import Principal
from api.services import tasks
from api.services.funds import common
from api.services.scope import in_scope


def _rows(session: Session, stmt: Any) -> list[Any]:
    return list(session.execute(stmt.limit(tasks.PER_KIND + 1)).all())


def _budgets(session: Session, kind: str, stmt: Any) -> list[TaskOut]:
    return [
        TaskOut(
            kind=kind,
            title=f"{r.unit_name} {r.fiscal_year} 年度预算"
            + (f"（第 {r.revision} 次调整）" if r.revision else ""),
            resource_type=TaskResourceType.fund_budget,
            resource_id=r.id,
            link=f"/api/v1/funds/budgets/{r.id}",
            deadline=date(r.fiscal_year, 1, 1) if r.revision == 0 else None,
        )
        for r in _rows(session, stmt.order_by(col(FundBudget.id)))
    ]


def _budget_stmt(principal: Principal, permission: str, status: str) -> Any:
    units = principal.units_for(permission)
    if not units:
        return None
    return (
        select(FundBudget.id, FundBudget.fiscal_year, FundBudget.revision, OrgUnit.name.label("unit_name"))  # type: ignore[attr-defined]
        .join(OrgUnit, col(OrgUnit.id) == FundBudget.org_unit_id)
        .where(col(FundBudget.status) == status, in_scope(common.column(FundBudget.org_unit_id), units))
    )


def _budget_approve(session: Session, principal: Principal) -> list[TaskOut]:
    stmt = _budget_stmt(principal, "budgets.approve", "draft")
    if stmt is None:
        return []
    stmt = stmt.where(col(FundBudget.revision) == 0, col(FundBudget.drafted_by_id) != principal.user_id)
    return _budgets(session, "funds.budget_approve", stmt)


def _budget_review(session: Session, principal: Principal) -> list[TaskOut]:
    stmt = _budget_stmt(principal, "budgets.review", "approved")
    if stmt is None:
        return []
    return _budgets(session, "funds.budget_review", stmt.where(col(FundBudget.revision) == 0))


def _adjustments(session: Session, principal: Principal) -> list[TaskOut]:
    out: list[TaskOut] = []
    for permission, status in (("budgets.approve", "draft"), ("budgets.review", "approved")):
        stmt = _budget_stmt(principal, permission, status)
        if stmt is not None:
            stmt = stmt.where(
                col(FundBudget.revision) > 0, col(FundBudget.drafted_by_id) != principal.user_id
            )
            out += _budgets(session, "funds.adjustment", stmt)
    return out


def _final_due(session: Session, principal: Principal) -> list[TaskOut]:
    units = principal.units_for("budgets.draft")
    if not units:
        return []
    this_year = common.today().year
    closed = sa.exists().where(
        col(FundFinalAccount.org_unit_id) == FundBudget.org_unit_id,
        col(FundFinalAccount.fiscal_year) == FundBudget.fiscal_year,
        col(FundFinalAccount.status) == "closed",
    )
    stmt = (
        select(FundBudget.id, FundBudget.fiscal_year, FundBudget.org_unit_id, OrgUnit.name.label("unit_name"))  # type: ignore[attr-defined]
        .join(OrgUnit, col(OrgUnit.id) == FundBudget.org_unit_id)
        .where(
            col(FundBudget.status) == "in_force",
            col(FundBudget.fiscal_year) < this_year,
            in_scope(common.column(FundBudget.org_unit_id), units),
            ~closed,
        )
        .order_by(col(FundBudget.id))
    )
    return [
        TaskOut(
            kind="funds.final_due",
            title=f"{r.unit_name} {r.fiscal_year} 年度决算",
            resource_type=TaskResourceType.org_unit,
            resource_id=r.org_unit_id,
            link=f"/api/v1/funds/final-accounts?org_unit_id={r.org_unit_id}&fiscal_year={r.fiscal_year}",
            deadline=date(r.fiscal_year + 1, 3, 31),
        )
        for r in _rows(session, stmt)
    ]


def _finals(session: Session, principal: Principal, kind: str, permission: str, status: str) -> list[TaskOut]:
    units = principal.units_for(permission)
    if not units:
        return []
    stmt = (
        select(FundFinalAccount.id, FundFinalAccount.fiscal_year, OrgUnit.name.label("unit_name"))  # type: ignore[attr-defined]
        .join(OrgUnit, col(OrgUnit.id) == FundFinalAccount.org_unit_id)
        .where(
            col(FundFinalAccount.status) == status,
            in_scope(common.column(FundFinalAccount.org_unit_id), units),
            col(FundFinalAccount.drafted_by_id) != principal.user_id,
        )
        .order_by(col(FundFinalAccount.id))
    )
    return [
        TaskOut(
            kind=kind,
            title=f"{r.unit_name} {r.fiscal_year} 年度决算",
            resource_type=TaskResourceType.fund_final_account,
            resource_id=r.id,
            link=f"/api/v1/funds/final-accounts/{r.id}",
            deadline=None,
        )
        for r in _rows(session, stmt)
    ]


def _final_approve(session: Session, principal: Principal) -> list[TaskOut]:
    return _finals(session, principal, "funds.final_approve", "budgets.approve", "draft")


def _final_review(session: Session, principal: Principal) -> list[TaskOut]:
    return _finals(session, principal, "funds.final_review", "budgets.review", "approved")


#: this area's task kinds for the inbox, installed by ``api.main.create_app`` (see api.services.tasks)
TASK_PROVIDERS: dict[str, tasks.Provider] = {
    "funds.budget_approve": _budget_approve,
    "funds.budget_review": _budget_review,
    "funds.adjustment": _adjustments,
    "funds.final_due": _final_due,
    "funds.final_approve": _final_approve,
    "funds.final_review": _final_review,
}
