from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Response

from api.db.models import Congress, Department
from api.deps import Authorized, IfMatch, PageQuery, SessionDep, SettingsDep, db_call, require
from api.routers._common import set_etag
from api.routing import Route
from api.schemas.common import PROBLEM_RESPONSES, Page
from api.schemas.congresses import (
    CongressCreate,
    CongressOut,
    CongressUpdate,
    DepartmentCreate,
    DepartmentOut,
    DepartmentUpdate,
    HandlerAdd,
    PresidiumMemberOut,
    PresidiumSet,
    RepresentativeAdd,
    RepresentativeOut,
)
from api.schemas.motions import FollowUpOut, FollowUpStatus, MotionReport, ReplyReport
from api.services import congress_sessions
from api.services import congresses as service
from api.services import motions as motions_service
from api.services.motions import followups as motion_followups
from api.services.motions import reply_report

router = APIRouter(route_class=Route, prefix="/congresses", tags=["congresses"], responses=PROBLEM_RESPONSES)
departments_router = APIRouter(
    route_class=Route, prefix="/departments", tags=["congresses"], responses=PROBLEM_RESPONSES
)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


async def load_congress(congress_id: uuid.UUID, session: SessionDep, principal: Authorized) -> Congress:
    return await db_call(session, service.get_visible, session, congress_id, principal)


CongressDep = Annotated[Congress, Depends(load_congress)]


@router.get("", response_model=Page[CongressOut], dependencies=[Depends(require("congresses.read"))])
def congresses_list(
    session: SessionDep,
    principal: Authorized,
    page: PageQuery,
    under: Annotated[
        uuid.UUID | None, Query(description="Congresses held within this unit's subtree.")
    ] = None,
    opening_from: Annotated[date | None, Query(description="Opening on or after this date.")] = None,
    q: Annotated[str | None, Query(max_length=100, description="Substring of the name.")] = None,
) -> Page[CongressOut]:
    """Congresses the caller can see: by org scope, or, for members, those of their own union."""
    items, next_cursor = service.list_congresses(
        session,
        principal,
        limit=page.limit,
        cursor=page.cursor,
        under=under,
        opening_from=opening_from,
        q=q,
    )
    return Page(items=items, next_cursor=next_cursor)


@router.post(
    "", response_model=CongressOut, status_code=201, dependencies=[Depends(require("congresses.manage"))]
)
def congresses_create(
    body: CongressCreate,
    session: SessionDep,
    settings: SettingsDep,
    principal: Authorized,
    response: Response,
) -> Congress:
    """Set up a congress session. Unset deadline, reply period and co-signer minimum take the
    configured defaults (15 days before opening, 2 months, 2 co-signers)."""
    congress = service.create(session, body, settings=settings, by=principal)
    set_etag(response, congress)
    response.headers["Location"] = f"/api/v1/congresses/{congress.id}"
    return congress


@router.get("/{congress_id}", response_model=CongressOut, dependencies=[Depends(require("congresses.read"))])
def congresses_get(congress: CongressDep, response: Response) -> Congress:
    """One congress; the ETag covers its settings and its representative list."""
    set_etag(response, congress)
    return congress


@router.patch(
    "/{congress_id}", response_model=CongressOut, dependencies=[Depends(require("congresses.manage"))]
)
def congresses_update(
    congress: CongressDep,
    body: CongressUpdate,
    version: IfMatch,
    session: SessionDep,
    principal: Authorized,
    response: Response,
) -> Congress:
    """Change the name, dates, reply period, co-signer minimum or satisfaction scale."""
    congress = service.update(session, congress, body, version=version, by=principal)
    set_etag(response, congress)
    return congress


@router.get(
    "/{congress_id}/representatives",
    response_model=Page[RepresentativeOut],
    dependencies=[Depends(require("congresses.read"))],
)
def congresses_representatives_list(
    congress: CongressDep,
    session: SessionDep,
    page: PageQuery,
    q: Annotated[str | None, Query(max_length=100, description="Substring of name or member number.")] = None,
) -> Page[RepresentativeOut]:
    """Who may submit and co-sign motions: members flagged as representatives in the congress's
    subtree with voting rights (retained members have none), plus additions, minus removals."""
    items, next_cursor = service.list_representatives(
        session, congress, limit=page.limit, cursor=page.cursor, q=q
    )
    return Page(items=items, next_cursor=next_cursor)


@router.post(
    "/{congress_id}/representatives",
    response_model=RepresentativeOut,
    status_code=201,
    dependencies=[Depends(require("congresses.manage"))],
)
def congresses_representatives_add(
    congress: CongressDep,
    body: RepresentativeAdd,
    version: IfMatch,
    session: SessionDep,
    principal: Authorized,
    response: Response,
) -> RepresentativeOut:
    """Add a member of the congress's union with voting rights as representative for this congress.
    Needs the congress's ETag; the response carries the new one."""
    out = service.add_representative(session, congress, body, version=version, by=principal)
    set_etag(response, congress)
    return out


@router.delete(
    "/{congress_id}/representatives/{member_id}",
    status_code=204,
    dependencies=[Depends(require("congresses.manage"))],
)
def congresses_representatives_remove(
    congress: CongressDep, member_id: uuid.UUID, version: IfMatch, session: SessionDep, principal: Authorized
) -> Response:
    """Remove a representative from this congress (the member record's flag is left alone)."""
    service.remove_representative(session, congress, member_id, version=version, by=principal)
    response = Response(status_code=204)
    set_etag(response, congress)
    return response


@router.get(
    "/{congress_id}/motion-report",
    response_model=MotionReport,
    dependencies=[Depends(require("motions.read"))],
    responses={
        200: {"content": {XLSX: {}}, "description": "The report as JSON, or as XLSX with `format=xlsx`."}
    },
)
def congresses_motion_report(
    congress: CongressDep,
    session: SessionDep,
    principal: Authorized,
    fmt: Annotated[
        Literal["json", "xlsx"], Query(alias="format", description="`xlsx` for a printable workbook.")
    ] = "json",
) -> MotionReport | Response:
    """The motion committee's report to the next congress: counts by decision and outcome class,
    on-time reply rate, satisfaction rate, reopened motions, overdue list, per-department table.
    For the union's chair, officers and auditors."""
    report = motions_service.report(session, congress, by=principal)
    if fmt == "xlsx":
        return Response(
            motions_service.report_xlsx(report),
            media_type=XLSX,
            headers={"Content-Disposition": f'attachment; filename="motion-report-{congress.id}.xlsx"'},
        )
    return report


DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@router.get(
    "/{congress_id}/reply-report",
    response_model=ReplyReport,
    dependencies=[Depends(require("motions.read"))],
    responses={
        200: {
            "content": {XLSX: {}, DOCX: {}},
            "description": "The report as JSON, or as XLSX / DOCX with `format=xlsx` / `format=docx`.",
        }
    },
)
def congresses_reply_report(
    congress: CongressDep,
    session: SessionDep,
    principal: Authorized,
    fmt: Annotated[
        Literal["json", "xlsx", "docx"],
        Query(alias="format", description="`xlsx` or `docx` for a printable document."),
    ] = "json",
) -> ReplyReport | Response:
    """The reply report read out at the congress (提案答复报告): every registered or converted motion
    with the lead department's latest answer, its outcome class (A-D), the proposer's rating and the
    signatories' satisfaction, and for class B the promised date and the follow-up's state. For the
    union's chair, officers and auditors."""
    report = reply_report.build(session, congress, by=principal)
    if fmt == "json":
        return report
    body, media = (
        (reply_report.to_xlsx(report), XLSX) if fmt == "xlsx" else (reply_report.to_docx(report), DOCX)
    )
    return Response(
        body,
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="reply-report-{congress.id}.{fmt}"'},
    )


@router.get(
    "/{congress_id}/follow-ups",
    response_model=Page[FollowUpOut],
    dependencies=[Depends(require("motions.read"))],
)
def congresses_follow_ups(
    congress: CongressDep,
    session: SessionDep,
    principal: Authorized,
    page: PageQuery,
    status: FollowUpStatus | None = None,
) -> Page[FollowUpOut]:
    """Class-B answers of this congress's motions and their follow-up (promised date, open / done),
    by motion number, paged. For the union's chair, officers and auditors."""
    reply_report.require_reader(session, congress, principal)
    items, next_cursor = motion_followups.of_congress(
        session, congress, status, limit=page.limit, cursor=page.cursor
    )
    return Page(items=items, next_cursor=next_cursor)


# --- departments (承办部门) ----------------------------------------------------------------------


async def load_department(department_id: uuid.UUID, session: SessionDep, principal: Authorized) -> Department:
    return await db_call(session, service.get_department, session, department_id, principal)


DepartmentDep = Annotated[Department, Depends(load_department)]


def _one(session: SessionDep, dept: Department, response: Response) -> DepartmentOut:
    set_etag(response, dept)
    return service.present_departments(session, [dept])[0]


@departments_router.get(
    "", response_model=Page[DepartmentOut], dependencies=[Depends(require("congresses.read"))]
)
def departments_list(
    session: SessionDep,
    principal: Authorized,
    page: PageQuery,
    org_unit_id: Annotated[uuid.UUID | None, Query(description="Departments of this union.")] = None,
    is_active: bool | None = None,
    mine: Annotated[bool, Query(description="Only departments the caller is a handler of.")] = False,
) -> Page[DepartmentOut]:
    """Departments that answer motions, within the caller's scope."""
    items, next_cursor = service.list_departments(
        session,
        principal,
        limit=page.limit,
        cursor=page.cursor,
        org_unit_id=org_unit_id,
        is_active=is_active,
        mine=mine,
    )
    return Page(items=service.present_departments(session, items), next_cursor=next_cursor)


@departments_router.post(
    "", response_model=DepartmentOut, status_code=201, dependencies=[Depends(require("congresses.manage"))]
)
def departments_create(
    body: DepartmentCreate, session: SessionDep, principal: Authorized, response: Response
) -> DepartmentOut:
    """Add a department of a grassroots union."""
    dept = service.create_department(session, body, by=principal)
    response.headers["Location"] = f"/api/v1/departments/{dept.id}"
    return _one(session, dept, response)


@departments_router.get(
    "/{department_id}", response_model=DepartmentOut, dependencies=[Depends(require("congresses.read"))]
)
def departments_get(dept: DepartmentDep, session: SessionDep, response: Response) -> DepartmentOut:
    """One department with its handlers; the ETag covers both."""
    return _one(session, dept, response)


@departments_router.patch(
    "/{department_id}", response_model=DepartmentOut, dependencies=[Depends(require("congresses.manage"))]
)
def departments_update(
    dept: DepartmentDep,
    body: DepartmentUpdate,
    version: IfMatch,
    session: SessionDep,
    principal: Authorized,
    response: Response,
) -> DepartmentOut:
    """Rename or deactivate a department (inactive ones get no new motions)."""
    dept = service.update_department(session, dept, body, version=version, by=principal)
    return _one(session, dept, response)


@departments_router.post(
    "/{department_id}/handlers",
    response_model=DepartmentOut,
    dependencies=[Depends(require("congresses.manage"))],
)
def departments_handlers_add(
    dept: DepartmentDep,
    body: HandlerAdd,
    version: IfMatch,
    session: SessionDep,
    principal: Authorized,
    response: Response,
) -> DepartmentOut:
    """Attach a user holding the handler role over the department's union."""
    dept = service.add_handler(session, dept, body, version=version, by=principal)
    return _one(session, dept, response)


@departments_router.delete(
    "/{department_id}/handlers/{user_id}",
    response_model=DepartmentOut,
    dependencies=[Depends(require("congresses.manage"))],
)
def departments_handlers_remove(
    dept: DepartmentDep,
    user_id: uuid.UUID,
    version: IfMatch,
    session: SessionDep,
    principal: Authorized,
    response: Response,
) -> DepartmentOut:
    """Detach a handler from the department."""
    dept = service.remove_handler(session, dept, user_id, version=version, by=principal)
    return _one(session, dept, response)


# --- presidium (主席团) --------------------------------------------------------------------------


@router.get(
    "/{congress_id}/presidium",
    response_model=Page[PresidiumMemberOut],
    dependencies=[Depends(require("congresses.read"))],
)
def congresses_presidium(
    congress: CongressDep, session: SessionDep, response: Response, page: PageQuery
) -> Page[PresidiumMemberOut]:
    """The session's presidium (主席团), by member number, paged."""
    set_etag(response, congress)
    items, next_cursor = congress_sessions.presidium(session, congress, limit=page.limit, cursor=page.cursor)
    return Page(items=items, next_cursor=next_cursor)


@router.put(
    "/{congress_id}/presidium",
    response_model=Page[PresidiumMemberOut],
    dependencies=[Depends(require("congresses.manage"))],
)
def congresses_presidium_set(
    congress: CongressDep,
    body: PresidiumSet,
    version: IfMatch,
    session: SessionDep,
    principal: Authorized,
    response: Response,
) -> Page[PresidiumMemberOut]:
    """Replace the presidium (If-Match on the congress), each one a representative of this congress
    (422 `congress_presidium_not_representative`). The motion committee's disputed decisions go to
    it: a review with decision `refer`, then the presidium's decision recorded with its meeting date."""
    items, next_cursor = congress_sessions.set_presidium(
        session, congress, body, version=version, by=principal
    )
    set_etag(response, congress)
    return Page(items=items, next_cursor=next_cursor)
