"""Welfare limits on union spending (32号 as reported; docs/rules.md §5 Welfare limits).

Welfare sub-items of the chart carry a ``welfare_type`` (festival, birthday, marriage/birth, hospital
visit, death of a member or a relative, retirement). A welfare expense names its recipients (members
of the accounting unit's subtree) and their shares, which add up to the amount; it is given in kind
(a cake voucher also for birthdays), never as cash or shopping cards; a festival expense names a
festival on the chart's list (the 7 national festivals plus approved ethnic ones); and no recipient
may pass the per-person yearly cap of the chart's province data (Anhui defaults: festivals 1,500
yuan, birthday 300, marriage/birth 600, hospital 1,000, member's death 2,000, relative's 1,000,
retirement 1,000). A refusal names every recipient over the cap.
"""

from __future__ import annotations

import uuid
from collections import defaultdict

from sqlmodel import Session, col, func, select

from api.db.models import FundWelfareRecipient, Member
from api.errors import RuleViolation
from api.i18n import _, register
from api.services.funds.charts import Chart
from api.services.scope import subtree_ids

register(
    {
        "funds_recipients_required": _(
            "A welfare expense names its recipients, and their shares add up to the amount."
        ),
        "funds_recipients_not_welfare": _("Recipients are given for welfare expenses only."),
        "funds_recipient_unknown": _("Some recipients are not members of this union: {member_ids}."),
        "funds_welfare_form_not_allowed": _("Welfare is given in kind ({allowed}); {form} is not allowed."),
        "funds_festival_not_listed": _("{festival} is not on the festival list: {festivals}."),
        "funds_welfare_cap_exceeded": _(
            "The yearly {welfare_type} cap of {cap_fen} fen a person would be passed for: {names}."
        ),
    }
)

IN_KIND = "in_kind"
CAKE_VOUCHER = "cake_voucher"


def allowed_forms(welfare_type: str) -> tuple[str, ...]:
    return (IN_KIND, CAKE_VOUCHER) if welfare_type == "birthday" else (IN_KIND,)


def spent_by_member(
    session: Session, member_ids: list[uuid.UUID], fiscal_year: int, welfare_type: str
) -> dict[uuid.UUID, int]:
    rows = session.execute(
        select(FundWelfareRecipient.member_id, func.sum(FundWelfareRecipient.amount_fen))
        .where(
            col(FundWelfareRecipient.member_id).in_(member_ids),
            FundWelfareRecipient.fiscal_year == fiscal_year,
            FundWelfareRecipient.welfare_type == welfare_type,
        )
        .group_by(col(FundWelfareRecipient.member_id))
    ).all()
    return {member_id: int(total or 0) for member_id, total in rows}


def check(
    session: Session,
    chart: Chart,
    *,
    unit_id: uuid.UUID,
    fiscal_year: int,
    welfare_type: str,
    amount_fen: int,
    recipients: list[tuple[uuid.UUID, int]],
    payment_form: str | None,
    festival: str | None,
) -> None:
    """Refuse a welfare expense that breaks a limit (422 with the field and, for caps, the names)."""
    shares: dict[uuid.UUID, int] = defaultdict(int)
    for member_id, share in recipients:
        shares[member_id] += share
    if not shares or sum(shares.values()) != amount_fen or min(shares.values()) <= 0:
        raise RuleViolation("funds_recipients_required", field="recipients")
    allowed = allowed_forms(welfare_type)
    if payment_form not in allowed:
        raise RuleViolation(
            "funds_welfare_form_not_allowed",
            field="payment_form",
            form=payment_form,
            allowed=list(allowed),
        )
    if welfare_type == "festival":
        festivals = list(chart.rules.get("festivals", []))
        if festival not in festivals:
            raise RuleViolation(
                "funds_festival_not_listed",
                field="festival",
                festival=festival,
                festivals=festivals,
            )
    ids = sorted(shares)
    names = dict(
        session.execute(
            select(Member.id, Member.name).where(
                col(Member.id).in_(ids), col(Member.org_unit_id).in_(subtree_ids([unit_id]))
            )
        ).all()
    )
    unknown = [str(i) for i in ids if i not in names]
    if unknown:
        raise RuleViolation("funds_recipient_unknown", field="recipients", member_ids=unknown)
    cap = chart.rules.get("welfare_caps_fen", {}).get(welfare_type)
    if cap is None:
        return
    spent = spent_by_member(session, ids, fiscal_year, welfare_type)
    over = [
        {
            "member_id": str(i),
            "name": names[i],
            "spent_fen": spent.get(i, 0),
            "requested_fen": shares[i],
            "cap_fen": int(cap),
        }
        for i in ids
        if spent.get(i, 0) + shares[i] > int(cap)
    ]
    if over:
        raise RuleViolation(
            "funds_welfare_cap_exceeded",
            field="recipients",
            welfare_type=welfare_type,
            cap_fen=int(cap),
            names=[o["name"] for o in over],
            recipients=over,
        )
