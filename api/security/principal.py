"""The authenticated caller and what their grants allow."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from api.security.permissions import ROLE_RANK, Role, roles_with


@dataclass(frozen=True)
class GrantRef:
    role: Role
    org_unit_id: uuid.UUID


@dataclass(frozen=True)
class Principal:
    user_id: uuid.UUID
    username: str
    kind: str
    org_unit_id: uuid.UUID
    member_id: uuid.UUID | None
    grants: tuple[GrantRef, ...]
    must_change_password: bool = False
    #: the permission the route declared; scope helpers default to it
    permission: str | None = field(default=None, compare=False)

    def has(self, permission: str) -> bool:
        allowed = roles_with(permission)
        return any(g.role in allowed for g in self.grants)

    def units_for(self, permission: str | None = None) -> list[uuid.UUID]:
        """Roots of the subtrees in which the caller holds ``permission`` (the route's by default)."""
        perm = permission or self.permission
        if perm is None:
            raise RuntimeError("no permission bound to this principal")
        allowed = roles_with(perm)
        return sorted({g.org_unit_id for g in self.grants if g.role in allowed})

    def roles(self) -> set[Role]:
        return {g.role for g in self.grants}

    def best_rank(self, unit_ids: set[uuid.UUID]) -> int:
        """Highest rank among grants at any of ``unit_ids`` (a unit and its ancestors)."""
        return max((ROLE_RANK[g.role] for g in self.grants if g.org_unit_id in unit_ids), default=0)

    @property
    def label(self) -> str:
        return self.username
