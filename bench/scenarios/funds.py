"""5. Union funds: the budget-vs-actual report of one accounting unit and the consolidated federation
report over N ledger entries in U accounting units, through the API (one keep-alive connection,
sequential requests) versus the same aggregates issued raw through the DB-API driver in this process;
and posting an expense (with the remainder check under the budget lock) as sequential requests per
second against a bare FastAPI POST endpoint returning the same document (bench/baseline_app.py).

The raw statements are what ``api.services.funds.reports.budget_vs_actual`` issues: the in-force
budget lines summed per category, and the ledger summed per category for the unit (or for every
accounting unit under ROOT, found through the closure table) and the year.
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


def seed_funds(engine: sa.Engine, tree: seed.Tree, entries: int) -> list[uuid.UUID]:
    """Every grassroots union and branch is an accounting unit with a budget in force and entries."""
    from api.db.models import FundBudget, FundBudgetLine, FundChart, FundLedgerEntry, OrgUnit
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
    rng = random.Random(11)
    seq: dict[uuid.UUID, int] = {u: 0 for u in units}
    batch: list[dict[str, Any]] = []
    with engine.begin() as conn:
        for i in range(entries):
            unit = units[i % len(units)]
            seq[unit] += 1
            code = rng.choice(EXPENSE_LINES + INCOME_LINES)
            income = code.startswith("income.")
            batch.append(
                dict(
                    id=new_id(),
                    org_unit_id=unit,
                    fiscal_year=YEAR,
                    seq=seq[unit],
                    voucher_no=f"{YEAR}-{seq[unit]:06d}",
                    kind="income" if income else "expense",
                    category_code=code,
                    root_code=code if income else code.split(".")[0],
                    budget_id=budget_of[unit],
                    entry_on=date(YEAR, 1 + i % 12, 1 + i % 28),
                    amount_fen=rng.randint(100, 100_000),
                    counterparty="bench",
                    description="bench",
                    created_at=now,
                )
            )
            if len(batch) == seed.BATCH:
                conn.execute(sa.insert(FundLedgerEntry.__table__), batch)
                batch = []
        if batch:
            conn.execute(sa.insert(FundLedgerEntry.__table__), batch)
    return units


def grant(engine: sa.Engine, user_id: uuid.UUID, unit: uuid.UUID, role: str) -> None:
    from api.db.models import Grant
    from api.db.types import new_id

    with engine.begin() as conn:
        conn.execute(
            sa.insert(Grant.__table__),
            [dict(id=new_id(), user_id=user_id, role=role, org_unit_id=unit, created_at=datetime.now(UTC))],
        )


class RawReport:
    """The report's two aggregates through the bare DB-API connection."""

    def __init__(self, engine: sa.Engine, unit: uuid.UUID, consolidated: bool):
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
        self.entries_sql = (
            "SELECT fund_ledger_entry.category_code, sum(fund_ledger_entry.amount_fen) "
            "FROM fund_ledger_entry "
            f"WHERE fund_ledger_entry.org_unit_id IN {units} AND fund_ledger_entry.fiscal_year = {ph} "
            "GROUP BY fund_ledger_entry.category_code"
        )
        self.params = (unit.hex if self.dialect == "sqlite" else unit, YEAR)

    def run(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for sql in (self.lines_sql, self.entries_sql):
            cur = self.raw.cursor()
            cur.execute(sql, self.params)
            rows = cur.fetchall()
            cur.close()
            if sql is self.entries_sql:
                out = {r[0]: int(r[1]) for r in rows}
        if self.dialect != "sqlite":
            self.raw.commit()
        return out

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
        (101, 100_000, 5, 20, 300), (1_001, 1_000_000, 5, 20, 2_000)
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
    units = seed_funds(engine, tree, entries)
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
    with Server(cfg.app, cfg.env(url), f"gonghui-{db}") as gh:
        client = Http(gh, auth)
        raws = {case: RawReport(engine, unit, cons) for case, (_, unit, cons) in cases.items()}
        for case, (path, _, _) in cases.items():  # both sides must agree before anything is timed
            api = {line["category_code"]: line["actual_fen"] for line in client.get(path)["lines"]}
            if api != raws[case].run():
                raise RuntimeError(f"{case}: the API and the raw aggregate disagree")

        def measure(key: str) -> float:
            side, case = key.split(":")
            times = []
            for _ in range(requests):
                t = time.perf_counter()
                client.get(cases[case][0]) if side == "api" else raws[case].run()
                times.append(time.perf_counter() - t)
            return median(times) * 1000

        keys = [f"{side}:{case}" for case in cases for side in ("api", "raw")]
        log(f"funds/{db}: reports, {rounds} rounds of {requests} requests")
        results = alternate(keys, rounds, measure, measure)
        client.close()
        for raw in raws.values():
            raw.close()

        # posting: sequential POSTs on one keep-alive connection, against a bare POST endpoint
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
        doc_path.write_text(json.dumps({"entry": document}), encoding="utf-8")
        with Server("bench.baseline_app:app", server_env(url, BENCH_BARE_DOCS=str(doc_path)), "bare") as bare:
            bare_conn = http.client.HTTPConnection(HOST, bare.port, timeout=60)

            def post_rate(side: str) -> tuple[float, float]:
                server, target, path = (
                    (gh, conn, "/api/v1/funds/ledger-entries")
                    if side == "api"
                    else (
                        bare,
                        bare_conn,
                        "/bare/ledger-entries",
                    )
                )
                c0, t = server.cpu_seconds(), time.perf_counter()
                for _ in range(posts):
                    post_json(target, path, body, post_auth)
                wall = time.perf_counter() - t
                return posts / wall, (server.cpu_seconds() - c0) * 1000 / posts

            log(f"funds/{db}: posting, 3 rounds of {posts} sequential POSTs")
            post_results = alternate(["api", "bare"], 3, post_rate, post_rate)
            bare_conn.close()
        conn.close()
    engine.dispose()
    size = f"{entries:,} entries, {len(units)} units"
    for case in cases:
        api_ms, raw_ms = median(results[f"api:{case}"]), median(results[f"raw:{case}"])
        res.rows.append(
            Row(
                NAME,
                db,
                f"budget vs actual, {case} ({size})",
                "latency p50",
                api_ms,
                raw_ms,
                "ms",
                better="lower",
                target="<= 1.5x raw, < 200 ms",
                met=api_ms <= 1.5 * raw_ms and api_ms < 200,
            )
        )
    api_rps = median([r[0] for r in post_results["api"]])
    bare_rps = median([r[0] for r in post_results["bare"]])
    api_cpu = median([r[1] for r in post_results["api"]])
    bare_cpu = median([r[1] for r in post_results["bare"]])
    res.rows.append(
        Row(NAME, db, "POST expense, sequential", "req/s", api_rps, bare_rps, "req/s", note="vs bare POST")
    )
    res.rows.append(
        Row(
            NAME,
            db,
            "POST expense, sequential",
            "server CPU/request",
            api_cpu,
            bare_cpu,
            "ms",
            better="lower",
        )
    )
    res.details.append(
        f"{db}: {size} (every grassroots union and branch keeps its own books; 8 budget lines each), "
        f"caller `auditor` at ROOT for the reports, `treasurer` at ROOT posting; {rounds} rounds of "
        f"{requests} sequential requests per case (median of round medians); {posts} sequential POSTs "
        "per round, 3 rounds; the API and raw aggregates are checked equal before timing."
    )
    return res
