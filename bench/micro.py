"""CPU cost per request in-process, with and without the proposed fixes of bench/patches.py.

``python -m bench.micro [--db sqlite|postgresql] [--requests N] [--rounds R]`` seeds a small database,
then for each variant (none, each patch, all patches) runs a fresh process that builds the app
(``bench.patched_app``) and times N sequential requests per path through Starlette's TestClient, in
CPU seconds of that process (``time.process_time``), which a busy machine distorts far less than
wall-clock throughput. Variants alternate over R rounds; medians are printed.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import tempfile
import time
from pathlib import Path

from bench import seed
from bench.harness import (
    Config,
    bench_settings,
    fresh_database,
    median,
    pin_self_to_client_core,
    postgres_cluster,
    run_json_subprocess,
    server_env,
)
from bench.patches import PATCHES


def worker(url: str, patches: str, paths: list[str], token: str, n: int) -> None:
    os.environ.update(server_env(url, BENCH_PATCHES=patches))
    from fastapi.testclient import TestClient

    import bench.patched_app as patched

    headers = {"Authorization": f"Bearer {token}"}
    out = {}
    with TestClient(patched.app) as client:
        for path in paths:
            for _ in range(max(20, n // 10)):
                assert client.get(path, headers=headers).status_code == 200, client.get(path, headers=headers).text
            t0, w0 = time.process_time(), time.perf_counter()
            for _ in range(n):
                client.get(path, headers=headers)
            out[path] = {"cpu_ms": (time.process_time() - t0) * 1000 / n, "wall_ms": (time.perf_counter() - w0) * 1000 / n}
    print(json.dumps(out))


def main(argv: list[str]) -> int:
    if argv and argv[0] == "--worker":
        worker(argv[1], argv[2], json.loads(argv[3]), argv[4], int(argv[5]))
        return 0
    ap = argparse.ArgumentParser(prog="python -m bench.micro")
    ap.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    ap.add_argument("--requests", type=int, default=300)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--changes", type=int, default=2_000, help="feed entries to seed (the feed is read in pages of 500)")
    args = ap.parse_args(argv)
    pin_self_to_client_core()
    workdir = Path(tempfile.mkdtemp(prefix="gonghui-micro."))
    cfg = Config(quick=True, dbs=[args.db], generator="python", workdir=workdir)
    with postgres_cluster(workdir) if args.db == "postgresql" else contextlib.nullcontext() as pg_url:
        cfg.pg_url = pg_url
        url = fresh_database(cfg, args.db, "bench_micro")
        seed.migrate_db(url)
        engine = seed.engine_for(url)
        tree = seed.seed_tree(engine, 60)
        user_id = seed.seed_reader(engine, tree, "auditor")
        settings = bench_settings(url)
        from api.security.pii import PiiVault
        from api.security.tokens import create_access_token

        sample = seed.seed_members(engine, tree, 2_000, PiiVault.from_settings(settings))
        seed.seed_changes(engine, sample, args.changes)
        seed.analyze(engine)
        engine.dispose()
        token = create_access_token(user_id, settings).token
        paths = [f"/api/v1/members/{sample[3][0]}", "/api/v1/members?limit=50", "/api/v1/changes?since=0&limit=500",
                 "/api/v1/auth/me"]
        variants = ["", *PATCHES, ",".join(PATCHES)]
        results: dict[str, list[dict]] = {v: [] for v in variants}
        for r in range(args.rounds):
            for v in (variants if r % 2 == 0 else list(reversed(variants))):
                results[v].append(run_json_subprocess(
                    ["bench.micro", "--worker", url, v, json.dumps(paths), token, str(args.requests)],
                    env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}))
    print(f"CPU ms per request (median of {args.rounds} rounds x {args.requests} requests, in-process, {args.db})")
    short = {p: p.split("?")[0].replace(str(sample[3][0]), "{id}") + ("?" + p.split("?")[1] if "?" in p else "")
             for p in paths}
    print("variant".ljust(48) + "".join(short[p][:30].rjust(32) for p in paths))
    base = {p: median([x[p]["cpu_ms"] for x in results[""]]) for p in paths}
    for v in variants:
        cells = []
        for p in paths:
            m = median([x[p]["cpu_ms"] for x in results[v]])
            cells.append(f"{m:8.2f} ({(m / base[p] - 1) * 100:+4.0f}%)".rjust(32))
        print((v or "(none)")[:48].ljust(48) + "".join(cells))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
