"""Motions to the workers' congress (职代会提案), docs/rules.md §3 — common practice, configurable [L].

The workflow is a state machine held as data (:data:`TRANSITIONS`): each use case names its step,
and :func:`_step` refuses it with 409 ``motion_illegal_transition`` (and the ``current`` state)
unless the motion is in one of the step's source states. Every step is audited and appended to the
motion's timeline (``motion_event``) in the same transaction, then committed once.

Who may act is decided in two layers: the route's permission (``motions.submit`` for
representatives, ``motions.review`` for the chair, ``motions.manage`` for officers and chairs,
``motions.reply`` for handlers) and, here, the caller's relation to the motion: proposer,
signatory, representative of the congress, handler of the lead department, or a grant over the
congress's unit.

The service is a package split by responsibility: :mod:`.workflow` (state machine and shared step
checks), :mod:`.visibility` (who sees what), :mod:`.presenting`, :mod:`.drafting`, :mod:`.handling`,
:mod:`.reports` (report + XLSX) and :mod:`.tasks` (inbox providers). This module re-exports the
public names, so ``from api.services import motions; motions.submit(...)`` works.
"""

from __future__ import annotations

from api.services.motions.drafting import cosign, create, submit, update, withdraw_cosignature
from api.services.motions.handling import assign, rate, reply, review
from api.services.motions.presenting import detail, present, present_one, timeline
from api.services.motions.reports import report, report_xlsx
from api.services.motions.tasks import TASK_PROVIDERS
from api.services.motions.visibility import get_visible, is_overdue, list_motions, motion_visibility
from api.services.motions.workflow import (
    AWAITING_REPLY,
    MERGE_TARGETS,
    MOTION_FIELDS,
    REGISTERED,
    SATISFIED,
    SCALES,
    SCOPE_READERS,
    TRANSITIONS,
    S,
    today,
)

__all__ = [
    "AWAITING_REPLY",
    "MERGE_TARGETS",
    "MOTION_FIELDS",
    "REGISTERED",
    "SATISFIED",
    "SCALES",
    "SCOPE_READERS",
    "TASK_PROVIDERS",
    "TRANSITIONS",
    "S",
    "assign",
    "cosign",
    "create",
    "detail",
    "get_visible",
    "is_overdue",
    "list_motions",
    "motion_visibility",
    "present",
    "present_one",
    "rate",
    "reply",
    "report",
    "report_xlsx",
    "review",
    "submit",
    "timeline",
    "today",
    "update",
    "withdraw_cosignature",
]
