"""Hardship aid reference data and programmes: dibao lines, the working-day calendar and aid programmes."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Response

from api.deps import Authorized, IfMatch, PageQuery, SessionDep, require
from api.routers._common import set_etag
from api.routers.aid._base import (
    ProgrammeDep,
    router,
)
from api.schemas.aid import (
    CalendarDayIn,
    CalendarDayOut,
    DefaultProgrammesIn,
    DibaoCreate,
    DibaoOut,
    ProgrammeCreate,
    ProgrammeOut,
    ProgrammeUpdate,
)
from api.schemas.common import Page
from api.services.aid import (
    calendar,
    programmes,
)

# --- reference data -----------------------------------------------------------------------------


@router.get(
    "/dibao-standards", response_model=Page[DibaoOut], dependencies=[Depends(require("aid.catalogue"))]
)
def aid_dibao_list(
    session: SessionDep, page: PageQuery, region_code: Annotated[str | None, Query(max_length=12)] = None
) -> Page[DibaoOut]:
    """The minimum-living standards (低保) by region and effective date, paged."""
    items, next_cursor = calendar.list_dibao(session, region_code, limit=page.limit, cursor=page.cursor)
    return Page(items=[DibaoOut.model_validate(s) for s in items], next_cursor=next_cursor)


@router.post(
    "/dibao-standards", response_model=DibaoOut, status_code=201, dependencies=[Depends(require("aid.file"))]
)
def aid_dibao_create(body: DibaoCreate, session: SessionDep, principal: Authorized) -> DibaoOut:
    """Record a region's 低保 standard from a date on; assessments use the one in force on their date."""
    return DibaoOut.model_validate(calendar.add_dibao(session, body, by=principal))


@router.get(
    "/calendar-days", response_model=Page[CalendarDayOut], dependencies=[Depends(require("aid.calendar"))]
)
def aid_calendar_list(
    session: SessionDep, page: PageQuery, year: Annotated[int | None, Query(ge=2000, le=2100)] = None
) -> Page[CalendarDayOut]:
    """Days an admin recorded as (not) working days, overriding the official-calendar library; by
    day, paged."""
    items, next_cursor = calendar.list_days(session, year, limit=page.limit, cursor=page.cursor)
    return Page(items=[CalendarDayOut.model_validate(d) for d in items], next_cursor=next_cursor)


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
    response_model=Page[ProgrammeOut],
    status_code=201,
    dependencies=[Depends(require("aid.file"))],
)
def aid_programmes_install_defaults(
    body: DefaultProgrammesIn, session: SessionDep, principal: Authorized
) -> Page[ProgrammeOut]:
    """Install the programmes of practice for a year (five relief kinds, 送温暖, 金秋助学, 医疗互助,
    女职工安康保险), to edit afterwards. Answers the programmes installed as one page (the shipped
    catalogue is short: `next_cursor` is null); `GET /aid/programmes` lists them with the others."""
    installed = programmes.install_defaults(session, body, by=principal)
    return Page(items=[ProgrammeOut.model_validate(p) for p in installed], next_cursor=None)


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
