"""Self-service for members (role ``member``): their own record, contact details and resident ID.

A member reaches only the record their account is linked to (``user.member_id``); there is no member
id in these paths, so there is nobody else's record to ask for (docs/rules.md §0: members read "self").
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Response

from api.db.models import Member
from api.deps import Authorized, IfMatch, SessionDep, db_call, require
from api.routers._common import set_etag
from api.routers.members import VaultDep
from api.routing import Route
from api.schemas.common import PROBLEM_RESPONSES
from api.schemas.members import MemberContactUpdate, MemberNationalId, MemberSelfOut
from api.services import members as service

router = APIRouter(route_class=Route, prefix="/me", tags=["me"], responses=PROBLEM_RESPONSES)


async def load_own_member(session: SessionDep, principal: Authorized) -> Member:
    return await db_call(session, service.get_own, session, principal)


OwnMemberDep = Annotated[Member, Depends(load_own_member)]


@router.get("/member", response_model=MemberSelfOut, dependencies=[Depends(require("self.read"))])
def me_member_get(member: OwnMemberDep, session: SessionDep, response: Response) -> MemberSelfOut:
    """Your own member record (404 `member_not_linked` if your account has none). ETag for If-Match."""
    set_etag(response, member)
    return service.own_out(session, member)


@router.patch("/member", response_model=MemberSelfOut, dependencies=[Depends(require("self.write"))])
def me_member_update(
    member: OwnMemberDep,
    body: MemberContactUpdate,
    version: IfMatch,
    session: SessionDep,
    principal: Authorized,
    response: Response,
) -> MemberSelfOut:
    """Correct your own phone and email (If-Match). Any other field is refused (`extra_forbidden`)."""
    member = service.update_contact(session, member, body, version=version, by=principal)
    set_etag(response, member)
    return service.own_out(session, member)


@router.get(
    "/member/national-id", response_model=MemberNationalId, dependencies=[Depends(require("self.read"))]
)
def me_member_national_id(
    member: OwnMemberDep, session: SessionDep, principal: Authorized, vault: VaultDep
) -> MemberNationalId:
    """Your own resident ID number in full (docs/rules.md §0: "self"). The read is audited like any other."""
    value = service.read_national_id(session, member, vault=vault, by=principal)
    return MemberNationalId(id=member.id, member_no=member.member_no, national_id=value)
