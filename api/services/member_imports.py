"""Bulk member imports from HR files, and the HR upsert by employee number (domain.md §1; issue 3).

An import streams the file in batches and never holds all rows:

1. **counting**: the file is read once, without normalising, for the total (progress) and so that a
   damaged header or encoding is found before any transaction is opened.
2. **writing**, in ONE transaction: every row is normalised (``api.imports.members``), checked for
   repeats within the file, its org unit resolved (one query per batch, cached) and checked against the
   records on file (employee number within the grassroots union -> update; an ID number on record for
   somebody else -> error); then SQLAlchemy Core bulk inserts/updates per batch, lifecycle events and
   change-feed entries in bulk, and one audit event for the whole import. A crash anywhere rolls
   everything back, so an import is all there or not there at all. A dry run does the same checks in
   a read-only session instead (phase "validating").

``on_error=abort`` (the default) writes nothing when any row failed; ``on_error=skip`` writes the good
rows. The report lists every failed row (row, field, kind, message) up to :data:`MAX_REPORTED_ERRORS`,
never a value from the file. Jobs get ids and a file path, never a request's session; progress is
committed from a separate session (and kept in process memory, since SQLite cannot commit progress
while the import holds its write lock).
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import os
import socket
import tempfile
import threading
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path, PurePath
from typing import IO, Any

import sqlalchemy as sa
import structlog
from sqlalchemy.dialects import postgresql
from sqlmodel import Session, select

from api.config import Settings
from api.db.bulk import insert_rows
from api.db.models import Member, MemberEvent, MemberImport, MemberTag, OrgUnit, OrgUnitClosure, User
from api.db.session import Database
from api.db.types import new_ids, utcnow
from api.errors import AppError, Conflict, NotFound, PreconditionFailed, RuleViolation
from api.i18n import register
from api.imports.gc_tuning import relaxed_gc
from api.imports.members import (
    KIND_MESSAGES,
    KIND_MESSAGES_ZH,
    FieldError,
    FileDuplicateTracker,
    MemberRowError,
    MemberRowOk,
    normalise_member_row,
)
from api.imports.readers import (
    FILE_ERROR_MESSAGES_ZH,
    ImportFileError,
    RawRow,
    count_rows,
    detect_format,
    iter_rows,
)
from api.schemas.member_imports import ImportOnError, ImportPhase, ImportStatus, MemberUpsert
from api.security.pii import PiiVault
from api.security.principal import Principal
from api.services import audit, changes
from api.services.member_core import MemberStatus, allocate_member_numbers, grassroots_map
from api.services.member_export import mask_phone
from api.services.pagination import keyset
from api.services.scope import in_scope

log = structlog.get_logger("gonghui.member_imports")

BATCH_SIZE = 1000
MAX_REPORTED_ERRORS = 1000
#: uploads up to this size run inline (201 with the finished job); larger ones in the background (202)
INLINE_MAX_BYTES = 512 * 1024
MAX_UPLOAD_BYTES = 200 * 1024 * 1024
_CHUNK = 1024 * 1024

#: row-level kinds that need the database, beside the file-level kinds of api.imports.members
DB_KIND_MESSAGES: dict[str, tuple[str, str]] = {
    "unknown_org": (KIND_MESSAGES["unknown_org"], KIND_MESSAGES_ZH["unknown_org"]),
    "org_closed": ("the org unit is closed", "该工会组织已撤销"),
    "org_not_in_union": (
        "no grassroots union for this row: give a unit inside one",
        "无法确定所属基层工会，请填写基层工会或其下级组织代码",
    ),
    "dup_national_id_on_record": (
        "ID number is already on record for another member",
        "身份证号已登记在其他会员名下",
    ),
    "member_out_of_scope": (
        "employee number belongs to a member outside the import's org unit",
        "该工号属于本次导入组织范围以外的会员",
    ),
}

_FILE_ERRORS_EN = {
    "unsupported_format": "Unsupported file format; use CSV, XLSX or JSONL.",
    "unreadable_file": "The file cannot be read (wrong encoding or damaged): {detail}",
    "unknown_column": "The header has unknown column(s): {detail}",
    "missing_column": "A required column is missing (employee number, name, ID number): {detail}",
    "duplicate_column": "The header names a field twice: {detail}",
}

register(
    {
        **{
            f"import_{code}": (en, FILE_ERROR_MESSAGES_ZH[code].rstrip("。") + "：{detail}")
            for code, en in _FILE_ERRORS_EN.items()
        },
        "import_rows_invalid": (
            "{count} row(s) failed; nothing was imported (fix them, or import with on_error=skip).",
            "有 {count} 行有误，未导入任何数据（请修正，或使用 on_error=skip 导入其余行）。",
        ),
        "import_concurrent_change": (
            "Members changed while the import ran; nothing was imported, run it again.",
            "导入期间会员数据被修改，未导入任何数据，请重新导入。",
        ),
        "import_interrupted": (
            "The import was interrupted (the process running it stopped); nothing was imported, run it again.",
            "导入过程中服务中断，未导入任何数据，请重新导入。",
        ),
        "import_file_too_large": ("The file is larger than {limit_mb} MB.", "文件超过 {limit_mb} MB。"),
        "hr_invalid_field": ("{column}: {reason}.", "{column}：{reason_zh}。"),
        "hr_unknown_org": (
            "No org unit {value} inside {org_unit}.",
            "{org_unit} 下没有代码为 {value} 的组织。",
        ),
        "hr_org_closed": ("Org unit {value} is closed.", "组织 {value} 已撤销。"),
        "hr_org_not_in_union": (
            "Org unit {value} belongs to no grassroots union.",
            "组织 {value} 不属于任何基层工会。",
        ),
        "hr_national_id_on_record": (
            "This ID number is already on record for another member.",
            "该身份证号已登记在其他会员名下。",
        ),
        "hr_member_out_of_scope": (
            "Employee number {value} belongs to a member outside {org_unit}.",
            "工号 {value} 属于 {org_unit} 以外的会员。",
        ),
    }
)


class PayloadTooLarge(AppError):
    status, code = 413, "import_file_too_large"


# --- row planning, shared by imports and the upsert -------------------------------------------------

MEMBER = Member.__table__
TAG = MemberTag.__table__
EVENT = MemberEvent.__table__
IMPORT = MemberImport.__table__

#: fields an import or upsert may change; compared to decide created / updated / unchanged
MUTABLE = (
    "org_unit_id",
    "name",
    "gender",
    "birth_date",
    "national_id_hmac",
    "national_id_masked",
    "phone",
    "email",
    "join_date",
    "is_representative",
    "monthly_wage_fen",
    "notes",
)
#: row attribute -> member column, for the optional fields a row may or may not be authoritative for
_OPTIONAL = ("phone", "email", "join_date", "monthly_wage_fen", "notes")
_EXISTING_COLUMNS = (
    MEMBER.c.id,
    MEMBER.c.employee_no,
    MEMBER.c.grassroots_unit_id,
    MEMBER.c.version,
    MEMBER.c.national_id_cipher,
    *[MEMBER.c[name] for name in MUTABLE],
)


@dataclass(frozen=True, slots=True)
class _Unit:
    id: uuid.UUID
    code: str
    grassroots_id: uuid.UUID | None
    closed: bool


@dataclass(slots=True)
class _Context:
    """What a batch needs to know besides its rows: the import's unit, its subtree, caches."""

    vault: PiiVault
    unit: _Unit
    subtree: set[uuid.UUID]
    actor_id: uuid.UUID | None
    today: date
    units: dict[str, _Unit | None] = field(default_factory=dict)


@dataclass(slots=True)
class _Plan:
    row: MemberRowOk
    action: str  # created | updated | unchanged
    grassroots_id: uuid.UUID
    hmac: str
    values: dict[str, Any]  # every MUTABLE field, merged
    existing: Any | None = None
    tags: list[str] | None = None  # the member's new tag list, None = leave tags alone
    member_id: uuid.UUID | None = None
    version: int = 1


Authoritative = Callable[[MemberRowOk], set[str]]


def import_authority(row: MemberRowOk) -> set[str]:
    """An import overwrites what the file says; a blank cell keeps what is on record."""
    given = {"name", "gender", "birth_date", "national_id", "is_representative"}
    given |= {name for name in _OPTIONAL if getattr(row, name) is not None}
    if row.tags:
        given.add("tags")
    return given


def load_context(
    session: Session, unit: OrgUnit, vault: PiiVault, *, actor_id: uuid.UUID | None, today: date
) -> _Context:
    subtree = set(
        session.execute(
            select(OrgUnitClosure.descendant_id).where(OrgUnitClosure.ancestor_id == unit.id)
        ).scalars()
    )
    gid = grassroots_map(session, {unit.id}).get(unit.id)
    own = _Unit(unit.id, unit.code, gid, unit.status != "active")
    return _Context(
        vault=vault, unit=own, subtree=subtree, actor_id=actor_id, today=today, units={unit.code: own}
    )


def _resolve_units(session: Session, ctx: _Context, codes: set[str]) -> None:
    """One query per batch for codes not seen before; units outside the import's subtree stay unknown."""
    missing = {c for c in codes if c not in ctx.units}
    if not missing:
        return
    rows = session.execute(
        select(OrgUnit.id, OrgUnit.code, OrgUnit.status).where(OrgUnit.code.in_(missing))
    ).all()
    found = {r.code: r for r in rows if r.id in ctx.subtree}
    unions = grassroots_map(session, {r.id for r in found.values()})
    for code in missing:
        r = found.get(code)
        ctx.units[code] = None if r is None else _Unit(r.id, r.code, unions.get(r.id), r.status != "active")


def _err(row_number: int, field_name: str, kind: str) -> MemberRowError:
    return MemberRowError(row_number, [FieldError(field_name, kind, DB_KIND_MESSAGES[kind][0])])


def _probe(keys: Any, columns: tuple[Any, ...], *match: Any) -> sa.Select[Any]:
    """One unique-index probe per key: ``FROM unnest(...) k JOIN LATERAL (SELECT ... WHERE <key> LIMIT 1)``.

    A plain join of the key array with ``member`` is planned from statistics, which an import outdates
    as it goes: with every key of a batch in one union PostgreSQL chose a merge join on the union alone
    (1,000 keys x the union's members, per batch: quadratic; docs/benchmarks.md "2. Bulk import"). The
    ``LIMIT`` keeps the subquery from being flattened, so it can only run as a nested loop probing the
    unique index with each key (at most one row per key either way), whatever the statistics say; an
    ``ANALYZE member`` inside the import transaction is then not needed (tried: no faster).
    """
    probe = select(*columns).where(*match).limit(sa.literal_column("1")).lateral()
    return select(probe).select_from(keys).join(probe, sa.true())


_KEYS = (
    sa.func.unnest(
        sa.bindparam("key_unions", type_=postgresql.ARRAY(sa.Uuid)),
        sa.bindparam("key_employee_nos", type_=postgresql.ARRAY(sa.String)),
    )
    .table_valued(sa.column("union_id", sa.Uuid), sa.column("employee_no", sa.String))
    .render_derived()
)
_EXISTING_PG = _probe(
    _KEYS,
    _EXISTING_COLUMNS,
    MEMBER.c.grassroots_unit_id == _KEYS.c.union_id,
    MEMBER.c.employee_no == _KEYS.c.employee_no,
)

# Statements run once per batch are built once, their keys passed as (expanding) parameters: a statement
# built per batch with its 1,000 keys inside is cyclic garbage after use (~125 kB each), which only the
# collector frees — and imports run it rarely (api/imports/gc_tuning.py).
_EXISTING_SQLITE = select(*_EXISTING_COLUMNS).where(
    MEMBER.c.grassroots_unit_id == sa.bindparam("union_id"),
    MEMBER.c.employee_no.in_(sa.bindparam("employee_nos", expanding=True)),
)


def _existing(session: Session, located: list[tuple[MemberRowOk, Any, uuid.UUID]]) -> Iterable[Any]:
    """Members already on record under the batch's (grassroots union, employee number) keys.

    Each key must probe the (grassroots_unit_id, employee_no) unique index: filtering a union's members
    by an IN list of employee numbers would read the whole union once per batch. PostgreSQL gets the keys
    as two unnest arrays, each probing the index (:func:`_probe`, one cached statement). SQLite gets one
    ``grassroots_unit_id = ? AND employee_no IN (...)`` per union of the batch, which it runs as index
    probes; a row-value ``(grassroots_unit_id, employee_no) IN (VALUES ...)`` was a full scan of ``member``
    per batch (quadratic: the main reason the rate fell with the file's size).
    """
    keys = {(gid, row.employee_no) for row, _, gid in located}
    if session.get_bind().dialect.name == "postgresql":
        unions, numbers = zip(*keys, strict=True)
        return session.execute(_EXISTING_PG, {"key_unions": list(unions), "key_employee_nos": list(numbers)})
    per_union: dict[uuid.UUID, list[str]] = defaultdict(list)
    for gid, employee_no in keys:
        per_union[gid].append(employee_no)
    return itertools.chain.from_iterable(
        session.execute(_EXISTING_SQLITE, {"union_id": gid, "employee_nos": numbers})
        for gid, numbers in per_union.items()
    )


_HMAC_KEYS = (
    sa.func.unnest(sa.bindparam("key_hmacs", type_=postgresql.ARRAY(sa.String)))
    .table_valued(sa.column("hmac", sa.String))
    .render_derived()
)
_OWNERS_COLUMNS = (MEMBER.c.national_id_hmac, MEMBER.c.grassroots_unit_id, MEMBER.c.employee_no)
_OWNERS_PG = _probe(_HMAC_KEYS, _OWNERS_COLUMNS, MEMBER.c.national_id_hmac == _HMAC_KEYS.c.hmac)
_OWNERS_SQLITE = select(*_OWNERS_COLUMNS).where(
    MEMBER.c.national_id_hmac.in_(sa.bindparam("hmacs", expanding=True))
)


def _owners(session: Session, hmacs: set[str]) -> Iterable[Any]:
    """Who holds each of these ID hashes on record: one probe of the unique index per hash (PostgreSQL
    gets them as an unnest array, one cached statement, like :func:`_existing`)."""
    if session.get_bind().dialect.name == "postgresql":
        return session.execute(_OWNERS_PG, {"key_hmacs": list(hmacs)})
    return session.execute(_OWNERS_SQLITE, {"hmacs": list(hmacs)})


def plan_batch(
    session: Session, ctx: _Context, rows: list[MemberRowOk], authority: Authoritative = import_authority
) -> tuple[list[_Plan], list[MemberRowError]]:
    """Decide per row: create, update, leave unchanged, or refuse (the database checks of an import)."""
    errors: list[MemberRowError] = []
    _resolve_units(session, ctx, {r.org_unit_code for r in rows if r.org_unit_code})
    located: list[tuple[MemberRowOk, _Unit | None, uuid.UUID]] = []
    for row in rows:
        unit = ctx.units.get(row.org_unit_code) if row.org_unit_code else ctx.unit
        if unit is None:
            errors.append(_err(row.row_number, "org_unit_code", "unknown_org"))
        elif unit.closed and row.org_unit_code:
            errors.append(_err(row.row_number, "org_unit_code", "org_closed"))
        elif unit.grassroots_id is None:
            errors.append(_err(row.row_number, "org_unit_code", "org_not_in_union"))
        else:
            located.append((row, unit if row.org_unit_code else None, unit.grassroots_id))
    if not located:
        return [], errors

    existing = {(r.grassroots_unit_id, r.employee_no): r for r in _existing(session, located)}
    hmacs = {id(row): ctx.vault.lookup_hash(row.national_id.value) for row, _, _ in located}
    owners = {
        r.national_id_hmac: (r.grassroots_unit_id, r.employee_no)
        for r in _owners(session, set(hmacs.values()))
    }
    # what each row says only matters for members on record (an update); new members take the whole row
    given_of = {id(row): authority(row) for row, _, g in located if (g, row.employee_no) in existing}
    retagged = [
        existing[(g, r.employee_no)].id
        for r, _, g in located
        if (g, r.employee_no) in existing and "tags" in given_of[id(r)]
    ]
    current_tags: dict[uuid.UUID, set[str]] = defaultdict(set)
    if retagged:
        stmt = select(TAG.c.member_id, TAG.c.tag).where(TAG.c.member_id.in_(retagged))
        for member_id, tag in session.execute(stmt):
            current_tags[member_id].add(tag)

    plans: list[_Plan] = []
    for row, unit, gid in located:
        key = (gid, row.employee_no)
        hmac = hmacs[id(row)]
        owner = owners.get(hmac)
        if owner is not None and owner != key:
            errors.append(_err(row.row_number, "national_id", "dup_national_id_on_record"))
            continue
        old = existing.get(key)
        if old is None:
            target = unit or ctx.unit
            values = {
                "org_unit_id": target.id,
                "name": row.name,
                "gender": row.gender,
                "birth_date": row.birth_date,
                "national_id_hmac": hmac,
                "national_id_masked": row.national_id.masked,
                "is_representative": row.is_representative,
                **{name: getattr(row, name) for name in _OPTIONAL},
                # as POST /members: an active member joined today unless the row says when (章程 Art 2)
                "join_date": row.join_date or ctx.today,
            }
            plans.append(
                _Plan(
                    row,
                    "created",
                    gid,
                    hmac,
                    values,
                    tags=row.tags or [],
                )
            )
            continue
        if old.org_unit_id not in ctx.subtree or (unit is not None and unit.id not in ctx.subtree):
            errors.append(_err(row.row_number, "employee_no", "member_out_of_scope"))
            continue
        given = given_of[id(row)]
        values = {name: getattr(old, name) for name in MUTABLE}
        if unit is not None:
            values["org_unit_id"] = unit.id
        for name in ("name", "gender", "birth_date", "is_representative", *_OPTIONAL):
            if name in given:
                values[name] = getattr(row, name)
        if "national_id" in given:
            values["national_id_hmac"] = hmac
            values["national_id_masked"] = row.national_id.masked
        tags = None
        if "tags" in given and set(row.tags) != current_tags.get(old.id, set()):
            tags = list(row.tags)
        changed = tags is not None or any(values[n] != getattr(old, n) for n in MUTABLE)
        plans.append(
            _Plan(
                row,
                "updated" if changed else "unchanged",
                gid,
                hmac,
                values,
                existing=old,
                tags=tags,
                member_id=old.id,
                version=old.version,
            )
        )
    return plans, errors


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
                    "joined",
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
            same_id = p.values["national_id_hmac"] == p.existing.national_id_hmac
            params.append(
                {
                    **p.values,
                    "b_id": p.member_id,
                    "b_version": p.version,
                    "version": p.version + 1,
                    "updated_at": now,
                    "national_id_cipher": p.existing.national_id_cipher
                    if same_id
                    else ctx.vault.encrypt(p.row.national_id.value),
                }
            )
            feed.append(("member", p.member_id, "updated", p.values["org_unit_id"], p.version + 1, now))
        result = session.execute(_UPDATE, params)
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


# --- the report -----------------------------------------------------------------------------------------


def _row_error(row_number: int, fe: FieldError) -> dict[str, Any]:
    en, zh = DB_KIND_MESSAGES.get(
        fe.kind, (KIND_MESSAGES.get(fe.kind, fe.message), KIND_MESSAGES_ZH.get(fe.kind))
    )
    # the readers' detail may quote parts of the value (e.g. the birth date inside an ID): for the ID
    # column only the generic text is used, except for "repeats row N" which names no value
    message = fe.message if fe.field != "national_id" or fe.kind.startswith("dup_") else en
    return {"row": row_number, "field": fe.field, "kind": fe.kind, "message": message, "message_zh": zh or en}


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

    def __call__(self, phase: ImportPhase, done: int, total: int | None, *, commit: bool = True) -> None:
        with _live_lock:
            _live[self.import_id] = (phase.value, done, total)
        if self.callback:
            self.callback(phase.value, done, total)
        if commit:
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


def _pass(
    session: Session,
    ctx: _Context,
    file_path: str,
    filename: str,
    tally: _Tally,
    on_batch: Callable[[list[_Plan]], None],
) -> None:
    tracker = FileDuplicateTracker()
    for batch in _batches(iter_rows(file_path, filename), BATCH_SIZE):
        good: list[MemberRowOk] = []
        for raw in batch:
            row = tracker.check(normalise_member_row(raw, today=ctx.today))
            if isinstance(row, MemberRowError):
                tally.fail(row)
            else:
                good.append(row)
        plans, errors = plan_batch(session, ctx, good)
        for error in errors:
            tally.fail(error)
        tally.count(plans)
        tally.rows += len(batch)
        on_batch(plans)


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
def run_import(
    db: Database,
    import_id: uuid.UUID,
    file_path: str,
    settings: Settings,
    *,
    actor_label: str | None = None,
    on_progress: ProgressCallback | None = None,
) -> None:
    """Run a queued import job to the end; never raises (the job records how it ended).

    A dry run validates in a read-only session. A real run validates and writes batch by batch in ONE
    transaction; with ``on_error=abort`` it stops writing at the first failed row, keeps validating for
    the report, and rolls everything back.
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
                _pass(
                    session,
                    ctx,
                    file_path,
                    job.filename,
                    tally,
                    lambda _: progress(ImportPhase.validating, tally.rows, total),
                )
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

            def write(plans: list[_Plan]) -> None:
                if not (abort and tally.failed):
                    write_batch(session, ctx, plans)
                progress(ImportPhase.writing, tally.rows, total, commit=commit_progress)

            _pass(session, ctx, file_path, job.filename, tally, write)
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
            report={"phase": ImportPhase.done.value, "errors": [], "errors_total": 0, "detail": exc.detail},
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


# --- jobs whose process died ------------------------------------------------------------------------------


def _start_ticks(pid: int) -> str | None:
    """When process ``pid`` started (clock ticks since boot, /proc/PID/stat field 22), or ``None`` if there
    is no such process. Told apart from a later process that reuses the pid."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rpartition(")")[2].split()[19]


def this_process() -> str:
    """``host:pid:start`` of the running process, recorded on the jobs it queues and runs."""
    pid = os.getpid()
    return f"{socket.gethostname()}:{pid}:{_start_ticks(pid) or ''}"


def _runner_gone(runner: str | None) -> bool:
    """Whether the process that queued / ran a job has certainly ended. Only processes of this host can be
    checked (and only where /proc exists); jobs of other hosts are left to their own host."""
    if not runner or not Path("/proc/self/stat").exists():
        return False
    parts = runner.split(":")
    if len(parts) != 3 or parts[0] != socket.gethostname() or not parts[1].isdigit():
        return False
    started = _start_ticks(int(parts[1]))
    return started is None or (parts[2] != "" and started != parts[2])


def reap_interrupted(db: Database) -> int:
    """Mark failed (``import_interrupted``) the queued or running jobs whose process on this host has ended:
    a server stopped or killed mid-import rolled its transaction back, but the job row said "running" for
    ever. Run when a server starts and before a CLI import; audited as the system. Returns how many."""
    unfinished = select(MemberImport).where(
        MemberImport.status.in_((ImportStatus.queued.value, ImportStatus.running.value))
    )
    with db.read_session() as session:  # the usual case, nothing to reap, takes no write lock
        if not any(_runner_gone(job.runner) for job in session.exec(unfinished)):
            return 0
    with db.write_session() as session:
        gone = [job for job in session.exec(unfinished).all() if _runner_gone(job.runner)]
        for job in gone:
            job.status, job.error_code, job.finished_at = (
                ImportStatus.failed.value,
                "import_interrupted",
                utcnow(),
            )
            job.report = {"phase": ImportPhase.done.value, "errors": [], "errors_total": 0}
            audit.record(
                session,
                None,
                "member_import.interrupted",
                entity_type="member_import",
                entity_id=job.id,
                org_unit_id=job.org_unit_id,
                changes={"after": {"status": job.status}},
                actor_label="system",
            )
        session.commit()
        return len(gone)


def run_import_job(db: Database, import_id: uuid.UUID, file_path: str, settings: Settings) -> None:
    """Background entry point: ids and a path in, the temp file removed afterwards."""
    try:
        run_import(db, import_id, file_path, settings)
    finally:
        remove_file(file_path)


def remove_file(path: str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


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
        raise RuleViolation("import_unsupported_format", field="file", detail=exc.detail) from None
    digest = hashlib.sha256()
    size = 0
    fd, path = tempfile.mkstemp(prefix="gonghui-import-", suffix=PurePath(name).suffix.lower())
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
        raise RuleViolation(f"import_{exc.code}", field="file", detail=exc.detail) from None


def import_unit(session: Session, code: str, roots: list[uuid.UUID]) -> OrgUnit:
    """The unit an import or upsert targets, inside the caller's scope; anything else is not found."""
    unit = session.exec(
        select(OrgUnit).where(OrgUnit.code == code.strip(), in_scope(OrgUnit.id, roots))
    ).first()
    if unit is None:
        raise NotFound()
    if unit.status != "active":
        raise RuleViolation("org_unit_closed", field="org_unit", code=unit.code)
    return unit


def find_existing(
    session: Session,
    *,
    user_id: uuid.UUID,
    key: str,
    upload: StoredUpload,
    unit_id: uuid.UUID,
    dry_run: bool,
    on_error: ImportOnError,
) -> MemberImport | None:
    """Idempotency: the same user, key and file give back the first job; the key with another request is 422."""
    job = session.exec(
        select(MemberImport)
        .where(MemberImport.created_by_id == user_id, MemberImport.idempotency_key == key)
        .order_by(MemberImport.created_at)
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
            MemberImport.id == import_id, in_scope(MemberImport.org_unit_id, principal.units_for())
        )
    ).first()
    if job is None:
        raise NotFound()
    return job


def list_jobs(
    session: Session, principal: Principal, *, limit: int, cursor: str | None
) -> tuple[list[MemberImport], str | None]:
    """Newest first; the (potentially long) report is left out of list items."""
    stmt = select(MemberImport).where(in_scope(MemberImport.org_unit_id, principal.units_for()))
    return keyset(session, stmt, keys=[MemberImport.id], limit=limit, cursor=cursor, descending=True)


def view(job: MemberImport) -> dict[str, Any]:
    """The job as the API shows it, with live progress while it runs."""
    data = {k: getattr(job, k) for k in MemberImport.model_fields}
    report = dict(job.report or {})
    data["phase"] = report.pop("phase", ImportPhase.queued.value)
    data["report"] = report if "errors" in report or "detail" in report else None
    if job.status == ImportStatus.running:
        live = live_progress(job.id)
        if live:
            data["phase"], data["rows_done"], data["rows_total"] = live
    return data


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
    """The CLI's import: the same job and service, run by the system (audited under ``actor_label``)."""
    with db.write_session() as session:
        unit = session.exec(select(OrgUnit).where(OrgUnit.code == org_code)).first()
        if unit is None:
            raise NotFound()
        if unit.status != "active":
            raise RuleViolation("org_unit_closed", field="org_unit", code=unit.code)
        with open(path, "rb") as source:
            upload = store_upload(source, os.fspath(path))
        try:
            check_header(upload)
            job = create_job(
                session, unit=unit, upload=upload, dry_run=dry_run, on_error=on_error, key=None, by=None
            )
            run_import(db, job.id, upload.path, settings, actor_label=actor_label, on_progress=on_progress)
        finally:
            remove_file(upload.path)
        session.refresh(job)
        return view(job)


# --- HR upsert by employee number -----------------------------------------------------------------------

_FIELD_OUT = {"monthly_wage": "monthly_wage_fen", "row": "body"}


def _fen_to_yuan(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"


def _raw_from_body(employee_no: str, body: MemberUpsert) -> RawRow:
    def text(value: Any) -> str | None:
        if value is None:
            return None
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, date):
            return value.isoformat()
        return str(value)

    data = {
        "employee_no": employee_no,
        "name": body.name,
        "gender": body.gender,
        "national_id": body.national_id,
        "phone": body.phone,
        "birth_date": text(body.birth_date),
        "join_date": text(body.join_date),
        "org_unit_code": body.org_unit_code,
        "is_representative": text(body.is_representative),
        "monthly_wage": None if body.monthly_wage_fen is None else _fen_to_yuan(body.monthly_wage_fen),
        "email": body.email,
        "tags": ",".join(body.tags) if body.tags else None,
        "notes": body.notes,
    }
    return RawRow(row_number=0, data={k: text(v) for k, v in data.items()})


UPSERT_AUDITED = (
    "employee_no",
    "org_unit_id",
    "name",
    "gender",
    "national_id_hmac",
    "phone",
    "email",
    "join_date",
    "is_representative",
    "monthly_wage_fen",
    "notes",
)


def upsert(
    session: Session,
    settings: Settings,
    *,
    employee_no: str,
    org_unit: str,
    body: MemberUpsert,
    version: int | None,
    by: Principal,
) -> tuple[uuid.UUID, bool]:
    """Create or update the member with this employee number in ``org_unit``'s grassroots union.

    ``version`` (If-Match): the member must exist at that version (412 otherwise); None (``*``): create
    or update whatever is current.

    Idempotent: sending the same data again writes nothing (no audit event, no change-feed entry, the
    version stays). Returns (member id, created).
    """
    unit = import_unit(session, org_unit, by.units_for())
    row = normalise_member_row(_raw_from_body(employee_no.strip(), body), today=date.today())
    if isinstance(row, MemberRowError):
        fe = row.errors[0]
        en, zh = KIND_MESSAGES.get(fe.kind, fe.message), KIND_MESSAGES_ZH.get(fe.kind, fe.message)
        column = _FIELD_OUT.get(fe.field, fe.field)
        raise RuleViolation(
            "hr_invalid_field", field=column, column=column, kind=fe.kind, reason=en, reason_zh=zh
        )
    given = set(body.model_fields_set) | {"gender", "birth_date"}
    if "is_representative" in given and body.is_representative is None:
        given.discard("is_representative")

    def authority(_: MemberRowOk) -> set[str]:
        return given

    ctx = load_context(
        session, unit, PiiVault.from_settings(settings), actor_id=by.user_id, today=date.today()
    )
    plans, errors = plan_batch(session, ctx, [row], authority)
    if errors:
        fe = errors[0].errors[0]
        value = body.org_unit_code or unit.code
        raise {
            "unknown_org": RuleViolation(
                "hr_unknown_org", field="org_unit_code", value=value, org_unit=unit.code
            ),
            "org_closed": RuleViolation("hr_org_closed", field="org_unit_code", value=value),
            "org_not_in_union": RuleViolation("hr_org_not_in_union", field="org_unit_code", value=value),
            "dup_national_id_on_record": RuleViolation("hr_national_id_on_record", field="national_id"),
            "member_out_of_scope": RuleViolation(
                "hr_member_out_of_scope", field="employee_no", value=employee_no, org_unit=unit.code
            ),
        }[fe.kind]
    plan = plans[0]
    if version is not None and (plan.existing is None or plan.existing.version != version):
        raise PreconditionFailed()
    if plan.action == "unchanged":
        return plan.member_id, False  # type: ignore[return-value]
    try:
        write_batch(session, ctx, [plan])
    except ConcurrentChange:
        session.rollback()
        raise Conflict("version_mismatch") from None
    assert plan.member_id is not None
    fields = [f for f in UPSERT_AUDITED if f != "employee_no"]
    after = {f: plan.values[f] for f in fields}
    if plan.action == "created":
        action, diff = (
            "member.created",
            audit.created({"employee_no": plan.row.employee_no, **after, "tags": plan.tags or []}),
        )
    else:
        before = {f: getattr(plan.existing, f) for f in fields}
        action, diff = "member.updated", audit.diff(before, after)
        if plan.tags is not None:
            diff.setdefault("after", {})["tags"] = plan.tags
    audit.record(
        session,
        by,
        action,
        entity_type="member",
        entity_id=plan.member_id,
        org_unit_id=plan.values["org_unit_id"],
        changes={**diff, "source": "hr_sync"},
    )
    session.commit()
    return plan.member_id, plan.action == "created"


def synced_view(session: Session, member_id: uuid.UUID) -> dict[str, Any]:
    member = session.get(Member, member_id, populate_existing=True)
    assert member is not None
    tags = sorted(session.execute(select(MemberTag.tag).where(MemberTag.member_id == member_id)).scalars())
    data = {
        k: getattr(member, k)
        for k in (
            "id",
            "member_no",
            "employee_no",
            "org_unit_id",
            "name",
            "gender",
            "birth_date",
            "national_id_masked",
            "join_date",
            "status",
            "is_representative",
            "version",
        )
    }
    return {**data, "phone_masked": mask_phone(member.phone), "tags": tags}
