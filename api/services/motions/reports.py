"""The motion work report of a congress (SQL aggregates, no row per motion in Python) and its XLSX export."""

from __future__ import annotations

import uuid
from collections import defaultdict

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from api.db.models import (
    Congress,
    Department,
    Motion,
    MotionRating,
    MotionReply,
)
from api.errors import Forbidden
from api.schemas.motions import (
    DepartmentRow,
    MotionReport,
    OverdueItem,
    Ratio,
)
from api.security.principal import Principal
from api.services import congresses
from api.services.motions.visibility import overdue_clause
from api.services.motions.workflow import SATISFIED, SCOPE_READERS, S, today
from api.services.scope import unit_within

# --- report -------------------------------------------------------------------------------------


def _ratio(numerator: int, denominator: int) -> Ratio:
    return Ratio(
        numerator=numerator,
        denominator=denominator,
        rate=round(numerator / denominator, 4) if denominator else None,
    )


def report(session: Session, congress: Congress, *, by: Principal) -> MotionReport:
    """The committee's report to the next congress (docs/rules.md §3): counts by decision and outcome,
    on-time reply rate, satisfaction rate, reopened motions, the overdue list and a table per lead
    department — each figure one aggregate query, never a loop over motions."""
    if not unit_within(session, congress.org_unit_id, congresses.roots(by, SCOPE_READERS)):
        raise Forbidden("motion_report_forbidden")
    as_of = today()
    of_congress = col(Motion.congress_id) == congress.id
    past_draft = sa.and_(of_congress, col(Motion.status) != S.draft.value)

    by_kind: dict[str, int] = defaultdict(int)
    by_status: dict[str, int] = defaultdict(int)
    by_decision: dict[str, int] = defaultdict(int)
    for status, kind, decision, count in session.execute(
        select(Motion.status, Motion.kind, Motion.decision, func.count())
        .where(past_draft)
        .group_by(Motion.status, col(Motion.kind), col(Motion.decision))
    ).all():
        by_kind[kind] += count
        by_status[status] += count
        if decision:
            by_decision[decision] += count
    by_outcome = {
        cls: n
        for cls, n in session.execute(
            select(Motion.outcome_class, func.count())
            .where(past_draft, col(Motion.outcome_class).is_not(None))
            .group_by(Motion.outcome_class)
        ).all()
    }

    reply_rows = (
        select(
            MotionReply.department_id,
            func.count().label("n"),
            func.sum(sa.case((col(MotionReply.late).is_(False), 1), else_=0)).label("on_time"),
        )
        .join(Motion, col(Motion.id) == col(MotionReply.motion_id))
        .where(of_congress)
        .group_by(col(MotionReply.department_id))
    )
    replies = {r.department_id: (r.n, int(r.on_time or 0)) for r in session.execute(reply_rows).all()}

    rated = (
        select(MotionRating.rating, MotionReply.department_id, func.count().label("n"))
        .join(Motion, col(Motion.id) == col(MotionRating.motion_id))
        .join(
            MotionReply,
            sa.and_(
                col(MotionReply.motion_id) == col(MotionRating.motion_id),
                col(MotionReply.round) == col(MotionRating.round),
            ),
        )
        .where(of_congress)
        .group_by(MotionRating.rating, col(MotionReply.department_id))
    )
    ratings_by_value: dict[str, int] = defaultdict(int)
    dept_ratings: dict[uuid.UUID, list[int]] = defaultdict(lambda: [0, 0])
    for rating, dept_id, n in session.execute(rated).all():
        ratings_by_value[rating] += n
        dept_ratings[dept_id][1] += n
        if rating in SATISFIED:
            dept_ratings[dept_id][0] += n

    reopened, extra_rounds = session.execute(
        select(func.sum(sa.case((col(Motion.round) > 1, 1), else_=0)), func.sum(col(Motion.round) - 1)).where(
            past_draft
        )
    ).one()

    overdue_rows = session.execute(
        sa.select(
            col(Motion.id),
            col(Motion.number),
            col(Motion.title),
            col(Motion.lead_department_id),
            col(Department.name),
            col(Motion.due_on),
            col(Motion.round),
        )
        .outerjoin(Department, col(Department.id) == col(Motion.lead_department_id))
        .where(of_congress, overdue_clause())
        .order_by(col(Motion.due_on), col(Motion.id))
    ).all()
    overdue = [
        OverdueItem(
            motion_id=r[0],
            number=r[1],
            title=r[2],
            lead_department_id=r[3],
            department_name=r[4],
            due_on=r[5],
            days_overdue=(as_of - r[5]).days,
            round=r[6],
        )
        for r in overdue_rows
    ]

    led = dict(
        session.execute(
            select(Motion.lead_department_id, func.count())
            .where(past_draft, col(Motion.lead_department_id).is_not(None))
            .group_by(col(Motion.lead_department_id))
        ).all()
    )
    overdue_by_dept: dict[uuid.UUID, int] = defaultdict(int)
    for item in overdue:
        if item.lead_department_id:
            overdue_by_dept[item.lead_department_id] += 1
    dept_ids = set(led) | set(replies) | set(dept_ratings)
    dept_names = dict(
        session.execute(
            select(col(Department.id), col(Department.name)).where(col(Department.id).in_(dept_ids))
        ).all()
    )
    departments = sorted(
        (
            DepartmentRow(
                department_id=d,
                name=dept_names.get(d, ""),
                assigned=led.get(d, 0),
                replies=replies.get(d, (0, 0))[0],
                on_time=replies.get(d, (0, 0))[1],
                late=replies.get(d, (0, 0))[0] - replies.get(d, (0, 0))[1],
                overdue=overdue_by_dept.get(d, 0),
                satisfied=dept_ratings[d][0] if d in dept_ratings else 0,
                ratings=dept_ratings[d][1] if d in dept_ratings else 0,
            )
            for d in dept_ids
        ),
        key=lambda row: (row.name, str(row.department_id)),
    )
    total_replies = sum(n for n, _ in replies.values())
    on_time = sum(t for _, t in replies.values())
    total_ratings = sum(ratings_by_value.values())
    satisfied = sum(ratings_by_value.get(v, 0) for v in SATISFIED)
    return MotionReport(
        congress_id=congress.id,
        congress_name=congress.name,
        as_of=as_of,
        submitted=sum(by_status.values()),
        by_kind=dict(by_kind),
        by_status=dict(by_status),
        by_decision=dict(by_decision),
        by_outcome=by_outcome,
        on_time_replies=_ratio(on_time, total_replies),
        satisfaction=_ratio(satisfied, total_ratings),
        ratings_by_value=dict(ratings_by_value),
        reopened=int(reopened or 0),
        extra_rounds=int(extra_rounds or 0),
        overdue=overdue,
        departments=departments,
    )


def report_xlsx(data: MotionReport) -> bytes:
    """The report as a workbook for printing: summary, overdue list, departments."""
    from io import BytesIO

    from openpyxl import Workbook
    from openpyxl.styles import Font

    bold = Font(bold=True)
    book = Workbook()
    summary = book.active
    summary.title = "概况"
    summary.append([data.congress_name])
    summary["A1"].font = bold
    summary.append(["统计日期", data.as_of.isoformat()])
    summary.append(["提交总数", data.submitted])
    for label, counts, names in (
        ("类别", data.by_kind, {"motion": "提案", "suggestion": "意见建议"}),
        (
            "审查结果",
            data.by_decision,
            {"register": "立案", "decline": "不立案", "merge": "并案", "convert": "转为意见建议"},
        ),
        (
            "答复类别",
            data.by_outcome,
            {"A": "A 已解决", "B": "B 正在解决/列入计划", "C": "C 暂不能解决", "D": "D 留作参考"},
        ),
    ):
        for key in names:
            summary.append([label, names[key], counts.get(key, 0)])
    summary.append(
        [
            "按期答复",
            data.on_time_replies.numerator,
            data.on_time_replies.denominator,
            data.on_time_replies.rate,
        ]
    )
    summary.append(
        ["满意率", data.satisfaction.numerator, data.satisfaction.denominator, data.satisfaction.rate]
    )
    summary.append(["退回重办件数", data.reopened])
    overdue = book.create_sheet("逾期")
    overdue.append(["案号", "案由", "主办部门", "办理期限", "逾期天数", "轮次"])
    for item in data.overdue:
        overdue.append(
            [item.number, item.title, item.department_name, item.due_on, item.days_overdue, item.round]
        )
    depts = book.create_sheet("承办部门")
    depts.append(["部门", "主办件数", "答复", "按期", "逾期答复", "逾期未复", "满意评价", "评价总数"])
    for row in data.departments:
        depts.append(
            [
                row.name,
                row.assigned,
                row.replies,
                row.on_time,
                row.late,
                row.overdue,
                row.satisfied,
                row.ratings,
            ]
        )
    for sheet in (overdue, depts):
        for cell in sheet[1]:
            cell.font = bold
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()
