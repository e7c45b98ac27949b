"""Login throttling (issue 14 item 8; OWASP API2:2023 and API4:2023).

Failures are counted from the audit log itself (``auth.login_failed`` events, with the account tried
and the address it came from), so every worker process sees the same counts.

* Per **(account, address)**: after ``login_slowdown_after`` failures in the window, the pair must wait
  ``step * 2^n`` seconds (capped at ``login_slowdown_max_seconds``) after its last failure before the
  next attempt; earlier attempts are refused with 429 ``login_throttled`` and ``Retry-After``, without
  checking the password. Nothing ever locks the **account**: a stranger failing from their address
  slows down only themselves, while the owner logs in from theirs — what the large identity
  providers do, instead of the old hard lock that let anyone lock anyone out with 10 bad passwords.
* Per **address**: ``login_lockout_address`` failures in the window (password spraying across
  accounts) refuse that address with 429 ``login_locked`` until the oldest of them leaves the window.

Waiting is the client's: the server never sleeps (a sleeping worker is a denial of service in itself).
The address is the peer's, or the one a configured trusted proxy forwarded (``GONGHUI_TRUSTED_PROXIES``).
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, col, select

from api.config import Settings
from api.context import client_ip
from api.db.models import AuditEvent
from api.db.types import utcnow
from api.errors import TooManyRequests
from api.i18n import _, register

LOGIN_FAILED = "auth.login_failed"

register(
    {
        "login_throttled": _(
            "Too many failed logins for this account from your address; retry after {retry_after} s."
        ),
    }
)


def _failures(session: Session, *conditions: Any, limit: int) -> list[datetime]:
    stmt = (
        select(AuditEvent.at)
        .where(col(AuditEvent.action) == LOGIN_FAILED, *conditions)
        .order_by(col(AuditEvent.at).desc())
        .limit(limit)
    )
    return list(session.exec(stmt))


def backoff_seconds(settings: Settings, failures: int) -> float:
    """How long a pair with ``failures`` recent failures waits after the last one (0: no wait)."""
    excess = failures - settings.login_slowdown_after + 1
    if excess <= 0 or settings.login_slowdown_step_seconds <= 0:
        return 0.0
    return float(
        min(
            settings.login_slowdown_max_seconds,
            settings.login_slowdown_step_seconds * 2 ** min(excess - 1, 40),
        )
    )


def check(session: Session, settings: Settings, username: str) -> None:
    """Raise 429 if this attempt must wait; otherwise return (the password is then checked)."""
    now = utcnow()
    window = timedelta(seconds=settings.login_window_seconds)
    since = now - window
    ip = client_ip.get()
    recent = col(AuditEvent.at) >= since
    if ip:
        limit = settings.login_lockout_address
        by_address = _failures(session, col(AuditEvent.ip) == ip, recent, limit=limit)
        if len(by_address) >= limit:
            tipping = by_address[limit - 1]  # allowed again once it leaves the window
            raise TooManyRequests("login_locked", retry_after=_seconds(tipping + window - now))
    same_address = col(AuditEvent.ip) == ip if ip else col(AuditEvent.ip).is_(None)
    pair = _failures(session, col(AuditEvent.actor_label) == username, same_address, recent, limit=64)
    wait = backoff_seconds(settings, len(pair))
    if wait > 0:
        ready_at = pair[0] + timedelta(seconds=wait)
        if now < ready_at:
            raise TooManyRequests("login_throttled", retry_after=_seconds(ready_at - now))


def _seconds(delta: timedelta) -> int:
    return max(1, math.ceil(delta.total_seconds()))
