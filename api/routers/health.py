from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from api.db.migrate import current_revision, head_revision
from api.deps import public
from api.routing import Route
from api.services import key_ring

router = APIRouter(route_class=Route, tags=["health"])


@router.get("/healthz", dependencies=[Depends(public())], summary="Liveness")
def health_live() -> dict[str, str]:
    """The process is up. Does not touch the database."""
    return {"status": "ok"}


@router.get(
    "/readyz",
    dependencies=[Depends(public())],
    summary="Readiness",
    responses={503: {"description": "Not ready"}},
)
def health_ready(request: Request) -> JSONResponse:
    """The database answers, its schema is at the latest migration, and the personal-data key ring
    works (a value round-trips, the latest stored resident ID decrypts)."""
    db = request.app.state.db
    try:
        current = current_revision(db.bind)
    except Exception:  # any failure to reach the database means "not ready", never a 500
        return JSONResponse({"status": "unavailable", "database": "unreachable"}, status_code=503)
    head = head_revision()
    ready = current == head
    body: dict[str, object] = {"database": "ok", "revision": current, "head": head, "keys": "ok"}
    if ready:
        try:
            with db.read_session() as session:
                keys = key_ring.problem(session, request.app.state.settings)
        except Exception:
            keys = "the key ring could not be checked"
        if keys is not None:
            ready, body["keys"] = False, keys
    return JSONResponse(
        {"status": "ok" if ready else "unavailable", **body}, status_code=200 if ready else 503
    )
