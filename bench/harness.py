"""What every scenario shares: the machine, servers under uvicorn, load generators, databases, stats.

Servers run as ``python -m uvicorn APP --host 127.0.0.1 --port P --workers 1 --no-access-log`` in a
subprocess pinned to core 0 (``taskset -c 0``); the load generator (wrk when installed, else the
asyncio fallback in :mod:`bench.loadgen`) is pinned to core 1, and so is this process, which issues
the sequential requests and the raw SQL. Load is bounded in count and time and goes to 127.0.0.1 only.
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import re
import resource
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
SERVER_CORE = "0"
CLIENT_CORE = "1"
HOST = "127.0.0.1"
SECRET = "bench-secret-key-0123456789-abcdefghijklmnop"
#: how many times one load run may be retried as a whole is irrelevant: each is bounded by duration;
#: this caps a single run's requests for the Python fallback as a second bound
MAX_REQUESTS_PER_RUN = 2_000_000


# ---------------------------------------------------------------------------------------------------------
# Configuration of a run


@dataclass
class Config:
    quick: bool
    dbs: list[str]
    generator: str  # auto | wrk | python
    workdir: Path
    pg_url: str | None = None  # admin URL of the throwaway cluster when PostgreSQL is among dbs
    verbose: bool = False
    import_big: int | None = None  # rows of the big import (peak memory); None = the mode's default

    #: the gonghui ASGI app the servers run
    app: str = "api.main:app"

    def env(self, database_url: str, **extra: str) -> dict[str, str]:
        return server_env(database_url, **extra)

    def size(self, quick: Any, full: Any) -> Any:
        return quick if self.quick else full


def log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------------------
# Results


@dataclass
class Row:
    """One line of a scenario's table."""

    scenario: str
    db: str
    case: str
    metric: str
    gonghui: float | None
    baseline: float | None
    unit: str
    #: "higher" when bigger is better (req/s, rows/s), "lower" for times
    better: str = "higher"
    target: str = ""
    met: bool | None = None
    note: str = ""

    @property
    def ratio(self) -> float | None:
        if self.gonghui is None or self.baseline in (None, 0):
            return None
        return self.gonghui / self.baseline  # type: ignore[operator]


@dataclass
class ScenarioResult:
    name: str
    title: str
    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    pending: list[str] = field(default_factory=list)
    details: list[str] = field(default_factory=list)  # extra markdown lines (e.g. generator checks)


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


def fmt(value: float | None, unit: str = "") -> str:
    if value is None:
        return "—"
    if value != value:  # NaN
        return "n/a"
    if unit in ("ms",):
        return f"{value:.2f}"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


# ---------------------------------------------------------------------------------------------------------
# The machine


def machine_description(pg_version: str | None) -> dict[str, str]:
    cpu = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                break
    return {
        "nproc": str(os.cpu_count()),
        "cpu": cpu,
        "memory": mem,
        "kernel": platform.release(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "postgresql": pg_version or "not run",
        "packages": _package_versions(),
    }


def _package_versions() -> str:
    from importlib.metadata import version

    out = []
    for name in (
        "fastapi",
        "starlette",
        "pydantic",
        "sqlalchemy",
        "uvicorn",
        "uvloop",
        "httptools",
        "psycopg",
    ):
        with contextlib.suppress(Exception):
            out.append(f"{name} {version(name)}")
    return ", ".join(out)


def load_average() -> float:
    """The 1-minute load average now (recorded beside figures taken on a shared machine)."""
    return os.getloadavg()[0]


def git_commit() -> str:
    try:
        sha = subprocess.run(
            ["git", "rev-parse", "--short=12", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no", "--", "api", "bench"],
            cwd=ROOT,
            capture_output=True,
            text=True,
        ).stdout.strip()
        return sha + (" (with uncommitted changes in api/ or bench/)" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def pin_self_to_client_core() -> None:
    """This process issues sequential requests and raw SQL: keep it off the server's core."""
    if (os.cpu_count() or 1) >= 2 and hasattr(os, "sched_setaffinity"):
        with contextlib.suppress(OSError):
            os.sched_setaffinity(0, {int(CLIENT_CORE)})


def taskset(core: str) -> list[str]:
    if shutil.which("taskset") and (os.cpu_count() or 1) >= 2:
        return ["taskset", "-c", core]
    return []


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


# ---------------------------------------------------------------------------------------------------------
# Databases


@contextlib.contextmanager
def postgres_cluster(workdir: Path) -> Iterator[str]:
    """A throwaway cluster from scripts/pg-cluster.sh; yields its SQLAlchemy URL."""
    pgdir = Path(tempfile.mkdtemp(prefix="gonghui-bench-pg.", dir="/tmp"))
    script = ROOT / "scripts" / "pg-cluster.sh"
    url = (
        subprocess.run(["bash", str(script), "start", str(pgdir)], capture_output=True, text=True, check=True)
        .stdout.strip()
        .splitlines()[-1]
    )
    try:
        yield url
    finally:
        subprocess.run(["bash", str(script), "stop", str(pgdir)], capture_output=True, text=True)


def pg_server_version(url: str) -> str:
    eng = sa.create_engine(url)
    try:
        with eng.connect() as conn:
            return str(conn.execute(sa.text("SHOW server_version")).scalar_one())
    finally:
        eng.dispose()


def fresh_database(cfg: Config, db: str, label: str) -> str:
    """An empty database: a new SQLite file, or a new database on the throwaway cluster."""
    if db == "sqlite":
        path = cfg.workdir / f"{label}.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return f"sqlite:///{path}"
    assert cfg.pg_url, "PostgreSQL requested but no cluster"
    return pg_create_database(cfg.pg_url, label)


def pg_create_database(admin_url: str, name: str, template: str | None = None) -> str:
    url = sa.engine.make_url(admin_url)
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else "")))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


def clone_database(cfg: Config, db: str, template_url: str, label: str) -> str:
    """A copy of a seeded database (file copy for SQLite, CREATE DATABASE ... TEMPLATE for PostgreSQL)."""
    if db == "sqlite":
        src = Path(sa.engine.make_url(template_url).database or "")
        with sqlite3.connect(src) as conn:  # fold the WAL into the main file before copying
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        dst = cfg.workdir / f"{label}.db"
        for suffix in ("-wal", "-shm"):
            Path(f"{dst}{suffix}").unlink(missing_ok=True)
        shutil.copyfile(src, dst)
        return f"sqlite:///{dst}"
    assert cfg.pg_url
    template = sa.engine.make_url(template_url).database
    return pg_create_database(cfg.pg_url, label, template=template)


def drop_database(cfg: Config, db: str, url: str) -> None:
    if db == "sqlite":
        path = sa.engine.make_url(url).database or ""
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    assert cfg.pg_url
    name = sa.engine.make_url(url).database
    admin = sa.create_engine(cfg.pg_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def server_env(database_url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GONGHUI_")}
    env.update(
        GONGHUI_DATABASE_URL=database_url,
        GONGHUI_SECRET_KEY=SECRET,
        GONGHUI_LOG_LEVEL="WARNING",
        GONGHUI_ACCESS_TOKEN_MINUTES="600",
        PYTHONPATH=str(ROOT),
    )
    env.update(extra)
    return env


def bench_settings(database_url: str) -> Any:
    """The Settings the server subprocess will read from :func:`server_env` (for tokens and the vault)."""
    from api.config import Settings

    return Settings(
        database_url=database_url, secret_key=SECRET, log_level="WARNING", access_token_minutes=600
    )


# ---------------------------------------------------------------------------------------------------------
# Servers


class Server:
    """One uvicorn server in a subprocess, pinned to the server core."""

    def __init__(
        self,
        app: str,
        env: dict[str, str],
        name: str,
        ready_path: str = "/healthz",
        *,
        workers: int = 1,
        cores: str = SERVER_CORE,
    ):
        self.workers = workers
        self.cores = cores
        self.app = app
        self.env = env
        self.name = name
        self.ready_path = ready_path
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None
        self.log_path = Path(tempfile.mkstemp(prefix=f"bench-{name}-", suffix=".log")[1])

    @property
    def base(self) -> str:
        return f"http://{HOST}:{self.port}"

    def __enter__(self) -> Server:
        cmd = [
            *taskset(self.cores),
            PYTHON,
            "-m",
            "uvicorn",
            self.app,
            "--host",
            HOST,
            "--port",
            str(self.port),
            "--workers",
            str(self.workers),
            "--no-access-log",
            "--log-level",
            "warning",
        ]
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env=self.env, stdout=self._log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} server exited: {self.log_path.read_text()[-3000:]}")
            with (
                contextlib.suppress(OSError),
                urllib.request.urlopen(self.base + self.ready_path, timeout=2) as resp,
            ):
                if resp.status == 200:
                    return self
            time.sleep(0.1)
        raise RuntimeError(f"{self.name} server did not become ready: {self.log_path.read_text()[-3000:]}")

    def __exit__(self, *exc: object) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()
        if not exc or exc[0] is None:
            self.log_path.unlink(missing_ok=True)

    def cpu_seconds(self) -> float:
        """utime + stime of the server process so far, with its worker processes when it has some."""
        assert self.proc
        ticks = os.sysconf("SC_CLK_TCK")
        total = 0
        pids = [self.proc.pid]
        if self.workers > 1:
            with contextlib.suppress(OSError):
                children = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text().split()
                pids += [int(c) for c in children]
        for pid in pids:
            with contextlib.suppress(OSError):
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                total += int(fields[11]) + int(fields[12])
        return total / ticks

    def check_alive(self) -> None:
        assert self.proc
        if self.proc.poll() is not None:
            raise RuntimeError(f"{self.name} server died: {self.log_path.read_text()[-3000:]}")


# ---------------------------------------------------------------------------------------------------------
# Load generation


@dataclass
class LoadResult:
    generator: str
    requests: int
    seconds: float
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int
    non_2xx: int
    generator_cpu: float  # fraction of one core
    server_cpu: float  # fraction of one core
    server_cpu_ms_per_request: float  # CPU time the server spent per request: robust on a busy machine
    #: 2xx answers only (the Python generator tells them apart; wrk reports all answers together)
    ok: int = 0
    p50_ok_ms: float = float("nan")
    p99_ok_ms: float = float("nan")
    status_503: int = 0
    timeouts: int = 0
    other_statuses: dict[str, int] = field(default_factory=dict)  # non-2xx answers other than 503


WRK_SCRIPT = Path(__file__).with_name("wrk_report.lua")


def resolve_generator(choice: str) -> str:
    if choice == "wrk" or (choice == "auto" and shutil.which("wrk")):
        if not shutil.which("wrk"):
            raise RuntimeError("--generator wrk but wrk is not installed (apt-get install wrk)")
        return "wrk"
    return "python"


def run_load(
    generator: str,
    server: Server,
    path: str,
    *,
    connections: int,
    seconds: float,
    headers: dict[str, str] | None = None,
    honour_retry_after: bool = False,
) -> LoadResult:
    """Closed-loop load on ``server``: ``connections`` keep-alive connections for ``seconds``.
    ``honour_retry_after`` (Python generator only): a connection answered 503 waits its Retry-After."""
    if honour_retry_after and generator == "wrk":
        raise ValueError("only the Python generator honours Retry-After")
    headers = headers or {}
    url = server.base + path
    if generator == "wrk":
        cmd = [
            *taskset(CLIENT_CORE),
            "wrk",
            "-t1",
            f"-c{connections}",
            f"-d{max(1, round(seconds))}s",
            "--timeout",
            "5s",
            "-s",
            str(WRK_SCRIPT),
        ]
        for k, v in headers.items():
            cmd += ["-H", f"{k}: {v}"]
        cmd.append(url)
    else:
        cmd = [
            *taskset(CLIENT_CORE),
            PYTHON,
            "-m",
            "bench.loadgen",
            "--url",
            url,
            "--connections",
            str(connections),
            "--seconds",
            str(seconds),
            "--max-requests",
            str(MAX_REQUESTS_PER_RUN),
        ]
        for k, v in headers.items():
            cmd += ["--header", f"{k}: {v}"]
        if honour_retry_after:
            cmd.append("--honour-retry-after")
    server_cpu0 = server.cpu_seconds()
    ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.monotonic()
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = proc.communicate(timeout=seconds + 60)
    wall = time.monotonic() - t0
    server_cpu_s = server.cpu_seconds() - server_cpu0
    server_cpu = server_cpu_s / wall
    # the generator is the only child reaped in between, so the delta of RUSAGE_CHILDREN is its CPU time
    ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    generator_cpu = ((ru1.ru_utime - ru0.ru_utime) + (ru1.ru_stime - ru0.ru_stime)) / wall
    if proc.returncode != 0:
        raise RuntimeError(f"load generator failed ({proc.returncode}): {err.decode()[-2000:]}")
    data = _last_json(out.decode())
    server.check_alive()
    return LoadResult(
        generator=generator,
        requests=int(data["requests"]),
        seconds=float(data["seconds"]),
        rps=float(data["requests"]) / float(data["seconds"]),
        p50_ms=float(data["p50_us"]) / 1000,
        p99_ms=float(data["p99_us"]) / 1000,
        errors=int(data.get("errors", 0)),
        non_2xx=int(data.get("non_2xx", 0)),
        generator_cpu=generator_cpu,
        server_cpu=server_cpu,
        server_cpu_ms_per_request=server_cpu_s * 1000 / max(1, int(data["requests"])),
        ok=int(data.get("ok", int(data["requests"]) - int(data.get("non_2xx", 0)))),
        p50_ok_ms=float(data.get("p50_ok_us", "nan")) / 1000,
        p99_ok_ms=float(data.get("p99_ok_us", "nan")) / 1000,
        status_503=int(data.get("status_503", 0)),
        timeouts=int(data.get("timeouts", 0)),
        other_statuses=dict(data.get("other_statuses", {})),
    )


def _last_json(text: str) -> dict[str, Any]:
    for line in reversed(text.strip().splitlines()):
        line = line.strip()
        if line.startswith("{"):
            return json.loads(line)
    raise RuntimeError(f"no JSON summary in load generator output: {text[-2000:]}")


# ---------------------------------------------------------------------------------------------------------
# Measuring in rounds


def alternate(
    cases: Sequence[str], rounds: int, warmup: Callable[[str], None], measure: Callable[[str], Any]
) -> dict[str, list[Any]]:
    """Warm each case up, then run ``rounds`` rounds over all cases, reversing the order every other
    round so neither side always goes first. Returns the measurements per case."""
    for case in cases:
        warmup(case)
    results: dict[str, list[Any]] = {c: [] for c in cases}
    for r in range(rounds):
        order = list(cases) if r % 2 == 0 else list(reversed(cases))
        for case in order:
            results[case].append(measure(case))
    return results


def timed(fn: Callable[[], Any]) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def run_json_subprocess(
    args: list[str], env: dict[str, str] | None = None, timeout: float = 3600, core: str | None = None
) -> dict[str, Any]:
    """Run ``python -m ARGS`` (a worker that prints one JSON line) and return its summary."""
    cmd = [*(taskset(core) if core else []), PYTHON, "-m", *args]
    proc = subprocess.run(
        cmd,
        cwd=ROOT,
        env=env or {**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"worker {' '.join(args[:2])} failed ({proc.returncode}):\n{proc.stderr[-4000:]}")
    return _last_json(proc.stdout)


def http_get_json(url: str, headers: dict[str, str] | None = None) -> Any:
    req = urllib.request.Request(url, headers=headers or {})
    with urllib.request.urlopen(req, timeout=30) as resp:
        return json.loads(resp.read())


def route_exists(path_template: str, method: str = "GET") -> bool:
    """Whether the gonghui app (as committed in this tree) has a route at ``/api/v1`` + template."""
    try:
        from api.main import api_routes

        routes = api_routes()
    except Exception as exc:
        log(f"cannot import the app's routes: {exc!r}")
        return False
    return any(re.sub(r":\w+}", "}", p) == path_template and method in (r.methods or ()) for p, r in routes)
