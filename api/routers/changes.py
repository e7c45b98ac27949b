from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from sqlmodel import Session

from api.deps import Authorized, require
from api.errors import BadRequest
from api.routing import Route
from api.schemas.changes import ChangeEntityType, ChangeFeed
from api.schemas.common import PROBLEM_RESPONSES
from api.security.principal import Principal
from api.services import changes

router = APIRouter(route_class=Route, prefix="/changes", tags=["changes"], responses=PROBLEM_RESPONSES)


def write_session(request: Request) -> Iterator[Session]:
    """Reading the feed first numbers newly committed changes (a short write), so it needs a writer."""
    with request.app.state.db.write_session() as session:
        yield session


@router.get("", response_model=ChangeFeed, dependencies=[Depends(require("changes.read"))])
def changes_list(
    session: Annotated[Session, Depends(write_session)],
    principal: Authorized,
    cursor: Annotated[
        str | None, Query(max_length=20, description="`next_cursor` of your last call; omit to start.")
    ] = None,
    entity: Annotated[ChangeEntityType | None, Query(description="Only this entity type.")] = None,
    limit: Annotated[int, Query(ge=1, le=1000, description="Page size (at most 1,000).")] = 100,
) -> Response:
    """Every create, update and state change in the caller's units, in commit order. Keep `next_cursor`
    and pass it as `cursor`: a change is never skipped or repeated, however transactions interleave."""
    # `feed` validates the page once; serialising it here skips FastAPI's second pass over a page of up to
    # 1,000 items. `response_model` still documents the body (the bytes are the same).
    page = feed(session, principal, since=cursor, entity=entity, limit=limit)
    return Response(content=page.model_dump_json(), media_type="application/json")


MAX_CURSOR = 2**63 - 1


def feed(
    session: Session, principal: Principal, *, since: str | None, entity: str | None, limit: int
) -> ChangeFeed:
    """Stamp (number newly committed entries, commit), then read past the cursor in a fresh transaction."""
    try:
        after = int(since) if since else 0
    except ValueError:
        raise BadRequest("invalid_cursor") from None
    if not 0 <= after <= MAX_CURSOR:  # a sequence number is a 64-bit integer in the database
        raise BadRequest("invalid_cursor")
    changes.stamp(session)
    rows = changes.read(
        session, since=after, limit=limit + 1, roots=principal.units_for(), entity_type=entity
    )
    items = rows[:limit]
    return ChangeFeed.model_validate(
        {
            "items": items,
            "next_cursor": str(items[-1]["seq"]) if items else str(after),
            "has_more": len(rows) > limit,
        }
    )
