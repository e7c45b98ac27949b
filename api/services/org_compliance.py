"""The organisation-threshold compliance report (api.rules.org_thresholds) over a unit's subtree:
every open grassroots union (joint ones included) with its member and women counts, its recorded
committee, women workers' committee and assembly form, and what the thresholds find missing.

Two queries whatever the subtree's size: the unions, and the member counts grouped by union.
"""

from __future__ import annotations

from datetime import date
from typing import Any, cast

import sqlalchemy as sa
from sqlmodel import Session, col, select

from api.db.models import Member, OrgUnit
from api.rules.org_thresholds import findings
from api.schemas.org_compliance import ComplianceReport, ComplianceUnit
from api.schemas.org_units import Assembly, OrgUnitKind
from api.services.member_core import GRASSROOTS_KINDS
from api.services.scope import in_scope


def _c(attribute: Any) -> sa.ColumnElement[Any]:
    """A model attribute as the column expression the scope and pagination helpers take."""
    return cast("sa.ColumnElement[Any]", attribute)


#: statuses that hold membership (retained members are members: 章程 Art 8)
MEMBERSHIP_STATUSES = ("active", "transfer_pending", "retained")


def report(session: Session, unit: OrgUnit, *, only_findings: bool = False) -> ComplianceReport:
    unions = list(
        session.exec(
            select(OrgUnit)
            .where(
                in_scope(_c(OrgUnit.id), [unit.id]),
                col(OrgUnit.kind).in_(GRASSROOTS_KINDS),
                col(OrgUnit.status) == "active",
            )
            .order_by(col(OrgUnit.code))
        )
    )
    counts: dict[object, tuple[int, int]] = {}
    if unions:
        rows = session.execute(
            select(
                col(Member.grassroots_unit_id),
                sa.func.count(),
                sa.func.sum(sa.case((col(Member.gender) == "female", 1), else_=0)),
            )
            .where(
                col(Member.grassroots_unit_id).in_([u.id for u in unions]),
                col(Member.status).in_(MEMBERSHIP_STATUSES),
            )
            .group_by(col(Member.grassroots_unit_id))
        )
        counts = {gid: (int(n), int(w or 0)) for gid, n, w in rows}
    items = []
    for u in unions:
        members, women = counts.get(u.id, (0, 0))
        found = findings(
            members=members,
            women=women,
            has_committee=u.committee_since is not None,
            assembly=u.assembly,
            has_women_committee=u.women_committee_since is not None,
        )
        items.append(
            ComplianceUnit(
                unit_id=u.id,
                code=u.code,
                name=u.name,
                kind=OrgUnitKind(u.kind),
                members=members,
                women=women,
                committee_since=u.committee_since,
                women_committee_since=u.women_committee_since,
                assembly=Assembly(u.assembly) if u.assembly else None,
                findings=[f.value for f in found],
            )
        )
    flagged = [i for i in items if i.findings]
    return ComplianceReport(
        org_unit_id=unit.id,
        as_of=date.today(),
        unions=len(items),
        with_findings=len(flagged),
        units=flagged if only_findings else items,
    )
