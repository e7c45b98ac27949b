"""Setting up or closing a unit needs the approval of the unit above (章程 Art 16).

Owns the ``org_unit_request`` table: a unit's officers or chairs (or those of its parent) ask; a chair
of the unit above decides, never the person who asked, and an approval names the approval document
(批复文号). Approving carries the change out (api.services.org_units.set_up / close_unit) in the same
transaction, so every unit set up or closed this way has its approval on record. Admins, a technical
role, approve nothing: they hold neither permission.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any, cast

import sqlalchemy as sa
from sqlmodel import Session, col, select

from api.db.models import OrgUnit, OrgUnitRequest
from api.db.types import utcnow
from api.errors import Conflict, Forbidden, NotFound, RuleViolation
from api.i18n import _, register
from api.schemas.org_units import OrgUnitCreate, OrgUnitKind, OrgUnitStatus
from api.schemas.tasks import TaskKind, TaskOut, TaskResourceType
from api.schemas.unit_requests import (
    UnitCloseRequest,
    UnitRequestAction,
    UnitRequestDecide,
    UnitRequestOut,
    UnitRequestStatus,
    UnitSetUpRequest,
)
from api.security.principal import Principal
from api.services import audit, org_units, tasks
from api.services.concurrency import expect_version
from api.services.pagination import keyset
from api.services.scope import in_scope, unit_within


def _c(attribute: Any) -> sa.ColumnElement[Any]:
    """A model attribute as the column expression the scope and pagination helpers take."""
    return cast("sa.ColumnElement[Any]", attribute)


register(
    {
        "unit_request_pending": _("A request for this unit is already awaiting the unit above."),
        "unit_request_not_pending": _("The request is {current}."),
        "unit_request_not_above": _(
            "Only a chair of the unit above ({code}) decides this request (章程 Art 16)."
        ),
        "unit_request_self_approval": _(
            "You made this request; another chair of the unit above must decide it."
        ),
        "unit_request_approval_ref_required": _("An approval names its document (批复文号)."),
        "unit_request_note_required": _("A rejection states its reasons."),
        "unit_request_top_level": _("A top-level unit has no unit above to approve its closing."),
    }
)


def _scope(roots: list[uuid.UUID]) -> sa.ColumnElement[bool]:
    """Requests under the unit above in the caller's subtrees, or about a unit in them."""
    return sa.or_(in_scope(_c(OrgUnitRequest.parent_id), roots), in_scope(_c(OrgUnitRequest.unit_id), roots))


def get_in_scope(session: Session, request_id: uuid.UUID, principal: Principal) -> OrgUnitRequest:
    req = session.exec(
        select(OrgUnitRequest).where(col(OrgUnitRequest.id) == request_id, _scope(principal.units_for()))
    ).first()
    if req is None:
        raise NotFound()
    return req


def list_requests(
    session: Session,
    principal: Principal,
    *,
    limit: int,
    cursor: str | None,
    status: UnitRequestStatus | None = None,
) -> tuple[list[UnitRequestOut], str | None]:
    stmt = select(OrgUnitRequest).where(_scope(principal.units_for()))
    if status is not None:
        stmt = stmt.where(col(OrgUnitRequest.status) == status.value)
    rows, next_cursor = keyset(
        session, stmt, keys=[_c(OrgUnitRequest.id)], limit=limit, cursor=cursor, descending=True
    )
    return [UnitRequestOut.model_validate(r) for r in rows], next_cursor


def _no_pending(session: Session, *conditions: sa.ColumnElement[bool]) -> None:
    pending = session.exec(
        select(col(OrgUnitRequest.id)).where(
            col(OrgUnitRequest.status) == UnitRequestStatus.pending.value, *conditions
        )
    ).first()
    if pending is not None:
        raise Conflict("unit_request_pending")


def _record(session: Session, req: OrgUnitRequest, action: str, by: Principal, **extra: Any) -> None:
    audit.record(
        session,
        by,
        f"org_unit_request.{action}",
        entity_type="org_unit_request",
        entity_id=req.id,
        org_unit_id=req.unit_id or req.parent_id,
        changes={"after": {"action": req.action, "status": req.status, "code": req.code, **extra}},
    )


def request_set_up(session: Session, data: UnitSetUpRequest, *, by: Principal) -> OrgUnitRequest:
    """Ask the unit above to approve setting up ``data`` under it (章程 Art 16)."""
    parent = session.get(OrgUnit, data.parent_id)
    if parent is None or not unit_within(session, parent.id, by.units_for()):
        raise RuleViolation("not_found", field="parent_id")
    org_units.check_placement(data.kind, parent)
    if org_units.get_by_code(session, data.code) is not None:
        raise Conflict("org_unit_code_taken", value=data.code)
    _no_pending(session, col(OrgUnitRequest.code) == data.code)
    req = OrgUnitRequest(
        action=UnitRequestAction.set_up.value,
        parent_id=parent.id,
        code=data.code,
        name=data.name,
        kind=data.kind.value,
        uscc=org_units.check_uscc(data.uscc),
        reason=data.reason,
        requested_by_id=by.user_id,
    )
    session.add(req)
    session.flush()
    _record(session, req, "created", by)
    session.commit()
    return req


def request_close(session: Session, data: UnitCloseRequest, *, by: Principal) -> OrgUnitRequest:
    """Ask the unit above to approve closing a unit (the unit itself or its parent asks)."""
    unit = session.get(OrgUnit, data.unit_id)
    if unit is None or not unit_within(session, unit.id, by.units_for()):
        raise RuleViolation("not_found", field="unit_id")
    if unit.parent_id is None:
        raise RuleViolation("unit_request_top_level", field="unit_id")
    if unit.status == OrgUnitStatus.closed:
        raise Conflict("org_unit_closed", code=unit.code, current=unit.status)
    _no_pending(session, col(OrgUnitRequest.unit_id) == unit.id)
    req = OrgUnitRequest(
        action=UnitRequestAction.close.value,
        parent_id=unit.parent_id,
        unit_id=unit.id,
        code=unit.code,
        name=unit.name,
        kind=unit.kind,
        effective_on=data.effective_on,
        reason=data.reason,
        requested_by_id=by.user_id,
    )
    session.add(req)
    session.flush()
    _record(session, req, "created", by)
    session.commit()
    return req


def decide(
    session: Session, req: OrgUnitRequest, data: UnitRequestDecide, *, version: int, by: Principal
) -> OrgUnitRequest:
    """A chair of the unit above approves (with the approval document's reference) or rejects (with
    reasons); never the person who asked. Approval sets up or closes the unit in the same transaction."""
    expect_version(req, version)
    if req.status != UnitRequestStatus.pending:
        raise Conflict("unit_request_not_pending", current=req.status)
    parent = session.get_one(OrgUnit, req.parent_id)
    if not unit_within(session, parent.id, by.units_for()):
        raise Forbidden("unit_request_not_above", code=parent.code)
    if req.requested_by_id is not None and req.requested_by_id == by.user_id:
        raise Forbidden("unit_request_self_approval")
    if data.approve and not data.approval_ref:
        raise RuleViolation("unit_request_approval_ref_required", field="approval_ref")
    if not data.approve and not data.note:
        raise RuleViolation("unit_request_note_required", field="note")
    req.decided_by_id = by.user_id
    req.decided_at = utcnow()
    req.decision_note = data.note
    if not data.approve:
        req.status = UnitRequestStatus.rejected.value
        _record(session, req, "rejected", by, note=data.note)
        session.commit()
        return req
    assert data.approval_ref is not None
    req.status = UnitRequestStatus.approved.value
    req.approval_ref = data.approval_ref
    approval = {"request_id": str(req.id), "approval_ref": data.approval_ref, "approved_by": str(by.user_id)}
    if req.action == UnitRequestAction.set_up:
        assert req.code and req.name and req.kind
        unit = org_units.set_up(
            session,
            OrgUnitCreate(
                code=req.code,
                name=req.name,
                kind=OrgUnitKind(req.kind),
                parent_id=parent.id,
                uscc=req.uscc,
                approval_ref=data.approval_ref,
            ),
            parent,
            by=by,
            approval=approval,
        )
        req.unit_id = unit.id
    else:
        assert req.unit_id is not None
        unit = session.get_one(OrgUnit, req.unit_id)
        org_units.close_unit(
            session,
            unit,
            closed_on=req.effective_on or date.today(),
            reason=req.reason,
            by=by,
            approval=approval,
        )
    _record(session, req, "approved", by, approval_ref=data.approval_ref, unit_id=str(req.unit_id))
    session.commit()
    return req


# --- task inbox ----------------------------------------------------------------------------------


def _requests_to_decide(session: Session, principal: Principal) -> list[TaskOut]:
    """Pending requests to the units under the caller's approve grants, not asked by the caller
    (章程 Art 16: the unit above approves); one query."""
    units = principal.units_for("org_units.approve")
    if not units:
        return []
    target = sa.orm.aliased(OrgUnit)
    rows = session.execute(
        sa.select(
            _c(OrgUnitRequest.id),
            _c(OrgUnitRequest.action),
            _c(OrgUnitRequest.name),
            _c(OrgUnitRequest.effective_on),
            _c(target.name).label("unit_name"),
        )
        .outerjoin(target, _c(target.id) == _c(OrgUnitRequest.unit_id))
        .where(
            _c(OrgUnitRequest.status) == UnitRequestStatus.pending.value,
            in_scope(_c(OrgUnitRequest.parent_id), units),
            sa.or_(
                _c(OrgUnitRequest.requested_by_id).is_(None),
                _c(OrgUnitRequest.requested_by_id) != principal.user_id,
            ),
        )
        .order_by(_c(OrgUnitRequest.id))
        .limit(tasks.PER_KIND + 1)
    ).all()
    return [
        TaskOut(
            kind=TaskKind.unit_request_decide,
            title=("设立" if r.action == UnitRequestAction.set_up else "撤销")
            + (r.name or r.unit_name or ""),
            resource_type=TaskResourceType.org_unit_request,
            resource_id=r.id,
            link=f"/api/v1/org-unit-requests/{r.id}",
            deadline=r.effective_on,
        )
        for r in rows
    ]


#: this area's task kinds for the inbox, installed by ``api.main.create_app`` (see api.services.tasks)
TASK_PROVIDERS: dict[str, tasks.Provider] = {TaskKind.unit_request_decide: _requests_to_decide}
