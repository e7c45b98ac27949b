"""The budget and final-accounts state machines as data (docs/rules.md §5 Lifecycle).

Budget: draft (treasurer) -> approved (chair, never the drafter, with the meeting date and minute
reference) -> in_force (funds-audit committee accepts) or back to draft (sent back with reasons);
an adjustment is a new draft revision taking the same path, and its acceptance supersedes the
revision in force. Final accounts: draft (from the ledger) -> approved (postings frozen) -> closed
(funds-audit committee accepts) or back to draft.
"""

from __future__ import annotations

from api.errors import Conflict
from api.schemas.funds import BudgetStatus, FinalStatus

B = BudgetStatus
F = FinalStatus

BUDGET_TRANSITIONS: dict[str, frozenset[BudgetStatus]] = {
    "edit": frozenset({B.draft}),
    "approve": frozenset({B.draft}),
    "review": frozenset({B.approved}),
    "adjust": frozenset({B.in_force}),
}

FINAL_TRANSITIONS: dict[str, frozenset[FinalStatus]] = {
    "approve": frozenset({F.draft}),
    "review": frozenset({F.approved}),
}


def step_budget(status: str, step: str) -> None:
    """Refuse a budget step the machine does not allow from ``status`` (409 with the current state)."""
    if B(status) not in BUDGET_TRANSITIONS[step]:
        raise Conflict("funds_illegal_transition", entity="budget", current=status, step=step)


def step_final(status: str, step: str) -> None:
    if F(status) not in FINAL_TRANSITIONS[step]:
        raise Conflict("funds_illegal_transition", entity="final_accounts", current=status, step=step)
