from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Body, Depends, Query, Response

from api.db.models import MemberTransfer
from api.deps import Authorized, IfMatch, PageQuery, SessionDep, db_call, require
from api.routers._common import set_etag
from api.routing import Route
from api.schemas.common import PROBLEM_RESPONSES, Page
from api.schemas.transfers import (
    TransferAccept,
    TransferCancel,
    TransferCreate,
    TransferDirection,
    TransferOut,
    TransferRefuse,
    TransferStatus,
)
from api.services import transfers as service

router = APIRouter(
    route_class=Route, prefix="/member-transfers", tags=["transfers"], responses=PROBLEM_RESPONSES
)


async def load_transfer(transfer_id: uuid.UUID, session: SessionDep, principal: Authorized) -> MemberTransfer:
    return await db_call(session, service.get_in_scope, session, transfer_id, principal)


TransferDep = Annotated[MemberTransfer, Depends(load_transfer)]


def _out(session: SessionDep, transfer: MemberTransfer, response: Response) -> TransferOut:
    set_etag(response, transfer)
    return service.present(session, [transfer])[0]


@router.get("", response_model=Page[TransferOut], dependencies=[Depends(require("members.read"))])
def transfers_list(
    session: SessionDep,
    principal: Authorized,
    page: PageQuery,
    direction: Annotated[
        TransferDirection | None,
        Query(
            description=(
                "`incoming`: the receiving unit is yours; `outgoing`: the sending unit is. Default both."
            )
        ),
    ] = None,
    status: TransferStatus | None = None,
    member_id: uuid.UUID | None = None,
) -> Page[TransferOut]:
    """Transfers whose sending or receiving unit is in the caller's scope, newest first.

    The receiving side sees the transferred member's identification only (name, masked ID, member
    number, gender, birth date), never the sending union's other members.
    """
    items, next_cursor = service.list_transfers(
        session,
        principal,
        limit=page.limit,
        cursor=page.cursor,
        direction=direction,
        status=status,
        member_id=member_id,
    )
    return Page(items=items, next_cursor=next_cursor)


@router.post(
    "", response_model=TransferOut, status_code=201, dependencies=[Depends(require("members.transfer"))]
)
def transfers_create(
    body: TransferCreate, session: SessionDep, principal: Authorized, response: Response
) -> TransferOut:
    """Release an active member of your scope to another unit (会籍接转, 全总 2000 暂行规定 items 3-7).

    The receiving unit may belong to another union. The member becomes `transfer_pending` and stays
    with your unit until the receiving union accepts.
    """
    transfer = service.request(session, body, by=principal)
    response.headers["Location"] = f"/api/v1/member-transfers/{transfer.id}"
    return _out(session, transfer, response)


@router.get("/{transfer_id}", response_model=TransferOut, dependencies=[Depends(require("members.read"))])
def transfers_get(transfer: TransferDep, session: SessionDep, response: Response) -> TransferOut:
    """One transfer, seen from either side. The ETag header carries its version for If-Match."""
    return _out(session, transfer, response)


@router.post(
    "/{transfer_id}/accept", response_model=TransferOut, dependencies=[Depends(require("members.transfer"))]
)
def transfers_accept(
    transfer: TransferDep,
    version: IfMatch,
    session: SessionDep,
    principal: Authorized,
    response: Response,
    body: Annotated[TransferAccept | None, Body()] = None,
) -> TransferOut:
    """Register the member with the receiving unit (receiving union only).

    Moving into another grassroots union assigns a new member number there; send `employee_no` when
    the member's current one is already used in the receiving union (409 `member_employee_no_taken`).
    """
    transfer = service.accept(session, transfer, body or TransferAccept(), version=version, by=principal)
    return _out(session, transfer, response)


@router.post(
    "/{transfer_id}/refuse", response_model=TransferOut, dependencies=[Depends(require("members.transfer"))]
)
def transfers_refuse(
    transfer: TransferDep,
    body: TransferRefuse,
    version: IfMatch,
    session: SessionDep,
    principal: Authorized,
    response: Response,
) -> TransferOut:
    """Decline to register the member, with a reason (receiving union only); the member is active
    again at the sending unit."""
    transfer = service.refuse(session, transfer, body, version=version, by=principal)
    return _out(session, transfer, response)


@router.post(
    "/{transfer_id}/cancel", response_model=TransferOut, dependencies=[Depends(require("members.transfer"))]
)
def transfers_cancel(
    transfer: TransferDep,
    version: IfMatch,
    session: SessionDep,
    principal: Authorized,
    response: Response,
    body: Annotated[TransferCancel | None, Body()] = None,
) -> TransferOut:
    """Withdraw the release before the receiving union decides (sending union only)."""
    transfer = service.cancel(session, transfer, body or TransferCancel(), version=version, by=principal)
    return _out(session, transfer, response)
