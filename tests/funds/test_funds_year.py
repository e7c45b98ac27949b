"""A grassroots union's whole fiscal year over the API: chart chosen -> budget drafted -> approved ->
reviewed -> postings (expenses, dues income, the 2% allocation with its passed-up share) ->
adjustment -> overspend refused -> welfare cap refused -> year end -> final accounts -> closed ->
posting refused. The federation reads its subtree consolidated."""

from __future__ import annotations

from datetime import date

from factories import make_member

from funds.factories import (
    BUDGETS,
    ENTRIES,
    FINALS,
    FUNDS,
    LINES,
    YEAR,
    accept,
    act,
    approve,
    draft_budget,
    dues_payment,
    expense,
    flag_accounting,
    make_chart,
    ok,
    post,
)


def _tasks(client, world, role, unit="U01"):
    return {t["kind"] for t in ok(client.get("/api/v1/me/tasks", headers=world.as_role(role, unit)))["items"]}


def test_a_whole_fiscal_year(client, world, problem, clock):
    clock.set(date(YEAR, 1, 5))
    flag_accounting(world, "ROOT", "U01")
    chart = make_chart(client, world, "ROOT")

    # the federation's own budget receives the share passed up
    root_budget = draft_budget(client, world, "ROOT", chart=chart, lines={"income.allocation": 1_000_000})
    approve(client, world, root_budget, "ROOT")
    accept(client, world, root_budget, "ROOT")

    budget = draft_budget(client, world, "U01", chart=chart)
    assert "funds.budget_approve" in _tasks(client, world, "chair")
    approve(client, world, budget)
    assert "funds.budget_review" in _tasks(client, world, "auditor")
    in_force = accept(client, world, budget)
    assert in_force["status"] == "in_force" and in_force["chart_id"] == chart["id"]

    # postings
    clock.set(date(YEAR, 3, 20))
    ok(post(client, world, expense(world, amount=600_000)), 201)
    dues_payment(world, "U01-B01", f"{YEAR}-02", 4060)
    dues_payment(world, "U01-B02", f"{YEAR}-02", 5000)
    dues_in = ok(
        client.post(
            f"{FUNDS}/dues-income",
            json={"org_unit_id": str(world.units["U01"].id), "period": f"{YEAR}-02"},
            headers=world.as_role("treasurer", "U01"),
        ),
        201,
    )
    assert dues_in["amount_fen"] == 9060 and dues_in["payments"] == 2
    assert dues_in["entry"]["entry_on"] == f"{YEAR}-02-28"

    allocation = ok(
        client.post(
            f"{FUNDS}/allocations",
            json={
                "org_unit_id": str(world.units["U01"].id),
                "employer_name": "第一机械厂",
                "period": f"{YEAR}-02",
                "payroll_fen": 200_000_000,
            },
            headers=world.as_role("treasurer", "U01"),
        ),
        201,
    )
    assert allocation["expected_fen"] == 4_000_000 and allocation["kept_percent"] == 60
    received = act(
        client,
        world,
        "treasurer",
        "U01",
        f"{FUNDS}/allocations/{allocation['id']}/receipts",
        {"amount_fen": 3_000_000, "received_on": f"{YEAR}-03-15"},
        201,
    )
    assert received["arrears_fen"] == 1_000_000
    receipt = received["receipts"][0]
    assert (receipt["kept_fen"], receipt["passed_up_fen"]) == (1_800_000, 1_200_000)
    upper = ok(
        client.get(f"{ENTRIES}/{receipt['parent_entry_id']}", headers=world.as_role("auditor", "ROOT"))
    )
    assert upper["org_unit_id"] == str(world.units["ROOT"].id) and upper["amount_fen"] == 1_200_000

    # adjustment: more for culture and sports
    adj = act(client, world, "treasurer", "U01", f"{BUDGETS}/{budget['id']}/adjustments", None, 201)
    lines = [
        {"category_code": c, "amount_fen": a}
        for c, a in {**LINES, "activities.culture_sports": 1_200_000}.items()
    ]
    r = client.patch(
        f"{BUDGETS}/{adj['id']}",
        json={"lines": lines},
        headers={**world.as_role("treasurer", "U01"), "If-Match": '"1"'},
    )
    assert r.status_code == 200, r.text
    assert "funds.adjustment" in _tasks(client, world, "chair")
    approve(client, world, adj)
    accept(client, world, adj)
    ok(post(client, world, expense(world, amount=600_000)), 201)

    # overspend refused with the remainder
    body = problem(post(client, world, expense(world, amount=1)), 409, "budget_line_insufficient")
    assert body["remainder_fen"] == 0

    # welfare: festival gifts in kind within the cap; passing it is refused naming the member
    a, b = make_member(world, "U01-B01", name="张三"), make_member(world, "U01-B02", name="李四")
    gift = expense(
        world,
        category="activities.welfare.festival",
        amount=280_000,
        payment_form="in_kind",
        festival="spring_festival",
        recipients=[
            {"member_id": str(a.id), "amount_fen": 140_000},
            {"member_id": str(b.id), "amount_fen": 140_000},
        ],
    )
    ok(post(client, world, gift), 201)
    more = {
        **gift,
        "amount_fen": 30_000,
        "recipients": [
            {"member_id": str(a.id), "amount_fen": 20_000},
            {"member_id": str(b.id), "amount_fen": 10_000},
        ],
    }
    refused = problem(post(client, world, more), 422, "funds_welfare_cap_exceeded")
    assert [r["name"] for r in refused["recipients"]] == ["张三"] and "张三" in refused["detail"]

    # the federation sees its subtree consolidated
    report = ok(
        client.get(
            f"{FUNDS}/reports/budget-vs-actual?org_unit_id={world.units['ROOT'].id}&fiscal_year={YEAR}&consolidated=true",
            headers=world.as_role("auditor", "ROOT"),
        )
    )
    assert report["units"] == 2
    assert report["income"]["actual_fen"] == 9060 + 3_000_000 + 1_200_000

    # year end: final accounts from the ledger, approved, closed
    clock.set(date(YEAR + 1, 1, 10))
    assert "funds.final_due" in _tasks(client, world, "treasurer")
    final = ok(
        client.post(
            FINALS,
            json={"org_unit_id": str(world.units["U01"].id), "fiscal_year": YEAR},
            headers=world.as_role("treasurer", "U01"),
        ),
        201,
    )
    figures = final["figures"]
    assert figures["income_fen"] == 9060 + 3_000_000
    assert figures["expense_fen"] == 1_200_000 + 1_200_000 + 280_000
    act(
        client,
        world,
        "chair",
        "U01",
        f"{FINALS}/{final['id']}/approve",
        {"meeting_on": f"{YEAR + 1}-01-08", "minute_ref": "纪要1号"},
    )
    problem(post(client, world, expense(world, category="business.meetings")), 409, "fiscal_year_closed")
    closed = act(
        client,
        world,
        "auditor",
        "U01",
        f"{FINALS}/{final['id']}/review",
        {"decision": "accept", "opinion": "决算真实"},
    )
    assert closed["status"] == "closed"
    problem(post(client, world, expense(world, category="business.meetings")), 409, "fiscal_year_closed")
    first = ok(
        client.get(f"{ENTRIES}?fiscal_year={YEAR}&limit=1", headers=world.as_role("treasurer", "U01"))
    )["items"][0]
    reversal = {"reason": "更正", "entry_on": f"{YEAR}-12-31"}
    problem(
        client.post(
            f"{ENTRIES}/{first['id']}/reversal", json=reversal, headers=world.as_role("treasurer", "U01")
        ),
        409,
        "fiscal_year_closed",
    )
    statement = ok(
        client.get(
            f"{FUNDS}/reports/statement?org_unit_id={world.units['U01'].id}&fiscal_year={YEAR}",
            headers=world.as_role("chair", "U01"),
        )
    )
    assert statement["surplus_fen"] == figures["surplus_fen"]
    xlsx = client.get(
        f"{FUNDS}/reports/statement?org_unit_id={world.units['U01'].id}&fiscal_year={YEAR}&format=xlsx",
        headers=world.as_role("chair", "U01"),
    )
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
