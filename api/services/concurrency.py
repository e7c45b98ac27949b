"""Optimistic concurrency: the version a client last read must still be current."""

from __future__ import annotations

from typing import Protocol

from api.errors import PreconditionFailed


class Versioned(Protocol):
    version: int


def expect_version(obj: Versioned, version: int) -> None:
    """412 when ``If-Match`` names an older version than the stored one (another write came first).

    The row's ``version`` is also SQLAlchemy's ``version_id_col``, so a write racing past this check
    still fails at UPDATE time (StaleDataError, also 412)."""
    if obj.version != version:
        raise PreconditionFailed()
