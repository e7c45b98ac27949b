"""A rate limit on full resident-ID reads (issue 14 item 10; OWASP API6:2023, unrestricted access to
sensitive business flows): an officer's account harvesting ID numbers one member after another.

Reads are counted per user from the audit log (``member.national_id_read``, written with every read),
so every worker process sees the same count. Past ``national_id_reads_per_window`` reads in
``national_id_read_window_seconds``, further reads are refused with 429 ``national_id_reads_throttled``
and one ``member.national_id_reads_throttled`` audit event per window alerts the auditors.
"""

from __future__ import annotations

import math
from datetime import timedelta

import sqlalchemy as sa
from sqlmodel import Session, col, select

from api.config import Settings
from api.db.models import AuditEvent
from api.db.types import utcnow
from api.errors import TooManyRequests
from api.i18n import _, register
from api.security.principal import Principal
from api.services import audit

READ = "member.national_id_read"
ALERT = "member.national_id_reads_throttled"

register(
    {
        "national_id_reads_throttled": _(
            "Too many full resident-ID reads; retry after {retry_after} s. The auditors have been notified."
        ),
    }
)


def check(session: Session, settings: Settings, by: Principal) -> None:
    """Raise 429 (and alert once per window) when ``by`` has used up the reads of the window."""
    now = utcnow()
    window = timedelta(seconds=settings.national_id_read_window_seconds)
    limit = settings.national_id_reads_per_window
    mine = col(AuditEvent.actor_id) == by.user_id
    recent = list(
        session.exec(
            select(AuditEvent.at)
            .where(mine, col(AuditEvent.action) == READ, col(AuditEvent.at) >= now - window)
            .order_by(col(AuditEvent.at).desc())
            .limit(limit)
        )
    )
    if len(recent) < limit:
        return
    retry_after = max(1, math.ceil((recent[-1] + window - now).total_seconds()))
    alerted = session.execute(
        select(sa.func.count())
        .select_from(AuditEvent)
        .where(mine, col(AuditEvent.action) == ALERT, col(AuditEvent.at) >= now - window)
    ).scalar_one()
    if not alerted:
        audit.record(
            session,
            by,
            ALERT,
            entity_type="user",
            entity_id=by.user_id,
            org_unit_id=by.org_unit_id,
            changes={
                "after": {"reads": len(recent), "window_seconds": settings.national_id_read_window_seconds}
            },
        )
        session.commit()
    raise TooManyRequests("national_id_reads_throttled", retry_after=retry_after)
