"""Permission-matrix recipes for dues (会费)."""

from __future__ import annotations

from datetime import date

from factories import link_member_user, make_member
from matrix import Call, recipe

WAGE_FEN = 812_345  # 8,123.45 yuan -> 8,120 counted -> 40.60 yuan = 4060 fen
DUES_FEN = 4060


def _last_month() -> str:
    today = date.today()
    year, month = (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)
    return f"{year:04d}-{month:02d}"


@recipe("dues_statement")
def _(client, world):
    member = make_member(world, "U01-B01", wage_fen=WAGE_FEN)
    return Call("treasurer", "U01", "GET", f"/api/v1/members/{member.id}/dues")


@recipe("dues_mine")
def _(client, world):
    member = make_member(world, "U01-B01", wage_fen=WAGE_FEN)
    link_member_user(world, "member.u01-b01", member.id, "U01-B01")
    return Call("member", "U01-B01", "GET", "/api/v1/me/dues")


@recipe("dues_payments_create")
def _(client, world):
    member = make_member(world, "U01-B01", wage_fen=WAGE_FEN)
    return Call(
        "treasurer",
        "U01",
        "POST",
        "/api/v1/dues-payments",
        expect=201,
        json={
            "member_id": str(member.id),
            "period": _last_month(),
            "amount_fen": DUES_FEN,
            "paid_on": date.today().isoformat(),
            "method": "cash",
        },
    )


@recipe("dues_payments_batch")
def _(client, world):
    member = make_member(world, "U01-B02", wage_fen=WAGE_FEN)
    return Call(
        "officer",
        "U01",
        "POST",
        "/api/v1/dues-payments/batch",
        expect=201,
        json={
            "org_unit_id": str(world.units["U01"].id),
            "paid_on": date.today().isoformat(),
            "rows": [{"employee_no": member.employee_no, "period": _last_month(), "amount_fen": DUES_FEN}],
        },
    )


@recipe("dues_arrears")
def _(client, world):
    make_member(world, "U01-B01", wage_fen=WAGE_FEN)
    return Call("auditor", "U01", "GET", f"/api/v1/dues/arrears?period={_last_month()}")


@recipe("dues_summary")
def _(client, world):
    return Call("chair", "U01", "GET", f"/api/v1/dues/summary?period={_last_month()}")
