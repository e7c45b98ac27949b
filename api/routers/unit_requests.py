"""Requests to set up or close an org unit, decided by a chair of the unit above (章程 Art 16)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Response

from api.db.models import OrgUnitRequest
from api.deps import Authorized, IfMatch, PageQuery, SessionDep, db_call, require
from api.routers._common import set_etag
from api.routing import Route
from api.schemas.common import PROBLEM_RESPONSES, Page
from api.schemas.unit_requests import (
    UnitCloseRequest,
    UnitRequestDecide,
    UnitRequestOut,
    UnitRequestStatus,
    UnitSetUpRequest,
)
from api.services import unit_requests as service

router = APIRouter(
    route_class=Route, prefix="/org-unit-requests", tags=["unit-requests"], responses=PROBLEM_RESPONSES
)


async def load_unit_request(
    request_id: uuid.UUID, session: SessionDep, principal: Authorized
) -> OrgUnitRequest:
    return await db_call(session, service.get_in_scope, session, request_id, principal)


UnitRequestDep = Annotated[OrgUnitRequest, Depends(load_unit_request)]


def _created(req: OrgUnitRequest, response: Response) -> UnitRequestOut:
    set_etag(response, req)
    response.headers["Location"] = f"/api/v1/org-unit-requests/{req.id}"
    return UnitRequestOut.model_validate(req)


@router.post(
    "/set-up",
    response_model=UnitRequestOut,
    status_code=201,
    dependencies=[Depends(require("org_units.request"))],
)
def unit_requests_set_up(
    body: UnitSetUpRequest, session: SessionDep, principal: Authorized, response: Response
) -> UnitRequestOut:
    """Ask the unit above (`parent_id`, in your scope) to approve setting up a unit under it
    (章程 Art 16). The kind must fit under the parent and the code be free (409 `org_unit_code_taken`,
    `unit_request_pending`)."""
    return _created(service.request_set_up(session, body, by=principal), response)


@router.post(
    "/close",
    response_model=UnitRequestOut,
    status_code=201,
    dependencies=[Depends(require("org_units.request"))],
)
def unit_requests_close(
    body: UnitCloseRequest, session: SessionDep, principal: Authorized, response: Response
) -> UnitRequestOut:
    """Ask the unit above to approve closing a unit in your scope (章程 Art 16): the unit itself or
    its parent asks."""
    return _created(service.request_close(session, body, by=principal), response)


@router.get("", response_model=Page[UnitRequestOut], dependencies=[Depends(require("org_units.read"))])
def unit_requests_list(
    session: SessionDep, principal: Authorized, page: PageQuery, status: UnitRequestStatus | None = None
) -> Page[UnitRequestOut]:
    """Requests about units in your scope or awaiting a unit above in your scope, newest first."""
    items, next_cursor = service.list_requests(
        session, principal, limit=page.limit, cursor=page.cursor, status=status
    )
    return Page(items=items, next_cursor=next_cursor)


@router.get("/{request_id}", response_model=UnitRequestOut, dependencies=[Depends(require("org_units.read"))])
def unit_requests_get(req: UnitRequestDep, response: Response) -> UnitRequestOut:
    """One request; the ETag carries its version."""
    set_etag(response, req)
    return UnitRequestOut.model_validate(req)


@router.post(
    "/{request_id}/decide",
    response_model=UnitRequestOut,
    dependencies=[Depends(require("org_units.approve"))],
)
def unit_requests_decide(
    req: UnitRequestDep,
    body: UnitRequestDecide,
    version: IfMatch,
    session: SessionDep,
    principal: Authorized,
    response: Response,
) -> UnitRequestOut:
    """Approve (with the approval document's reference, `approval_ref`) or reject (with reasons,
    `note`), If-Match. Only a chair of the unit above (403 `unit_request_not_above`), never the person
    who asked (403 `unit_request_self_approval`). Approval sets up or closes the unit at once; the
    unit's audit event names the request and the document."""
    req = service.decide(session, req, body, version=version, by=principal)
    set_etag(response, req)
    return UnitRequestOut.model_validate(req)
