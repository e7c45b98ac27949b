"""The audit log as a hash chain (issue 14 item 10): any rewrite, removal or insertion is detectable.

The database refuses UPDATE, DELETE and REPLACE on ``audit_event`` (migrations 0001 and 0010); the chain
makes tampering that gets past it (a superuser, a restored backup, direct file edits) visible. Each event
gets the next ``seq`` and ``chain_hash = SHA-256(previous chain_hash + canonical JSON of the event)``.

Events are chained when their transaction commits (``before_commit``): :func:`api.services.audit.record`
keeps them in ``session.info`` until then, the session flushes the use case's own changes, and only then
takes the row lock of ``audit_chain_head`` — always the last lock a transaction takes, so chaining can
wait (for a transaction that is about to commit) but never deadlock. :func:`verify` walks the chain.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session, col, select

from api.db.models import AuditChainHead, AuditEvent

PENDING = "audit_pending"
GENESIS = "0" * 64
_HEAD = AuditChainHead.__table__  # type: ignore[attr-defined]


def _plain(value: Any) -> Any:
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat(timespec="microseconds")
    return value


def canonical(event: AuditEvent) -> bytes:
    """The event's content as the chain hashes it: every field but the chain's own, keys sorted."""
    fields = (
        "id",
        "seq",
        "at",
        "actor_id",
        "actor_label",
        "action",
        "entity_type",
        "entity_id",
        "org_unit_id",
        "changes",
        "request_id",
        "ip",
    )
    body = {name: _plain(getattr(event, name)) for name in fields}
    return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str).encode()


def link(previous: str, event: AuditEvent) -> str:
    return hashlib.sha256(previous.encode() + canonical(event)).hexdigest()


def pending(session: Session) -> list[AuditEvent]:
    return session.info.setdefault(PENDING, [])


@event.listens_for(OrmSession, "before_commit")
def _chain_pending(session: OrmSession) -> None:
    events: list[AuditEvent] = session.info.pop(PENDING, [])
    if not events:
        return
    session.flush()  # the use case's own writes first: the head's lock is the last one taken
    head = session.execute(
        _HEAD.update()
        .where(_HEAD.c.id == 1)
        .values(seq=_HEAD.c.seq + len(events))
        .returning(_HEAD.c.seq, _HEAD.c.chain_hash)
    ).one()
    seq, previous = head.seq - len(events), head.chain_hash
    for item in events:
        seq += 1
        item.seq = seq
        item.chain_hash = previous = link(previous, item)
        session.add(item)
    session.execute(_HEAD.update().where(_HEAD.c.id == 1).values(chain_hash=previous))


@event.listens_for(OrmSession, "after_rollback")
def _drop_pending(session: OrmSession) -> None:
    session.info.pop(PENDING, None)


@dataclass(frozen=True)
class Verdict:
    checked: int
    unchained: int  # events written before the chain began (migration 0010)
    broken_at: int | None  # seq of the first event whose hash does not match
    head_ok: bool

    @property
    def ok(self) -> bool:
        return self.broken_at is None and self.head_ok


def _chained(session: Session, batch: int = 5000) -> Iterator[AuditEvent]:
    last = 0
    while True:
        rows = session.exec(
            select(AuditEvent).where(col(AuditEvent.seq) > last).order_by(col(AuditEvent.seq)).limit(batch)
        ).all()
        if not rows:
            return
        yield from rows
        last = rows[-1].seq or last
        session.expunge_all()


def verify(session: Session) -> Verdict:
    """Walk the chain in ``seq`` order: every hash recomputed, no gap in ``seq``, and the head agreeing."""
    previous, expected, checked = GENESIS, 1, 0
    broken: int | None = None
    for item in _chained(session):
        if item.seq != expected or item.chain_hash != link(previous, item):
            broken = item.seq if item.seq == expected else expected
            break
        previous, expected, checked = item.chain_hash, expected + 1, checked + 1
    unchained = session.execute(
        select(sa.func.count()).select_from(AuditEvent).where(col(AuditEvent.seq).is_(None))
    ).scalar_one()
    head = session.execute(sa.select(_HEAD.c.seq, _HEAD.c.chain_hash).where(_HEAD.c.id == 1)).one()
    head_ok = broken is not None or (head.seq == checked and head.chain_hash == previous)
    return Verdict(checked=checked, unchained=unchained, broken_at=broken, head_ok=head_ok)
