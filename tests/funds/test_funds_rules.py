"""One test per funds rule, each citing its source."""

from __future__ import annotations

from datetime import date

import pytest
from factories import make_member
from hypothesis import given
from hypothesis import strategies as st

from api.rules.allocation import expected_allocation_fen, split_share
from funds.factories import (
    BUDGETS,
    FINALS,
    FUNDS,
    LINES,
    YEAR,
    accept,
    act,
    approve,
    budget_in_force,
    dues_payment,
    expense,
    make_chart,
    ok,
    post,
)


def test_allocation_is_2_percent_of_payroll_gonghuifa_art_43():
    """工会法 Art 43: the employer allocates 2% of total monthly wages; integer fen, half up."""
    assert expected_allocation_fen(123_456_789) == 2_469_136  # 2,469,135.78 -> .78 rounds up
    assert expected_allocation_fen(25) == 1  # 0.5 fen rounds up
    assert expected_allocation_fen(0) == 0


@given(st.integers(0, 10**12), st.integers(0, 100))
def test_kept_and_passed_up_shares_add_up_gonghuifa_art_43(amount, kept_percent):
    """工会法 Art 43 with the province's split [?]: kept + passed up is always the amount received."""
    kept, passed = split_share(amount, kept_percent)
    assert kept + passed == amount and kept >= 0 and passed >= 0


def test_chart_templates_ship_the_32hao_categories_as_data(client, world):
    """32号 as cited: six expense categories with sub-items; seven in some provinces (data, not code)."""
    templates = {
        t["template"]: t
        for t in ok(client.get(f"{FUNDS}/chart-templates", headers=world.as_role("auditor")))["items"]
    }
    roots = {
        t: [i["code"] for i in v["items"] if i["kind"] == "expense" and not i.get("parent")]
        for t, v in templates.items()
    }
    assert roots["national-6"][:6] == ["activities", "rights", "business", "capital", "undertakings", "other"]
    assert {"services", "affiliates"} <= set(roots["provincial-7"])
    codes = {i["code"] for i in templates["national-6"]["items"]}
    assert {"rights.hardship_aid", "rights.send_warmth", "income.dues", "income.allocation"} <= codes


def test_a_budget_keeps_the_chart_version_it_was_made_with_32hao(client, world):
    """32号 as cited [L]: the tree is data; changing it never rewrites a past year."""
    budget = budget_in_force(client, world)
    newer = make_chart(
        client,
        world,
        extra_items=[
            {
                "code": "activities.culture_sports.football",
                "name": "足球",
                "parent": "activities.culture_sports",
            }
        ],
    )
    assert newer["version"] == 2
    old = ok(client.get(f"{BUDGETS}/{budget['id']}", headers=world.as_role("auditor", "U01")))
    assert old["chart_id"] != newer["id"]
    chart = ok(client.get(f"{FUNDS}/charts/{old['chart_id']}", headers=world.as_role("auditor", "U01")))
    assert chart["version"] == 1
    assert "activities.culture_sports.football" not in {i["code"] for i in chart["items"]}


def test_province_caps_are_data_with_the_anhui_defaults_32hao(client, world):
    """32号 as reported [L]: per-person yearly caps per province (Anhui: festivals 1,500 yuan ...)."""
    chart = make_chart(client, world)
    assert chart["province"] == "anhui"
    assert chart["rules"]["welfare_caps_fen"] == {
        "festival": 150_000,
        "birthday": 30_000,
        "marriage_birth": 60_000,
        "hospital": 100_000,
        "death_member": 200_000,
        "death_relative": 100_000,
        "retirement": 100_000,
    }


def _gift(world, members, amount, **kw):
    share = amount // len(members)
    return expense(
        world,
        category=kw.pop("category", "activities.welfare.festival"),
        amount=share * len(members),
        recipients=[{"member_id": str(m.id), "amount_fen": share} for m in members],
        **kw,
    )


def test_festival_gifts_only_on_listed_festivals_32hao(client, world, problem):
    """32号 as reported: festival gifts only for the 7 national festivals plus approved ethnic ones."""
    budget_in_force(client, world)
    member = make_member(world, "U01-B01")
    body = _gift(world, [member], 10_000, payment_form="in_kind", festival="christmas")
    problem(post(client, world, body), 422, "funds_festival_not_listed")
    ok(post(client, world, {**body, "festival": "mid_autumn"}), 201)


def test_approved_ethnic_festivals_extend_the_list_32hao(client, world):
    """32号 as reported: approved ethnic festivals may be added to the list."""
    chart = make_chart(client, world, extra_festivals=["naadam"])
    budget_in_force(client, world, chart=chart)
    member = make_member(world, "U01-B01")
    ok(post(client, world, _gift(world, [member], 10_000, payment_form="in_kind", festival="naadam")), 201)


@pytest.mark.parametrize("form", ["cash", "shopping_card"])
def test_welfare_is_given_in_kind_never_cash_or_cards_32hao(client, world, problem, form):
    """32号 as reported: in kind, no cash, no shopping cards."""
    budget_in_force(client, world)
    member = make_member(world, "U01-B01")
    body = _gift(world, [member], 10_000, payment_form=form, festival="spring_festival")
    problem(post(client, world, body), 422, "funds_welfare_form_not_allowed")


def test_birthday_cake_voucher_is_allowed_32hao(client, world, problem):
    """32号 as reported: a birthday cake or cake voucher, within the 300 yuan cap (Anhui)."""
    budget_in_force(client, world)
    member = make_member(world, "U01-B01")
    body = _gift(world, [member], 30_000, category="activities.welfare.birthday", payment_form="cake_voucher")
    ok(post(client, world, body), 201)
    problem(
        post(
            client,
            world,
            {
                **_gift(
                    world, [member], 100, category="activities.welfare.birthday", payment_form="cake_voucher"
                )
            },
        ),
        422,
        "funds_welfare_cap_exceeded",
    )


def test_welfare_names_recipients_who_are_members_of_the_union_32hao(client, world, problem):
    """32号 as reported: welfare goes to the union's own members, named, shares adding up."""
    budget_in_force(client, world)
    outsider = make_member(world, "U02-B01")
    body = _gift(world, [outsider], 10_000, payment_form="in_kind", festival="national_day")
    problem(post(client, world, body), 422, "funds_recipient_unknown")
    member = make_member(world, "U01-B01")
    uneven = {
        **_gift(world, [member], 10_000, payment_form="in_kind", festival="national_day"),
        "amount_fen": 10_001,
    }
    problem(post(client, world, uneven), 422, "funds_recipients_required")


def test_adjustments_per_year_are_a_setting_32hao(client, world, problem, settings, monkeypatch):
    """32号 as cited [L]: some provinces allow one adjustment a year (a setting)."""
    monkeypatch.setattr(settings, "funds_max_adjustments_per_year", 1)
    budget = budget_in_force(client, world)
    adj = act(client, world, "treasurer", "U01", f"{BUDGETS}/{budget['id']}/adjustments", None, 201)
    approve(client, world, adj)
    accept(client, world, adj)
    refused = act(client, world, "treasurer", "U01", f"{BUDGETS}/{adj['id']}/adjustments", None, 409)
    assert refused["code"] == "funds_adjustment_limit" and refused["limit"] == 1


def test_an_adjustment_cannot_cut_a_line_below_what_is_spent_32hao(client, world, problem):
    """32号 as cited [L]: no spending outside the approved budget, also after an adjustment."""
    budget = budget_in_force(client, world)
    ok(post(client, world, expense(world, amount=700_000)), 201)
    adj = act(client, world, "treasurer", "U01", f"{BUDGETS}/{budget['id']}/adjustments", None, 201)
    lines = [
        {"category_code": c, "amount_fen": a}
        for c, a in {**LINES, "activities.culture_sports": 500_000}.items()
    ]
    r = client.patch(
        f"{BUDGETS}/{adj['id']}",
        json={"lines": lines},
        headers={**world.as_role("treasurer", "U01"), "If-Match": '"1"'},
    )
    assert r.status_code == 200, r.text
    approve(client, world, adj)
    body = {"decision": "accept", "opinion": "同意"}
    r = client.post(
        f"{BUDGETS}/{adj['id']}/review",
        json=body,
        headers={**world.as_role("auditor", "U01"), "If-Match": '"3"'},
    )
    problem(r, 409, "funds_line_below_spent")


def test_final_accounts_only_after_the_year_ends_zhangcheng_art_39(client, world, problem, clock):
    """章程 Art 13, 26, 39: final accounts of a fiscal year, drafted after it ends."""
    budget_in_force(client, world)
    clock.set(date(YEAR, 12, 31))
    body = {"org_unit_id": str(world.units["U01"].id), "fiscal_year": YEAR}
    problem(
        client.post(FINALS, json=body, headers=world.as_role("treasurer", "U01")), 409, "funds_year_not_over"
    )


def test_final_accounts_are_approved_on_current_figures_and_sent_back_reopens_zhangcheng_art_39(
    client, world, problem, clock
):
    """章程 Art 39: the funds-audit committee reviews; a year is closed only on figures from the ledger."""
    budget_in_force(client, world)
    clock.set(date(YEAR + 1, 1, 5))
    final = ok(
        client.post(
            FINALS,
            json={"org_unit_id": str(world.units["U01"].id), "fiscal_year": YEAR},
            headers=world.as_role("treasurer", "U01"),
        ),
        201,
    )
    ok(post(client, world, expense(world, entry_on=f"{YEAR}-12-30")), 201)
    approval = {"meeting_on": f"{YEAR + 1}-01-04", "minute_ref": "纪要"}
    r = client.post(
        f"{FINALS}/{final['id']}/approve",
        json=approval,
        headers={**world.as_role("chair", "U01"), "If-Match": '"1"'},
    )
    problem(r, 409, "funds_final_stale")
    act(client, world, "treasurer", "U01", f"{FINALS}/{final['id']}/redraft")
    act(client, world, "chair", "U01", f"{FINALS}/{final['id']}/approve", approval)
    problem(post(client, world, expense(world, entry_on=f"{YEAR}-12-30")), 409, "fiscal_year_closed")
    back = act(
        client,
        world,
        "auditor",
        "U01",
        f"{FINALS}/{final['id']}/review",
        {"decision": "send_back", "opinion": "附件不全"},
    )
    assert back["status"] == "draft" and back["returned_reason"] == "附件不全"
    ok(post(client, world, expense(world, entry_on=f"{YEAR}-12-30")), 201)


def test_dues_post_as_monthly_summaries_that_reconcile(client, world, problem, clock):
    """Dues income (会费收入) posts as one entry per month; a later posting takes only the difference."""
    budget_in_force(client, world)
    clock.set(date(YEAR, 5, 10))
    dues_payment(world, "U01-B01", f"{YEAR}-03", 4000)
    body = {"org_unit_id": str(world.units["U01"].id), "period": f"{YEAR}-03"}
    headers = world.as_role("treasurer", "U01")
    assert ok(client.post(f"{FUNDS}/dues-income", json=body, headers=headers), 201)["amount_fen"] == 4000
    problem(
        client.post(f"{FUNDS}/dues-income", json=body, headers=headers), 409, "funds_dues_nothing_to_post"
    )
    dues_payment(world, "U01-B02", f"{YEAR}-03", 2500)
    late = ok(client.post(f"{FUNDS}/dues-income", json=body, headers=headers), 201)
    assert (late["amount_fen"], late["posted_fen"]) == (2500, 6500)
    report = ok(
        client.get(
            f"{FUNDS}/reports/dues?org_unit_id={world.units['U01'].id}&fiscal_year={YEAR}",
            headers=world.as_role("auditor", "U01"),
        )
    )
    march = report["months"][2]
    assert (march["paid_fen"], march["posted_fen"], march["unposted_fen"], march["paid_count"]) == (
        6500,
        6500,
        0,
        2,
    )


def test_allocation_without_a_union_above_keeps_everything_zhangcheng_art_37(client, world):
    """章程 Art 37 / 工会法 Art 43: the share passed up goes to the union above; with no accounting unit
    above, nothing is passed up and arrears are expected - received."""
    budget_in_force(client, world)
    headers = world.as_role("treasurer", "U01")
    body = {
        "org_unit_id": str(world.units["U01"].id),
        "employer_name": "甲公司",
        "period": f"{YEAR}-04",
        "payroll_fen": 50_000_000,
    }
    allocation = ok(client.post(f"{FUNDS}/allocations", json=body, headers=headers), 201)
    received = act(
        client,
        world,
        "treasurer",
        "U01",
        f"{FUNDS}/allocations/{allocation['id']}/receipts",
        {"amount_fen": 400_000, "received_on": f"{YEAR}-05-10"},
        201,
    )
    assert received["receipts"][0]["passed_up_fen"] == 0 and received["arrears_fen"] == 600_000
    arrears = ok(
        client.get(
            f"{FUNDS}/reports/allocation-arrears?org_unit_id={world.units['U01'].id}&fiscal_year={YEAR}",
            headers=world.as_role("auditor", "U01"),
        )
    )
    assert [(r["employer_name"], r["arrears_fen"]) for r in arrears["rows"]] == [("甲公司", 600_000)]


def test_reports_are_scoped(client, world, problem):
    budget_in_force(client, world)
    url = f"{FUNDS}/reports/budget-vs-actual?org_unit_id={world.units['U01'].id}&fiscal_year={YEAR}"
    problem(client.get(url, headers=world.as_role("auditor", "U02")), 422, "not_found")


def test_money_beyond_32_bits_is_stored_gonghuifa_art_43(client, world):
    """工会法 Art 43 on a large employer: 2% of a 5-billion-yuan payroll is 10^10 fen (past 2^31)."""
    budget_in_force(client, world, lines={**LINES, "income.allocation": 20_000_000_000})
    body = {
        "org_unit_id": str(world.units["U01"].id),
        "employer_name": "大型集团",
        "period": f"{YEAR}-05",
        "payroll_fen": 500_000_000_000,
    }
    allocation = ok(
        client.post(f"{FUNDS}/allocations", json=body, headers=world.as_role("treasurer", "U01")), 201
    )
    assert allocation["expected_fen"] == 10_000_000_000
    path = f"{FUNDS}/allocations/{allocation['id']}/receipts"
    received = act(
        client,
        world,
        "treasurer",
        "U01",
        path,
        {"amount_fen": 10_000_000_000, "received_on": f"{YEAR}-06-05"},
        201,
    )
    assert received["received_fen"] == 10_000_000_000 and received["arrears_fen"] == 0


def test_ledger_source_type_is_a_closed_set_on_the_wire(client, world, problem, clock):
    """The entries the dues posting writes say so (``source_type: dues_month``), the list filters on it,
    and a source type outside LedgerSourceType is refused (422), not silently matched by nothing."""
    budget_in_force(client, world)
    clock.set(date(YEAR, 5, 10))
    dues_payment(world, "U01-B01", f"{YEAR}-03", 4000)
    headers = world.as_role("treasurer", "U01")
    body = {"org_unit_id": str(world.units["U01"].id), "period": f"{YEAR}-03"}
    ok(client.post(f"{FUNDS}/dues-income", json=body, headers=headers), 201)
    ok(post(client, world, expense(world)), 201)
    dues = ok(client.get(f"{FUNDS}/ledger-entries?source_type=dues_month", headers=headers))["items"]
    assert [(e["source_type"], e["amount_fen"]) for e in dues] == [("dues_month", 4000)]
    manual = [
        e
        for e in ok(client.get(f"{FUNDS}/ledger-entries", headers=headers))["items"]
        if e["kind"] == "expense"
    ]
    assert [e["source_type"] for e in manual] == [None]
    problem(client.get(f"{FUNDS}/ledger-entries?source_type=dues", headers=headers), 422, "validation_failed")
