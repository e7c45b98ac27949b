"""CPU cost per request in-process: where a request's time goes without HTTP and the load generator.

``python -m bench.micro [--db sqlite|postgresql] [--requests N] [--rounds R]`` seeds a small database,
then in R fresh processes builds the app (``api.main.create_app``), warms it up and sends N sequential
requests per path straight to the ASGI callable (no sockets, no HTTP parsing, no test client), timing
them in CPU seconds of that process (``time.process_time``: all threads, so the thread pool's work
counts), which a busy machine distorts far less than wall-clock throughput. Medians are printed.
Run it under ``py-spy record --threads`` (the ``bench`` extra) to see where the CPU goes.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

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


async def _get(app: Any, path: str, token: str) -> int:
    route, _, query = path.partition("?")
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": route,
        "raw_path": route.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": [(b"host", b"127.0.0.1"), (b"authorization", f"Bearer {token}".encode())],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
    }
    status = 0

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    await app(scope, receive, send)
    return status


def worker(url: str, paths: list[str], token: str, n: int) -> None:
    os.environ.update(server_env(url))
    from api.main import create_app

    app = create_app()

    async def run() -> dict[str, dict[str, float]]:
        out = {}
        for path in paths:
            for _ in range(max(20, n // 10)):
                status = await _get(app, path, token)
                assert status == 200, (path, status)
            t0, w0 = time.process_time(), time.perf_counter()
            for _ in range(n):
                await _get(app, path, token)
            out[path] = {
                "cpu_ms": (time.process_time() - t0) * 1000 / n,
                "wall_ms": (time.perf_counter() - w0) * 1000 / n,
            }
        return out

    print(json.dumps(asyncio.run(run())))


def main(argv: list[str]) -> int:
    if argv and argv[0] == "--worker":
        worker(argv[1], json.loads(argv[2]), argv[3], int(argv[4]))
        return 0
    ap = argparse.ArgumentParser(prog="python -m bench.micro")
    ap.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    ap.add_argument("--requests", type=int, default=500)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument(
        "--changes", type=int, default=2_000, help="feed entries to seed (the feed is read in pages of 500)"
    )
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
        paths = [
            f"/api/v1/members/{sample[3][0]}",
            "/api/v1/members?limit=50",
            "/api/v1/changes?since=0&limit=500",
            "/api/v1/auth/me",
        ]
        runs = [
            run_json_subprocess(
                ["bench.micro", "--worker", url, json.dumps(paths), token, str(args.requests)],
                env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])},
            )
            for _ in range(args.rounds)
        ]
    print(
        f"CPU ms per request (median of {args.rounds} processes x {args.requests} requests, in-process, "
        f"{args.db})"
    )
    for path in paths:
        name = path.replace(str(sample[3][0]), "{id}")
        cpu = median([r[path]["cpu_ms"] for r in runs])
        wall = median([r[path]["wall_ms"] for r in runs])
        print(f"{name:<40} {cpu:8.2f} ms CPU {wall:8.2f} ms wall")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
