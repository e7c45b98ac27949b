"""Expulsion cases (开除会籍, 章程 Art 7): proposal by the union group, decision by the committee."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Response

from api.db.models import MemberExpulsion
from api.deps import Authorized, IfMatch, PageQuery, SessionDep, db_call, require
from api.routers._common import set_etag
from api.routing import Route
from api.schemas.common import PROBLEM_RESPONSES, Page
from api.schemas.expulsions import ExpulsionCreate, ExpulsionDecide, ExpulsionOut, ExpulsionStatus
from api.services import expulsions as service

router = APIRouter(
    route_class=Route, prefix="/member-expulsions", tags=["expulsions"], responses=PROBLEM_RESPONSES
)


async def load_expulsion(
    expulsion_id: uuid.UUID, session: SessionDep, principal: Authorized
) -> MemberExpulsion:
    return await db_call(session, service.get_in_scope, session, expulsion_id, principal)


ExpulsionDep = Annotated[MemberExpulsion, Depends(load_expulsion)]


def _out(case: MemberExpulsion, response: Response) -> ExpulsionOut:
    set_etag(response, case)
    return ExpulsionOut.model_validate(case)


@router.post(
    "",
    response_model=ExpulsionOut,
    status_code=201,
    dependencies=[Depends(require("members.expel_propose"))],
)
def expulsions_propose(
    body: ExpulsionCreate, session: SessionDep, principal: Authorized, response: Response
) -> ExpulsionOut:
    """Record the union group's proposal to expel an active member (章程 Art 7: 经工会小组讨论，提出意见).

    Only on the ground 章程 Art 7 lists (`criminal_penalty`: a criminal penalty for a serious offence),
    with the judgment it rests on (`reference`, `penalty_on`) and the date of the group's meeting.
    Problems: `expulsion_member_not_active`, `expulsion_already_open` (409).
    """
    case = service.propose(session, body, by=principal)
    response.headers["Location"] = f"/api/v1/member-expulsions/{case.id}"
    return _out(case, response)


@router.get("", response_model=Page[ExpulsionOut], dependencies=[Depends(require("members.read"))])
def expulsions_list(
    session: SessionDep,
    principal: Authorized,
    page: PageQuery,
    status: ExpulsionStatus | None = None,
    member_id: uuid.UUID | None = None,
) -> Page[ExpulsionOut]:
    """Cases of members in your scope, and cases filed with a union in your scope (the union above
    the grassroots union receives every expulsion for the record), newest first."""
    items, next_cursor = service.list_cases(
        session, principal, limit=page.limit, cursor=page.cursor, status=status, member_id=member_id
    )
    return Page(items=items, next_cursor=next_cursor)


@router.get("/{expulsion_id}", response_model=ExpulsionOut, dependencies=[Depends(require("members.read"))])
def expulsions_get(case: ExpulsionDep, response: Response) -> ExpulsionOut:
    """One case; the ETag carries its version."""
    return _out(case, response)


@router.post(
    "/{expulsion_id}/decide",
    response_model=ExpulsionOut,
    dependencies=[Depends(require("members.expel_decide"))],
)
def expulsions_decide(
    case: ExpulsionDep,
    body: ExpulsionDecide,
    version: IfMatch,
    session: SessionDep,
    principal: Authorized,
    response: Response,
) -> ExpulsionOut:
    """The grassroots committee's decision (If-Match; 章程 Art 7: 由工会基层委员会决定，报上一级工会备案).

    Recorded by a chair who did not record the proposal (403 `expulsion_decider_is_proposer`).
    `expel` makes the member `expelled` (card recalled) and files the case with the union above the
    grassroots union; `reject` closes the case. 409 `expulsion_not_proposed` if already decided.
    """
    case = service.decide(session, case, body, version=version, by=principal)
    return _out(case, response)
