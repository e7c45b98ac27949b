"""Programmes and applications over the HTTP API: the programme rules with their sources (domain.md
§4 Programmes [L]), separation of duties (docs/rules.md §0), who sees what, notices, reports."""

from __future__ import annotations

import io
from datetime import date, timedelta

from openpyxl import load_workbook

from aid.factories import (
    ACCOUNT,
    AID,
    Thing,
    act,
    application_to,
    apply,
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


def _filed_member(client, world, name="张三丰"):
    member = make_member(world, "U01-B01", name=name, representative=False)
    household_to(client, world, "filed", member)
    return member


def test_jinqiu_amounts_by_level_and_filing(client, world, clock):
    """金秋助学 (docs/rules.md §4): 5,000 yuan university / 3,000 senior high for filed households,
    4,000 / 2,000 otherwise."""
    prog = jinqiu(client, world)
    filed = _filed_member(client, world)
    other = make_member(world, "U01-B02", name="李四", representative=False)
    r = apply(
        client,
        world,
        prog,
        filed,
        student_name="张小明",
        student_national_id=student_id(1),
        school_level="university",
    )
    assert r.json()["amount_fen"] == 500_000 and r.json()["category"] == "deep"
    r = apply(
        client,
        world,
        prog,
        other,
        student_name="李小红",
        student_national_id=student_id(2),
        school_level="senior_high",
    )
    assert r.json()["amount_fen"] == 200_000 and r.json()["category"] == "none"


def test_one_study_grant_per_student_per_year_across_programmes(client, world, clock, problem):
    """docs/rules.md §4: no double aid — one grant per student per year, whatever the programme."""
    first, second = jinqiu(client, world), jinqiu(client, world, name="金秋助学（市总工会）")
    mother = make_member(world, "U01-B01", name="王母", representative=False)
    father = make_member(world, "U01-B02", name="张父", representative=False)
    student = {"student_name": "张小明", "student_national_id": student_id(3), "school_level": "university"}
    apply(client, world, first, mother, **student)
    problem(apply(client, world, second, father, expect=409, **student), 409, "aid_student_already_granted")


def test_outside_the_programme_period_is_refused(client, world, clock, problem):
    prog = programme(client, world, starts_on="2026-01-01", ends_on="2026-02-11")
    member = _filed_member(client, world)
    body = problem(
        apply(client, world, prog, member, expect=422, amount_fen=100_000), 422, "aid_outside_period"
    )
    assert "programme.period" in body["detail"]


def test_category_not_served_is_refused(client, world, clock, problem):
    prog = programme(client, world)  # deep, relative, accident: filed households only
    member = make_member(world, "U01-B01", name="李四", representative=False)
    body = problem(
        apply(client, world, prog, member, expect=422, amount_fen=100_000), 422, "aid_category_not_eligible"
    )
    assert "programme.eligible_categories" in body["detail"]


def test_cap_per_application_and_yearly_cap_per_member(client, world, clock, problem):
    prog = programme(client, world)  # cap 2,000 yuan, 3,000 a year
    member = _filed_member(client, world)
    problem(apply(client, world, prog, member, expect=422, amount_fen=200_001), 422, "aid_over_cap")
    apply(client, world, prog, member, amount_fen=150_000)
    body = problem(
        apply(client, world, prog, member, expect=422, amount_fen=150_001), 422, "aid_yearly_cap_exceeded"
    )
    assert body["used_fen"] == 150_000
    apply(client, world, prog, member, amount_fen=150_000)


def test_fixed_standard_once_a_year(client, world, clock, problem):
    prog = programme(
        client,
        world,
        kind="relief_spring",
        name="春节救助",
        cap_fen=None,
        standard_fen=100_000,
        yearly_cap_fen=None,
    )
    member = _filed_member(client, world)
    assert apply(client, world, prog, member).json()["amount_fen"] == 100_000
    problem(apply(client, world, prog, member, expect=409), 409, "aid_duplicate_application")


def test_member_applies_for_themselves(client, world, clock):
    prog = programme(client, world, eligible_categories=["none"], kind="medical_mutual", name="医疗互助")
    member = make_member(world, "U01-B01", name="李四", representative=False)
    own = member_user(world, member, "member.li")
    r = client.post(
        "/api/v1/me/aid-applications",
        json={"programme_id": prog["id"], "amount_fen": 80_000, "reason": "住院自付费用"},
        headers=own,
    )
    assert r.status_code == 201, r.text
    assert r.json()["member_id"] == str(member.id)
    assert [a["id"] for a in client.get("/api/v1/me/aid-applications", headers=own).json()["items"]] == [
        r.json()["id"]
    ]
    # the applicant is the member's account: any officer may screen it
    app = Thing(f"{AID}/applications/{r.json()['id']}", r.json())
    act(client, app, "screen", officer(world, "off.a"), {"outcome": "pass"})
    assert app.body["status"] == "screened"


def test_notice_for_an_application_is_masked(client, world, clock, problem):
    prog = programme(client, world, notice_required=True)
    member = _filed_member(client, world)
    app = application_to(client, world, "in_notice", prog, member, amount_fen=120_000)
    reader = member_user(world, make_member(world, "U01-B02", name="李四", representative=False), "member.li")
    r = client.get(f"{AID}/notices", params={"current": "true"}, headers=reader)
    notice = next(n for n in r.json()["items"] if n["id"] == app.body["notice_id"])
    assert notice == {
        **notice,
        "masked_name": "张*丰",
        "programme_name": "日常救助",
        "amount_fen": 120_000,
        "unit_name": "第一分工会",
    }
    assert set(notice) == {
        "id",
        "masked_name",
        "unit_name",
        "programme_name",
        "amount_fen",
        "starts_on",
        "ends_on",
        "open",
    }
    assert "张三丰" not in r.text and ACCOUNT not in r.text
    # a member of the other union does not see it
    stranger = member_user(
        world, make_member(world, "U02-B01", name="周五", representative=False), "member.zhou", "U02"
    )
    assert client.get(f"{AID}/notices/{notice['id']}", headers=stranger).status_code == 404
    problem(
        act(
            client, app, "decision", chair(world), {"decision": "approve"}, expect=409, reader=officer(world)
        ),
        409,
        "aid_notice_running",
    )
    clock.set(date(2026, 2, 26))
    act(client, app, "decision", chair(world), {"decision": "approve"}, reader=officer(world))
    assert app.body["status"] == "approved"


def test_screened_application_of_a_notice_programme_cannot_skip_the_notice(client, world, clock, problem):
    prog = programme(client, world, notice_required=True)
    member = _filed_member(client, world)
    app = application_to(client, world, "screened", prog, member, amount_fen=100_000)
    problem(
        act(
            client, app, "decision", chair(world), {"decision": "approve"}, expect=409, reader=officer(world)
        ),
        409,
        "aid_illegal_transition",
    )


def test_four_different_people(client, world, clock, problem):
    """docs/rules.md §0: applicant, screener, approver (chair) and payer (treasurer) differ; admin
    approves nothing."""
    prog = programme(client, world)
    member = _filed_member(client, world)
    r = apply(client, world, prog, member, amount_fen=100_000)
    app = Thing(f"{AID}/applications/{r.json()['id']}", r.json())
    problem(
        act(client, app, "screen", officer(world, "off.a"), {"outcome": "pass"}, expect=403),
        403,
        "aid_same_person",
    )
    act(client, app, "screen", officer(world, "off.b"), {"outcome": "pass"})
    world.user("admin.chair", ("admin", "ROOT"), ("chair", "U01"))
    problem(
        act(
            client,
            app,
            "decision",
            world.headers("admin.chair"),
            {"decision": "approve"},
            expect=403,
            reader=officer(world),
        ),
        403,
        "aid_admin_approves_nothing",
    )
    world.user("chair.treasurer", ("chair", "U01"), ("treasurer", "U01"))
    act(client, app, "decision", world.headers("chair.treasurer"), {"decision": "approve"})
    r = client.post(
        f"{AID}/payout-batches",
        json={"org_unit_id": str(world.units["U01"].id), "application_ids": [app.id]},
        headers=world.headers("chair.treasurer"),
    )
    body = problem(r, 403, "aid_same_person")
    assert body["role"] == "approver"
    r = client.post(
        f"{AID}/payout-batches",
        json={"org_unit_id": str(world.units["U01"].id), "application_ids": [app.id]},
        headers=treasurer(world),
    )
    assert r.status_code == 201, r.text


def test_treasurer_sees_payee_amount_and_account_only(client, world, clock):
    prog = programme(client, world)
    member = _filed_member(client, world)
    app = application_to(client, world, "approved", prog, member, amount_fen=100_000)
    assert client.get(app.path, headers=treasurer(world)).status_code == 403
    assert client.get(f"{AID}/households", headers=treasurer(world)).status_code == 403
    items = client.get(f"{AID}/payable", headers=treasurer(world)).json()["items"]
    assert items == [
        {
            "application_id": app.id,
            "payee_name": "张三丰",
            "amount_fen": 100_000,
            "bank_name": "工商银行上海分行",
            "bank_account_masked": ACCOUNT[:4] + "*" * (len(ACCOUNT) - 8) + ACCOUNT[-4:],
            "programme_name": "日常救助",
            "budget_category_code": "rights.hardship_aid",
        }
    ]
    r = client.post(
        f"{AID}/payout-batches",
        json={"org_unit_id": str(world.units["U01"].id), "application_ids": [app.id]},
        headers=treasurer(world),
    )
    batch = r.json()
    assert batch["total_fen"] == 100_000 and batch["count"] == 1
    r = client.get(f"{AID}/payout-batches/{batch['id']}/export", headers=treasurer(world))
    assert r.status_code == 200
    sheet = load_workbook(io.BytesIO(r.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][2:6] == ("张三丰", "工商银行上海分行", ACCOUNT, "1000.00")
    assert (
        client.get(f"{AID}/payout-batches/{batch['id']}", headers=treasurer(world, "U02")).status_code == 404
    )


def test_scope_of_applications(client, world, clock):
    prog = programme(client, world)
    member = _filed_member(client, world)
    app = application_to(client, world, "submitted", prog, member, amount_fen=100_000)
    assert client.get(app.path, headers=officer(world, "off.u02", "U02")).status_code == 404
    assert client.get(app.path, headers=world.as_role("auditor", "U01")).status_code == 200
    r = client.get(f"{AID}/applications", headers=officer(world, "off.u02", "U02"))
    assert r.json()["items"] == []


def test_tasks_for_officer_chair_and_treasurer(client, world, clock):
    prog = programme(client, world)
    member = _filed_member(client, world)
    submitted = application_to(client, world, "submitted", prog, member, amount_fen=50_000)
    tasks = client.get("/api/v1/me/tasks", headers=officer(world, "off.b")).json()["items"]
    assert any(t["kind"] == "aid.application_screen" and t["resource_id"] == submitted.id for t in tasks)
    act(client, submitted, "screen", officer(world, "off.b"), {"outcome": "pass"})
    tasks = client.get("/api/v1/me/tasks", headers=chair(world)).json()["items"]
    assert any(t["kind"] == "aid.application_decide" and t["resource_id"] == submitted.id for t in tasks)
    act(client, submitted, "decision", chair(world), {"decision": "approve"}, reader=officer(world))
    tasks = client.get("/api/v1/me/tasks", headers=treasurer(world)).json()["items"]
    assert any(t["kind"] == "aid.pay" and t["resource_id"] == submitted.id for t in tasks)


def test_admin_overrides_a_calendar_day(client, world, clock):
    """The library lags the State Council notice: a day an admin records wins (docs/rules.md §4 [L])."""
    r = client.post(
        f"{AID}/calendar-days",
        json={"day": "2026-02-24", "is_workday": False, "note": "临时调整"},
        headers=world.as_role("admin", "ROOT"),
    )
    assert r.status_code == 200, r.text
    h = household_to(client, world, "in_notice")
    notice = client.get(f"{AID}/notices/{h.body['notice_id']}", headers=officer(world)).json()
    assert notice["ends_on"] == "2026-02-26"
    days = client.get(
        f"{AID}/calendar-days", params={"year": 2026}, headers=world.as_role("admin", "ROOT")
    ).json()
    assert [d["day"] for d in days["items"]] == ["2026-02-24"] and days["next_cursor"] is None


def test_report_by_programme_category_unit_month_and_budget_line(client, world, clock):
    prog = programme(client, world)
    member = _filed_member(client, world)
    application_to(client, world, "approved", prog, member, amount_fen=100_000)
    application_to(client, world, "approved", prog, member, amount_fen=80_000)
    clock.set(clock.day + timedelta(days=400))  # the file's review is now overdue
    params = {"org_unit_id": str(world.units["U01"].id), "year": 2026}
    r = client.get(f"{AID}/report", params=params, headers=world.as_role("auditor", "U01"))
    assert r.status_code == 200, r.text
    report = r.json()
    assert report["rows"] == [
        {
            "programme_name": "日常救助",
            "budget_category_code": "rights.hardship_aid",
            "category": "deep",
            "org_unit_id": str(world.units["U01-B01"].id),
            "unit_name": "第一分工会",
            "month": "2026-02",
            "approved_count": 2,
            "approved_fen": 180_000,
            "paid_count": 0,
            "paid_fen": 0,
        }
    ]
    assert report["by_budget_line"] == [
        {
            "budget_category_code": "rights.hardship_aid",
            "approved_fen": 180_000,
            "paid_fen": 0,
            "budget_fen": None,
            "booked_fen": None,
            "remainder_fen": None,
        }
    ]
    assert report["households_by_category"] == {"deep": 1}
    assert [o["member_name"] for o in report["overdue_reviews"]] == ["张三丰"]
    x = client.get(f"{AID}/report", params={**params, "format": "xlsx"}, headers=chair(world))
    assert load_workbook(io.BytesIO(x.content)).sheetnames == [
        "帮扶明细",
        "预算科目",
        "困难职工分类",
        "逾期复核",
    ]
    # a unit outside the caller's subtrees named in the query: 422 not_found on org_unit_id
    r = client.get(f"{AID}/report", params=params, headers=officer(world, "off.u02", "U02"))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "org_unit_id"


def test_default_programmes(client, world, clock):
    r = client.post(
        f"{AID}/programmes/defaults",
        json={"org_unit_id": str(world.units["U01"].id), "year": 2026},
        headers=officer(world),
    )
    assert r.status_code == 201, r.text
    assert r.json()["next_cursor"] is None
    by_kind = {p["kind"]: p for p in r.json()["items"]}
    assert len(by_kind) == 9
    assert by_kind["education"]["tiers"]["university"] == {"filed": 500_000, "other": 400_000}
    assert by_kind["send_warmth"]["budget_category_code"] == "rights.send_warmth"
    member = make_member(world, "U01-B01", name="李四", representative=False)
    own = member_user(world, member, "member.li")
    listed = client.get(f"{AID}/programmes", headers=own).json()["items"]
    assert len(listed) == 9
