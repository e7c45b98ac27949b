"""Row planning shared by bulk imports and the HR upsert: the import's error messages, the
context of one import (units by code, grassroots unions), and :func:`plan_batch`, which turns a batch of
normalised rows into inserts, updates and row errors with one query per batch (never one per row).
"""

from __future__ import annotations

import itertools
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlmodel import Session, col, select

from api.db.models import Member, MemberEvent, MemberImport, MemberTag, OrgUnit, OrgUnitClosure
from api.db.types import table_of
from api.i18n import _, _n, register
from api.imports.members import (
    KIND_MESSAGES,
    FieldError,
    MemberRowError,
    MemberRowOk,
)
from api.security.pii import PiiVault
from api.services.member_core import grassroots_map

#: row-level kinds that need the database, beside the file-level kinds of api.imports.members
DB_KIND_MESSAGES: dict[str, str] = {
    "unknown_org": KIND_MESSAGES["unknown_org"],
    "org_closed": _("the org unit is closed"),
    "org_not_in_union": _("no grassroots union for this row: give a unit inside one"),
    "dup_national_id_on_record": _("ID number is already on record for another member"),
    "member_out_of_scope": _("employee number belongs to a member outside the import's org unit"),
    # a masked ID (api.rules.resident_id.MASKED_ID: an export re-imported) updates a member on record only
    "id_masked_new_member": KIND_MESSAGES["id_masked_new_member"],
    "id_masked_mismatch": KIND_MESSAGES["id_masked_mismatch"],
}

register(
    {
        "import_unsupported_format": _("Unsupported file format: {detail}."),
        "import_unreadable_file": _("The file cannot be read: {detail}."),
        "import_unknown_column": _("The header cannot be used: {detail}."),
        "import_missing_column": _("The header cannot be used: {detail}."),
        "import_duplicate_column": _("The header cannot be used: {detail}."),
        "import_too_many_columns": _("The file exceeds a size limit: {detail}."),
        "import_cell_too_long": _("The file exceeds a size limit: {detail}."),
        "import_uncompressed_too_large": _("The file exceeds a size limit: {detail}."),
        "import_rows_invalid": _n(
            "{count} row failed; nothing was imported (fix it, or import with on_error=skip).",
            "{count} rows failed; nothing was imported (fix them, or import with on_error=skip).",
        ),
        "import_concurrent_change": _(
            "Members changed while the import ran; nothing was imported, run it again."
        ),
        "import_interrupted": _(
            "The import was interrupted (the process running it stopped); nothing was imported, run it again."
        ),
        "import_file_too_large": _("The file is larger than {limit_mb} MB."),
        "hr_invalid_field": _("{column}: {reason}."),
        "hr_unknown_org": _("No org unit {value} inside {org_unit}."),
        "hr_org_closed": _("Org unit {value} is closed."),
        "hr_org_not_in_union": _("Org unit {value} belongs to no grassroots union."),
        "hr_national_id_on_record": _("This ID number is already on record for another member."),
        "hr_member_out_of_scope": _("Employee number {value} belongs to a member outside {org_unit}."),
    }
)


# --- row planning, shared by imports and the upsert -------------------------------------------------

MEMBER = table_of(Member)
TAG = table_of(MemberTag)
EVENT = table_of(MemberEvent)
IMPORT = table_of(MemberImport)

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
    """An import overwrites what the file says; a blank cell keeps what is on record. A masked ID (an
    export re-imported) keeps the ID on record, and with it a blank gender or birth date."""
    given = {"name", "is_representative"}
    if row.national_id is not None:
        given.add("national_id")
    given |= {name for name in ("gender", "birth_date", *_OPTIONAL) if getattr(row, name) is not None}
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
        select(col(OrgUnit.id), col(OrgUnit.code), col(OrgUnit.status)).where(col(OrgUnit.code).in_(missing))
    ).all()
    found = {r.code: r for r in rows if r.id in ctx.subtree}
    unions = grassroots_map(session, {r.id for r in found.values()})
    for code in missing:
        r = found.get(code)
        ctx.units[code] = None if r is None else _Unit(r.id, r.code, unions.get(r.id), r.status != "active")


def _err(row_number: int, field_name: str, kind: str) -> MemberRowError:
    return MemberRowError(row_number, [FieldError(field_name, kind, DB_KIND_MESSAGES[kind])])


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


# The keys go as one JSON text each (a dumps in C), unpacked by the server: psycopg dumps a list
# parameter element by element in Python (~8 % of an import's CPU for 1,000 keys per batch, twice).
_KEYS = (
    sa.func.json_array_elements(sa.cast(sa.bindparam("keys", type_=sa.Text), postgresql.JSON))
    .table_valued(sa.column("pair", postgresql.JSON))
    .render_derived()
)
_EXISTING_PG = _probe(
    _KEYS,
    _EXISTING_COLUMNS,
    MEMBER.c.grassroots_unit_id == sa.cast(_KEYS.c.pair[0].astext, sa.Uuid),
    MEMBER.c.employee_no == _KEYS.c.pair[1].astext,
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
    as one JSON array of pairs, each probing the index (:func:`_probe`, one cached statement). SQLite gets one
    ``grassroots_unit_id = ? AND employee_no IN (...)`` per union of the batch, which it runs as index
    probes; a row-value ``(grassroots_unit_id, employee_no) IN (VALUES ...)`` was a full scan of ``member``
    per batch (quadratic: the main reason the rate fell with the file's size).
    """
    keys = {(gid, row.employee_no) for row, _, gid in located}
    if session.get_bind().dialect.name == "postgresql":
        as_text = {gid: str(gid) for gid in {gid for gid, _ in keys}}  # a batch's keys share a few unions
        pairs = [(as_text[gid], employee_no) for gid, employee_no in keys]
        return session.execute(_EXISTING_PG, {"keys": orjson.dumps(pairs).decode()})
    per_union: dict[uuid.UUID, list[str]] = defaultdict(list)
    for gid, employee_no in keys:
        per_union[gid].append(employee_no)
    return itertools.chain.from_iterable(
        session.execute(_EXISTING_SQLITE, {"union_id": gid, "employee_nos": numbers})
        for gid, numbers in per_union.items()
    )


_HMAC_KEYS = (
    sa.func.json_array_elements_text(sa.cast(sa.bindparam("hmacs", type_=sa.Text), postgresql.JSON))
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
    gets them as one JSON array, one cached statement, like :func:`_existing`)."""
    if session.get_bind().dialect.name == "postgresql":
        return session.execute(_OWNERS_PG, {"hmacs": orjson.dumps(list(hmacs)).decode()})
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
    hmacs = {
        id(row): ctx.vault.lookup_hash(row.national_id.value)
        for row, _, _ in located
        if row.national_id is not None
    }
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
        old = existing.get(key)
        if row.national_id is None:  # masked: the member on record under the employee number keeps its ID
            if old is None:
                errors.append(_err(row.row_number, "national_id", "id_masked_new_member"))
                continue
            if old.national_id_masked[-4:] != row.masked_tail:
                errors.append(_err(row.row_number, "national_id", "id_masked_mismatch"))
                continue
            hmac = old.national_id_hmac
        else:
            hmac = hmacs[id(row)]
            owner = owners.get(hmac)
            if owner is not None and owner != key:
                errors.append(_err(row.row_number, "national_id", "dup_national_id_on_record"))
                continue
        if old is None:
            assert row.national_id is not None  # a masked ID without a member on record failed above
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
        if "national_id" in given and row.national_id is not None:
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
