"""The rationalisation area's task-inbox providers (``GET /me/tasks``), as data in :data:`TASK_PROVIDERS`.

- ``rationalisation.screen``: submitted proposals under the caller's manage grants, not their own
  (docs/rules.md §3: a named officer screens; nobody screens their own proposal);
- ``rationalisation.decide``: proposals forwarded to a department the caller handles, due on ``due_on``;
- ``rationalisation.notify``: adopted or not adopted proposals whose worker has not been told yet.

Each provider is one query, bounded by ``tasks.PER_KIND + 1`` rows.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from api.db.models import RationalisationProposal
from api.schemas.rationalisation import ProposalStatus as S
from api.schemas.tasks import TaskKind, TaskOut, TaskResourceType
from api.security.principal import Principal
from api.services import congresses, tasks
from api.services.rationalisation.visibility import c
from api.services.scope import in_scope

P = RationalisationProposal


def _tasks(session: Session, kind: TaskKind, *where: Any) -> list[TaskOut]:
    rows = session.execute(
        sa.select(c(P.id), c(P.title), c(P.due_on)).where(*where).order_by(c(P.id)).limit(tasks.PER_KIND + 1)
    ).all()
    return [
        TaskOut(
            kind=kind,
            title=r.title,
            resource_type=TaskResourceType.rationalisation_proposal,
            resource_id=r.id,
            link=f"/api/v1/rationalisation-proposals/{r.id}",
            deadline=r.due_on if kind is TaskKind.rationalisation_decide else None,
        )
        for r in rows
    ]


def _to_screen(session: Session, principal: Principal) -> list[TaskOut]:
    units = principal.units_for("rationalisation.manage")
    if not units:
        return []
    own = [] if principal.member_id is None else [c(P.submitter_member_id) != principal.member_id]
    return _tasks(
        session,
        TaskKind.rationalisation_screen,
        c(P.status) == S.submitted.value,
        in_scope(c(P.org_unit_id), units),
        *own,
    )


def _to_decide(session: Session, principal: Principal) -> list[TaskOut]:
    if not principal.units_for("rationalisation.decide"):
        return []
    return _tasks(
        session,
        TaskKind.rationalisation_decide,
        c(P.status) == S.forwarded.value,
        c(P.department_id).in_(congresses.handler_department_ids(principal)),
    )


def _to_notify(session: Session, principal: Principal) -> list[TaskOut]:
    units = principal.units_for("rationalisation.manage")
    if not units:
        return []
    return _tasks(
        session,
        TaskKind.rationalisation_notify,
        c(P.status).in_([S.adopted.value, S.not_adopted.value]),
        in_scope(c(P.org_unit_id), units),
    )


#: this area's task kinds for the inbox, installed by ``api.main.create_app`` (see api.services.tasks)
TASK_PROVIDERS: dict[str, tasks.Provider] = {
    TaskKind.rationalisation_screen: _to_screen,
    TaskKind.rationalisation_decide: _to_decide,
    TaskKind.rationalisation_notify: _to_notify,
}
