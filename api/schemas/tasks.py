"""The caller's task inbox: what waits for them, across areas."""

from __future__ import annotations

import uuid
from datetime import date
from enum import StrEnum

from pydantic import Field

from api.schemas.common import Out


class TaskKind(StrEnum):
    """Every kind of task the areas' providers report (``area.what``): the keys of the areas'
    ``TASK_PROVIDERS``, which tests/core/test_task_kinds.py keeps equal to this list."""

    aid_application_decide = "aid.application_decide"
    aid_application_screen = "aid.application_screen"
    aid_household_decide = "aid.household_decide"
    aid_household_process = "aid.household_process"
    aid_objection = "aid.objection"
    aid_pay = "aid.pay"
    aid_review = "aid.review"
    funds_adjustment = "funds.adjustment"
    funds_budget_approve = "funds.budget_approve"
    funds_budget_review = "funds.budget_review"
    funds_final_approve = "funds.final_approve"
    funds_final_due = "funds.final_due"
    funds_final_review = "funds.final_review"
    motion_assign = "motion.assign"
    motion_follow_up = "motion.follow_up"
    motion_rate = "motion.rate"
    motion_reply = "motion.reply"
    motion_review = "motion.review"
    motion_submit = "motion.submit"
    negotiation_dispute = "negotiation.dispute"
    negotiation_file = "negotiation.file"
    negotiation_publish = "negotiation.publish"
    negotiation_renew = "negotiation.renew"
    negotiation_reply = "negotiation.reply"
    negotiation_vacancy = "negotiation.vacancy"
    rationalisation_screen = "rationalisation.screen"
    rationalisation_decide = "rationalisation.decide"
    rationalisation_notify = "rationalisation.notify"
    expulsion_decide = "expulsion.decide"
    unit_request_decide = "unit_request.decide"


class TaskResourceType(StrEnum):
    """The kind of resource a task is about (``resource_id`` names it, ``link`` is its API path)."""

    aid_application = "application"
    aid_household = "household"
    aid_objection = "objection"
    fund_budget = "fund_budget"
    fund_final_account = "fund_final_account"
    member_expulsion = "member_expulsion"
    motion = "motion"
    negotiation = "negotiation"
    org_unit = "org_unit"
    org_unit_request = "org_unit_request"
    rationalisation_proposal = "rationalisation_proposal"


class TaskOut(Out):
    kind: TaskKind = Field(
        description="Dotted task kind, area first: `motion.reply`, `motion.rate` ...",
        examples=["motion.reply"],
    )
    title: str = Field(examples=["关于改善一车间夏季防暑降温条件的提案"])
    resource_type: TaskResourceType = Field(examples=["motion"])
    resource_id: uuid.UUID
    link: str = Field(description="API path of the resource.", examples=["/api/v1/motions/0193..."])
    deadline: date | None = Field(None, description="When it is due, if anything is due.")


class TaskList(Out):
    items: list[TaskOut] = Field(description="Earliest deadline first; undated tasks last.")
    truncated: bool = Field(False, description="True when a task kind had more items than are shown.")
