"""Union funds (工会经费, docs/rules.md §5), split by responsibility:

- ``common``: error messages, the clock, accounting units (经费独立核算), scope, timeline, closed years
- ``charts``: charts of accounts as data (shipped templates, province data, immutable versions)
- ``workflow``: the budget and final-accounts state machines as data
- ``budgets``: annual budgets, approval, funds-audit review, adjustments
- ``ledger``: posting income and expenses against the budget in force (the interface aid uses)
- ``totals``: the ledger's running totals per unit, year and category, kept with every posting
- ``welfare``: welfare limits on expenses (recipients, in kind, festivals, per-person caps)
- ``income``: dues income (monthly summaries) and the 2% allocation with its pass-up share
- ``final``: year-end final accounts drafted from the ledger, closing the year
- ``reports``: budget vs actual, 收支情况表, dues, allocation arrears, welfare per person (SQL; XLSX)
- ``tasks``: the area's providers for ``GET /me/tasks``
"""

from api.services.funds import budgets, charts, common, final, income, ledger, reports, welfare, workflow
from api.services.funds.ledger import ExpenseDraft, LedgerEntry, post_expense, post_expenses

__all__ = [
    "ExpenseDraft",
    "LedgerEntry",
    "budgets",
    "charts",
    "common",
    "final",
    "income",
    "ledger",
    "post_expense",
    "post_expenses",
    "reports",
    "welfare",
    "workflow",
]
