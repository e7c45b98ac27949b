"""The coverage report of a federation's (or union's) subtree, in SQL aggregates, as JSON or XLSX:
units and members covered by a contract in force, by kind; contracts expiring in the next 3 months
(令22 Art 38); overdue replies (Art 32), vacancies (Art 31) and filings (Art 42); wage figures of
contracts in force."""

from __future__ import annotations

import uuid
from io import BytesIO
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from api.db.models import (
    Member,
    Negotiation,
    NegotiationClause,
    NegotiationCoverage,
    NegotiationDraft,
    OrgUnit,
    OrgUnitClosure,
)
from api.errors import NotFound
from api.rules import collective_contracts as rules
from api.schemas.negotiations import (
    ContractRow,
    CoverageReport,
    KindCoverage,
    NegotiationKind,
    WageFigures,
)
from api.security.principal import Principal
from api.services import congresses
from api.services.member_core import VOTING
from api.services.negotiations.visibility import (
    MULTI_EMPLOYER,
    SCOPE_READERS,
    open_vacancies,
    overdue_filing,
    overdue_reply,
    overdue_vacancy,
)
from api.services.negotiations.workflow import IN_FORCE, column, phase_clause, today
from api.services.scope import in_scope, unit_within


def _roots(unit_id: uuid.UUID, in_force: sa.ColumnElement[bool]) -> Any:
    """Subquery (negotiation id, kind, root unit) of the contracts in force covering units in the
    subtree: the conducting union, or each unit an industry/regional contract lists."""
    single: Any = sa.select(
        col(Negotiation.id).label("id"),
        col(Negotiation.kind).label("kind"),
        col(Negotiation.org_unit_id).label("root"),
    ).where(
        in_force,
        col(Negotiation.kind).not_in(MULTI_EMPLOYER),
        in_scope(column(Negotiation.org_unit_id), [unit_id]),
    )
    multi: Any = (
        sa.select(
            col(Negotiation.id).label("id"),
            col(Negotiation.kind).label("kind"),
            col(NegotiationCoverage.org_unit_id).label("root"),
        )
        .join(NegotiationCoverage, col(NegotiationCoverage.negotiation_id) == Negotiation.id)
        .where(in_force, in_scope(column(NegotiationCoverage.org_unit_id), [unit_id]))
    )
    return sa.union_all(single, multi).subquery("covering")


def _rows(session: Session, where: sa.ColumnElement[bool], due: Any) -> list[ContractRow]:
    """Negotiations matching ``where``, with the date that matters to the list, earliest first."""
    query = sa.select(
        col(Negotiation.id), col(Negotiation.org_unit_id), col(Negotiation.title), col(Negotiation.kind), due
    ).where(where)
    return [
        ContractRow(
            negotiation_id=r[0], org_unit_id=r[1], title=r[2], kind=NegotiationKind(r[3]), due_on=r[4]
        )
        for r in session.execute(query.order_by(due, col(Negotiation.id))).all()
    ]


def coverage(session: Session, unit_id: uuid.UUID, *, by: Principal) -> CoverageReport:
    if session.get(OrgUnit, unit_id) is None or not unit_within(
        session, unit_id, congresses.roots(by, SCOPE_READERS)
    ):
        raise NotFound()
    as_of = today()
    in_force = phase_clause(IN_FORCE, as_of)
    roots = _roots(unit_id, in_force)
    grassroots = (
        select(roots.c.kind, OrgUnitClosure.descendant_id)
        .join(OrgUnitClosure, OrgUnitClosure.ancestor_id == roots.c.root)
        .join(OrgUnit, col(OrgUnit.id) == OrgUnitClosure.descendant_id)
        .where(OrgUnit.kind == "grassroots")
        .subquery()
    )
    members = (
        select(roots.c.kind, col(Member.id).label("member_id"))
        .join(OrgUnitClosure, OrgUnitClosure.ancestor_id == roots.c.root)
        .join(Member, col(Member.org_unit_id) == OrgUnitClosure.descendant_id)
        .where(col(Member.status).in_([s.value for s in VOTING]))
        .subquery()
    )
    contracts = dict(
        session.execute(
            select(roots.c.kind, func.count(sa.distinct(roots.c.id))).group_by(roots.c.kind)
        ).all()
    )
    units = dict(
        session.execute(
            select(grassroots.c.kind, func.count(sa.distinct(grassroots.c.descendant_id))).group_by(
                grassroots.c.kind
            )
        ).all()
    )
    people = dict(
        session.execute(
            select(members.c.kind, func.count(sa.distinct(members.c.member_id))).group_by(members.c.kind)
        ).all()
    )
    by_kind = [
        KindCoverage(
            kind=k,
            contracts=contracts.get(k.value, 0),
            units=units.get(k.value, 0),
            members=people.get(k.value, 0),
        )
        for k in NegotiationKind
    ]
    units_covered = session.execute(select(func.count(sa.distinct(grassroots.c.descendant_id)))).scalar_one()
    members_covered = session.execute(select(func.count(sa.distinct(members.c.member_id)))).scalar_one()

    in_subtree = in_scope(column(Negotiation.org_unit_id), [unit_id])
    horizon = rules.add_months(as_of, rules.RULES.renewal_window_months)
    expiring = _rows(
        session,
        sa.and_(
            in_subtree, in_force, col(Negotiation.expires_on) >= as_of, col(Negotiation.expires_on) <= horizon
        ),
        col(Negotiation.expires_on),
    )
    replies = _rows(session, sa.and_(in_subtree, overdue_reply(as_of)), col(Negotiation.reply_due_on))
    filings = _rows(session, sa.and_(in_subtree, overdue_filing(as_of)), col(Negotiation.filing_due_on))
    vacant = open_vacancies(as_of).subquery()
    earliest_vacancy = (
        sa.select(func.min(vacant.c.replace_due_on))
        .where(vacant.c.negotiation_id == Negotiation.id)
        .scalar_subquery()
    )
    vacancies = _rows(session, sa.and_(in_subtree, overdue_vacancy(as_of)), earliest_vacancy)

    wage = session.execute(
        sa.select(
            func.count(sa.distinct(col(Negotiation.id))),
            func.min(NegotiationClause.wage_growth_bp),
            func.max(NegotiationClause.wage_growth_bp),
            func.avg(NegotiationClause.wage_growth_bp),
            func.min(NegotiationClause.minimum_wage_fen),
            func.max(NegotiationClause.minimum_wage_fen),
        )
        .select_from(Negotiation)
        .join(
            NegotiationDraft,
            sa.and_(
                col(NegotiationDraft.negotiation_id) == Negotiation.id,
                col(NegotiationDraft.number) == Negotiation.agreed_draft,
            ),
        )
        .join(NegotiationClause, col(NegotiationClause.draft_id) == NegotiationDraft.id)
        .where(
            in_force,
            col(Negotiation.id).in_(select(roots.c.id)),
            sa.or_(
                col(NegotiationClause.wage_growth_bp).is_not(None),
                col(NegotiationClause.minimum_wage_fen).is_not(None),
            ),
        )
    ).one()
    return CoverageReport(
        unit_id=unit_id,
        as_of=as_of,
        by_kind=by_kind,
        units_covered=int(units_covered or 0),
        members_covered=int(members_covered or 0),
        expiring=expiring,
        overdue_replies=replies,
        overdue_vacancies=vacancies,
        overdue_filings=filings,
        wages=WageFigures(
            contracts=int(wage[0] or 0),
            min_growth_bp=wage[1],
            max_growth_bp=wage[2],
            avg_growth_bp=round(float(wage[3]), 2) if wage[3] is not None else None,
            min_minimum_wage_fen=wage[4],
            max_minimum_wage_fen=wage[5],
        ),
    )


KIND_ZH = {"comprehensive": "综合性", "special": "专项", "industry": "行业性", "regional": "区域性"}


def coverage_xlsx(data: CoverageReport) -> bytes:
    """The report as a workbook: summary by kind, expiring contracts, overdue lists, wage figures."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    bold = Font(bold=True)
    book = Workbook()
    summary = book.active
    summary.title = "覆盖情况"
    summary.append(["统计日期", data.as_of.isoformat()])
    summary.append(["覆盖基层工会数", data.units_covered])
    summary.append(["覆盖会员数", data.members_covered])
    summary.append([])
    summary.append(["类型", "有效合同数", "覆盖基层工会", "覆盖会员"])
    for row in data.by_kind:
        summary.append([KIND_ZH[row.kind.value], row.contracts, row.units, row.members])
    summary.append([])
    w = data.wages
    summary.append(["工资集体合同数", w.contracts])
    summary.append(["工资增长幅度(基点) 最低/最高/平均", w.min_growth_bp, w.max_growth_bp, w.avg_growth_bp])
    summary.append(["最低工资(分) 最低/最高", w.min_minimum_wage_fen, w.max_minimum_wage_fen])
    for title, rows, label in (
        ("三个月内到期", data.expiring, "到期日"),
        ("逾期未答复", data.overdue_replies, "答复期限"),
        ("逾期未补缺", data.overdue_vacancies, ""),
        ("逾期未报送", data.overdue_filings, "报送期限"),
    ):
        sheet = book.create_sheet(title)
        sheet.append(["协商", "类型", label, "编号"])
        for cell in sheet[1]:
            cell.font = bold
        for r in rows:
            sheet.append([r.title, KIND_ZH[r.kind.value], r.due_on, str(r.negotiation_id)])
    for cell in summary[5]:
        cell.font = bold
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()
