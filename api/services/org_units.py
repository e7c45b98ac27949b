"""The organisation tree: create, rename, move, close (docs/rules.md §0).

The closure table ``org_unit_closure`` is maintained here and nowhere else.
"""

from __future__ import annotations

import uuid
from datetime import date

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, select

from api.db.models import OrgUnit, OrgUnitClosure
from api.db.types import table_of, utcnow
from api.errors import Conflict, NotFound, RuleViolation
from api.rules.uscc import UsccError, validate_uscc
from api.schemas.org_units import (
    OrgUnitClose,
    OrgUnitCreate,
    OrgUnitKind,
    OrgUnitMove,
    OrgUnitStatus,
    OrgUnitUpdate,
)
from api.security.principal import Principal
from api.services import audit
from api.services.concurrency import expect_version
from api.services.pagination import keyset
from api.services.scope import in_scope, unit_within

#: which kind of unit may sit under which (docs/rules.md §0: federation -> grassroots -> branch -> group;
#: a union group may also sit directly under a small grassroots union)
ALLOWED_PARENTS: dict[OrgUnitKind, set[OrgUnitKind]] = {
    OrgUnitKind.federation: {OrgUnitKind.federation},
    OrgUnitKind.grassroots: {OrgUnitKind.federation},
    OrgUnitKind.branch: {OrgUnitKind.grassroots},
    OrgUnitKind.group: {OrgUnitKind.grassroots, OrgUnitKind.branch},
}

AUDITED_FIELDS = (
    "code",
    "name",
    "kind",
    "parent_id",
    "uscc",
    "status",
    "closed_on",
    "independent_accounting",
)


def get_in_scope(session: Session, unit_id: uuid.UUID, principal: Principal) -> OrgUnit:
    unit = session.exec(
        select(OrgUnit).where(col(OrgUnit.id) == unit_id, in_scope(col(OrgUnit.id), principal.units_for()))
    ).first()
    if unit is None:
        raise NotFound()
    return unit


def get_by_code(session: Session, code: str) -> OrgUnit | None:
    return session.exec(select(OrgUnit).where(OrgUnit.code == code)).first()


def list_units(
    session: Session,
    principal: Principal,
    *,
    limit: int,
    cursor: str | None,
    parent_id: uuid.UUID | None = None,
    under: uuid.UUID | None = None,
    kind: OrgUnitKind | None = None,
    status: OrgUnitStatus | None = None,
    q: str | None = None,
) -> tuple[list[OrgUnit], str | None]:
    stmt = select(OrgUnit).where(in_scope(col(OrgUnit.id), principal.units_for()))
    if parent_id is not None:
        stmt = stmt.where(OrgUnit.parent_id == parent_id)
    if under is not None:
        stmt = stmt.where(in_scope(col(OrgUnit.id), [under]))
    if kind is not None:
        stmt = stmt.where(OrgUnit.kind == kind.value)
    if status is not None:
        stmt = stmt.where(OrgUnit.status == status.value)
    if q:
        pattern = f"%{q}%"
        stmt = stmt.where(sa.or_(col(OrgUnit.name).like(pattern), col(OrgUnit.code).like(pattern)))
    return keyset(session, stmt, keys=[col(OrgUnit.id)], limit=limit, cursor=cursor)


def _check_uscc(raw: str | None) -> str | None:
    if raw is None:
        return None
    try:
        return validate_uscc(raw)
    except UsccError as exc:
        raise RuleViolation(exc.kind, field="uscc") from None


def _check_placement(kind: OrgUnitKind, parent: OrgUnit) -> None:
    if OrgUnitKind(parent.kind) not in ALLOWED_PARENTS[kind]:
        raise RuleViolation(
            "org_unit_parent_kind", field="parent_id", kind=kind.value, parent_kind=parent.kind
        )
    if parent.status != OrgUnitStatus.active:
        raise RuleViolation("org_unit_closed", field="parent_id", code=parent.code)


def insert_unit(session: Session, unit: OrgUnit, parent: OrgUnit | None) -> None:
    """Add ``unit`` and its closure rows (itself, then every ancestor of ``parent``)."""
    session.add(unit)
    session.flush()
    closure = table_of(OrgUnitClosure)
    session.execute(closure.insert().values(ancestor_id=unit.id, descendant_id=unit.id, depth=0))
    if parent is not None:
        session.execute(
            closure.insert().from_select(
                ["ancestor_id", "descendant_id", "depth"],
                select(
                    OrgUnitClosure.ancestor_id, sa.literal(unit.id, type_=sa.Uuid), OrgUnitClosure.depth + 1
                ).where(OrgUnitClosure.descendant_id == parent.id),
            )
        )


def create(session: Session, data: OrgUnitCreate, *, by: Principal) -> OrgUnit:
    """Setting up a unit needs the unit above (章程 Art 16): the caller must administer the parent."""
    parent = session.get(OrgUnit, data.parent_id)
    if parent is None or not unit_within(session, parent.id, by.units_for()):
        raise RuleViolation("not_found", field="parent_id")
    _check_placement(data.kind, parent)
    if get_by_code(session, data.code) is not None:
        raise Conflict("org_unit_code_taken", value=data.code)
    unit = OrgUnit(
        code=data.code,
        name=data.name,
        kind=data.kind.value,
        parent_id=parent.id,
        depth=parent.depth + 1,
        uscc=_check_uscc(data.uscc),
    )
    try:
        insert_unit(session, unit, parent)
    except IntegrityError:
        session.rollback()
        raise Conflict("org_unit_code_taken", value=data.code) from None
    audit.record(
        session,
        by,
        "org_unit.created",
        entity_type="org_unit",
        entity_id=unit.id,
        org_unit_id=unit.id,
        changes=audit.created(audit.snapshot(unit, AUDITED_FIELDS)),
    )
    session.commit()
    return unit


def update(session: Session, unit: OrgUnit, data: OrgUnitUpdate, *, version: int, by: Principal) -> OrgUnit:
    expect_version(unit, version)
    before = audit.snapshot(unit, AUDITED_FIELDS)
    changes = data.model_dump(exclude_unset=True)
    for required in ("name", "independent_accounting"):
        if required in changes and changes[required] is None:
            raise RuleViolation("validation_failed", field=required, count=1)
    if "uscc" in changes:
        changes["uscc"] = _check_uscc(changes["uscc"])
    for key, value in changes.items():
        setattr(unit, key, value)
    after = audit.snapshot(unit, AUDITED_FIELDS)
    if after == before:
        return unit
    unit.updated_at = utcnow()
    audit.record(
        session,
        by,
        "org_unit.updated",
        entity_type="org_unit",
        entity_id=unit.id,
        org_unit_id=unit.id,
        changes=audit.diff(before, after),
    )
    session.commit()
    return unit


def move(session: Session, unit: OrgUnit, data: OrgUnitMove, *, version: int, by: Principal) -> OrgUnit:
    """Re-parent a unit with its subtree. Not under itself or its own descendants."""
    expect_version(unit, version)
    new_parent = session.get(OrgUnit, data.parent_id)
    if new_parent is None or not unit_within(session, new_parent.id, by.units_for()):
        raise RuleViolation("not_found", field="parent_id")
    if unit_within(session, new_parent.id, [unit.id]):
        raise RuleViolation("org_unit_move_into_own_subtree", field="parent_id")
    if unit.parent_id is None:
        raise RuleViolation("org_unit_root_required", field="parent_id")
    _check_placement(OrgUnitKind(unit.kind), new_parent)
    if new_parent.id == unit.parent_id:
        return unit
    old_parent_id = unit.parent_id
    closure = table_of(OrgUnitClosure)
    subtree = select(OrgUnitClosure.descendant_id).where(OrgUnitClosure.ancestor_id == unit.id)
    outside_ancestors = select(OrgUnitClosure.ancestor_id).where(
        OrgUnitClosure.descendant_id == unit.id, OrgUnitClosure.ancestor_id != unit.id
    )
    # Detach the subtree from its old ancestors, then attach it under the new parent's ancestors.
    session.execute(
        closure.delete().where(
            closure.c.descendant_id.in_(subtree.scalar_subquery()),
            closure.c.ancestor_id.in_(outside_ancestors.scalar_subquery()),
        )
    )
    up = sa.orm.aliased(OrgUnitClosure)
    down = sa.orm.aliased(OrgUnitClosure)
    session.execute(
        closure.insert().from_select(
            ["ancestor_id", "descendant_id", "depth"],
            select(up.ancestor_id, down.descendant_id, up.depth + down.depth + 1)
            .select_from(up)
            .join(down, sa.true())
            .where(up.descendant_id == new_parent.id, down.ancestor_id == unit.id),
        )
    )
    delta = new_parent.depth + 1 - unit.depth
    if delta:
        session.execute(
            sa.update(OrgUnit)
            .where(col(OrgUnit.id).in_(subtree.scalar_subquery()), col(OrgUnit.id) != unit.id)
            .values(depth=OrgUnit.depth + delta)
            .execution_options(synchronize_session=False)
        )
    unit.parent_id = new_parent.id
    unit.depth = new_parent.depth + 1
    unit.updated_at = utcnow()
    audit.record(
        session,
        by,
        "org_unit.moved",
        entity_type="org_unit",
        entity_id=unit.id,
        org_unit_id=unit.id,
        changes={"before": {"parent_id": str(old_parent_id)}, "after": {"parent_id": str(new_parent.id)}},
    )
    session.commit()
    return unit


def close(session: Session, unit: OrgUnit, data: OrgUnitClose, *, version: int, by: Principal) -> OrgUnit:
    """Closing needs the unit above (章程 Art 16) and no open sub-units."""
    expect_version(unit, version)
    if unit.status == OrgUnitStatus.closed:
        raise Conflict("org_unit_closed", code=unit.code, current=unit.status)
    if unit.parent_id is None or not unit_within(session, unit.parent_id, by.units_for()):
        raise RuleViolation("org_unit_needs_unit_above", field="id", code=unit.code)
    open_children = session.exec(
        select(func.count())
        .select_from(OrgUnit)
        .where(OrgUnit.parent_id == unit.id, OrgUnit.status == "active")
    ).one()
    if open_children:
        raise Conflict("org_unit_has_open_children", count=open_children)
    before = audit.snapshot(unit, AUDITED_FIELDS)
    unit.status = OrgUnitStatus.closed.value
    unit.closed_on = data.closed_on or date.today()
    unit.updated_at = utcnow()
    changes = audit.diff(before, audit.snapshot(unit, AUDITED_FIELDS))
    changes["reason"] = data.reason
    audit.record(
        session,
        by,
        "org_unit.closed",
        entity_type="org_unit",
        entity_id=unit.id,
        org_unit_id=unit.id,
        changes=changes,
    )
    session.commit()
    return unit
