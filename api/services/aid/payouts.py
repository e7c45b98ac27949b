"""Payment of approved applications (docs/rules.md §4): the treasurer gathers them in a payout batch,
exports it as XLSX for the bank (real-name transfers to the workers' own accounts) and marks it paid
with the bank's references; marking paid posts the expenses to the union-funds ledger
(api.services.funds.ledger.post_expenses) in the same transaction, all or nothing. The treasurer
sees payee, amount and account only, never hardship details.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date
from io import BytesIO

from sqlmodel import Session, col, select

from api.config import Settings
from api.db.models import AidApplication, AidHousehold, AidPayoutBatch, AidProgramme, Member
from api.errors import Conflict, NotFound, RuleViolation
from api.i18n import _, register
from api.schemas.aid import ApplicationStatus, BatchCreate, BatchOut, BatchPaidIn, PayableOut, PaymentRef
from api.schemas.aid_enums import AidEventKind
from api.schemas.funds import LedgerSourceType
from api.security.pii import PiiVault
from api.security.principal import Principal
from api.services import audit
from api.services.aid import common, workflow
from api.services.aid.visibility import payable_clause
from api.services.concurrency import expect_version
from api.services.funds import ledger
from api.services.pagination import keyset
from api.services.scope import in_scope

register(
    {
        "aid_in_payout_batch": _("The application is in payout batch {batch_id}."),
        "aid_not_payable": _("Only approved applications not yet in a batch can be paid: {application_ids}."),
        "aid_no_bank_account": _(
            "The member has no household file with a bank account in their own name: {application_ids}."
        ),
        "aid_batch_not_open": _("The batch is already {status}."),
        "aid_batch_references": _("Give exactly one bank reference for each application of the batch."),
    }
)


def _payable_rows(session: Session, applications: Sequence[AidApplication]) -> list[PayableOut]:
    """Payee, amount, account (masked) and budget line: three queries for any number."""
    if not applications:
        return []
    member_ids = {a.member_id for a in applications}
    names = dict(session.execute(select(Member.id, Member.name).where(col(Member.id).in_(member_ids))).all())
    accounts = {
        r.member_id: (r.bank_name, r.bank_account_masked)
        for r in session.execute(
            select(AidHousehold.member_id, AidHousehold.bank_name, AidHousehold.bank_account_masked)
            .where(col(AidHousehold.member_id).in_(member_ids))
            .where(col(AidHousehold.status).in_(workflow.values(workflow.OPEN_HOUSEHOLD)))
        ).all()
    }
    programmes = {
        r.id: (r.name, r.budget_category_code)
        for r in session.execute(
            select(AidProgramme.id, AidProgramme.name, AidProgramme.budget_category_code).where(
                col(AidProgramme.id).in_({a.programme_id for a in applications})
            )
        ).all()
    }
    return [
        PayableOut(
            application_id=a.id,
            payee_name=names.get(a.member_id, ""),
            amount_fen=a.amount_fen,
            bank_name=accounts.get(a.member_id, ("", ""))[0],
            bank_account_masked=accounts.get(a.member_id, ("", ""))[1],
            programme_name=programmes[a.programme_id][0],
            budget_category_code=programmes[a.programme_id][1],
        )
        for a in applications
    ]


def list_payable(
    session: Session, principal: Principal, *, limit: int, cursor: str | None
) -> tuple[list[PayableOut], str | None]:
    """Approved applications not yet in a batch, in the treasurer's subtrees."""
    stmt = select(AidApplication).where(
        payable_clause(principal),
        AidApplication.status == ApplicationStatus.approved.value,
        col(AidApplication.payout_batch_id).is_(None),
    )
    items, next_cursor = keyset(
        session, stmt, keys=[common.column(AidApplication.id)], limit=limit, cursor=cursor
    )
    return _payable_rows(session, items), next_cursor


def get_batch(session: Session, batch_id: uuid.UUID, principal: Principal) -> AidPayoutBatch:
    batch = session.exec(
        select(AidPayoutBatch).where(
            AidPayoutBatch.id == batch_id,
            in_scope(common.column(AidPayoutBatch.org_unit_id), principal.units_for("aid.pay")),
        )
    ).first()
    if batch is None:
        raise NotFound()
    return batch


def list_batches(
    session: Session, principal: Principal, *, limit: int, cursor: str | None
) -> tuple[list[AidPayoutBatch], str | None]:
    stmt = select(AidPayoutBatch).where(
        in_scope(common.column(AidPayoutBatch.org_unit_id), principal.units_for("aid.pay"))
    )
    return keyset(
        session, stmt, keys=[common.column(AidPayoutBatch.id)], limit=limit, cursor=cursor, descending=True
    )


def _batch_applications(session: Session, batch: AidPayoutBatch) -> list[AidApplication]:
    return list(
        session.exec(
            select(AidApplication)
            .where(AidApplication.payout_batch_id == batch.id)
            .order_by(col(AidApplication.id))
        ).all()
    )


def present_batch(session: Session, batch: AidPayoutBatch) -> BatchOut:
    return BatchOut(
        id=batch.id,
        org_unit_id=batch.org_unit_id,
        status=batch.status,
        total_fen=batch.total_fen,
        count=batch.count,
        paid_on=batch.paid_on,
        items=_payable_rows(session, _batch_applications(session, batch)),
        version=batch.version,
        created_at=batch.created_at,
    )


def _payer_distinct(by: Principal, applications: Sequence[AidApplication]) -> None:
    """Whoever applied, screened or approved does not pay (docs/rules.md §0 separation of duties)."""
    for a in applications:
        common.not_own_case(by, a.member_id)
        common.distinct_from(
            by, "pay", applicant=a.applicant_id, screener=a.screened_by_id, approver=a.approved_by_id
        )


def create_batch(session: Session, data: BatchCreate, *, by: Principal) -> AidPayoutBatch:
    """Gather approved applications of one unit's subtree, each with an account on file."""
    common.body_unit(session, data.org_unit_id, by, "aid.pay")
    applications = list(
        session.exec(
            select(AidApplication).where(
                col(AidApplication.id).in_(data.application_ids),
                in_scope(common.column(AidApplication.org_unit_id), [data.org_unit_id]),
                payable_clause(by),
            )
        ).all()
    )
    found = {a.id for a in applications}
    unpayable = [i for i in data.application_ids if i not in found] + [
        a.id for a in applications if a.status != ApplicationStatus.approved.value or a.payout_batch_id
    ]
    if unpayable:
        raise RuleViolation(
            "aid_not_payable", field="application_ids", application_ids=sorted(map(str, unpayable))
        )
    _payer_distinct(by, applications)
    rows = _payable_rows(session, applications)
    no_account = [r.application_id for r in rows if not r.bank_account_masked]
    if no_account:
        raise RuleViolation(
            "aid_no_bank_account", field="application_ids", application_ids=sorted(map(str, no_account))
        )
    batch = AidPayoutBatch(
        org_unit_id=data.org_unit_id,
        total_fen=sum(a.amount_fen for a in applications),
        count=len(applications),
        created_by_id=by.user_id,
    )
    session.add(batch)
    session.flush()
    for a in applications:
        a.payout_batch_id = batch.id
        common.touch(a)
        common.record(session, "application", a, AidEventKind.batched, a.status, by, {"batch_id": batch.id})
    audit.record(
        session,
        by,
        "aid.payout_batch.created",
        entity_type="aid_payout_batch",
        entity_id=batch.id,
        org_unit_id=batch.org_unit_id,
        changes={"count": batch.count, "total_fen": batch.total_fen},
    )
    session.commit()
    return batch


def export_xlsx(session: Session, batch: AidPayoutBatch, *, settings: Settings, by: Principal) -> bytes:
    """The bank's transfer list: payee, full account number, bank, amount in yuan, a reference column.
    The full account numbers leave the system here only, so the export is audited."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    applications = _batch_applications(session, batch)
    member_ids = {a.member_id for a in applications}
    names = dict(session.execute(select(Member.id, Member.name).where(col(Member.id).in_(member_ids))).all())
    ciphers = {
        r.member_id: (r.bank_name, r.bank_account_cipher)
        for r in session.execute(
            select(AidHousehold.member_id, AidHousehold.bank_name, AidHousehold.bank_account_cipher)
            .where(col(AidHousehold.member_id).in_(member_ids))
            .where(col(AidHousehold.status).in_(workflow.values(workflow.OPEN_HOUSEHOLD)))
        ).all()
    }
    vault = PiiVault.from_settings(settings)
    book = Workbook()
    sheet = book.active
    sheet.title = "代发明细"
    sheet.append(["序号", "申请编号", "收款人", "开户行", "账号", "金额（元）", "银行流水号"])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for n, a in enumerate(applications, start=1):
        bank, cipher = ciphers.get(a.member_id, ("", ""))
        sheet.append(
            [
                n,
                str(a.id),
                names.get(a.member_id, ""),
                bank,
                vault.decrypt(cipher) if cipher else "",
                f"{a.amount_fen // 100}.{a.amount_fen % 100:02d}",
                "",
            ]
        )
    sheet.append(["合计", "", "", "", "", f"{batch.total_fen // 100}.{batch.total_fen % 100:02d}", ""])
    audit.record(
        session,
        by,
        "aid.payout_batch.exported",
        entity_type="aid_payout_batch",
        entity_id=batch.id,
        org_unit_id=batch.org_unit_id,
        changes={"count": batch.count},
    )
    session.commit()
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def mark_paid(
    session: Session,
    batch: AidPayoutBatch,
    data: BatchPaidIn,
    *,
    version: int,
    settings: Settings,
    by: Principal,
) -> AidPayoutBatch:
    """Record the bank's references; every payment posts an expense on its programme's budget line in
    the same transaction, all or nothing (a line lacking money refuses the whole batch)."""
    common.require_unit(session, batch.org_unit_id, by, "aid.pay")
    if batch.status != "open":
        raise Conflict("aid_batch_not_open", status=batch.status)
    expect_version(batch, version)
    applications = _batch_applications(session, batch)
    refs = {p.application_id: p for p in data.payments}
    if len(refs) != len(data.payments) or set(refs) != {a.id for a in applications}:
        raise RuleViolation("aid_batch_references", field="payments")
    for a in applications:
        workflow.application_step(a, "pay")
    _payer_distinct(by, applications)
    entries = post_to_ledger(
        session, batch, applications, paid_on=data.paid_on, references=refs, settings=settings, by=by
    )
    for a in applications:
        before = a.status
        a.status = ApplicationStatus.paid.value
        a.paid_on, a.paid_by_id, a.bank_reference = data.paid_on, by.user_id, refs[a.id].bank_reference
        a.ledger_entry_id = entries[a.id]
        common.touch(a)
        common.record(
            session,
            "application",
            a,
            AidEventKind.paid,
            before,
            by,
            {
                "bank_reference": refs[a.id].bank_reference,
                "batch_id": batch.id,
                "ledger_entry_id": entries[a.id],
            },
        )
    batch.status = "paid"
    batch.paid_on = data.paid_on
    batch.paid_by_id = by.user_id
    common.touch(batch)
    audit.record(
        session,
        by,
        "aid.payout_batch.paid",
        entity_type="aid_payout_batch",
        entity_id=batch.id,
        org_unit_id=batch.org_unit_id,
        changes={"paid_on": data.paid_on, "count": batch.count, "total_fen": batch.total_fen},
    )
    session.commit()
    return batch


def post_to_ledger(
    session: Session,
    batch: AidPayoutBatch,
    applications: Sequence[AidApplication],
    *,
    paid_on: date,
    references: dict[uuid.UUID, PaymentRef],
    settings: Settings,
    by: Principal,
) -> dict[uuid.UUID, uuid.UUID]:
    """Post one expense per payment on its programme's budget line of the union-funds ledger
    (docs/rules.md §4: a payment is a ledger expense on the programme's line, in the same transaction).
    All or nothing: a line lacking money refuses the whole batch with 409 ``budget_line_insufficient``
    and its ``shortfalls``; no budget in force, 409 ``budget_not_in_force``. Returns the entry ids."""
    programmes = {
        p.id: p
        for p in session.exec(
            select(AidProgramme).where(col(AidProgramme.id).in_({a.programme_id for a in applications}))
        ).all()
    }
    names = dict(
        session.execute(
            select(Member.id, Member.name).where(col(Member.id).in_({a.member_id for a in applications}))
        ).all()
    )
    drafts = [
        ledger.ExpenseDraft(
            unit_id=a.org_unit_id,
            category_code=programmes[a.programme_id].budget_category_code,
            amount_fen=a.amount_fen,
            entry_on=paid_on,
            counterparty=names.get(a.member_id, ""),
            description=(
                f"{programmes[a.programme_id].name}：帮扶申请 {a.id}，发放批次 {batch.id}，"
                f"银行流水号 {references[a.id].bank_reference}"
            ),
            source_type=LedgerSourceType.aid_application,
            source_id=a.id,
            approved_by_id=a.approved_by_id,
            payment_method="bank",
            decision_ref=references[a.id].decision_ref,
        )
        for a in applications
    ]
    entries = ledger.post_expenses(session, drafts, by=by, settings=settings)
    return {a.id: e.id for a, e in zip(applications, entries, strict=True)}
