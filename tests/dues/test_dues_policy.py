"""docs/rules.md §1 Dues [L]: the rate (0.5 %) and the floor unit (10 yuan) are configurable
(GONGHUI_DUES_RATE, GONGHUI_DUES_FLOOR_UNIT_FEN) and the rounding [?] (GONGHUI_DUES_ROUNDING); the
statement (Python) and the arrears and summary (SQL) agree for every rounding."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from api.db.models import Member
from api.rules.dues import monthly_dues_fen
from api.services import membership_policy
from api.services.dues import add_months, format_period

LAST_MONTH = format_period(add_months(date.today().replace(day=1), -1))
RATE, UNIT = Decimal("0.0025"), 100  # 0.25 % of the wage floored to the yuan: half fen happen


@pytest.mark.parametrize("rounding", ["half_up", "down", "up", "half_even"])
@hypothesis_settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(wage=st.integers(min_value=0, max_value=5_000_000))
def test_configured_rate_and_floor_agree_in_python_and_sql(
    client, world, settings, new_member, monkeypatch, rounding, wage
):
    monkeypatch.setattr(
        membership_policy,
        "_policy",
        replace(membership_policy.current(), dues_rate=RATE, dues_floor_unit_fen=UNIT),
    )
    monkeypatch.setattr(settings, "dues_rounding", rounding)
    member = getattr(world, "_policy_member", None) or new_member("U02-B01", join_date=date(2020, 1, 1))
    world._policy_member = member
    with world.db.write_session() as s:
        s.execute(sa.update(Member).where(Member.id == member.id).values(monthly_wage_fen=wage))
        s.commit()
    expected = monthly_dues_fen(wage, rounding, rate=RATE, floor_unit_fen=UNIT)
    headers = world.as_role("treasurer", "U02")
    statement = client.get(
        f"/api/v1/members/{member.id}/dues", headers=headers, params={"from": LAST_MONTH, "to": LAST_MONTH}
    ).json()
    assert [m["expected_fen"] for m in statement["months"]] == [expected]
    arrears = client.get("/api/v1/dues/arrears", headers=headers, params={"period": LAST_MONTH}).json()
    assert [a["expected_fen"] for a in arrears["items"] if a["member_id"] == str(member.id)] == [expected]
    summary = client.get(
        "/api/v1/dues/summary",
        headers=headers,
        params={"period": LAST_MONTH, "org_unit_id": str(world.units["U02-B01"].id)},
    ).json()
    assert summary["expected_fen"] == expected


def test_a_half_fen_is_rounded_as_configured():
    """docs/rules.md §1 Dues [?]: 1234.56 yuan floored to 1234 yuan at 0.25 % is 308.5 fen."""
    assert [
        monthly_dues_fen(123_456, r, rate=RATE, floor_unit_fen=UNIT)
        for r in ("half_up", "down", "up", "half_even")
    ] == [
        309,
        308,
        309,
        308,
    ]
