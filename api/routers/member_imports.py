from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Depends, File, Form, Header, Request, Response, UploadFile
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse

from api.db.models import MemberImport
from api.deps import (
    Authorized,
    DatabaseDep,
    PageQuery,
    SessionDep,
    SettingsDep,
    db_call,
    require,
)
from api.errors import problem
from api.i18n import Text, preferred_language
from api.routing import Route
from api.schemas.common import PROBLEM_RESPONSES, Page, problem_responses
from api.schemas.member_imports import ImportOnError, ImportStatus, MemberImportOut, MemberImportSummary
from api.services import import_guard
from api.services import member_imports as service
from api.services.member_imports.progress import row_error_message

router = APIRouter(
    route_class=Route, prefix="/member-imports", tags=["member-imports"], responses=PROBLEM_RESPONSES
)


async def load_import(import_id: uuid.UUID, session: SessionDep, principal: Authorized) -> MemberImport:
    return await db_call(session, service.get_in_scope, session, import_id, principal)


ImportDep = Annotated[MemberImport, Depends(load_import)]


@router.post(
    "",
    response_model=MemberImportOut,
    status_code=201,
    responses={
        200: {
            "model": MemberImportOut,
            "description": "Same file and Idempotency-Key as before: the earlier job.",
        },
        202: {
            "model": MemberImportOut,
            "description": "Large file: queued; poll `GET /member-imports/{id}`.",
        },
        **problem_responses(
            {
                422: (
                    "import_rows_invalid",
                    "import_unsupported_format",
                    "import_unreadable_file",
                    "import_missing_column",
                    "import_unknown_column",
                    "import_duplicate_column",
                ),
                413: ("import_file_too_large",),
            }
        ),
    },
    dependencies=[Depends(require("members.import"))],
    max_body_size=service.MAX_UPLOAD_BYTES + 1024 * 1024,  # the file plus the multipart envelope
)
def member_imports_create(
    request: Request,
    session: SessionDep,
    principal: Authorized,
    settings: SettingsDep,
    db: DatabaseDep,
    background: BackgroundTasks,
    response: Response,
    file: Annotated[
        UploadFile,
        File(description="CSV (UTF-8 or GB18030), XLSX or JSON Lines; Chinese or English headers."),
    ],
    org_unit: Annotated[
        str,
        Form(
            min_length=1,
            max_length=40,
            description=(
                "Code of the unit imported into: rows without 所属工会代码 land here; "
                "rows may name only units in its subtree."
            ),
        ),
    ],
    dry_run: Annotated[bool, Form(description="Validate and report only; write nothing.")] = False,
    on_error: Annotated[
        ImportOnError,
        Form(description=("`abort`: any failed row and nothing is written; `skip`: write the good rows.")),
    ] = ImportOnError.abort,
    idempotency_key: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key",
            max_length=200,
            description=(
                "Resending the same file with the same key returns the first job (200) instead of "
                "importing again."
            ),
        ),
    ] = None,
) -> Any:
    """Import members from an HR export. Employee numbers already on record in the union update that
    member; unchanged rows write nothing. Small files run at once (201 with the report); large ones run in
    the background (202) — poll the job for progress and the report of failed rows.

    A small file that fails at once is a problem, not a 201: 422 `import_rows_invalid` (or the file's
    `import_*` code) whose `errors` name each failed row's field (`rows.7.national_id`) and whose `import`
    is the failed job (also at `Location`); 500 `internal_error` if the import broke (nothing written).
    """
    unit = service.import_unit(session, org_unit, principal.units_for())
    import_guard.check_capacity(session, settings, unit.id)
    started = service.start_import(
        session,
        db,
        settings,
        source=file.file,
        filename=file.filename,
        unit=unit,
        dry_run=dry_run,
        on_error=on_error,
        key=idempotency_key,
        by=principal.user_id,
        schedule=request.app.state.jobs.import_scheduler(background.add_task),
    )
    if started.outcome != "existing":
        response.headers["Location"] = f"/api/v1/member-imports/{started.job['id']}"
    response.status_code = {"existing": 200, "finished": 201, "queued": 202}[started.outcome]
    if started.outcome == "finished" and started.job["status"] == ImportStatus.failed:
        return _failed(request, started.job)
    return started.job


def _failed(request: Request, job: dict[str, Any]) -> JSONResponse:
    """The problem answering a failed inline import, with the job (and its report) inside."""
    report = job.get("report") or {}
    lang = preferred_language(request.headers.get("accept-language"))
    status = 500 if job["error_code"] == "internal_error" else 422
    errors = [
        {
            "field": f"rows.{e['row']}.{e['field']}",
            "code": e["kind"],
            "message": row_error_message(e, lang),
        }
        for e in report.get("errors", [])
    ]
    params = {"count": job["failed_count"], "import_id": str(job["id"])}
    if report.get("detail"):
        params["detail"] = (
            Text.from_json(report["detail_text"]) if "detail_text" in report else report["detail"]
        )
    return problem(
        request,
        status,
        job["error_code"],
        params,
        headers={"Location": f"/api/v1/member-imports/{job['id']}"},
        errors=errors if status == 422 else None,
        extra={"import": jsonable_encoder(MemberImportOut.model_validate(job))},
    )


@router.get("", response_model=Page[MemberImportSummary], dependencies=[Depends(require("members.import"))])
def member_imports_list(
    session: SessionDep, principal: Authorized, page: PageQuery
) -> Page[MemberImportSummary]:
    """Import jobs of units in the caller's scope, newest first (reports: see the single job)."""
    items, next_cursor = service.list_jobs(session, principal, limit=page.limit, cursor=page.cursor)
    return Page(
        items=[MemberImportSummary.model_validate(service.view(j)) for j in items], next_cursor=next_cursor
    )


@router.get("/{import_id}", response_model=MemberImportOut, dependencies=[Depends(require("members.import"))])
def member_imports_get(job: ImportDep, request: Request) -> Any:
    """Status, progress (rows done / total in the current phase) and the report of failed rows."""
    return service.view(job, preferred_language(request.headers.get("accept-language")))
