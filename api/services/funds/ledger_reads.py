"""Reading the ledger: a visible entry, the filtered keyset list and the presentation of entries with
their reversal link and welfare recipients. Split from :mod:`api.services.funds.ledger`, which re-exports
these names."""

from __future__ import annotations

import uuid
from collections import defaultdict

from sqlmodel import Session, col, select

from api.db.models import FundLedgerEntry, FundWelfareRecipient
from api.errors import NotFound
from api.schemas.funds import EntryOut, LedgerSourceType, RecipientOut
from api.security.principal import Principal
from api.services.funds.common import (
    column,
    visible,
)
from api.services.pagination import keyset


def get_visible(session: Session, entry_id: uuid.UUID, principal: Principal) -> FundLedgerEntry:
    found = session.exec(
        select(FundLedgerEntry).where(
            FundLedgerEntry.id == entry_id, visible(col(FundLedgerEntry.org_unit_id), principal)
        )
    ).first()
    if found is None:
        raise NotFound()
    return found


def list_entries(
    session: Session,
    principal: Principal,
    *,
    limit: int,
    cursor: str | None,
    org_unit_id: uuid.UUID | None = None,
    fiscal_year: int | None = None,
    category_code: str | None = None,
    kind: str | None = None,
    source_type: LedgerSourceType | None = None,
    source_id: uuid.UUID | None = None,
) -> tuple[list[FundLedgerEntry], str | None]:
    stmt = select(FundLedgerEntry).where(visible(col(FundLedgerEntry.org_unit_id), principal))
    if org_unit_id is not None:
        stmt = stmt.where(FundLedgerEntry.org_unit_id == org_unit_id)
    if fiscal_year is not None:
        stmt = stmt.where(FundLedgerEntry.fiscal_year == fiscal_year)
    if category_code is not None:
        stmt = stmt.where(FundLedgerEntry.category_code == category_code)
    if kind is not None:
        stmt = stmt.where(FundLedgerEntry.kind == kind)
    if source_type is not None:
        stmt = stmt.where(FundLedgerEntry.source_type == source_type)
    if source_id is not None:
        stmt = stmt.where(FundLedgerEntry.source_id == source_id)
    return keyset(session, stmt, keys=[column(FundLedgerEntry.id)], limit=limit, cursor=cursor)


def present(session: Session, entries: list[FundLedgerEntry]) -> list[EntryOut]:
    """Entries with their reversal link and welfare recipients: two queries for any number."""
    ids = [e.id for e in entries]
    if not ids:
        return []
    reversed_by = dict(
        session.execute(
            select(FundLedgerEntry.reverses_id, FundLedgerEntry.id).where(
                col(FundLedgerEntry.reverses_id).in_(ids)
            )
        ).all()
    )
    recipients: dict[uuid.UUID, list[RecipientOut]] = defaultdict(list)
    for r in session.exec(
        select(FundWelfareRecipient)
        .where(col(FundWelfareRecipient.entry_id).in_(ids))
        .order_by(col(FundWelfareRecipient.member_id))
    ).all():
        recipients[r.entry_id].append(RecipientOut.model_validate(r))
    out = []
    for e in entries:
        data = e.model_dump()
        data.update(reversed_by_id=reversed_by.get(e.id), recipients=recipients[e.id])
        out.append(EntryOut.model_validate(data))
    return out


def present_one(session: Session, entry: FundLedgerEntry) -> EntryOut:
    return present(session, [entry])[0]


def present_posted(entry: FundLedgerEntry, recipients: list[FundWelfareRecipient]) -> EntryOut:
    """An entry just posted, from what was written (no reversal can point at it yet): no query."""
    data = entry.model_dump()
    data.update(
        reversed_by_id=None,
        recipients=[
            RecipientOut.model_validate(r) for r in sorted(recipients, key=lambda r: str(r.member_id))
        ],
    )
    return EntryOut.model_validate(data)
