"""Participation in union activities (组织生活): record who was present, read it back."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from api.db.models import Participation
from api.deps import Authorized, PageQuery, SessionDep, db_call, require
from api.routing import Route
from api.schemas.common import PROBLEM_RESPONSES, Page
from api.schemas.participation import ParticipationCreate, ParticipationOut
from api.services import participation as service

router = APIRouter(
    route_class=Route, prefix="/participations", tags=["participation"], responses=PROBLEM_RESPONSES
)


async def load_participation(
    participation_id: uuid.UUID, session: SessionDep, principal: Authorized
) -> Participation:
    return await db_call(session, service.get_in_scope, session, participation_id, principal)


ParticipationDep = Annotated[Participation, Depends(load_participation)]


@router.post(
    "",
    response_model=ParticipationOut,
    status_code=201,
    dependencies=[Depends(require("participation.write"))],
)
def participation_create(
    body: ParticipationCreate, session: SessionDep, principal: Authorized, response: Response
) -> ParticipationOut:
    """Record an activity held by a unit in your scope (meeting, 职工之家 activity, training, vote)
    with the members present.

    Presence keeps a membership alive: a member is deemed withdrawn only after 6 consecutive months
    in which dues were owed with neither dues nor participation (章程 Art 6). Records are never edited:
    a wrong one is corrected by recording the activity again. Problems: `participation_members_unknown`
    (a listed member is not a current member in your scope), `participation_date_in_future` (422).
    """
    record = service.create(session, body, by=principal)
    response.headers["Location"] = f"/api/v1/participations/{record.id}"
    return service.present(session, [record])[0]


@router.get("", response_model=Page[ParticipationOut], dependencies=[Depends(require("members.read"))])
def participation_list(
    session: SessionDep,
    principal: Authorized,
    page: PageQuery,
    org_unit_id: Annotated[uuid.UUID | None, Query(description="Activities of this unit's subtree.")] = None,
    member_id: Annotated[uuid.UUID | None, Query(description="Activities this member attended.")] = None,
    held_from: Annotated[date | None, Query(description="Held on or after.")] = None,
    held_to: Annotated[date | None, Query(description="Held on or before.")] = None,
) -> Page[ParticipationOut]:
    """Activities of units in your scope, newest first, with their attendee counts."""
    items, next_cursor = service.list_records(
        session,
        principal,
        limit=page.limit,
        cursor=page.cursor,
        org_unit_id=org_unit_id,
        member_id=member_id,
        held_from=held_from,
        held_to=held_to,
    )
    return Page(items=items, next_cursor=next_cursor)


@router.get(
    "/{participation_id}",
    response_model=ParticipationOut,
    dependencies=[Depends(require("members.read"))],
)
def participation_get(record: ParticipationDep, session: SessionDep) -> ParticipationOut:
    """One activity with the ids of the members present."""
    return service.present(session, [record])[0]
