"""Hardship aid public notices (公示) and the objections raised against them."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Response

from api.deps import Authorized, IfMatch, PageQuery, SessionDep, require
from api.routers._common import set_etag
from api.routers.aid._base import (
    NoticeDep,
    ObjectionDep,
    router,
)
from api.schemas.aid import (
    NoticeOut,
    ObjectionIn,
    ObjectionOut,
    ResolveIn,
)
from api.schemas.aid_flow import AidObjectionPage
from api.schemas.common import Page
from api.services.aid import (
    notices,
)

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
    response_model=AidObjectionPage,
    dependencies=[Depends(require("aid.read"))],
)
def aid_notices_objections(notice: NoticeDep, session: SessionDep, page: PageQuery) -> AidObjectionPage:
    """The objections to a notice and how they were resolved, oldest first, paged."""
    items, next_cursor = notices.list_objections(session, notice, limit=page.limit, cursor=page.cursor)
    return AidObjectionPage(items=[ObjectionOut.model_validate(o) for o in items], next_cursor=next_cursor)


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
