"""Limits around member imports (issue 14 items 7 and 10): how many run at once, and the upload files a
crashed process leaves behind.

* :func:`check_capacity`: at most ``max_imports_per_unit`` unfinished imports (queued or running, dry
  runs included, started in the last 6 hours) per target unit and ``max_imports_total`` in all; beyond,
  429 ``import_busy`` with ``Retry-After``. Counted in the database, so every worker process sees them.
* Upload files are plaintext HR exports (resident IDs); they live in the temp directory only while their
  job runs, named after the process that owns them (:func:`upload_prefix`). :func:`sweep_orphans`, run at
  start, removes those of processes that no longer exist (a crash or a kill skips the normal removal).
"""

from __future__ import annotations

import os
import re
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa
from sqlmodel import Session, col, select

from api.config import Settings
from api.db.models import MemberImport
from api.db.types import utcnow
from api.errors import TooManyRequests
from api.i18n import _, register

UNFINISHED = ("queued", "running")
PREFIX = "gonghui-import-"
_OWNED = re.compile(re.escape(PREFIX) + r"(\d+)-")
RETRY_AFTER_SECONDS = 10
STALE_AFTER = timedelta(hours=6)
LEGACY_MAX_AGE_SECONDS = 24 * 3600

register(
    {
        "import_busy": _("Too many imports are running; retry after {retry_after} s."),
    }
)


def check_capacity(session: Session, settings: Settings, unit_id: object) -> None:
    # jobs older than STALE_AFTER no longer count: a process on another host that died leaves its job
    # "running" until that host starts again (reap_interrupted), and must not block the unit for ever
    unfinished = sa.and_(
        col(MemberImport.status).in_(UNFINISHED), col(MemberImport.created_at) >= utcnow() - STALE_AFTER
    )
    per_unit, total = session.execute(
        select(
            sa.func.count().filter(col(MemberImport.org_unit_id) == unit_id),
            sa.func.count(),
        )
        .select_from(MemberImport)
        .where(unfinished)
    ).one()
    if per_unit >= settings.max_imports_per_unit or total >= settings.max_imports_total:
        raise TooManyRequests("import_busy", retry_after=RETRY_AFTER_SECONDS)


def upload_prefix() -> str:
    """Temp-file prefix of this process's uploads: ``gonghui-import-<pid>-``."""
    return f"{PREFIX}{os.getpid()}-"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, another user's
        return True
    return True


def sweep_orphans(directory: str | None = None, *, now: float | None = None) -> int:
    """Remove upload files of processes that have ended, and files of the old naming (no owner) once
    they are a day old: another process may still be importing them. Returns how many were removed."""
    removed = 0
    cutoff = (now if now is not None else time.time()) - LEGACY_MAX_AGE_SECONDS
    for path in Path(directory or tempfile.gettempdir()).glob(PREFIX + "*"):
        owner = _OWNED.match(path.name)
        try:
            if owner:
                if int(owner.group(1)) == os.getpid() or _alive(int(owner.group(1))):
                    continue
            elif path.stat().st_mtime > cutoff:
                continue
            path.unlink()
            removed += 1
        except OSError:
            pass
    return removed
