"""The bare baseline of the overhead scenario: FastAPI, no middleware, no auth, no database.

It answers with the very JSON documents gonghui served for the same requests (captured by the
harness and passed in ``BENCH_BARE_DOCS``, a JSON file ``{"one": {...}, "page": {...}}``), through
FastAPI's default serialisation, under the same ``uvicorn --workers 1 --no-access-log`` settings.
Run: ``python -m uvicorn bench.baseline_app:app``.

``/bare/members-db/{id}`` is a second, stricter baseline: the same document, after ONE SQLAlchemy ORM
``SELECT`` of the member by primary key on gonghui's database (``GONGHUI_DATABASE_URL``), through the
same engine setup (``api.db.session``) and a sync endpoint. It shows what any endpoint that touches
the database once through the ORM can reach in this stack.

``POST /bare/ledger-entries`` is the funds scenario's bare POST (the entry document is in ``entry``);
``POST /bare/ledger-entries-db`` also writes what a posting writes to the books, in raw SQL through one
DB-API connection (sqlite3 / psycopg 3): the entry (next number kept in memory) and the upsert of its
running total, in one committed transaction, for the unit and line named in ``ledger``. No auth, no
checks, no ORM, no audit record.

``GET /bare/funds-report?unit=<uuid>&consolidated=<bool>`` is the funds scenario's second baseline for
the budget-vs-actual report: the same raw aggregate as the scenario's in-process baseline over the
ledger's rows (``bench.scenarios.funds.RawReport``, source "ledger": the in-force lines per category and
SUM per category over the entries), issued through one DB-API connection kept per (unit, consolidated),
answered as JSON lines (category, kind, root, budget fen, actual fen). No auth, no scope, no ORM.
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


_ledger: dict[str, Any] = {}


def _ledger_conn() -> Any:
    """One DB-API connection and the state of the bare ledger (sequential requests only)."""
    if not _ledger:
        from datetime import date

        from sqlalchemy.engine import make_url

        spec = _DOCS["ledger"]
        url = make_url(os.environ["GONGHUI_DATABASE_URL"])
        if url.get_backend_name() == "sqlite":
            import sqlite3

            conn: Any = sqlite3.connect(url.database or "", isolation_level=None, check_same_thread=False)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            ph, ids = "?", lambda v: uuid.UUID(v).hex
            begin = "BEGIN IMMEDIATE"
        else:
            import psycopg

            conn = psycopg.connect(url.set(drivername="postgresql").render_as_string(hide_password=False))
            ph, ids = "%s", uuid.UUID
            begin = "BEGIN"
        unit, budget = ids(spec["org_unit_id"]), ids(spec["budget_id"])
        cur = conn.cursor()
        cur.execute(f"SELECT max(seq) FROM fund_ledger_entry WHERE org_unit_id = {ph}", (unit,))
        last = cur.fetchone()[0] or 0
        if url.get_backend_name() != "sqlite":
            conn.commit()
        cols = (
            "id, org_unit_id, fiscal_year, seq, voucher_no, kind, category_code, root_code, budget_id, "
            "entry_on, amount_fen, counterparty, description, created_at"
        )
        _ledger.update(
            conn=conn,
            begin=begin,
            sqlite=url.get_backend_name() == "sqlite",
            ids=ids,
            unit=unit,
            budget=budget,
            seq=last,
            spec=spec,
            day=date(spec["fiscal_year"], 6, 1),
            insert=f"INSERT INTO fund_ledger_entry ({cols}) VALUES ({', '.join([ph] * 14)})",
            total=(
                "INSERT INTO fund_total (org_unit_id, fiscal_year, category_code, kind, root_code, "
                f"amount_fen, entries) VALUES ({ph}, {ph}, {ph}, 'expense', {ph}, {ph}, 1) "
                "ON CONFLICT (org_unit_id, fiscal_year, category_code) DO UPDATE SET "
                "amount_fen = fund_total.amount_fen + excluded.amount_fen, entries = fund_total.entries + 1"
            ),
        )
    return _ledger


@app.post("/bare/ledger-entries-db", status_code=201)
def bare_ledger_entry_db(body: dict[str, Any]) -> dict[str, Any]:
    """The funds scenario's bare POST with the writes: the entry and its running total, raw SQL."""
    from datetime import UTC, datetime

    from api.db.types import new_id

    s = _ledger_conn()
    spec, amount = s["spec"], int(body["amount_fen"])
    s["seq"] += 1
    now = datetime.now(UTC)
    cur = s["conn"].cursor()
    if s["sqlite"]:
        cur.execute(s["begin"])
    cur.execute(
        s["insert"],
        (
            s["ids"](str(new_id())),
            s["unit"],
            spec["fiscal_year"],
            s["seq"],
            f"B-{s['seq']:09d}",
            "expense",
            spec["category_code"],
            spec["root_code"],
            s["budget"],
            s["day"].isoformat() if s["sqlite"] else s["day"],
            amount,
            body["counterparty"],
            body["description"],
            now.replace(tzinfo=None).isoformat(" ") if s["sqlite"] else now,
        ),
    )
    cur.execute(
        s["total"], (s["unit"], spec["fiscal_year"], spec["category_code"], spec["root_code"], amount)
    )
    if s["sqlite"]:
        cur.execute("COMMIT")
    else:
        s["conn"].commit()
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


_reports: dict[tuple[str, bool], Any] = {}


@app.get("/bare/funds-report")
def bare_funds_report(unit: uuid.UUID, consolidated: bool = False) -> dict[str, Any]:
    """The funds scenario's bare GET: the report's raw aggregate over the ledger, as JSON."""
    from bench.scenarios.funds import RawReport

    global _engine
    if _engine is None:
        from api.db.session import make_engine

        _engine = make_engine(os.environ["GONGHUI_DATABASE_URL"])
    key = (str(unit), consolidated)
    if key not in _reports:
        _reports[key] = RawReport(_engine, unit, consolidated, "ledger")
    planned, booked = _reports[key].lines()
    codes = sorted(set(planned) | set(booked))
    return {
        "lines": [
            {
                "category_code": code,
                "kind": (planned.get(code) or ("", ""))[0],
                "root_code": (planned.get(code) or ("", ""))[1],
                "budget_fen": planned[code][2] if code in planned else 0,
                "actual_fen": booked.get(code, 0),
            }
            for code in codes
        ]
    }
