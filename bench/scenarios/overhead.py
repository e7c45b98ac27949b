"""1. Request overhead: authenticated GET /api/v1/members/{id} and GET /api/v1/members?limit=50 on
gonghui versus a bare FastAPI endpoint that returns the same JSON documents (bench/baseline_app.py),
both under ``uvicorn --workers 1 --no-access-log`` pinned to core 0, loaded from core 1 with 32
keep-alive connections. Rounds alternate bare / gonghui; medians over the rounds.
"""

from __future__ import annotations

import json
from typing import Any

from bench import seed
from bench.harness import (
    Config,
    LoadResult,
    Row,
    ScenarioResult,
    Server,
    alternate,
    bench_settings,
    fresh_database,
    http_get_json,
    log,
    median,
    resolve_generator,
    route_exists,
    run_load,
    server_env,
)

NAME = "overhead"
TITLE = "Request overhead vs a bare FastAPI endpoint"
CONNECTIONS = 32
ROLE = "auditor"  # members.read without members.write: the ID, phone and e-mail are masked


def run(cfg: Config, db: str) -> ScenarioResult:
    res = ScenarioResult(NAME, TITLE)
    generator = resolve_generator(cfg.generator)
    have_by_id = route_exists("/api/v1/members/{member_id}")
    have_list = route_exists("/api/v1/members")
    if not (have_by_id or have_list):
        res.pending.append(
            "GET /api/v1/members/{id} and GET /api/v1/members do not exist yet; "
            "the scenario measured GET /api/v1/org-units/{id} instead."
        )

    units, members = cfg.size((60, 2_000), (200, 20_000))
    url = fresh_database(cfg, db, f"bench_overhead_{db}")
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
    token = create_access_token(user_id, settings).token
    auth = {"Authorization": f"Bearer {token}"}

    member_id = sample[len(sample) // 2][0]
    paths: dict[str, str] = {}
    if have_by_id:
        paths["by-id"] = f"/api/v1/members/{member_id}"
    if have_list:
        paths["list?limit=50"] = "/api/v1/members?limit=50"
    if not paths:
        paths["by-id"] = f"/api/v1/org-units/{tree.grassroots[0]}"
    seconds, rounds, warm = cfg.size((2, 2, 1), (10, 5, 3))

    with Server(cfg.app, cfg.env(url), f"gonghui-{db}") as gh:
        docs: dict[str, Any] = {}
        for case, path in paths.items():
            docs["one" if case == "by-id" else "page"] = http_get_json(gh.base + path, auth)
        docs.setdefault("one", {"id": str(member_id)})
        docs.setdefault("page", {"items": [docs["one"]] * 50, "next_cursor": None})
        doc_path = cfg.workdir / f"bare_docs_{db}.json"
        doc_path.write_text(json.dumps(docs, ensure_ascii=False))
        sizes = {k: len(json.dumps(v, ensure_ascii=False).encode()) for k, v in docs.items()}
        bare_paths = {"by-id": f"/bare/members/{member_id}", "list?limit=50": "/bare/members?limit=50"}
        with Server("bench.baseline_app:app", server_env(url, BENCH_BARE_DOCS=str(doc_path)), "bare") as bare:
            targets: dict[str, tuple[Server, str, dict[str, str]]] = {}
            for case, path in paths.items():
                targets[f"bare {case}"] = (bare, bare_paths[case], {})
                targets[f"gonghui {case}"] = (gh, path, auth)
            if have_by_id:
                targets["bare+1 ORM query by-id"] = (bare, f"/bare/members-db/{member_id}", {})

            for server, path, headers in targets.values():  # first requests import and connect: not timed
                http_get_json(server.base + path, headers)

            def load(case: str, secs: float) -> LoadResult:
                server, path, headers = targets[case]
                r = run_load(generator, server, path, connections=CONNECTIONS, seconds=secs, headers=headers)
                if r.errors or r.non_2xx or r.requests == 0:
                    raise RuntimeError(
                        f"{case}: {r.errors} socket errors, {r.non_2xx} non-2xx of {r.requests}"
                    )
                if cfg.verbose:
                    log(
                        f"  {db} {case}: {r.rps:,.0f} req/s p50 {r.p50_ms:.2f} ms p99 {r.p99_ms:.2f} ms "
                        f"gen cpu {r.generator_cpu:.0%} server cpu {r.server_cpu:.0%}"
                    )
                return r

            log(f"overhead/{db}: {generator}, {rounds} rounds x {seconds}s per case, {len(targets)} cases")
            results = alternate(list(targets), rounds, lambda c: load(c, warm), lambda c: load(c, seconds))

    for case in paths:
        b, g = results[f"bare {case}"], results[f"gonghui {case}"]
        rps_b, rps_g = median([r.rps for r in b]), median([r.rps for r in g])
        p50_b, p50_g = median([r.p50_ms for r in b]), median([r.p50_ms for r in g])
        p99_b, p99_g = median([r.p99_ms for r in b]), median([r.p99_ms for r in g])
        by_id = case == "by-id"
        res.rows.append(
            Row(
                NAME,
                db,
                f"GET {case}",
                "req/s",
                rps_g,
                rps_b,
                "req/s",
                target=">= 0.5 of bare" if by_id else "",
                met=(rps_g / rps_b >= 0.5) if by_id else None,
            )
        )
        res.rows.append(
            Row(
                NAME,
                db,
                f"GET {case}",
                "server CPU/request",
                median([r.server_cpu_ms_per_request for r in g]),
                median([r.server_cpu_ms_per_request for r in b]),
                "ms",
                better="lower",
            )
        )
        res.rows.append(Row(NAME, db, f"GET {case}", "p50 latency", p50_g, p50_b, "ms", better="lower"))
        res.rows.append(
            Row(
                NAME,
                db,
                f"GET {case}",
                "p99 latency",
                p99_g,
                p99_b,
                "ms",
                better="lower",
                target="< 20 ms",
                met=p99_g < 20,
            )
        )
    if have_by_id:
        b1, g = results["bare+1 ORM query by-id"], results["gonghui by-id"]
        res.rows.append(
            Row(
                NAME,
                db,
                "GET by-id vs bare+1 ORM query",
                "req/s",
                median([r.rps for r in g]),
                median([r.rps for r in b1]),
                "req/s",
            )
        )
        res.rows.append(
            Row(
                NAME,
                db,
                "GET by-id vs bare+1 ORM query",
                "server CPU/request",
                median([r.server_cpu_ms_per_request for r in g]),
                median([r.server_cpu_ms_per_request for r in b1]),
                "ms",
                better="lower",
            )
        )
    # the generator must not be the bottleneck: the bare server should use its whole core while the
    # generator does not
    for case in paths:
        b = results[f"bare {case}"]
        gen_cpu = median([r.generator_cpu for r in b])
        srv_cpu = median([r.server_cpu for r in b])
        bound = srv_cpu >= 0.85 and gen_cpu < 0.9
        res.details.append(
            f"{db}, bare {case}: load generator `{generator}` used {gen_cpu:.0%} of core 1, the bare server "
            f"{srv_cpu:.0%} of core 0 -> {'server-bound' if bound else 'NOT clearly server-bound'}."
        )
        g = results[f"gonghui {case}"]
        res.details.append(
            f"{db}, gonghui {case}: generator {median([x.generator_cpu for x in g]):.0%}, "
            f"server {median([x.server_cpu for x in g]):.0%}."
        )
    res.details.append(
        f"{db}: response sizes (bytes): "
        + ", ".join(f"{k} {v:,}" for k, v in sizes.items())
        + f"; {members:,} members in {tree.unit_count} units; caller role `{ROLE}` at ROOT; "
        f"{CONNECTIONS} connections, {rounds} rounds x {seconds}s after {warm}s warm-up per case."
    )
    return res
