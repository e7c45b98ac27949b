"""Charts of accounts as data (docs/rules.md §5 [L: 32号 as cited]): the shipped templates, the province
data, and the immutable chart versions units make from them.

Templates live in ``data/charts/*.json`` (the six-category tree of 32号 and the seven-category
variant some provinces use), province data in ``data/provinces/*.json`` (festival list, per-person
welfare caps, the share of the 2% allocation a grassroots union keeps). Making a chart copies both
into a new ``fund_chart`` row with the next version number for that unit and template: a budget
pins the chart it was made with, so a later chart (or edited data file) never rewrites a past year.
"""

from __future__ import annotations

import json
import uuid
from functools import cache
from importlib import resources
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from api.config import Settings
from api.db.models import FundChart, OrgUnitClosure
from api.errors import NotFound, RuleViolation
from api.schemas.funds import ChartCreate, ChartTemplateOut
from api.security.principal import Principal
from api.services import audit
from api.services.funds.common import column, require_in_scope, roots
from api.services.pagination import keyset
from api.services.scope import in_scope


def _data(folder: str) -> dict[str, dict[str, Any]]:
    base = resources.files("api.services.funds").joinpath("data", folder)
    out = {}
    for entry in base.iterdir():
        if entry.name.endswith(".json"):
            out[entry.name.removesuffix(".json")] = json.loads(entry.read_text(encoding="utf-8"))
    return out


@cache
def templates() -> dict[str, dict[str, Any]]:
    return _data("charts")


@cache
def provinces() -> dict[str, dict[str, Any]]:
    return _data("provinces")


def list_templates() -> list[ChartTemplateOut]:
    return [ChartTemplateOut.model_validate(t) for _, t in sorted(templates().items())]


class Chart:
    """A chart version's items by code, with what the ledger and budgets ask of it.

    Plain data copied from the row (never the ORM object, which a later rollback would expire), so
    it can be cached across sessions."""

    def __init__(self, row: FundChart):
        self.id = row.id
        self.name = row.name
        self.rules: dict[str, Any] = json.loads(json.dumps(row.rules))
        items: list[dict[str, Any]] = json.loads(json.dumps(row.items))
        self.items: dict[str, dict[str, Any]] = {i["code"]: i for i in items}
        parents = {i.get("parent") for i in items}
        self.leaves = frozenset(code for code in self.items if code not in parents)

    def root_of(self, code: str) -> str:
        item = self.items[code]
        while item.get("parent"):
            item = self.items[item["parent"]]
        return str(item["code"])

    def leaf(self, code: str) -> dict[str, Any]:
        """The postable item ``code`` (a leaf of the tree), else 422."""
        if code not in self.leaves:
            raise RuleViolation(
                "funds_unknown_category", field="category_code", category_code=code, chart=self.name
            )
        return self.items[code]

    def welfare_type(self, code: str) -> str | None:
        return self.items[code].get("welfare_type")

    def controlled(self, code: str) -> bool:
        return bool(self.items[code].get("controlled", True))


_charts: dict[uuid.UUID, Chart] = {}


def chart(session: Session, chart_id: uuid.UUID) -> Chart:
    """A chart by id (charts never change once made, so they are cached per process)."""
    found = _charts.get(chart_id)
    if found is None:
        row = session.get(FundChart, chart_id)
        if row is None:
            raise NotFound()
        found = _charts[chart_id] = Chart(row)
    return found


def visibility(principal: Principal) -> sa.ColumnElement[bool]:
    """A chart is visible inside its unit's subtree and to callers above it (its unit lies in their
    subtrees, or above one of their roots: a grassroots union uses its federation's chart)."""
    granted = roots(principal)
    if not granted:
        return sa.false()
    above = select(OrgUnitClosure.ancestor_id).where(col(OrgUnitClosure.descendant_id).in_(granted))
    return sa.or_(in_scope(column(FundChart.org_unit_id), granted), col(FundChart.org_unit_id).in_(above))


def get_visible(session: Session, chart_id: uuid.UUID, principal: Principal) -> FundChart:
    row = session.exec(select(FundChart).where(FundChart.id == chart_id, visibility(principal))).first()
    if row is None:
        raise NotFound()
    return row


def list_charts(
    session: Session, principal: Principal, *, limit: int, cursor: str | None
) -> tuple[list[FundChart], str | None]:
    """One page of the visible chart versions, by code and version."""
    stmt = select(FundChart).where(visibility(principal))
    keys = [col(FundChart.code), col(FundChart.version), col(FundChart.id)]
    return keyset(session, stmt, keys=keys, limit=limit, cursor=cursor)


def create(session: Session, data: ChartCreate, *, settings: Settings, by: Principal) -> FundChart:
    """Make the next version of a chart from a shipped template plus the unit's own sub-items and the
    province's data (docs/rules.md §5: the category tree is data, chosen and extended per province)."""
    require_in_scope(session, data.org_unit_id, by)
    template = templates().get(data.template)
    if template is None:
        raise RuleViolation("funds_chart_template_unknown", field="template", template=data.template)
    province_code = data.province or settings.funds_default_province
    province = provinces().get(province_code)
    if province is None:
        raise RuleViolation("funds_province_unknown", field="province", province=province_code)
    items = [dict(i) for i in template["items"]]
    codes = {i["code"]: i for i in items}
    for extra in data.extra_items:
        parent = codes.get(extra.parent)
        if extra.code in codes or parent is None or not extra.code.startswith(extra.parent + "."):
            raise RuleViolation("funds_chart_item_invalid", field="extra_items", code=extra.code)
        item = {"code": extra.code, "name": extra.name, "kind": parent["kind"], "parent": extra.parent}
        for inherited in ("welfare_type", "controlled"):
            if inherited in parent:
                item[inherited] = parent[inherited]
        items.append(item)
        codes[extra.code] = item
    rules = dict(province)
    rules["festivals"] = list(province.get("festivals", [])) + list(data.extra_festivals)
    latest = session.execute(
        select(func.max(FundChart.version)).where(
            FundChart.org_unit_id == data.org_unit_id, FundChart.code == data.template
        )
    ).scalar()
    row = FundChart(
        org_unit_id=data.org_unit_id,
        code=data.template,
        version=(latest or 0) + 1,
        name=data.name or template["name"],
        template=data.template,
        province=province_code,
        items=items,
        rules=rules,
        created_by_id=by.user_id,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        by,
        "fund_chart.created",
        entity_type="fund_chart",
        entity_id=row.id,
        org_unit_id=row.org_unit_id,
        changes=audit.created(
            {"template": row.template, "version": row.version, "province": row.province, "items": len(items)}
        ),
    )
    session.commit()
    return row
