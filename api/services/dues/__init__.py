"""Membership dues (会费), docs/rules.md §1 Dues.

Monthly dues are 0.5 % of the monthly wage, ignoring the part under 10 yuan
(:func:`api.rules.dues.monthly_dues_fen`), in integer fen. Only dues-paying members owe them: a
retained member (retired, unemployed ...) owes none (章程 Art 8). Whether a member owed dues for a
month is decided by their status at the end of that month, read from the lifecycle events, so a
member retained in May still owes April. Months before the join month are never owed.

Lists and sums (arrears, summaries) are computed in SQL with the same rules; the SQL form of the dues
formula is exact because, with the default rate and floor, every full 10 yuan owes exactly 5 fen.

The service is a package split by responsibility: :mod:`.owing` (months, who owes what),
:mod:`.statements`, :mod:`.payments` and :mod:`.reports`; this module re-exports the public names.
"""

from __future__ import annotations

from api.services.dues.owing import (
    MAX_REPORTED_ERRORS,
    MAX_STATEMENT_MONTHS,
    add_months,
    expected_fen,
    format_period,
    month_end,
    months_between,
    parse_period,
    status_on,
)
from api.services.dues.payments import record_batch, record_payment
from api.services.dues.reports import arrears, expected_by_month, summary
from api.services.dues.statements import load_member, load_own_member, statement

__all__ = [
    "MAX_REPORTED_ERRORS",
    "MAX_STATEMENT_MONTHS",
    "add_months",
    "arrears",
    "expected_by_month",
    "expected_fen",
    "format_period",
    "load_member",
    "load_own_member",
    "month_end",
    "months_between",
    "parse_period",
    "record_batch",
    "record_payment",
    "statement",
    "status_on",
    "summary",
]
