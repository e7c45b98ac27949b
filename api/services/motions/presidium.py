"""Disputed motions go to the presidium (docs/rules.md §3: 有争议的提交主席团决定).

Owns the rule the review step applies: the motion committee may ``refer`` a submitted motion it
disagrees on (with the reasons); the review of a referred motion is the presidium's decision and
names the presidium's meeting date; a motion is referred once at most. Returns the details the
review records in the motion's timeline.
"""

from __future__ import annotations

from typing import Any

from api.db.models import Motion
from api.errors import Conflict, RuleViolation
from api.i18n import _, register
from api.schemas.motions import MotionStatus, ReviewDecision, ReviewIn
from api.services.congresses import common as congresses_common

register(
    {
        "motion_presidium_meeting_required": _(
            "A referred motion is decided by the presidium: give the date of its meeting."
        ),
        "motion_presidium_meeting_unexpected": _(
            "Only a motion referred to the presidium carries a presidium meeting date."
        ),
        "motion_already_referred": _("The motion is already with the presidium; record its decision."),
        "motion_presidium_meeting_in_future": _("The meeting date is in the future."),
    }
)


def check(motion: Motion, data: ReviewIn) -> dict[str, Any]:
    """The presidium rules of a review step; the timeline details they add."""
    referred = motion.status == MotionStatus.referred
    if not referred:
        if data.presidium_meeting_on is not None:
            raise RuleViolation("motion_presidium_meeting_unexpected", field="presidium_meeting_on")
        return {}
    if data.decision is ReviewDecision.refer:
        raise Conflict("motion_already_referred")
    if data.presidium_meeting_on is None:
        raise RuleViolation("motion_presidium_meeting_required", field="presidium_meeting_on")
    if data.presidium_meeting_on > congresses_common.today():
        raise RuleViolation("motion_presidium_meeting_in_future", field="presidium_meeting_on")
    return {"decided_by": "presidium", "presidium_meeting_on": data.presidium_meeting_on}
