"""``python -m bench [--quick] [--scenario NAME ...] [--db sqlite|postgresql|both] [--no-write]``

Runs the scenarios, prints one table, and (unless ``--no-write``) writes the figures with the machine
description and the git commit into docs/benchmarks.md, replacing only that mode's blocks of the
scenarios that ran. Exit status: 0 when every scenario ran (missed targets are reported, not failures),
1 when a scenario crashed, 2 on bad arguments.
"""

from __future__ import annotations

import argparse
import importlib
import os
import shlex
import shutil
import sys
import tempfile
import time
import traceback
from datetime import UTC, datetime
from pathlib import Path

from bench.harness import (
    ROOT,
    Config,
    Row,
    ScenarioResult,
    fmt,
    git_commit,
    log,
    machine_description,
    pg_server_version,
    pin_self_to_client_core,
    postgres_cluster,
    resolve_generator,
)

SCENARIOS = ["overhead", "imports", "lists", "changes", "funds"]
DOC = ROOT / "docs" / "benchmarks.md"


def parse_args(argv: list[str]) -> argparse.Namespace:
    ap = argparse.ArgumentParser(
        prog="python -m bench", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--quick", action="store_true", help="CI smoke sizes (whole run well under 3 minutes)")
    ap.add_argument(
        "--scenario", action="append", choices=SCENARIOS, help="run only this scenario (repeatable)"
    )
    ap.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    ap.add_argument(
        "--generator",
        choices=["auto", "wrk", "python"],
        default="auto",
        help="load generator: wrk when installed (auto), or the asyncio fallback",
    )
    ap.add_argument(
        "--import-big",
        type=int,
        default=None,
        help="rows of the big import for the peak-memory figure (default 1,000,000; quick 10,000)",
    )
    ap.add_argument("--no-write", action="store_true", help="do not touch docs/benchmarks.md")
    ap.add_argument("--keep", action="store_true", help="keep the work directory (databases, CSVs)")
    ap.add_argument("-v", "--verbose", action="store_true", help="log every measurement")
    return ap.parse_args(argv)


def ratio_text(row: Row) -> str:
    r = row.ratio
    if r is None:
        return "—"
    return f"{r:.2f}x" if row.better == "lower" else f"{r:.2f}"


def met_text(row: Row) -> str:
    if row.met is None:
        return ""
    return "yes" if row.met else "**no**"


def table(rows: list[Row], markdown: bool) -> str:
    head = ["db", "case", "metric", "gonghui", "baseline", "ratio g/b", "target", "met"]
    body = [
        [
            r.db,
            r.case,
            r.metric,
            f"{fmt(r.gonghui, r.unit)} {r.unit}".strip(),
            f"{fmt(r.baseline, r.unit)} {r.unit}".strip() if r.baseline is not None else "—",
            ratio_text(r),
            r.target,
            met_text(r),
        ]
        for r in rows
    ]
    if markdown:
        lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        lines += ["| " + " | ".join(cells) + " |" for cells in body]
        return "\n".join(lines)
    widths = [max(len(str(x)) for x in col) for col in zip(head, *body, strict=True)]
    out = ["  ".join(h.ljust(w) for h, w in zip(head, widths, strict=True))]
    out.append("  ".join("-" * w for w in widths))
    out += [
        "  ".join(c.replace("**", "").ljust(w) for c, w in zip(cells, widths, strict=True)) for cells in body
    ]
    return "\n".join(out)


def scenario_block(res: ScenarioResult, header: str, db: str) -> str:
    parts = [f"### {SCENARIOS.index(res.name) + 1}. {res.title} (`{res.name}`) on {db}", "", header, ""]
    rows = [r for r in res.rows if r.db == db]
    if rows:
        parts += [table(rows, markdown=True), ""]
    for line in res.details:
        if line.startswith(f"{db}:") or line.startswith(f"{db},"):
            parts.append(f"- {line}")
    for line in res.notes:
        parts.append(f"- {line}")
    for line in res.pending:
        parts.append(f"- **Pending:** {line}")
    return "\n".join(parts).rstrip() + "\n"


def replace_block(text: str, key: str, content: str, anchor: str) -> str:
    begin, end = f"<!-- bench:{key}:begin -->", f"<!-- bench:{key}:end -->"
    block = f"{begin}\n{content.rstrip()}\n{end}"
    if begin in text and end in text:
        before, rest = text.split(begin, 1)
        _, after = rest.split(end, 1)
        return before + block + after
    if anchor in text:  # new blocks go just before the anchor, in scenario order
        return text.replace(anchor, block + "\n\n" + anchor, 1)
    return text.rstrip() + "\n\n" + block + "\n"


def write_doc(
    mode: str,
    results: list[ScenarioResult],
    machine: dict[str, str],
    commit: str,
    command: str,
    generator: str,
    dbs: list[str],
    load: str,
) -> None:
    text = DOC.read_text(encoding="utf-8") if DOC.exists() else "# Benchmarks\n"
    anchor = f"<!-- bench:{mode}:anchor -->"
    if anchor not in text:
        text = text.rstrip() + f"\n\n## Figures: {mode.replace('-', ', ')}\n\n{anchor}\n"
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    machine_md = "\n".join(
        [
            f"Last {mode} run: {when}, commit `{commit}`, `{command}`.",
            "",
            f"- Machine: {machine['nproc']} cores, {machine['cpu']}, {machine['memory']} RAM, Linux "
            f"{machine['kernel']}",
            f"- Python {machine['python']}, SQLite {machine['sqlite']}, PostgreSQL {machine['postgresql']}",
            f"- {machine['packages']}",
            f"- Load generator: `{generator}` (pinned to core 1 with `taskset -c 1`; servers on core 0)",
            f"- Load average (1 min) at start and end of the run: {load}",
        ]
    )
    text = replace_block(text, f"{mode}:machine", machine_md, anchor)
    for res in results:
        for db in dbs:
            header = f"_{when}, commit `{commit}`, `{command}`, load average (1 min) at start / end {load}._"
            text = replace_block(text, f"{mode}:{res.name}:{db}", scenario_block(res, header, db), anchor)
    DOC.write_text(text, encoding="utf-8")


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    names = args.scenario or SCENARIOS
    dbs = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    pin_self_to_client_core()
    workdir = Path(tempfile.mkdtemp(prefix="gonghui-bench."))
    cfg = Config(
        quick=args.quick,
        dbs=dbs,
        generator=args.generator,
        workdir=workdir,
        verbose=args.verbose,
        import_big=args.import_big,
    )
    generator = resolve_generator(args.generator)
    mode = "quick" if args.quick else "full"
    load0 = os.getloadavg()[0]
    if load0 > 0.5 * (os.cpu_count() or 1):
        log(
            f"warning: the machine is busy (load average {load0:.1f} on {os.cpu_count()} cores): figures "
            f"will be noisy"
        )
    command = "python -m bench " + shlex.join(argv) if argv else "python -m bench"
    log(f"{mode} run of {', '.join(names)} on {', '.join(dbs)}; generator {generator}; work dir {workdir}")
    started = time.monotonic()
    results: list[ScenarioResult] = []
    failed: list[str] = []
    pg_version = None
    try:
        with postgres_cluster(workdir) if "postgresql" in dbs else _null() as pg_url:
            cfg.pg_url = pg_url
            if pg_url:
                pg_version = pg_server_version(pg_url)
            for name in names:
                module = importlib.import_module(f"bench.scenarios.{name}")
                merged = ScenarioResult(module.NAME, module.TITLE)
                for db in dbs:
                    t0 = time.monotonic()
                    try:
                        res = module.run(cfg, db)
                    except Exception:
                        traceback.print_exc()
                        failed.append(f"{name}/{db}")
                        merged.details.append(f"{db}: **the scenario crashed**; see the run's log.")
                        continue
                    log(f"{name}/{db} done in {time.monotonic() - t0:.0f}s")
                    merged.rows += res.rows
                    merged.notes += [n for n in res.notes if n not in merged.notes]
                    merged.pending += [p for p in res.pending if p not in merged.pending]
                    merged.details += res.details
                results.append(merged)
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    rows = [r for res in results for r in res.rows]
    print()
    print(f"gonghui benchmarks ({mode}), generator {generator}, commit {git_commit()}")
    print(table(rows, markdown=False))
    for res in results:
        for p in res.pending:
            print(f"pending ({res.name}): {p}")
    missed = [r for r in rows if r.met is False]
    print(
        f"\n{len(rows)} figures, {sum(r.met is True for r in rows)} targets met, {len(missed)} missed; "
        f"{len(failed)} scenario runs crashed; {time.monotonic() - started:.0f}s"
    )
    load = f"{load0:.2f} / {os.getloadavg()[0]:.2f}"
    if not args.no_write:
        write_doc(mode, results, machine_description(pg_version), git_commit(), command, generator, dbs, load)
        log(f"wrote {DOC.relative_to(ROOT)}")
    if failed:
        print(f"crashed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


class _null:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
