"""Household files over the HTTP API: application to filed with a public notice and an objection,
and the filing rules with their sources (docs/rules.md §4, [L] practice of 全国总工会 困难职工帮扶)."""

from __future__ import annotations

from datetime import date

from aid.factories import (
    ACCOUNT,
    AID,
    Thing,
    act,
    chair,
    household_body,
    household_to,
    make_member,
    member_user,
    officer,
    open_household,
    read,
)


def test_household_from_application_to_filed_with_notice_and_objection(client, world, clock, problem):
    h = household_to(client, world, "verified")
    assert h.body["category"] == "deep"
    assert h.body["per_capita_monthly_fen"] == 83_333  # (3,600,000 - 600,000) / 12 / 3, rounded down
    assert h.body["dibao_monthly_fen"] == 142_000
    assert h.body["bank_account_masked"] == ACCOUNT[:4] + "*" * (len(ACCOUNT) - 8) + ACCOUNT[-4:]
    assert ACCOUNT not in str(h.body)

    act(client, h, "notice", officer(world, "off.a"))
    assert h.body["status"] == "in_notice"
    # 5 working days from Thu 12 Feb 2026: 12, 13, Sat 14 (swapped working day), then the Spring
    # Festival holiday 15-23, then 24 and 25
    colleague = make_member(world, "U01-B02", name="李四", representative=False)
    reader = member_user(world, colleague, "member.li")
    notices = client.get(f"{AID}/notices", headers=reader).json()["items"]
    assert len(notices) == 1
    notice = notices[0]
    assert notice["ends_on"] == "2026-02-25" and notice["open"] is True
    assert notice["masked_name"] == "张*丰"
    assert "张三丰" not in client.get(f"{AID}/notices/{notice['id']}", headers=reader).text

    r = client.post(
        f"{AID}/notices/{notice['id']}/objections",
        json={"reason": "该户有营业车辆，收入不实"},
        headers=reader,
    )
    assert r.status_code == 201, r.text
    objection = r.json()
    tasks = client.get("/api/v1/me/tasks", headers=officer(world, "off.b")).json()["items"]
    assert any(t["kind"] == "aid.objection" and t["resource_id"] == objection["id"] for t in tasks)

    # the chair cannot decide while the notice runs, nor while an objection is open
    problem(
        act(
            client,
            h,
            "decision",
            chair(world),
            {"decision": "approve"},
            expect=409,
            reader=officer(world, "off.a"),
        ),
        409,
        "aid_notice_running",
    )
    clock.set(date(2026, 2, 26))
    problem(
        act(
            client,
            h,
            "decision",
            chair(world),
            {"decision": "approve"},
            expect=409,
            reader=officer(world, "off.a"),
        ),
        409,
        "aid_objection_open",
    )

    r = client.post(
        f"{AID}/objections/{objection['id']}/resolve",
        json={"outcome": "dismissed", "resolution": "经核实车辆为单位所有，异议不成立"},
        headers={**officer(world, "off.b"), "If-Match": '"1"'},
    )
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "dismissed"

    tasks = client.get("/api/v1/me/tasks", headers=chair(world)).json()["items"]
    assert any(t["kind"] == "aid.household_decide" and t["resource_id"] == h.id for t in tasks)
    act(client, h, "decision", chair(world), {"decision": "approve"}, reader=officer(world, "off.a"))
    assert h.body["status"] == "filed"
    assert h.body["filed_on"] == "2026-02-26"
    assert h.body["review_due_on"] == "2027-02-26"
    kinds = [e["kind"] for e in client.get(f"{h.path}/timeline", headers=officer(world)).json()["items"]]
    assert kinds == [
        "applied",
        "screened",
        "visited",
        "verified",
        "notice_started",
        "objection_dismissed",
        "filed",
    ]


def test_upheld_objection_rejects_the_file(client, world, clock):
    h = household_to(client, world, "in_notice")
    colleague = make_member(world, "U01-B02", name="李四", representative=False)
    reader = member_user(world, colleague, "member.li")
    r = client.post(
        f"{AID}/notices/{h.body['notice_id']}/objections", json={"reason": "该户另有两套住房"}, headers=reader
    )
    objection = r.json()
    r = client.post(
        f"{AID}/objections/{objection['id']}/resolve",
        json={"outcome": "upheld", "resolution": "经核实确有两套住房"},
        headers={**officer(world, "off.branch", "U01-B01"), "If-Match": '"1"'},  # the branch's officer
    )
    assert r.status_code == 200, r.text
    read(client, h, officer(world))
    assert h.body["status"] == "rejected"
    assert h.body["decision_reason"] == "经核实确有两套住房"


def test_objection_only_while_the_notice_runs(client, world, clock, problem):
    h = household_to(client, world, "in_notice")
    colleague = make_member(world, "U01-B02", name="李四", representative=False)
    reader = member_user(world, colleague, "member.li")
    clock.set(date(2026, 2, 26))
    r = client.post(
        f"{AID}/notices/{h.body['notice_id']}/objections", json={"reason": "异议理由说明"}, headers=reader
    )
    problem(r, 409, "aid_notice_closed")


def test_exclusions_refuse_filing(client, world, clock, problem):
    """docs/rules.md §4 Exclusions: two or more homes, a business employing others, high-fee private or
    self-funded overseas schooling, a private car — recorded, and filing is refused."""
    h = open_household(client, world, exclusions=["private_car"])
    assert h.body["exclusions"] == ["private_car"]
    r = act(client, h, "screen", officer(world, "off.b"), {"outcome": "pass"}, expect=422)
    body = problem(r, 422, "aid_excluded")
    assert "private_car" in body["detail"]


def test_migrant_worker_needs_one_year_of_labour_relationship(client, world, clock, problem):
    """docs/rules.md §4: migrant workers need membership and >= 1 year of labour relationship."""
    h = open_household(client, world, is_migrant=True, labour_relation_since="2025-06-01")
    problem(
        act(client, h, "screen", officer(world, "off.b"), {"outcome": "pass"}, expect=422),
        422,
        "aid_migrant_labour_too_short",
    )
    other = make_member(world, "U01-B01", name="赵农民", representative=False)
    h2 = open_household(client, world, other, is_migrant=True, labour_relation_since="2025-02-12")
    act(client, h2, "screen", officer(world, "off.b"), {"outcome": "pass"})
    assert h2.body["status"] == "screened"


def test_signed_consent_is_required_before_screening(client, world, clock, problem):
    h = open_household(client, world, consent_signed_on=None)
    problem(
        act(client, h, "screen", officer(world, "off.b"), {"outcome": "pass"}, expect=422),
        422,
        "aid_consent_missing",
    )


def test_bank_account_in_the_workers_own_name(client, world, clock, problem):
    member = make_member(world, "U01-B01", name="张三丰", representative=False)
    body = household_body(member, account_holder="王芳")
    problem(
        client.post(f"{AID}/households", json=body, headers=officer(world)), 422, "aid_account_not_own_name"
    )


def test_one_open_file_per_member(client, world, clock, problem):
    member = make_member(world, "U01-B01", name="张三丰", representative=False)
    open_household(client, world, member)
    r = client.post(f"{AID}/households", json=household_body(member), headers=officer(world))
    problem(r, 409, "aid_household_exists")


def test_not_in_hardship_by_the_formula_is_rejected_at_verification(client, world, clock):
    """Per-capita (120,000 - 12,000) / 12 / 3 = 3,000 yuan >= 2 x 1,420: neither deep nor relative,
    and no accident costs: the verification rejects the file with the figures."""
    member = make_member(world, "U01-B01", name="钱富", representative=False)
    people = [
        {"name": "钱富", "relation": "本人", "annual_income_fen": 12_000_000},
        {"name": "钱妻", "relation": "配偶", "annual_income_fen": 0},
        {"name": "钱子", "relation": "子女", "annual_income_fen": 0},
    ]
    h = open_household(
        client, world, member, people=people, expenses=[{"kind": "schooling", "annual_fen": 1_200_000}]
    )
    act(client, h, "screen", officer(world, "off.b"), {"outcome": "pass"})
    act(
        client,
        h,
        "visit",
        officer(world, "off.a"),
        {"visited_on": "2026-02-01", "visitors": "李、王", "findings": "正常"},
    )
    act(client, h, "verify", officer(world, "off.b"), {})
    assert h.body["status"] == "rejected"
    assert h.body["per_capita_monthly_fen"] == 300_000 and h.body["category"] == "none"


def test_dibao_in_force_on_the_assessment_date(client, world, clock):
    """The standard with the latest effective date on or before the assessment date applies."""
    h = household_to(client, world, "visited")
    r = client.post(
        f"{AID}/dibao-standards",
        json={
            "region_code": "310000",
            "region_name": "上海市",
            "monthly_fen": 151_000,
            "effective_on": "2026-07-01",
        },
        headers=officer(world),
    )
    assert r.status_code == 201
    act(client, h, "verify", officer(world, "off.b"), {"assessed_on": "2026-02-10"})
    assert h.body["dibao_monthly_fen"] == 142_000


def test_separation_of_duties_on_files(client, world, clock, problem):
    """docs/rules.md §0: nobody approves what they applied for or screened; admin approves nothing."""
    h = open_household(client, world)
    # the officer who recorded the application does not screen it
    problem(
        act(client, h, "screen", officer(world, "off.a"), {"outcome": "pass"}, expect=403),
        403,
        "aid_same_person",
    )
    # a user who is officer and chair screens, and then cannot approve
    world.user("both", ("officer", "U01"), ("chair", "U01"))
    both = world.headers("both")
    act(client, h, "screen", both, {"outcome": "pass"})
    act(
        client,
        h,
        "visit",
        officer(world, "off.a"),
        {"visited_on": "2026-02-01", "visitors": "李、王", "findings": "属实"},
    )
    act(client, h, "verify", officer(world, "off.a"), {})
    act(client, h, "notice", officer(world, "off.a"))
    clock.set(date(2026, 3, 2))
    problem(act(client, h, "decision", both, {"decision": "approve"}, expect=403), 403, "aid_same_person")
    world.user("admin.chair", ("admin", "ROOT"), ("chair", "U01"))
    problem(
        act(
            client,
            h,
            "decision",
            world.headers("admin.chair"),
            {"decision": "approve"},
            expect=403,
            reader=officer(world),
        ),
        403,
        "aid_admin_approves_nothing",
    )
    act(client, h, "decision", chair(world), {"decision": "approve"}, reader=officer(world))
    assert h.body["status"] == "filed"


def test_review_overdue_list_and_task(client, world, clock):
    h = household_to(client, world, "filed")
    assert h.body["review_due_on"] == "2027-02-12"
    clock.set(date(2027, 3, 30))
    r = client.get(f"{AID}/households", params={"review_overdue": "true"}, headers=officer(world))
    assert [x["id"] for x in r.json()["items"]] == [h.id]
    tasks = client.get("/api/v1/me/tasks", headers=officer(world)).json()["items"]
    assert any(t["kind"] == "aid.review" and t["resource_id"] == h.id for t in tasks)
    act(client, h, "review", officer(world, "off.b"), {"findings": "家庭情况无变化"})
    assert h.body["review_due_on"] == "2028-03-30" and h.body["review_overdue"] is False


def test_adjust_a_filed_file_reassesses_it(client, world, clock):
    h = household_to(client, world, "filed")
    tag = read(client, h, officer(world))
    people = [
        {"name": "张三丰", "relation": "本人", "annual_income_fen": 4_800_000},
        {"name": "王芳", "relation": "配偶", "annual_income_fen": 1_200_000},
        {"name": "张小明", "relation": "子女", "annual_income_fen": 0},
    ]
    r = client.patch(h.path, json={"people": people}, headers={**officer(world), "If-Match": tag})
    assert r.status_code == 200, r.text
    # (6,000,000 - 600,000) / 36 = 150,000 fen: above 1x (142,000), below 2x: relative
    assert r.json()["category"] == "relative" and r.json()["per_capita_monthly_fen"] == 150_000


def test_closed_files_are_kept_ten_years(client, world, clock, problem):
    """docs/rules.md §4: keep closed files 10 years; they cannot be deleted before."""
    h = household_to(client, world, "filed")
    act(client, h, "close", officer(world), {"reason": "家庭收入稳定，已脱困"})
    assert h.body["retain_until"] == "2036-02-12"
    tag = read(client, h, officer(world))
    problem(client.delete(h.path, headers={**officer(world), "If-Match": tag}), 409, "aid_retention_period")
    clock.set(date(2036, 2, 12))
    assert client.delete(h.path, headers={**officer(world), "If-Match": tag}).status_code == 204
    assert client.get(h.path, headers=officer(world)).status_code == 404


def test_scope_and_who_sees_files(client, world, clock):
    h = household_to(client, world, "screened")
    assert client.get(h.path, headers=officer(world, "off.u02", "U02")).status_code == 404
    assert client.get(h.path, headers=world.as_role("auditor", "U01")).status_code == 200
    assert client.get(h.path, headers=world.as_role("treasurer", "U01")).status_code == 403
    r = client.get(f"{AID}/households", headers=officer(world, "off.u02", "U02"))
    assert r.json()["items"] == []


def test_member_sees_own_file(client, world, clock):
    member = make_member(world, "U01-B01", name="张三丰", representative=False)
    h = open_household(client, world, member)
    own = member_user(world, member, "member.zhang")
    r = client.get("/api/v1/me/aid-households", headers=own)
    assert [x["id"] for x in r.json()["items"]] == [h.id]
    other = member_user(world, make_member(world, "U01-B01", name="李四", representative=False), "member.li")
    assert client.get("/api/v1/me/aid-households", headers=other).json() == {"items": [], "next_cursor": None}


def test_thing_helper_reads(client, world, clock):
    h = open_household(client, world)
    assert isinstance(h, Thing) and read(client, h, officer(world)).startswith('"')
