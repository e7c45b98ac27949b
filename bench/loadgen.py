"""Fallback load generator when wrk is not installed: asyncio over raw keep-alive sockets.

``python -m bench.loadgen --url http://127.0.0.1:P/path --connections 32 --seconds 5`` runs a closed
loop (each connection sends its next request when the previous answer is read) to 127.0.0.1 only,
stops after ``--seconds`` or ``--max-requests``, and prints one JSON line like wrk_report.lua. With
``--honour-retry-after`` a connection answered 503 waits the ``Retry-After`` it was given before its next
request, as a well-behaved client does; without, it sends again at once (the worst case).
It is much heavier per request than wrk: the harness reports its CPU so a saturated generator shows.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from urllib.parse import urlsplit

TIMEOUT = 5.0


async def _connection(
    host: str,
    port: int,
    request: bytes,
    deadline: float,
    state: dict,
    latencies: list[float],
    honour_retry_after: bool = False,
) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        while time.perf_counter() < deadline and state["sent"] < state["max"]:
            state["sent"] += 1
            t0 = time.perf_counter()
            writer.write(request)
            # like wrk's --timeout 5s: an answer later than that counts as a timeout, not a latency
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), TIMEOUT)
            status = int(head[9:12])
            length = 0
            retry_after = 0.0
            for line in head.split(b"\r\n"):
                name = line[:15].lower()
                if name == b"content-length:":
                    length = int(line[15:])
                elif name[:12] == b"retry-after:":
                    retry_after = float(line[12:])
            if length:
                await reader.readexactly(length)
            elapsed = time.perf_counter() - t0
            latencies.append(elapsed)
            if 200 <= status < 300:
                state["ok"].append(elapsed)
            else:
                state["non_2xx"] += 1
                if status == 503:
                    state["status_503"] += 1
                    if honour_retry_after and retry_after:
                        # as a well-behaved client does: this connection waits as long as the server asked
                        await asyncio.sleep(min(retry_after, max(0.0, deadline - time.perf_counter())))
                state["statuses"][status] = state["statuses"].get(status, 0) + 1
    except TimeoutError:
        state["timeouts"] += 1
    except (OSError, asyncio.IncompleteReadError):
        state["errors"] += 1
    finally:
        writer.close()


async def main(
    url: str,
    connections: int,
    seconds: float,
    max_requests: int,
    headers: list[str],
    honour_retry_after: bool = False,
) -> dict:
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    if host not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit("the load generator only targets the loopback address")
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    lines = [f"GET {path} HTTP/1.1", f"Host: {host}:{port}", *headers, "", ""]
    request = "\r\n".join(lines).encode()
    state: dict = {
        "sent": 0,
        "max": max_requests,
        "errors": 0,
        "non_2xx": 0,
        "status_503": 0,
        "ok": [],
        "timeouts": 0,
        "statuses": {},
    }
    latencies: list[float] = []
    start = time.perf_counter()
    deadline = start + seconds
    await asyncio.gather(
        *(
            _connection(host, port, request, deadline, state, latencies, honour_retry_after)
            for _ in range(connections)
        )
    )
    elapsed = time.perf_counter() - start
    latencies.sort()

    ok = sorted(state["ok"])

    def pct(p: float, values: list[float] = latencies) -> float:
        return values[min(len(values) - 1, int(p / 100 * len(values)))] * 1e6 if values else 0.0

    return {
        "requests": len(latencies),
        "seconds": elapsed,
        "p50_us": pct(50),
        "p99_us": pct(99),
        "mean_us": sum(latencies) / len(latencies) * 1e6 if latencies else 0.0,
        "errors": state["errors"],
        "non_2xx": state["non_2xx"],
        # 2xx answers only (under load shedding the 503s are fast and would hide the admitted ones' wait)
        "ok": len(ok),
        "p50_ok_us": pct(50, ok),
        "p99_ok_us": pct(99, ok),
        "status_503": state["status_503"],
        "timeouts": state["timeouts"],
        "other_statuses": {str(k): v for k, v in state["statuses"].items() if k != 503},
    }


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--connections", type=int, default=32)
    ap.add_argument("--seconds", type=float, default=5)
    ap.add_argument("--max-requests", type=int, default=1_000_000)
    ap.add_argument("--header", action="append", default=[])
    ap.add_argument(
        "--honour-retry-after",
        action="store_true",
        help="after a 503 with Retry-After, the connection waits that long before its next request",
    )
    a = ap.parse_args()
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    result = main(a.url, a.connections, a.seconds, a.max_requests, a.header, a.honour_retry_after)
    print(json.dumps(asyncio.run(result)))
