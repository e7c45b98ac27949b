from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from api.db.models import Member
from api.deps import Authorized, PageQuery, SessionDep, SettingsDep, db_call, require
from api.routing import Route
from api.schemas.common import PROBLEM_RESPONSES, Page
from api.schemas.dues import (
    PERIOD_PATTERN,
    ArrearsItem,
    DuesBatchCreate,
    DuesBatchOut,
    DuesPaymentCreate,
    DuesPaymentOut,
    DuesStatement,
    DuesSummary,
)
from api.services import dues as service

router = APIRouter(route_class=Route, tags=["dues"], responses=PROBLEM_RESPONSES)

#: a batch of MAX_BATCH_ROWS rows of ~100 bytes each, with room to spare (other bodies: 1 MB by default)
BATCH_BODY_BYTES = 16 * 1024 * 1024

PeriodQuery = Annotated[
    str, Query(pattern=PERIOD_PATTERN, description="A month, `YYYY-MM`.", examples=["2025-03"])
]
OptionalPeriod = Annotated[str | None, Query(pattern=PERIOD_PATTERN, description="A month, `YYYY-MM`.")]
UnitFilter = Annotated[
    uuid.UUID | None,
    Query(description="Only this unit's subtree (inside your scope); default your whole scope."),
]


async def load_member(member_id: uuid.UUID, session: SessionDep, principal: Authorized) -> Member:
    return await db_call(session, service.load_member, session, member_id, principal)


MemberDep = Annotated[Member, Depends(load_member)]


@router.get(
    "/members/{member_id}/dues", response_model=DuesStatement, dependencies=[Depends(require("dues.read"))]
)
def dues_statement(
    member: MemberDep,
    session: SessionDep,
    settings: SettingsDep,
    from_: Annotated[
        str | None, Query(alias="from", pattern=PERIOD_PATTERN, description="First month, `YYYY-MM`.")
    ] = None,
    to: OptionalPeriod = None,
) -> DuesStatement:
    """A member's dues month by month from the join month: expected (0.5 % of the wage, nothing while
    retained), paid, and the arrears. Default: the last 12 months."""
    return service.statement(
        session, member, rounding=settings.dues_rounding, from_period=from_, to_period=to
    )


@router.get("/me/dues", response_model=DuesStatement, dependencies=[Depends(require("self.read"))])
def dues_mine(
    session: SessionDep,
    settings: SettingsDep,
    principal: Authorized,
    from_: Annotated[
        str | None, Query(alias="from", pattern=PERIOD_PATTERN, description="First month, `YYYY-MM`.")
    ] = None,
    to: OptionalPeriod = None,
) -> DuesStatement:
    """The caller's own dues statement (member accounts, linked to their member record)."""
    member = service.load_own_member(session, principal)
    return service.statement(
        session, member, rounding=settings.dues_rounding, from_period=from_, to_period=to
    )


@router.post(
    "/dues-payments",
    response_model=DuesPaymentOut,
    status_code=201,
    dependencies=[Depends(require("dues.write"))],
)
def dues_payments_create(
    body: DuesPaymentCreate,
    session: SessionDep,
    settings: SettingsDep,
    principal: Authorized,
    response: Response,
) -> DuesPaymentOut:
    """Record one month's dues of a member in your scope (officer or treasurer).

    The amount must equal the expected dues unless `override_reason` says why; one payment per member
    and month (409 `dues_already_paid`); retained members owe none (422 `dues_not_owed`).
    """
    payment = service.record_payment(session, body, by=principal, rounding=settings.dues_rounding)
    response.headers["Location"] = f"/api/v1/members/{payment.member_id}/dues"
    return payment


@router.post(
    "/dues-payments/batch",
    response_model=DuesBatchOut,
    status_code=201,
    dependencies=[Depends(require("dues.write"))],
    max_body_size=BATCH_BODY_BYTES,
)
def dues_payments_batch(
    body: DuesBatchCreate, session: SessionDep, settings: SettingsDep, principal: Authorized
) -> DuesBatchOut:
    """Record many payments at once (e.g. a payroll deduction file), all or nothing.

    Rows name a member by `member_id` or `employee_no` within `org_unit_id`. If any row breaks a rule
    the batch is refused (422 `dues_batch_rejected`) with `errors`: one `{index, field, code}` per bad row.
    """
    return service.record_batch(session, body, by=principal, rounding=settings.dues_rounding)


@router.get("/dues/arrears", response_model=Page[ArrearsItem], dependencies=[Depends(require("dues.read"))])
def dues_arrears(
    session: SessionDep,
    settings: SettingsDep,
    principal: Authorized,
    page: PageQuery,
    period: PeriodQuery,
    org_unit_id: UnitFilter = None,
) -> Page[ArrearsItem]:
    """Dues-paying members in scope with no payment recorded for `period`."""
    items, next_cursor = service.arrears(
        session,
        principal,
        period=period,
        org_unit_id=org_unit_id,
        limit=page.limit,
        cursor=page.cursor,
        rounding=settings.dues_rounding,
    )
    return Page(items=items, next_cursor=next_cursor)


@router.get("/dues/summary", response_model=DuesSummary, dependencies=[Depends(require("dues.read"))])
def dues_summary(
    session: SessionDep,
    settings: SettingsDep,
    principal: Authorized,
    period: PeriodQuery,
    org_unit_id: UnitFilter = None,
) -> DuesSummary:
    """Totals for one month: members owing and their expected dues, payments recorded, arrears."""
    return service.summary(
        session, principal, period=period, org_unit_id=org_unit_id, rounding=settings.dues_rounding
    )
