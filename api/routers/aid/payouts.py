"""Hardship aid payment and reports: payable items, payout batches, their export and the aid report."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import Depends, Query, Response

from api.deps import Authorized, IfMatch, PageQuery, SessionDep, SettingsDep, require
from api.routers._common import set_etag
from api.routers.aid._base import (
    XLSX,
    BatchDep,
    router,
)
from api.schemas.aid import (
    AidReport,
    BatchCreate,
    BatchOut,
    BatchPaidIn,
    PayableOut,
)
from api.schemas.common import Page
from api.services.aid import (
    payouts,
    reports,
)

# --- payment ------------------------------------------------------------------------------------


@router.get("/payable", response_model=Page[PayableOut], dependencies=[Depends(require("aid.pay"))])
def aid_payable_list(session: SessionDep, principal: Authorized, page: PageQuery) -> Page[PayableOut]:
    """Approved applications awaiting payment: payee, amount and account (masked) only."""
    items, cursor = payouts.list_payable(session, principal, limit=page.limit, cursor=page.cursor)
    return Page(items=items, next_cursor=cursor)


@router.get("/payout-batches", response_model=Page[BatchOut], dependencies=[Depends(require("aid.pay"))])
def aid_batches_list(session: SessionDep, principal: Authorized, page: PageQuery) -> Page[BatchOut]:
    """Payout batches, newest first."""
    items, cursor = payouts.list_batches(session, principal, limit=page.limit, cursor=page.cursor)
    return Page(items=[payouts.present_batch(session, b) for b in items], next_cursor=cursor)


@router.post(
    "/payout-batches", response_model=BatchOut, status_code=201, dependencies=[Depends(require("aid.pay"))]
)
def aid_batches_create(
    body: BatchCreate, session: SessionDep, principal: Authorized, response: Response
) -> BatchOut:
    """Gather approved applications into a batch for the bank (the payer is not their applicant,
    screener or approver)."""
    batch = payouts.create_batch(session, body, by=principal)
    response.headers["Location"] = f"/api/v1/aid/payout-batches/{batch.id}"
    set_etag(response, batch)
    return payouts.present_batch(session, batch)


@router.get("/payout-batches/{batch_id}", response_model=BatchOut, dependencies=[Depends(require("aid.pay"))])
def aid_batches_get(batch: BatchDep, session: SessionDep, response: Response) -> BatchOut:
    """One payout batch."""
    set_etag(response, batch)
    return payouts.present_batch(session, batch)


@router.get(
    "/payout-batches/{batch_id}/export",
    dependencies=[Depends(require("aid.pay"))],
    response_class=Response,
    responses={200: {"content": {XLSX: {}}, "description": "The bank's transfer list."}},
)
def aid_batches_export(
    batch: BatchDep, session: SessionDep, settings: SettingsDep, principal: Authorized
) -> Response:
    """The transfer list for the bank as XLSX (payee, full account number, amount); audited."""
    content = payouts.export_xlsx(session, batch, settings=settings, by=principal)
    return Response(
        content,
        media_type=XLSX,
        headers={"Content-Disposition": f'attachment; filename="aid-payout-{batch.id}.xlsx"'},
    )


@router.post(
    "/payout-batches/{batch_id}/paid", response_model=BatchOut, dependencies=[Depends(require("aid.pay"))]
)
def aid_batches_paid(
    batch: BatchDep,
    body: BatchPaidIn,
    version: IfMatch,
    session: SessionDep,
    settings: SettingsDep,
    principal: Authorized,
    response: Response,
) -> BatchOut:
    """Mark the batch paid with the bank's reference for each payment; every payment posts an expense
    on its programme's budget line in the same transaction, and a line lacking money refuses the whole
    batch (409 `budget_line_insufficient` with the shortfalls)."""
    batch = payouts.mark_paid(session, batch, body, version=version, settings=settings, by=principal)
    set_etag(response, batch)
    return payouts.present_batch(session, batch)


# --- reports ------------------------------------------------------------------------------------


@router.get(
    "/report",
    response_model=AidReport,
    dependencies=[Depends(require("aid.read"))],
    responses={
        200: {"content": {XLSX: {}}, "description": "The report as JSON, or as XLSX with `format=xlsx`."}
    },
)
def aid_report(
    session: SessionDep,
    principal: Authorized,
    org_unit_id: uuid.UUID,
    year: Annotated[int, Query(ge=2000, le=2100)],
    fmt: Annotated[
        Literal["json", "xlsx"], Query(alias="format", description="`xlsx` for a workbook.")
    ] = "json",
) -> AidReport | Response:
    """Aid by programme, category, unit and month against the budget lines; households by category;
    overdue reviews."""
    data = reports.report(session, org_unit_id, year, by=principal)
    if fmt == "xlsx":
        return Response(
            reports.report_xlsx(data),
            media_type=XLSX,
            headers={"Content-Disposition": f'attachment; filename="aid-report-{year}.xlsx"'},
        )
    return data
