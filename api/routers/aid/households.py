"""Hardship aid household files (困难职工档案): filing, screening, visits, verification, decisions, reviews,
closing, timelines and the bulk import of existing files (docs/rules.md §4)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, File, Form, Query, Response, UploadFile

from api.db.models import AidHousehold
from api.deps import Authorized, IfMatch, PageQuery, SessionDep, SettingsDep, require
from api.routers._common import set_etag
from api.routers.aid._base import (
    HouseholdDep,
    router,
)
from api.schemas.aid import (
    AidEventPage,
    Category,
    CloseIn,
    DecisionIn,
    HouseholdCreate,
    HouseholdImportReport,
    HouseholdOut,
    HouseholdStatus,
    HouseholdUpdate,
    ReviewIn,
    ScreenIn,
    VerifyIn,
    VisitIn,
)
from api.schemas.common import Page
from api.schemas.member_imports import ImportOnError
from api.services import member_imports
from api.services.aid import (
    filing,
    households,
    imports,
)


def _household(session: SessionDep, household: AidHousehold, response: Response) -> HouseholdOut:
    set_etag(response, household)
    return households.present(session, [household])[0]


# --- household files ----------------------------------------------------------------------------


@router.get("/households", response_model=Page[HouseholdOut], dependencies=[Depends(require("aid.read"))])
def aid_households_list(
    session: SessionDep,
    principal: Authorized,
    page: PageQuery,
    status: HouseholdStatus | None = None,
    category: Category | None = None,
    member_id: uuid.UUID | None = None,
    review_overdue: Annotated[bool | None, Query(description="Filed files past their review date.")] = None,
) -> Page[HouseholdOut]:
    """Household files in the caller's scope (officers, chair, auditors)."""
    items, cursor = households.list_households(
        session,
        principal,
        limit=page.limit,
        cursor=page.cursor,
        status=status,
        category=category,
        member_id=member_id,
        review_overdue=review_overdue,
    )
    return Page(items=households.present(session, items), next_cursor=cursor)


@router.post(
    "/households", response_model=HouseholdOut, status_code=201, dependencies=[Depends(require("aid.file"))]
)
def aid_households_create(
    body: HouseholdCreate,
    session: SessionDep,
    settings: SettingsDep,
    principal: Authorized,
    response: Response,
) -> HouseholdOut:
    """Record a member's application for a household file (one open file per member). The bank
    account must be in the worker's own name; it is stored encrypted and shown masked."""
    household = households.create(session, body, settings=settings, by=principal)
    response.headers["Location"] = f"/api/v1/aid/households/{household.id}"
    return _household(session, household, response)


@router.get(
    "/households/{household_id}", response_model=HouseholdOut, dependencies=[Depends(require("aid.read"))]
)
def aid_households_get(household: HouseholdDep, session: SessionDep, response: Response) -> HouseholdOut:
    """One household file."""
    return _household(session, household, response)


@router.patch(
    "/households/{household_id}", response_model=HouseholdOut, dependencies=[Depends(require("aid.file"))]
)
def aid_households_update(
    household: HouseholdDep,
    body: HouseholdUpdate,
    version: IfMatch,
    session: SessionDep,
    settings: SettingsDep,
    principal: Authorized,
    response: Response,
) -> HouseholdOut:
    """Correct a file in progress, or adjust a filed one when circumstances change (reassessed at once)."""
    household = households.update(session, household, body, version=version, settings=settings, by=principal)
    return _household(session, household, response)


@router.delete("/households/{household_id}", status_code=204, dependencies=[Depends(require("aid.file"))])
def aid_households_delete(
    household: HouseholdDep, version: IfMatch, session: SessionDep, principal: Authorized
) -> Response:
    """Delete a closed file whose retention period (10 years) has passed; refused before."""
    filing.delete(session, household, version=version, by=principal)
    return Response(status_code=204)


@router.post(
    "/households/{household_id}/screen",
    response_model=HouseholdOut,
    dependencies=[Depends(require("aid.file"))],
)
def aid_households_screen(
    household: HouseholdDep,
    body: ScreenIn,
    version: IfMatch,
    session: SessionDep,
    settings: SettingsDep,
    principal: Authorized,
    response: Response,
) -> HouseholdOut:
    """Grassroots screening (another officer than the one who recorded it): consent, exclusions,
    the migrant-worker condition; or a refusal with reasons."""
    household = filing.screen(session, household, body, version=version, settings=settings, by=principal)
    return _household(session, household, response)


@router.post(
    "/households/{household_id}/visit",
    response_model=HouseholdOut,
    dependencies=[Depends(require("aid.file"))],
)
def aid_households_visit(
    household: HouseholdDep,
    body: VisitIn,
    version: IfMatch,
    session: SessionDep,
    principal: Authorized,
    response: Response,
) -> HouseholdOut:
    """Record the home visit: who, when, findings."""
    household = filing.visit(session, household, body, version=version, by=principal)
    return _household(session, household, response)


@router.post(
    "/households/{household_id}/verify",
    response_model=HouseholdOut,
    dependencies=[Depends(require("aid.file"))],
)
def aid_households_verify(
    household: HouseholdDep,
    body: VerifyIn,
    version: IfMatch,
    session: SessionDep,
    settings: SettingsDep,
    principal: Authorized,
    response: Response,
) -> HouseholdOut:
    """Compute per-capita income against the 低保 in force on the assessment date and the category;
    a household not in hardship is rejected with the figures."""
    household = filing.verify(session, household, body, version=version, settings=settings, by=principal)
    return _household(session, household, response)


@router.post(
    "/households/{household_id}/notice",
    response_model=HouseholdOut,
    dependencies=[Depends(require("aid.file"))],
)
def aid_households_notice(
    household: HouseholdDep,
    version: IfMatch,
    session: SessionDep,
    settings: SettingsDep,
    principal: Authorized,
    response: Response,
) -> HouseholdOut:
    """Post the public notice (masked name, unit, programme) for 5 working days (configurable)."""
    household = filing.start_notice(session, household, version=version, settings=settings, by=principal)
    return _household(session, household, response)


@router.post(
    "/households/{household_id}/decision",
    response_model=HouseholdOut,
    dependencies=[Depends(require("aid.approve"))],
)
def aid_households_decide(
    household: HouseholdDep,
    body: DecisionIn,
    version: IfMatch,
    session: SessionDep,
    settings: SettingsDep,
    principal: Authorized,
    response: Response,
) -> HouseholdOut:
    """The chair approves and files, or rejects, once the notice has ended with no open objection."""
    household = filing.decide(session, household, body, version=version, settings=settings, by=principal)
    return _household(session, household, response)


@router.post(
    "/households/{household_id}/review",
    response_model=HouseholdOut,
    dependencies=[Depends(require("aid.file"))],
)
def aid_households_review(
    household: HouseholdDep,
    body: ReviewIn,
    version: IfMatch,
    session: SessionDep,
    settings: SettingsDep,
    principal: Authorized,
    response: Response,
) -> HouseholdOut:
    """The yearly review: reassessment and the next review date."""
    household = filing.review(session, household, body, version=version, settings=settings, by=principal)
    return _household(session, household, response)


@router.post(
    "/households/{household_id}/close",
    response_model=HouseholdOut,
    dependencies=[Depends(require("aid.file"))],
)
def aid_households_close(
    household: HouseholdDep,
    body: CloseIn,
    version: IfMatch,
    session: SessionDep,
    settings: SettingsDep,
    principal: Authorized,
    response: Response,
) -> HouseholdOut:
    """Close a file when the household is out of hardship; it is kept 10 years."""
    household = filing.close(session, household, body, version=version, settings=settings, by=principal)
    return _household(session, household, response)


@router.get(
    "/households/{household_id}/timeline",
    response_model=AidEventPage,
    dependencies=[Depends(require("aid.read"))],
)
def aid_households_timeline(household: HouseholdDep, session: SessionDep, page: PageQuery) -> AidEventPage:
    """Every step of the file, oldest first (paged like every list)."""
    items, next_cursor = households.timeline(session, household.id, limit=page.limit, cursor=page.cursor)
    return AidEventPage(items=items, next_cursor=next_cursor)


@router.post(
    "/household-imports",
    response_model=HouseholdImportReport,
    dependencies=[Depends(require("aid.file"))],
)
def aid_households_import(
    session: SessionDep,
    settings: SettingsDep,
    principal: Authorized,
    file: Annotated[UploadFile, File(description="CSV, XLSX or JSON Lines; Chinese or English headers.")],
    org_unit_id: Annotated[uuid.UUID, Form(description="The grassroots union the files belong to.")],
    dry_run: Annotated[bool, Form(description="Check and report only; write nothing.")] = False,
    on_error: Annotated[
        ImportOnError,
        Form(description="`abort`: any failed row and nothing is written; `skip`: write the good rows."),
    ] = ImportOnError.abort,
) -> HouseholdImportReport:
    """Import existing (paper or spreadsheet) household files as filed files: every row is checked
    (member, own-name account, exclusions, migrant condition, 低保 formula on the filing date) and
    reported with its row number, field and kind of error."""
    unit = imports.unit_by_id(session, org_unit_id, principal)
    upload = member_imports.store_upload(file.file, file.filename)
    try:
        return imports.run(
            session,
            unit,
            upload.path,
            upload.filename,
            dry_run=dry_run,
            abort_on_error=on_error is ImportOnError.abort,
            settings=settings,
            by=principal,
        )
    finally:
        member_imports.remove_file(upload.path)
