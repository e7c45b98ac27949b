"""Import jobs as use cases: store an upload, check its header, create a job and run it inline or in the
background (:func:`start_import`, used by the router and the CLI), read and list jobs, and
:func:`import_file_as_system` for scripted imports.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import PurePath
from typing import IO, Any, Literal

from sqlmodel import Session, col, select

from api.config import Settings
from api.db.models import MemberImport, OrgUnit
from api.db.session import Database
from api.errors import AppError, NotFound, RuleViolation
from api.i18n import SOURCE_LANGUAGE, Text
from api.imports.readers import (
    ImportFileError,
    detect_format,
    iter_rows,
)
from api.schemas.member_imports import ImportOnError, ImportPhase, ImportStatus
from api.security.principal import Principal
from api.services.import_guard import upload_prefix
from api.services.member_imports.processes import this_process
from api.services.member_imports.progress import ProgressCallback, live_progress
from api.services.member_imports.runner import remove_file, run_import, run_import_job
from api.services.pagination import keyset
from api.services.scope import in_scope

#: uploads up to this size run inline (201 with the finished job); larger ones in the background (202)
INLINE_MAX_BYTES = 512 * 1024
MAX_UPLOAD_BYTES = 200 * 1024 * 1024
_CHUNK = 1024 * 1024


class PayloadTooLarge(AppError):
    status, code = 413, "import_file_too_large"


class InflatesTooLarge(AppError):
    status, code = 413, "import_uncompressed_too_large"


# --- jobs: upload, create, read -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StoredUpload:
    path: str
    sha256: str
    size: int
    filename: str
    file_format: str


def store_upload(source: IO[bytes], filename: str | None) -> StoredUpload:
    """Copy an upload to a temp file in chunks, hashing it on the way (the file never enters the DB)."""
    name = PurePath((filename or "").replace("\\", "/")).name.strip()[:255] or "upload"
    try:
        file_format = detect_format(name)
    except ImportFileError as exc:
        raise RuleViolation("import_unsupported_format", field="file", detail=exc.text) from None
    digest = hashlib.sha256()
    size = 0
    fd, path = tempfile.mkstemp(prefix=upload_prefix(), suffix=PurePath(name).suffix.lower())
    try:
        with os.fdopen(fd, "wb") as out:
            while chunk := source.read(_CHUNK):
                size += len(chunk)
                if size > MAX_UPLOAD_BYTES:
                    raise PayloadTooLarge(limit_mb=MAX_UPLOAD_BYTES // (1024 * 1024))
                digest.update(chunk)
                out.write(chunk)
    except BaseException:
        remove_file(path)
        raise
    return StoredUpload(path, digest.hexdigest(), size, name, file_format)


def check_header(upload: StoredUpload) -> None:
    """Refuse at once a file whose header is unusable (422), rather than queueing a job bound to fail."""
    try:
        next(iter_rows(upload.path, upload.filename), None)
    except ImportFileError as exc:
        if exc.code == "uncompressed_too_large":
            raise InflatesTooLarge(detail=exc.text) from None
        raise RuleViolation(f"import_{exc.code}", field="file", detail=exc.text) from None


def import_unit(session: Session, code: str, roots: list[uuid.UUID]) -> OrgUnit:
    """The unit an import or upsert targets, inside the caller's scope; anything else is not found."""
    unit = session.exec(
        select(OrgUnit).where(col(OrgUnit.code) == code.strip(), in_scope(col(OrgUnit.id), roots))
    ).first()
    if unit is None:
        raise NotFound()
    if unit.status != "active":
        raise RuleViolation("org_unit_closed", field="org_unit", code=unit.code)
    return unit


def find_existing(
    session: Session,
    *,
    user_id: uuid.UUID | None,
    key: str,
    upload: StoredUpload,
    unit_id: uuid.UUID,
    dry_run: bool,
    on_error: ImportOnError,
) -> MemberImport | None:
    """Idempotency: the same user, key and file give back the last job; the key with another request is
    422. A job that failed is not an answer to keep: the retry runs (a new job under the same key)."""
    job = session.exec(
        select(MemberImport)
        .where(MemberImport.created_by_id == user_id, MemberImport.idempotency_key == key)
        .order_by(col(MemberImport.created_at).desc())
    ).first()
    if job is None:
        return None
    if (job.file_hash, job.org_unit_id, job.dry_run, job.on_error) != (
        upload.sha256,
        unit_id,
        dry_run,
        on_error.value,
    ):
        raise RuleViolation("idempotency_key_reused", field="Idempotency-Key")
    if job.status == ImportStatus.failed.value:
        return None  # a failed job is not an answer to keep: the retry runs (a new job, same key)
    return job


def create_job(
    session: Session,
    *,
    unit: OrgUnit,
    upload: StoredUpload,
    dry_run: bool,
    on_error: ImportOnError,
    key: str | None,
    by: uuid.UUID | None,
) -> MemberImport:
    job = MemberImport(
        org_unit_id=unit.id,
        filename=upload.filename,
        file_format=upload.file_format,
        file_hash=upload.sha256,
        idempotency_key=key,
        dry_run=dry_run,
        on_error=on_error.value,
        created_by_id=by,
        report={"phase": ImportPhase.queued.value},
        runner=this_process(),
    )
    session.add(job)
    session.commit()
    return job


def get_in_scope(session: Session, import_id: uuid.UUID, principal: Principal) -> MemberImport:
    job = session.exec(
        select(MemberImport).where(
            col(MemberImport.id) == import_id, in_scope(col(MemberImport.org_unit_id), principal.units_for())
        )
    ).first()
    if job is None:
        raise NotFound()
    return job


def list_jobs(
    session: Session, principal: Principal, *, limit: int, cursor: str | None
) -> tuple[list[MemberImport], str | None]:
    """Newest first; the (potentially long) report is left out of list items."""
    stmt = select(MemberImport).where(in_scope(col(MemberImport.org_unit_id), principal.units_for()))
    return keyset(session, stmt, keys=[col(MemberImport.id)], limit=limit, cursor=cursor, descending=True)


def view(job: MemberImport, lang: str = SOURCE_LANGUAGE) -> dict[str, Any]:
    """The job as the API shows it, with live progress while it runs (a file problem's ``detail`` in
    ``lang``)."""
    data = {k: getattr(job, k) for k in MemberImport.model_fields}
    report = dict(job.report or {})
    data["phase"] = report.pop("phase", ImportPhase.queued.value)
    if "detail_text" in report:
        report["detail"] = Text.from_json(report["detail_text"]).render(lang)  # (the model drops the JSON)
    data["report"] = report if "errors" in report or "detail" in report else None
    if job.status == ImportStatus.running:
        live = live_progress(job.id)
        if live:
            data["phase"], data["rows_done"], data["rows_total"] = live
    return data


#: how :func:`start_import` ended: an earlier job (same Idempotency-Key and file), a job run to the end
#: inline, or a job queued to run in the background
StartOutcome = Literal["existing", "finished", "queued"]
#: runs ``fn(*args)`` after the response has gone (``BackgroundTasks.add_task`` in the router)
Schedule = Callable[..., None]


@dataclass(frozen=True, slots=True)
class ImportStarted:
    job: dict[str, Any]
    outcome: StartOutcome


def start_import(
    session: Session,
    db: Database,
    settings: Settings,
    *,
    source: IO[bytes],
    filename: str | None,
    unit: OrgUnit,
    dry_run: bool,
    on_error: ImportOnError,
    key: str | None,
    by: uuid.UUID | None,
    schedule: Schedule | None = None,
    actor_label: str | None = None,
    on_progress: ProgressCallback | None = None,
) -> ImportStarted:
    """The import use case, for the API and the CLI: store the upload, answer a repeated Idempotency-Key
    with the earlier job, check the header, create the job, then run it.

    Files up to :data:`INLINE_MAX_BYTES` (every file when there is no ``schedule``) run to the end here;
    larger ones are handed to ``schedule`` with :func:`run_import_job`. The stored upload is removed
    whatever happens. ``unit`` comes from :func:`import_unit` (the API: within the caller's scope) or
    :func:`system_import_unit` (the CLI).
    """
    session.commit()  # nothing written: ends the transaction so the upload is not copied under a lock
    upload = store_upload(source, filename)
    inline = schedule is None or upload.size <= INLINE_MAX_BYTES
    try:
        if key:
            existing = find_existing(
                session,
                user_id=by,
                key=key,
                upload=upload,
                unit_id=unit.id,
                dry_run=dry_run,
                on_error=on_error,
            )
            if existing is not None:
                remove_file(upload.path)
                return ImportStarted(view(existing), "existing")
        check_header(upload)
        job = create_job(
            session, unit=unit, upload=upload, dry_run=dry_run, on_error=on_error, key=key, by=by
        )
    except BaseException:
        remove_file(upload.path)
        raise
    if inline or schedule is None:
        try:
            run_import(
                db,
                job.id,
                upload.path,
                settings,
                actor_label=actor_label,
                on_progress=on_progress,
                # in a request (small uploads) one pooled connection at a time: no lookups beside it
                lookahead=schedule is None,
            )
        finally:
            remove_file(upload.path)
        session.refresh(job)
        return ImportStarted(view(job), "finished")
    schedule(run_import_job, db, job.id, upload.path, settings)
    return ImportStarted(view(job), "queued")


def system_import_unit(session: Session, code: str) -> OrgUnit:
    """The unit a system (CLI) import targets, by code, in any scope; closed units refuse imports."""
    unit = session.exec(select(OrgUnit).where(OrgUnit.code == code.strip())).first()
    if unit is None:
        raise NotFound()
    if unit.status != "active":
        raise RuleViolation("org_unit_closed", field="org_unit", code=unit.code)
    return unit


def import_file_as_system(
    db: Database,
    settings: Settings,
    *,
    path: str | os.PathLike[str],
    org_code: str,
    dry_run: bool = False,
    on_error: ImportOnError = ImportOnError.abort,
    actor_label: str = "cli",
    on_progress: ProgressCallback | None = None,
) -> dict[str, Any]:
    """The CLI's import: :func:`start_import` run by the system (audited under ``actor_label``), always
    inline."""
    with db.write_session() as session, open(path, "rb") as source:
        unit = system_import_unit(session, org_code)
        started = start_import(
            session,
            db,
            settings,
            source=source,
            filename=os.fspath(path),
            unit=unit,
            dry_run=dry_run,
            on_error=on_error,
            key=None,
            by=None,
            actor_label=actor_label,
            on_progress=on_progress,
        )
        return started.job
