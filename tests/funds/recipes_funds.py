"""Permission-matrix recipes for the funds area (tests/core/test_permission_matrix.py).

Objects belong to U01 (its chart too), so the same call by a holder of the permission at U02 is 404.
"""

from __future__ import annotations

from matrix import Call, recipe

from funds.factories import (
    BUDGETS,
    CHARTS,
    ENTRIES,
    FINALS,
    FUNDS,
    approve,
    budget_in_force,
    draft_budget,
    dues_payment,
    expense,
    flag_accounting,
    make_chart,
    ok,
    post,
)


def _etag(client, world, path, role="treasurer"):
    r = client.get(path, headers=world.as_role(role, "U01"))
    assert r.status_code == 200, r.text
    return r.headers["ETag"]


def _u01_chart(client, world):
    return make_chart(client, world, unit="U01")


@recipe("funds_chart_templates")
def _(client, world):
    return Call("auditor", "U01", "GET", f"{FUNDS}/chart-templates")


@recipe("funds_charts_list")
def _(client, world):
    _u01_chart(client, world)
    return Call("chair", "U01", "GET", CHARTS)


@recipe("funds_charts_create")
def _(client, world):
    body = {"org_unit_id": str(world.units["U01"].id), "template": "provincial-7"}
    return Call("treasurer", "U01", "POST", CHARTS, json=body, expect=201)


@recipe("funds_charts_get")
def _(client, world):
    return Call("auditor", "U01", "GET", f"{CHARTS}/{_u01_chart(client, world)['id']}")


@recipe("funds_budgets_list")
def _(client, world):
    flag_accounting(world, "U01")
    draft_budget(client, world, chart=_u01_chart(client, world))
    return Call("auditor", "U01", "GET", BUDGETS)


@recipe("funds_budgets_create")
def _(client, world):
    flag_accounting(world, "U01")
    chart = _u01_chart(client, world)
    body = {
        "org_unit_id": str(world.units["U01"].id),
        "fiscal_year": 2027,
        "chart_id": chart["id"],
        "lines": [{"category_code": "business.meetings", "amount_fen": 100_000, "note": "两次委员会议"}],
    }
    return Call("treasurer", "U01", "POST", BUDGETS, json=body, expect=201)


def _draft(client, world):
    flag_accounting(world, "U01")
    return draft_budget(client, world, chart=_u01_chart(client, world))


@recipe("funds_budgets_get")
def _(client, world):
    return Call("chair", "U01", "GET", f"{BUDGETS}/{_draft(client, world)['id']}")


@recipe("funds_budgets_update")
def _(client, world):
    path = f"{BUDGETS}/{_draft(client, world)['id']}"
    return Call(
        "treasurer",
        "U01",
        "PATCH",
        path,
        json={"note": "修订"},
        headers={"If-Match": _etag(client, world, path)},
    )


@recipe("funds_budgets_approve")
def _(client, world):
    path = f"{BUDGETS}/{_draft(client, world)['id']}"
    body = {"meeting_on": "2026-12-20", "minute_ref": "纪要12号"}
    return Call(
        "chair", "U01", "POST", f"{path}/approve", json=body, headers={"If-Match": _etag(client, world, path)}
    )


@recipe("funds_budgets_review")
def _(client, world):
    budget = _draft(client, world)
    approve(client, world, budget)
    path = f"{BUDGETS}/{budget['id']}"
    body = {"decision": "accept", "opinion": "同意"}
    return Call(
        "auditor",
        "U01",
        "POST",
        f"{path}/review",
        json=body,
        headers={"If-Match": _etag(client, world, path)},
    )


@recipe("funds_budgets_adjust")
def _(client, world):
    path = f"{BUDGETS}/{budget_in_force(client, world, chart=_u01_chart(client, world))['id']}"
    return Call(
        "treasurer",
        "U01",
        "POST",
        f"{path}/adjustments",
        headers={"If-Match": _etag(client, world, path)},
        expect=201,
    )


@recipe("funds_budgets_timeline")
def _(client, world):
    return Call("auditor", "U01", "GET", f"{BUDGETS}/{_draft(client, world)['id']}/timeline")


def _entry(client, world):
    budget_in_force(client, world, chart=_u01_chart(client, world))
    return ok(post(client, world, expense(world)), 201)


@recipe("funds_ledger_list")
def _(client, world):
    _entry(client, world)
    return Call("auditor", "U01", "GET", ENTRIES)


@recipe("funds_ledger_post")
def _(client, world):
    budget_in_force(client, world, chart=_u01_chart(client, world))
    return Call("treasurer", "U01", "POST", ENTRIES, json=expense(world), expect=201)


@recipe("funds_ledger_get")
def _(client, world):
    return Call("chair", "U01", "GET", f"{ENTRIES}/{_entry(client, world)['id']}")


@recipe("funds_ledger_reverse")
def _(client, world):
    entry = _entry(client, world)
    return Call(
        "treasurer",
        "U01",
        "POST",
        f"{ENTRIES}/{entry['id']}/reversal",
        json={"reason": "金额有误", "entry_on": "2027-04-01"},
        expect=201,
    )


# --- final accounts (a past year, so that the year has ended on any day the suite runs) -------------

PAST = 2025
ALLOC = f"{FUNDS}/allocations"


def _past_books(client, world):
    budget_in_force(client, world, chart=_u01_chart(client, world), year=PAST)
    ok(post(client, world, expense(world, entry_on=f"{PAST}-05-01")), 201)


def _final(client, world):
    _past_books(client, world)
    body = {"org_unit_id": str(world.units["U01"].id), "fiscal_year": PAST}
    return ok(client.post(FINALS, json=body, headers=world.as_role("treasurer", "U01")), 201)


@recipe("funds_finals_list")
def _(client, world):
    _final(client, world)
    return Call("auditor", "U01", "GET", FINALS)


@recipe("funds_finals_create")
def _(client, world):
    _past_books(client, world)
    body = {"org_unit_id": str(world.units["U01"].id), "fiscal_year": PAST}
    return Call("treasurer", "U01", "POST", FINALS, json=body, expect=201)


@recipe("funds_finals_get")
def _(client, world):
    return Call("chair", "U01", "GET", f"{FINALS}/{_final(client, world)['id']}")


@recipe("funds_finals_timeline")
def _(client, world):
    return Call("auditor", "U01", "GET", f"{FINALS}/{_final(client, world)['id']}/timeline")


@recipe("funds_finals_redraft")
def _(client, world):
    path = f"{FINALS}/{_final(client, world)['id']}"
    return Call(
        "treasurer", "U01", "POST", f"{path}/redraft", headers={"If-Match": _etag(client, world, path)}
    )


@recipe("funds_finals_approve")
def _(client, world):
    path = f"{FINALS}/{_final(client, world)['id']}"
    body = {"meeting_on": "2026-01-15", "minute_ref": "纪要2号"}
    return Call(
        "chair", "U01", "POST", f"{path}/approve", json=body, headers={"If-Match": _etag(client, world, path)}
    )


@recipe("funds_finals_review")
def _(client, world):
    path = f"{FINALS}/{_final(client, world)['id']}"
    approval = {"meeting_on": "2026-01-15", "minute_ref": "纪要2号"}
    tag = _etag(client, world, path)
    ok(
        client.post(
            f"{path}/approve", json=approval, headers={**world.as_role("chair", "U01"), "If-Match": tag}
        )
    )
    body = {"decision": "accept", "opinion": "决算真实、完整"}
    return Call(
        "auditor",
        "U01",
        "POST",
        f"{path}/review",
        json=body,
        headers={"If-Match": _etag(client, world, path)},
    )


# --- income -----------------------------------------------------------------------------------------


@recipe("funds_dues_post")
def _(client, world):
    budget_in_force(client, world, chart=_u01_chart(client, world), year=PAST)
    dues_payment(world, "U01-B01", f"{PAST}-06", 4060)
    body = {"org_unit_id": str(world.units["U01"].id), "period": f"{PAST}-06"}
    return Call("treasurer", "U01", "POST", f"{FUNDS}/dues-income", json=body, expect=201)


def _allocation_body(world):
    return {
        "org_unit_id": str(world.units["U01"].id),
        "employer_name": "第一机械厂",
        "period": f"{PAST}-06",
        "payroll_fen": 100_000_000,
    }


def _allocation(client, world):
    budget_in_force(client, world, chart=_u01_chart(client, world), year=PAST)
    return ok(
        client.post(ALLOC, json=_allocation_body(world), headers=world.as_role("treasurer", "U01")), 201
    )


@recipe("funds_allocations_list")
def _(client, world):
    _allocation(client, world)
    return Call("auditor", "U01", "GET", ALLOC)


@recipe("funds_allocations_create")
def _(client, world):
    flag_accounting(world, "U01")
    return Call("treasurer", "U01", "POST", ALLOC, json=_allocation_body(world), expect=201)


@recipe("funds_allocations_get")
def _(client, world):
    return Call("chair", "U01", "GET", f"{ALLOC}/{_allocation(client, world)['id']}")


@recipe("funds_allocations_receive")
def _(client, world):
    path = f"{ALLOC}/{_allocation(client, world)['id']}"
    body = {"amount_fen": 2_000_000, "received_on": f"{PAST}-07-10"}
    return Call(
        "treasurer",
        "U01",
        "POST",
        f"{path}/receipts",
        json=body,
        headers={"If-Match": _etag(client, world, path)},
        expect=201,
    )


# --- reports ----------------------------------------------------------------------------------------


def _report(client, world, name, **query):
    _past_books(client, world)
    params = "&".join(
        f"{k}={v}" for k, v in {"org_unit_id": world.units["U01"].id, "fiscal_year": PAST, **query}.items()
    )
    return Call("auditor", "U01", "GET", f"{FUNDS}/reports/{name}?{params}")


@recipe("funds_report_budget_vs_actual")
def _(client, world):
    return _report(client, world, "budget-vs-actual")


@recipe("funds_report_statement")
def _(client, world):
    return _report(client, world, "statement")


@recipe("funds_report_dues")
def _(client, world):
    return _report(client, world, "dues")


@recipe("funds_report_arrears")
def _(client, world):
    return _report(client, world, "allocation-arrears")


@recipe("funds_report_welfare")
def _(client, world):
    return _report(client, world, "welfare")
