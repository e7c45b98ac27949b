"""Hardship aid routers' shared base: the `/aid` and `/me` routers every aid module adds to, the path loaders
and the dependency types they share."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends

from api.db.models import AidApplication, AidHousehold, AidNotice, AidObjection, AidPayoutBatch, AidProgramme
from api.deps import Authorized, SessionDep, db_call
from api.routing import Route
from api.schemas.common import PROBLEM_RESPONSES
from api.services.aid import (
    applications,
    households,
    notices,
    payouts,
    programmes,
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
