"""Writing planned batches with SQLAlchemy Core: bulk inserts and updates of members, their tags,
lifecycle events and change-feed entries (:func:`write_batch`). No commit: the caller owns the transaction.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from typing import Any, cast

import sqlalchemy as sa
from sqlmodel import Session

from api.db.bulk import insert_rows
from api.db.models import OrgUnit
from api.db.types import new_ids, utcnow
from api.schemas.members import MemberEventKind
from api.services import changes
from api.services.member_core import MemberStatus, allocate_member_numbers
from api.services.member_imports.planning import EVENT, MEMBER, TAG, _Context, _Plan


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


def write_batch(session: Session, ctx: _Context, plans: list[_Plan]) -> None:
    """Bulk writes for one batch: members, tags, 'joined' events, change-feed entries.

    New members, their events and feed entries go to the driver in database form
    (:func:`api.db.bulk.insert_rows`: ``executemany`` on SQLite, ``COPY`` on PostgreSQL), skipping
    SQLAlchemy's per-value bind processing; updates and tags (rare in a bulk import) use Core.
    """
    now = utcnow()
    creates = [p for p in plans if p.action == "created"]
    updates = [p for p in plans if p.action == "updated"]
    member_rows: list[tuple[Any, ...]] = []
    event_rows: list[tuple[Any, ...]] = []
    tag_rows: list[dict[str, Any]] = []
    feed: list[tuple[Any, ...]] = []
    per_union: dict[uuid.UUID, list[_Plan]] = defaultdict(list)
    for p in creates:
        per_union[p.grassroots_id].append(p)
    active = MemberStatus.active.value
    encrypt = ctx.vault.encrypt
    ids = iter(new_ids(2 * len(creates)))  # member and event ids of the batch, one system call
    for gid, group in per_union.items():
        union = session.get(OrgUnit, gid)
        assert union is not None
        for p, number in zip(group, allocate_member_numbers(session, union, len(group)), strict=True):
            p.member_id = member_id = next(ids)
            row, v = p.row, p.values
            assert row.national_id is not None  # planning refuses a new member with a masked ID
            org_unit_id = v["org_unit_id"]
            member_rows.append(
                (
                    member_id,
                    number,
                    row.employee_no,
                    org_unit_id,
                    gid,
                    v["name"],
                    v["gender"],
                    v["birth_date"],
                    encrypt(row.national_id.value),
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
            event_rows.append(
                (
                    next(ids),
                    member_id,
                    MemberEventKind.joined,
                    None,
                    active,
                    row.join_date or ctx.today,
                    None,
                    org_unit_id,
                    ctx.actor_id,
                    now,
                )
            )
            if p.tags:
                tag_rows.extend({"member_id": member_id, "tag": t} for t in p.tags)
            feed.append(("member", member_id, "created", org_unit_id, 1, now))
    insert_rows(session, MEMBER, _MEMBER_COLUMNS, member_rows)
    if updates:
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
            feed.append(("member", p.member_id, "updated", p.values["org_unit_id"], p.version + 1, now))
        result = cast("sa.CursorResult[Any]", session.execute(_UPDATE, params))  # an UPDATE: CursorResult
        if session.get_bind().dialect.supports_sane_multi_rowcount and result.rowcount != len(params):
            raise ConcurrentChange()
        retag = [p for p in updates if p.tags is not None]
        if retag:
            session.execute(sa.delete(TAG).where(TAG.c.member_id.in_([p.member_id for p in retag])))
            tag_rows.extend({"member_id": p.member_id, "tag": t} for p in retag for t in p.tags or [])
    if tag_rows:
        session.execute(sa.insert(TAG), tag_rows)
    insert_rows(session, EVENT, _EVENT_COLUMNS, event_rows)
    changes.record_rows(session, feed)
