"""Who sees which negotiation (docs/rules.md §0: chairs and officers manage, auditors read, members read
published contracts that cover them), and the federation's coverage report."""

from __future__ import annotations

import uuid
from datetime import date
from io import BytesIO

from motions.factories import make_member, member_user

from negotiations.factories import NEGOTIATIONS, advance, propose


def test_u02_cannot_see_u01_negotiation(client, world, clock):
    """Scope: a chair, officer or auditor of U02 gets 404 for U01's negotiation and its records, and
    does not list it; the federation above both sees it."""
    neg = propose(client, world)
    for role in ("officer", "chair", "auditor"):
        h = world.as_role(role, "U02")
        for suffix in ("", "/timeline", "/sessions", "/versions", "/filing-form.docx"):
            assert client.get(neg.path + suffix, headers=h).status_code == 404, (role, suffix)
        assert client.get(NEGOTIATIONS, headers=h).json()["items"] == []
    tag = client.get(neg.path, headers=neg.officer).headers["ETag"]
    r = client.post(
        f"{neg.path}/reply",
        json={"decision": "accept", "replied_on": "2027-01-04"},
        headers={**world.as_role("officer", "U02"), "If-Match": tag},
    )
    assert r.status_code == 404
    assert client.get(neg.path, headers=world.as_role("auditor", "ROOT")).status_code == 200


def test_members_read_only_published_contracts_covering_them(client, world, clock):
    """docs/rules.md §0 "read published", 令22 Art 48: a member of U01 sees U01's contract once published
    (its text, not the working records); a member of U02 never does."""
    u01 = member_user(world, make_member(world, "U01-B02", representative=False), "m.u01")
    u02 = member_user(world, make_member(world, "U02-B01", representative=False), "m.u02", unit="U02")
    neg = advance(client, world, clock, "effective")
    assert client.get(neg.path, headers=u01).status_code == 404
    assert client.get(NEGOTIATIONS, headers=u01).json()["items"] == []

    clock.set(date(2027, 2, 24))
    neg.post("/publish", {"published_on": "2027-02-24", "channel": "厂务公开栏"})
    r = client.get(neg.path, headers=u01)
    assert r.status_code == 200
    body = r.json()
    assert [c["key"] for c in body["clauses"]] == ["pay-1", "hours-1", "safety-1"]
    assert body["disputes"] == [] and body["sessions"] == 0 and body["composition_problems"] == []
    assert {n["name"] for n in body["negotiators"]} >= {"赵主席", "钱厂长"}
    assert all(n["member_id"] is None and n["protection_ends_on"] is None for n in body["negotiators"])
    assert [n["id"] for n in client.get(NEGOTIATIONS, headers=u01).json()["items"]] == [neg.data["id"]]
    assert client.get(f"{neg.path}/contract.docx", headers=u01).status_code == 200
    for suffix in ("/timeline", "/sessions", "/versions", "/versions/1/diff/1", "/filing-form.docx"):
        assert client.get(neg.path + suffix, headers=u01).status_code == 404, suffix
    assert client.get(neg.path, headers=u02).status_code == 404
    assert client.get(NEGOTIATIONS, headers=u02).json()["items"] == []


def test_industry_contract_covers_listed_units_only(client, world, clock, problem):
    """劳动合同法 Art 53: an industry contract of the federation binds the units it lists: members of
    a listed union see it once published, members of other unions do not; the report counts them."""
    clock.set(date(2027, 1, 4))
    u01 = member_user(world, make_member(world, "U01-B01", representative=False), "m.u01")
    u02 = member_user(world, make_member(world, "U02-B01", representative=False), "m.u02", unit="U02")
    r = client.post(
        NEGOTIATIONS,
        json={
            "org_unit_id": str(world.units["U01"].id),
            "kind": "industry",
            "title": "x",
            "employer_name": "y",
            "initiated_by": "union",
            "topics": ["pay"],
            "proposal_text": "z",
            "proposed_on": "2027-01-04",
            "coverage": [{"org_unit_id": str(world.units["U01-B01"].id), "employer_name": "y"}],
        },
        headers=world.as_role("officer", "U01"),
    )
    problem(r, 422, "negotiation_unit_kind")
    fed = propose(
        client,
        world,
        unit="ROOT",
        kind="industry",
        title="示范市机械行业集体合同",
        employer_name="示范市机械行业协会",
        coverage=[{"org_unit_id": str(world.units["U01"].id), "employer_name": "第一机械厂有限公司"}],
    )
    assert fed.data["coverage"][0]["org_unit_id"] == str(world.units["U01"].id)
    # take it to published directly in the database: its path is the one tested above
    from api.db.models import Negotiation

    with world.db.write_session() as s:
        n = s.get(Negotiation, uuid.UUID(fed.data["id"]))
        n.status, n.agreed_draft, n.term_months = "filed", None, 24
        n.filed_on, n.effective_on = date(2027, 1, 4), date(2027, 1, 19)
        n.expires_on, n.renewal_opens_on, n.published_on = (
            date(2029, 1, 18),
            date(2028, 10, 18),
            date(2027, 1, 20),
        )
        s.commit()
    clock.set(date(2027, 1, 20))
    assert client.get(fed.path, headers=u01).status_code == 200
    assert client.get(fed.path, headers=u02).status_code == 404
    assert client.get(fed.path, headers=world.as_role("officer", "U01")).status_code == 404  # not U01's own
    report = client.get(
        f"{NEGOTIATIONS}/coverage-report?unit_id={world.units['ROOT'].id}",
        headers=world.as_role("auditor", "ROOT"),
    ).json()
    industry = next(k for k in report["by_kind"] if k["kind"] == "industry")
    assert (industry["contracts"], industry["units"], industry["members"]) == (1, 1, 1)
    assert (report["units_covered"], report["members_covered"]) == (1, 1)


def test_coverage_report_of_a_federation_subtree(client, world, clock):
    """Coverage report (SQL): units and members covered by a contract in force, by kind; expiring
    contracts; overdue replies and filings; wage figures of contracts in force; JSON and XLSX."""
    from openpyxl import load_workbook

    neg = advance(client, world, clock, "published")
    clock.set(date(2027, 2, 1))
    late = propose(client, world, unit="U02", title="纺织厂集体合同", proposed_on="2027-01-05")
    clock.set(date(2027, 2, 24))
    root = world.as_role("officer", "ROOT")
    r = client.get(f"{NEGOTIATIONS}/coverage-report?unit_id={world.units['ROOT'].id}", headers=root)
    report = r.json()
    comprehensive = next(k for k in report["by_kind"] if k["kind"] == "comprehensive")
    # U01's members: the chair, two employee negotiators (and no others in this test)
    assert (comprehensive["contracts"], comprehensive["units"], comprehensive["members"]) == (1, 1, 3)
    assert [x["negotiation_id"] for x in report["overdue_replies"]] == [late.data["id"]]
    assert report["overdue_filings"] == [] and report["expiring"] == []
    assert report["wages"] == {
        "contracts": 1,
        "min_growth_bp": 500,
        "max_growth_bp": 500,
        "avg_growth_bp": 500.0,
        "min_minimum_wage_fen": 260000,
        "max_minimum_wage_fen": 260000,
    }
    u02 = client.get(f"{NEGOTIATIONS}/coverage-report?unit_id={world.units['U02'].id}", headers=root).json()
    assert u02["members_covered"] == 0 and len(u02["overdue_replies"]) == 1
    assert (
        client.get(
            f"{NEGOTIATIONS}/coverage-report?unit_id={world.units['U01'].id}",
            headers=world.as_role("officer", "U02"),
        ).status_code
        == 404
    )
    r = client.get(
        f"{NEGOTIATIONS}/coverage-report?unit_id={world.units['ROOT'].id}&format=xlsx", headers=root
    )
    book = load_workbook(BytesIO(r.content))
    assert book["覆盖情况"]["B3"].value == 3 and book["逾期未答复"]["A2"].value == "纺织厂集体合同"
    assert neg.data["status"] == "effective"
