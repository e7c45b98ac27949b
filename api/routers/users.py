from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from api.db.models import Grant, User
from api.deps import Authorized, IfMatch, PageQuery, SessionDep, db_call, require
from api.routers._common import set_etag
from api.routing import Route
from api.schemas.common import PROBLEM_RESPONSES, Page
from api.schemas.users import GrantCreate, GrantOut, UserCreate, UserCreated, UserKind, UserOut, UserUpdate
from api.services import users as service

router = APIRouter(route_class=Route, prefix="/users", tags=["users"], responses=PROBLEM_RESPONSES)


async def load_user(user_id: uuid.UUID, session: SessionDep, principal: Authorized) -> User:
    return await db_call(session, service.get_in_scope, session, user_id, principal)


UserDep = Annotated[User, Depends(load_user)]


@router.get("", response_model=Page[UserOut], dependencies=[Depends(require("users.read"))])
def users_list(
    session: SessionDep,
    principal: Authorized,
    page: PageQuery,
    org_unit_id: Annotated[uuid.UUID | None, Query(description="Accounts in this unit's subtree.")] = None,
    kind: UserKind | None = None,
    is_active: bool | None = None,
    q: Annotated[str | None, Query(max_length=100)] = None,
) -> Page[UserOut]:
    """Accounts whose home unit is inside the caller's scope."""
    items, next_cursor = service.list_users(
        session,
        principal,
        limit=page.limit,
        cursor=page.cursor,
        org_unit_id=org_unit_id,
        kind=kind,
        is_active=is_active,
        q=q,
    )
    return Page(items=items, next_cursor=next_cursor)


@router.post("", response_model=UserCreated, status_code=201, dependencies=[Depends(require("users.write"))])
def users_create(
    body: UserCreate, session: SessionDep, principal: Authorized, response: Response
) -> UserCreated:
    """Create a person's account or an integration's service account.

    The one-time initial password (people, when none is given) or the client secret (service
    accounts) is in this response only; it is stored hashed.
    """
    user, shown = service.create(session, body, by=principal)
    set_etag(response, user)
    response.headers["Location"] = f"/api/v1/users/{user.id}"
    out = UserCreated.model_validate(user)
    if body.kind is UserKind.service:
        out.client_secret = shown
    else:
        out.initial_password = shown
    return out


@router.get("/{user_id}", response_model=UserOut, dependencies=[Depends(require("users.read"))])
def users_get(user: UserDep, response: Response) -> User:
    """One account. The ETag header carries its version for If-Match."""
    set_etag(response, user)
    return user


@router.patch("/{user_id}", response_model=UserOut, dependencies=[Depends(require("users.write"))])
def users_update(
    user: UserDep,
    body: UserUpdate,
    version: IfMatch,
    session: SessionDep,
    principal: Authorized,
    response: Response,
) -> User:
    """Change display name or e-mail, or (de)activate the account."""
    user = service.update(session, user, body, version=version, by=principal)
    set_etag(response, user)
    return user


@router.post(
    "/{user_id}/reset-secret", response_model=UserCreated, dependencies=[Depends(require("users.write"))]
)
def users_reset_secret(
    user: UserDep, version: IfMatch, session: SessionDep, principal: Authorized, response: Response
) -> UserCreated:
    """Issue a new one-time password (people) or client secret (service accounts), shown once
    (If-Match). Every session of the account ends: refresh tokens are revoked and access tokens
    already issued are refused. Nobody resets their own secret (422 `secret_reset_self`)."""
    shown = service.rotate_secret(session, user, version=version, by=principal)
    set_etag(response, user)
    out = UserCreated.model_validate(user)
    if user.kind == UserKind.service:
        out.client_secret = shown
    else:
        out.initial_password = shown
    return out


@router.get("/{user_id}/grants", response_model=Page[GrantOut], dependencies=[Depends(require("users.read"))])
def users_grants_list(user: UserDep, session: SessionDep, page: PageQuery) -> Page[GrantOut]:
    """The account's (role, org unit) grants, oldest first; each covers the unit's whole subtree."""
    items, next_cursor = service.list_grants(session, user, limit=page.limit, cursor=page.cursor)
    return Page(items=[GrantOut.model_validate(g) for g in items], next_cursor=next_cursor)


@router.post(
    "/{user_id}/grants",
    response_model=GrantOut,
    status_code=201,
    dependencies=[Depends(require("grants.write"))],
)
def users_grants_create(
    user: UserDep,
    body: GrantCreate,
    version: IfMatch,
    session: SessionDep,
    principal: Authorized,
    response: Response,
) -> Grant:
    """Grant a role at a unit inside the caller's scope, never above the caller's own role there.

    If-Match is the account's ETag: a grant changes the account (its version goes up). `Location` is the
    grant (withdrawn with DELETE).
    """
    grant = service.add_grant(session, user, body, version=version, by=principal)
    response.headers["Location"] = f"/api/v1/users/{user.id}/grants/{grant.id}"
    return grant


@router.delete(
    "/{user_id}/grants/{grant_id}", status_code=204, dependencies=[Depends(require("grants.write"))]
)
def users_grants_delete(
    user: UserDep, grant_id: uuid.UUID, version: IfMatch, session: SessionDep, principal: Authorized
) -> Response:
    """Withdraw a grant (If-Match: the account's ETag; its version goes up)."""
    service.remove_grant(session, user, grant_id, version=version, by=principal)
    return Response(status_code=204)
