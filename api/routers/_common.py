"""Small helpers the routers share."""

from __future__ import annotations

from typing import Protocol

from fastapi import Response


class Versioned(Protocol):
    version: int


def set_etag(response: Response, obj: Versioned) -> None:
    response.headers["ETag"] = f'"{obj.version}"'
