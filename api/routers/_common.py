"""Small helpers the routers share."""

from __future__ import annotations

from typing import Any, Protocol

import pydantic_core
from fastapi import Response


class Versioned(Protocol):
    version: int


def set_etag(response: Response, obj: Versioned) -> None:
    response.headers["ETag"] = f'"{obj.version}"'


def json_response(content: Any) -> Response:
    """A 200 ``application/json`` response of ``content`` serialised once by pydantic-core.

    For hot read paths (a member, a page of members) that build their documents as plain values in the
    response model's field order: returning a ``Response`` skips FastAPI's validation of the return
    value against ``response_model`` (which still documents the route), so a page costs one
    serialisation and no model object per item."""
    return Response(content=pydantic_core.to_json(content), media_type="application/json")
