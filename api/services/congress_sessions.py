"""A congress session's presidium (主席团), docs/rules.md §3: elected from the session's representatives;
the motion committee's disputed decisions go to it (api.services.motions, ``refer``).

Owns the ``congress_presidium_member`` table.
"""

from __future__ import annotations

from typing import Any, cast

import sqlalchemy as sa
from sqlmodel import Session, col, select

from api.db.models import Congress, CongressPresidiumMember, Member
from api.db.types import utcnow
from api.errors import NotFound, RuleViolation
from api.i18n import _n, register
from api.schemas.congresses import PresidiumMemberOut, PresidiumSet
from api.security.principal import Principal
from api.services import audit, congresses
from api.services.concurrency import expect_version
from api.services.pagination import keyset
from api.services.scope import unit_within

register(
    {
        "congress_presidium_not_representative": _n(
            "{count} member is not a representative of this congress: {first}.",
            "{count} members are not representatives of this congress (first: {first}).",
        ),
    }
)


def presidium(
    session: Session, congress: Congress, *, limit: int, cursor: str | None
) -> tuple[list[PresidiumMemberOut], str | None]:
    """One page of the presidium, by member number (unique)."""
    stmt = cast(
        "sa.Select[Any]",
        sa.select(col(Member.id), col(Member.member_no), col(Member.name))
        .join(CongressPresidiumMember, col(CongressPresidiumMember.member_id) == col(Member.id))
        .where(col(CongressPresidiumMember.congress_id) == congress.id),
    )
    rows, next_cursor = keyset(
        session, stmt, keys=[col(Member.member_no)], limit=limit, cursor=cursor, scalars=False
    )
    return [PresidiumMemberOut(member_id=r[0], member_no=r[1], name=r[2]) for r in rows], next_cursor


def set_presidium(
    session: Session, congress: Congress, data: PresidiumSet, *, version: int, by: Principal
) -> tuple[list[PresidiumMemberOut], str | None]:
    """Replace the presidium with ``data.member_ids``, each a representative of the congress (one query
    for all of them); bumps the congress's version (its ETag covers the presidium)."""
    if not unit_within(session, congress.org_unit_id, by.units_for("congresses.manage")):
        raise NotFound()  # readers who may not manage it, as for the congress's other writes
    expect_version(congress, version)
    wanted = list(dict.fromkeys(data.member_ids))
    found = set(
        session.exec(
            select(col(Member.id)).where(
                col(Member.id).in_(wanted), congresses.representative_clause(congress)
            )
        )
    )
    missing = [m for m in wanted if m not in found]
    if missing:
        raise RuleViolation(
            "congress_presidium_not_representative",
            field="member_ids",
            count=len(missing),
            first=str(missing[0]),
        )
    before = sorted(
        str(m)
        for m in session.exec(
            select(col(CongressPresidiumMember.member_id)).where(
                col(CongressPresidiumMember.congress_id) == congress.id
            )
        )
    )
    for row in session.exec(
        select(CongressPresidiumMember).where(col(CongressPresidiumMember.congress_id) == congress.id)
    ):
        session.delete(row)
    session.flush()
    session.add_all(CongressPresidiumMember(congress_id=congress.id, member_id=m) for m in wanted)
    congress.updated_at = utcnow()  # the ETag covers the presidium: bump the version
    audit.record(
        session,
        by,
        "congress.presidium_set",
        entity_type="congress",
        entity_id=congress.id,
        org_unit_id=congress.org_unit_id,
        changes={"before": {"presidium": before}, "after": {"presidium": sorted(str(m) for m in wanted)}},
    )
    session.commit()
    # the whole new presidium as one page (it is at most PresidiumSet's 99 members: next_cursor is null)
    return presidium(session, congress, limit=max(len(wanted), 1), cursor=None)
