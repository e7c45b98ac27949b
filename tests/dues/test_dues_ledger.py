"""Membership dues (会费): docs/rules.md §1 Dues; 章程 Art 8 (no dues while retained)."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from factories import add_event, link_account
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from sqlmodel import select

from api.db.models import AuditEvent, DuesPayment, Member
from api.main import api_routes
from api.rules.dues import monthly_dues_fen
from api.services.dues import add_months, format_period

PAY = "/api/v1/dues-payments"
WAGE = 812_345  # 8,123.45 yuan: 8,120 counts -> 4060 fen
DUES = 4060
THIS_MONTH = date.today().replace(day=1)
LAST_MONTH = format_period(add_months(THIS_MONTH, -1))


def _pay(client, world, member, period=LAST_MONTH, amount=DUES, caller=("treasurer", "U01"), **extra):
    body = {
        "member_id": str(member.id),
        "period": period,
        "amount_fen": amount,
        "paid_on": date.today().isoformat(),
        "method": "payroll",
        **extra,
    }
    return client.post(PAY, headers=world.as_role(*caller), json=body)


def _statement(client, world, member, caller=("treasurer", "U01"), **params):
    r = client.get(f"/api/v1/members/{member.id}/dues", headers=world.as_role(*caller), params=params)
    assert r.status_code == 200, r.text
    return r.json()


# --- the amount ------------------------------------------------------------------------------------


@hypothesis_settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(wage=st.integers(min_value=0, max_value=10_000_000))
def test_statement_and_arrears_expect_half_a_percent_of_the_wage(client, world, new_member, wage):
    """docs/rules.md §1 Dues: 0.5 % of the monthly wage ignoring the part under 10 yuan, integer fen; the
    statement (Python) and the arrears list (SQL) agree with api.rules.dues.monthly_dues_fen."""
    member = getattr(world, "_dues_member", None) or new_member("U01-B01", join_date=date(2020, 1, 1))
    world._dues_member = member
    with world.db.write_session() as s:
        s.execute(sa.update(Member).where(Member.id == member.id).values(monthly_wage_fen=wage))
        s.commit()
    expected = monthly_dues_fen(wage)
    months = _statement(client, world, member, **{"from": LAST_MONTH, "to": LAST_MONTH})["months"]
    assert [m["expected_fen"] for m in months] == [expected]
    arrears = client.get(
        "/api/v1/dues/arrears", headers=world.as_role("treasurer", "U01"), params={"period": LAST_MONTH}
    ).json()["items"]
    assert [a["expected_fen"] for a in arrears if a["member_id"] == str(member.id)] == [expected]


# --- statements ------------------------------------------------------------------------------------


def test_statement_runs_from_the_join_month(client, world, new_member):
    joined = add_months(THIS_MONTH, -3)
    member = new_member("U01-B01", wage_fen=WAGE, join_date=joined + timedelta(days=9))
    assert _pay(client, world, member, period=format_period(joined)).status_code == 201
    body = _statement(client, world, member)  # default: last 12 months, clipped to the join month
    assert [m["period"] for m in body["months"]] == [format_period(add_months(joined, i)) for i in range(4)]
    assert [m["status"] for m in body["months"]] == ["paid", "unpaid", "unpaid", "unpaid"]
    assert body["months"][0]["paid_fen"] == DUES and body["months"][0]["method"] == "payroll"
    assert body["expected_total_fen"] == 4 * DUES
    assert body["paid_total_fen"] == DUES
    assert body["arrears_fen"] == 3 * DUES and body["arrears_months"] == 3
    assert "monthly_wage_fen" not in body  # wages stay out of the statement


def test_retained_members_owe_nothing(client, world, new_member):
    """章程 Art 8 / docs/rules.md §1 Dues: no dues while retained; a month's dues follow the status at
    its end."""
    member = new_member("U01-B01", wage_fen=WAGE, join_date=date(2023, 1, 1))
    add_event(world, member, "retain", "active", "retained", date(2024, 5, 10))
    body = _statement(client, world, member, **{"from": "2024-03", "to": "2024-07"})
    assert [(m["period"], m["status"], m["expected_fen"]) for m in body["months"]] == [
        ("2024-03", "unpaid", DUES),
        ("2024-04", "unpaid", DUES),
        ("2024-05", "not_owed", 0),
        ("2024-06", "not_owed", 0),
        ("2024-07", "not_owed", 0),
    ]
    assert body["arrears_fen"] == 2 * DUES
    add_event(world, member, "restore", "retained", "active", date(2024, 7, 1))
    months = _statement(client, world, member, **{"from": "2024-06", "to": "2024-07"})["months"]
    assert [m["status"] for m in months] == ["not_owed", "unpaid"]


def test_statement_range_is_checked(client, world, problem, new_member):
    member = new_member("U01-B01")
    headers = world.as_role("officer", "U01")
    path = f"/api/v1/members/{member.id}/dues"
    problem(
        client.get(path, headers=headers, params={"from": "2024-05", "to": "2024-04"}),
        422,
        "dues_range_invalid",
    )
    problem(
        client.get(path, headers=headers, params={"from": "1990-01", "to": "2024-04"}),
        422,
        "dues_range_too_long",
    )
    problem(client.get(path, headers=headers, params={"from": "2024-13"}), 422, "validation_failed")
    future = format_period(add_months(THIS_MONTH, 5))
    body = client.get(path, headers=headers, params={"to": future}).json()
    assert (
        body["to_period"] == format_period(THIS_MONTH) and body["months"][-1]["period"] == body["to_period"]
    )
    assert client.get(path, headers=headers, params={"from": future, "to": future}).json()["months"] == []


def test_statement_is_scoped(client, world, problem, new_member):
    member = new_member("U02-B01")
    problem(
        client.get(f"/api/v1/members/{member.id}/dues", headers=world.as_role("treasurer", "U01")),
        404,
        "not_found",
    )


def test_members_see_their_own_dues(client, world, problem, new_member):
    member = new_member("U01-B01", wage_fen=WAGE)
    assert _pay(client, world, member).status_code == 201
    headers = link_account(world, member)
    body = client.get("/api/v1/me/dues", headers=headers).json()
    assert body["member_id"] == str(member.id) and body["months"][-2]["status"] == "paid"
    # a member account sees nobody else's statement
    problem(client.get(f"/api/v1/members/{member.id}/dues", headers=headers), 403, "permission_denied")
    problem(client.get("/api/v1/me/dues", headers=world.as_role("member", "U01")), 404, "not_found")


# --- single payments -------------------------------------------------------------------------------


def test_record_a_payment(client, world, session, new_member):
    member = new_member("U01-B01", wage_fen=WAGE)
    r = _pay(client, world, member, reference="2025年工资代扣")
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["period"] == LAST_MONTH and body["amount_fen"] == DUES and body["batch_id"] is None
    assert body["org_unit_id"] == str(world.units["U01-B01"].id)
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "dues.recorded")).one()
    assert event.changes["after"]["amount_fen"] == DUES and "wage" not in str(event.changes)


def test_amount_must_match_unless_overridden(client, world, problem, new_member):
    """docs/rules.md §1 Dues: the amount is 0.5 % of the wage; a different amount needs an audited reason."""
    member = new_member("U01-B01", wage_fen=WAGE)
    body = problem(_pay(client, world, member, amount=DUES + 5), 422, "dues_amount_mismatch")
    assert body["expected_fen"] == DUES and body["errors"][0]["field"] == "amount_fen"
    r = _pay(client, world, member, amount=DUES + 5, override_reason="按上月工资代扣")
    assert r.status_code == 201, r.text
    no_wage = new_member("U01-B01", wage_fen=None)
    problem(_pay(client, world, no_wage), 422, "dues_wage_unknown")


def test_one_payment_per_month(client, world, problem, new_member):
    member = new_member("U01-B01", wage_fen=WAGE)
    assert _pay(client, world, member).status_code == 201
    problem(_pay(client, world, member, caller=("officer", "U01")), 409, "dues_already_paid")


def test_period_must_be_owed(client, world, problem, new_member):
    """Not before joining, not in the future, and not while retained (章程 Art 8)."""
    member = new_member("U01-B01", wage_fen=WAGE, join_date=add_months(THIS_MONTH, -2))
    problem(
        _pay(client, world, member, period=format_period(add_months(THIS_MONTH, -3))),
        422,
        "dues_period_before_join",
    )
    problem(
        _pay(client, world, member, period=format_period(add_months(THIS_MONTH, 1))),
        422,
        "dues_period_in_future",
    )
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    problem(_pay(client, world, member, paid_on=tomorrow), 422, "dues_paid_on_in_future")
    retained = new_member("U01-B01", wage_fen=WAGE, status="retained")
    assert problem(_pay(client, world, retained), 422, "dues_not_owed")["member_status"] == "retained"
    assert _pay(client, world, member, period=format_period(THIS_MONTH)).status_code == 201


def test_officer_cannot_record_dues_of_another_union(client, world, problem, new_member):
    """Scope: an officer of U01 cannot record dues for U02's members."""
    member = new_member("U02-B01", wage_fen=WAGE)
    body = problem(_pay(client, world, member, caller=("officer", "U01")), 422, "not_found")
    assert body["errors"][0]["field"] == "member_id"


def test_treasurer_records_dues_but_cannot_edit_members(client, world, problem, new_member):
    """docs/rules.md §0: the treasurer has "dues only" among member writes."""
    member = new_member("U01-B01", wage_fen=WAGE)
    assert _pay(client, world, member, caller=("treasurer", "U01")).status_code == 201
    treasurer = world.as_role("treasurer", "U01")
    assert any(p.startswith("/api/v1/members/{member_id") and "PATCH" in r.methods for p, r in api_routes())
    problem(
        client.patch(
            f"/api/v1/members/{member.id}", headers={**treasurer, "If-Match": '"1"'}, json={"name": "改名"}
        ),
        403,
        "permission_denied",
    )
    problem(
        client.post(
            "/api/v1/member-transfers",
            headers=treasurer,
            json={"member_id": str(member.id), "to_unit_id": str(world.units["U01-B02"].id), "reason": "x"},
        ),
        403,
        "permission_denied",
    )


# --- batches ---------------------------------------------------------------------------------------


def _batch(client, world, rows, unit="U01", caller=("officer", "U01"), **extra):
    body = {
        "org_unit_id": str(world.units[unit].id),
        "paid_on": date.today().isoformat(),
        "reference": "工资代扣",
        "rows": rows,
        **extra,
    }
    return client.post(f"{PAY}/batch", headers=world.as_role(*caller), json=body)


def test_batch_records_all_rows_under_one_batch_id(client, world, session, new_member):
    a = new_member("U01-B01", wage_fen=WAGE, employee_no="A1")
    b = new_member("U01-B02", wage_fen=1_000_000, employee_no="B1")
    two_months_ago = format_period(add_months(THIS_MONTH, -2))
    r = _batch(
        client,
        world,
        [
            {"employee_no": "A1", "period": LAST_MONTH, "amount_fen": DUES},
            {"employee_no": "A1", "period": two_months_ago, "amount_fen": DUES},
            {"member_id": str(b.id), "period": LAST_MONTH, "amount_fen": 5000},
        ],
    )
    assert r.status_code == 201, r.text
    out = r.json()
    assert out["count"] == 3 and out["total_fen"] == 2 * DUES + 5000
    rows = session.exec(select(DuesPayment).where(DuesPayment.batch_id == uuid.UUID(out["batch_id"]))).all()
    assert sorted((str(p.member_id), p.amount_fen) for p in rows) == sorted(
        [(str(a.id), DUES), (str(a.id), DUES), (str(b.id), 5000)]
    )
    assert {p.method for p in rows} == {"payroll"}
    assert session.exec(select(AuditEvent).where(AuditEvent.action == "dues.batch_recorded")).one()


def test_batch_is_all_or_nothing_with_row_errors(client, world, session, problem, new_member):
    good = new_member("U01-B01", wage_fen=WAGE, employee_no="G1")
    paid = new_member("U01-B01", wage_fen=WAGE, employee_no="P1")
    assert _pay(client, world, paid).status_code == 201
    new_member("U01-B01", wage_fen=WAGE, employee_no="R1", status="retained")
    new_member("U02-B01", wage_fen=WAGE, employee_no="X1")  # another union: not found under U01
    future = format_period(add_months(THIS_MONTH, 1))
    r = _batch(
        client,
        world,
        [
            {"employee_no": "G1", "period": LAST_MONTH, "amount_fen": DUES},
            {"employee_no": "NOPE", "period": LAST_MONTH, "amount_fen": DUES},
            {"employee_no": "R1", "period": LAST_MONTH, "amount_fen": DUES},
            {"employee_no": "G1", "period": LAST_MONTH, "amount_fen": DUES},
            {"employee_no": "P1", "period": LAST_MONTH, "amount_fen": DUES},
            {"employee_no": "X1", "period": LAST_MONTH, "amount_fen": DUES},
            {"member_id": str(good.id), "period": future, "amount_fen": DUES},
            {"employee_no": "G1", "period": format_period(add_months(THIS_MONTH, -2)), "amount_fen": 1},
        ],
    )
    body = problem(r, 422, "dues_batch_rejected")
    assert body["count"] == 7
    assert [(e["index"], e["field"], e["code"]) for e in body["errors"]] == [
        (1, "employee_no", "not_found"),
        (2, "period", "dues_not_owed"),
        (3, "period", "dues_duplicate_in_batch"),
        (4, "period", "dues_already_paid"),
        (5, "employee_no", "not_found"),
        (6, "period", "dues_period_in_future"),
        (7, "amount_fen", "dues_amount_mismatch"),
    ]
    assert session.exec(select(sa.func.count()).select_from(DuesPayment)).one() == 1  # only the earlier one


def test_batch_rows_are_validated(client, world, problem):
    r = _batch(
        client,
        world,
        [
            {"period": LAST_MONTH, "amount_fen": DUES},
            {"employee_no": "A", "period": "2024-1", "amount_fen": -1},
        ],
    )
    body = problem(r, 422, "validation_failed")
    assert {e["field"].split(".")[1] for e in body["errors"]} == {"0", "1"}


def test_batch_unit_must_be_in_scope(client, world, problem, new_member):
    new_member("U02-B01", wage_fen=WAGE, employee_no="X1")
    r = _batch(client, world, [{"employee_no": "X1", "period": LAST_MONTH, "amount_fen": DUES}], unit="U02")
    assert problem(r, 422, "not_found")["errors"][0]["field"] == "org_unit_id"


def test_batch_of_ten_thousand_rows(client, world, session, new_member):
    """Bulk inserts without ORM objects per row: a 10,000-row payroll file goes in one request."""
    import time

    from api.db.types import new_id, utcnow
    from api.services import member_core

    union = world.units["U01"]
    unit = world.units["U01-B02"]
    numbers = member_core.allocate_member_numbers(session, session.get(type(union), union.id), 10_000)
    session.execute(
        Member.__table__.insert(),
        [
            {
                "id": new_id(),
                "member_no": no,
                "employee_no": f"P{i:05d}",
                "org_unit_id": unit.id,
                "grassroots_unit_id": union.id,
                "name": f"职工{i}",
                "gender": "female",
                "birth_date": date(1990, 1, 1),
                "national_id_cipher": "x",
                "national_id_hmac": f"h{i}",
                "national_id_masked": "110***********0000",
                "join_date": date(2020, 1, 1),
                "status": "active",
                "is_representative": False,
                "monthly_wage_fen": 500_000 + i,
                "version": 1,
                "created_at": utcnow(),
                "updated_at": utcnow(),
            }
            for i, no in enumerate(numbers)
        ],
    )
    session.commit()
    rows = [
        {"employee_no": f"P{i:05d}", "period": LAST_MONTH, "amount_fen": monthly_dues_fen(500_000 + i)}
        for i in range(10_000)
    ]
    started = time.perf_counter()
    r = _batch(client, world, rows, unit="U01-B02")
    elapsed = time.perf_counter() - started
    assert r.status_code == 201, r.text[:500]
    assert r.json()["count"] == 10_000
    assert elapsed < 60, elapsed
    summary = client.get(
        "/api/v1/dues/summary",
        headers=world.as_role("treasurer", "U01"),
        params={"period": LAST_MONTH, "org_unit_id": str(unit.id)},
    ).json()
    assert summary["members_owing"] == 10_000 and summary["arrears_count"] == 0
    assert summary["paid_fen"] == summary["expected_fen"] == sum(r["amount_fen"] for r in rows)


# --- arrears and summaries -------------------------------------------------------------------------


@pytest.fixture
def dues_month(client, world, new_member):
    """U01 on LAST_MONTH: one paid, two unpaid (one with no wage on record), one retained, one joining later;
    U02 has an unpaid member of its own."""
    members = {
        "paid": new_member("U01-B01", wage_fen=WAGE),
        "unpaid": new_member("U01-B02", wage_fen=1_000_000),
        "no_wage": new_member("U01-B01", wage_fen=None),
        "retained": new_member("U01-B01", wage_fen=WAGE, status="retained"),
        "later": new_member("U01-B01", wage_fen=WAGE, join_date=THIS_MONTH),
        "other": new_member("U02-B01", wage_fen=WAGE),
    }
    assert _pay(client, world, members["paid"]).status_code == 201
    return members


def test_arrears_lists_dues_paying_members_without_a_payment(client, world, dues_month):
    headers = world.as_role("treasurer", "U01")
    items, cursor = [], None
    while True:
        params = {"period": LAST_MONTH, "limit": 1, **({"cursor": cursor} if cursor else {})}
        page = client.get("/api/v1/dues/arrears", headers=headers, params=params).json()
        items += page["items"]
        cursor = page["next_cursor"]
        if not cursor:
            break
    expected = sorted([dues_month["unpaid"], dues_month["no_wage"]], key=lambda m: m.id)
    assert [i["member_id"] for i in items] == [str(m.id) for m in expected]
    by_id = {i["member_id"]: i for i in items}
    assert by_id[str(dues_month["unpaid"].id)]["expected_fen"] == 5000
    assert by_id[str(dues_month["no_wage"].id)]["expected_fen"] is None
    branch = client.get(
        "/api/v1/dues/arrears",
        headers=headers,
        params={"period": LAST_MONTH, "org_unit_id": str(world.units["U01-B02"].id)},
    ).json()["items"]
    assert [i["member_id"] for i in branch] == [str(dues_month["unpaid"].id)]


def test_arrears_follow_the_status_of_the_month(client, world, new_member):
    """A member retained after the month still owed it; one retained before did not (章程 Art 8)."""
    early = new_member("U01-B01", wage_fen=WAGE, join_date=date(2023, 1, 1))
    late = new_member("U01-B01", wage_fen=WAGE, join_date=date(2023, 1, 1))
    add_event(world, early, "retain", "active", "retained", date(2024, 3, 5))
    add_event(world, late, "retain", "active", "retained", date(2024, 6, 5))
    items = client.get(
        "/api/v1/dues/arrears", headers=world.as_role("officer", "U01"), params={"period": "2024-04"}
    ).json()["items"]
    assert [i["member_id"] for i in items] == [str(late.id)]


def test_summary_totals(client, world, dues_month):
    headers = world.as_role("auditor", "U01")
    body = client.get("/api/v1/dues/summary", headers=headers, params={"period": LAST_MONTH}).json()
    assert body == {
        "org_unit_id": None,
        "period": LAST_MONTH,
        "members_owing": 3,
        "expected_fen": DUES + 5000,
        "paid_count": 1,
        "paid_fen": DUES,
        "arrears_count": 2,
        "arrears_fen": 5000,
    }
    other = client.get(
        "/api/v1/dues/summary", headers=world.as_role("auditor", "U02"), params={"period": LAST_MONTH}
    ).json()
    assert other["members_owing"] == 1 and other["paid_count"] == 0 and other["arrears_fen"] == DUES


def test_arrears_and_summary_filters_stay_in_scope(client, world, problem):
    headers = world.as_role("treasurer", "U01")
    params = {"period": LAST_MONTH, "org_unit_id": str(world.units["U02"].id)}
    problem(client.get("/api/v1/dues/arrears", headers=headers, params=params), 422, "not_found")
    problem(client.get("/api/v1/dues/summary", headers=headers, params=params), 422, "not_found")
    problem(
        client.get("/api/v1/dues/summary", headers=headers, params={"period": "2024-00"}),
        422,
        "validation_failed",
    )
