"""Motions to the workers' congress (职代会提案) and their report (docs/rules.md §3)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import Field, model_validator

from api.schemas.common import Out, StrictIn


class MotionStatus(StrEnum):
    """draft -> submitted -> registered | declined | merged | converted -> assigned -> answered
    -> closed | reopened -> (assigned ->) answered ... (docs/rules.md §3, Lifecycle)."""

    draft = "draft"
    submitted = "submitted"
    registered = "registered"  # 立案
    declined = "declined"  # 不立案
    merged = "merged"  # 并案 into another motion
    converted = "converted"  # 转为意见建议 (still answered)
    referred = "referred"  # disputed in the motion committee: the presidium decides (提交主席团)
    assigned = "assigned"
    answered = "answered"
    reopened = "reopened"  # proposer unsatisfied: another round
    closed = "closed"


class MotionKind(StrEnum):
    motion = "motion"
    suggestion = "suggestion"  # late, too few co-signers, or converted by the committee


#: a motion category code; the list a union uses is configuration (GONGHUI_MOTION_CATEGORIES) [L]
CategoryCode = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,19}$", examples=["safety"])]


class MotionCategory(StrEnum):
    """The default categories (GONGHUI_MOTION_CATEGORIES); a union may configure others."""

    production = "production"  # 生产经营
    safety = "safety"  # 劳动保护、安全生产
    wages = "wages"  # 工资福利
    welfare = "welfare"  # 生活后勤
    democracy = "democracy"  # 民主管理
    training = "training"  # 教育培训
    other = "other"


class ReviewDecision(StrEnum):
    register = "register"
    decline = "decline"
    merge = "merge"
    convert = "convert"
    refer = "refer"  # the committee disagrees: the presidium (主席团) decides


class OutcomeClass(StrEnum):
    A = "A"  # solved
    B = "B"  # being solved / planned
    C = "C"  # not possible now (explained)
    D = "D"  # for reference


class Rating(StrEnum):
    satisfied = "satisfied"
    basically_satisfied = "basically_satisfied"
    unsatisfied = "unsatisfied"


class SignatoryRole(StrEnum):
    proposer = "proposer"
    cosigner = "cosigner"
    co_proposer = "co_proposer"  # proposer of a motion merged into this one


class MotionEventKind(StrEnum):
    """What a motion timeline entry records (``motion_event.kind``): one per workflow step and outcome."""

    created = "created"
    edited = "edited"
    cosigned = "cosigned"
    cosignature_withdrawn = "cosignature_withdrawn"
    submitted = "submitted"
    registered = "registered"
    declined = "declined"
    merged = "merged"
    merged_in = "merged_in"
    converted = "converted"
    referred = "referred"
    assigned = "assigned"
    replied = "replied"
    rated = "rated"
    reopened = "reopened"
    closed = "closed"
    follow_up_done = "follow_up_done"


class MotionCreate(StrictIn):
    congress_id: uuid.UUID
    title: str = Field(
        min_length=1,
        max_length=200,
        description="案由: one issue per motion.",
        examples=["关于改善一车间夏季防暑降温条件的提案"],
    )
    reasons: str = Field(min_length=1, max_length=5000, description="理由")
    proposals: str = Field(min_length=1, max_length=5000, description="建议/办法: concrete proposals.")
    category: CategoryCode = Field(description="One of the configured categories (default: MotionCategory).")
    delegation: str | None = Field(None, max_length=100, description="代表团 (delegation), if any.")


class MotionUpdate(StrictIn):
    title: str | None = Field(None, min_length=1, max_length=200)
    reasons: str | None = Field(None, min_length=1, max_length=5000)
    proposals: str | None = Field(None, min_length=1, max_length=5000)
    category: CategoryCode | None = None
    delegation: str | None = Field(None, max_length=100)


class CosignIn(StrictIn):
    """Empty on purpose: the signatory is always the caller (co-signers sign themselves)."""


class SubmitIn(StrictIn):
    as_suggestion: bool = Field(
        False,
        description="Submit as an ordinary suggestion. Required when the deadline has passed or the motion "
        "lacks co-signers; otherwise optional.",
    )


class ReviewIn(StrictIn):
    decision: ReviewDecision
    reason: str | None = Field(None, min_length=1, max_length=1000, description="Required when declining.")
    merge_into_id: uuid.UUID | None = Field(None, description="The motion to merge into (decision `merge`).")
    presidium_meeting_on: date | None = Field(
        None,
        description="The presidium's meeting that decided a referred motion; required for those, "
        "refused for the others.",
    )

    @model_validator(mode="after")
    def _shape(self) -> ReviewIn:
        if self.decision in (ReviewDecision.decline, ReviewDecision.refer) and not self.reason:
            raise ValueError("a decline or a referral needs a reason")
        if (self.decision is ReviewDecision.merge) != (self.merge_into_id is not None):
            raise ValueError("merge_into_id is given exactly when the decision is merge")
        return self


class AssignIn(StrictIn):
    lead_department_id: uuid.UUID
    co_department_ids: list[uuid.UUID] = Field(default_factory=list, max_length=20)
    due_on: date | None = Field(None, description="Default: today plus the congress's reply period.")

    @model_validator(mode="after")
    def _distinct(self) -> AssignIn:
        ids = self.co_department_ids
        if len(set(ids)) != len(ids) or self.lead_department_id in ids:
            raise ValueError("departments must be distinct and the lead cannot also co-handle")
        return self


class ReplyIn(StrictIn):
    text: str = Field(min_length=1, max_length=10000, description="Answers every point of the motion.")
    outcome_class: OutcomeClass
    promised_on: date | None = Field(
        None,
        description="Class B (being solved / planned) only, and required there: the date the department "
        "promises it done. The motion stays open as a follow-up until the department reports it done.",
    )

    @model_validator(mode="after")
    def _promise(self) -> ReplyIn:
        if (self.outcome_class is OutcomeClass.B) != (self.promised_on is not None):
            raise ValueError("promised_on is given exactly when the outcome class is B")
        return self


class RatingIn(StrictIn):
    rating: Rating
    comment: str | None = Field(None, max_length=2000)


class SignatoryOut(Out):
    member_id: uuid.UUID
    name: str
    role: SignatoryRole
    signed_at: datetime | None = None


class ReplyOut(Out):
    round: int
    department_id: uuid.UUID
    text: str
    outcome_class: OutcomeClass
    due_on: date
    replied_on: date
    late: bool


class RatingOut(Out):
    round: int
    member_id: uuid.UUID
    is_proposer: bool
    rating: Rating
    comment: str | None
    created_at: datetime


class MotionOut(Out):
    id: uuid.UUID
    congress_id: uuid.UUID
    org_unit_id: uuid.UUID
    number: int | None = Field(description="Registration number within the congress (案号).")
    kind: MotionKind
    status: MotionStatus
    title: str
    reasons: str
    proposals: str
    category: str
    delegation: str | None
    proposer: SignatoryOut
    cosigners: list[SignatoryOut]
    submitted_at: datetime | None
    submitted_late: bool
    decision: ReviewDecision | None
    decision_reason: str | None
    merged_into_id: uuid.UUID | None
    reviewed_at: datetime | None
    lead_department_id: uuid.UUID | None
    co_department_ids: list[uuid.UUID]
    due_on: date | None
    round: int
    outcome_class: OutcomeClass | None
    overdue: bool = Field(description="Due date passed with no reply in the current round.")
    closed_at: datetime | None
    version: int
    created_at: datetime
    updated_at: datetime


class MotionDetail(MotionOut):
    replies: list[ReplyOut]
    ratings: list[RatingOut]


class MotionEventOut(Out):
    id: uuid.UUID
    kind: MotionEventKind
    from_status: MotionStatus | None
    to_status: MotionStatus
    round: int
    actor_label: str | None
    details: dict[str, Any] | None
    created_at: datetime


class Ratio(Out):
    numerator: int
    denominator: int
    rate: float | None = Field(
        description="numerator / denominator rounded to 4 places; null when nothing to count."
    )


class OverdueItem(Out):
    motion_id: uuid.UUID
    number: int | None
    title: str
    lead_department_id: uuid.UUID | None
    department_name: str | None
    due_on: date
    days_overdue: int
    round: int


class DepartmentRow(Out):
    department_id: uuid.UUID
    name: str
    assigned: int = Field(description="Motions this department leads.")
    replies: int
    on_time: int
    late: int
    overdue: int
    satisfied: int = Field(description="Ratings of its replies that are satisfied or basically satisfied.")
    ratings: int


class FollowUpStatus(StrEnum):
    open = "open"  # promised, not yet reported done
    done = "done"  # the department reported it done
    superseded = "superseded"  # a later round's answer was not class B


class FollowUpOut(Out):
    """A class-B answer (being solved / planned) followed up until reported done."""

    motion_id: uuid.UUID
    congress_id: uuid.UUID
    number: int | None
    title: str
    department_id: uuid.UUID
    department_name: str | None = None
    promised_on: date
    status: FollowUpStatus
    overdue: bool = Field(description="Still open after the promised date.")
    done_on: date | None
    report: str | None


class FollowUpDoneIn(StrictIn):
    report: str = Field(min_length=1, max_length=5000, description="What was done.")
    done_on: date | None = Field(None, description="Default today; never in the future.")


class ReplyReportItem(Out):
    """One motion of the reply report (提案答复报告): its answer, outcome class and satisfaction."""

    motion_id: uuid.UUID
    number: int | None
    kind: MotionKind
    title: str
    proposer: str
    department_name: str | None
    round: int
    answer: str | None
    outcome_class: OutcomeClass | None
    replied_on: date | None
    late: bool | None
    proposer_rating: Rating | None
    ratings: dict[str, int] = Field(description="Ratings of the latest round's answer by value.")
    promised_on: date | None = Field(description="Class B: the date promised.")
    follow_up_status: FollowUpStatus | None


class ReplyReport(Out):
    congress_id: uuid.UUID
    congress_name: str
    as_of: date
    items: list[ReplyReportItem]


class MotionReport(Out):
    """The motion committee's report to the next congress (docs/rules.md §3)."""

    congress_id: uuid.UUID
    congress_name: str
    as_of: date
    submitted: int = Field(description="Motions and suggestions past the draft stage.")
    by_kind: dict[str, int]
    by_status: dict[str, int]
    by_decision: dict[str, int]
    by_outcome: dict[str, int] = Field(description="Outcome class of the latest reply of each motion.")
    on_time_replies: Ratio = Field(description="Replies (every round) given by their due date.")
    satisfaction: Ratio = Field(
        description="Ratings (every round, every signatory) satisfied or basically satisfied."
    )
    ratings_by_value: dict[str, int]
    reopened: int = Field(description="Motions sent back for another round at least once.")
    extra_rounds: int = Field(description="Rounds beyond the first, over all motions.")
    overdue: list[OverdueItem]
    departments: list[DepartmentRow]
    follow_ups: list[FollowUpOut] = Field(
        default_factory=list,
        description="Class-B answers of earlier congresses of the union: still open, or reported done "
        "since the previous congress (docs/rules.md §3: the committee reports them at the next congress).",
    )
