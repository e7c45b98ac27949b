"""Who sees what of the aid area, as SQL WHERE clauses used by lists, load-by-id, reports and exports
(docs/rules.md §0 role matrix, §4 "Who sees what").

Hardship details (files, applications): officers, the chair and auditors over their subtrees, and the
member themselves. The treasurer sees approved applications for payment only (payee, amount, account),
through :func:`payable_clause`. Notices: the members of the notice's union and the readers in scope.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql import ColumnElement
from sqlmodel import col, select

from api.db.models import AidApplication, AidHousehold, AidNotice, AidProgramme, Member, OrgUnitClosure
from api.security.permissions import Role
from api.security.principal import Principal
from api.services.aid.common import column
from api.services.scope import in_scope


def _detail_clause(principal: Principal, unit_col: Any, member_col: Any) -> ColumnElement[bool]:
    clauses: list[ColumnElement[bool]] = []
    roots = principal.units_for("aid.read")
    if roots:
        clauses.append(in_scope(unit_col, roots))
    if Role.member in principal.roles() and principal.member_id is not None:
        clauses.append(member_col == principal.member_id)
    return sa.or_(*clauses) if clauses else sa.false()


def household_clause(principal: Principal) -> ColumnElement[bool]:
    return _detail_clause(principal, column(AidHousehold.org_unit_id), column(AidHousehold.member_id))


def application_clause(principal: Principal) -> ColumnElement[bool]:
    return _detail_clause(principal, column(AidApplication.org_unit_id), column(AidApplication.member_id))


def payable_clause(principal: Principal) -> ColumnElement[bool]:
    """Applications the caller pays: the treasurer's subtrees."""
    return in_scope(column(AidApplication.org_unit_id), principal.units_for("aid.pay"))


def notice_clause(principal: Principal) -> ColumnElement[bool]:
    """Readers in scope see every notice of their subtrees; a member sees every notice of their own
    grassroots union (its branches included)."""
    clauses: list[ColumnElement[bool]] = []
    roots = principal.units_for("aid.read")
    if roots:
        clauses.append(in_scope(column(AidNotice.org_unit_id), roots))
    if Role.member in principal.roles() and principal.member_id is not None:
        own_union = select(Member.grassroots_unit_id).where(col(Member.id) == principal.member_id)
        clauses.append(
            col(AidNotice.org_unit_id).in_(
                select(OrgUnitClosure.descendant_id).where(col(OrgUnitClosure.ancestor_id).in_(own_union))
            )
        )
    return sa.or_(*clauses) if clauses else sa.false()


def programme_clause(principal: Principal) -> ColumnElement[bool]:
    """A programme of a unit above or within the caller's units (a member: their own unit's chain)."""
    units = {g.org_unit_id for g in principal.grants}
    if not units:
        return sa.false()
    roots = sorted(units)
    above = select(OrgUnitClosure.ancestor_id).where(col(OrgUnitClosure.descendant_id).in_(roots))
    return sa.or_(in_scope(column(AidProgramme.org_unit_id), roots), col(AidProgramme.org_unit_id).in_(above))
