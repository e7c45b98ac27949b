"""One bulk import in a fresh process, so its peak memory (ru_maxrss) is its own.

``python -m bench.import_worker MODE URL CSV ORG_CODE`` with MODE one of

* ``service``: gonghui's import service (``api.services.member_imports.import_file_as_system``, the
  CLI's path): the job row, full row validation, file-duplicate and on-record checks, member numbers,
  ID encryption + HMAC, Core bulk inserts, lifecycle events, change feed, audit, one commit;
* ``dry``: the same with ``dry_run=True`` (validates everything, writes nothing but the job);
* ``raw``: the floor: ``csv.reader`` and ``executemany`` of the same rows into the same ``member``
  table (SQLite, 1,000-row batches, one transaction, the app's PRAGMAs) or ``COPY ... FROM STDIN``
  (PostgreSQL, psycopg 3 ``cursor.copy``). It only converts types: no validation, no encryption (the
  cipher column gets a placeholder, the HMAC column a plain SHA-256 so it stays unique), no audit.

Prints one JSON line: rows, seconds (work only, not interpreter start-up), peak and start RSS in MB.
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
    t0 = time.perf_counter()
    job = import_file_as_system(db, settings, path=csv_path, org_code=org_code, dry_run=dry_run,
                                actor_label="bench")
    seconds = time.perf_counter() - t0
    status = str(job.get("status"))
    if not status.endswith("succeeded"):
        raise SystemExit(f"import did not succeed: {json.dumps(job, default=str)[:3000]}")
    return {"rows": job.get("rows_done"), "created": job.get("created_count"), "failed": job.get("failed_count"),
            "seconds": seconds, "start_rss_mb": start_rss}


def _units(conn: sa.Connection) -> dict[str, tuple[Any, Any]]:
    """code -> (unit id, grassroots id) for the branches of the seeded tree (one query, before timing)."""
    rows = conn.execute(sa.text("SELECT id, code, parent_id, kind FROM org_unit")).all()
    out = {}
    for uid, code, parent, kind in rows:
        out[code] = (uid, uid if kind == "grassroots" else parent)
    return out


def raw(url: str, csv_path: str) -> dict[str, Any]:
    from api.db.session import make_engine
    from api.db.types import new_id

    engine = make_engine(url)
    dialect = engine.dialect.name
    with engine.connect() as conn:
        units = _units(conn)
    cols = ["id", "member_no", "employee_no", "org_unit_id", "grassroots_unit_id", "name", "gender", "birth_date",
            "national_id_cipher", "national_id_hmac", "national_id_masked", "phone", "email", "join_date", "status",
            "is_representative", "monthly_wage_fen", "version", "created_at", "updated_at"]
    start_rss = current_rss_mb()
    t0 = time.perf_counter()
    now = datetime.now(UTC)
    raw_conn = engine.raw_connection()
    dbapi = raw_conn.driver_connection
    n = 0

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
                yield (new_id(), f"{r[7][:5]}-{n:07d}", r[0], unit_id, union_id, r[1],
                       "male" if r[2] == "男" else "female", r[5], "-", hashlib.sha256(nid.encode()).hexdigest(),
                       nid[:3] + "***********" + nid[-4:], r[4], None, r[6], "active", False,
                       int(yuan) * 100 + int(fen or 0), 1, now, now)

    if dialect == "sqlite":
        def conv(row: tuple[Any, ...]) -> tuple[Any, ...]:  # SQLAlchemy's Uuid/DateTime storage on SQLite
            return (row[0].hex, *row[1:3], _hex(row[3]), _hex(row[4]), *row[5:18],
                    row[18].replace(tzinfo=None).isoformat(" "), row[19].replace(tzinfo=None).isoformat(" "))

        sql = f"INSERT INTO member ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"
        cur = dbapi.cursor()
        cur.execute("BEGIN IMMEDIATE")
        batch: list[tuple[Any, ...]] = []
        for row in rows():
            batch.append(conv(row))
            if len(batch) >= 1000:
                cur.executemany(sql, batch)
                batch = []
        if batch:
            cur.executemany(sql, batch)
        cur.execute("COMMIT")
    else:
        with dbapi.cursor() as cur:
            with cur.copy(f"COPY member ({', '.join(cols)}) FROM STDIN") as copy:
                for row in rows():
                    copy.write_row(row)
        dbapi.commit()
    seconds = time.perf_counter() - t0
    raw_conn.close()
    engine.dispose()
    return {"rows": n, "created": n, "failed": 0, "seconds": seconds, "start_rss_mb": start_rss}


def _hex(value: Any) -> str:
    return value if isinstance(value, str) else uuid.UUID(str(value)).hex


def main(argv: list[str]) -> None:
    mode, url, csv_path, org_code = argv
    if mode == "raw":
        out = raw(url, csv_path)
    else:
        out = service(url, csv_path, org_code, dry_run=mode == "dry")
    out.update(mode=mode, peak_rss_mb=rss_mb())
    print(json.dumps(out))


if __name__ == "__main__":
    main(sys.argv[1:])
