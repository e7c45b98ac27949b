"""Payment of aid through the union-funds ledger (docs/rules.md §4: a payment is a ledger expense on the
programme's budget line in the same transaction; it fails if the line lacks money)."""

from __future__ import annotations

import uuid
from datetime import date

from funds.factories import budget_in_force, flag_accounting
from sqlmodel import select

from aid.factories import (
    AID,
    Thing,
    act,
    application_to,
    chair,
    household_to,
    jinqiu,
    make_member,
    member_user,
    officer,
    programme,
    student_id,
    treasurer,
)
from api.db.models import FundLedgerEntry


def _budget(client, world, hardship_fen: int = 500_000) -> None:
    lines = {"income.dues": 2_000_000, "rights.hardship_aid": hardship_fen, "rights.send_warmth": 300_000}
    budget_in_force(client, world, "U01", year=2026, lines=lines)


def _batch(client, world, *apps: Thing) -> dict:
    r = client.post(
        f"{AID}/payout-batches",
        json={"org_unit_id": str(world.units["U01"].id), "application_ids": [a.id for a in apps]},
        headers=treasurer(world),
    )
    assert r.status_code == 201, r.text
    return {**r.json(), "etag": r.headers["ETag"]}


def _pay(client, world, batch: dict, *apps: Thing, expect: int = 200):
    body = {
        "paid_on": "2026-03-02",
        "payments": [
            {"application_id": a.id, "bank_reference": f"ICBC{n:08d}"} for n, a in enumerate(apps, start=1)
        ],
    }
    r = client.post(
        f"{AID}/payout-batches/{batch['id']}/paid",
        json=body,
        headers={**treasurer(world), "If-Match": batch["etag"]},
    )
    assert r.status_code == expect, r.text
    return r


def _entries(session, *apps: Thing) -> list[FundLedgerEntry]:
    session.expire_all()
    ids = [uuid.UUID(a.id) for a in apps]
    stmt = select(FundLedgerEntry).where(FundLedgerEntry.source_id.in_(ids)).order_by(FundLedgerEntry.seq)
    return list(session.exec(stmt).all())


def test_jinqiu_from_submission_to_paid_with_the_ledger_entry(client, world, clock, session):
    _budget(client, world)
    member = make_member(world, "U01-B01", name="张三丰", representative=False)
    household_to(client, world, "filed", member)
    prog = jinqiu(client, world)
    own = member_user(world, member, "member.zhang")
    r = client.post(
        "/api/v1/me/aid-applications",
        headers=own,
        json={
            "programme_id": prog["id"],
            "reason": "孩子考入大学，学费困难",
            "student_name": "张小明",
            "student_national_id": student_id(7),
            "school_level": "university",
        },
    )
    assert r.status_code == 201, r.text
    app = Thing(f"{AID}/applications/{r.json()['id']}", r.json())
    assert app.body["amount_fen"] == 500_000  # university, filed household
    act(client, app, "screen", officer(world, "off.a"), {"outcome": "pass"})
    act(client, app, "notice", officer(world, "off.b"))
    clock.set(date(2026, 2, 26))  # the notice ran 12, 13, 14, 24, 25 February
    act(client, app, "decision", chair(world), {"decision": "approve"}, reader=officer(world))
    batch = _batch(client, world, app)
    r = _pay(client, world, batch, app)
    assert r.json()["status"] == "paid" and r.json()["paid_on"] == "2026-03-02"

    app_after = client.get(app.path, headers=officer(world)).json()
    assert app_after["status"] == "paid" and app_after["bank_reference"] == "ICBC00000001"
    [entry] = _entries(session, app)
    assert str(entry.id) == app_after["ledger_entry_id"]
    assert (entry.kind, entry.category_code, entry.amount_fen, entry.entry_on, entry.counterparty) == (
        "expense",
        "rights.hardship_aid",
        500_000,
        date(2026, 3, 2),
        "张三丰",
    )
    assert entry.org_unit_id == world.units["U01"].id  # the union's books (经费独立核算)
    assert entry.source_type == "aid_application" and entry.payment_method == "bank"
    assert "ICBC00000001" in entry.description
    kinds = [e["kind"] for e in client.get(f"{app.path}/timeline", headers=officer(world)).json()["items"]]
    assert kinds == ["submitted", "screened", "notice_started", "approved", "batched", "paid"]
    report = client.get(
        f"{AID}/report",
        params={"org_unit_id": str(world.units["U01"].id), "year": 2026},
        headers=chair(world),
    ).json()
    assert report["by_budget_line"] == [
        {
            "budget_category_code": "rights.hardship_aid",
            "approved_fen": 500_000,
            "paid_fen": 500_000,
            "budget_fen": 500_000,
            "booked_fen": 500_000,
            "remainder_fen": 0,
        }
    ]


def test_overdrawn_line_refuses_the_whole_batch_naming_the_shortfall(client, world, clock, session, problem):
    _budget(client, world, hardship_fen=500_000)
    prog = programme(client, world, cap_fen=300_000, yearly_cap_fen=None)
    first = make_member(world, "U01-B01", name="张三丰", representative=False)
    second = make_member(world, "U01-B02", name="李四", representative=False)
    household_to(client, world, "filed", first)
    household_to(client, world, "filed", second)
    a1 = application_to(client, world, "approved", prog, first, amount_fen=300_000)
    a2 = application_to(client, world, "approved", prog, second, amount_fen=300_000)
    batch = _batch(client, world, a1, a2)
    body = problem(_pay(client, world, batch, a1, a2, expect=409), 409, "budget_line_insufficient")
    assert body["shortfalls"] == [
        {"category_code": "rights.hardship_aid", "needed_fen": 600_000, "remainder_fen": 500_000}
    ]
    assert _entries(session, a1, a2) == []
    for a in (a1, a2):
        assert client.get(a.path, headers=officer(world)).json()["status"] == "approved"
    assert (
        client.get(f"{AID}/payout-batches/{batch['id']}", headers=treasurer(world)).json()["status"] == "open"
    )


def test_no_budget_in_force_refuses_payment(client, world, clock, problem):
    flag_accounting(world, "U01")  # the union keeps its own books, but has no budget in force
    prog = programme(client, world)
    member = make_member(world, "U01-B01", name="张三丰", representative=False)
    household_to(client, world, "filed", member)
    app = application_to(client, world, "approved", prog, member, amount_fen=100_000)
    batch = _batch(client, world, app)
    problem(_pay(client, world, batch, app, expect=409), 409, "budget_not_in_force")


def test_payer_is_not_the_approver(client, world, clock, problem):
    """docs/rules.md §0: whoever approves an aid payment does not pay it."""
    _budget(client, world)
    prog = programme(client, world)
    member = make_member(world, "U01-B01", name="张三丰", representative=False)
    household_to(client, world, "filed", member)
    world.user("chair.treasurer", ("chair", "U01"), ("treasurer", "U01"))
    both = world.headers("chair.treasurer")
    app = application_to(client, world, "screened", prog, member, amount_fen=100_000)
    act(client, app, "decision", both, {"decision": "approve"})
    batch = _batch(client, world, app)  # gathered by the union's treasurer
    body = {"paid_on": "2026-03-02", "payments": [{"application_id": app.id, "bank_reference": "ICBC1"}]}
    r = client.post(
        f"{AID}/payout-batches/{batch['id']}/paid", json=body, headers={**both, "If-Match": batch["etag"]}
    )
    assert problem(r, 403, "aid_same_person")["role"] == "approver"
    _pay(client, world, batch, app)
