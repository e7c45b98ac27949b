"""Hardship aid applications: the officers' workflow and members' self-service under `/me`."""

from __future__ import annotations

import uuid

from fastapi import Depends, Response

from api.db.models import AidApplication
from api.deps import Authorized, IfMatch, PageQuery, SessionDep, SettingsDep, require
from api.routers._common import set_etag
from api.routers.aid._base import (
    ApplicationDep,
    me_router,
    router,
)
from api.schemas.aid import (
    AidEventPage,
    ApplicationCreate,
    ApplicationOut,
    ApplicationStatus,
    CancelIn,
    DecisionIn,
    HouseholdOut,
    ScreenIn,
)
from api.schemas.common import Page
from api.services.aid import (
    applications,
    households,
)


def _application(session: SessionDep, application: AidApplication, response: Response) -> ApplicationOut:
    set_etag(response, application)
    return applications.present(session, [application])[0]


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
    response_model=AidEventPage,
    dependencies=[Depends(require("aid.read"))],
)
def aid_applications_timeline(
    application: ApplicationDep, session: SessionDep, page: PageQuery
) -> AidEventPage:
    """Every step of the application, oldest first (paged like every list)."""
    items, next_cursor = households.timeline(session, application.id, limit=page.limit, cursor=page.cursor)
    return AidEventPage(items=items, next_cursor=next_cursor)


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
    "/aid-households", response_model=Page[HouseholdOut], dependencies=[Depends(require("aid.apply"))]
)
def aid_me_households(session: SessionDep, principal: Authorized, page: PageQuery) -> Page[HouseholdOut]:
    """The caller's own household files, newest first."""
    items, next_cursor = households.own(session, principal, limit=page.limit, cursor=page.cursor)
    return Page(items=households.present(session, items), next_cursor=next_cursor)
