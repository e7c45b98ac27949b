"""HR sync and export under /members: mounted before the members router (see api.main.AREA_ROUTERS),
so that ``/members/export`` is not taken for ``/members/{member_id}``."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Response
from fastapi.responses import StreamingResponse

from api.deps import Authorized, DatabaseDep, IfMatchOrAny, SessionDep, SettingsDep, require
from api.routing import Route
from api.schemas.common import PROBLEM_RESPONSES
from api.schemas.member_imports import ExportFormat, ExportLang, MemberUpsert, SyncedMemberOut
from api.schemas.members import MemberStatusName
from api.services import member_export, member_imports

router = APIRouter(route_class=Route, prefix="/members", tags=["members"], responses=PROBLEM_RESPONSES)


XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.put(
    "/by-employee-no/{employee_no}",
    response_model=SyncedMemberOut,
    responses={201: {"model": SyncedMemberOut, "description": "Created."}},
    dependencies=[Depends(require("members.upsert"))],
)
def members_upsert_by_employee_no(
    employee_no: Annotated[str, Path(min_length=1, max_length=40, description="The HR system's key.")],
    org_unit: Annotated[
        str,
        Query(
            min_length=1,
            max_length=40,
            description=(
                "Code of the unit whose grassroots union the employee number belongs to (and the default "
                "unit)."
            ),
        ),
    ],
    body: MemberUpsert,
    version: IfMatchOrAny,
    session: SessionDep,
    settings: SettingsDep,
    principal: Authorized,
    response: Response,
) -> Any:
    """Create (201) or update (200) the member with this employee number. Idempotent: unchanged data
    writes nothing — no audit event, no change-feed entry, the version (ETag) stays.

    `If-Match` is required: the member's ETag (the member must exist at that version, else 412), or `*`
    when the HR system is the source of truth (create, or update whatever is current).
    """
    member_id, created = member_imports.upsert(
        session,
        settings,
        employee_no=employee_no,
        org_unit=org_unit,
        body=body,
        version=version,
        by=principal,
    )
    data = member_imports.synced_view(session, member_id)
    response.status_code = 201 if created else 200
    response.headers["ETag"] = f'"{data["version"]}"'
    if created:
        response.headers["Location"] = f"/api/v1/members/{member_id}"
    return data


@router.get(
    "/export",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/csv": {}, XLSX_TYPE: {}}, "description": "The members, streamed."}},
    dependencies=[Depends(require("members.read"))],
)
def members_export(
    db: DatabaseDep,
    principal: Authorized,
    format: ExportFormat = ExportFormat.csv,
    lang: Annotated[
        ExportLang, Query(description="Column names: 中文 (the import's headers) or English.")
    ] = ExportLang.zh,
    org_unit_id: Annotated[uuid.UUID | None, Query(description="Only this unit's subtree.")] = None,
    status: MemberStatusName | None = None,
    is_representative: bool | None = None,
    tag: Annotated[str | None, Query(max_length=40)] = None,
    q: Annotated[
        str | None, Query(max_length=100, description="Substring of name, member no or employee no.")
    ] = None,
) -> StreamingResponse:
    """Members in the caller's scope as CSV or XLSX with the import's column names. ID numbers are
    always masked; phone and email are shown in full only where the caller may edit members."""
    flt = member_export.MemberFilter(
        org_unit_id=org_unit_id, status=status, is_representative=is_representative, tag=tag, q=q
    )
    stamp = date.today().strftime("%Y%m%d")
    if format is ExportFormat.xlsx:
        path = member_export.export_xlsx(db, principal, flt, lang.value)
        return StreamingResponse(
            member_export.stream_file(path),
            media_type=XLSX_TYPE,
            headers={"Content-Disposition": f'attachment; filename="members-{stamp}.xlsx"'},
        )
    return StreamingResponse(
        member_export.export_csv(db, principal, flt, lang.value),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="members-{stamp}.csv"'},
    )
