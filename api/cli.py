"""The ``gonghui`` command: serve, migrate, create-admin, bootstrap, seed-demo, openapi, import-members,
new-pii-key, rotate-pii-keys."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from sqlmodel import col

app = typer.Typer(
    help="gonghui: API backend for running a trade union.", no_args_is_help=True, add_completion=False
)

ROOT_CODE = "ROOT"
ROOT_NAME = "总工会"
OPENAPI_PATH = Path("openapi/openapi.json")


def _settings():
    from api.config import get_settings

    return get_settings()


@app.command()
def migrate(revision: Annotated[str, typer.Argument(help="Target revision.")] = "head") -> None:
    """Upgrade the database schema (Alembic) to REVISION."""
    from api.db import migrate as m

    m.upgrade(_settings().database_url, revision=revision)
    typer.echo(f"database at {revision}: {_settings().database_url}")


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
                raise typer.BadParameter(f"no org unit with code {org}", param_hint="--org")
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
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        created, _ = _ensure_admin(username, password, org)
    except AppError as exc:  # e.g. a weak password: say why instead of a traceback
        typer.echo(message(exc.code, "en", exc.params), err=True)
        raise typer.Exit(1) from None
    if not created:
        typer.echo(f"user {username} exists already", err=True)
        raise typer.Exit(1)
    typer.echo(f"admin {username} created")


@app.command()
def bootstrap(
    username: Annotated[str, typer.Option(help="First admin's login name.")] = "admin",
) -> None:
    """Migrate, and on a database with no users create a first admin with a one-time password."""
    from sqlmodel import select

    from api.db.models import User
    from api.db.session import Database, make_engine

    migrate()
    db = Database(make_engine(_settings().database_url))
    with db.read_session() as session:
        has_users = session.exec(select(User.id).limit(1)).first() is not None
    if has_users:
        typer.echo("users exist already; log in with your account (gonghui create-admin makes another admin)")
        return
    _, shown = _ensure_admin(username, None, None)
    typer.echo("")
    typer.echo("  First admin account created.")
    typer.echo(f"  Log in at http://127.0.0.1:8000/docs (Authorize) as {username} / {shown}")
    typer.echo("  This one-time password must be changed first: POST /api/v1/auth/password")
    typer.echo("")


@app.command()
def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: int = 1,
    reload: bool = False,
) -> None:
    """Run the API under uvicorn."""
    import uvicorn

    uvicorn.run(
        "api.main:app",
        host=host,
        port=port,
        workers=workers,
        reload=reload,
        proxy_headers=True,
        access_log=False,
    )


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
            typer.echo(f"{output} is out of date: run `gonghui openapi`", err=True)
            raise typer.Exit(1)
        return
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text, encoding="utf-8")
    typer.echo(f"wrote {output}")


def render_openapi(application) -> str:
    return json.dumps(application.openapi(), ensure_ascii=False, indent=2, sort_keys=False) + "\n"


@app.command("seed-demo")
def seed_demo(
    members: Annotated[int, typer.Option(help="How many members to create.")] = 300,
) -> None:
    """Fill an empty database with a realistic demo (development only: demo passwords are printed)."""
    from api.config import Env
    from api.demo import seed

    if _settings().env is not Env.development:
        typer.echo("seed-demo runs only with GONGHUI_ENV=development", err=True)
        raise typer.Exit(1)
    migrate()
    for line in seed(_settings().database_url, members=members):
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

    settings = _settings()
    db = Database(make_engine(settings.database_url))
    try:
        result = rotate_national_ids(db, PiiVault.from_settings(settings), batch_size=batch_size)
    except UndecryptableId as exc:
        typer.echo(
            f"stopped after re-encrypting {exc.done.rewritten} resident IDs: {exc}; put the key it was "
            "encrypted with back into GONGHUI_PII_KEYS and run this again",
            err=True,
        )
        raise typer.Exit(1) from None
    finally:
        db.engine.dispose()
    typer.echo(f"re-encrypted {result.rewritten} resident IDs; {result.current} were already current")


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
) -> None:
    """Import members from an HR file with a progress bar (audited as "cli"); exit 1 if it failed."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from api.db.session import Database, make_engine
    from api.errors import AppError
    from api.schemas.member_imports import ImportOnError
    from api.services import member_imports

    if on_error not in {"abort", "skip"}:
        raise typer.BadParameter("abort or skip", param_hint="--on-error")
    settings = _settings()
    db = Database(make_engine(settings.database_url))
    member_imports.reap_interrupted(db)  # e.g. an earlier run of this command that was killed
    labels = {"validating": "checking rows", "writing": "writing members"}
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
            detail = exc.params.get("detail") or (
                "no org unit with this code" if exc.code == "not_found" else ""
            )
            typer.echo(f"import refused: {exc.code} {detail}".rstrip(), err=True)
            raise typer.Exit(1) from None
    report = job.get("report") or {}
    typer.echo(
        f"{job['status']}{' (dry run)' if dry_run else ''}: {job['rows_total'] or 0} rows, "
        f"created {job['created_count']}, updated {job['updated_count']}, unchanged "
        f"{job['unchanged_count']}, "
        f"failed {job['failed_count']}" + (f" [{job['error_code']}]" if job["error_code"] else "")
    )
    for error in report.get("errors", [])[:100]:
        typer.echo(f"  row {error['row']}: {error['field']}: {error['kind']} ({error['message']})")
    if report.get("errors_total", 0) > 100:
        typer.echo(f"  ... {report['errors_total'] - 100} more")
    if report.get("detail"):
        typer.echo(f"  {report['detail']}")
    if job["status"] != "succeeded":
        raise typer.Exit(1)


if __name__ == "__main__":
    app()
