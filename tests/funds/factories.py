"""Factories for the funds tests and the permission-matrix recipes (plain functions, no fixtures).

Books are set up through the API as the roles that would do it: a treasurer of the federation makes
the chart, the union's treasurer drafts the budget, its chair approves, its auditor accepts.
"""

from __future__ import annotations

from typing import Any

from api.db.models import OrgUnit

FUNDS = "/api/v1/funds"
CHARTS = f"{FUNDS}/charts"
BUDGETS = f"{FUNDS}/budgets"
ENTRIES = f"{FUNDS}/ledger-entries"
FINALS = f"{FUNDS}/final-accounts"
YEAR = 2027

#: a small budget: income lines and a few expense lines (fen)
LINES: dict[str, int] = {
    "income.dues": 2_000_000,
    "income.allocation": 5_000_000,
    "activities.culture_sports": 1_000_000,
    "activities.welfare.festival": 800_000,
    "activities.welfare.birthday": 200_000,
    "rights.hardship_aid": 500_000,
    "rights.send_warmth": 300_000,
    "business.meetings": 100_000,
    "remit.allocation": 2_000_000,
}


def flag_accounting(world: Any, *codes: str) -> None:
    """Mark units as independent accounting units (经费独立核算)."""
    with world.db.write_session() as s:
        for code in codes:
            unit = s.get(OrgUnit, world.units[code].id)
            unit.independent_accounting = True
        s.commit()


def ok(response: Any, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    return response.json()


def make_chart(
    client: Any, world: Any, unit: str = "ROOT", template: str = "national-6", **extra: Any
) -> dict:
    body = {"org_unit_id": str(world.units[unit].id), "template": template, **extra}
    return ok(client.post(CHARTS, json=body, headers=world.as_role("treasurer", unit)), 201)


def draft_budget(
    client: Any,
    world: Any,
    unit: str = "U01",
    *,
    year: int = YEAR,
    lines: dict[str, int] | None = None,
    chart: dict | None = None,
) -> dict:
    chart = chart or make_chart(client, world)
    body = {
        "org_unit_id": str(world.units[unit].id),
        "fiscal_year": year,
        "chart_id": chart["id"],
        "lines": [{"category_code": c, "amount_fen": a} for c, a in (lines or LINES).items()],
    }
    return ok(client.post(BUDGETS, json=body, headers=world.as_role("treasurer", unit)), 201)


def act(client: Any, world: Any, role: str, unit: str, path: str, body: Any = None, status: int = 200) -> Any:
    """GET the resource for its ETag, then POST the step with If-Match."""
    resource = path.rsplit("/", 1)[0]
    current = client.get(resource, headers=world.as_role(role, unit))
    assert current.status_code == 200, current.text
    headers = {**world.as_role(role, unit), "If-Match": current.headers["ETag"]}
    response = client.post(path, json=body, headers=headers)
    assert response.status_code == status, response.text
    return response.json()


def approve(client: Any, world: Any, budget: dict, unit: str = "U01") -> dict:
    body = {
        "meeting_on": f"{budget['fiscal_year'] - 1}-12-20",
        "minute_ref": "工会委员会会议纪要〔2026〕12号",
    }
    return act(client, world, "chair", unit, f"{BUDGETS}/{budget['id']}/approve", body)


def accept(client: Any, world: Any, budget: dict, unit: str = "U01") -> dict:
    body = {"decision": "accept", "opinion": "经审查，预算编制符合规定。"}
    return act(client, world, "auditor", unit, f"{BUDGETS}/{budget['id']}/review", body)


def budget_in_force(client: Any, world: Any, unit: str = "U01", **kw: Any) -> dict:
    flag_accounting(world, unit)
    budget = draft_budget(client, world, unit, **kw)
    approve(client, world, budget, unit)
    return accept(client, world, budget, unit)


def expense(
    world: Any,
    unit: str = "U01",
    category: str = "activities.culture_sports",
    amount: int = 10_000,
    **kw: Any,
) -> dict:
    return {
        "org_unit_id": str(world.units[unit].id),
        "kind": "expense",
        "category_code": category,
        "amount_fen": amount,
        "entry_on": f"{YEAR}-03-10",
        "counterparty": "某文体用品商店",
        "description": "职工篮球赛用品",
        **kw,
    }


def post(client: Any, world: Any, body: dict, unit: str = "U01") -> Any:
    return client.post(ENTRIES, json=body, headers=world.as_role("treasurer", unit))


def dues_payment(world: Any, unit: str, period: str, amount: int) -> Any:
    """A member of ``unit`` and a recorded dues payment for ``period`` (YYYY-MM)."""
    from datetime import date

    from factories import make_member

    from api.db.models import DuesPayment

    member = make_member(world, unit, representative=False)
    year, month = map(int, period.split("-"))
    with world.db.write_session() as s:
        s.add(
            DuesPayment(
                member_id=member.id,
                org_unit_id=world.units[unit].id,
                period=date(year, month, 1),
                amount_fen=amount,
                paid_on=date(year, month, 20),
                method="payroll",
            )
        )
        s.commit()
    return member
