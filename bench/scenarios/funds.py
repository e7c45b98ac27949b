"""5. Union funds: the budget-vs-actual report of one accounting unit and the consolidated federation
report over N ledger entries in U accounting units, through the API (one keep-alive connection,
sequential requests) versus the same aggregate issued raw through the DB-API driver in this process
(the target's baseline) and versus a bare FastAPI GET running that raw aggregate (bench/baseline_app.py);
and posting an expense (with the remainder check under the budget lock) as sequential requests per
second against bare FastAPI POST endpoints (bench/baseline_app.py): one answering the same document,
one that also inserts the entry and its running total in raw SQL.

The raw aggregate is the in-force budget lines summed per category plus the booked amounts summed per
category for the unit (or every accounting unit under ROOT, found through the closure table) and the
year, computed two ways: over the ledger's rows (the target's baseline: what a report without running
totals has to do) and over the running totals ``fund_total`` (what ``reports.budget_vs_actual`` reads).

The entries are loaded at the driver level (SQLite ``executemany``, PostgreSQL ``COPY``), and the
running totals computed from them with ``api.services.funds.totals.REBUILD_SQL`` (migration 0013's
backfill), so they agree with the ledger as if every entry had been posted through the API.
"""

from __future__ import annotations

import http.client
import json
import random
import time
import uuid
from datetime import UTC, date, datetime
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
    server_env,
)
from bench.scenarios.lists import Http

NAME = "funds"
TITLE = "Union funds: budget vs actual over the ledger, and posting an expense"
YEAR = 2027
EXPENSE_LINES = [
    "activities.culture_sports",
    "activities.education",
    "rights.hardship_aid",
    "rights.send_warmth",
    "business.meetings",
    "business.training",
]
INCOME_LINES = ["income.dues", "income.allocation"]


def seed_funds(
    engine: sa.Engine, tree: seed.Tree, entries: int
) -> tuple[list[uuid.UUID], dict[uuid.UUID, uuid.UUID]]:
    """Every grassroots union and branch is an accounting unit with a budget in force and entries."""
    from api.db.models import FundBudget, FundBudgetLine, FundChart, OrgUnit
    from api.db.types import new_id
    from api.services.funds import charts

    units = tree.grassroots + [b for b, _ in tree.branches if b not in tree.grassroots]
    now = datetime.now(UTC)
    template = charts.templates()["national-6"]
    chart_id = new_id()
    with engine.begin() as conn:
        conn.execute(
            sa.update(OrgUnit.__table__)
            .where(OrgUnit.__table__.c.id.in_(units))
            .values(independent_accounting=True)
        )
        conn.execute(
            sa.insert(FundChart.__table__),
            [
                dict(
                    id=chart_id,
                    org_unit_id=tree.root,
                    code="national-6",
                    version=1,
                    name=template["name"],
                    template="national-6",
                    province="anhui",
                    items=template["items"],
                    rules=charts.provinces()["anhui"],
                    created_by_id=None,
                    created_at=now,
                )
            ],
        )
        budgets, lines = [], []
        budget_of: dict[uuid.UUID, uuid.UUID] = {}
        for unit in units:
            bid = new_id()
            budget_of[unit] = bid
            budgets.append(
                dict(
                    id=bid,
                    org_unit_id=unit,
                    fiscal_year=YEAR,
                    revision=0,
                    chart_id=chart_id,
                    status="in_force",
                    version=3,
                    created_at=now,
                    updated_at=now,
                )
            )
            for code in EXPENSE_LINES + INCOME_LINES:
                lines.append(
                    dict(
                        id=new_id(),
                        budget_id=bid,
                        kind="income" if code.startswith("income.") else "expense",
                        category_code=code,
                        root_code=code if code.startswith("income.") else code.split(".")[0],
                        amount_fen=10**12,
                        note=None,
                    )
                )
        seed._insert(conn, FundBudget.__table__, budgets)
        seed._insert(conn, FundBudgetLine.__table__, lines)
    load_entries(engine, units, budget_of, entries)
    return units, budget_of


LEDGER_COLUMNS = [
    "id",
    "org_unit_id",
    "fiscal_year",
    "seq",
    "voucher_no",
    "kind",
    "category_code",
    "root_code",
    "budget_id",
    "entry_on",
    "amount_fen",
    "counterparty",
    "description",
    "created_at",
]


def load_entries(
    engine: sa.Engine, units: list[uuid.UUID], budget_of: dict[uuid.UUID, uuid.UUID], entries: int
) -> None:
    """``entries`` ledger rows spread over ``units`` in one transaction at the driver level (SQLite
    ``executemany``, PostgreSQL ``COPY``: not through the API), then the running totals computed from
    them with the one ``INSERT ... SELECT`` migration 0013 backfilled with, so totals == ledger sums."""
    from api.db.types import new_ids
    from api.services.funds.totals import REBUILD_SQL

    rng = random.Random(11)
    codes = EXPENSE_LINES + INCOME_LINES
    seq: dict[uuid.UUID, int] = {u: 0 for u in units}
    now = datetime.now(UTC)
    sqlite = engine.dialect.name == "sqlite"
    stamp: Any = now.replace(tzinfo=None).isoformat(" ") if sqlite else now
    ids = new_ids(entries)

    def rows() -> Any:
        for i in range(entries):
            unit = units[i % len(units)]
            seq[unit] += 1
            code = rng.choice(codes)
            income = code.startswith("income.")
            day = date(YEAR, 1 + i % 12, 1 + i % 28)
            yield (
                ids[i].hex if sqlite else ids[i],
                unit.hex if sqlite else unit,
                YEAR,
                seq[unit],
                f"{YEAR}-{seq[unit]:06d}",
                "income" if income else "expense",
                code,
                code if income else code.split(".")[0],
                budget_of[unit].hex if sqlite else budget_of[unit],
                day.isoformat() if sqlite else day,
                rng.randint(100, 100_000),
                "bench",
                "bench",
                stamp,
            )

    raw = engine.raw_connection()
    dbapi = raw.driver_connection
    assert dbapi is not None
    if sqlite:
        cur = dbapi.cursor()
        cur.execute("BEGIN IMMEDIATE")
        sql = (
            f"INSERT INTO fund_ledger_entry ({', '.join(LEDGER_COLUMNS)}) "
            f"VALUES ({', '.join('?' * len(LEDGER_COLUMNS))})"
        )
        batch: list[tuple[Any, ...]] = []
        for row in rows():
            batch.append(row)
            if len(batch) == 10_000:
                cur.executemany(sql, batch)
                batch = []
        if batch:
            cur.executemany(sql, batch)
        cur.execute(REBUILD_SQL)
        cur.execute("COMMIT")
        cur.close()
    else:
        with dbapi.cursor() as cur:
            with cur.copy(f"COPY fund_ledger_entry ({', '.join(LEDGER_COLUMNS)}) FROM STDIN") as copy:
                for row in rows():
                    copy.write_row(row)
            cur.execute(REBUILD_SQL)
        dbapi.commit()
    raw.close()


def grant(engine: sa.Engine, user_id: uuid.UUID, unit: uuid.UUID, role: str) -> None:
    from api.db.models import Grant
    from api.db.types import new_id

    with engine.begin() as conn:
        conn.execute(
            sa.insert(Grant.__table__),
            [dict(id=new_id(), user_id=user_id, role=role, org_unit_id=unit, created_at=datetime.now(UTC))],
        )


class RawReport:
    """The report's two aggregates through the bare DB-API connection: the in-force budget lines per
    category, and the booked amounts per category summed over the ledger's rows (``source="ledger"``,
    the baseline of the target) or over the running totals (``source="totals"``, what gonghui reads)."""

    def __init__(self, engine: sa.Engine, unit: uuid.UUID, consolidated: bool, source: str = "ledger"):
        self.dialect = engine.dialect.name
        self.raw = engine.raw_connection()
        ph = "?" if self.dialect == "sqlite" else "%s"
        units = (
            "(SELECT org_unit.id FROM org_unit JOIN org_unit_closure "
            "ON org_unit_closure.descendant_id = org_unit.id "
            f"WHERE org_unit_closure.ancestor_id = {ph} AND org_unit.independent_accounting IS 1)"
            if consolidated
            else f"({ph})"
        )
        if self.dialect == "postgresql":
            units = units.replace("IS 1", "IS true")
        self.lines_sql = (
            "SELECT fund_budget_line.category_code, fund_budget_line.kind, fund_budget_line.root_code, "
            "sum(fund_budget_line.amount_fen) FROM fund_budget_line JOIN fund_budget "
            "ON fund_budget.id = fund_budget_line.budget_id "
            f"WHERE fund_budget.org_unit_id IN {units} AND fund_budget.fiscal_year = {ph} "
            "AND fund_budget.status = 'in_force' "
            "GROUP BY fund_budget_line.category_code, fund_budget_line.kind, fund_budget_line.root_code"
        )
        table = "fund_ledger_entry" if source == "ledger" else "fund_total"
        self.entries_sql = (
            f"SELECT {table}.category_code, sum({table}.amount_fen) FROM {table} "
            f"WHERE {table}.org_unit_id IN {units} AND {table}.fiscal_year = {ph} "
            f"GROUP BY {table}.category_code"
        )
        self.params = (unit.hex if self.dialect == "sqlite" else unit, YEAR)

    def run(self) -> dict[str, int]:
        return self.lines()[1]

    def lines(self) -> tuple[dict[str, tuple[str, str, int]], dict[str, int]]:
        """(category -> (kind, root, budgeted fen), category -> booked fen)."""
        results = []
        for sql in (self.lines_sql, self.entries_sql):
            cur = self.raw.cursor()
            cur.execute(sql, self.params)
            results.append(cur.fetchall())
            cur.close()
        if self.dialect != "sqlite":
            self.raw.commit()
        planned = {r[0]: (r[1], r[2], int(r[3])) for r in results[0]}
        return planned, {r[0]: int(r[1]) for r in results[1]}

    def close(self) -> None:
        self.raw.close()


def post_json(
    conn: http.client.HTTPConnection, path: str, body: dict[str, Any], headers: dict[str, str]
) -> Any:
    payload, sent = json.dumps(body), {**headers, "Content-Type": "application/json"}
    try:
        conn.request("POST", path, body=payload, headers=sent)
        resp = conn.getresponse()
    except (http.client.RemoteDisconnected, ConnectionError):
        # uvicorn closes a keep-alive connection idle for 5 s (e.g. while the bare server started): reconnect
        conn.close()
        conn.request("POST", path, body=payload, headers=sent)
        resp = conn.getresponse()
    data = resp.read()
    if resp.status != 201:
        raise RuntimeError(f"POST {path}: {resp.status} {data[:500]!r}")
    return json.loads(data)


def run(cfg: Config, db: str) -> ScenarioResult:
    res = ScenarioResult(NAME, TITLE)
    if not route_exists("/api/v1/funds/reports/budget-vs-actual"):
        res.pending.append("GET /api/v1/funds/reports/budget-vs-actual does not exist yet: scenario not run.")
        return res
    units_n, entries, rounds, requests, posts = cfg.size(
        (101, 100_000, 5, 20, 300), (1_001, 1_000_000, 5, 10, 500)
    )
    url = fresh_database(cfg, db, f"bench_funds_{db}")
    seed.migrate_db(url)
    engine = seed.engine_for(url)
    settings = bench_settings(url)
    from api.security.tokens import create_access_token

    tree = seed.seed_tree(engine, units_n)
    reader = seed.seed_reader(engine, tree, "auditor")
    poster = seed.seed_reader(engine, tree, "treasurer")
    t0 = time.perf_counter()
    units, budget_of = seed_funds(engine, tree, entries)
    took = time.perf_counter() - t0
    log(f"funds/{db}: seeded {entries:,} entries in {len(units)} accounting units in {took:.0f}s")
    seed.analyze(engine)
    auth = {"Authorization": f"Bearer {create_access_token(reader, settings).token}"}
    post_auth = {"Authorization": f"Bearer {create_access_token(poster, settings).token}"}
    one = tree.grassroots[0]
    cases = {
        "one unit": (
            f"/api/v1/funds/reports/budget-vs-actual?org_unit_id={one}&fiscal_year={YEAR}",
            one,
            False,
        ),
        "consolidated": (
            f"/api/v1/funds/reports/budget-vs-actual?org_unit_id={tree.root}&fiscal_year={YEAR}&consolidated=true",
            tree.root,
            True,
        ),
    }
    sources = ("ledger", "totals")
    bare_paths = {
        case: f"/bare/funds-report?unit={unit}&consolidated={str(cons).lower()}"
        for case, (_, unit, cons) in cases.items()
    }
    with (
        Server(cfg.app, cfg.env(url), f"gonghui-{db}") as gh,
        Server("bench.baseline_app:app", server_env(url), "bare-report") as bare_report,
    ):
        client = Http(gh, auth)
        bare_client = Http(bare_report, {})
        raws = {
            f"{src}:{case}": RawReport(engine, unit, cons, src)
            for case, (_, unit, cons) in cases.items()
            for src in sources
        }
        for case, (path, _, _) in cases.items():  # every side must agree before anything is timed
            api = {line["category_code"]: line["actual_fen"] for line in client.get(path)["lines"]}
            for src in sources:
                if api != raws[f"{src}:{case}"].run():
                    raise RuntimeError(f"{case}: the API and the raw aggregate over the {src} disagree")
            bare = {
                line["category_code"]: line["actual_fen"]
                for line in bare_client.get(bare_paths[case])["lines"]
            }
            if api != bare:
                raise RuntimeError(f"{case}: the API and the bare GET + raw aggregate disagree")

        def call(key: str) -> float:
            side, case = key.split(":", 1)
            t = time.perf_counter()
            if side == "api":
                client.get(cases[case][0])
            elif side == "bare":
                bare_client.get(bare_paths[case])
            else:
                raws[key].run()
            return time.perf_counter() - t

        def warm(key: str) -> None:
            for _ in range(2):
                call(key)

        def measure(key: str) -> float:
            return median([call(key) for _ in range(requests)]) * 1000

        keys = [f"{side}:{case}" for case in cases for side in ("api", "bare", *sources)]
        log(f"funds/{db}: reports, {rounds} rounds of {requests} requests")
        results = alternate(keys, rounds, warm, measure)
        client.close()
        bare_client.close()
        for raw in raws.values():
            raw.close()

        # posting: sequential POSTs on one keep-alive connection, against bare POST endpoints
        body = {
            "org_unit_id": str(tree.grassroots[-1]),
            "kind": "expense",
            "category_code": "business.meetings",
            "amount_fen": 100,
            "entry_on": f"{YEAR}-06-01",
            "counterparty": "bench",
            "description": "bench posting",
        }
        conn = http.client.HTTPConnection(HOST, gh.port, timeout=60)
        document = post_json(conn, "/api/v1/funds/ledger-entries", body, post_auth)
        doc_path = cfg.workdir / f"bare_entry_{db}.json"
        bare_unit = tree.grassroots[-2]  # the raw inserts book elsewhere: their numbers never meet gonghui's
        doc_path.write_text(
            json.dumps(
                {
                    "entry": document,
                    "ledger": {
                        "org_unit_id": str(bare_unit),
                        "budget_id": str(budget_of[bare_unit]),
                        "fiscal_year": YEAR,
                        "category_code": "business.meetings",
                        "root_code": "business",
                    },
                }
            ),
            encoding="utf-8",
        )
        with Server("bench.baseline_app:app", server_env(url, BENCH_BARE_DOCS=str(doc_path)), "bare") as bare:
            bare_conn = http.client.HTTPConnection(HOST, bare.port, timeout=60)
            targets = {
                "api": (gh, conn, "/api/v1/funds/ledger-entries"),
                "bare": (bare, bare_conn, "/bare/ledger-entries"),
                "bare-db": (bare, bare_conn, "/bare/ledger-entries-db"),
            }

            def post_rate(side: str) -> tuple[float, float]:
                server, target, path = targets[side]
                c0, t = server.cpu_seconds(), time.perf_counter()
                for _ in range(posts):
                    post_json(target, path, body, post_auth)
                wall = time.perf_counter() - t
                return posts / wall, (server.cpu_seconds() - c0) * 1000 / posts

            def post_warm(side: str) -> None:
                _, target, path = targets[side]
                for _ in range(20):
                    post_json(target, path, body, post_auth)

            log(f"funds/{db}: posting, 3 rounds of {posts} sequential POSTs")
            post_results = alternate(list(targets), 3, post_warm, post_rate)
            bare_conn.close()
        conn.close()
    engine.dispose()
    size = f"{entries:,} entries, {len(units)} units"
    for case in cases:
        api_ms = median(results[f"api:{case}"])
        raw_ms, totals_ms = median(results[f"ledger:{case}"]), median(results[f"totals:{case}"])
        bare_ms = median(results[f"bare:{case}"])
        res.rows.append(
            Row(
                NAME,
                db,
                f"budget vs actual, {case} ({size}) vs raw SQL over the ledger",
                "latency p50",
                api_ms,
                raw_ms,
                "ms",
                better="lower",
                target="<= 1.5x raw, < 200 ms",
                met=api_ms <= 1.5 * raw_ms and api_ms < 200,
            )
        )
        res.rows.append(
            Row(
                NAME,
                db,
                f"budget vs actual, {case} vs bare FastAPI GET + the same raw SQL over the ledger",
                "latency p50",
                api_ms,
                bare_ms,
                "ms",
                better="lower",
            )
        )
        res.rows.append(
            Row(
                NAME,
                db,
                f"budget vs actual, {case} vs raw SQL over the running totals",
                "latency p50",
                api_ms,
                totals_ms,
                "ms",
                better="lower",
            )
        )
    for side, label in (("bare", "vs bare POST (no database)"), ("bare-db", "vs bare POST + raw insert")):
        api_rps = median([r[0] for r in post_results["api"]])
        api_cpu = median([r[1] for r in post_results["api"]])
        rps = median([r[0] for r in post_results[side]])
        cpu = median([r[1] for r in post_results[side]])
        res.rows.append(Row(NAME, db, f"POST expense, sequential, {label}", "req/s", api_rps, rps, "req/s"))
        res.rows.append(
            Row(
                NAME,
                db,
                f"POST expense, sequential, {label}",
                "server CPU/request",
                api_cpu,
                cpu,
                "ms",
                better="lower",
            )
        )
    res.details.append(
        f"{db}: {size} (every grassroots union and branch keeps its own books; 8 budget lines each; "
        f"entries loaded with {'executemany' if db == 'sqlite' else 'COPY'} and the running totals "
        f"computed from them with one INSERT ... SELECT, in {took:.0f}s); caller `auditor` at ROOT for "
        f"the reports, `treasurer` at ROOT posting; {rounds} rounds of {requests} sequential requests per "
        "case after 2 warm-up requests (median of round medians). Raw SQL over the ledger = the in-force "
        "budget lines per category + SUM(amount_fen) GROUP BY category over the entries of the unit(s) "
        "and year (the aggregate the report computed before the running totals, and the target's "
        "baseline); over the running totals = the same with fund_total in place of the entries (what "
        "the service reads now); bare FastAPI GET + raw SQL = bench/baseline_app.py "
        "`GET /bare/funds-report`, "
        "the ledger aggregate through one DB-API connection in a bare FastAPI process answering JSON lines "
        "(no auth, scope or ORM: the HTTP floor plus the raw aggregate). The API, the bare GET and both "
        "raw aggregates are checked equal before timing."
    )
    res.details.append(
        f"{db}: posting: {posts} sequential POSTs per round, 3 rounds, after 20 warm-up POSTs; gonghui "
        "runs scope, accounting unit, budget row lock, closed-year check, the line with its running total "
        "(the remainder), next number + voucher check (one statement), the insert, the total's upsert, "
        "the audit record and the commit, and answers from what it wrote; `bare POST (no database)` "
        "answers the same document after parsing the "
        "body; `bare POST + raw insert` also INSERTs the entry and upserts its running total through "
        "the DB-API connection in one committed transaction (no auth, checks or ORM)."
    )
    return res
