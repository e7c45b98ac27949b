"""The organisation-threshold compliance report of a federation's subtree (章程 Art 25-26, 30;
女职工委员会工作条例 Art 11)."""

from __future__ import annotations

import uuid
from datetime import date

from pydantic import Field

from api.schemas.common import Out
from api.schemas.org_units import Assembly, OrgUnitKind


class ComplianceUnit(Out):
    unit_id: uuid.UUID
    code: str
    name: str
    kind: OrgUnitKind
    members: int = Field(
        description="Members registered with the union (applied, withdrawn and the like excluded)."
    )
    women: int
    committee_since: date | None
    women_committee_since: date | None
    assembly: Assembly | None
    findings: list[str] = Field(
        description="`committee_missing` (>= 25 members, no committee: 章程 Art 25), "
        "`congress_instead_of_meeting` (<= 100 members holding a congress: 章程 Art 26), "
        "`women_committee_missing` (>= 10 women, no women workers' committee: 女职工委员会工作条例 Art 11)."
    )


class ComplianceReport(Out):
    org_unit_id: uuid.UUID
    as_of: date
    unions: int = Field(description="Open grassroots unions (including joint ones) in the subtree.")
    with_findings: int
    units: list[ComplianceUnit]
