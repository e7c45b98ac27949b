"""An import's report and its progress: the tally of rows (errors up to :data:`MAX_REPORTED_ERRORS`,
never a value from the file) and the progress shared between the import thread and readers
(:func:`live_progress`; kept in process memory, since SQLite cannot commit progress while the import
holds its write lock). The job row gets it at most every :data:`PROGRESS_COMMIT_SECONDS` within a phase,
for readers in other processes (and at once for a new phase and for its first rows done).
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from api.db.session import Database
from api.i18n import SOURCE_LANGUAGE, translate
from api.imports.members import (
    KIND_MESSAGES,
    FieldError,
    MemberRowError,
)
from api.schemas.member_imports import ImportPhase
from api.services.member_imports.planning import DB_KIND_MESSAGES, IMPORT, _Plan

MAX_REPORTED_ERRORS = 1000

#: at most one commit of an import's progress to its job row per this many seconds within a phase (a
#: commit per batch of 1,000 rows cost ~3 % of an import's CPU); a new phase is committed at once
PROGRESS_COMMIT_SECONDS = 1.0


# --- the report -----------------------------------------------------------------------------------------


def _row_error(row_number: int, fe: FieldError) -> dict[str, Any]:
    text = DB_KIND_MESSAGES.get(fe.kind) or KIND_MESSAGES.get(fe.kind) or fe.message
    # the readers' detail may quote parts of the value (e.g. the birth date inside an ID): for the ID
    # column only the generic text is used, except for "repeats row N" which names no value
    message = fe.message if fe.field != "national_id" or fe.kind.startswith("dup_") else text
    return {
        "row": row_number,
        "field": fe.field,
        "kind": fe.kind,
        "message": message,
        "message_zh": translate(text, "zh"),
    }


def row_error_message(error: dict[str, Any], lang: str) -> str:
    """A stored row error (see :func:`_row_error`) in ``lang``: its English, or its kind's message."""
    if lang == SOURCE_LANGUAGE:
        return str(error["message"])
    text = DB_KIND_MESSAGES.get(error["kind"]) or KIND_MESSAGES.get(error["kind"])
    return translate(text, lang) if text else str(error.get("message_zh") or error["message"])


@dataclass(slots=True)
class _Tally:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0
    rows: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    errors_total: int = 0

    def fail(self, error: MemberRowError) -> None:
        self.failed += 1
        for fe in error.errors:
            self.errors_total += 1
            if len(self.errors) < MAX_REPORTED_ERRORS:
                self.errors.append(_row_error(error.row_number, fe))

    def count(self, plans: Iterable[_Plan]) -> None:
        for p in plans:
            setattr(self, p.action, getattr(self, p.action) + 1)

    def counts(self) -> dict[str, int]:
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "failed": self.failed,
        }

    def report(
        self, *, planned: dict[str, int] | None = None, phase: str = ImportPhase.done.value
    ) -> dict[str, Any]:
        self.errors.sort(key=lambda e: e["row"])
        return {
            "phase": phase,
            "errors": self.errors,
            "errors_total": self.errors_total,
            "errors_truncated": self.errors_total > len(self.errors),
            "planned": planned,
        }


# --- progress -------------------------------------------------------------------------------------------

_live: dict[uuid.UUID, tuple[str, int, int | None]] = {}
_live_lock = threading.Lock()

ProgressCallback = Callable[[str, int, int | None], None]


class _Progress:
    """Progress to process memory (always) and to the job row from a separate session (when it can)."""

    def __init__(self, db: Database, import_id: uuid.UUID, callback: ProgressCallback | None):
        self.db = db
        self.import_id = import_id
        self.callback = callback
        self._committed: tuple[ImportPhase, bool, float] | None = (
            None  # the last commit: phase, any rows, when
        )

    def __call__(self, phase: ImportPhase, done: int, total: int | None, *, commit: bool = True) -> None:
        with _live_lock:
            _live[self.import_id] = (phase.value, done, total)
        if self.callback:
            self.callback(phase.value, done, total)
        now = time.monotonic()
        if commit and self._committed is not None and self._committed[:2] == (phase, done > 0):
            commit = now - self._committed[2] >= PROGRESS_COMMIT_SECONDS
        if commit:
            self._committed = (phase, done > 0, now)
            with self.db.write_session() as s:
                s.execute(
                    sa.update(IMPORT)
                    .where(IMPORT.c.id == self.import_id)
                    .values(rows_done=done, rows_total=total, report={"phase": phase.value})
                )
                s.commit()

    def clear(self) -> None:
        with _live_lock:
            _live.pop(self.import_id, None)


def live_progress(import_id: uuid.UUID) -> tuple[str, int, int | None] | None:
    with _live_lock:
        return _live.get(import_id)
