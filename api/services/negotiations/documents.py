"""Printable documents generated from the data, as DOCX (python-docx): the agreed contract text for
signing (令22 Art 37) and the filing form (集体合同审查登记表-style summary: parties, term,
negotiators, vote figures, dates) sent to the labour authority (Art 42)."""

from __future__ import annotations

from io import BytesIO

from docx import Document
from sqlmodel import Session, col, select

from api.db.models import Negotiation, NegotiationVote, OrgUnit
from api.errors import Conflict
from api.i18n import _, register
from api.rules.collective_contracts import TOPICS
from api.services.negotiations import meetings, presenters

register(
    {
        "negotiation_no_agreed_text": _(
            "There is no agreed text yet (the negotiators agree a draft version first)."
        ),
    }
)

TOPIC_ZH = {t.code: t.zh for t in TOPICS}
KIND_ZH = {
    "comprehensive": "综合性集体合同",
    "special": "专项集体合同",
    "industry": "行业性集体合同",
    "regional": "区域性集体合同",
}
SPECIAL_ZH = {"wages": "工资专项", "women": "女职工权益保护专项", "safety": "劳动安全卫生专项"}


def _d(value: object) -> str:
    return value.isoformat() if value is not None else "—"  # type: ignore[attr-defined]


def _save(doc: object) -> bytes:
    buffer = BytesIO()
    doc.save(buffer)  # type: ignore[attr-defined]
    return buffer.getvalue()


def _kind(n: Negotiation) -> str:
    return KIND_ZH[n.kind] + (f"（{SPECIAL_ZH[n.special_topic]}）" if n.special_topic else "")


def contract_docx(session: Session, negotiation: Negotiation) -> bytes:
    """The agreed version's clauses, grouped by topic in the order of 令22 Art 8, with signature lines
    for both chiefs."""
    if negotiation.agreed_draft is None:
        raise Conflict("negotiation_no_agreed_text")
    unit = session.get(OrgUnit, negotiation.org_unit_id)
    clauses = meetings.clauses_of(session, negotiation.id, negotiation.agreed_draft)
    doc = Document()
    doc.add_heading(negotiation.title, level=0)
    doc.add_paragraph(f"{_kind(negotiation)}　第 {negotiation.agreed_draft} 稿")
    doc.add_paragraph(f"甲方（用人单位）：{negotiation.employer_name}")
    doc.add_paragraph(f"乙方（工会）：{unit.name if unit else ''}")
    order = {t.code: i for i, t in enumerate(TOPICS)}
    number = 0
    for topic in sorted({c.topic.value for c in clauses}, key=lambda t: order.get(t, 99)):
        doc.add_heading(TOPIC_ZH.get(topic, topic), level=1)
        for c in (c for c in clauses if c.topic.value == topic):
            number += 1
            doc.add_paragraph(f"第{number}条　{c.title}", style="Heading 3")
            doc.add_paragraph(c.text)
    if negotiation.term_months:
        doc.add_paragraph(
            f"本合同期限 {negotiation.term_months} 个月，自劳动保障行政部门审查生效之日起执行。"
        )
    table = doc.add_table(rows=2, cols=2)
    table.cell(0, 0).text = f"甲方首席代表（签字）：{negotiation.employer_signatory or ''}"
    table.cell(0, 1).text = f"乙方首席代表（签字）：{negotiation.employee_signatory or ''}"
    table.cell(1, 0).text = f"日期：{_d(negotiation.signed_on)}"
    table.cell(1, 1).text = f"日期：{_d(negotiation.signed_on)}"
    return _save(doc)


def filing_form_docx(session: Session, negotiation: Negotiation) -> bytes:
    """集体合同审查登记表-style summary for the labour authority."""
    if negotiation.agreed_draft is None:
        raise Conflict("negotiation_no_agreed_text")
    unit = session.get(OrgUnit, negotiation.org_unit_id)
    team = presenters.negotiators(session, negotiation)
    vote = session.exec(
        select(NegotiationVote)
        .where(NegotiationVote.negotiation_id == negotiation.id, col(NegotiationVote.adopted).is_(True))
        .order_by(col(NegotiationVote.created_at).desc())
    ).first()
    doc = Document()
    doc.add_heading("集体合同审查登记表", level=0)
    rows = [
        ("合同名称", negotiation.title),
        ("合同类型", _kind(negotiation)),
        ("用人单位", negotiation.employer_name),
        ("工会", unit.name if unit else ""),
        ("协商议题", "、".join(TOPIC_ZH.get(t, t) for t in negotiation.topics)),
        ("要约日期 / 对方收到", f"{_d(negotiation.proposed_on)} / {_d(negotiation.received_on)}"),
        ("合同期限（月）", str(negotiation.term_months or "—")),
        ("签字日期", _d(negotiation.signed_on)),
        ("报送期限", _d(negotiation.filing_due_on)),
        ("报送（收到）日期", _d(negotiation.filed_on)),
        ("职工方首席代表", negotiation.employee_signatory or "—"),
        ("用人单位方首席代表", negotiation.employer_signatory or "—"),
    ]
    if vote is not None:
        rows += [
            ("表决日期", _d(vote.held_on)),
            ("应到 / 实到", f"{vote.total} / {vote.present}"),
            ("赞成 / 反对 / 弃权", f"{vote.yes} / {vote.no} / {vote.abstain}"),
        ]
    table = doc.add_table(rows=0, cols=2)
    table.style = "Table Grid"
    for label, value in rows:
        cells = table.add_row().cells
        cells[0].text, cells[1].text = label, value
    doc.add_heading("协商代表", level=1)
    members = doc.add_table(rows=1, cols=4)
    members.style = "Table Grid"
    for cell, text in zip(members.rows[0].cells, ("方别", "姓名", "职务", "身份"), strict=True):
        cell.text = text
    for n in team:
        if n.left_on is not None:
            continue
        role = "首席代表" if n.is_chief else ("外聘专业人员" if n.is_expert else "代表")
        cells = members.add_row().cells
        cells[0].text = "职工方" if n.side.value == "employee" else "用人单位方"
        cells[1].text, cells[2].text, cells[3].text = n.name, n.post or "", role
    return _save(doc)
