"""One bulk import in a fresh process, so its peak memory (ru_maxrss) is its own.

``python -m bench.import_worker MODE URL CSV ORG_CODE`` with MODE one of

* ``service``: gonghui's import service (``api.services.member_imports.import_file_as_system``, the
  CLI's path): the job row, full row validation, file-duplicate and on-record checks, member numbers,
  ID encryption + HMAC, Core bulk inserts, lifecycle events, change feed, audit, one commit;
* ``dry``: the same with ``dry_run=True`` (validates everything, writes nothing but the job);
* ``raw``: the floor: ``csv.reader`` and ``executemany`` of the same rows into the same ``member``
  table (SQLite, 1,000-row batches, one transaction, the app's PRAGMAs) or ``COPY ... FROM STDIN``
  (PostgreSQL, psycopg 3 ``cursor.copy``). It only converts types: no validation, no encryption (the
  cipher column gets a placeholder, the HMAC column a plain SHA-256 so it stays unique), no audit;
* ``raw3``: ``raw`` plus the two other rows the service writes per member — the "joined" lifecycle
  event and the change-feed entry — the same way: the writes' own floor, to show how much of the
  service's time is left for validation, duplicate checks and encryption.

Prints one JSON line: rows, seconds (work only, not interpreter start-up), the CPU seconds of that work
(``cpu_seconds``: user + system time of the process, steadier than wall time on a shared host), peak
and start RSS in MB.
"""

from __future__ import annotations

import csv
import hashlib
import json
import resource
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def current_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def service(url: str, csv_path: str, org_code: str, dry_run: bool) -> dict[str, Any]:
    from api.config import Settings
    from api.db.session import Database, make_engine
    from api.services.member_imports import import_file_as_system
    from bench.harness import SECRET

    settings = Settings(database_url=url, secret_key=SECRET, log_level="WARNING")
    db = Database(make_engine(url))
    start_rss = current_rss_mb()
    t0, c0 = time.perf_counter(), time.process_time()
    job = import_file_as_system(
        db, settings, path=csv_path, org_code=org_code, dry_run=dry_run, actor_label="bench"
    )
    seconds, cpu_seconds = time.perf_counter() - t0, time.process_time() - c0
    status = str(job.get("status"))
    if not status.endswith("succeeded"):
        raise SystemExit(f"import did not succeed: {json.dumps(job, default=str)[:3000]}")
    return {
        "rows": job.get("rows_done"),
        "created": job.get("created_count"),
        "failed": job.get("failed_count"),
        "seconds": seconds,
        "cpu_seconds": cpu_seconds,
        "start_rss_mb": start_rss,
    }


def _units(conn: sa.Connection) -> dict[str, tuple[Any, Any]]:
    """code -> (unit id, grassroots id) for the branches of the seeded tree (one query, before timing)."""
    rows = conn.execute(sa.text("SELECT id, code, parent_id, kind FROM org_unit")).all()
    out = {}
    for uid, code, parent, kind in rows:
        out[code] = (uid, uid if kind == "grassroots" else parent)
    return out


def raw(url: str, csv_path: str, *, all_rows: bool = False) -> dict[str, Any]:
    from api.db.session import make_engine
    from api.db.types import new_id

    engine = make_engine(url)
    dialect = engine.dialect.name
    with engine.connect() as conn:
        units = _units(conn)
    cols = [
        "id",
        "member_no",
        "employee_no",
        "org_unit_id",
        "grassroots_unit_id",
        "name",
        "gender",
        "birth_date",
        "national_id_cipher",
        "national_id_hmac",
        "national_id_masked",
        "phone",
        "email",
        "join_date",
        "status",
        "is_representative",
        "monthly_wage_fen",
        "version",
        "created_at",
        "updated_at",
    ]
    start_rss = current_rss_mb()
    t0, c0 = time.perf_counter(), time.process_time()
    now = datetime.now(UTC)
    raw_conn = engine.raw_connection()
    dbapi = raw_conn.driver_connection
    n = 0
    ev_cols = ["id", "member_id", "kind", "to_status", "effective_on", "org_unit_id", "created_at"]
    feed_cols = ["entity_type", "entity_id", "action", "org_unit_id", "entity_version", "changed_at"]
    events: list[tuple[Any, ...]] = []
    feed: list[tuple[Any, ...]] = []

    def others(row: tuple[Any, ...]) -> None:  # the event and feed entry of a member row, when asked for
        if all_rows:
            events.append((new_id(), row[0], "joined", "active", row[13], row[3], now))
            feed.append(("member", row[0], "created", row[3], 1, now))

    def rows() -> Any:
        nonlocal n
        with open(csv_path, newline="", encoding="utf-8") as f:
            reader = csv.reader(f)
            next(reader)
            for r in reader:
                n += 1
                unit_id, union_id = units[r[7]]
                nid = r[3]
                yuan, _, fen = r[8].partition(".")
                yield (
                    new_id(),
                    f"{r[7][:5]}-{n:07d}",
                    r[0],
                    unit_id,
                    union_id,
                    r[1],
                    "male" if r[2] == "男" else "female",
                    r[5],
                    "-",
                    hashlib.sha256(nid.encode()).hexdigest(),
                    nid[:3] + "***********" + nid[-4:],
                    r[4],
                    None,
                    r[6],
                    "active",
                    False,
                    int(yuan) * 100 + int(fen or 0),
                    1,
                    now,
                    now,
                )

    if dialect == "sqlite":

        def conv(row: tuple[Any, ...]) -> tuple[Any, ...]:  # SQLAlchemy's Uuid/DateTime storage on SQLite
            return (
                row[0].hex,
                *row[1:3],
                _hex(row[3]),
                _hex(row[4]),
                *row[5:18],
                row[18].replace(tzinfo=None).isoformat(" "),
                row[19].replace(tzinfo=None).isoformat(" "),
            )

        def insert(table: str, columns: list[str]) -> str:
            return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"

        stamp = now.replace(tzinfo=None).isoformat(" ")
        sql, ev_sql, feed_sql = (
            insert("member", cols),
            insert("member_event", ev_cols),
            insert("change_log", feed_cols),
        )
        cur = dbapi.cursor()
        cur.execute("BEGIN IMMEDIATE")
        batch: list[tuple[Any, ...]] = []

        def flush() -> None:
            cur.executemany(sql, batch)
            if all_rows:
                cur.executemany(ev_sql, [(e[0].hex, e[1].hex, *e[2:5], _hex(e[5]), stamp) for e in events])
                cur.executemany(feed_sql, [(*f[:1], f[1].hex, f[2], _hex(f[3]), f[4], stamp) for f in feed])
                events.clear()
                feed.clear()
            batch.clear()

        for row in rows():
            batch.append(conv(row))
            others(row)
            if len(batch) >= 1000:
                flush()
        if batch:
            flush()
        cur.execute("COMMIT")
    else:
        with dbapi.cursor() as cur:
            with cur.copy(f"COPY member ({', '.join(cols)}) FROM STDIN") as copy:
                for row in rows():
                    copy.write_row(row)
                    others(row)
            for table, columns, data in (("member_event", ev_cols, events), ("change_log", feed_cols, feed)):
                if data:
                    with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                        for item in data:
                            copy.write_row(item)
        dbapi.commit()
    seconds, cpu_seconds = time.perf_counter() - t0, time.process_time() - c0
    raw_conn.close()
    engine.dispose()
    return {
        "rows": n,
        "created": n,
        "failed": 0,
        "seconds": seconds,
        "cpu_seconds": cpu_seconds,
        "start_rss_mb": start_rss,
    }


def _hex(value: Any) -> str:
    return value if isinstance(value, str) else uuid.UUID(str(value)).hex


def main(argv: list[str]) -> None:
    mode, url, csv_path, org_code = argv
    if mode in ("raw", "raw3"):
        out = raw(url, csv_path, all_rows=mode == "raw3")
    else:
        out = service(url, csv_path, org_code, dry_run=mode == "dry")
    out.update(mode=mode, peak_rss_mb=rss_mb())
    print(json.dumps(out))


if __name__ == "__main__":
    main(sys.argv[1:])
