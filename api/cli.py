"""The ``gonghui`` command: serve, migrate, create-admin, bootstrap, seed-demo, openapi, import-members,
new-pii-key, rotate-pii-keys, worker, audit verify. ``gonghui --lang zh|en <command>`` (else the locale)
picks the language of everything it prints (docs/i18n.md)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from sqlmodel import col

from api.i18n import Message, _, _n

app = typer.Typer(no_args_is_help=True, add_completion=False)

ROOT_CODE = "ROOT"
ROOT_NAME = "总工会"
OPENAPI_PATH = Path("openapi/openapi.json")
LOGIN_URL = "http://127.0.0.1:8000/docs"

#: the whole command's ``--lang`` (set by :func:`main` on every invocation); None: the locale
_LANG: str | None = None


@app.callback()
def main(
    lang: Annotated[
        str | None, typer.Option("--lang", help="zh or en; default: the locale (LC_ALL, LC_MESSAGES, LANG).")
    ] = None,
) -> None:
    """gonghui: API backend for running a trade union."""
    global _LANG
    _LANG = lang


def _settings():
    from api.config import get_settings

    return get_settings()


@app.command()
def migrate(revision: Annotated[str, typer.Argument(help="Target revision.")] = "head") -> None:
    """Upgrade the database schema (Alembic) to REVISION."""
    from api.db import migrate as m

    m.upgrade(_settings().database_url, revision=revision)
    typer.echo(_say(_cli_lang(None), "migrated", revision=revision, url=_settings().database_url))


def _ensure_admin(username: str, password: str | None, org: str | None) -> tuple[bool, str | None]:
    """Create the admin (and the root unit on an empty database). Returns (created, generated password)."""
    from sqlmodel import select

    from api.db.models import Grant, OrgUnit, User
    from api.db.session import Database, make_engine
    from api.security.permissions import Role
    from api.services import org_units, users

    db = Database(make_engine(_settings().database_url))
    with db.write_session() as session:
        if session.exec(select(User.id).where(User.username == username.lower())).first():
            return False, None
        if org:
            unit = org_units.get_by_code(session, org)
            if unit is None:
                raise typer.BadParameter(_say(_cli_lang(None), "no_org", code=org), param_hint="--org")
        else:
            unit = session.exec(
                select(OrgUnit).where(col(OrgUnit.parent_id).is_(None)).order_by(col(OrgUnit.created_at))
            ).first()
            if unit is None:
                unit = OrgUnit(code=ROOT_CODE, name=ROOT_NAME, kind="federation", depth=0)
                org_units.insert_unit(session, unit, None)
        user, shown = users.create_user(
            session, username=username, display_name=username, org_unit_id=unit.id, password=password, by=None
        )
        session.add(Grant(user_id=user.id, role=Role.admin.value, org_unit_id=unit.id))
        session.commit()
        return True, shown


@app.command("create-admin")
def create_admin(
    username: Annotated[str, typer.Option(help="Login name of the admin.")],
    password: Annotated[str | None, typer.Option(help="Prompted for when omitted.")] = None,
    org: Annotated[str | None, typer.Option(help="Org unit code; default: the root unit.")] = None,
) -> None:
    """Create an admin account with an admin grant at the root unit (created if the tree is empty)."""
    from api.errors import AppError
    from api.i18n import message

    if password is None:
        lang = _cli_lang(None)
        password = typer.prompt(
            _say(lang, "password"), hide_input=True, confirmation_prompt=_say(lang, "password_again")
        )
    try:
        created, _ = _ensure_admin(username, password, org)
    except AppError as exc:  # e.g. a weak password: say why instead of a traceback
        typer.echo(message(exc.code, _cli_lang(None), exc.params), err=True)
        raise typer.Exit(1) from None
    if not created:
        typer.echo(_say(_cli_lang(None), "user_exists", username=username), err=True)
        raise typer.Exit(1)
    typer.echo(_say(_cli_lang(None), "admin_created", username=username))


@app.command()
def bootstrap(
    username: Annotated[str, typer.Option(help="First admin's login name.")] = "admin",
    password_file: Annotated[
        Path | None,
        typer.Option(
            envvar="GONGHUI_ADMIN_PASSWORD_FILE",
            dir_okay=False,
            help="Read the first admin's password from this file (e.g. a container secret); default: a "
            "one-time password is printed (development only).",
        ),
    ] = None,
) -> None:
    """Migrate, and on a database with no users create the first admin.

    With ``--password-file`` (or ``GONGHUI_ADMIN_PASSWORD_FILE``, e.g. ``/run/secrets/admin_password``) the
    admin gets that password; otherwise, in development, a one-time password is printed. In production
    without a file nothing is printed: set the file, or run ``gonghui create-admin`` (it prompts)."""
    from sqlmodel import select

    from api.config import Env
    from api.db.models import User
    from api.db.session import Database, make_engine
    from api.errors import AppError
    from api.i18n import message

    lang = _cli_lang(None)
    migrate()
    db = Database(make_engine(_settings().database_url))
    with db.read_session() as session:
        has_users = session.exec(select(User.id).limit(1)).first() is not None
    if has_users:
        typer.echo(_say(lang, "users_exist", command="gonghui create-admin"))
        return
    password = None
    if password_file is not None:
        try:
            password = password_file.read_text(encoding="utf-8").strip()
        except OSError as exc:
            typer.echo(
                _say(lang, "password_file_unreadable", path=password_file, reason=exc.strerror), err=True
            )
            raise typer.Exit(1) from None
        if not password:
            typer.echo(_say(lang, "password_file_empty", path=password_file), err=True)
            raise typer.Exit(1)
    elif _settings().env is not Env.development:
        typer.echo(_say(lang, "no_users_production", command="gonghui create-admin --username admin"))
        return
    try:
        _, shown = _ensure_admin(username, password, None)
    except AppError as exc:  # e.g. a weak password in the file
        typer.echo(message(exc.code, lang, exc.params), err=True)
        raise typer.Exit(1) from None
    if shown is None:
        typer.echo(_say(lang, "first_admin_from_file", username=username, path=password_file))
        return
    typer.echo("")
    typer.echo(f"  {_say(lang, 'first_admin_created')}")
    typer.echo(f"  {_say(lang, 'log_in_as', url=LOGIN_URL, username=username, password=shown)}")
    typer.echo(f"  {_say(lang, 'change_first', endpoint='POST /api/v1/auth/password')}")
    typer.echo("")


@app.command()
def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: Annotated[
        int, typer.Option(min=1, envvar="GONGHUI_WORKERS", help="Worker processes (one per core).")
    ] = 1,
    reload: bool = False,
) -> None:
    """Run the API under uvicorn, in WORKERS processes sharing the port.

    Metrics of all workers are summed (api/metrics.py): each worker writes them to files in
    PROMETHEUS_MULTIPROC_DIR, which this command sets to a fresh directory unless given, and empties
    before the workers start (values left from an earlier run would be counted again).
    """
    import os
    import shutil
    import tempfile

    import uvicorn

    from api.metrics import MULTIPROC_ENV

    metrics_dir = os.environ.get(MULTIPROC_ENV)
    if metrics_dir:
        shutil.rmtree(metrics_dir, ignore_errors=True)
        os.makedirs(metrics_dir, exist_ok=True)
    else:
        os.environ[MULTIPROC_ENV] = tempfile.mkdtemp(prefix="gonghui-metrics-")
    uvicorn.run(
        "api.main:app",
        host=host,
        port=port,
        workers=workers,
        reload=reload,
        # forwarded headers are believed by the app itself, from GONGHUI_TRUSTED_PROXIES only
        proxy_headers=False,
        server_header=False,
        access_log=False,
    )


@app.command()
def worker(
    concurrency: Annotated[int, typer.Option(min=1, max=64, help="Jobs this process runs at once.")] = 1,
    queue: Annotated[
        list[str] | None,
        typer.Option(
            help="Take jobs from this queue only (imports, sweeps); repeat for several. Default: all."
        ),
    ] = None,
    name: Annotated[str | None, typer.Option(help="Worker name in logs and the queue's tables.")] = None,
    metrics_port: Annotated[
        int | None,
        typer.Option(
            envvar="GONGHUI_WORKER_METRICS_PORT",
            help="Serve this worker's /metrics (job outcomes) on this port, on all interfaces.",
        ),
    ] = None,
) -> None:
    """Run one background-job worker on the PostgreSQL job queue, until SIGINT/SIGTERM.

    Start as many as you like, on any hosts that reach the database (docs/scaling.md): each job runs on
    exactly one worker; a job whose worker dies is run again or failed visibly. The worker runs member
    imports and, every GONGHUI_JOB_SWEEP_CRON, the deadline sweeps. Imported files wait in
    GONGHUI_IMPORT_SPOOL_DIR: with several hosts, a volume shared by the API and worker hosts.
    On SQLite there is no queue: the server runs jobs itself and this command is not needed."""
    from api.db.session import Database, make_engine
    from api.jobs import uses_queue
    from api.jobs.queue import run_worker
    from api.logging import configure_logging

    settings = _settings()
    if not uses_queue(settings):
        typer.echo(_say(_cli_lang(None), "no_worker_needed"), err=True)
        raise typer.Exit(1)
    configure_logging(json=settings.log_json, level=settings.log_level)
    if metrics_port is not None:
        import os

        from prometheus_client import REGISTRY, CollectorRegistry, start_http_server
        from prometheus_client.multiprocess import MultiProcessCollector

        from api.metrics import MULTIPROC_ENV

        registry = REGISTRY
        if os.environ.get(MULTIPROC_ENV):  # values live in files: sum them (this worker's and the API's)
            registry = CollectorRegistry()
            MultiProcessCollector(registry)
        start_http_server(metrics_port, registry=registry)
    # per job: its transaction and, for an import, the connection of its lookups; one more for the
    # queue's own polling and progress; the overflow for short extra sessions
    db = Database(make_engine(settings.database_url, pool_size=2 * concurrency + 1, max_overflow=2))
    try:
        run_worker(settings, db, concurrency=concurrency, queues=queue or None, name=name)
    finally:
        db.engine.dispose()


@app.command()
def openapi(
    output: Annotated[Path, typer.Option(help="Where to write the document.")] = OPENAPI_PATH,
    check: Annotated[bool, typer.Option(help="Only check that OUTPUT is up to date.")] = False,
) -> None:
    """Write the OpenAPI document the front-end team builds against (openapi/openapi.json)."""
    from api.main import create_app

    text = render_openapi(create_app())
    if check:
        if not output.exists() or output.read_text(encoding="utf-8") != text:
            typer.echo(
                _say(_cli_lang(None), "openapi_stale", path=output, command="gonghui openapi"), err=True
            )
            raise typer.Exit(1)
        return
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text, encoding="utf-8")
    typer.echo(_say(_cli_lang(None), "wrote", path=output))


def render_openapi(application) -> str:
    return json.dumps(application.openapi(), ensure_ascii=False, indent=2, sort_keys=False) + "\n"


@app.command("seed-demo")
def seed_demo(
    members: Annotated[int, typer.Option(help="How many members to create.")] = 300,
) -> None:
    """Fill an empty database with a realistic demo (development only: demo passwords are printed).

    Refuses a database in use (any member, or more than the unit and admin `bootstrap` makes): every demo
    account shares one published password."""
    from api.config import Env
    from api.demo import NotEmpty, seed

    lang = _cli_lang(None)
    if _settings().env is not Env.development:
        typer.echo(_say(lang, "seed_development_only"), err=True)
        raise typer.Exit(1)
    migrate()
    try:
        lines = seed(_settings().database_url, members=members, lang=lang)
    except NotEmpty as exc:
        typer.echo(_say(lang, "seed_refused", why=exc.render(lang)), err=True)
        raise typer.Exit(1) from None
    for line in lines:
        typer.echo(line)


@app.command("new-pii-key")
def new_pii_key() -> None:
    """Print a new key for GONGHUI_PII_KEYS (32 random bytes, url-safe base64)."""
    from api.security.pii import new_pii_key as make

    typer.echo(make())


@app.command("rotate-pii-keys")
def rotate_pii_keys(
    batch_size: Annotated[int, typer.Option(min=1, help="Members per transaction.")] = 1000,
) -> None:
    """Re-encrypt stored resident IDs under the first key of GONGHUI_PII_KEYS (audited as "cli").

    To rotate: put a new key (gonghui new-pii-key) first in GONGHUI_PII_KEYS, keeping the old ones after
    it; run this; then the old keys can be removed. Safe to interrupt and repeat.
    """
    from api.db.session import Database, make_engine
    from api.security.pii import PiiVault
    from api.services.member_core import UndecryptableId, rotate_national_ids

    lang = _cli_lang(None)
    settings = _settings()
    db = Database(make_engine(settings.database_url))
    try:
        result = rotate_national_ids(db, PiiVault.from_settings(settings), batch_size=batch_size)
    except UndecryptableId as exc:
        typer.echo(
            _say(lang, "rotation_stopped", n=exc.done.rewritten, member_id=str(exc.member_id)), err=True
        )
        raise typer.Exit(1) from None
    finally:
        db.engine.dispose()
    typer.echo(
        _say(lang, "rotated", n=result.rewritten)
        + _say(lang, "semicolon")
        + _say(lang, "already_current", n=result.current)
    )


@app.command("import-members")
def import_members(
    file: Annotated[
        Path,
        typer.Argument(
            exists=True,
            dir_okay=False,
            readable=True,
            help="HR export: CSV (UTF-8 or GB18030), XLSX or JSON Lines.",
        ),
    ],
    org: Annotated[str, typer.Option(help="Code of the unit to import into (rows may name units below it).")],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Validate and report only; write nothing.")
    ] = False,
    on_error: Annotated[
        str, typer.Option(help="abort: nothing is written if any row fails; skip: write the good rows.")
    ] = "abort",
    lang: Annotated[
        str | None, typer.Option("--lang", help="zh or en; default: gonghui --lang, else the locale (LANG).")
    ] = None,
) -> None:
    """Import members from an HR file with a progress bar (audited as "cli"); exit 1 if it failed."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from api.db.session import Database, make_engine
    from api.errors import AppError
    from api.i18n import Text, message
    from api.jobs import uses_queue
    from api.schemas.member_imports import ImportOnError
    from api.services import member_imports
    from api.services.member_imports.progress import row_error_message

    lang = _cli_lang(lang)
    if on_error not in {"abort", "skip"}:
        raise typer.BadParameter(
            _say(lang, "abort_or_skip", abort="abort", skip="skip"), param_hint="--on-error"
        )
    settings = _settings()
    db = Database(make_engine(settings.database_url))
    if not uses_queue(settings):  # queued jobs are the queue's to reap (api/jobs)
        member_imports.reap_interrupted(db)  # e.g. an earlier run of this command that was killed
    # an all-or-nothing run writes in one transaction that is rolled back if any row fails: its progress
    # is checking, not writing, until it has succeeded
    labels = {
        "counting": _say(lang, "counting"),
        "validating": _say(lang, "validating"),
        "writing": _say(lang, "writing" if on_error == "skip" else "writing_abort"),
    }
    with Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn()
    ) as bar:
        tasks: dict[str, object] = {}

        def on_progress(phase: str, done: int, total: int | None) -> None:
            if phase not in tasks:
                tasks[phase] = bar.add_task(labels.get(phase, phase), total=total)
            bar.update(tasks[phase], completed=done, total=total)  # type: ignore[arg-type]

        try:
            job = member_imports.import_file_as_system(
                db,
                settings,
                path=file,
                org_code=org,
                dry_run=dry_run,
                on_error=ImportOnError(on_error),
                on_progress=on_progress,
            )
        except AppError as exc:
            typer.echo(
                f"{_say(lang, 'refused')}: {exc.code}: {message(exc.code, lang, exc.params)}", err=True
            )
            raise typer.Exit(1) from None
    report = job.get("report") or {}
    planned = report.get("planned") or {}
    if dry_run:  # nothing was written: what the file would do
        counts = _say(
            lang, "would", **{k: planned.get(k, 0) for k in ("created", "updated", "unchanged", "failed")}
        )
    else:
        counts = _say(
            lang,
            "did",
            created=job["created_count"],
            updated=job["updated_count"],
            unchanged=job["unchanged_count"],
            failed=job["failed_count"],
        )
    status = (_say(lang, job["status"]) if job["status"] in _CLI_TEXT else job["status"]) + (
        _say(lang, "dry_run") if dry_run else ""
    )
    typer.echo(
        f"{status}: {_say(lang, 'rows', n=job['rows_total'] or 0)}, {counts}"
        + (f" [{job['error_code']}]" if job["error_code"] else "")
    )
    if job["status"] != "succeeded" and not dry_run and on_error == "abort":
        typer.echo(f"  {_say(lang, 'nothing_written')}")
    for error in report.get("errors", [])[:100]:
        text = row_error_message(error, lang)
        typer.echo(f"  {_say(lang, 'row', n=error['row'])}: {error['field']}: {error['kind']} ({text})")
    if report.get("errors_total", 0) > 100:
        typer.echo(f"  {_say(lang, 'more', n=report['errors_total'] - 100)}")
    if report.get("detail"):
        detail = Text.from_json(report["detail_text"]) if "detail_text" in report else None
        typer.echo(f"  {detail.render(lang) if detail else report['detail']}")
    if job["status"] != "succeeded":
        raise typer.Exit(1)


#: what the CLI itself says (problem messages come from api.i18n); shown with ``_say(lang, key, ...)``
_CLI_TEXT: dict[str, Message] = {
    "counting": _("counting rows"),
    "validating": _("checking rows"),
    "writing": _("writing members"),
    "writing_abort": _("checking rows (written only if all pass)"),
    "refused": _("import refused"),
    "would": _("would create {created}, would update {updated}, unchanged {unchanged}, failed {failed}"),
    "did": _("created {created}, updated {updated}, unchanged {unchanged}, failed {failed}"),
    "succeeded": _("succeeded"),
    "failed": _("failed"),
    "dry_run": _(" (dry run)"),
    "rows": _n("{n} row", "{n} rows", "n"),
    "nothing_written": _("nothing was written (all or nothing: fix the rows below, or use --on-error skip)"),
    "row": _("row {n}"),
    "more": _n("... {n} more", "... {n} more", "n"),
    "abort_or_skip": _("{abort} or {skip}"),
    "no_org": _("no org unit with code {code}"),
    "migrated": _("database at {revision}: {url}"),
    "password": _("Password"),
    "password_again": _("Repeat for confirmation"),
    "user_exists": _("user {username} exists already"),
    "admin_created": _("admin {username} created"),
    "users_exist": _("users exist already; log in with your account ({command} makes another admin)"),
    "password_file_unreadable": _("cannot read the admin password file {path}: {reason}"),
    "password_file_empty": _("the admin password file {path} is empty"),
    "no_users_production": _(
        "no users yet: set GONGHUI_ADMIN_PASSWORD_FILE (a secret file with the first admin's password) "
        "and restart, or run `{command}` (it prompts for the password)"
    ),
    "first_admin_from_file": _("first admin {username} created with the password from {path}"),
    "first_admin_created": _("First admin account created."),
    "log_in_as": _("Log in at {url} (Authorize) as {username} / {password}"),
    "change_first": _("This one-time password must be changed first: {endpoint}"),
    "no_worker_needed": _(
        "jobs run in the server process (SQLite, or GONGHUI_JOB_RUNNER=inprocess): no worker is needed"
    ),
    "openapi_stale": _("{path} is out of date: run `{command}`"),
    "wrote": _("wrote {path}"),
    "seed_development_only": _("seed-demo runs only with GONGHUI_ENV=development"),
    "seed_refused": _("seed-demo refused: the database is in use ({why}); use an empty database"),
    "rotation_stopped": _n(
        "stopped after re-encrypting {n} resident ID: member {member_id}: resident ID does not decrypt "
        "under any configured PII key; put the key it was encrypted with back into GONGHUI_PII_KEYS and run "
        "this again",
        "stopped after re-encrypting {n} resident IDs: member {member_id}: resident ID does not decrypt "
        "under any configured PII key; put the key it was encrypted with back into GONGHUI_PII_KEYS and run "
        "this again",
        "n",
    ),
    "rotated": _n("re-encrypted {n} resident ID", "re-encrypted {n} resident IDs", "n"),
    "semicolon": _("; "),
    "already_current": _n("{n} was already current", "{n} were already current", "n"),
    "audit_intact": _n("audit chain intact: {n} event", "audit chain intact: {n} events", "n"),
    "audit_unchained": _n(
        " ({n} event from before the chain began is not covered)",
        " ({n} events from before the chain began are not covered)",
        "n",
    ),
    "audit_broken_at": _n(
        "audit chain BROKEN at event {seq}: {n} event verified before it",
        "audit chain BROKEN at event {seq}: {n} events verified before it",
        "n",
    ),
    "audit_broken_head": _n(
        "audit chain BROKEN at its head: {n} event verified before it",
        "audit chain BROKEN at its head: {n} events verified before it",
        "n",
    ),
}


def _say(lang: str, key: str, **params: Any) -> str:
    from api.i18n import translate

    return translate(_CLI_TEXT[key], lang, params, names=False)


def _cli_lang(option: str | None) -> str:
    """A command's own ``--lang`` if given, else ``gonghui --lang``, else the locale (``LC_ALL``,
    ``LC_MESSAGES``, ``LANG``), as a language with a catalog (``zh``), else ``en``."""
    from api.i18n import locale_language

    return locale_language(option or _LANG)


if __name__ == "__main__":
    app()


audit_app = typer.Typer(help="The audit log.", no_args_is_help=True)
app.add_typer(audit_app, name="audit")


@audit_app.command("verify")
def audit_verify() -> None:
    """Recompute the audit log's hash chain: exit 1 at the first event that was rewritten, removed or
    inserted, or when the chain's head disagrees with its last event."""
    from api.db.session import Database, make_engine
    from api.services.audit_chain import verify

    settings = _settings()
    db = Database(make_engine(settings.database_url))
    try:
        with db.read_session() as session:
            verdict = verify(session)
    finally:
        db.engine.dispose()
    lang = _cli_lang(None)
    before = _say(lang, "audit_unchained", n=verdict.unchained) if verdict.unchained else ""
    if verdict.ok:
        typer.echo(_say(lang, "audit_intact", n=verdict.checked) + before)
        return
    if verdict.broken_at is not None:
        broken = _say(lang, "audit_broken_at", seq=verdict.broken_at, n=verdict.checked)
    else:
        broken = _say(lang, "audit_broken_head", n=verdict.checked)
    typer.echo(broken + before, err=True)
    raise typer.Exit(1)
