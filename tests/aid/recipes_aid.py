"""Permission-matrix recipes for the aid area (one per route).

Officers ``off.a``/``off.b`` prepare the objects (so that ``officer.u01``, the matrix's caller, is a
third person for separation of duties); member routes act as ``member.u01`` linked to a member of U01
who is not the subject of the file.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from funds.factories import budget_in_force
from matrix import Call, recipe

from aid.factories import (
    ACCOUNT,
    AID,
    application_to,
    dibao,
    end_notice,
    household_body,
    household_to,
    make_member,
    member_user,
    officer,
    open_household,
    programme,
    read,
)
from api.db.models import AidHousehold
from api.services.aid import common

U01 = "U01"


def _tag(client, world, path, role="officer", unit=U01):
    r = client.get(path, headers=world.as_role(role, unit))
    assert r.status_code == 200, r.text
    return r.headers["ETag"]


def _reader(world):
    """member.u01, linked to a member of U01 (a colleague, not the subject)."""
    member_user(world, make_member(world, "U01-B02", name="李四", representative=False), "member.u01")


def _open_programme(client, world, **fields):
    return programme(
        client, world, kind="medical_mutual", name="医疗互助", eligible_categories=["none", "deep"], **fields
    )


def _approved(client, world):
    member = make_member(world, "U01-B01", name="张三丰", representative=False)
    open_household(client, world, member)  # the account on file
    return application_to(
        client, world, "approved", _open_programme(client, world), member, amount_fen=50_000
    )


# --- reference data -----------------------------------------------------------------------------


@recipe("aid_dibao_list")
def _(client, world):
    dibao(client, world)
    return Call("auditor", U01, "GET", f"{AID}/dibao-standards")


@recipe("aid_dibao_create")
def _(client, world):
    body = {
        "region_code": "440300",
        "region_name": "深圳市",
        "monthly_fen": 152_000,
        "effective_on": "2025-07-01",
    }
    return Call("officer", U01, "POST", f"{AID}/dibao-standards", json=body, expect=201)


@recipe("aid_calendar_list")
def _(client, world):
    return Call("admin", "ROOT", "GET", f"{AID}/calendar-days")


@recipe("aid_calendar_set")
def _(client, world):
    return Call(
        "admin", "ROOT", "POST", f"{AID}/calendar-days", json={"day": "2027-02-20", "is_workday": True}
    )


# --- programmes ---------------------------------------------------------------------------------


@recipe("aid_programmes_list")
def _(client, world):
    programme(client, world)
    return Call("member", U01, "GET", f"{AID}/programmes")


@recipe("aid_programmes_create")
def _(client, world):
    today = common.today()
    body = {
        "org_unit_id": str(world.units[U01].id),
        "code": "winter",
        "name": "越冬救助",
        "kind": "relief_winter",
        "starts_on": today.isoformat(),
        "ends_on": (today + timedelta(days=60)).isoformat(),
        "standard_fen": 80_000,
        "eligible_categories": ["deep"],
        "budget_category_code": "rights.hardship_aid",
    }
    return Call("officer", U01, "POST", f"{AID}/programmes", json=body, expect=201)


@recipe("aid_programmes_install_defaults")
def _(client, world):
    body = {"org_unit_id": str(world.units[U01].id), "year": 2027}
    return Call("officer", U01, "POST", f"{AID}/programmes/defaults", json=body, expect=201)


@recipe("aid_programmes_get")
def _(client, world):
    return Call("treasurer", U01, "GET", f"{AID}/programmes/{programme(client, world)['id']}")


@recipe("aid_programmes_update")
def _(client, world):
    path = f"{AID}/programmes/{programme(client, world)['id']}"
    tag = _tag(client, world, path)
    return Call("officer", U01, "PATCH", path, json={"cap_fen": 250_000}, headers={"If-Match": tag})


# --- household files ----------------------------------------------------------------------------


@recipe("aid_households_list")
def _(client, world):
    open_household(client, world)
    return Call("auditor", U01, "GET", f"{AID}/households")


@recipe("aid_households_create")
def _(client, world):
    member = make_member(world, "U01-B01", name="张三丰", representative=False)
    return Call("officer", U01, "POST", f"{AID}/households", json=household_body(member), expect=201)


@recipe("aid_households_get")
def _(client, world):
    return Call("chair", U01, "GET", open_household(client, world).path)


@recipe("aid_households_update")
def _(client, world):
    h = open_household(client, world)
    tag = read(client, h, officer(world))
    return Call(
        "officer", U01, "PATCH", h.path, json={"causes": ["illness", "schooling"]}, headers={"If-Match": tag}
    )


@recipe("aid_households_delete")
def _(client, world):
    h = household_to(client, world, "filed")
    tag = read(client, h, officer(world))
    r = client.post(f"{h.path}/close", json={"reason": "已脱困"}, headers={**officer(world), "If-Match": tag})
    assert r.status_code == 200, r.text
    with world.db.write_session() as s:  # the 10-year retention period has passed
        s.get(AidHousehold, uuid.UUID(h.id)).retain_until = common.today() - timedelta(days=1)
        s.commit()
    return Call(
        "officer", U01, "DELETE", h.path, headers={"If-Match": read(client, h, officer(world))}, expect=204
    )


def _step(client, world, status, step, body, role="officer"):
    h = household_to(client, world, status)
    if status == "in_notice":
        end_notice(world, h.body["notice_id"])
    tag = read(client, h, officer(world))
    return Call(role, U01, "POST", f"{h.path}/{step}", json=body, headers={"If-Match": tag})


@recipe("aid_households_screen")
def _(client, world):
    return _step(client, world, "applied", "screen", {"outcome": "pass"})


@recipe("aid_households_visit")
def _(client, world):
    return _step(
        client,
        world,
        "screened",
        "visit",
        {"visited_on": "2026-01-20", "visitors": "李、王", "findings": "属实"},
    )


@recipe("aid_households_verify")
def _(client, world):
    return _step(client, world, "visited", "verify", {})


@recipe("aid_households_notice")
def _(client, world):
    return _step(client, world, "verified", "notice", None)


@recipe("aid_households_decide")
def _(client, world):
    return _step(client, world, "in_notice", "decision", {"decision": "approve"}, role="chair")


@recipe("aid_households_review")
def _(client, world):
    return _step(client, world, "filed", "review", {"findings": "无变化"})


@recipe("aid_households_close")
def _(client, world):
    return _step(client, world, "filed", "close", {"reason": "已脱困"})


@recipe("aid_households_timeline")
def _(client, world):
    return Call("auditor", U01, "GET", f"{open_household(client, world).path}/timeline")


@recipe("aid_households_import")
def _(client, world):
    dibao(client, world)
    member = make_member(world, "U01-B01", name="张三丰", representative=False)
    csv = (
        "工号,姓名,地区代码,家庭人口,家庭年收入,开户行,银行账号,户名,授权书签署日期,建档日期\n"
        f"{member.employee_no},张三丰,310000,3,36000,工商银行,{ACCOUNT},张三丰,2025-01-05,2025-03-01\n"
    )
    return Call(
        "officer",
        U01,
        "POST",
        f"{AID}/household-imports",
        data={"org_unit_id": str(world.units[U01].id)},
        files={"file": ("households.csv", csv.encode(), "text/csv")},
    )


# --- applications -------------------------------------------------------------------------------


def _app(client, world, to, **fields):
    member = make_member(world, "U01-B01", name="张三丰", representative=False)
    return application_to(
        client, world, to, _open_programme(client, world, **fields), member, amount_fen=50_000
    )


@recipe("aid_applications_list")
def _(client, world):
    _app(client, world, "submitted")
    return Call("auditor", U01, "GET", f"{AID}/applications")


@recipe("aid_applications_create")
def _(client, world):
    member = make_member(world, "U01-B01", name="张三丰", representative=False)
    body = {
        "programme_id": _open_programme(client, world)["id"],
        "member_id": str(member.id),
        "amount_fen": 50_000,
        "reason": "住院自付",
    }
    return Call("officer", U01, "POST", f"{AID}/applications", json=body, expect=201)


@recipe("aid_applications_get")
def _(client, world):
    return Call("chair", U01, "GET", _app(client, world, "submitted").path)


def _app_step(client, world, to, step, body, role="officer", **fields):
    app = _app(client, world, to, **fields)
    return Call(
        role,
        U01,
        "POST",
        f"{app.path}/{step}",
        json=body,
        headers={"If-Match": read(client, app, officer(world))},
    )


@recipe("aid_applications_screen")
def _(client, world):
    return _app_step(client, world, "submitted", "screen", {"outcome": "pass"})


@recipe("aid_applications_notice")
def _(client, world):
    return _app_step(client, world, "screened", "notice", None, notice_required=True)


@recipe("aid_applications_decide")
def _(client, world):
    return _app_step(client, world, "screened", "decision", {"decision": "approve"}, role="chair")


@recipe("aid_applications_cancel")
def _(client, world):
    return _app_step(client, world, "submitted", "cancel", {"reason": "本人撤回"})


@recipe("aid_applications_timeline")
def _(client, world):
    return Call("auditor", U01, "GET", f"{_app(client, world, 'submitted').path}/timeline")


# --- self-service -------------------------------------------------------------------------------


@recipe("aid_me_applications_list")
def _(client, world):
    _reader(world)
    return Call("member", U01, "GET", "/api/v1/me/aid-applications")


@recipe("aid_me_applications_create")
def _(client, world):
    _reader(world)
    body = {"programme_id": _open_programme(client, world)["id"], "amount_fen": 30_000, "reason": "住院自付"}
    return Call("member", U01, "POST", "/api/v1/me/aid-applications", json=body, expect=201)


@recipe("aid_me_households")
def _(client, world):
    _reader(world)
    return Call("member", U01, "GET", "/api/v1/me/aid-households")


# --- notices ------------------------------------------------------------------------------------


def _notice(client, world):
    _reader(world)
    return household_to(client, world, "in_notice").body["notice_id"]


@recipe("aid_notices_list")
def _(client, world):
    _notice(client, world)
    return Call("member", U01, "GET", f"{AID}/notices")


@recipe("aid_notices_get")
def _(client, world):
    return Call("member", U01, "GET", f"{AID}/notices/{_notice(client, world)}")


@recipe("aid_notices_object")
def _(client, world):
    path = f"{AID}/notices/{_notice(client, world)}/objections"
    return Call("member", U01, "POST", path, json={"reason": "收入情况与实际不符"}, expect=201)


def _objection(client, world):
    notice_id = _notice(client, world)
    r = client.post(
        f"{AID}/notices/{notice_id}/objections",
        json={"reason": "收入情况与实际不符"},
        headers=world.as_role("member", U01),
    )
    assert r.status_code == 201, r.text
    return notice_id, r.json()


@recipe("aid_notices_objections")
def _(client, world):
    notice_id, _objection_body = _objection(client, world)
    return Call("officer", U01, "GET", f"{AID}/notices/{notice_id}/objections")


@recipe("aid_objections_resolve")
def _(client, world):
    _notice_id, objection = _objection(client, world)
    return Call(
        "officer",
        U01,
        "POST",
        f"{AID}/objections/{objection['id']}/resolve",
        json={"outcome": "dismissed", "resolution": "经核实不成立"},
        headers={"If-Match": '"1"'},
    )


# --- payment ------------------------------------------------------------------------------------


@recipe("aid_payable_list")
def _(client, world):
    _approved(client, world)
    return Call("treasurer", U01, "GET", f"{AID}/payable")


def _batch(client, world):
    app = _approved(client, world)
    r = client.post(
        f"{AID}/payout-batches",
        json={"org_unit_id": str(world.units[U01].id), "application_ids": [app.id]},
        headers=world.as_role("treasurer", U01),
    )
    assert r.status_code == 201, r.text
    return app, r.json()


@recipe("aid_batches_list")
def _(client, world):
    _batch(client, world)
    return Call("treasurer", U01, "GET", f"{AID}/payout-batches")


@recipe("aid_batches_create")
def _(client, world):
    app = _approved(client, world)
    body = {"org_unit_id": str(world.units[U01].id), "application_ids": [app.id]}
    return Call("treasurer", U01, "POST", f"{AID}/payout-batches", json=body, expect=201)


@recipe("aid_batches_get")
def _(client, world):
    return Call("treasurer", U01, "GET", f"{AID}/payout-batches/{_batch(client, world)[1]['id']}")


@recipe("aid_batches_export")
def _(client, world):
    return Call("treasurer", U01, "GET", f"{AID}/payout-batches/{_batch(client, world)[1]['id']}/export")


@recipe("aid_batches_paid")
def _(client, world):
    lines = {"income.dues": 2_000_000, "rights.hardship_aid": 500_000}
    budget_in_force(client, world, U01, year=common.today().year, lines=lines)
    app, batch = _batch(client, world)
    path = f"{AID}/payout-batches/{batch['id']}"
    body = {
        "paid_on": common.today().isoformat(),
        "payments": [{"application_id": app.id, "bank_reference": "B1"}],
    }
    return Call(
        "treasurer",
        U01,
        "POST",
        f"{path}/paid",
        json=body,
        headers={"If-Match": _tag(client, world, path, "treasurer")},
    )


# --- reports ------------------------------------------------------------------------------------


@recipe("aid_report")
def _(client, world):
    return Call("auditor", U01, "GET", f"{AID}/report?org_unit_id={world.units[U01].id}&year=2026")
