from __future__ import annotations

from fastapi import APIRouter, Depends

from api.deps import Authorized, SessionDep, require
from api.routing import Route
from api.schemas.common import PROBLEM_RESPONSES
from api.schemas.tasks import TaskList
from api.services import tasks as service

router = APIRouter(route_class=Route, prefix="/me", tags=["tasks"], responses=PROBLEM_RESPONSES)


@router.get("/tasks", response_model=TaskList, dependencies=[Depends(require("me"))])
def tasks_list(session: SessionDep, principal: Authorized) -> TaskList:
    """What waits for the caller, across areas, earliest deadline first: drafts to submit, replies to
    rate, motions to review, assign or answer — each with a link to the resource."""
    return service.inbox(session, principal)
