"""Reading member records: the caller's scope as SQL (:func:`scope_filter` / :func:`list_stmt`), load one
member within scope or 404 (:func:`get_in_scope`; with its tags as the caller's view:
:func:`get_view_in_scope`), the list query, and the view of a member the caller
may see (:func:`to_out` / :func:`to_outs`: full, names only, masked contact details).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql import ColumnElement
from sqlmodel import Session, col, select

from api.db.driver import DriverQuery
from api.db.models import (
    Member,
    MemberEvent,
    MemberTag,
    OrgUnitClosure,
)
from api.db.sqlfuncs import json_array_agg, json_list
from api.db.types import table_of
from api.errors import NotFound
from api.schemas.members import (
    MemberNameOut,
    MemberOut,
    MemberStatusName,
)
from api.security.masking import mask_email, mask_phone, mask_resident_id_view
from api.security.principal import Principal
from api.services.pagination import decode_cursor, encode_cursor, keyset
from api.services.scope import (
    SCOPE_ROOTS,
    UNIT_IN_ROOTS,
    in_scope,
    in_scope_of_root_array,
    in_scope_of_roots,
    subtree_ids,
    unit_within,
)

# --- reading -------------------------------------------------------------------------------------


def scope_filter(principal: Principal, permission: str | None = None) -> ColumnElement[bool]:
    """Members whose unit lies in the caller's subtrees for ``permission`` (the route's by default)."""
    return in_scope(col(Member.org_unit_id), principal.units_for(permission))


#: built once; the scope roots are an expanding parameter (api/services/scope.py, in_scope_of_roots)
_IN_SCOPE = select(Member).where(
    col(Member.id) == sa.bindparam("member_id", type_=table_of(Member).c.id.type),
    in_scope_of_roots(col(Member.org_unit_id)),
)


def get_in_scope(session: Session, member_id: uuid.UUID, principal: Principal) -> Member:
    """One member inside the caller's scope for the route's permission; otherwise 404 (never 403)."""
    roots = principal.units_for()
    member = (
        session.scalars(_IN_SCOPE, {"member_id": member_id, SCOPE_ROOTS: roots}).first() if roots else None
    )
    if member is None:
        raise NotFound()
    return member


#: the member columns a view is made from: all but the resident ID's ciphertext and HMAC (never shown;
#: not reading them saves fetching and converting two values per member on every read)
_VIEW_COLUMNS = [c for c in table_of(Member).c if c.key not in {"national_id_cipher", "national_id_hmac"}]


def get_view_in_scope(
    session: Session, member_id: uuid.UUID, principal: Principal
) -> MemberOut | MemberNameOut:
    """The view of one member inside the caller's scope (else 404), as a validated model."""
    return _validated(get_view_values_in_scope(session, member_id, principal))


#: the member's columns and its tags in one statement (by-id reads): plain rows, no ORM object
def _view_row_in_scope(*, array: bool) -> Any:
    return sa.select(
        *_VIEW_COLUMNS,
        sa.select(json_array_agg(MemberTag.tag))
        .where(col(MemberTag.member_id) == col(Member.id))
        .correlate(Member)
        .scalar_subquery()
        .label("tags"),
    ).where(
        col(Member.id) == sa.bindparam("member_id", type_=table_of(Member).c.id.type),
        (in_scope_of_root_array if array else in_scope_of_roots)(col(Member.org_unit_id)),
    )


_VIEW_ROW_IN_SCOPE = _view_row_in_scope(array=False)
#: on PostgreSQL a driver statement with the roots as one array (api/db/driver.py)
_VIEW_ROW_QUERY = DriverQuery(_VIEW_ROW_IN_SCOPE, postgresql=_view_row_in_scope(array=True))


def get_view_values_in_scope(session: Session, member_id: uuid.UUID, principal: Principal) -> dict[str, Any]:
    """The view of one member inside the caller's scope (else 404) as plain values in the view model's
    field order (:func:`view_values`), member and tags read in one Core statement.

    The member was loaded through the caller's roots for the route's permission, so visibility needs
    no query unless the caller's grants differ between permissions (:func:`visibility`)."""
    roots = principal.units_for()
    rows = (
        _VIEW_ROW_QUERY.dicts(
            session,
            {"member_id": member_id, SCOPE_ROOTS: roots},
            {"member_id": member_id, SCOPE_ROOTS: list(roots)},
        )
        if roots
        else None
    )
    if not rows:
        raise NotFound()
    m = rows[0]
    vis = visibility(session, principal, {m["org_unit_id"]}, within=roots)
    return view_values(m, sorted(json_list(m["tags"])), vis)


@dataclass(frozen=True)
class MemberFilters:
    org_unit_id: uuid.UUID | None = None
    status: MemberStatusName | None = None
    is_representative: bool | None = None
    tag: str | None = None
    joined_from: date | None = None
    joined_to: date | None = None
    q: str | None = None


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def unit_filter(
    session: Session | None, principal: Principal, unit_id: uuid.UUID, permission: str | None = None
) -> ColumnElement[bool]:
    """Members in ``unit_id``'s subtree that the caller may read.

    When the unit lies inside the caller's subtrees (checked once here with a session: one indexed
    closure lookup, :func:`_unit_in_scope`), the unit's subtree alone is the filter
    (:func:`subtree_filter`). Filtering by the scope's subtrees AND the unit's subtree instead makes
    SQLite drive the index with the (large) scope and sort every row in scope for ``ORDER BY id``
    (docs/benchmarks.md, "Lists at scale"). Otherwise
    (a unit above or beside the caller's grants, or no session) both conditions stay: the members of
    the caller's subtrees below that unit, possibly none.
    """
    if session is not None:
        within, small = _unit_in_scope(session, unit_id, principal.units_for(permission))
        if within:
            return subtree_filter(unit_id, small=small)
    return sa.and_(scope_filter(principal, permission), in_scope(col(Member.org_unit_id), [unit_id]))


#: PostgreSQL: a subtree of at most this many units is listed through ``= ANY(ARRAY(subtree))``
SMALL_SUBTREE_UNITS = 500


#: built once, like the other statements of a list request: on PostgreSQL, is the unit in scope and how
#: many units its subtree has, counted up to ``cap`` (elsewhere :func:`scope.unit_within` suffices)
_UNIT_IN_SCOPE_AND_SIZE = sa.select(
    UNIT_IN_ROOTS,
    sa.select(sa.func.count())
    .select_from(
        sa.select(col(OrgUnitClosure.descendant_id))
        .where(col(OrgUnitClosure.ancestor_id) == sa.bindparam("unit"))
        .limit(sa.bindparam("cap", type_=sa.Integer))
        .subquery()
    )
    .scalar_subquery(),
)


def _unit_in_scope(session: Session, unit_id: uuid.UUID, roots: Sequence[uuid.UUID]) -> tuple[bool, bool]:
    """In one query: does ``unit_id`` lie in the subtrees of ``roots``; and, on PostgreSQL, is its subtree
    small (at most :data:`SMALL_SUBTREE_UNITS` units) — see :func:`subtree_filter`."""
    if not roots:
        return False, False
    if session.get_bind().dialect.name != "postgresql":
        return unit_within(session, unit_id, roots), False
    params = {"unit": unit_id, "roots": list(roots), "cap": SMALL_SUBTREE_UNITS + 1}
    inside, units = session.execute(_UNIT_IN_SCOPE_AND_SIZE, params).one()
    return bool(inside), units <= SMALL_SUBTREE_UNITS


def subtree_filter(unit_id: uuid.UUID, *, small: bool = False) -> ColumnElement[bool]:
    """Members in ``unit_id``'s subtree, written so that each engine plans the list page well.

    SQLite probes ``ix_member_status_org_unit_id_id`` unit by unit for ``IN (subquery)`` whatever the
    subtree's size. PostgreSQL cannot tell the size of an ``IN (subquery)``: it walks the primary key
    in id order and tests each row's unit, which is right for a federation (the first rows match) and
    slow for a grassroots union holding 1 % of the members (~5,000 rows and unit probes per page,
    15-20 ms at 1M members). With ``= ANY(ARRAY(subquery))`` it reads the index instead (the subtree's
    entries, then a top-N sort: 3-5 ms), which is slow for a large subtree (0.4 s for a federation of
    1M members). So on PostgreSQL a ``small`` subtree (at most :data:`SMALL_SUBTREE_UNITS` units,
    :func:`_unit_in_scope`) gets the array form (docs/benchmarks.md, "Lists at scale").
    """
    if small:
        return col(Member.org_unit_id) == sa.any_(sa.func.array(subtree_ids([unit_id]).scalar_subquery()))
    return in_scope(col(Member.org_unit_id), [unit_id])


def list_stmt(
    principal: Principal,
    filters: MemberFilters | None = None,
    *,
    permission: str | None = None,
    session: Session | None = None,
) -> Any:
    """``SELECT member`` within the caller's scope with the list filters applied (lists and exports).

    Pass ``session`` when filtering by ``org_unit_id``: the unit is then checked against the scope once
    and the query filters by its subtree only (:func:`unit_filter`).
    """
    f = filters or MemberFilters()
    if f.org_unit_id is not None:
        stmt = select(Member).where(unit_filter(session, principal, f.org_unit_id, permission))
    else:
        stmt = select(Member).where(scope_filter(principal, permission))
    if f.status is not None:
        stmt = stmt.where(Member.status == f.status.value)
    if f.is_representative is not None:
        stmt = stmt.where(Member.is_representative == f.is_representative)
    if f.tag:
        stmt = stmt.where(
            col(Member.id).in_(select(col(MemberTag.member_id)).where(col(MemberTag.tag) == f.tag))
        )
    if f.joined_from is not None:
        stmt = stmt.where(col(Member.join_date) >= f.joined_from)
    if f.joined_to is not None:
        stmt = stmt.where(col(Member.join_date) <= f.joined_to)
    if f.q:
        pattern = _like(f.q)
        stmt = stmt.where(
            sa.or_(
                col(Member.name).like(pattern, escape="\\"),
                col(Member.member_no).ilike(pattern, escape="\\"),
                col(Member.employee_no).ilike(pattern, escape="\\"),
            )
        )
    return stmt


def list_members(
    session: Session,
    principal: Principal,
    *,
    limit: int,
    cursor: str | None,
    filters: MemberFilters | None = None,
) -> tuple[list[MemberOut | MemberNameOut], str | None]:
    """One page of :func:`list_member_values`, each view validated into its model."""
    items, next_cursor = list_member_values(session, principal, limit=limit, cursor=cursor, filters=filters)
    return [_validated(m) for m in items], next_cursor


def list_member_values(
    session: Session,
    principal: Principal,
    *,
    limit: int,
    cursor: str | None,
    filters: MemberFilters | None = None,
) -> tuple[list[dict[str, Any]], str | None]:
    """One page of :func:`list_stmt`, keys first: the page's ids are chosen by the filters in a subquery
    (from ``ix_member_status_org_unit_id_id`` / ``ix_member_org_unit_id_id`` alone when the filters are
    unit and status), then only those rows are read. Selecting whole rows instead makes the engine read
    and sort every matching row of the subtree for ``ORDER BY id`` (docs/benchmarks.md, "Lists at scale").

    Every listed member lies under the caller's roots for the route's permission (the scope filter, or
    a unit checked to be inside it), so visibility settles from the grants what it can (``within``).
    Each item is the caller's view as plain values (:func:`view_values`): the router serialises the
    page once, without a model object per member."""
    if filters is None or filters == _NO_FILTERS:
        return _unfiltered_page(session, principal, limit=limit, cursor=cursor)
    ids = list_stmt(principal, filters, session=session).with_only_columns(Member.id)
    rows, next_cursor = keyset(
        session,
        ids,
        keys=[col(Member.id)],
        limit=limit,
        cursor=cursor,
        fetch=_PAGE_ROWS,
        scalars=False,
        core=True,
    )
    roots = principal.units_for()
    vis = visibility(session, principal, {r.org_unit_id for r in rows}, within=roots)
    keys = _PAGE_KEYS
    page = [dict(zip(keys, r, strict=True)) for r in rows]
    return [view_values(m, sorted(json_list(m["tags"])), vis) for m in page], next_cursor


#: the rows of a page: the member table's columns (plain rows, no ORM objects: nothing on a list page
#: is changed) and each member's tags as a JSON array, in one statement (built once)
_PAGE_ROWS = sa.select(
    *_VIEW_COLUMNS,
    sa.select(json_array_agg(MemberTag.tag))
    .where(col(MemberTag.member_id) == col(Member.id))
    .correlate(Member)
    .scalar_subquery()
    .label("tags"),
)
_PAGE_KEYS = tuple(str(c.key) for c in _PAGE_ROWS.selected_columns)


_NO_FILTERS = MemberFilters()


def _page_in_scope(*, after: bool, array: bool = False) -> Any:
    """The rows of one page of every member in the caller's scope (the list without filters): the same
    keys-first statement :func:`keyset` builds from :func:`list_stmt`, built once with the scope roots,
    the cursor and the page size as parameters, so a request spends nothing on building it and its
    cache key (about a tenth of a page's CPU on SQLite)."""
    in_roots = in_scope_of_root_array if array else in_scope_of_roots
    ids = sa.select(col(Member.id)).where(in_roots(col(Member.org_unit_id)))
    if after:
        ids = ids.where(col(Member.id) > sa.bindparam("after", type_=table_of(Member).c.id.type))
    ids = ids.order_by(col(Member.id)).limit(sa.bindparam("n", type_=sa.Integer))
    return _PAGE_ROWS.where(col(Member.id).in_(ids)).order_by(col(Member.id))


_PAGE_FIRST, _PAGE_AFTER = _page_in_scope(after=False), _page_in_scope(after=True)
#: on PostgreSQL driver statements with the roots as one array (api/db/driver.py)
_PAGE_FIRST_QUERY = DriverQuery(_PAGE_FIRST, postgresql=_page_in_scope(after=False, array=True))
_PAGE_AFTER_QUERY = DriverQuery(_PAGE_AFTER, postgresql=_page_in_scope(after=True, array=True))


def _unfiltered_page(
    session: Session, principal: Principal, *, limit: int, cursor: str | None
) -> tuple[list[dict[str, Any]], str | None]:
    roots = principal.units_for()
    if not roots:
        return [], None
    params: dict[str, Any] = {SCOPE_ROOTS: list(roots), "n": limit + 1}
    if cursor:
        (params["after"],) = decode_cursor(cursor, [table_of(Member).c.id])
    page = (_PAGE_AFTER_QUERY if cursor else _PAGE_FIRST_QUERY).dicts(session, params, params)
    next_cursor = None
    if len(page) > limit:
        page = page[:limit]
        next_cursor = encode_cursor([page[-1]["id"]])
    vis = visibility(session, principal, {m["org_unit_id"] for m in page}, within=roots)
    return [view_values(m, sorted(json_list(m["tags"])), vis) for m in page], next_cursor


#: built once (building a statement and its cache key costs more CPU than running it on SQLite)
_TAGS_OF = select(MemberTag.member_id, MemberTag.tag).where(
    col(MemberTag.member_id).in_(sa.bindparam("member_ids", expanding=True))
)
_UNITS_UNDER = select(OrgUnitClosure.descendant_id, OrgUnitClosure.ancestor_id).where(
    col(OrgUnitClosure.descendant_id).in_(sa.bindparam("units", expanding=True)),
    col(OrgUnitClosure.ancestor_id).in_(sa.bindparam("roots", expanding=True)),
)


def tags_of(session: Session, member_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, list[str]]:
    """Tags of many members in one query."""
    ids = list(member_ids)
    out: dict[uuid.UUID, list[str]] = {i: [] for i in ids}
    if ids:
        rows = session.execute(_TAGS_OF, {"member_ids": ids}).all()
        for member_id, tag in sorted(rows, key=lambda row: row.tag):  # code-point order on every engine
            out[member_id].append(tag)
    return out


@dataclass(frozen=True)
class Visibility:
    """Per org unit, what the caller may see of the members there (docs/rules.md §0 role matrix)."""

    full: frozenset[uuid.UUID]  # members.read: the whole record (else names only)
    contact: frozenset[uuid.UUID]  # members.write: phone and email unmasked
    wage: frozenset[uuid.UUID]  # members.write or dues.write: the monthly wage (the dues base)
    #: members.national_id: the stored mask and the full birth date (else last 4 and the birth year,
    #: api.security.masking)
    national_id: frozenset[uuid.UUID] = frozenset()


def visibility(
    session: Session, principal: Principal, unit_ids: Iterable[uuid.UUID], *, within: Sequence[uuid.UUID] = ()
) -> Visibility:
    """Which of ``unit_ids`` fall in the caller's subtrees for each permission, in one query at most.

    ``within``: roots the caller already knows every unit lies under (the scope the members were
    loaded through). A permission held at all of those roots then covers every unit, and one held
    nowhere covers none; only the others need the closure table. A by-id read by a caller whose
    grants are all at the same units (the usual case) needs no query.
    """
    units = set(unit_ids)
    roots = {
        "full": set(principal.units_for("members.read")),
        "contact": set(principal.units_for("members.write")),
        "wage": set(principal.units_for("members.write")) | set(principal.units_for("dues.write")),
        "national_id": set(principal.units_for("members.national_id")),
    }
    known = set(within)
    settled = {
        name: frozenset(units) if r else frozenset()
        for name, r in roots.items()
        if not r or (known and known <= r)
    }
    open_roots = set().union(*(r for name, r in roots.items() if name not in settled))
    above: dict[uuid.UUID, set[uuid.UUID]] = {}
    if units and open_roots:
        rows = session.execute(_UNITS_UNDER, {"units": list(units), "roots": list(open_roots)}).all()
        for unit, ancestor in rows:
            above.setdefault(unit, set()).add(ancestor)

    def pick(name: str) -> frozenset[uuid.UUID]:
        if name in settled:
            return settled[name]
        return frozenset(u for u, a in above.items() if a & roots[name])

    return Visibility(
        full=pick("full"), contact=pick("contact"), wage=pick("wage"), national_id=pick("national_id")
    )


#: MemberOut fields copied from the member's columns as they are (the others are computed below)
_COPIED = tuple(
    name
    for name in MemberOut.model_fields
    if name
    not in {
        "view",
        "gender",
        "status",
        "phone",
        "email",
        "contact_masked",
        "national_id_masked",
        "birth_date",
        "birth_year",
        "monthly_wage_fen",
        "tags",
    }
)
#: the member columns a view reads
_READ = (
    *_COPIED,
    "gender",
    "status",
    "phone",
    "email",
    "national_id_masked",
    "birth_date",
    "monthly_wage_fen",
)


def to_out(
    member: Any, principal: Principal, *, tags: Sequence[str], vis: Visibility
) -> MemberOut | MemberNameOut:
    """The view of ``member`` the caller may see (a Member; lists pass each row as a dict, see
    :func:`list_members`).

    * Without ``members.read`` over the member's unit (treasurers hold only ``members.read_names``):
      names only — number, employee number, name, unit and status (docs/rules.md §0 "names only").
    * Phone and email unmasked only for callers who may edit the member (``members.write``: officers);
      chairs, auditors and integrations see them masked.
    * The monthly wage only for callers who edit the member or record their dues (``dues.write``).
    * The resident ID is always masked here; the full value has its own audited endpoint. Callers
      without ``members.national_id`` over the member see its last 4 characters and the birth year only
      (api.security.masking).
    """
    values = member if isinstance(member, dict) else {name: getattr(member, name) for name in _READ}
    return _validated(view_values(values, tags, vis))


def _validated(values: dict[str, Any]) -> MemberOut | MemberNameOut:
    return (MemberOut if values["view"] == "full" else MemberNameOut).model_validate(values)


def view_values(m: dict[str, Any], tags: Sequence[str], vis: Visibility) -> dict[str, Any]:
    """The view of one member (``m``: its columns) the caller may see, as the plain values of
    ``MemberOut`` / ``MemberNameOut`` in the models' field order (:func:`to_out` says what is masked).

    Read paths serialise these straight to JSON (``pydantic_core.to_json`` gives the same bytes as the
    model's own serialiser for these types; tests/members/test_member_views.py checks it), so a page of
    50 costs no model object and no validation per member; :func:`_validated` makes the model."""
    unit = m["org_unit_id"]
    wage = m["monthly_wage_fen"] if unit in vis.wage else None
    if unit not in vis.full:
        return {
            "view": "names",
            "id": m["id"],
            "member_no": m["member_no"],
            "employee_no": m["employee_no"],
            "name": m["name"],
            "org_unit_id": unit,
            "status": m["status"],
            "monthly_wage_fen": wage,
            "version": m["version"],
        }
    masked = unit not in vis.contact
    seen = mask_resident_id_view(m["national_id_masked"], m["birth_date"], full=unit in vis.national_id)
    # one literal in MemberOut's field order (cheaper than copying and reordering per member; the
    # order is checked against the model in tests/members/test_member_views.py)
    return {
        "view": "full",
        "id": m["id"],
        "member_no": m["member_no"],
        "employee_no": m["employee_no"],
        "name": m["name"],
        "gender": m["gender"],
        "birth_date": seen.birth_date,
        "birth_year": seen.birth_year,
        "national_id_masked": seen.national_id_masked,
        "phone": mask_phone(m["phone"]) if masked else m["phone"],
        "email": mask_email(m["email"]) if masked else m["email"],
        "contact_masked": masked,
        "org_unit_id": unit,
        "grassroots_unit_id": m["grassroots_unit_id"],
        "join_date": m["join_date"],
        "applied_on": m["applied_on"],
        "application_channel": m["application_channel"],
        "card_no": m["card_no"],
        "card_status": m["card_status"],
        "card_issued_on": m["card_issued_on"],
        "card_recalled_on": m["card_recalled_on"],
        "status": m["status"],
        "status_reason": m["status_reason"],
        "status_changed_on": m["status_changed_on"],
        "is_representative": m["is_representative"],
        "tags": list(tags),
        "monthly_wage_fen": wage,
        "notes": m["notes"],
        "version": m["version"],
        "created_at": m["created_at"],
        "updated_at": m["updated_at"],
    }


def to_outs(
    session: Session, members: Sequence[Member], principal: Principal, *, within: Sequence[uuid.UUID] = ()
) -> list[MemberOut | MemberNameOut]:
    """Views of a page of members: tags and visibility in one query each, whatever the page size.
    ``within``: see :func:`visibility` (pass it only for members loaded through that scope)."""
    tags = tags_of(session, [m.id for m in members])
    vis = visibility(session, principal, {m.org_unit_id for m in members}, within=within)
    return [to_out(m, principal, tags=tags[m.id], vis=vis) for m in members]


def to_out_one(
    session: Session, member: Member, principal: Principal, *, loaded_in_scope: bool = False
) -> MemberOut | MemberNameOut:
    """``loaded_in_scope``: ``member`` was just loaded by :func:`get_in_scope` for the route's permission
    and not moved since, so its unit lies under ``principal.units_for()``."""
    return to_outs(session, [member], principal, within=principal.units_for() if loaded_in_scope else ())[0]


def list_events(
    session: Session, member: Member, *, limit: int, cursor: str | None
) -> tuple[list[MemberEvent], str | None]:
    stmt = select(MemberEvent).where(MemberEvent.member_id == member.id)
    return keyset(session, stmt, keys=[col(MemberEvent.id)], limit=limit, cursor=cursor)
