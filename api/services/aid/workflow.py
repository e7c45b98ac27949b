"""The two state machines of the area as data: household files and applications (docs/rules.md §4).

Each use case names its step; :func:`step` refuses it with 409 ``aid_illegal_transition`` (and the
``current`` state) unless the subject is in one of the step's source states.
"""

from __future__ import annotations

from typing import Any

from api.errors import Conflict
from api.schemas.aid import ApplicationStatus, HouseholdStatus

H = HouseholdStatus
A = ApplicationStatus

#: application -> screening -> home visit -> verification -> public notice -> approved and filed;
#: yearly review, adjustment and closing of filed files; deletion of closed files after retention
HOUSEHOLD_TRANSITIONS: dict[str, frozenset[HouseholdStatus]] = {
    "edit": frozenset({H.applied, H.screened, H.visited, H.filed}),
    "screen": frozenset({H.applied}),
    "visit": frozenset({H.screened}),
    "verify": frozenset({H.visited}),
    "notice": frozenset({H.verified}),
    "decide": frozenset({H.in_notice}),
    "uphold_objection": frozenset({H.in_notice}),
    "review": frozenset({H.filed}),
    "close": frozenset({H.filed}),
    "delete": frozenset({H.closed}),
}

#: submitted -> screened -> in notice (where the programme requires it) -> approved | rejected
#: -> paid | cancelled
APPLICATION_TRANSITIONS: dict[str, frozenset[ApplicationStatus]] = {
    "screen": frozenset({A.submitted}),
    "notice": frozenset({A.screened}),
    "decide": frozenset({A.screened, A.in_notice}),
    "uphold_objection": frozenset({A.in_notice}),
    "batch": frozenset({A.approved}),
    "pay": frozenset({A.approved}),
    "cancel": frozenset({A.submitted, A.screened, A.in_notice, A.approved}),
}

#: households whose file is open (one per member)
OPEN_HOUSEHOLD = frozenset({H.applied, H.screened, H.visited, H.verified, H.in_notice, H.filed})
#: applications that count against caps and "one grant per student"
LIVE_APPLICATION = frozenset({A.submitted, A.screened, A.in_notice, A.approved, A.paid})


def values(statuses: frozenset[Any]) -> list[str]:
    return sorted(s.value for s in statuses)


def household_step(household: Any, name: str) -> None:
    if H(household.status) not in HOUSEHOLD_TRANSITIONS[name]:
        raise Conflict("aid_illegal_transition", subject="household", current=household.status, step=name)


def application_step(application: Any, name: str) -> None:
    if A(application.status) not in APPLICATION_TRANSITIONS[name]:
        raise Conflict("aid_illegal_transition", subject="application", current=application.status, step=name)
