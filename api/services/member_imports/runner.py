"""The import job runner: count the file, then validate or write it in ONE transaction in batches
(:func:`run_import`), publishing progress as it goes; :func:`run_import_job` is the background entry point.

Writing is pipelined (:func:`_write_pass`): the database stores one batch (``COPY`` in a background
thread on PostgreSQL, :class:`api.db.bulk.BackgroundInserts`) while the next one is read, checked,
looked up and built.

* On PostgreSQL the on-record lookups run on a second connection of their own (:class:`_Planner`,
  autocommit: each lookup sees what is committed, as a lookup in the import's READ COMMITTED
  transaction does), one batch ahead in a thread of their own, so they wait neither for the ``COPY`` in
  flight nor hold up the caller; each batch is submitted as soon as it is built: the server stores
  batches back to back while Python prepares the next.
* Where there is no second connection (SQLite; a session bound to one connection, as in the test
  suite; an import run inside a request, which holds one pooled connection at a time) a batch is held
  until the next batch's lookups have run, so each lookup finds the connection free.

Lookups never need the rows the import itself has written: a row repeating an earlier row of the same
file (employee number or ID number) is refused by the file's duplicate tracker before it reaches them.
Updates of members on record are different (an ID number may move from one member to another within a
file): once a batch has updated members, the lookups of later batches go through the import's own
transaction, which sees those updates, exactly as in a serial run.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import date
from typing import Any

import sqlalchemy as sa
import structlog
from sqlmodel import Session

from api.config import Settings
from api.db.bulk import BackgroundInserts, PreparedInserts
from api.db.models import MemberImport, OrgUnit, User
from api.db.session import Database
from api.db.types import utcnow
from api.imports.gc_tuning import prompt_handoffs, relaxed_gc
from api.imports.members import (
    FileDuplicateTracker,
    MemberRowError,
    MemberRowOk,
    normalise_member_row,
)
from api.imports.readers import (
    ImportFileError,
    RawRow,
    count_rows,
    iter_rows,
)
from api.schemas.member_imports import ImportOnError, ImportPhase, ImportStatus
from api.security.pii import PiiVault
from api.security.principal import Principal
from api.services import audit
from api.services.member_core import MemberNumbers
from api.services.member_imports.planning import IMPORT, _Context, _Plan, load_context, plan_batch
from api.services.member_imports.processes import this_process
from api.services.member_imports.progress import ProgressCallback, _Progress, _Tally
from api.services.member_imports.writing import BatchRows, ConcurrentChange, apply_updates, build_rows

log = structlog.get_logger("gonghui.member_imports")

BATCH_SIZE = 1000


# --- running an import ----------------------------------------------------------------------------------


class _RowsInvalid(Exception):
    pass


def _batches(rows: Iterator[RawRow], size: int) -> Iterator[list[RawRow]]:
    batch: list[RawRow] = []
    for raw in rows:
        batch.append(raw)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


#: SQLite page cache of the import's connection, KiB (negative = KiB in PRAGMA cache_size)
SQLITE_IMPORT_CACHE_KIB = 64 * 1024


@contextlib.contextmanager
def _page_cache(session: Session) -> Iterator[None]:
    """A larger SQLite page cache while the import runs, the connection's own one restored afterwards.

    An import inserts into random-order unique indexes (ID hash, employee number) and keeps the whole
    file in one transaction; with the default 2 MB cache each batch read cold pages back from the WAL,
    and the rate fell with the file's size (docs/benchmarks.md "2. Bulk import").
    """
    if session.get_bind().dialect.name != "sqlite":
        yield
        return
    # the DB-API connection itself: the session hands its Connection back when it commits
    driver = session.connection().connection.dbapi_connection
    assert driver is not None
    before = driver.execute("PRAGMA cache_size").fetchone()[0]
    driver.execute(f"PRAGMA cache_size = -{SQLITE_IMPORT_CACHE_KIB}")
    try:
        yield
    finally:
        driver.execute(f"PRAGMA cache_size = {int(before)}")


class _Planner:
    """The file read, checked and planned batch by batch: iterating gives the plans of each batch (its
    failures go to ``tally``, in file order).

    Where the lookups run (module docstring): on PostgreSQL with a session bound to an engine, on a second
    connection (autocommit) and one batch ahead, in a thread of their own: while the caller writes a
    batch, the next one's lookups wait for the server's answers, and the one after is read and checked.
    Once the import has updated a member on record (:meth:`see_own_writes`) the lookups run in the import's
    own session, in the caller's thread, and a batch already planned beside it is planned again there.
    Otherwise (SQLite; a session bound to one connection; ``lookahead=False``, an import run inside a
    request, which must not hold two pooled connections at once) each batch is planned in the caller's
    thread, in the import's session.
    """

    def __init__(
        self,
        session: Session,
        ctx: _Context,
        file_path: str,
        filename: str,
        tally: _Tally,
        *,
        lookahead: bool,
    ):
        self.own = session
        self._ctx, self._tally = ctx, tally
        self._file_path, self._filename = file_path, filename
        self._side: Session | None = None
        self._thread: ThreadPoolExecutor | None = None
        self._pending: _Pending | None = None
        bind = session.get_bind()
        if lookahead and isinstance(bind, sa.Engine) and bind.dialect.name == "postgresql":
            self._side = Session(bind.execution_options(isolation_level="AUTOCOMMIT"))
            self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="gonghui-lookups")

    @property
    def separate(self) -> bool:
        """Whether lookups run beside the import's connection (then they need not wait for its writes)."""
        return self._side is not None

    def __iter__(self) -> Iterator[list[_Plan]]:
        for checked in _checked(self._ctx, self._file_path, self._filename):
            previous, self._pending = self._pending, checked
            plans = None if previous is None else self._finish(previous)
            if self._thread is not None and self._side is not None:  # look up while the caller writes
                checked.future = self._thread.submit(plan_batch, self._side, self._ctx, checked.good)
            if plans is not None:
                yield plans
            if self._thread is None:  # no look-ahead (any more): plan this batch now
                self._pending = None
                yield self._finish(checked)
        last, self._pending = self._pending, None
        if last is not None:
            yield self._finish(last)

    def _finish(self, checked: _Pending) -> list[_Plan]:
        """The batch's plans: from its lookups beside the import, or planned now in the import's session.
        Its failures, then its plans, go to the tally."""
        if checked.future is not None:
            plans, errors = checked.future.result()
        else:
            plans, errors = plan_batch(self.own, self._ctx, checked.good)
        tally = self._tally
        for failure in checked.failures:
            tally.fail(failure)
        for error in errors:
            tally.fail(error)
        tally.count(plans)
        tally.rows += checked.size
        return plans

    def see_own_writes(self) -> None:
        """From now on look up through the import's own transaction, which sees what it has written; a
        batch being looked up beside it is looked up again."""
        pending = self._pending
        if pending is not None and pending.future is not None:
            with contextlib.suppress(Exception):  # its plans are not used; an error will recur if real
                pending.future.result()
            pending.future = None
        self.close()

    def close(self) -> None:
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.shutdown(wait=True, cancel_futures=True)
        side, self._side = self._side, None
        if side is not None:
            side.close()

    def __enter__(self) -> _Planner:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


class _Pending:
    """A read and checked batch: its rows for planning, the rows that failed the file's checks."""

    __slots__ = ("failures", "future", "good", "size")

    def __init__(self, size: int, good: list[MemberRowOk], failures: list[MemberRowError]):
        self.size, self.good, self.failures = size, good, failures
        self.future: Future[Any] | None = None


def _checked(ctx: _Context, file_path: str, filename: str) -> Iterator[_Pending]:
    """Read and check the file batch by batch (no database): each row normalised, then against the
    file's earlier rows."""
    tracker = FileDuplicateTracker()
    for batch in _batches(iter_rows(file_path, filename), BATCH_SIZE):
        checked = _Pending(len(batch), [], [])
        for raw in batch:
            row = tracker.check(normalise_member_row(raw, today=ctx.today))
            if isinstance(row, MemberRowError):
                checked.failures.append(row)
            else:
                checked.good.append(row)
        yield checked


def _write_pass(
    session: Session,
    ctx: _Context,
    file_path: str,
    filename: str,
    tally: _Tally,
    *,
    abort: bool,
    lookahead: bool,
    on_batch: Callable[[], None],
) -> None:
    """Plan and write the whole file in the session's transaction, pipelined (module docstring).

    Per batch: its plans, then the database work that must precede the next lookups (member-number
    counters, updates of members on record), then its rows are built and submitted: at once when the
    lookups run beside the import, otherwise after the next batch's lookups (the batch is held
    meanwhile). With ``abort``, nothing more is written after the first failed row (the caller rolls
    back). No commit.
    """
    numbers = MemberNumbers()
    held: PreparedInserts | None = None
    with (
        _Planner(session, ctx, file_path, filename, tally, lookahead=lookahead) as planner,
        BackgroundInserts(session, BatchRows.TABLES) as inserts,
    ):
        for plans in planner:
            if abort and tally.failed:
                held = None
            else:
                numbers.reserve(session, {p.grassroots_id for p in plans if p.action == "created"})
                if apply_updates(session, ctx, plans):
                    planner.see_own_writes()
                if held is not None:
                    inserts.submit(held)
                    held = None
                batch = inserts.prepare(build_rows(ctx, plans, numbers.take).inserts())
                if planner.separate:
                    inserts.submit(batch)
                else:
                    held = batch
            on_batch()
        if held is not None and not (abort and tally.failed):
            inserts.submit(held)
    numbers.flush(session)


def _actor(session: Session, user_id: uuid.UUID | None) -> Principal | None:
    user = session.get(User, user_id) if user_id else None
    if user is None:
        return None
    return Principal(
        user_id=user.id,
        username=user.username,
        kind=user.kind,
        org_unit_id=user.org_unit_id,
        member_id=user.member_id,
        grants=(),
    )


def _finish(db: Database, import_id: uuid.UUID, **values: Any) -> None:
    with db.write_session() as s:
        s.execute(
            sa.update(IMPORT).where(IMPORT.c.id == import_id).values({"finished_at": utcnow(), **values})
        )
        s.commit()


def _count(file_path: str, filename: str) -> int:
    """The counting pass: reads the file once without normalising (cheap), so progress has a total and a
    damaged header or encoding is found before any transaction is opened."""
    return count_rows(file_path, filename)


@relaxed_gc()  # a tenth of an import's time went to collector passes that found nothing
@prompt_handoffs()  # the background COPY thread gets the GIL back promptly when the server answers
def run_import(
    db: Database,
    import_id: uuid.UUID,
    file_path: str,
    settings: Settings,
    *,
    actor_label: str | None = None,
    on_progress: ProgressCallback | None = None,
    lookahead: bool = True,
) -> None:
    """Run a queued import job to the end; never raises (the job records how it ended).

    A dry run validates in a read-only session. A real run validates and writes batch by batch in ONE
    transaction; with ``on_error=abort`` it stops writing at the first failed row, keeps validating for
    the report, and rolls everything back. ``lookahead=False`` keeps the lookups in the import's own
    session (:class:`_Planner`): an import run inside a request holds one pooled connection at a time.
    """
    with db.read_session() as s:
        job = s.get(MemberImport, import_id)
        if job is None:
            return
        unit = s.get(OrgUnit, job.org_unit_id)
    assert unit is not None
    vault = PiiVault.from_settings(settings)
    progress = _Progress(db, import_id, on_progress)
    today = date.today()
    abort = job.on_error == ImportOnError.abort
    _finish(
        db,
        import_id,
        status=ImportStatus.running.value,
        started_at=utcnow(),
        finished_at=None,
        runner=this_process(),
    )
    tally = _Tally()
    total: int | None = None
    try:
        progress(ImportPhase.counting, 0, None, commit=False)
        total = _count(file_path, job.filename)
        if job.dry_run:
            with db.read_session() as session:
                ctx = load_context(session, unit, vault, actor_id=job.created_by_id, today=today)
                with _Planner(session, ctx, file_path, job.filename, tally, lookahead=lookahead) as planner:
                    for _ in planner:
                        progress(ImportPhase.validating, tally.rows, total)
            _finish(  # a dry run writes nothing: what it would do is in the report's ``planned``
                db,
                import_id,
                status=ImportStatus.succeeded.value,
                rows_total=total,
                rows_done=tally.rows,
                failed_count=tally.failed,
                report=tally.report(planned=tally.counts()),
            )
            return
        progress(ImportPhase.writing, 0, total)
        # SQLite cannot commit progress from another connection while this transaction holds the write lock
        commit_progress = db.dialect != "sqlite"
        with db.write_session() as session, _page_cache(session):
            ctx = load_context(session, unit, vault, actor_id=job.created_by_id, today=today)
            _write_pass(
                session,
                ctx,
                file_path,
                job.filename,
                tally,
                abort=abort,
                lookahead=lookahead,
                on_batch=lambda: progress(ImportPhase.writing, tally.rows, total, commit=commit_progress),
            )
            if abort and tally.failed:
                raise _RowsInvalid()  # leaving the block rolls back what was written before the first failure
            audit.record(
                session,
                _actor(session, job.created_by_id),
                "member_import.completed",
                entity_type="member_import",
                entity_id=import_id,
                org_unit_id=job.org_unit_id,
                changes={
                    "after": {
                        **tally.counts(),
                        "rows": tally.rows,
                        "on_error": job.on_error,
                        "file_format": job.file_format,
                    }
                },
                actor_label=actor_label,
            )
            session.execute(
                sa.update(IMPORT)
                .where(IMPORT.c.id == import_id)
                .values(
                    status=ImportStatus.succeeded.value,
                    rows_total=total,
                    rows_done=tally.rows,
                    created_count=tally.created,
                    updated_count=tally.updated,
                    unchanged_count=tally.unchanged,
                    failed_count=tally.failed,
                    report=tally.report(),
                    finished_at=utcnow(),
                )
            )
            session.commit()
    except _RowsInvalid:
        _finish(
            db,
            import_id,
            status=ImportStatus.failed.value,
            rows_total=total,
            rows_done=tally.rows,
            failed_count=tally.failed,
            error_code="import_rows_invalid",
            report=tally.report(planned=tally.counts()),
        )
    except ImportFileError as exc:
        _finish(
            db,
            import_id,
            status=ImportStatus.failed.value,
            error_code=f"import_{exc.code}",
            rows_total=total,
            report={
                "phase": ImportPhase.done.value,
                "errors": [],
                "errors_total": 0,
                "detail": exc.detail,
                "detail_text": exc.text.as_json(),
            },
        )
    except ConcurrentChange:
        _finish(
            db,
            import_id,
            status=ImportStatus.failed.value,
            error_code="import_concurrent_change",
            rows_total=total,
            report=tally.report(),
        )
    except Exception:
        log.exception("member_import_crashed", import_id=str(import_id))
        _finish(
            db,
            import_id,
            status=ImportStatus.failed.value,
            error_code="internal_error",
            rows_total=total,
            report=tally.report(),
        )
    finally:
        progress.clear()


def run_import_job(db: Database, import_id: uuid.UUID, file_path: str, settings: Settings) -> None:
    """Background entry point: ids and a path in, the temp file removed afterwards."""
    try:
        run_import(db, import_id, file_path, settings)
    finally:
        remove_file(file_path)


def remove_file(path: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)
