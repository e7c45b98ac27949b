"""Budgets and the ledger over the API: lifecycle, separation of duties, overspend, reversals, scope."""

from __future__ import annotations

import sqlalchemy as sa

from funds.factories import (
    BUDGETS,
    ENTRIES,
    LINES,
    YEAR,
    accept,
    act,
    approve,
    budget_in_force,
    draft_budget,
    expense,
    flag_accounting,
    make_chart,
    ok,
    post,
)


def test_budget_goes_draft_approved_in_force(client, world):
    flag_accounting(world, "U01")
    budget = draft_budget(client, world)
    assert budget["status"] == "draft" and budget["revision"] == 0
    assert budget["expense_fen"] == sum(v for k, v in LINES.items() if not k.startswith("income."))
    approved = approve(client, world, budget)
    assert approved["status"] == "approved" and approved["minute_ref"]
    in_force = accept(client, world, budget)
    assert in_force["status"] == "in_force"
    timeline = ok(client.get(f"{BUDGETS}/{budget['id']}/timeline", headers=world.as_role("auditor", "U01")))
    assert timeline["next_cursor"] is None
    assert [e["kind"] for e in timeline["items"]] == ["drafted", "approved", "in_force"]


def test_the_drafter_cannot_approve_domain_0_separation_of_duties(client, world, problem):
    """章程 Art 13, 26 and the role matrix: a budget is approved by someone other than its drafter."""
    flag_accounting(world, "U01")
    world.user("both", ("treasurer", "U01"), ("chair", "U01"))
    chart = make_chart(client, world)
    body = {
        "org_unit_id": str(world.units["U01"].id),
        "fiscal_year": YEAR,
        "chart_id": chart["id"],
        "lines": [{"category_code": "business.meetings", "amount_fen": 100}],
    }
    budget = ok(client.post(BUDGETS, json=body, headers=world.headers("both")), 201)
    r = client.post(
        f"{BUDGETS}/{budget['id']}/approve",
        json={"meeting_on": "2026-12-20", "minute_ref": "纪要1"},
        headers={**world.headers("both"), "If-Match": '"1"'},
    )
    problem(r, 409, "funds_approve_own")


def test_auditor_sends_back_with_reasons(client, world):
    flag_accounting(world, "U01")
    budget = draft_budget(client, world)
    approve(client, world, budget)
    body = {"decision": "send_back", "opinion": "会议费预算偏高，请重新测算。"}
    back = act(client, world, "auditor", "U01", f"{BUDGETS}/{budget['id']}/review", body)
    assert back["status"] == "draft" and back["returned_reason"] == body["opinion"]


def test_budget_lines_must_be_leaves_of_the_chart(client, world, problem):
    flag_accounting(world, "U01")
    chart = make_chart(client, world)
    body = {
        "org_unit_id": str(world.units["U01"].id),
        "fiscal_year": YEAR,
        "chart_id": chart["id"],
        "lines": [{"category_code": "rights", "amount_fen": 100}],
    }
    problem(
        client.post(BUDGETS, json=body, headers=world.as_role("treasurer", "U01")),
        422,
        "funds_unknown_category",
    )


def test_budget_only_at_an_accounting_unit(client, world, problem):
    chart = make_chart(client, world)
    body = {
        "org_unit_id": str(world.units["U01"].id),
        "fiscal_year": YEAR,
        "chart_id": chart["id"],
        "lines": [],
    }
    problem(
        client.post(BUDGETS, json=body, headers=world.as_role("treasurer", "U01")),
        422,
        "funds_not_accounting_unit",
    )


def test_expense_beyond_the_remainder_is_refused_with_the_remainder(client, world, problem):
    """32号 as cited [L]: no spending outside the approved budget; beyond the line's remainder is refused."""
    budget_in_force(client, world)
    ok(post(client, world, expense(world, amount=900_000)), 201)
    body = problem(post(client, world, expense(world, amount=100_001)), 409, "budget_line_insufficient")
    assert body["remainder_fen"] == 100_000 and body["needed_fen"] == 100_001
    ok(post(client, world, expense(world, amount=100_000)), 201)


def test_a_branch_books_at_its_accounting_unit(client, world):
    budget_in_force(client, world)
    entry = ok(post(client, world, expense(world, unit="U01-B01")), 201)
    assert entry["org_unit_id"] == str(world.units["U01"].id)
    assert entry["voucher_no"] == f"{YEAR}-000001" and entry["fiscal_year"] == YEAR


def test_no_budget_in_force_refuses_posting(client, world, problem):
    flag_accounting(world, "U01")
    draft_budget(client, world)
    problem(post(client, world, expense(world)), 409, "budget_not_in_force")


def test_no_line_for_the_category_refuses_posting(client, world, problem):
    budget_in_force(client, world)
    problem(post(client, world, expense(world, category="capital")), 409, "budget_not_in_force")


def test_reversal_gives_the_money_back_and_is_linked(client, world, problem, clock):
    budget_in_force(client, world)
    original = ok(post(client, world, expense(world, amount=1_000_000)), 201)
    problem(post(client, world, expense(world, amount=1)), 409, "budget_line_insufficient")
    headers = world.as_role("treasurer", "U01")
    reversal = ok(
        client.post(f"{ENTRIES}/{original['id']}/reversal", json={"reason": "重复记账"}, headers=headers), 201
    )
    assert reversal["amount_fen"] == -1_000_000 and reversal["reverses_id"] == original["id"]
    assert ok(client.get(f"{ENTRIES}/{original['id']}", headers=headers))["reversed_by_id"] == reversal["id"]
    problem(
        client.post(f"{ENTRIES}/{original['id']}/reversal", json={"reason": "再冲"}, headers=headers),
        409,
        "funds_already_reversed",
    )
    ok(post(client, world, expense(world, amount=1_000_000)), 201)


def test_voucher_numbers_are_unique_per_unit_and_year(client, world, problem):
    budget_in_force(client, world)
    ok(post(client, world, expense(world, voucher_no="记-001")), 201)
    problem(post(client, world, expense(world, voucher_no="记-001")), 409, "funds_voucher_taken")


def test_a_generated_voucher_number_taken_by_hand_is_refused(client, world, problem):
    """A number given by hand that the next generated one repeats: 409, nothing booked."""
    budget_in_force(client, world)
    first = ok(post(client, world, expense(world)), 201)
    year, seq = first["voucher_no"].split("-")
    ok(post(client, world, expense(world, voucher_no=f"{year}-{int(seq) + 2:06d}")), 201)
    problem(post(client, world, expense(world)), 409, "funds_voucher_taken")


def test_posting_an_expense_runs_a_bounded_number_of_statements(client, world, engine):
    """The posting path (scope, accounting unit, budget lock, closed year, line + its running total,
    number + voucher check, insert, total upsert, audit, commit) does not grow back."""
    budget_in_force(client, world)
    ok(post(client, world, expense(world)), 201)
    statements: list[str] = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    sa.event.listen(engine, "before_cursor_execute", listener)
    try:
        ok(post(client, world, expense(world)), 201)
    finally:
        sa.event.remove(engine, "before_cursor_execute", listener)
    funds = [s for s in statements if "fund" in s.lower() or "audit" in s.lower()]
    assert len(funds) <= 9, "\n".join(funds)


def test_large_expense_needs_a_collective_decision_reference(client, world, problem, settings):
    """32号 as cited [L]: major spending needs a collective decision (重大事项集体决策)."""
    lines = {**LINES, "capital": 10_000_000}
    budget_in_force(client, world, lines=lines)
    big = expense(world, category="capital", amount=settings.funds_decision_threshold_fen)
    problem(post(client, world, big), 422, "funds_decision_reference_required")
    ok(post(client, world, {**big, "decision_ref": "党政联席会议纪要〔2027〕3号"}), 201)


def test_adjustment_makes_a_new_in_force_revision(client, world):
    budget = budget_in_force(client, world)
    ok(post(client, world, expense(world, amount=1_000_000)), 201)
    adj = act(client, world, "treasurer", "U01", f"{BUDGETS}/{budget['id']}/adjustments", None, 201)
    assert adj["revision"] == 1 and adj["status"] == "draft"
    lines = [{"category_code": c, "amount_fen": a} for c, a in LINES.items()]
    lines[2]["amount_fen"] = 1_500_000  # activities.culture_sports
    r = client.patch(
        f"{BUDGETS}/{adj['id']}",
        json={"lines": lines},
        headers={**world.as_role("treasurer", "U01"), "If-Match": '"1"'},
    )
    assert r.status_code == 200, r.text
    approve(client, world, adj)
    accept(client, world, adj)
    old = ok(client.get(f"{BUDGETS}/{budget['id']}", headers=world.as_role("auditor", "U01")))
    assert old["status"] == "superseded"
    ok(post(client, world, expense(world, amount=500_000)), 201)


def test_scope_treasurer_of_u02_cannot_see_or_post_to_u01(client, world, problem):
    budget = budget_in_force(client, world)
    entry = ok(post(client, world, expense(world)), 201)
    other = world.as_role("treasurer", "U02")
    problem(client.get(f"{BUDGETS}/{budget['id']}", headers=other), 404, "not_found")
    problem(client.get(f"{ENTRIES}/{entry['id']}", headers=other), 404, "not_found")
    refused = problem(client.post(ENTRIES, json=expense(world), headers=other), 422, "not_found")
    assert refused["errors"][0]["field"] == "org_unit_id"
    assert ok(client.get(ENTRIES, headers=other))["items"] == []


def test_ledger_rows_are_append_only_in_the_database(client, world, session):
    """Entries are never edited or deleted (corrections by reversal): the database refuses both."""
    import pytest
    import sqlalchemy as sa

    budget_in_force(client, world)
    ok(post(client, world, expense(world)), 201)
    for statement in ("UPDATE fund_ledger_entry SET amount_fen = 1", "DELETE FROM fund_ledger_entry"):
        with pytest.raises(sa.exc.DBAPIError), session.begin_nested():
            session.execute(sa.text(statement))


def test_admin_sets_the_independent_accounting_flag(client, world):
    path = f"/api/v1/org-units/{world.units['U01'].id}"
    admin = world.as_role("admin", "ROOT")
    current = client.get(path, headers=admin)
    assert current.json()["independent_accounting"] is False
    r = client.patch(
        path, json={"independent_accounting": True}, headers={**admin, "If-Match": current.headers["ETag"]}
    )
    assert r.status_code == 200, r.text
    assert r.json()["independent_accounting"] is True


def test_welfare_report_per_person_and_every_report_as_xlsx(client, world):
    from factories import make_member

    budget_in_force(client, world)
    member = make_member(world, "U01-B01", name="王五")
    gift = expense(
        world,
        category="activities.welfare.festival",
        amount=50_000,
        payment_form="in_kind",
        festival="dragon_boat",
        recipients=[{"member_id": str(member.id), "amount_fen": 50_000}],
    )
    entry = ok(post(client, world, gift), 201)
    assert entry["recipients"] == [
        {"member_id": str(member.id), "welfare_type": "festival", "amount_fen": 50_000}
    ]
    query = f"org_unit_id={world.units['U01'].id}&fiscal_year={YEAR}"
    auditor = world.as_role("auditor", "U01")
    rows = ok(client.get(f"/api/v1/funds/reports/welfare?{query}", headers=auditor))["rows"]
    assert [(r["name"], r["spent_fen"], r["cap_fen"], r["remaining_fen"]) for r in rows] == [
        ("王五", 50_000, 150_000, 100_000)
    ]
    for name in ("budget-vs-actual", "statement", "dues", "allocation-arrears", "welfare"):
        r = client.get(f"/api/v1/funds/reports/{name}?{query}&format=xlsx", headers=auditor)
        assert r.status_code == 200 and r.content[:2] == b"PK", (name, r.text[:200])


def test_chair_and_auditor_tasks_for_final_accounts(client, world, clock):
    from datetime import date

    budget_in_force(client, world)
    clock.set(date(YEAR + 1, 2, 1))
    body = {"org_unit_id": str(world.units["U01"].id), "fiscal_year": YEAR}
    final = ok(
        client.post("/api/v1/funds/final-accounts", json=body, headers=world.as_role("treasurer", "U01")), 201
    )
    chair_tasks = ok(client.get("/api/v1/me/tasks", headers=world.as_role("chair", "U01")))["items"]
    assert {(t["kind"], t["resource_id"]) for t in chair_tasks} >= {("funds.final_approve", final["id"])}
    approval = {"meeting_on": f"{YEAR + 1}-01-20", "minute_ref": "纪要"}
    act(client, world, "chair", "U01", f"/api/v1/funds/final-accounts/{final['id']}/approve", approval)
    auditor_tasks = ok(client.get("/api/v1/me/tasks", headers=world.as_role("auditor", "U01")))["items"]
    assert ("funds.final_review", final["id"]) in {(t["kind"], t["resource_id"]) for t in auditor_tasks}
