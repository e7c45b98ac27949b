"""6. Overload and workers (issue 16): gonghui's ``GET /api/v1/members/{id}`` under 4x the connections
that saturate one worker, with load shedding on (``GONGHUI_MAX_IN_FLIGHT``, default 48) and off (0);
and req/s with one and two uvicorn worker processes.

Overload: one worker pinned to core 0, the Python generator (bench/loadgen.py, which times 2xx
answers apart from the fast 503s) on core 1; p50/p99 are of the 200 answers, the requests a client
actually got served. Two client behaviours under shedding: connections that send again at once after
a 503 (the worst case: the server spends its core answering 503s) and connections that wait the
``Retry-After`` they were given, as a well-behaved client (and the TypeScript client) does.

Workers: ``uvicorn --workers 1`` on core 0 against ``--workers 2`` on cores 0 and 1, wrk with 32
connections; with two workers the generator shares the cores with the server, so
the ratio understates what two free cores give (docs/scaling.md).
"""

from __future__ import annotations

import os

from bench import seed
from bench.harness import (
    CLIENT_CORE,
    SERVER_CORE,
    Config,
    LoadResult,
    Row,
    ScenarioResult,
    Server,
    alternate,
    bench_settings,
    fresh_database,
    http_get_json,
    load_average,
    log,
    median,
    resolve_generator,
    run_load,
)

NAME = "scaling"
TITLE = "Tail latency under overload, and one vs two workers"
SATURATING = 32
OVERLOAD = 4 * SATURATING
ROLE = "auditor"


def run(cfg: Config, db: str) -> ScenarioResult:
    res = ScenarioResult(NAME, TITLE)
    units, members = cfg.size((60, 2_000), (200, 20_000))
    url = fresh_database(cfg, db, f"bench_scaling_{db}")
    seed.migrate_db(url)
    engine = seed.engine_for(url)
    tree = seed.seed_tree(engine, units)
    user_id = seed.seed_reader(engine, tree, ROLE)
    settings = bench_settings(url)
    from api.security.pii import PiiVault
    from api.security.tokens import create_access_token

    sample = seed.seed_members(engine, tree, members, PiiVault.from_settings(settings))
    seed.analyze(engine)
    engine.dispose()
    auth = {"Authorization": f"Bearer {create_access_token(user_id, settings).token}"}
    path = f"/api/v1/members/{sample[len(sample) // 2][0]}"
    seconds, rounds, warm = cfg.size((3, 2, 1), (8, 3, 2))
    load0 = load_average()

    # --- overload: shedding on and off, 32 and 128 connections --------------------------------------
    with (
        Server(cfg.app, cfg.env(url), f"gonghui-shed-{db}") as shed_on,
        Server(cfg.app, cfg.env(url, GONGHUI_MAX_IN_FLIGHT="0"), f"gonghui-noshed-{db}") as shed_off,
    ):
        for server in (shed_on, shed_off):
            http_get_json(server.base + path, auth)
        cases = {
            f"shedding on, {SATURATING} connections": (shed_on, SATURATING, False),
            f"shedding on, {OVERLOAD} connections": (shed_on, OVERLOAD, False),
            f"shedding on, {OVERLOAD} connections, clients wait Retry-After": (shed_on, OVERLOAD, True),
            f"shedding off, {OVERLOAD} connections": (shed_off, OVERLOAD, False),
        }

        def load(case: str, secs: float) -> LoadResult:
            server, conns, polite = cases[case]
            r = run_load(
                "python",
                server,
                path,
                connections=conns,
                seconds=secs,
                headers=auth,
                honour_retry_after=polite,
            )
            if r.non_2xx != r.status_503 and cfg.verbose:  # reported below, with their statuses
                log(f"{case}: {r.errors} errors, {r.non_2xx} non-2xx ({r.status_503} 503) of {r.requests}")
            if cfg.verbose:
                log(
                    f"  {db} {case}: {r.ok / r.seconds:,.0f} ok/s, {r.status_503} shed, "
                    f"p50 {r.p50_ok_ms:.1f} ms p99 {r.p99_ok_ms:.1f} ms (200s)"
                )
            return r

        def warm_up(case: str) -> None:
            load(case, warm)

        log(f"scaling/{db}: overload, {rounds} rounds x {seconds}s per case")
        over = alternate(list(cases), rounds, warm_up, lambda c: load(c, seconds))

    for case, results in over.items():
        p50 = median([r.p50_ok_ms for r in results])
        p99 = median([r.p99_ok_ms for r in results])
        ok_rps = median([r.ok / r.seconds for r in results])
        shed_share = median([r.status_503 / max(1, r.requests) for r in results])
        # requests still unanswered after 5 s (the generator's timeout): their latency is at least that
        timeouts = sum(r.timeouts + r.errors for r in results)
        others: dict[str, int] = {}
        for r in results:
            for code, n in r.other_statuses.items():
                others[code] = others.get(code, 0) + n
        overloaded = str(OVERLOAD) in case
        ratio = p99 / p50 if ok_rps else float("inf")  # nothing answered within 5 s: unbounded
        res.rows.append(
            Row(
                NAME,
                db,
                f"by-id, {case}",
                "p99 / p50 (200s)",
                ratio,
                None,
                "x",
                better="lower",
                target="<= 3" if overloaded else "",
                met=(ratio <= 3) if overloaded else None,
            )
        )
        res.details.append(
            f"{db}, {case}: {ok_rps:,.0f} answered 200/s, p50 {p50:.1f} ms, p99 {p99:.1f} ms, "
            f"{shed_share:.0%} answered 503 overloaded at once; {timeouts} requests unanswered after 5 s "
            "or failed (not in the percentiles)"
            + (
                f"; other answers: {', '.join(f'{n} x {c}' for c, n in sorted(others.items()))}."
                if others
                else "."
            )
        )

    # --- one and two workers ------------------------------------------------------------------------
    generator = resolve_generator(cfg.generator)
    two_cores = f"{SERVER_CORE},{CLIENT_CORE}"
    with (
        Server(cfg.app, cfg.env(url), f"gonghui-1w-{db}") as one,
        Server(cfg.app, cfg.env(url), f"gonghui-2w-{db}", workers=2, cores=two_cores) as two,
    ):
        for server in (one, two):
            for _ in range(4):  # each worker's first requests import and connect
                http_get_json(server.base + path, auth)
        servers = {"1 worker": one, "2 workers": two}
        late = dict.fromkeys(servers, 0)

        def wload(case: str, secs: float) -> LoadResult:
            r = run_load(generator, servers[case], path, connections=SATURATING, seconds=secs, headers=auth)
            if r.non_2xx:
                raise RuntimeError(f"{case}: {r.errors} errors, {r.non_2xx} non-2xx")
            late[case] += r.errors  # wrk: answers later than 5 s
            if cfg.verbose:
                log(f"  {db} {case}: {r.rps:,.0f} req/s, server cpu {r.server_cpu:.0%}")
            return r

        def wwarm(case: str) -> None:
            wload(case, warm)

        log(f"scaling/{db}: workers, {rounds} rounds x {seconds}s per case")
        work = alternate(list(servers), rounds, wwarm, lambda c: wload(c, seconds))
    rps1 = median([r.rps for r in work["1 worker"]])
    rps2 = median([r.rps for r in work["2 workers"]])
    res.rows.append(Row(NAME, db, "by-id, 2 workers vs 1", "req/s", rps2, rps1, "req/s"))
    load1 = load_average()
    cpu1 = median([r.server_cpu for r in work["1 worker"]])
    cpu2 = median([r.server_cpu for r in work["2 workers"]])
    res.details.append(
        f"{db}: 1 worker {rps1:,.0f} req/s (server {cpu1:.0%} of a core), 2 workers {rps2:,.0f} req/s "
        f"(servers {cpu2:.0%} of a core, sharing both cores with `{generator}`); {members:,} members; "
        f"answers later than 5 s: {late['1 worker']} / {late['2 workers']}; "
        f"{rounds} rounds x {seconds}s after {warm}s warm-up; load average (1 min) {load0:.2f} at start, "
        f"{load1:.2f} at end ({os.cpu_count()} cores shared with other work)."
    )
    return res
