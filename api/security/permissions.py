"""The role matrix of ``docs/rules.md`` §0 as data.

A grant is (user, role, org unit) and covers that unit's whole subtree. Routes declare one
permission each (``require("members.read")``); this table says which roles hold it. Later areas add
their permissions here and nowhere else.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    admin = "admin"
    chair = "chair"
    officer = "officer"
    treasurer = "treasurer"
    auditor = "auditor"
    handler = "handler"
    member = "member"
    integration = "integration"


# Who may hand out which role: a caller may grant a role only if its rank is <= their own best rank
# at that unit. Admin is technical, but it is the role that administers grants, so it ranks highest.
ROLE_RANK: dict[Role, int] = {
    Role.admin: 100,
    Role.chair: 80,
    Role.officer: 60,
    Role.treasurer: 60,
    Role.auditor: 60,
    Role.handler: 40,
    Role.integration: 40,
    Role.member: 10,
}

# one-letter role names keep the matrix readable as a table; O and I are officer and integration
A, C, O, T, AU, H, M, I = (  # noqa: E741
    Role.admin,
    Role.chair,
    Role.officer,
    Role.treasurer,
    Role.auditor,
    Role.handler,
    Role.member,
    Role.integration,
)

#: permission -> roles holding it (docs/rules.md §0). "self"-style permissions (a member reading their own
#: record) are decided by the owning service on top of this table.
PERMISSIONS: dict[str, frozenset[Role]] = {
    # org units, users, grants
    "org_units.read": frozenset({A, C, O, T, AU}),
    "org_units.write": frozenset({A}),
    "users.read": frozenset({A, C, O, T, AU}),
    "users.write": frozenset({A}),
    "grants.write": frozenset({A}),
    # members
    "members.read": frozenset({A, C, O, AU, I}),
    "members.read_names": frozenset({A, C, O, T, AU, I}),
    "members.write": frozenset({O}),
    "members.transfer": frozenset({O}),
    "members.import": frozenset({O, I}),
    "members.upsert": frozenset({I}),
    "members.national_id": frozenset({C, O}),
    "members.accounts": frozenset({O}),
    "dues.read": frozenset({C, O, T, AU}),
    "dues.write": frozenset({O, T}),
    "changes.read": frozenset({A, O, AU, I}),
    "self.read": frozenset({M}),
    "self.write": frozenset({M}),
    # congresses and motions
    "congresses.read": frozenset({C, O, AU, H, M}),
    "congresses.manage": frozenset({C, O}),
    "motions.read": frozenset({C, O, AU, H, M}),
    "motions.manage": frozenset({C, O}),
    "motions.submit": frozenset({M}),
    "motions.review": frozenset({C}),
    "motions.reply": frozenset({H}),
    # negotiations
    "negotiations.read": frozenset({C, O, AU, M}),
    "negotiations.manage": frozenset({C, O}),
    # aid
    "aid.read": frozenset({O, C, AU}),
    "aid.file": frozenset({O}),
    "aid.apply": frozenset({M}),
    "aid.approve": frozenset({C}),
    "aid.pay": frozenset({T}),
    # budgets
    "budgets.read": frozenset({C, T, AU}),
    "budgets.draft": frozenset({T}),
    "budgets.approve": frozenset({C}),
    "budgets.review": frozenset({AU}),
    # ledger (income and expense entries, reports of the books)
    "ledger.read": frozenset({C, T, AU}),
    "ledger.post": frozenset({T}),
    # audit log
    "audit.read": frozenset({A, AU}),
    # every authenticated caller
    "me": frozenset(Role),
}


def roles_with(permission: str) -> frozenset[Role]:
    try:
        return PERMISSIONS[permission]
    except KeyError:  # a typo in a route declaration must fail loudly at import time
        raise ValueError(f"unknown permission {permission!r}") from None
