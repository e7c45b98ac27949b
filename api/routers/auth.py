from __future__ import annotations

import base64
import binascii
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Header, Response

from api.deps import CurrentPrincipal, SessionDep, SettingsDep, public, require
from api.errors import BadRequest, Unauthorized
from api.routing import Route
from api.schemas.auth import RefreshIn, TokenOut
from api.schemas.common import PROBLEM_RESPONSES, problem_responses
from api.schemas.users import MeOut, PasswordChange
from api.services import auth as auth_service

router = APIRouter(route_class=Route, prefix="/auth", tags=["auth"], responses=PROBLEM_RESPONSES)


def _basic_client(authorization: str | None) -> tuple[str, str] | None:
    if not authorization or not authorization.lower().startswith("basic "):
        return None
    try:
        client_id, _, secret = base64.b64decode(authorization[6:]).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        raise Unauthorized("invalid_client") from None
    return client_id, secret


@router.post(
    "/token",
    response_model=TokenOut,
    dependencies=[Depends(public())],
    responses=problem_responses(
        {
            400: ("invalid_credentials", "unsupported_grant_type"),
            401: ("invalid_credentials", "invalid_client", "account_disabled"),
            429: ("login_locked",),
        }
    ),
)
def auth_token(
    session: SessionDep,
    settings: SettingsDep,
    grant_type: Annotated[
        str, Form(examples=["password"], description="`password` or `client_credentials`")
    ] = "password",
    username: Annotated[str | None, Form(max_length=64)] = None,
    password: Annotated[str | None, Form(max_length=200)] = None,
    client_id: Annotated[str | None, Form(max_length=64)] = None,
    client_secret: Annotated[str | None, Form(max_length=200)] = None,
    scope: Annotated[str, Form()] = "",
    authorization: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> TokenOut:
    """OAuth2 token endpoint.

    * `grant_type=password` with `username` and `password` (people; Swagger's Authorize button).
    * `grant_type=client_credentials` with `client_id`/`client_secret` in the form or HTTP Basic
      (service accounts for HR integrations).

    Returns a short-lived access JWT and, for people, a refresh token.
    """
    if any("\x00" in value for value in (username, password, client_id, client_secret) if value):
        raise BadRequest("invalid_credentials")  # no account can match; never reaches the database
    if grant_type == "password":
        if not username or password is None:
            raise BadRequest("invalid_credentials")
        return auth_service.login(session, settings, username=username, password=password, service=False)
    if grant_type == "client_credentials":
        basic = _basic_client(authorization)
        cid, secret = basic if basic else (client_id, client_secret)
        if not cid or secret is None:
            raise Unauthorized("invalid_client")
        return auth_service.login(session, settings, username=cid, password=secret, service=True)
    raise BadRequest("unsupported_grant_type", grant_type=grant_type[:40])


@router.post(
    "/refresh",
    response_model=TokenOut,
    dependencies=[Depends(public())],
    responses=problem_responses({401: ("invalid_refresh_token", "refresh_token_reused")}),
)
def auth_refresh(body: RefreshIn, session: SessionDep, settings: SettingsDep) -> TokenOut:
    """Exchange a refresh token for new tokens. The old refresh token is spent; reusing it revokes
    every token descended from the same login."""
    return auth_service.refresh(session, settings, body.refresh_token)


@router.post(
    "/logout",
    status_code=204,
    dependencies=[Depends(require("me"))],
    responses=problem_responses({401: ("invalid_refresh_token",)}),
)
def auth_logout(body: RefreshIn, session: SessionDep, principal: CurrentPrincipal) -> Response:
    """Revoke the refresh token (and its family); access tokens of this login stop working at once."""
    auth_service.logout(session, body.refresh_token, by=principal)
    return Response(status_code=204)


@router.get("/me", response_model=MeOut, dependencies=[Depends(require("me"))])
def auth_me(session: SessionDep, principal: CurrentPrincipal) -> MeOut:
    """The caller, their grants and the permissions those grants give."""
    return auth_service.me(session, principal)


@router.post("/password", status_code=204, dependencies=[Depends(require("me"))])
def auth_change_password(body: PasswordChange, session: SessionDep, principal: CurrentPrincipal) -> Response:
    """Change the caller's password (required after a one-time initial password)."""
    auth_service.change_password(session, by=principal, current=body.current_password, new=body.new_password)
    return Response(status_code=204)
