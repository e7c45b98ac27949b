"""Member records (docs/rules.md §1): CRUD, the full resident ID, lifecycle, timeline, member accounts."""

from __future__ import annotations

import functools
import uuid
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from sqlmodel import Session

from api.db.models import Member
from api.deps import (
    Authorized,
    IfMatch,
    PageQuery,
    SessionDep,
    SettingsDep,
    authorized_call,
    db_call,
    require,
)
from api.routers._common import json_response, set_etag
from api.routing import Route
from api.schemas.common import PROBLEM_RESPONSES, Page
from api.schemas.members import (
    LifecycleIn,
    MemberAccountIn,
    MemberAccountOut,
    MemberCreate,
    MemberEventOut,
    MemberNationalId,
    MemberOut,
    MemberPage,
    MemberStatusName,
    MemberUpdate,
    MemberView,
)
from api.security.pii import PiiVault
from api.security.principal import Principal
from api.services import members as service
from api.services import pii_reads
from api.services.concurrency import expect_version

router = APIRouter(route_class=Route, prefix="/members", tags=["members"], responses=PROBLEM_RESPONSES)

#: ``{member_id:uuid}`` only matches ids, so sibling routes such as ``/members/export`` never hit these
MEMBER_PATH = "/{member_id:uuid}"


async def get_vault(request: Request) -> PiiVault:  # CPU only: no thread-pool hop
    return PiiVault.from_settings(request.app.state.settings)


VaultDep = Annotated[PiiVault, Depends(get_vault)]


async def load_member(member_id: uuid.UUID, session: SessionDep, principal: Authorized) -> Member:
    return await db_call(session, service.get_in_scope, session, member_id, principal)


MemberDep = Annotated[Member, Depends(load_member)]


@router.get(
    "",
    response_model=MemberPage,
    dependencies=[Depends(require("members.read_names", with_endpoint=True))],
)
async def members_list(
    request: Request,
    session: SessionDep,
    page: PageQuery,
    org_unit_id: Annotated[uuid.UUID | None, Query(description="Members of this unit's subtree.")] = None,
    status: MemberStatusName | None = None,
    is_representative: bool | None = None,
    tag: Annotated[
        str | None, Query(max_length=40, description="Members carrying this tag, e.g. 女职工.")
    ] = None,
    joined_from: Annotated[date | None, Query(description="Join date on or after.")] = None,
    joined_to: Annotated[date | None, Query(description="Join date on or before.")] = None,
    q: Annotated[
        str | None,
        Query(
            min_length=1, max_length=100, description="Substring of name, member number or employee number."
        ),
    ] = None,
) -> Response:
    """Members inside the caller's scope, in registration order.

    Each item is the view the caller may see (`view` tells which): callers with `members.read`
    (chair, officer, auditor, integration) get the record with the resident ID masked (first 3 and
    last 4 characters) and phone/email masked unless they may edit the member (officers); treasurers
    (`members.read_names` only) get names only. The monthly wage is shown only to callers who edit the
    member or record their dues (officers, treasurers).
    """
    filters = service.MemberFilters(
        org_unit_id=org_unit_id,
        status=status,
        is_representative=is_representative,
        tag=tag,
        joined_from=joined_from,
        joined_to=joined_to,
        q=q,
    )
    # the caller (grants read fresh), the permission and the page (at most 200 rows) in one database call
    read = functools.partial(
        service.list_member_values, limit=page.limit, cursor=page.cursor, filters=filters
    )
    items, next_cursor = await authorized_call(request, session, lambda p: read(session, p))
    # serialised once (the values are in MemberOut/MemberNameOut field order): no model per member
    return json_response({"items": items, "next_cursor": next_cursor})


@router.post("", response_model=MemberOut, status_code=201, dependencies=[Depends(require("members.write"))])
def members_create(
    body: MemberCreate, session: SessionDep, principal: Authorized, vault: VaultDep, response: Response
) -> MemberView:
    """Register a member with the grassroots union of `org_unit_id` (which must be in your scope).

    The member number is generated per union. The resident ID is checked (GB 11643 check digit;
    lower-case x and full-width digits accepted); birth date and gender are taken from it when absent
    and must agree with it when given. Problems: `member_employee_no_taken` and
    `member_national_id_taken` (409), `id_*`, `id_birth_mismatch`, `gender_mismatch` (422).
    """
    member = service.create(session, body, vault=vault, by=principal)
    set_etag(response, member)
    response.headers["Location"] = f"/api/v1/members/{member.id}"
    return service.to_out_one(session, member, principal)


def _view_in_scope(principal: Principal, session: Session, member_id: uuid.UUID) -> dict[str, Any]:
    return service.get_view_values_in_scope(session, member_id, principal)


@router.get(
    MEMBER_PATH,
    response_model=MemberView,
    dependencies=[Depends(require("members.read_names", with_endpoint=True))],
)
async def members_get(member_id: uuid.UUID, request: Request, session: SessionDep) -> Response:
    """One member, as the caller may see them (see the list for masking). ETag carries the version."""
    # the hot path (docs/benchmarks.md §6): the caller (grants read fresh), the permission and the member
    # within scope with its tags in one database call; the view serialised once, with no model object
    # and no response-model validation
    view = await authorized_call(request, session, _view_in_scope, session, member_id)
    response = json_response(view)
    response.headers["ETag"] = f'"{view["version"]}"'
    return response


@router.patch(MEMBER_PATH, response_model=MemberOut, dependencies=[Depends(require("members.write"))])
def members_update(
    member: MemberDep,
    body: MemberUpdate,
    version: IfMatch,
    session: SessionDep,
    principal: Authorized,
    vault: VaultDep,
    response: Response,
) -> MemberView:
    """Correct a member's record (If-Match). Same checks as creation; a new resident ID is re-validated.

    Status changes go through `/lifecycle`; moving to another grassroots union is a transfer.
    """
    member = service.update(session, member, body, version=version, vault=vault, by=principal)
    set_etag(response, member)
    return service.to_out_one(session, member, principal)


@router.get(
    f"{MEMBER_PATH}/national-id",
    response_model=MemberNationalId,
    dependencies=[Depends(require("members.national_id"))],
)
def members_national_id(
    member: MemberDep, session: SessionDep, principal: Authorized, vault: VaultDep, settings: SettingsDep
) -> MemberNationalId:
    """The full resident ID number (chairs and officers, docs/rules.md §0). Every read is audited.

    The audit event is committed before the value is sent; if it cannot be written the value is not
    returned (on SQLite a concurrent writer can make this a 503 `database_busy`: retry). Reads are
    limited per user (`GONGHUI_NATIONAL_ID_READS_PER_WINDOW`): beyond, 429 and an alert in the audit log.
    The response is never cached (`Cache-Control: no-store`).
    """
    pii_reads.check(session, settings, principal)
    value = service.read_national_id(session, member, vault=vault, by=principal)
    return MemberNationalId(id=member.id, member_no=member.member_no, national_id=value)


@router.post(
    f"{MEMBER_PATH}/lifecycle", response_model=MemberOut, dependencies=[Depends(require("members.write"))]
)
def members_lifecycle(
    member: MemberDep,
    body: LifecycleIn,
    version: IfMatch,
    session: SessionDep,
    principal: Authorized,
    response: Response,
) -> MemberView:
    """Record a lifecycle step (If-Match): approve, retain, restore, withdraw, deem_withdrawn, expel,
    rejoin, death (docs/rules.md §1; 章程 Art 2, 6-8).

    Only the transitions of docs/rules.md are allowed; any other is 409 `member_illegal_transition` with
    `current` naming the member's status. `reason` is required except for approve and death. Leaving
    active membership clears the representative flag (retained members have no vote).
    """
    member = service.change_status(session, member, body, version=version, by=principal)
    set_etag(response, member)
    return service.to_out_one(session, member, principal)


@router.get(
    f"{MEMBER_PATH}/events",
    response_model=Page[MemberEventOut],
    dependencies=[Depends(require("members.read"))],
)
def members_events(member: MemberDep, session: SessionDep, page: PageQuery) -> Page[MemberEventOut]:
    """The member's lifecycle timeline (join, retain, restore, transfers ...), oldest first."""
    items, next_cursor = service.list_events(session, member, limit=page.limit, cursor=page.cursor)
    return Page(items=items, next_cursor=next_cursor)


@router.post(
    f"{MEMBER_PATH}/account",
    response_model=MemberAccountOut,
    status_code=201,
    dependencies=[Depends(require("members.accounts"))],
)
def members_account_create(
    member: MemberDep,
    version: IfMatch,
    session: SessionDep,
    principal: Authorized,
    response: Response,
    body: MemberAccountIn | None = None,
) -> MemberAccountOut:
    """Give the member a login: role `member` at their unit, linked to this record (If-Match: the member's
    ETag, so the login is made for the record you saw).

    The one-time initial password is in this response only and must be changed at first login.
    409 `member_account_exists` if the member already has one. `Location` is the new account.
    """
    expect_version(member, version)
    user, shown = service.create_account(session, member, body or MemberAccountIn(), by=principal)
    response.headers["Location"] = f"/api/v1/users/{user.id}"
    return MemberAccountOut(
        user_id=user.id,
        username=user.username,
        member_id=member.id,
        org_unit_id=user.org_unit_id,
        must_change_password=user.must_change_password,
        initial_password=shown,
    )
