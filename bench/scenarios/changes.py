"""4. Change feed: read every entry of a feed of N changes in pages of 500 through
GET /api/v1/changes (one keep-alive connection, ``since`` = the last ``next_cursor``) versus a raw
SELECT of the same rows in the same pages (``seq > :last ORDER BY seq LIMIT 500`` with the caller's
scope subquery) through the DB-API driver.
"""

from __future__ import annotations

import time
import uuid

import sqlalchemy as sa

from bench import seed
from bench.harness import (
    Config,
    Row,
    ScenarioResult,
    Server,
    alternate,
    bench_settings,
    fresh_database,
    log,
    median,
    route_exists,
)
from bench.scenarios.lists import Http

NAME = "changes"
TITLE = "Change feed: read N changes in pages of 500"
ROLE = "auditor"  # changes.read
PAGE = 500


class RawFeed:
    def __init__(self, engine: sa.Engine, scope_root: uuid.UUID):
        self.dialect = engine.dialect.name
        self.raw = engine.raw_connection()
        cols = ", ".join(f"change_log.{c.name}" for c in seed.ChangeLogEntry.__table__.columns)
        ph = "?" if self.dialect == "sqlite" else "%s"
        self.sql = (
            f"SELECT {cols} FROM change_log WHERE change_log.seq > {ph} AND change_log.org_unit_id IN "
            f"(SELECT org_unit_closure.descendant_id FROM org_unit_closure WHERE "
            f"org_unit_closure.ancestor_id IN ({ph})) "
            f"ORDER BY change_log.seq LIMIT {ph}"
        )
        self.root = scope_root.hex if self.dialect == "sqlite" else scope_root
        self.seq_index = [c.name for c in seed.ChangeLogEntry.__table__.columns].index("seq")

    def read_all(self) -> int:
        last, total = 0, 0
        while True:
            cur = self.raw.cursor()
            cur.execute(self.sql, (last, self.root, PAGE + 1))
            rows = cur.fetchall()
            cur.close()
            if self.dialect != "sqlite":
                self.raw.commit()
            page = rows[:PAGE]
            total += len(page)
            if len(rows) <= PAGE:
                return total
            last = page[-1][self.seq_index]

    def close(self) -> None:
        self.raw.close()


def api_read_all(client: Http) -> int:
    since, total = "0", 0
    while True:
        page = client.get(f"/api/v1/changes?since={since}&limit={PAGE}")
        total += len(page["items"])
        since = page["next_cursor"]
        if not page.get("has_more"):
            return total


def run(cfg: Config, db: str) -> ScenarioResult:
    res = ScenarioResult(NAME, TITLE)
    if not route_exists("/api/v1/changes"):
        res.pending.append("GET /api/v1/changes does not exist yet: scenario not run.")
        return res
    count, members, rounds = cfg.size((5_000, 2_000, 2), (100_000, 20_000, 5))
    url = fresh_database(cfg, db, f"bench_changes_{db}")
    seed.migrate_db(url)
    engine = seed.engine_for(url)
    settings = bench_settings(url)
    from api.security.pii import PiiVault
    from api.security.tokens import create_access_token

    tree = seed.seed_tree(engine, 200)
    user_id = seed.seed_reader(engine, tree, ROLE)
    sample = seed.seed_members(engine, tree, members, PiiVault.from_settings(settings))
    seed.seed_changes(engine, sample, count)
    seed.analyze(engine)
    auth = {"Authorization": f"Bearer {create_access_token(user_id, settings).token}"}
    raw = RawFeed(engine, tree.root)

    with Server(cfg.app, cfg.env(url), f"gonghui-{db}") as gh:
        client = Http(gh, auth)
        got_api, got_raw = api_read_all(client), raw.read_all()
        if got_api != count or got_raw != count:
            raise RuntimeError(f"expected {count} changes, API read {got_api}, raw read {got_raw}")

        def measure(case: str) -> tuple[float, float]:
            """(wall seconds, CPU seconds: the server's for the API, this thread's for raw)."""
            t, c0, tc0 = time.perf_counter(), gh.cpu_seconds(), time.thread_time()
            api_read_all(client) if case == "api" else raw.read_all()
            cpu = gh.cpu_seconds() - c0 if case == "api" else time.thread_time() - tc0
            return time.perf_counter() - t, cpu

        log(f"changes/{db}: {count:,} changes, {rounds} rounds")
        results = alternate(["api", "raw"], rounds, measure, measure)
        client.close()
    raw.close()
    engine.dispose()
    api_s, raw_s = median([r[0] for r in results["api"]]), median([r[0] for r in results["raw"]])
    api_cpu, raw_cpu = median([r[1] for r in results["api"]]), median([r[1] for r in results["raw"]])
    res.rows.append(
        Row(NAME, db, f"read {count:,} in pages of {PAGE}", "rows/s", count / api_s, count / raw_s, "rows/s")
    )
    res.rows.append(
        Row(
            NAME,
            db,
            f"read {count:,} in pages of {PAGE}",
            "per page",
            api_s / (count / PAGE) * 1000,
            raw_s / (count / PAGE) * 1000,
            "ms",
            better="lower",
        )
    )
    res.rows.append(
        Row(
            NAME,
            db,
            f"read {count:,} in pages of {PAGE}",
            "CPU/page",
            api_cpu / (count / PAGE) * 1000,
            raw_cpu / (count / PAGE) * 1000,
            "ms",
            better="lower",
            note="API: server process; raw: the client's driver call",
        )
    )
    res.details.append(
        f"{db}: {count:,} stamped entries about {len(sample):,} members in {tree.unit_count} units; "
        f"caller `{ROLE}` at ROOT; {rounds} rounds, each reading the whole feed; median wall time "
        f"API {api_s:.2f}s, raw {raw_s:.2f}s."
    )
    return res
