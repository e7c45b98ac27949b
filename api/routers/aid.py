"""Hardship aid (困难帮扶): household files, programmes, applications, public notices and objections,
payout batches, reports and bulk import of existing files (docs/rules.md §4)."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, File, Form, Query, Response, UploadFile

from api.db.models import AidApplication, AidHousehold, AidNotice, AidObjection, AidPayoutBatch, AidProgramme
from api.deps import Authorized, IfMatch, PageQuery, SessionDep, SettingsDep, db_call, require
from api.routers._common import set_etag
from api.routing import Route
from api.schemas.aid import (
    AidReport,
    ApplicationCreate,
    ApplicationOut,
    ApplicationStatus,
    BatchCreate,
    BatchOut,
    BatchPaidIn,
    CalendarDayIn,
    CalendarDayOut,
    CancelIn,
    Category,
    CloseIn,
    DecisionIn,
    DefaultProgrammesIn,
    DibaoCreate,
    DibaoOut,
    EventOut,
    HouseholdCreate,
    HouseholdImportReport,
    HouseholdOut,
    HouseholdStatus,
    HouseholdUpdate,
    NoticeOut,
    ObjectionIn,
    ObjectionOut,
    PayableOut,
    ProgrammeCreate,
    ProgrammeOut,
    ProgrammeUpdate,
    ResolveIn,
    ReviewIn,
    ScreenIn,
    VerifyIn,
    VisitIn,
)
from api.schemas.common import PROBLEM_RESPONSES, Page
from api.schemas.member_imports import ImportOnError
from api.services import member_imports
from api.services.aid import (
    applications,
    calendar,
    filing,
    households,
    imports,
    notices,
    payouts,
    programmes,
    reports,
)

router = APIRouter(route_class=Route, prefix="/aid", tags=["aid"], responses=PROBLEM_RESPONSES)
me_router = APIRouter(route_class=Route, prefix="/me", tags=["aid"], responses=PROBLEM_RESPONSES)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


async def load_household(household_id: uuid.UUID, session: SessionDep, principal: Authorized) -> AidHousehold:
    return await db_call(session, households.get_visible, session, household_id, principal)


async def load_application(
    application_id: uuid.UUID, session: SessionDep, principal: Authorized
) -> AidApplication:
    return await db_call(session, applications.get_visible, session, application_id, principal)


async def load_programme(programme_id: uuid.UUID, session: SessionDep, principal: Authorized) -> AidProgramme:
    return await db_call(session, programmes.get_visible, session, programme_id, principal)


async def load_notice(notice_id: uuid.UUID, session: SessionDep, principal: Authorized) -> AidNotice:
    return await db_call(session, notices.get_visible, session, notice_id, principal)


async def load_objection(objection_id: uuid.UUID, session: SessionDep, principal: Authorized) -> AidObjection:
    return await db_call(session, notices.get_objection, session, objection_id, principal)


async def load_batch(batch_id: uuid.UUID, session: SessionDep, principal: Authorized) -> AidPayoutBatch:
    return await db_call(session, payouts.get_batch, session, batch_id, principal)


HouseholdDep = Annotated[AidHousehold, Depends(load_household)]
ApplicationDep = Annotated[AidApplication, Depends(load_application)]
ProgrammeDep = Annotated[AidProgramme, Depends(load_programme)]
NoticeDep = Annotated[AidNotice, Depends(load_notice)]
ObjectionDep = Annotated[AidObjection, Depends(load_objection)]
BatchDep = Annotated[AidPayoutBatch, Depends(load_batch)]


def _household(session: SessionDep, household: AidHousehold, response: Response) -> HouseholdOut:
    set_etag(response, household)
    return households.present(session, [household])[0]


def _application(session: SessionDep, application: AidApplication, response: Response) -> ApplicationOut:
    set_etag(response, application)
    return applications.present(session, [application])[0]


# --- reference data -----------------------------------------------------------------------------


@router.get(
    "/dibao-standards", response_model=list[DibaoOut], dependencies=[Depends(require("aid.catalogue"))]
)
def aid_dibao_list(
    session: SessionDep, region_code: Annotated[str | None, Query(max_length=12)] = None
) -> list[DibaoOut]:
    """The minimum-living standards (低保) by region and effective date."""
    return [DibaoOut.model_validate(s) for s in calendar.list_dibao(session, region_code)]


@router.post(
    "/dibao-standards", response_model=DibaoOut, status_code=201, dependencies=[Depends(require("aid.file"))]
)
def aid_dibao_create(body: DibaoCreate, session: SessionDep, principal: Authorized) -> DibaoOut:
    """Record a region's 低保 standard from a date on; assessments use the one in force on their date."""
    return DibaoOut.model_validate(calendar.add_dibao(session, body, by=principal))


@router.get(
    "/calendar-days", response_model=list[CalendarDayOut], dependencies=[Depends(require("aid.calendar"))]
)
def aid_calendar_list(
    session: SessionDep, year: Annotated[int | None, Query(ge=2000, le=2100)] = None
) -> list[CalendarDayOut]:
    """Days an admin recorded as (not) working days, overriding the official-calendar library."""
    return [CalendarDayOut.model_validate(d) for d in calendar.list_days(session, year)]


@router.post("/calendar-days", response_model=CalendarDayOut, dependencies=[Depends(require("aid.calendar"))])
def aid_calendar_set(body: CalendarDayIn, session: SessionDep, principal: Authorized) -> CalendarDayOut:
    """Record whether a day is a working day (e.g. a State Council notice the library lacks yet)."""
    return CalendarDayOut.model_validate(calendar.set_day(session, body, by=principal))


# --- programmes ---------------------------------------------------------------------------------


@router.get(
    "/programmes", response_model=Page[ProgrammeOut], dependencies=[Depends(require("aid.catalogue"))]
)
def aid_programmes_list(
    session: SessionDep, principal: Authorized, page: PageQuery, active: bool | None = None
) -> Page[ProgrammeOut]:
    """Programmes of the caller's units and the units above them."""
    items, cursor = programmes.list_programmes(
        session, principal, limit=page.limit, cursor=page.cursor, active=active
    )
    return Page(items=[ProgrammeOut.model_validate(p) for p in items], next_cursor=cursor)


@router.post(
    "/programmes", response_model=ProgrammeOut, status_code=201, dependencies=[Depends(require("aid.file"))]
)
def aid_programmes_create(
    body: ProgrammeCreate, session: SessionDep, principal: Authorized, response: Response
) -> ProgrammeOut:
    """Define a programme: period, standard or cap, yearly cap per member, eligible categories,
    whether a notice is required, and the budget line it pays from."""
    programme = programmes.create(session, body, by=principal)
    response.headers["Location"] = f"/api/v1/aid/programmes/{programme.id}"
    set_etag(response, programme)
    return ProgrammeOut.model_validate(programme)


@router.post(
    "/programmes/defaults",
    response_model=list[ProgrammeOut],
    status_code=201,
    dependencies=[Depends(require("aid.file"))],
)
def aid_programmes_install_defaults(
    body: DefaultProgrammesIn, session: SessionDep, principal: Authorized
) -> list[ProgrammeOut]:
    """Install the programmes of practice for a year (five relief kinds, 送温暖, 金秋助学, 医疗互助,
    女职工安康保险), to edit afterwards."""
    return [ProgrammeOut.model_validate(p) for p in programmes.install_defaults(session, body, by=principal)]


@router.get(
    "/programmes/{programme_id}",
    response_model=ProgrammeOut,
    dependencies=[Depends(require("aid.catalogue"))],
)
def aid_programmes_get(programme: ProgrammeDep, response: Response) -> ProgrammeOut:
    """One programme."""
    set_etag(response, programme)
    return ProgrammeOut.model_validate(programme)


@router.patch(
    "/programmes/{programme_id}", response_model=ProgrammeOut, dependencies=[Depends(require("aid.file"))]
)
def aid_programmes_update(
    programme: ProgrammeDep,
    body: ProgrammeUpdate,
    version: IfMatch,
    session: SessionDep,
    principal: Authorized,
    response: Response,
) -> ProgrammeOut:
    """Change a programme; applications already made keep their amounts."""
    programme = programmes.update(session, programme, body, version=version, by=principal)
    set_etag(response, programme)
    return ProgrammeOut.model_validate(programme)


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
    response_model=list[EventOut],
    dependencies=[Depends(require("aid.read"))],
)
def aid_households_timeline(household: HouseholdDep, session: SessionDep) -> list[EventOut]:
    """Every step of the file, oldest first."""
    return households.timeline(session, household.id)


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


# --- applications -------------------------------------------------------------------------------


@router.get("/applications", response_model=Page[ApplicationOut], dependencies=[Depends(require("aid.read"))])
def aid_applications_list(
    session: SessionDep,
    principal: Authorized,
    page: PageQuery,
    status: ApplicationStatus | None = None,
    programme_id: uuid.UUID | None = None,
    member_id: uuid.UUID | None = None,
) -> Page[ApplicationOut]:
    """Applications in the caller's scope."""
    items, cursor = applications.list_applications(
        session,
        principal,
        limit=page.limit,
        cursor=page.cursor,
        status=status,
        programme_id=programme_id,
        member_id=member_id,
    )
    return Page(items=applications.present(session, items), next_cursor=cursor)


@router.post(
    "/applications",
    response_model=ApplicationOut,
    status_code=201,
    dependencies=[Depends(require("aid.file"))],
)
def aid_applications_create(
    body: ApplicationCreate,
    session: SessionDep,
    settings: SettingsDep,
    principal: Authorized,
    response: Response,
) -> ApplicationOut:
    """An officer applies for a member (`member_id`). Refusals name the programme rule broken."""
    application = applications.submit(session, body, settings=settings, by=principal, for_self=False)
    response.headers["Location"] = f"/api/v1/aid/applications/{application.id}"
    return _application(session, application, response)


@router.get(
    "/applications/{application_id}",
    response_model=ApplicationOut,
    dependencies=[Depends(require("aid.read"))],
)
def aid_applications_get(
    application: ApplicationDep, session: SessionDep, response: Response
) -> ApplicationOut:
    """One application."""
    return _application(session, application, response)


@router.post(
    "/applications/{application_id}/screen",
    response_model=ApplicationOut,
    dependencies=[Depends(require("aid.file"))],
)
def aid_applications_screen(
    application: ApplicationDep,
    body: ScreenIn,
    version: IfMatch,
    session: SessionDep,
    principal: Authorized,
    response: Response,
) -> ApplicationOut:
    """Screening by an officer other than the applicant: pass, or refuse with reasons."""
    application = applications.screen(session, application, body, version=version, by=principal)
    return _application(session, application, response)


@router.post(
    "/applications/{application_id}/notice",
    response_model=ApplicationOut,
    dependencies=[Depends(require("aid.file"))],
)
def aid_applications_notice(
    application: ApplicationDep,
    version: IfMatch,
    session: SessionDep,
    settings: SettingsDep,
    principal: Authorized,
    response: Response,
) -> ApplicationOut:
    """Post the public notice: masked name, unit, programme and amount only."""
    application = applications.start_notice(
        session, application, version=version, settings=settings, by=principal
    )
    return _application(session, application, response)


@router.post(
    "/applications/{application_id}/decision",
    response_model=ApplicationOut,
    dependencies=[Depends(require("aid.approve"))],
)
def aid_applications_decide(
    application: ApplicationDep,
    body: DecisionIn,
    version: IfMatch,
    session: SessionDep,
    principal: Authorized,
    response: Response,
) -> ApplicationOut:
    """The chair approves or rejects (after the notice, where the programme requires one)."""
    application = applications.decide(session, application, body, version=version, by=principal)
    return _application(session, application, response)


@router.post(
    "/applications/{application_id}/cancel",
    response_model=ApplicationOut,
    dependencies=[Depends(require("aid.file"))],
)
def aid_applications_cancel(
    application: ApplicationDep,
    body: CancelIn,
    version: IfMatch,
    session: SessionDep,
    principal: Authorized,
    response: Response,
) -> ApplicationOut:
    """Cancel an application before it is paid (not once it is in a payout batch)."""
    application = applications.cancel(session, application, body, version=version, by=principal)
    return _application(session, application, response)


@router.get(
    "/applications/{application_id}/timeline",
    response_model=list[EventOut],
    dependencies=[Depends(require("aid.read"))],
)
def aid_applications_timeline(application: ApplicationDep, session: SessionDep) -> list[EventOut]:
    """Every step of the application, oldest first."""
    return households.timeline(session, application.id)


# --- self-service -------------------------------------------------------------------------------


@me_router.get(
    "/aid-applications", response_model=Page[ApplicationOut], dependencies=[Depends(require("aid.apply"))]
)
def aid_me_applications_list(
    session: SessionDep, principal: Authorized, page: PageQuery
) -> Page[ApplicationOut]:
    """The caller's own aid applications."""
    items, cursor = applications.list_applications(
        session, principal, limit=page.limit, cursor=page.cursor, own=True
    )
    return Page(items=applications.present(session, items), next_cursor=cursor)


@me_router.post(
    "/aid-applications",
    response_model=ApplicationOut,
    status_code=201,
    dependencies=[Depends(require("aid.apply"))],
)
def aid_me_applications_create(
    body: ApplicationCreate,
    session: SessionDep,
    settings: SettingsDep,
    principal: Authorized,
    response: Response,
) -> ApplicationOut:
    """A member applies for themselves (omit `member_id`)."""
    application = applications.submit(session, body, settings=settings, by=principal, for_self=True)
    return _application(session, application, response)


@me_router.get(
    "/aid-households", response_model=list[HouseholdOut], dependencies=[Depends(require("aid.apply"))]
)
def aid_me_households(session: SessionDep, principal: Authorized) -> list[HouseholdOut]:
    """The caller's own household files."""
    return households.present(session, households.own(session, principal))


# --- notices and objections ---------------------------------------------------------------------


@router.get("/notices", response_model=Page[NoticeOut], dependencies=[Depends(require("aid.notices"))])
def aid_notices_list(
    session: SessionDep,
    principal: Authorized,
    page: PageQuery,
    current: Annotated[
        bool | None, Query(description="Only notices running today (or only the others).")
    ] = None,
) -> Page[NoticeOut]:
    """Public notices (公示) of the caller's union: masked name, unit, programme and amount only."""
    items, cursor = notices.list_notices(
        session, principal, limit=page.limit, cursor=page.cursor, current=current
    )
    return Page(items=notices.present(items), next_cursor=cursor)


@router.get("/notices/{notice_id}", response_model=NoticeOut, dependencies=[Depends(require("aid.notices"))])
def aid_notices_get(notice: NoticeDep) -> NoticeOut:
    """One public notice."""
    return notices.present([notice])[0]


@router.post(
    "/notices/{notice_id}/objections",
    response_model=ObjectionOut,
    status_code=201,
    dependencies=[Depends(require("aid.object"))],
)
def aid_notices_object(
    notice: NoticeDep, body: ObjectionIn, session: SessionDep, principal: Authorized, response: Response
) -> ObjectionOut:
    """Lodge an objection with a reason while the notice runs (a member of the union). It blocks
    approval until an officer resolves it."""
    objection = notices.lodge(session, notice, body, by=principal)
    set_etag(response, objection)
    return ObjectionOut.model_validate(objection)


@router.get(
    "/notices/{notice_id}/objections",
    response_model=list[ObjectionOut],
    dependencies=[Depends(require("aid.read"))],
)
def aid_notices_objections(notice: NoticeDep, session: SessionDep) -> list[ObjectionOut]:
    """The objections to a notice and how they were resolved."""
    return [ObjectionOut.model_validate(o) for o in notices.list_objections(session, notice)]


@router.post(
    "/objections/{objection_id}/resolve",
    response_model=ObjectionOut,
    dependencies=[Depends(require("aid.file"))],
)
def aid_objections_resolve(
    objection: ObjectionDep,
    body: ResolveIn,
    version: IfMatch,
    session: SessionDep,
    principal: Authorized,
    response: Response,
) -> ObjectionOut:
    """Resolve an objection with reasons: upheld rejects the file or application under notice;
    dismissed lets it proceed to approval."""
    objection = notices.resolve(session, objection, body, version=version, by=principal)
    set_etag(response, objection)
    return ObjectionOut.model_validate(objection)


# --- payment ------------------------------------------------------------------------------------


@router.get("/payable", response_model=Page[PayableOut], dependencies=[Depends(require("aid.pay"))])
def aid_payable_list(session: SessionDep, principal: Authorized, page: PageQuery) -> Page[PayableOut]:
    """Approved applications awaiting payment: payee, amount and account (masked) only."""
    items, cursor = payouts.list_payable(session, principal, limit=page.limit, cursor=page.cursor)
    return Page(items=items, next_cursor=cursor)


@router.get("/payout-batches", response_model=Page[BatchOut], dependencies=[Depends(require("aid.pay"))])
def aid_batches_list(session: SessionDep, principal: Authorized, page: PageQuery) -> Page[BatchOut]:
    """Payout batches, newest first."""
    items, cursor = payouts.list_batches(session, principal, limit=page.limit, cursor=page.cursor)
    return Page(items=[payouts.present_batch(session, b) for b in items], next_cursor=cursor)


@router.post(
    "/payout-batches", response_model=BatchOut, status_code=201, dependencies=[Depends(require("aid.pay"))]
)
def aid_batches_create(
    body: BatchCreate, session: SessionDep, principal: Authorized, response: Response
) -> BatchOut:
    """Gather approved applications into a batch for the bank (the payer is not their applicant,
    screener or approver)."""
    batch = payouts.create_batch(session, body, by=principal)
    response.headers["Location"] = f"/api/v1/aid/payout-batches/{batch.id}"
    set_etag(response, batch)
    return payouts.present_batch(session, batch)


@router.get("/payout-batches/{batch_id}", response_model=BatchOut, dependencies=[Depends(require("aid.pay"))])
def aid_batches_get(batch: BatchDep, session: SessionDep, response: Response) -> BatchOut:
    """One payout batch."""
    set_etag(response, batch)
    return payouts.present_batch(session, batch)


@router.get(
    "/payout-batches/{batch_id}/export",
    dependencies=[Depends(require("aid.pay"))],
    response_class=Response,
    responses={200: {"content": {XLSX: {}}, "description": "The bank's transfer list."}},
)
def aid_batches_export(
    batch: BatchDep, session: SessionDep, settings: SettingsDep, principal: Authorized
) -> Response:
    """The transfer list for the bank as XLSX (payee, full account number, amount); audited."""
    content = payouts.export_xlsx(session, batch, settings=settings, by=principal)
    return Response(
        content,
        media_type=XLSX,
        headers={"Content-Disposition": f'attachment; filename="aid-payout-{batch.id}.xlsx"'},
    )


@router.post(
    "/payout-batches/{batch_id}/paid", response_model=BatchOut, dependencies=[Depends(require("aid.pay"))]
)
def aid_batches_paid(
    batch: BatchDep,
    body: BatchPaidIn,
    version: IfMatch,
    session: SessionDep,
    settings: SettingsDep,
    principal: Authorized,
    response: Response,
) -> BatchOut:
    """Mark the batch paid with the bank's reference for each payment; every payment posts an expense
    on its programme's budget line in the same transaction, and a line lacking money refuses the whole
    batch (409 `budget_line_insufficient` with the shortfalls)."""
    batch = payouts.mark_paid(session, batch, body, version=version, settings=settings, by=principal)
    set_etag(response, batch)
    return payouts.present_batch(session, batch)


# --- reports ------------------------------------------------------------------------------------


@router.get(
    "/report",
    response_model=AidReport,
    dependencies=[Depends(require("aid.read"))],
    responses={
        200: {"content": {XLSX: {}}, "description": "The report as JSON, or as XLSX with `format=xlsx`."}
    },
)
def aid_report(
    session: SessionDep,
    principal: Authorized,
    org_unit_id: uuid.UUID,
    year: Annotated[int, Query(ge=2000, le=2100)],
    fmt: Annotated[
        Literal["json", "xlsx"], Query(alias="format", description="`xlsx` for a workbook.")
    ] = "json",
) -> AidReport | Response:
    """Aid by programme, category, unit and month against the budget lines; households by category;
    overdue reviews."""
    data = reports.report(session, org_unit_id, year, by=principal)
    if fmt == "xlsx":
        return Response(
            reports.report_xlsx(data),
            media_type=XLSX,
            headers={"Content-Disposition": f'attachment; filename="aid-report-{year}.xlsx"'},
        )
    return data
