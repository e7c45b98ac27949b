"""Year-end final accounts (决算), docs/rules.md §5 Lifecycle; 章程 Art 13, 26, 39.

After a fiscal year ends, the treasurer drafts the accounting unit's final accounts: the figures are
computed from the ledger (its running totals) and the budget in force (never typed in). The chair
approves (never the drafter), recording the meeting and minute reference; from then on the year
takes no postings. The funds-audit committee accepts (the year is closed for good; corrections post
in a later year) or sends it back to draft with reasons, which opens the year again until the next
approval. At approval the figures must still match the ledger (else 409 ``funds_final_stale``: redraft first).
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlmodel import Session, col, select

from api.db.models import FundBudgetLine, FundFinalAccount
from api.db.types import utcnow
from api.errors import Conflict, NotFound
from api.i18n import _, register
from api.schemas.funds import (
    ApproveIn,
    FinalCreate,
    FinalStatus,
    FundEventKind,
    FundEventOut,
    ReviewDecision,
    ReviewIn,
)
from api.security.principal import Principal
from api.services.concurrency import expect_version
from api.services.funds import budgets, common, totals
from api.services.funds.common import (
    column,
    record_approval,
    record_step,
    require_accounting_unit,
    require_in_scope,
    visible,
)
from api.services.funds.workflow import step_final
from api.services.pagination import keyset

register(
    {
        "funds_final_stale": _(
            "Entries were posted since the final accounts were drafted: redraft them first."
        ),
        "funds_final_not_draft": _("Only a draft can be redrafted."),
    }
)

F = FinalStatus


def figures(session: Session, unit_id: uuid.UUID, fiscal_year: int) -> dict[str, Any]:
    """The year's figures from the ledger per line: budget in force, actual, and the totals."""
    current = budgets.in_force(session, unit_id, fiscal_year)
    planned: dict[str, tuple[str, str, int]] = {}
    if current is not None:
        for line in session.exec(select(FundBudgetLine).where(FundBudgetLine.budget_id == current.id)).all():
            planned[line.category_code] = (line.kind, line.root_code, line.amount_fen)
    booked = totals.by_category(session, [unit_id], fiscal_year)
    actual = {code: (kind, root, fen) for code, (kind, root, fen, _) in booked.items()}
    entries = sum(n for _, _, _, n in booked.values())
    lines: list[dict[str, Any]] = []
    for code in sorted(set(planned) | set(actual)):
        kind, root = (planned.get(code) or actual[code])[:2]
        lines.append(
            {
                "kind": kind,
                "category_code": code,
                "root_code": root,
                "budget_fen": planned[code][2] if code in planned else 0,
                "actual_fen": actual[code][2] if code in actual else 0,
            }
        )
    income = sum(line["actual_fen"] for line in lines if line["kind"] == "income")
    expense = sum(line["actual_fen"] for line in lines if line["kind"] == "expense")
    return {
        "budget_id": str(current.id) if current else None,
        "budget_revision": current.revision if current else None,
        "entries": entries,
        "lines": lines,
        "income_fen": income,
        "expense_fen": expense,
        "surplus_fen": income - expense,
    }


def get_visible(session: Session, final_id: uuid.UUID, principal: Principal) -> FundFinalAccount:
    found = session.exec(
        select(FundFinalAccount).where(
            FundFinalAccount.id == final_id, visible(col(FundFinalAccount.org_unit_id), principal)
        )
    ).first()
    if found is None:
        raise NotFound()
    return found


def list_finals(
    session: Session,
    principal: Principal,
    *,
    limit: int,
    cursor: str | None,
    org_unit_id: uuid.UUID | None = None,
    fiscal_year: int | None = None,
) -> tuple[list[FundFinalAccount], str | None]:
    stmt = select(FundFinalAccount).where(visible(col(FundFinalAccount.org_unit_id), principal))
    if org_unit_id is not None:
        stmt = stmt.where(FundFinalAccount.org_unit_id == org_unit_id)
    if fiscal_year is not None:
        stmt = stmt.where(FundFinalAccount.fiscal_year == fiscal_year)
    return keyset(session, stmt, keys=[column(FundFinalAccount.id)], limit=limit, cursor=cursor)


def timeline(
    session: Session, final: FundFinalAccount, *, limit: int, cursor: str | None
) -> tuple[list[FundEventOut], str | None]:
    """One page of the steps, oldest first."""
    return common.timeline(session, "final_account", final.id, limit=limit, cursor=cursor)


def _event(
    session: Session,
    final: FundFinalAccount,
    kind: FundEventKind,
    before: str | None,
    by: Principal,
    **details: Any,
) -> None:
    record_step(session, final, entity_type="final_account", kind=kind, before=before, by=by, details=details)


def create(session: Session, data: FinalCreate, *, by: Principal) -> FundFinalAccount:
    """Draft the final accounts of a year that has ended, from the ledger (treasurer)."""
    require_in_scope(session, data.org_unit_id, by)
    require_accounting_unit(session, data.org_unit_id)
    if common.today().year <= data.fiscal_year:
        raise Conflict("funds_year_not_over", fiscal_year=data.fiscal_year)
    exists = session.exec(
        select(FundFinalAccount.id).where(
            FundFinalAccount.org_unit_id == data.org_unit_id, FundFinalAccount.fiscal_year == data.fiscal_year
        )
    ).first()
    if exists is not None:
        raise Conflict("funds_final_exists", fiscal_year=data.fiscal_year)
    final = FundFinalAccount(
        org_unit_id=data.org_unit_id,
        fiscal_year=data.fiscal_year,
        figures=figures(session, data.org_unit_id, data.fiscal_year),
        drafted_by_id=by.user_id,
    )
    session.add(final)
    session.flush()
    _event(session, final, FundEventKind.drafted, None, by, surplus_fen=final.figures["surplus_fen"])
    session.commit()
    return final


def redraft(session: Session, final: FundFinalAccount, *, version: int, by: Principal) -> FundFinalAccount:
    """Recompute a draft's figures from the ledger (after corrections); the caller becomes its drafter."""
    if final.status != F.draft.value:
        raise Conflict("funds_final_not_draft")
    expect_version(final, version)
    final.figures = figures(session, final.org_unit_id, final.fiscal_year)
    final.drafted_by_id = by.user_id
    final.updated_at = utcnow()
    _event(
        session, final, FundEventKind.redrafted, final.status, by, surplus_fen=final.figures["surplus_fen"]
    )
    session.commit()
    return final


def approve(
    session: Session, final: FundFinalAccount, data: ApproveIn, *, version: int, by: Principal
) -> FundFinalAccount:
    """The committee approves (chair, never the drafter) with the meeting's date and minute; the
    year takes no more postings. Runs under the year's budget lock, so no posting slips in between
    the check that the figures are current and the freeze."""
    step_final(final.status, "approve")
    expect_version(final, version)
    if final.drafted_by_id == by.user_id:
        raise Conflict("funds_approve_own")
    budgets.in_force(session, final.org_unit_id, final.fiscal_year, lock=True)
    if figures(session, final.org_unit_id, final.fiscal_year) != final.figures:
        raise Conflict("funds_final_stale")
    record_approval(session, final, data, status=F.approved.value, entity_type="final_account", by=by)
    session.commit()
    return final


def review(
    session: Session, final: FundFinalAccount, data: ReviewIn, *, version: int, by: Principal
) -> FundFinalAccount:
    """The funds-audit committee (auditor): ``accept`` closes the year for good; ``send_back``
    returns the accounts to draft with the opinion as the reason (the year takes postings again)."""
    step_final(final.status, "review")
    expect_version(final, version)
    before = final.status
    final.reviewed_by_id = by.user_id
    final.reviewed_at = utcnow()
    final.review_opinion = data.opinion
    final.updated_at = utcnow()
    if data.decision is ReviewDecision.send_back:
        final.status = F.draft.value
        final.returned_reason = data.opinion
        _event(session, final, FundEventKind.sent_back, before, by, opinion=data.opinion)
    else:
        final.status = F.closed.value
        final.closed_at = utcnow()
        _event(session, final, FundEventKind.closed, before, by, opinion=data.opinion)
    session.commit()
    return final
