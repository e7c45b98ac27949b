"""The bare baseline of the overhead scenario: FastAPI, no middleware, no auth, no database.

It answers with the very JSON documents gonghui served for the same requests (captured by the
harness and passed in ``BENCH_BARE_DOCS``, a JSON file ``{"one": {...}, "page": {...}}``), through
FastAPI's default serialisation, under the same ``uvicorn --workers 1 --no-access-log`` settings.
Run: ``python -m uvicorn bench.baseline_app:app``.

``/bare/members-db/{id}`` is a second, stricter baseline: the same document, after ONE SQLAlchemy ORM
``SELECT`` of the member by primary key on gonghui's database (``GONGHUI_DATABASE_URL``), through the
same engine setup (``api.db.session``) and a sync endpoint. It shows what any endpoint that touches
the database once through the ORM can reach in this stack.

``POST /bare/ledger-entries`` is the funds scenario's bare POST (the entry document is in ``entry``).
"""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path
from typing import Any

from fastapi import FastAPI, HTTPException

_DOCS: dict[str, Any] = (
    json.loads(Path(os.environ["BENCH_BARE_DOCS"]).read_text(encoding="utf-8"))
    if os.environ.get("BENCH_BARE_DOCS")
    else {"one": {"id": "x", "name": "x"}, "page": {"items": [], "next_cursor": None}}
)

app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)


@app.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@app.post("/bare/ledger-entries", status_code=201)
def bare_ledger_entry(body: dict[str, Any]) -> dict[str, Any]:
    """The funds scenario's bare POST: parses the JSON body, answers with the entry gonghui returned."""
    return _DOCS["entry"]


@app.get("/bare/members/{member_id}")
def bare_member(member_id: str) -> dict[str, Any]:
    return _DOCS["one"]


_engine = None


@app.get("/bare/members-db/{member_id}")
def bare_member_db(member_id: uuid.UUID) -> dict[str, Any]:
    global _engine
    from sqlmodel import Session

    from api.db.models import Member
    from api.db.session import make_engine

    if _engine is None:
        _engine = make_engine(os.environ["GONGHUI_DATABASE_URL"])
    with Session(_engine) as session:
        if session.get(Member, member_id) is None:
            raise HTTPException(404)
    return _DOCS["one"]


@app.get("/bare/members")
def bare_members(limit: int = 50) -> dict[str, Any]:
    return _DOCS["page"]
