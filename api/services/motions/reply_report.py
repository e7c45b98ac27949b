"""The reply report read out at the congress (提案答复报告), docs/rules.md §3: every motion the committee
registered or converted, with its lead department's latest answer, outcome class (A-D), the
signatories' satisfaction and, for class B, the promised date and the follow-up's state; as JSON, XLSX
(openpyxl) or DOCX (python-docx).

Four queries whatever the number of motions: the motions with proposer and department, their latest
replies, the ratings of those rounds, the follow-ups.
"""

from __future__ import annotations

from collections import defaultdict
from io import BytesIO
from typing import Any, cast

import sqlalchemy as sa
from sqlmodel import Session, select

from api.db.models import Congress, Department, Member, Motion, MotionRating, MotionReply
from api.errors import Forbidden
from api.schemas.motions import (
    FollowUpStatus,
    MotionKind,
    MotionStatus,
    OutcomeClass,
    Rating,
    ReplyReport,
    ReplyReportItem,
)
from api.security.permissions import Role
from api.security.principal import Principal
from api.services import congresses
from api.services.congresses import common as congresses_common
from api.services.motions import followups as motion_followups
from api.services.scope import unit_within

#: who reads the report: the union's chair, officers and auditors (as the motion committee's report)
READERS = frozenset({Role.chair, Role.officer, Role.auditor})
#: motions the report covers: registered (立案) or converted to suggestions (still answered)
COVERED = (
    MotionStatus.registered,
    MotionStatus.converted,
    MotionStatus.assigned,
    MotionStatus.answered,
    MotionStatus.reopened,
    MotionStatus.closed,
)
OUTCOME_NAMES = {"A": "A 已解决", "B": "B 正在解决/列入计划", "C": "C 暂不能解决", "D": "D 留作参考"}
RATING_NAMES = {"satisfied": "满意", "basically_satisfied": "基本满意", "unsatisfied": "不满意"}


def _c(attribute: Any) -> sa.ColumnElement[Any]:
    return cast("sa.ColumnElement[Any]", attribute)


def require_reader(session: Session, congress: Congress, principal: Principal) -> None:
    """The union's chair, officers and auditors read the reports (403 ``motion_report_forbidden``)."""
    if not unit_within(session, congress.org_unit_id, congresses.roots(principal, READERS)):
        raise Forbidden("motion_report_forbidden")


def build(session: Session, congress: Congress, *, by: Principal) -> ReplyReport:
    require_reader(session, congress, by)
    motions = session.execute(
        select(Motion, _c(Member.name), _c(Department.name))
        .join(Member, _c(Member.id) == _c(Motion.proposer_member_id))
        .outerjoin(Department, _c(Department.id) == _c(Motion.lead_department_id))
        .where(
            _c(Motion.congress_id) == congress.id,
            _c(Motion.status).in_([s.value for s in COVERED]),
        )
        .order_by(_c(Motion.number).is_(None), _c(Motion.number), _c(Motion.id))
    ).all()
    ids = [m.id for m, _, _ in motions]
    latest: dict[Any, MotionReply] = {}
    if ids:
        last_round = (
            select(_c(MotionReply.motion_id), sa.func.max(_c(MotionReply.round)).label("round"))
            .where(_c(MotionReply.motion_id).in_(ids))
            .group_by(_c(MotionReply.motion_id))
            .subquery()
        )
        for reply in session.scalars(
            select(MotionReply).join(
                last_round,
                sa.and_(
                    _c(MotionReply.motion_id) == last_round.c.motion_id,
                    _c(MotionReply.round) == last_round.c.round,
                ),
            )
        ):
            latest[reply.motion_id] = reply
    ratings: dict[Any, dict[str, int]] = defaultdict(dict)
    proposer_rating: dict[Any, str] = {}
    if latest:
        for motion_id, round_, rating, is_proposer in session.execute(
            select(
                _c(MotionRating.motion_id),
                _c(MotionRating.round),
                _c(MotionRating.rating),
                _c(MotionRating.is_proposer),
            ).where(_c(MotionRating.motion_id).in_(list(latest)))
        ):
            if latest[motion_id].round != round_:
                continue
            ratings[motion_id][rating] = ratings[motion_id].get(rating, 0) + 1
            if is_proposer:
                proposer_rating[motion_id] = rating
    follow = motion_followups.status_of(session, ids)
    items = []
    for motion, proposer, dept in motions:
        answer = latest.get(motion.id)
        items.append(
            ReplyReportItem(
                motion_id=motion.id,
                number=motion.number,
                kind=MotionKind(motion.kind),
                title=motion.title,
                proposer=proposer,
                department_name=dept,
                round=motion.round,
                answer=answer.text if answer else None,
                outcome_class=OutcomeClass(answer.outcome_class) if answer else None,
                replied_on=answer.replied_on if answer else None,
                late=answer.late if answer else None,
                proposer_rating=Rating(proposer_rating[motion.id]) if motion.id in proposer_rating else None,
                ratings=ratings.get(motion.id, {}),
                promised_on=answer.promised_on if answer else None,
                follow_up_status=FollowUpStatus(follow[motion.id]) if motion.id in follow else None,
            )
        )
    return ReplyReport(
        congress_id=congress.id, congress_name=congress.name, as_of=congresses_common.today(), items=items
    )


def _satisfaction(item: ReplyReportItem) -> str:
    return "，".join(f"{RATING_NAMES.get(k, k)} {n}" for k, n in sorted(item.ratings.items())) or "未评价"


def _follow_up(item: ReplyReportItem) -> str:
    if item.promised_on is None:
        return ""
    state = {"open": "落实中", "done": "已落实", "superseded": "已另行答复"}.get(
        item.follow_up_status or "", ""
    )
    return f"承诺 {item.promised_on.isoformat()} 前完成（{state}）"


def _number(item: ReplyReportItem) -> str:
    return f"第{item.number}号" if item.number is not None else "意见建议"


def to_xlsx(report: ReplyReport) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    book = Workbook()
    sheet = book.active
    sheet.title = "提案答复报告"
    sheet.append([f"{report.congress_name}提案答复报告"])
    sheet["A1"].font = Font(bold=True)
    sheet.append(["统计日期", report.as_of.isoformat()])
    header = [
        "案号",
        "案由",
        "提案人",
        "主办部门",
        "答复类别",
        "答复内容",
        "答复日期",
        "提案人评价",
        "满意度",
        "跟踪落实",
    ]
    sheet.append(header)
    for cell in sheet[3]:
        cell.font = Font(bold=True)
    for item in report.items:
        sheet.append(
            [
                _number(item),
                item.title,
                item.proposer,
                item.department_name or "",
                OUTCOME_NAMES.get(item.outcome_class or "", "未答复"),
                item.answer or "",
                item.replied_on.isoformat() if item.replied_on else "",
                RATING_NAMES.get(item.proposer_rating or "", ""),
                _satisfaction(item),
                _follow_up(item),
            ]
        )
    for row in sheet.iter_rows(min_row=4, min_col=6, max_col=6):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def to_docx(report: ReplyReport) -> bytes:
    from docx import Document

    doc = Document()
    doc.add_heading(f"{report.congress_name}提案答复报告", level=1)
    doc.add_paragraph(f"统计日期：{report.as_of.isoformat()}；共 {len(report.items)} 件。")
    for item in report.items:
        doc.add_heading(f"{_number(item)}　{item.title}", level=2)
        doc.add_paragraph(f"提案人：{item.proposer}　主办部门：{item.department_name or '未交办'}")
        doc.add_paragraph(f"答复类别：{OUTCOME_NAMES.get(item.outcome_class or '', '未答复')}")
        doc.add_paragraph(f"答复内容：{item.answer or '尚未答复'}")
        rated = RATING_NAMES.get(item.proposer_rating or "", "未评价")
        doc.add_paragraph(f"提案人评价：{rated}；满意度：{_satisfaction(item)}")
        if item.promised_on is not None:
            doc.add_paragraph(f"跟踪落实：{_follow_up(item)}")
    buffer = BytesIO()
    doc.save(buffer)
    return buffer.getvalue()
