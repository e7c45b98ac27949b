"""3. Lists at scale: members filtered to one grassroots union's subtree and a status, first page and a
page deep into the keyset cursor, through the API (uvicorn, one keep-alive connection, sequential
requests) versus the same SELECT issued raw through the DB-API driver in this process.

The raw statement mirrors what ``api.services.members.list_members`` issues (``list_stmt`` +
``keyset(..., fetch=...)``): for a unit inside the caller's scope (checked once per request by the
service), keys first: ``SELECT member.* WHERE id IN (SELECT id WHERE <unit subtree> AND status AND
id > cursor ORDER BY id LIMIT n+1) ORDER BY id``, the page's ids read from the
``(status, org_unit_id, id)`` index alone (since migration 0005); on PostgreSQL a subtree of at most
``members.SMALL_SUBTREE_UNITS`` units is written ``org_unit_id = ANY (array((subtree)))``
(``members.subtree_filter``; the driver's ``::UUID`` casts are left out). ``RAW_FORM`` reproduces the older
statements: ``"unit"`` (8a531cd: rows selected directly, one subtree subquery) and ``"scope+unit"``
(before 8a531cd: the caller's scope subquery too). The harness checks that both return the same ids
before timing anything.
"""

from __future__ import annotations

import http.client
import json
import time
import uuid
from typing import Any

import sqlalchemy as sa

from bench import seed
from bench.harness import (
    HOST,
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

NAME = "lists"
TITLE = "Member lists at scale: API vs raw SELECT"
ROLE = "auditor"
LIMIT = 50
STATUS = "active"
#: the SELECT the service issues: "keys-first" (since migration 0005), "unit" (8a531cd) or "scope+unit"
#: (before)
RAW_FORM = "keys-first"


class Http:
    """One keep-alive HTTP/1.1 connection (stdlib: the lightest client, so the server is what's timed)."""

    def __init__(self, server: Server, headers: dict[str, str]):
        self.conn = http.client.HTTPConnection(HOST, server.port, timeout=60)
        self.headers = headers

    def get(self, path: str) -> Any:
        try:
            self.conn.request("GET", path, headers=self.headers)
            resp = self.conn.getresponse()
        except (http.client.RemoteDisconnected, ConnectionError):
            # uvicorn closes a keep-alive connection idle for 5 s (e.g. while slow raw queries ran): reconnect
            self.conn.close()
            self.conn.request("GET", path, headers=self.headers)
            resp = self.conn.getresponse()
        body = resp.read()
        if resp.status != 200:
            raise RuntimeError(f"GET {path}: {resp.status} {body[:500]!r}")
        return json.loads(body)

    def close(self) -> None:
        self.conn.close()


def percentile(values: list[float], p: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(p / 100 * len(s)))] if s else float("nan")


class RawList:
    """The list SELECT through the bare DB-API connection: execute + fetchall, nothing else."""

    def __init__(self, engine: sa.Engine, scope_root: uuid.UUID, unit: uuid.UUID, status: str, limit: int):
        self.dialect = engine.dialect.name
        self.raw = engine.raw_connection()
        cols = ", ".join(f"member.{c.name}" for c in seed.Member.__table__.columns)
        ph = "?" if self.dialect == "sqlite" else "%s"
        closure = (
            f"SELECT org_unit_closure.descendant_id FROM org_unit_closure "
            f"WHERE org_unit_closure.ancestor_id IN ({ph})"
        )
        subtree = f"member.org_unit_id IN ({closure})"
        unit_subtree = subtree
        if RAW_FORM == "keys-first" and self.dialect == "postgresql":
            # members.subtree_filter: PostgreSQL lists a small subtree through = ANY(ARRAY(subtree))
            from api.services.members import SMALL_SUBTREE_UNITS

            with engine.connect() as conn:
                units = conn.execute(
                    sa.select(sa.func.count())
                    .select_from(seed.OrgUnitClosure.__table__)
                    .where(seed.OrgUnitClosure.__table__.c.ancestor_id == unit)
                ).scalar_one()
            if units <= SMALL_SUBTREE_UNITS:
                unit_subtree = f"member.org_unit_id = ANY (array(({closure})))"
        # exactly as SQLAlchemy renders it for each dialect (SQLite always adds an OFFSET to a LIMIT)
        limit_sql = f"LIMIT {ph} OFFSET {ph}" if self.dialect == "sqlite" else f"LIMIT {ph}"
        self.limit_params = (limit + 1, 0) if self.dialect == "sqlite" else (limit + 1,)
        if RAW_FORM == "scope+unit":
            where = f"{subtree} AND {subtree} AND member.status = {ph}"
            self.params = [self._id(scope_root), self._id(unit), status]
        else:
            where = f"{unit_subtree} AND member.status = {ph}"
            self.params = [self._id(unit), status]
        if RAW_FORM == "keys-first":

            def page(cond: str) -> str:
                return (
                    f"SELECT {cols} FROM member WHERE member.id IN (SELECT member.id FROM member WHERE "
                    f"{cond} "
                    f"ORDER BY member.id ASC {limit_sql}) ORDER BY member.id ASC"
                )
        else:

            def page(cond: str) -> str:
                return f"SELECT {cols} FROM member WHERE {cond} ORDER BY member.id ASC {limit_sql}"

        self.first_sql = page(where)
        self.after_sql = page(f"{where} AND member.id > {ph}")
        self.limit = limit

    def _id(self, value: uuid.UUID) -> Any:
        return value.hex if self.dialect == "sqlite" else value  # how SQLAlchemy's Uuid stores it

    def page(self, after: uuid.UUID | None) -> list[Any]:
        cur = self.raw.cursor()
        if after is None:
            cur.execute(self.first_sql, (*self.params, *self.limit_params))
        else:
            cur.execute(self.after_sql, (*self.params, self._id(after), *self.limit_params))
        rows = cur.fetchall()
        cur.close()
        if self.dialect != "sqlite":
            self.raw.commit()  # end the implicit transaction like the API's session does
        return rows

    def ids(self, after: uuid.UUID | None) -> list[str]:
        return [str(uuid.UUID(str(r[0]))) for r in self.page(after)][: self.limit]

    def close(self) -> None:
        self.raw.close()


def run(cfg: Config, db: str) -> ScenarioResult:
    res = ScenarioResult(NAME, TITLE)
    if not route_exists("/api/v1/members"):
        res.pending.append("GET /api/v1/members does not exist yet: scenario not run.")
        return res
    members, units = cfg.size((20_000, 200), (1_000_000, 10_000))
    n_req, rounds = cfg.size((10, 2), (10, 3))

    url = fresh_database(cfg, db, f"bench_lists_{db}")
    seed.migrate_db(url)
    engine = seed.engine_for(url)
    settings = bench_settings(url)
    from api.security.pii import PiiVault
    from api.security.tokens import create_access_token

    t0 = time.monotonic()
    tree = seed.seed_tree(engine, units)
    user_id = seed.seed_reader(engine, tree, ROLE)
    seed.seed_members(engine, tree, members, PiiVault.from_settings(settings))
    seed.analyze(engine)
    seed_s = time.monotonic() - t0
    log(f"lists/{db}: seeded {members:,} members in {tree.unit_count:,} units in {seed_s:.0f}s")

    union = tree.grassroots[len(tree.grassroots) // 2]
    with engine.connect() as conn:
        m, c = seed.Member.__table__, seed.OrgUnitClosure.__table__
        matching = conn.execute(
            sa.select(sa.func.count())
            .select_from(m)
            .where(
                m.c.org_unit_id.in_(sa.select(c.c.descendant_id).where(c.c.ancestor_id == union)),
                m.c.status == STATUS,
            )
        ).scalar_one()
    auth = {"Authorization": f"Bearer {create_access_token(user_id, settings).token}"}
    first_path = f"/api/v1/members?org_unit_id={union}&status={STATUS}&limit={LIMIT}"
    raw = RawList(engine, tree.root, union, STATUS, LIMIT)

    with Server(cfg.app, cfg.env(url), f"gonghui-{db}") as gh:
        client = Http(gh, auth)
        # walk to ~75% of the filtered rows with big pages, to find a deep cursor
        target_rows = int(matching * 0.75)
        walked, cursor, last_id = 0, None, None
        while walked < target_rows:
            size = min(200, target_rows - walked)
            page = client.get(
                f"/api/v1/members?org_unit_id={union}&status={STATUS}&limit={size}"
                + (f"&cursor={cursor}" if cursor else "")
            )
            walked += len(page["items"])
            cursor, last_id = page["next_cursor"], uuid.UUID(page["items"][-1]["id"])
            if cursor is None:
                break
        deep_path = f"{first_path}&cursor={cursor}"
        # the raw SELECT and the API must return the same rows
        api_first = [i["id"] for i in client.get(first_path)["items"]]
        api_deep = [i["id"] for i in client.get(deep_path)["items"]]
        if api_first != raw.ids(None) or api_deep != raw.ids(last_id):
            raise RuntimeError(
                "the raw SELECT does not return the rows the API returns: fix bench/scenarios/lists.py"
            )
        floor_path = "/api/v1/auth/me" if route_exists("/api/v1/auth/me") else None

        cpu: dict[str, list[float]] = {}

        def timed_many(case: str) -> list[float]:
            """Wall ms per request; CPU ms per request (the server's for API cases, ours for raw ones)."""
            fn = cases[case]
            out = []
            c0, t0 = gh.cpu_seconds(), time.thread_time()
            for _ in range(n_req):
                t = time.perf_counter()
                fn()
                out.append((time.perf_counter() - t) * 1000)
            spent = gh.cpu_seconds() - c0 if case.startswith("api") else time.thread_time() - t0
            cpu.setdefault(case, []).append(spent * 1000 / n_req)
            return out

        cases = {
            "api first": lambda: client.get(first_path),
            "raw first": lambda: raw.page(None),
            "api deep": lambda: client.get(deep_path),
            "raw deep": lambda: raw.page(last_id),
        }
        if floor_path:
            cases["api floor"] = lambda: client.get(floor_path)
        log(
            f"lists/{db}: {matching:,} matching rows, deep page after {walked:,}; {rounds} rounds x "
            f"{n_req} requests"
        )
        results = alternate(list(cases), rounds, timed_many, timed_many)
        client.close()
    raw.close()
    engine.dispose()

    lat = {c: [x for batch in v for x in batch] for c, v in results.items()}
    for page in ("first", "deep"):
        a, r = lat[f"api {page}"], lat[f"raw {page}"]
        med_a, med_r, p95_a = median(a), median(r), percentile(a, 95)
        res.rows.append(
            Row(
                NAME,
                db,
                f"{page} page",
                "median latency",
                med_a,
                med_r,
                "ms",
                better="lower",
                target="<= 2x raw",
                met=med_a <= 2 * med_r,
            )
        )
        res.rows.append(
            Row(
                NAME,
                db,
                f"{page} page",
                "p95 latency",
                p95_a,
                percentile(r, 95),
                "ms",
                better="lower",
                target="< 50 ms",
                met=p95_a < 50,
            )
        )
    for page in ("first", "deep"):
        res.rows.append(
            Row(
                NAME,
                db,
                f"{page} page",
                "CPU/page",
                median(cpu[f"api {page}"][1:] or cpu[f"api {page}"]),
                median(cpu[f"raw {page}"][1:] or cpu[f"raw {page}"]),
                "ms",
                better="lower",
                note="API: server process; raw: the client's driver call",
            )
        )
    deep_vs_first = median(lat["api deep"]) / median(lat["api first"])
    res.rows.append(
        Row(
            NAME,
            db,
            "deep / first (API)",
            "median ratio",
            deep_vs_first,
            None,
            "x",
            better="lower",
            target="<= 1.5",
            met=deep_vs_first <= 1.5,
        )
    )
    if floor_path:
        floor = median(lat["api floor"])
        res.rows.append(
            Row(NAME, db, "GET /auth/me (floor)", "median latency", floor, None, "ms", better="lower")
        )
        res.details.append(
            f"{db}: every authenticated request pays a fixed floor (JWT, principal, session, middleware, "
            f"HTTP), "
            f"measured as GET /api/v1/auth/me: {floor:.2f} ms. The list's own part (API minus floor): "
            f"first page "
            f"{median(lat['api first']) - floor:.2f} ms, deep page {median(lat['api deep']) - floor:.2f} ms, "
            f"vs raw {median(lat['raw first']):.2f} / {median(lat['raw deep']):.2f} ms."
        )
    res.details.append(
        f"{db}: {members:,} members in {tree.unit_count:,} units (seeded with Core inserts in "
        f"{seed_s:.0f}s); filter "
        f"= one grassroots union's subtree + status `{STATUS}` = {matching:,} rows; deep page after "
        f"{walked:,} rows; "
        f"limit {LIMIT}; caller `{ROLE}` at ROOT; {rounds} rounds x {n_req} sequential requests per case, "
        f"one keep-alive connection."
    )
    return res
