"""5. Against the usual FastAPI service (issue 16): gonghui's ``GET /api/v1/members/{id}`` and
``GET /api/v1/members?limit=50`` versus the FastAPI full-stack template's ``GET /api/v1/items/{id}`` and
``GET /api/v1/items/?skip=0&limit=50`` (bench/peer_app.py), in the same database, the same run, under
the same uvicorn settings (one worker pinned to core 0, load from core 1, 32 connections), rounds
alternating. A ratio above 1 means gonghui serves more requests per second than the peer.

gonghui's caller is an ``auditor`` at ROOT (scope through the closure table, resident ID, phone and
e-mail masked, ETag); the peer's caller is a plain user who owns the item (the template's ownership
check). Both answer 200 with the whole response body read by the load generator.
"""

from __future__ import annotations

import json
import os
from typing import Any

from bench import seed
from bench.harness import (
    SECRET,
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

NAME = "peer"
TITLE = "gonghui vs the FastAPI full-stack template's read paths"
CONNECTIONS = 32
ROLE = "auditor"
TARGET = 1.25


def run(cfg: Config, db: str) -> ScenarioResult:
    res = ScenarioResult(NAME, TITLE)
    generator = resolve_generator(cfg.generator)
    units, members = cfg.size((60, 2_000), (200, 20_000))
    url = fresh_database(cfg, db, f"bench_peer_{db}")
    seed.migrate_db(url)
    engine = seed.engine_for(url)
    tree = seed.seed_tree(engine, units)
    user_id = seed.seed_reader(engine, tree, ROLE)
    settings = bench_settings(url)
    from api.security.pii import PiiVault
    from api.security.tokens import create_access_token
    from bench import peer_app

    sample = seed.seed_members(engine, tree, members, PiiVault.from_settings(settings))
    engine.dispose()
    peer_user, peer_items = peer_app.seed(url, members)
    engine = seed.engine_for(url)
    seed.analyze(engine)
    engine.dispose()
    gh_auth = {"Authorization": f"Bearer {create_access_token(user_id, settings).token}"}
    peer_auth = {"Authorization": f"Bearer {peer_app.make_token(peer_user, SECRET)}"}

    member_id = sample[len(sample) // 2][0]
    item_id = peer_items[len(peer_items) // 2]
    seconds, rounds, warm = cfg.size((2, 2, 1), (8, 5, 2))
    load0 = load_average()
    peer_env = cfg.env(url, PEER_DATABASE_URL=url, PEER_SECRET=SECRET)
    with (
        Server(cfg.app, cfg.env(url), f"gonghui-{db}") as gh,
        Server("bench.peer_app:app", peer_env, f"peer-{db}") as peer,
    ):
        targets: dict[str, tuple[Server, str, dict[str, str]]] = {
            "gonghui by-id": (gh, f"/api/v1/members/{member_id}", gh_auth),
            "peer by-id": (peer, f"/api/v1/items/{item_id}", peer_auth),
            "gonghui list?limit=50": (gh, "/api/v1/members?limit=50", gh_auth),
            "peer list?skip=0&limit=50": (peer, "/api/v1/items/?skip=0&limit=50", peer_auth),
        }
        sizes: dict[str, int] = {}
        for case, (server, path, headers) in targets.items():  # first requests import and connect
            doc: Any = http_get_json(server.base + path, headers)
            if "list" in case:
                items = doc["items"] if "items" in doc else doc["data"]
                if len(items) != 50:
                    raise RuntimeError(f"{case}: {len(items)} items, expected 50")
            sizes[case] = len(json.dumps(doc, ensure_ascii=False).encode())

        def load(case: str, secs: float) -> LoadResult:
            server, path, headers = targets[case]
            r = run_load(generator, server, path, connections=CONNECTIONS, seconds=secs, headers=headers)
            # wrk counts an answer later than 5 s as a socket error (timeout): on a machine this busy that
            # happens to both sides; it is reported below, not a crash. Wrong answers still are.
            if r.non_2xx or r.requests == 0:
                raise RuntimeError(f"{case}: {r.errors} socket errors, {r.non_2xx} non-2xx of {r.requests}")
            if cfg.verbose:
                log(
                    f"  {db} {case}: {r.rps:,.0f} req/s p50 {r.p50_ms:.2f} ms p99 {r.p99_ms:.2f} ms "
                    f"cpu/req {r.server_cpu_ms_per_request:.2f} ms server cpu {r.server_cpu:.0%}"
                )
            return r

        def warm_up(case: str) -> None:
            load(case, warm)

        log(f"peer/{db}: {generator}, {rounds} rounds x {seconds}s per case, {len(targets)} cases")
        results = alternate(list(targets), rounds, warm_up, lambda c: load(c, seconds))
    load1 = load_average()

    for label, g_case, p_case in (
        ("by-id", "gonghui by-id", "peer by-id"),
        ("page of 50", "gonghui list?limit=50", "peer list?skip=0&limit=50"),
    ):
        g, p = results[g_case], results[p_case]
        rps_g, rps_p = median([r.rps for r in g]), median([r.rps for r in p])
        res.rows.append(
            Row(
                NAME,
                db,
                f"{label}",
                "req/s",
                rps_g,
                rps_p,
                "req/s",
                target=f">= {TARGET} of peer",
                met=rps_g / rps_p >= TARGET,
            )
        )
        cpu_g = median([r.server_cpu_ms_per_request for r in g])
        cpu_p = median([r.server_cpu_ms_per_request for r in p])
        res.rows.append(Row(NAME, db, label, "server CPU/request", cpu_g, cpu_p, "ms", better="lower"))
        for metric, attr in (("p50 latency", "p50_ms"), ("p99 latency", "p99_ms")):
            res.rows.append(
                Row(
                    NAME,
                    db,
                    label,
                    metric,
                    median([getattr(r, attr) for r in g]),
                    median([getattr(r, attr) for r in p]),
                    "ms",
                    better="lower",
                )
            )
        late = sum(r.errors for r in g), sum(r.errors for r in p)
        if any(late):
            res.details.append(
                f"{db}, {label}: answers later than 5 s (wrk's timeout, not in the percentiles): "
                f"gonghui {late[0]}, peer {late[1]}."
            )
        per_round = [a.rps / b.rps for a, b in zip(g, p, strict=True)]
        res.details.append(
            f"{db}, {label}: gonghui/peer req/s per round "
            + ", ".join(f"{x:.2f}" for x in per_round)
            + f"; server CPU gonghui {median([r.server_cpu for r in g]):.0%}, "
            f"peer {median([r.server_cpu for r in p]):.0%} of core 0."
        )
    res.details.append(
        f"{db}: {members:,} members in {tree.unit_count} units (gonghui, caller `{ROLE}` at ROOT) and "
        f"{members:,} items, {len(peer_items):,} of them the caller's (peer); response bytes "
        + ", ".join(f"{k} {v:,}" for k, v in sizes.items())
        + f"; {CONNECTIONS} connections, {rounds} rounds x {seconds}s after {warm}s warm-up per case; "
        f"load average (1 min) {load0:.2f} at start, {load1:.2f} at end of this scenario "
        f"({os.cpu_count()} cores shared with other work)."
    )
    return res
