"""The ledger (账簿): income and expense entries against the budget in force (docs/rules.md §5).

This module owns posting. Other areas (aid payments) call :func:`post_expense` /
:func:`post_expenses` inside their own use case, which commits; nothing here commits except the
router-facing use cases at the end (:func:`create_entry`, :func:`reverse`). The budget-line
helpers (resolution under lock, remainder, numbering) live in :mod:`api.services.funds.ledger_lines`
and reading in :mod:`api.services.funds.ledger_reads`; their public names are re-exported here.

Rules:
- An entry books at the accounting unit of the unit it names (the unit itself, or its nearest
  ancestor flagged 经费独立核算) in the fiscal year of its date, against the line of the budget in
  force for its category: without one, 409 ``budget_not_in_force``.
- No spending outside the approved budget (docs/rules.md §5 [L]): an expense beyond the line's
  remainder is refused, 409 ``budget_line_insufficient`` with the remainder. The check runs under
  the in-force budget's row lock (PostgreSQL ``SELECT ... FOR UPDATE``; SQLite writers hold the
  database write lock from ``BEGIN IMMEDIATE``), so of two postings racing for the last remainder
  exactly one succeeds.
- A year whose final accounts are approved or closed refuses postings (409 ``fiscal_year_closed``).
- Entries are never changed: a correction is a reversal entry (amount negated) linked to the
  original, once. Every entry also adds to its running total (:mod:`api.services.funds.totals`)
  in the same transaction, under the same lock. Voucher numbers are unique per unit and year;
  without one, the entry's running number is used.
- Expenses of at least ``GONGHUI_FUNDS_DECISION_THRESHOLD_FEN`` need a collective decision reference.
- Welfare items also pass :mod:`api.services.funds.welfare` (recipients, form, festival, caps).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from api.config import Settings, get_settings
from api.db.models import FundBudget, FundLedgerEntry, FundWelfareRecipient
from api.errors import Conflict, RuleViolation
from api.schemas.funds import EntryCreate, EntryOut, LedgerSourceType, ReversalIn
from api.security.principal import Principal
from api.services import audit
from api.services.funds import budgets, charts, common, totals, welfare
from api.services.funds.common import (
    accounting_unit_of,
    refuse_closed_year,
    require_in_scope,
)
from api.services.funds.ledger_lines import (
    POST,
    _Line,
    _numbering,
    _resolve,
    line_of,
    remainder_fen,
)
from api.services.funds.ledger_reads import get_visible, list_entries, present, present_one, present_posted

__all__ = [
    "ExpenseDraft",
    "LedgerEntry",
    "create_entry",
    "get_visible",
    "list_entries",
    "post_expense",
    "post_expenses",
    "post_income",
    "present",
    "present_one",
    "present_posted",
    "remainder_fen",
    "reverse",
]

#: the ledger's row type, under the name other areas import
LedgerEntry = FundLedgerEntry


@dataclass
class ExpenseDraft:
    """One expense for :func:`post_expenses`: the keyword arguments of :func:`post_expense`."""

    unit_id: uuid.UUID
    category_code: str
    amount_fen: int
    entry_on: date
    counterparty: str
    description: str
    voucher_no: str | None = None
    source_type: LedgerSourceType | None = None
    source_id: uuid.UUID | None = None
    approved_by_id: uuid.UUID | None = None
    payment_method: str | None = None
    attachments: list[str] = field(default_factory=list)
    decision_ref: str | None = None
    recipients: list[tuple[uuid.UUID, int]] = field(default_factory=list)
    payment_form: str | None = None
    festival: str | None = None


def _write(
    session: Session,
    target: _Line,
    *,
    kind: str,
    amount_fen: int,
    entry_on: date,
    counterparty: str,
    description: str,
    by: Principal,
    voucher_no: str | None,
    **extra: Any,
) -> FundLedgerEntry:
    seq = _numbering(session, target.unit_id, target.fiscal_year, voucher_no)
    voucher = voucher_no or f"{target.fiscal_year}-{seq:06d}"
    entry = FundLedgerEntry(
        org_unit_id=target.unit_id,
        fiscal_year=target.fiscal_year,
        seq=seq,
        voucher_no=voucher,
        kind=kind,
        category_code=target.line.category_code,
        root_code=target.line.root_code,
        budget_id=target.budget.id,
        entry_on=entry_on,
        amount_fen=amount_fen,
        counterparty=counterparty,
        description=description,
        posted_by_id=by.user_id,
        **extra,
    )
    session.add(entry)
    _flush(session, entry)
    totals.add(
        session,
        unit_id=entry.org_unit_id,
        fiscal_year=entry.fiscal_year,
        category_code=entry.category_code,
        kind=kind,
        root_code=entry.root_code,
        amount_fen=amount_fen,
    )
    audit.record(
        session,
        by,
        "fund_ledger.posted" if entry.reverses_id is None else "fund_ledger.reversed",
        entity_type="fund_ledger_entry",
        entity_id=entry.id,
        org_unit_id=entry.org_unit_id,
        changes=audit.created(
            {
                "voucher_no": entry.voucher_no,
                "kind": kind,
                "category_code": entry.category_code,
                "amount_fen": amount_fen,
                "entry_on": entry_on,
                "reverses_id": entry.reverses_id,
                "source_type": entry.source_type,
                "source_id": entry.source_id,
            }
        ),
    )
    return entry


def post_expense(
    session: Session,
    *,
    unit_id: uuid.UUID,
    category_code: str,
    amount_fen: int,
    entry_on: date,
    counterparty: str,
    description: str,
    by: Principal,
    voucher_no: str | None = None,
    source_type: LedgerSourceType | None = None,
    source_id: uuid.UUID | None = None,
    approved_by_id: uuid.UUID | None = None,
    payment_method: str | None = None,
    attachments: list[str] | None = None,
    decision_ref: str | None = None,
    recipients: list[tuple[uuid.UUID, int]] | None = None,
    payment_form: str | None = None,
    festival: str | None = None,
    settings: Settings | None = None,
) -> FundLedgerEntry:
    """Book an expense against the budget in force, refusing it beyond the line's remainder (409
    ``budget_line_insufficient`` with ``remainder_fen``). Writes the entry and its audit record;
    does NOT commit (the caller's use case does). ``recipients`` are (member id, fen) pairs for
    welfare items."""
    if amount_fen <= 0:
        raise RuleViolation("validation_failed", field="amount_fen", count=1)
    settings = settings or get_settings()
    target = _resolve(session, unit_id, category_code, entry_on, by)
    item = target.chart.leaf(category_code)
    controlled = target.chart.controlled(category_code)
    if controlled and amount_fen >= settings.funds_decision_threshold_fen and not decision_ref:
        raise RuleViolation(
            "funds_decision_reference_required",
            field="decision_ref",
            threshold_fen=settings.funds_decision_threshold_fen,
        )
    if item["kind"] != "expense":
        raise RuleViolation(
            "funds_category_kind", field="category_code", category_code=category_code, kind="income"
        )
    welfare_type = target.chart.welfare_type(category_code)
    if welfare_type is not None:
        welfare.check(
            session,
            target.chart,
            unit_id=target.unit_id,
            fiscal_year=target.fiscal_year,
            welfare_type=welfare_type,
            amount_fen=amount_fen,
            recipients=recipients or [],
            payment_form=payment_form,
            festival=festival,
        )
    elif recipients:
        raise RuleViolation("funds_recipients_not_welfare", field="recipients")
    if controlled:
        remainder = remainder_fen(session, target)
        if amount_fen > remainder:
            raise Conflict(
                "budget_line_insufficient",
                category_code=category_code,
                needed_fen=amount_fen,
                remainder_fen=remainder,
                fiscal_year=target.fiscal_year,
            )
    entry = _write(
        session,
        target,
        kind="expense",
        amount_fen=amount_fen,
        entry_on=entry_on,
        counterparty=counterparty,
        description=description,
        by=by,
        voucher_no=voucher_no,
        source_type=source_type,
        source_id=source_id,
        approved_by_id=approved_by_id,
        payment_method=payment_method,
        attachments=attachments or None,
        decision_ref=decision_ref,
    )
    if welfare_type is not None:
        for member_id, share in recipients or []:
            session.add(
                FundWelfareRecipient(
                    entry_id=entry.id,
                    member_id=member_id,
                    org_unit_id=target.unit_id,
                    fiscal_year=target.fiscal_year,
                    welfare_type=welfare_type,
                    amount_fen=share,
                )
            )
    return entry


def post_expenses(
    session: Session, drafts: list[ExpenseDraft], *, by: Principal, settings: Settings | None = None
) -> list[FundLedgerEntry]:
    """Book several expenses, all or nothing: if any line lacks money for its drafts together, 409
    ``budget_line_insufficient`` with ``shortfalls`` (category_code, needed_fen, remainder_fen)
    before anything is written. Budgets are locked in id order (no deadlock between two batches)."""
    # resolve without locking, then lock every budget in id order (two batches never deadlock); each
    # post_expense below resolves again under the (already held) lock, so what it checks is current
    targets = [_resolve(session, d.unit_id, d.category_code, d.entry_on, by, lock=False) for d in drafts]
    for budget_id in sorted({t.budget.id for t in targets}):
        session.exec(select(FundBudget.id).where(FundBudget.id == budget_id).with_for_update()).first()
    needed: dict[tuple[uuid.UUID, int, str], int] = defaultdict(int)
    by_key: dict[tuple[uuid.UUID, int, str], _Line] = {}
    for draft, target in zip(drafts, targets, strict=True):
        if target.chart.controlled(draft.category_code):
            key = (target.unit_id, target.fiscal_year, draft.category_code)
            needed[key] += draft.amount_fen
            by_key[key] = target
    shortfalls = []
    for key, total in needed.items():
        remainder = remainder_fen(session, by_key[key])
        if total > remainder:
            shortfalls.append({"category_code": key[2], "needed_fen": total, "remainder_fen": remainder})
    if shortfalls:
        raise Conflict(
            "budget_line_insufficient",
            shortfalls=shortfalls,
            category_code=shortfalls[0]["category_code"],
            needed_fen=shortfalls[0]["needed_fen"],
            remainder_fen=shortfalls[0]["remainder_fen"],
        )
    return [
        post_expense(
            session,
            unit_id=d.unit_id,
            category_code=d.category_code,
            amount_fen=d.amount_fen,
            entry_on=d.entry_on,
            counterparty=d.counterparty,
            description=d.description,
            by=by,
            voucher_no=d.voucher_no,
            source_type=d.source_type,
            source_id=d.source_id,
            approved_by_id=d.approved_by_id,
            payment_method=d.payment_method,
            attachments=d.attachments,
            decision_ref=d.decision_ref,
            recipients=d.recipients,
            payment_form=d.payment_form,
            festival=d.festival,
            settings=settings,
        )
        for d in drafts
    ]


def post_income(
    session: Session,
    *,
    unit_id: uuid.UUID,
    category_code: str,
    amount_fen: int,
    entry_on: date,
    counterparty: str,
    description: str,
    by: Principal,
    voucher_no: str | None = None,
    source_type: LedgerSourceType | None = None,
    source_id: uuid.UUID | None = None,
    payment_method: str | None = None,
    attachments: list[str] | None = None,
    check_scope: bool = True,
) -> FundLedgerEntry:
    """Book income against the budget in force (an income line of it). Does not commit.
    ``check_scope=False`` is for the upper union's side of a pass-up, booked by the lower treasurer."""
    if check_scope:
        require_in_scope(session, unit_id, by, POST)
    acc = accounting_unit_of(session, unit_id)
    year = entry_on.year
    budget = budgets.in_force(session, acc, year, lock=True)
    refuse_closed_year(session, acc, year)
    line = None
    if budget is not None:
        line = line_of(session, budget.id, category_code)
    if budget is None or line is None:
        raise Conflict("budget_not_in_force", fiscal_year=year, category_code=category_code)
    target = _Line(acc, year, budget, line, charts.chart(session, budget.chart_id))
    if target.chart.leaf(category_code)["kind"] != "income":
        raise RuleViolation(
            "funds_category_kind", field="category_code", category_code=category_code, kind="expense"
        )
    return _write(
        session,
        target,
        kind="income",
        amount_fen=amount_fen,
        entry_on=entry_on,
        counterparty=counterparty,
        description=description,
        by=by,
        voucher_no=voucher_no,
        source_type=source_type,
        source_id=source_id,
        payment_method=payment_method,
        attachments=attachments or None,
    )


# --- the router's use cases -----------------------------------------------------------------------


def create_entry(session: Session, data: EntryCreate, *, settings: Settings, by: Principal) -> EntryOut:
    """Post one entry (treasurer), commit, and present it without reading it back: a new entry has no
    reversal yet and its welfare recipients are the ones just written."""
    common: dict[str, Any] = {
        "unit_id": data.org_unit_id,
        "category_code": data.category_code,
        "amount_fen": data.amount_fen,
        "entry_on": data.entry_on,
        "counterparty": data.counterparty,
        "description": data.description,
        "by": by,
        "voucher_no": data.voucher_no,
        "payment_method": data.payment_method.value if data.payment_method else None,
        "attachments": data.attachments,
    }
    if data.kind.value == "income":
        entry = post_income(session, **common)
    else:
        entry = post_expense(
            session,
            **common,
            approved_by_id=data.approved_by_id,
            decision_ref=data.decision_ref,
            recipients=[(r.member_id, r.amount_fen) for r in data.recipients],
            payment_form=data.payment_form.value if data.payment_form else None,
            festival=data.festival,
            settings=settings,
        )
    recipients = [o for o in session.new if isinstance(o, FundWelfareRecipient) and o.entry_id == entry.id]
    _commit(session, entry)
    return present_posted(entry, recipients)


def _flush(session: Session, entry: FundLedgerEntry) -> None:
    try:
        session.flush()
    except IntegrityError:  # a generated voucher number someone already gave an entry by hand
        session.rollback()
        raise Conflict("funds_voucher_taken", voucher_no=entry.voucher_no) from None


def _commit(session: Session, entry: FundLedgerEntry) -> None:
    try:
        session.commit()
    except IntegrityError:  # a voucher number taken between our check and the insert
        session.rollback()
        raise Conflict("funds_voucher_taken", voucher_no=entry.voucher_no) from None


def reverse(session: Session, entry: FundLedgerEntry, data: ReversalIn, *, by: Principal) -> FundLedgerEntry:
    """Correct an entry by a reversal: the same line, the amount negated, linked to the original
    (entries are never edited or deleted). Dated today by default, in a year still open."""
    if entry.reverses_id is not None:
        raise Conflict("funds_reverse_reversal")
    already = session.exec(select(FundLedgerEntry.id).where(FundLedgerEntry.reverses_id == entry.id)).first()
    if already is not None:
        raise Conflict("funds_already_reversed")
    require_in_scope(session, entry.org_unit_id, by, POST)
    entry_on = data.entry_on or common.today()
    year = entry_on.year
    budget = budgets.in_force(session, entry.org_unit_id, year, lock=True)
    refuse_closed_year(session, entry.org_unit_id, year)
    line = None
    if budget is not None:
        line = line_of(session, budget.id, entry.category_code)
    if budget is None or line is None:
        raise Conflict("budget_not_in_force", fiscal_year=year, category_code=entry.category_code)
    target = _Line(entry.org_unit_id, year, budget, line, charts.chart(session, budget.chart_id))
    reversal = _write(
        session,
        target,
        kind=entry.kind,
        amount_fen=-entry.amount_fen,
        entry_on=entry_on,
        counterparty=entry.counterparty,
        description=data.reason,
        by=by,
        voucher_no=data.voucher_no,
        reverses_id=entry.id,
        source_type=entry.source_type,
        source_id=entry.source_id,
        payment_method=entry.payment_method,
    )
    for r in session.exec(
        select(FundWelfareRecipient).where(FundWelfareRecipient.entry_id == entry.id)
    ).all():
        session.add(
            FundWelfareRecipient(
                entry_id=reversal.id,
                member_id=r.member_id,
                org_unit_id=r.org_unit_id,
                fiscal_year=year,
                welfare_type=r.welfare_type,
                amount_fen=-r.amount_fen,
            )
        )
    _commit(session, reversal)
    return reversal
