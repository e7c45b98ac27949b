"""Hardship aid (困难帮扶, 送温暖, 金秋助学, 医疗互助), docs/rules.md §4 [L]. One module per responsibility:

- ``workflow``: the state machines of household files and applications, as data;
- ``visibility``: who sees what, as SQL WHERE clauses;
- ``calendar``: 低保 standards by region and date, the working-day calendar of notices;
- ``households``: household files: opening, editing and adjusting, reading, the filing rules;
- ``filing``: the steps of a file: screening, visit, verification, notice, decision, review, closing;
- ``programmes``: programmes as data and the defaults of practice;
- ``applications``: applications and their rules (period, category, caps, no double aid);
- ``notices``: public notices and objections;
- ``payouts``: payout batches, the bank's XLSX, payment posted to the union-funds ledger;
- ``reports``, ``tasks``, ``imports`` (bulk household files);
- ``common``: clock, thresholds, timeline, separation-of-duties checks.
"""

from api.services.aid import (
    applications,
    calendar,
    filing,
    households,
    imports,
    notices,
    payouts,
    programmes,
    reports,
    tasks,
    visibility,
    workflow,
)
from api.services.aid.tasks import TASK_PROVIDERS

__all__ = [
    "TASK_PROVIDERS",
    "applications",
    "calendar",
    "filing",
    "households",
    "imports",
    "notices",
    "payouts",
    "programmes",
    "reports",
    "tasks",
    "visibility",
    "workflow",
]
