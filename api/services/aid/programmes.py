"""Aid programmes as data (docs/rules.md §4 Programmes): period, per-person standard or cap, yearly cap
per member, eligible categories, whether a public notice is required, and the budget line (category
code of the union-funds budget) it pays from. :data:`DEFAULTS` holds the programmes of practice a
union installs for a year and then edits.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from api.db.models import AidProgramme, OrgUnit
from api.errors import Conflict, NotFound, RuleViolation
from api.i18n import _, register
from api.schemas.aid import DefaultProgrammesIn, ProgrammeCreate, ProgrammeKind, ProgrammeUpdate
from api.security.principal import Principal
from api.services import audit
from api.services.aid import common
from api.services.aid.visibility import programme_clause
from api.services.concurrency import expect_version
from api.services.pagination import keyset

register(
    {
        "aid_programme_code_taken": _("The union already has a programme with code {code}."),
        "aid_programme_unit_invalid": _(
            "Programmes belong to a grassroots union or a federation in your scope."
        ),
    }
)

ALL = ["deep", "relative", "accident", "none"]
FILED = ["deep", "relative", "accident"]
HARDSHIP_LINE = "rights.hardship_aid"  # 维权支出 - 困难职工帮扶 (32号)
WARMTH_LINE = "rights.send_warmth"  # 维权支出 - 送温暖 (32号)

#: (code suffix, name, kind, period as (month, day) pairs, fields) — amounts are practice examples
#: (docs/rules.md §4: 金秋助学 5,000 / 3,000 yuan for filed households, 4,000 / 2,000 otherwise) or [?]
#: placeholders a union edits; every one of them is data.
DEFAULTS: list[tuple[str, str, ProgrammeKind, tuple[tuple[int, int], tuple[int, int]], dict[str, Any]]] = [
    (
        "relief-season",
        "换季救助",
        ProgrammeKind.relief_season,
        ((3, 1), (10, 31)),
        {
            "standard_fen": 50_000,
            "yearly_cap_fen": 100_000,
            "eligible_categories": FILED,
            "notice_required": True,
            "budget_category_code": HARDSHIP_LINE,
        },
    ),
    (
        "relief-winter",
        "越冬救助",
        ProgrammeKind.relief_winter,
        ((11, 1), (12, 31)),
        {
            "standard_fen": 80_000,
            "yearly_cap_fen": 80_000,
            "eligible_categories": FILED,
            "notice_required": True,
            "budget_category_code": HARDSHIP_LINE,
        },
    ),
    (
        "relief-spring",
        "春节救助",
        ProgrammeKind.relief_spring,
        ((1, 1), (2, 28)),
        {
            "standard_fen": 100_000,
            "yearly_cap_fen": 100_000,
            "eligible_categories": FILED,
            "notice_required": True,
            "budget_category_code": HARDSHIP_LINE,
        },
    ),
    (
        "relief-daily",
        "日常救助",
        ProgrammeKind.relief_daily,
        ((1, 1), (12, 31)),
        {
            "cap_fen": 200_000,
            "yearly_cap_fen": 400_000,
            "eligible_categories": FILED,
            "notice_required": True,
            "budget_category_code": HARDSHIP_LINE,
        },
    ),
    (
        "relief-special",
        "特殊救助",
        ProgrammeKind.relief_special,
        ((1, 1), (12, 31)),
        {
            "cap_fen": 1_000_000,
            "yearly_cap_fen": 2_000_000,
            "eligible_categories": ALL,
            "notice_required": True,
            "budget_category_code": HARDSHIP_LINE,
        },
    ),
    (
        "send-warmth",
        "送温暖（元旦春节）",
        ProgrammeKind.send_warmth,
        ((1, 1), (2, 28)),
        {
            "standard_fen": 50_000,
            "yearly_cap_fen": 50_000,
            "eligible_categories": FILED,
            "notice_required": False,
            "budget_category_code": WARMTH_LINE,
        },
    ),
    (
        "jinqiu",
        "金秋助学",
        ProgrammeKind.education,
        ((7, 1), (9, 30)),
        {
            "tiers": {
                "university": {"filed": 500_000, "other": 400_000},
                "senior_high": {"filed": 300_000, "other": 200_000},
            },
            "eligible_categories": ALL,
            "notice_required": True,
            "budget_category_code": HARDSHIP_LINE,
        },
    ),
    (
        "medical-mutual",
        "医疗互助",
        ProgrammeKind.medical_mutual,
        ((1, 1), (12, 31)),
        {
            "cap_fen": 500_000,
            "yearly_cap_fen": 1_000_000,
            "eligible_categories": ALL,
            "notice_required": False,
            "budget_category_code": HARDSHIP_LINE,
        },
    ),
    (
        "women-insurance",
        "女职工安康保险",
        ProgrammeKind.women_insurance,
        ((1, 1), (12, 31)),
        {
            "cap_fen": 1_000_000,
            "yearly_cap_fen": 1_000_000,
            "eligible_categories": ALL,
            "notice_required": False,
            "budget_category_code": HARDSHIP_LINE,
        },
    ),
]


def _unit(session: Session, unit_id: uuid.UUID, by: Principal) -> OrgUnit:
    common.body_unit(session, unit_id, by, "aid.file")
    unit = session.get(OrgUnit, unit_id)
    if unit is None or unit.kind not in ("grassroots", "federation"):
        raise RuleViolation("aid_programme_unit_invalid", field="org_unit_id")
    return unit


def get_visible(session: Session, programme_id: uuid.UUID, principal: Principal) -> AidProgramme:
    programme = session.exec(
        select(AidProgramme).where(AidProgramme.id == programme_id, programme_clause(principal))
    ).first()
    if programme is None:
        raise NotFound()
    return programme


def list_programmes(
    session: Session, principal: Principal, *, limit: int, cursor: str | None, active: bool | None
) -> tuple[list[AidProgramme], str | None]:
    stmt = select(AidProgramme).where(programme_clause(principal))
    if active is not None:
        stmt = stmt.where(AidProgramme.is_active == active)
    return keyset(session, stmt, keys=[common.column(AidProgramme.id)], limit=limit, cursor=cursor)


def _add(session: Session, programme: AidProgramme, by: Principal) -> None:
    session.add(programme)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        raise Conflict("aid_programme_code_taken", code=programme.code) from None
    audit.record(
        session,
        by,
        "aid.programme.created",
        entity_type="aid_programme",
        entity_id=programme.id,
        org_unit_id=programme.org_unit_id,
        changes=audit.created(programme.model_dump(exclude={"id", "created_at", "updated_at", "version"})),
    )


def create(session: Session, data: ProgrammeCreate, *, by: Principal) -> AidProgramme:
    _unit(session, data.org_unit_id, by)
    values = data.model_dump(mode="json")
    values["org_unit_id"] = data.org_unit_id
    values["starts_on"], values["ends_on"] = data.starts_on, data.ends_on
    programme = AidProgramme(**values)
    _add(session, programme, by)
    session.commit()
    return programme


def install_defaults(session: Session, data: DefaultProgrammesIn, *, by: Principal) -> list[AidProgramme]:
    """Create the programmes of practice (:data:`DEFAULTS`) for one year; codes end in the year."""
    _unit(session, data.org_unit_id, by)
    created = []
    for suffix, name, kind, ((m1, d1), (m2, d2)), fields in DEFAULTS:
        programme = AidProgramme(
            org_unit_id=data.org_unit_id,
            code=f"{suffix}-{data.year}",
            name=f"{data.year}年{name}",
            kind=kind.value,
            starts_on=date(data.year, m1, d1),
            ends_on=date(data.year, m2, d2),
            **fields,
        )
        _add(session, programme, by)
        created.append(programme)
    session.commit()
    return created


def update(
    session: Session, programme: AidProgramme, data: ProgrammeUpdate, *, version: int, by: Principal
) -> AidProgramme:
    _unit(session, programme.org_unit_id, by)
    expect_version(programme, version)
    fields = data.model_dump(exclude_unset=True, mode="json")
    for key in ("starts_on", "ends_on"):
        if key in fields:
            fields[key] = getattr(data, key)
    before = audit.snapshot(programme, fields.keys())
    for key, value in fields.items():
        if value is None and key not in ("standard_fen", "cap_fen", "yearly_cap_fen"):
            raise RuleViolation("validation_failed", field=key, count=1)
        setattr(programme, key, value)
    if programme.ends_on < programme.starts_on:
        raise RuleViolation("validation_failed", field="ends_on", count=1)
    common.touch(programme)
    audit.record(
        session,
        by,
        "aid.programme.updated",
        entity_type="aid_programme",
        entity_id=programme.id,
        org_unit_id=programme.org_unit_id,
        changes=audit.diff(before, audit.snapshot(programme, fields.keys())),
    )
    session.commit()
    return programme
