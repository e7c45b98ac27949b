"""Writing planned batches: the member rows, tags, lifecycle events and change-feed entries of a batch
as plain tuples (:func:`build_rows`), the updates of members on record (:func:`apply_updates`), and
:func:`write_batch`, both at once for a caller that writes one batch (the HR upsert). A bulk import
hands :meth:`BatchRows.inserts` to :class:`api.db.bulk.BackgroundInserts` instead (``COPY`` in the
background on PostgreSQL). No commit: the caller owns the transaction.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, cast

import sqlalchemy as sa
from sqlmodel import Session

from api.db.bulk import Insert, insert_rows
from api.db.models import ChangeLogEntry
from api.db.types import new_ids, table_of, utcnow
from api.schemas.members import MemberEventKind
from api.services.changes import FEED_ROW_COLUMNS
from api.services.member_core import MemberNumbers, MemberStatus
from api.services.member_imports.planning import EVENT, MEMBER, TAG, _Context, _Plan

FEED = table_of(ChangeLogEntry)


class ConcurrentChange(Exception):
    """A member changed between our read and our write (optimistic lock)."""


_UPDATE = sa.update(MEMBER).where(
    MEMBER.c.id == sa.bindparam("b_id"), MEMBER.c.version == sa.bindparam("b_version")
)


_MEMBER_COLUMNS = (
    "id",
    "member_no",
    "employee_no",
    "org_unit_id",
    "grassroots_unit_id",
    "name",
    "gender",
    "birth_date",
    "national_id_cipher",
    "national_id_hmac",
    "national_id_masked",
    "phone",
    "email",
    "join_date",
    "status",
    "status_reason",
    "status_changed_on",
    "is_representative",
    "monthly_wage_fen",
    "notes",
    "version",
    "created_at",
    "updated_at",
)
_EVENT_COLUMNS = (
    "id",
    "member_id",
    "kind",
    "from_status",
    "to_status",
    "effective_on",
    "reason",
    "org_unit_id",
    "actor_id",
    "created_at",
)


_TAG_COLUMNS = ("member_id", "tag")

#: member numbers for the new members of a batch: (grassroots union id, count) -> numbers
Numbering = Callable[[uuid.UUID, int], list[str]]


@dataclass(slots=True)
class BatchRows:
    """A batch's new rows in database form, each a tuple in its table's column order."""

    members: list[tuple[Any, ...]] = field(default_factory=list)
    tags: list[tuple[Any, ...]] = field(default_factory=list)
    events: list[tuple[Any, ...]] = field(default_factory=list)
    feed: list[tuple[Any, ...]] = field(default_factory=list)

    #: the tables of :meth:`inserts`, in its order
    TABLES = (MEMBER, TAG, EVENT, FEED)

    def inserts(self) -> list[Insert]:
        """The inserts in foreign-key order: members before the tags and events that reference them."""
        return [
            (MEMBER, _MEMBER_COLUMNS, self.members),
            (TAG, _TAG_COLUMNS, self.tags),
            (EVENT, _EVENT_COLUMNS, self.events),
            (FEED, FEED_ROW_COLUMNS, self.feed),
        ]


def apply_updates(session: Session, ctx: _Context, plans: list[_Plan]) -> bool:
    """UPDATE the members on record that a batch changes (optimistic lock on their version) and delete
    the tags of those whose tag list it replaces; the new tags come with :func:`build_rows`. Whether it
    changed any member."""
    updates = [p for p in plans if p.action == "updated"]
    if not updates:
        return False
    now = utcnow()
    params = []
    for p in updates:
        assert p.existing is not None  # an update plan always carries the row on file
        # a masked ID (an export re-imported) keeps the stored hash, so the stored cipher too
        cipher = p.existing.national_id_cipher
        if p.row.national_id is not None and p.values["national_id_hmac"] != p.existing.national_id_hmac:
            cipher = ctx.vault.encrypt(p.row.national_id.value)
        params.append(
            {
                **p.values,
                "b_id": p.member_id,
                "b_version": p.version,
                "version": p.version + 1,
                "updated_at": now,
                "national_id_cipher": cipher,
            }
        )
    result = cast("sa.CursorResult[Any]", session.execute(_UPDATE, params))  # an UPDATE: CursorResult
    if session.get_bind().dialect.supports_sane_multi_rowcount and result.rowcount != len(params):
        raise ConcurrentChange()
    retag = [p.member_id for p in updates if p.tags is not None]
    if retag:
        session.execute(sa.delete(TAG).where(TAG.c.member_id.in_(retag)))
    return True


def _full_id(plan: _Plan) -> str:
    assert plan.row.national_id is not None  # planning refuses a new member with a masked ID
    return plan.row.national_id.value


def build_rows(ctx: _Context, plans: list[_Plan], numbering: Numbering) -> BatchRows:
    """The batch's new rows: members (numbered, IDs encrypted), 'joined' events, tags of new and retagged
    members, and change-feed entries for created and updated members. No database access but
    ``numbering``; sets ``member_id`` on the plans of new members."""
    now = utcnow()
    out = BatchRows()
    creates = [p for p in plans if p.action == "created"]
    per_union: dict[uuid.UUID, list[_Plan]] = defaultdict(list)
    for p in creates:
        per_union[p.grassroots_id].append(p)
    active = MemberStatus.active.value
    joined = MemberEventKind.joined
    today, actor_id = ctx.today, ctx.actor_id
    members, events, tags, feed = out.members, out.events, out.tags, out.feed
    ids = iter(new_ids(2 * len(creates)))  # member and event ids of the batch, one system call
    for gid, group in per_union.items():
        ciphers = ctx.vault.encrypt_many([_full_id(p) for p in group])
        for p, number, cipher in zip(group, numbering(gid, len(group)), ciphers, strict=True):
            p.member_id = member_id = next(ids)
            row, v = p.row, p.values
            org_unit_id = v["org_unit_id"]
            members.append(
                (
                    member_id,
                    number,
                    row.employee_no,
                    org_unit_id,
                    gid,
                    v["name"],
                    v["gender"],
                    v["birth_date"],
                    cipher,
                    v["national_id_hmac"],
                    v["national_id_masked"],
                    v["phone"],
                    v["email"],
                    v["join_date"],
                    active,
                    None,
                    v["join_date"],  # status_changed_on: active since joining
                    v["is_representative"],
                    v["monthly_wage_fen"],
                    v["notes"],
                    1,
                    now,
                    now,
                )
            )
            events.append(
                (
                    next(ids),
                    member_id,
                    joined,
                    None,
                    active,
                    row.join_date or today,
                    None,
                    org_unit_id,
                    actor_id,
                    now,
                )
            )
            if p.tags:
                tags.extend((member_id, t) for t in p.tags)
            feed.append(("member", member_id, "created", org_unit_id, 1, now))
    for p in plans:
        if p.action == "updated":
            if p.tags is not None:
                tags.extend((p.member_id, t) for t in p.tags)
            feed.append(("member", p.member_id, "updated", p.values["org_unit_id"], p.version + 1, now))
    return out


def write_batch(session: Session, ctx: _Context, plans: list[_Plan]) -> None:
    """Updates and inserts of one batch, at once (the HR upsert; a bulk import pipelines them)."""
    numbers = MemberNumbers()
    numbers.reserve(session, {p.grassroots_id for p in plans if p.action == "created"})
    apply_updates(session, ctx, plans)
    rows = build_rows(ctx, plans, numbers.take)
    numbers.flush(session)
    for table, columns, data in rows.inserts():
        insert_rows(session, table, columns, data)
