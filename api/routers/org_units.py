from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from api.db.models import OrgUnit
from api.deps import Authorized, IfMatch, PageQuery, SessionDep, db_call, require
from api.routers._common import set_etag
from api.routing import Route
from api.schemas.common import PROBLEM_RESPONSES, Page
from api.schemas.org_compliance import ComplianceReport
from api.schemas.org_units import (
    OrgUnitClose,
    OrgUnitCreate,
    OrgUnitKind,
    OrgUnitMove,
    OrgUnitOut,
    OrgUnitStatus,
    OrgUnitUpdate,
)
from api.services import org_compliance
from api.services import org_units as service

router = APIRouter(route_class=Route, prefix="/org-units", tags=["org-units"], responses=PROBLEM_RESPONSES)


async def load_org_unit(unit_id: uuid.UUID, session: SessionDep, principal: Authorized) -> OrgUnit:
    return await db_call(session, service.get_in_scope, session, unit_id, principal)


OrgUnitDep = Annotated[OrgUnit, Depends(load_org_unit)]


@router.get("", response_model=Page[OrgUnitOut], dependencies=[Depends(require("org_units.read"))])
def org_units_list(
    session: SessionDep,
    principal: Authorized,
    page: PageQuery,
    parent_id: uuid.UUID | None = None,
    under: Annotated[
        uuid.UUID | None, Query(description="Only this unit's subtree (itself included).")
    ] = None,
    kind: OrgUnitKind | None = None,
    status: OrgUnitStatus | None = None,
    q: Annotated[str | None, Query(max_length=100, description="Substring of name or code.")] = None,
) -> Page[OrgUnitOut]:
    """Units inside the caller's scope, in creation order."""
    items, next_cursor = service.list_units(
        session,
        principal,
        limit=page.limit,
        cursor=page.cursor,
        parent_id=parent_id,
        under=under,
        kind=kind,
        status=status,
        q=q,
    )
    return Page(items=items, next_cursor=next_cursor)


@router.post(
    "", response_model=OrgUnitOut, status_code=201, dependencies=[Depends(require("org_units.write"))]
)
def org_units_create(
    body: OrgUnitCreate, session: SessionDep, principal: Authorized, response: Response
) -> OrgUnit:
    """Set up a unit under a parent the caller administers (章程 Art 16: approval of the unit above)."""
    unit = service.create(session, body, by=principal)
    set_etag(response, unit)
    response.headers["Location"] = f"/api/v1/org-units/{unit.id}"
    return unit


@router.get("/{unit_id}", response_model=OrgUnitOut, dependencies=[Depends(require("org_units.read"))])
def org_units_get(unit: OrgUnitDep, response: Response) -> OrgUnit:
    """One unit. The ETag header carries its version for If-Match."""
    set_etag(response, unit)
    return unit


@router.patch("/{unit_id}", response_model=OrgUnitOut, dependencies=[Depends(require("org_units.write"))])
def org_units_update(
    unit: OrgUnitDep,
    body: OrgUnitUpdate,
    version: IfMatch,
    session: SessionDep,
    principal: Authorized,
    response: Response,
) -> OrgUnit:
    """Rename a unit or set its employer's unified social credit code."""
    unit = service.update(session, unit, body, version=version, by=principal)
    set_etag(response, unit)
    return unit


@router.post("/{unit_id}/move", response_model=OrgUnitOut, dependencies=[Depends(require("org_units.write"))])
def org_units_move(
    unit: OrgUnitDep,
    body: OrgUnitMove,
    version: IfMatch,
    session: SessionDep,
    principal: Authorized,
    response: Response,
) -> OrgUnit:
    """Move a unit and its subtree under another parent (never under itself or its descendants)."""
    unit = service.move(session, unit, body, version=version, by=principal)
    set_etag(response, unit)
    return unit


@router.post(
    "/{unit_id}/close", response_model=OrgUnitOut, dependencies=[Depends(require("org_units.write"))]
)
def org_units_close(
    unit: OrgUnitDep,
    body: OrgUnitClose,
    version: IfMatch,
    session: SessionDep,
    principal: Authorized,
    response: Response,
) -> OrgUnit:
    """Close a unit with no open sub-units; needs a grant above it (章程 Art 16)."""
    unit = service.close(session, unit, body, version=version, by=principal)
    set_etag(response, unit)
    return unit


@router.get(
    "/{unit_id}/compliance",
    response_model=ComplianceReport,
    dependencies=[Depends(require("org_units.read"))],
)
def org_units_compliance(
    unit: OrgUnitDep,
    session: SessionDep,
    only_findings: Annotated[bool, Query(description="List only the unions with findings.")] = False,
) -> ComplianceReport:
    """Organisation thresholds over the unit's subtree (a federation's unions, or one union): each
    open grassroots union (joint ones included) with its members and women members, its recorded
    committee, women workers' committee and assembly form, and the findings: `committee_missing`
    (>= 25 members and no union committee: 章程 Art 25), `congress_instead_of_meeting` (<= 100 members
    holding a representatives' congress instead of a members' meeting: 章程 Art 26),
    `women_committee_missing` (>= 10 women members and no women workers' committee: 章程 Art 30;
    女职工委员会工作条例 Art 11). The facts are recorded on each unit (`PATCH /org-units/{id}`).
    """
    return org_compliance.report(session, unit, only_findings=only_findings)
