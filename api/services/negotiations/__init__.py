"""Collective-contract negotiations (集体协商/集体合同), docs/rules.md §2: 令22 and 劳动合同法 Art 51-56.

Modules by responsibility: ``workflow`` (the state machine as data, the phases derived from dates,
the timeline), ``visibility`` (who sees what, in SQL; the overdue clauses), ``path`` (proposal, reply,
agreement, vote, signing, filing, objection, publication), ``parties`` (negotiators and their
composition), ``meetings`` (sessions, draft versions, diff), ``aftercare`` (compliance checks,
disputes), ``presenters``, ``reports`` (coverage report), ``documents`` (DOCX), ``tasks`` (inbox).
"""

from api.services.negotiations import (
    aftercare,
    documents,
    meetings,
    parties,
    path,
    presenters,
    reports,
    tasks,
    visibility,
    workflow,
)
from api.services.negotiations.tasks import TASK_PROVIDERS

__all__ = [
    "TASK_PROVIDERS",
    "aftercare",
    "documents",
    "meetings",
    "parties",
    "path",
    "presenters",
    "reports",
    "tasks",
    "visibility",
    "workflow",
]
