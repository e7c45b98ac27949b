from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from api.db.models import Motion
from api.deps import Authorized, IfMatch, PageQuery, SessionDep, db_call, require
from api.routers._common import set_etag
from api.routing import Route
from api.schemas.common import PROBLEM_RESPONSES, Page
from api.schemas.motions import (
    AssignIn,
    CosignIn,
    FollowUpDoneIn,
    MotionCreate,
    MotionDetail,
    MotionEventOut,
    MotionKind,
    MotionOut,
    MotionStatus,
    MotionUpdate,
    RatingIn,
    ReplyIn,
    ReviewIn,
    SubmitIn,
)
from api.services import motions as service
from api.services.motions import followups as motion_followups

router = APIRouter(route_class=Route, prefix="/motions", tags=["motions"], responses=PROBLEM_RESPONSES)


async def load_motion(motion_id: uuid.UUID, session: SessionDep, principal: Authorized) -> Motion:
    return await db_call(session, service.get_visible, session, motion_id, principal)


MotionDep = Annotated[Motion, Depends(load_motion)]


def _out(session: SessionDep, motion: Motion, response: Response) -> MotionOut:
    set_etag(response, motion)
    return service.present_one(session, motion)


@router.get("", response_model=Page[MotionOut], dependencies=[Depends(require("motions.read"))])
def motions_list(
    session: SessionDep,
    principal: Authorized,
    page: PageQuery,
    congress_id: uuid.UUID | None = None,
    status: MotionStatus | None = None,
    kind: MotionKind | None = None,
    category: Annotated[
        str | None,
        Query(max_length=20, description="A configured category code (GONGHUI_MOTION_CATEGORIES)."),
    ] = None,
    department_id: Annotated[uuid.UUID | None, Query(description="Lead or co-handling department.")] = None,
    proposer_member_id: uuid.UUID | None = None,
    overdue: Annotated[
        bool | None, Query(description="Due date passed with no reply in the current round.")
    ] = None,
    q: Annotated[
        str | None, Query(max_length=100, description="Text in title, reasons or proposals.")
    ] = None,
) -> Page[MotionOut]:
    """Motions the caller can see, oldest first. Chairs, officers and auditors: by org scope;
    handlers: motions assigned to their departments; members: their own, those they signed, and the
    registered motions of their union's congresses once the congress has opened."""
    items, next_cursor = service.list_motions(
        session,
        principal,
        limit=page.limit,
        cursor=page.cursor,
        congress_id=congress_id,
        status=status,
        kind=kind,
        category=category,
        department_id=department_id,
        proposer_member_id=proposer_member_id,
        overdue=overdue,
        q=q,
    )
    return Page(items=service.present(session, items), next_cursor=next_cursor)


@router.post("", response_model=MotionOut, status_code=201, dependencies=[Depends(require("motions.submit"))])
def motions_create(
    body: MotionCreate, session: SessionDep, principal: Authorized, response: Response
) -> MotionOut:
    """Draft a motion (a representative of the congress, for themselves)."""
    motion = service.create(session, body, by=principal)
    response.headers["Location"] = f"/api/v1/motions/{motion.id}"
    return _out(session, motion, response)


@router.get("/{motion_id}", response_model=MotionDetail, dependencies=[Depends(require("motions.read"))])
def motions_get(motion: MotionDep, session: SessionDep, response: Response) -> MotionDetail:
    """One motion with its signatories, replies and ratings. Representatives of the congress can
    read a draft by id, to co-sign it."""
    set_etag(response, motion)
    return service.detail(session, motion)


@router.patch("/{motion_id}", response_model=MotionOut, dependencies=[Depends(require("motions.submit"))])
def motions_update(
    motion: MotionDep,
    body: MotionUpdate,
    version: IfMatch,
    session: SessionDep,
    principal: Authorized,
    response: Response,
) -> MotionOut:
    """Edit a draft (its proposer only)."""
    motion = service.update(session, motion, body, version=version, by=principal)
    return _out(session, motion, response)


@router.post(
    "/{motion_id}/cosignatures", response_model=MotionOut, dependencies=[Depends(require("motions.submit"))]
)
def motions_cosign(
    motion: MotionDep,
    version: IfMatch,
    session: SessionDep,
    principal: Authorized,
    response: Response,
    body: CosignIn | None = None,
) -> MotionOut:
    """Co-sign a draft as yourself (another representative of the same congress). Nobody signs for
    someone else: the body is empty and the signatory is the caller."""
    motion = service.cosign(session, motion, version=version, by=principal)
    return _out(session, motion, response)


@router.delete(
    "/{motion_id}/cosignatures", response_model=MotionOut, dependencies=[Depends(require("motions.submit"))]
)
def motions_cosign_withdraw(
    motion: MotionDep, version: IfMatch, session: SessionDep, principal: Authorized, response: Response
) -> MotionOut:
    """Withdraw your own co-signature, before the motion is submitted."""
    motion = service.withdraw_cosignature(session, motion, version=version, by=principal)
    return _out(session, motion, response)


@router.post(
    "/{motion_id}/submit", response_model=MotionOut, dependencies=[Depends(require("motions.submit"))]
)
def motions_submit(
    motion: MotionDep,
    body: SubmitIn,
    version: IfMatch,
    session: SessionDep,
    principal: Authorized,
    response: Response,
) -> MotionOut:
    """Submit a draft (proposer). By the deadline and with enough co-signers it becomes a motion
    (`kind: motion`, `status: submitted`); otherwise it can only go in as a suggestion with
    `as_suggestion: true` (`kind: suggestion`, `status: converted`) — without it, 422 says why."""
    motion = service.submit(session, motion, body, version=version, by=principal)
    return _out(session, motion, response)


@router.post(
    "/{motion_id}/review", response_model=MotionOut, dependencies=[Depends(require("motions.review"))]
)
def motions_review(
    motion: MotionDep,
    body: ReviewIn,
    version: IfMatch,
    session: SessionDep,
    principal: Authorized,
    response: Response,
) -> MotionOut:
    """The motion committee's decision (chair): register, decline with a reason, merge into another
    motion of the same congress (its signatories join the target), or convert to a suggestion."""
    motion = service.review(session, motion, body, version=version, by=principal)
    return _out(session, motion, response)


@router.post(
    "/{motion_id}/assign", response_model=MotionOut, dependencies=[Depends(require("motions.manage"))]
)
def motions_assign(
    motion: MotionDep,
    body: AssignIn,
    version: IfMatch,
    session: SessionDep,
    principal: Authorized,
    response: Response,
) -> MotionOut:
    """Give a registered motion or a suggestion its lead department, co-handling departments and due
    date (default: the congress's reply period from today)."""
    motion = service.assign(session, motion, body, version=version, by=principal)
    return _out(session, motion, response)


@router.post("/{motion_id}/reply", response_model=MotionOut, dependencies=[Depends(require("motions.reply"))])
def motions_reply(
    motion: MotionDep,
    body: ReplyIn,
    version: IfMatch,
    session: SessionDep,
    principal: Authorized,
    response: Response,
) -> MotionOut:
    """Answer for the lead department (its handlers only) with an outcome class A-D. A reply after
    the due date is recorded as late. Class B (being solved / planned) names `promised_on`: the motion
    is then followed up until the department reports it done (`/follow-up/done`)."""
    motion = service.reply(session, motion, body, version=version, by=principal)
    return _out(session, motion, response)


@router.post(
    "/{motion_id}/follow-up/done",
    response_model=MotionOut,
    dependencies=[Depends(require("motions.reply"))],
)
def motions_follow_up_done(
    motion: MotionDep,
    body: FollowUpDoneIn,
    version: IfMatch,
    session: SessionDep,
    principal: Authorized,
    response: Response,
) -> MotionOut:
    """Report a class-B answer's promised work done (handlers of the lead department, If-Match on the
    motion). 404 `motion_follow_up_none` without a class-B answer, 409 `motion_follow_up_not_open`
    when already reported or superseded. The next congress's motion report lists it."""
    motion = motion_followups.report_done(session, motion, body, version=version, by=principal)
    return _out(session, motion, response)


@router.post(
    "/{motion_id}/ratings", response_model=MotionOut, dependencies=[Depends(require("motions.submit"))]
)
def motions_rate(
    motion: MotionDep,
    body: RatingIn,
    version: IfMatch,
    session: SessionDep,
    principal: Authorized,
    response: Response,
) -> MotionOut:
    """Rate this round's reply, once (proposer and co-signers). The proposer's rating decides:
    unsatisfied reopens the motion for another round with a new due date; otherwise it closes."""
    motion = service.rate(session, motion, body, version=version, by=principal)
    return _out(session, motion, response)


@router.get(
    "/{motion_id}/timeline",
    response_model=Page[MotionEventOut],
    dependencies=[Depends(require("motions.read"))],
)
def motions_timeline(motion: MotionDep, session: SessionDep, page: PageQuery) -> Page[MotionEventOut]:
    """Every step of the motion, oldest first: who did what, from which state to which (paged like
    every list)."""
    items, next_cursor = service.timeline(session, motion, limit=page.limit, cursor=page.cursor)
    return Page(items=items, next_cursor=next_cursor)
