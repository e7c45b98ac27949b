"""Issue 14 item 6: nothing a client sends produces a 500 (OWASP API8:2023, security misconfiguration:
errors that leak and fail open). Dues periods at the ends of the calendar, cursors past 64 bits, and a
property test that throws hostile values at every query parameter of every route."""

from __future__ import annotations

import importlib.util
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from factories import link_account, make_member
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from matrix import PUBLIC_RECIPES, RECIPES, Call

from api.deps import public
from api.main import api_routes


def _load_recipes() -> None:
    for path in sorted(Path(__file__).resolve().parents[1].glob("*/recipes_*.py")):
        spec = importlib.util.spec_from_file_location(f"gonghui_recipes_{path.stem}", path)
        assert spec and spec.loader
        spec.loader.exec_module(importlib.util.module_from_spec(spec))


if not RECIPES:
    _load_recipes()

EDGE_PERIODS = ["0000-01", "9999-12", "0001-01", "1899-12", "2200-01", "10000-01"]


def test_dues_periods_at_the_ends_of_the_calendar_are_422_on_every_dues_endpoint(client, world, problem):
    member = make_member(world, "U01-B01", wage_fen=500_000)
    treasurer, auditor = world.as_role("treasurer", "U01"), world.as_role("auditor", "U01")
    today = date.today().isoformat()
    for period in EDGE_PERIODS:
        calls = [
            ("GET", f"/api/v1/members/{member.id}/dues?from={period}", treasurer, None),
            ("GET", f"/api/v1/members/{member.id}/dues?to={period}", treasurer, None),
            ("GET", f"/api/v1/dues/arrears?period={period}", auditor, None),
            ("GET", f"/api/v1/dues/summary?period={period}", auditor, None),
            (
                "POST",
                "/api/v1/dues-payments",
                treasurer,
                {"member_id": str(member.id), "period": period, "amount_fen": 2500, "paid_on": today},
            ),
            (
                "POST",
                "/api/v1/dues-payments/batch",
                treasurer,
                {
                    "org_unit_id": str(world.units["U01"].id),
                    "paid_on": today,
                    "rows": [{"employee_no": member.employee_no, "period": period, "amount_fen": 2500}],
                },
            ),
        ]
        for method, url, headers, body in calls:
            problem(client.request(method, url, headers=headers, json=body), 422, "validation_failed")


def test_me_dues_with_edge_periods(client, world, problem):
    member = make_member(world, "U01-B01", wage_fen=500_000)
    headers = link_account(world, member)
    for period in EDGE_PERIODS:
        problem(client.get(f"/api/v1/me/dues?from={period}", headers=headers), 422, "validation_failed")


@pytest.mark.parametrize("since", ["9223372036854775808", "99999999999999999999", "-1", "1e9", "x"])
def test_change_feed_cursor_out_of_range_is_400(client, world, problem, since):
    problem(
        client.get(f"/api/v1/changes?cursor={since}", headers=world.as_role("officer", "U01")),
        400,
        "invalid_cursor",
    )


def test_largest_cursor_is_an_empty_page(client, world):
    r = client.get(f"/api/v1/changes?cursor={2**63 - 1}", headers=world.as_role("officer", "U01"))
    assert r.status_code == 200 and r.json()["items"] == []


# --- every query parameter of every route ----------------------------------------------------------------

EDGES = [
    "0000-01",
    "9999-12",
    "0",
    "-1",
    "9223372036854775808",
    "-9223372036854775809",
    "1" * 40,
    "1e309",
    "NaN",
    "inf",
    "",
    " ",
    "null",
    "true",
    "\x00",
    "'; --",
    "%",
    "_",
    "\\",
    "00000000-0000-0000-0000-000000000000",
    "9999-12-31",
    "0001-01-01",
    "10000-01-01",
    "2026-02-30",
    "a" * 600,
    "𠀀" * 30,
]
HOSTILE = st.one_of(
    st.sampled_from(EDGES),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.text(max_size=40),
)


def _query_fields(dependant: Any) -> list[Any]:
    return [*dependant.query_params, *(f for d in dependant.dependencies for f in _query_fields(d))]


def _query_params(route: Any) -> list[str]:
    return sorted({p.alias for p in _query_fields(route.dependant)})


ROUTES_WITH_QUERY = [(path, route) for path, route in api_routes() if _query_params(route)]


def _call(client: Any, world: Any, route: Any) -> tuple[Call, dict[str, str]]:
    if any(isinstance(d.call, public) for d in route.dependant.dependencies):
        return PUBLIC_RECIPES[route.name](client, world), {}
    call = RECIPES[route.name](client, world)
    return call, world.as_role(call.role, call.unit)


@pytest.mark.parametrize("route", [r for _, r in ROUTES_WITH_QUERY], ids=lambda r: r.name)
def test_no_query_value_makes_a_500(client, world, route):
    call, headers = _call(client, world, route)
    path = call.path.split("?", 1)[0]
    names = _query_params(route)

    def send(params: dict[str, str]) -> Any:
        return client.request(
            call.method,
            path,
            params=params,
            json=call.json,
            data=call.data,
            files=call.files,
            headers={**headers, **call.headers},
        )

    for name in names:  # every edge value in every parameter, alone
        for value in EDGES:
            r = send({name: value})
            assert r.status_code < 500, (route.name, name, value, r.status_code, r.text[:300])

    @settings(
        max_examples=25,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        database=None,
    )
    @given(st.fixed_dictionaries({name: st.one_of(st.none(), HOSTILE) for name in names}))
    def check(values: dict[str, str | None]) -> None:
        params = {k: v for k, v in values.items() if v is not None}
        r = send(params)
        assert r.status_code < 500, (route.name, params, r.status_code, r.text[:300])

    check()


def test_every_route_with_query_parameters_is_covered():
    assert len(ROUTES_WITH_QUERY) >= 10  # lists, filters, dues periods, change feed, exports
