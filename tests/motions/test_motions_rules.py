"""Each motion rule of docs/rules.md §3 [L] (common practice, configurable), one test each."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from api.db.models import Member
from motions.factories import (
    CONGRESSES,
    MOTIONS,
    act,
    advance,
    draft,
    etag_of,
    make_congress,
    make_department,
    make_member,
    member_user,
    scene,
)


def _post(client, sc, suffix, headers, body=None):
    """POST to a step of ``sc``'s motion with the ETag the caller reads now (no success expected)."""
    tag = etag_of(client, sc.path, headers)
    return client.post(sc.path + suffix, json=body, headers={**headers, "If-Match": tag})


# --- deadline -----------------------------------------------------------------------------------


def test_deadline_late_motion_only_as_suggestion(client, world, clock, problem):
    """docs/rules.md §3 [L]: the motion deadline defaults to 15 days before the congress opens; late
    motions become ordinary suggestions — the submission says so, or is refused explaining why."""
    clock.set(date(2027, 2, 1))
    sc = scene(client, world, opening_on=date(2027, 3, 20))
    advance(client, world, sc, "draft")
    act(client, sc, "POST", "/cosignatures", sc.headers["c1"])
    act(client, sc, "POST", "/cosignatures", sc.headers["c2"])

    clock.set(date(2027, 3, 5))  # the deadline day itself is still on time
    tag = etag_of(client, sc.path, sc.headers["proposer"])
    clock.set(date(2027, 3, 6))
    r = client.post(f"{sc.path}/submit", json={}, headers={**sc.headers["proposer"], "If-Match": tag})
    body = problem(r, 422, "motion_deadline_passed")
    assert body["deadline"] == "2027-03-05" and body["errors"][0]["field"] == "as_suggestion"
    assert "as_suggestion" in body["detail"]

    r = act(client, sc, "POST", "/submit", sc.headers["proposer"], {"as_suggestion": True})
    assert (r.json()["kind"], r.json()["status"], r.json()["submitted_late"]) == (
        "suggestion",
        "converted",
        True,
    )


def test_deadline_day_itself_is_on_time(client, world, clock):
    """docs/rules.md §3 [L]: submissions are accepted up to and including the deadline day."""
    clock.set(date(2027, 3, 5))
    sc = scene(client, world, opening_on=date(2027, 3, 20))
    r = advance(client, world, sc, "submitted")
    assert (r["kind"], r["status"], r["submitted_late"]) == ("motion", "submitted", False)


def test_deadline_and_defaults_are_configurable(client, world, problem):
    """docs/rules.md §3 [L]: deadline, reply period and co-signer minimum are per congress, with defaults
    from configuration; a deadline after the opening is refused."""
    officer = world.as_role("officer", "U01")
    body = {
        "org_unit_id": str(world.units["U01"].id),
        "name": "第六届第一次职工代表大会",
        "opening_on": "2030-04-01",
        "motion_deadline_on": "2030-03-01",
        "reply_months": 3,
        "min_cosigners": 4,
        "satisfaction_scale": "two_level",
    }
    r = client.post(CONGRESSES, json=body, headers=officer)
    assert r.status_code == 201, r.text
    assert (r.json()["motion_deadline_on"], r.json()["reply_months"], r.json()["min_cosigners"]) == (
        "2030-03-01",
        3,
        4,
    )
    problem(
        client.post(CONGRESSES, json={**body, "motion_deadline_on": "2030-04-02"}, headers=officer),
        422,
        "congress_deadline_after_opening",
    )


def test_deadline_defaults_come_from_settings(world, session, settings):
    """docs/rules.md §3 [L]: the defaults (15 days, 2 months, 2 co-signers) are settings."""
    from api.schemas.congresses import CongressCreate
    from api.security.permissions import Role
    from api.security.principal import GrantRef, Principal
    from api.services import congresses

    chair = world.user("chair.cfg", ("chair", "U01"))
    by = Principal(
        user_id=chair.id,
        username="chair.cfg",
        kind="human",
        org_unit_id=chair.org_unit_id,
        member_id=None,
        grants=(GrantRef(Role.chair, world.units["U01"].id),),
    )
    custom = settings.model_copy(
        update={"motion_deadline_days_before": 20, "motion_reply_months": 1, "motion_min_cosigners": 5}
    )
    data = CongressCreate(org_unit_id=world.units["U01"].id, name="职代会", opening_on=date(2030, 5, 21))
    congress = congresses.create(session, data, settings=custom, by=by)
    assert (congress.motion_deadline_on, congress.reply_months, congress.min_cosigners) == (
        date(2030, 5, 1),
        1,
        5,
    )


# --- co-signer minimum --------------------------------------------------------------------------


def test_cosigner_minimum(client, world, clock, problem):
    """docs/rules.md §3 [L]: one proposer plus at least 2 co-signers; a motion without enough co-signers is a
    suggestion, not a motion."""
    sc = scene(client, world, opening_on=date(2027, 3, 20))
    draft(client, sc)
    act(client, sc, "POST", "/cosignatures", sc.headers["c1"])
    r = _post(client, sc, "/submit", sc.headers["proposer"], {})
    body = problem(r, 422, "motion_too_few_cosigners")
    assert (body["required"], body["actual"]) == (2, 1)
    r = act(client, sc, "POST", "/submit", sc.headers["proposer"], {"as_suggestion": True})
    assert (r.json()["kind"], r.json()["status"], r.json()["submitted_late"]) == (
        "suggestion",
        "converted",
        False,
    )


def test_cosigner_minimum_is_per_congress(client, world, clock):
    """docs/rules.md §3 [L]: the co-signer minimum is configurable per congress."""
    sc = scene(client, world, opening_on=date(2027, 3, 20), min_cosigners=1)
    draft(client, sc)
    act(client, sc, "POST", "/cosignatures", sc.headers["c1"])
    assert act(client, sc, "POST", "/submit", sc.headers["proposer"], {}).json()["status"] == "submitted"


# --- only representatives -----------------------------------------------------------------------


def test_only_representatives_draft_and_cosign(client, world, clock, problem):
    """docs/rules.md §3 [L]: only representatives submit or co-sign."""
    sc = scene(client, world, opening_on=date(2027, 3, 20))
    draft(client, sc)
    plain = member_user(world, make_member(world, "U01-B01", representative=False), "plain.member")
    r = client.post(
        MOTIONS,
        json={
            "congress_id": sc.congress["id"],
            "title": "t",
            "reasons": "r",
            "proposals": "p",
            "category": "other",
        },
        headers=plain,
    )
    problem(r, 403, "motion_not_representative")
    problem(client.get(sc.path, headers=plain), 404, "not_found")  # nor do they see drafts

    other_union = member_user(world, make_member(world, "U02-B01"), "u02.rep", unit="U02")
    problem(client.get(sc.path, headers=other_union), 404, "not_found")


def test_representatives_added_and_removed_per_congress(client, world, clock, problem):
    """docs/rules.md §3 [L]: a congress's representatives; officers add or remove them for that congress."""
    sc = scene(client, world, opening_on=date(2027, 3, 20))
    officer = world.as_role("officer", "U01")
    cpath = f"{CONGRESSES}/{sc.congress['id']}"
    extra = make_member(world, "U01-B02", representative=False)
    extra_headers = member_user(world, extra, "extra.member")

    r = client.post(
        f"{cpath}/representatives",
        json={"member_id": str(extra.id), "reason": "补选"},
        headers={**officer, "If-Match": etag_of(client, cpath, officer)},
    )
    assert r.status_code == 201 and r.json()["source"] == "added", r.text
    reps = client.get(f"{cpath}/representatives", headers=officer).json()["items"]
    assert {x["member_id"] for x in reps} == {str(m.id) for m in [sc.proposer, *sc.cosigners, extra]}
    draft(client, sc)
    act(client, sc, "POST", "/cosignatures", extra_headers)

    # removing the flagged co-signer c2 for this congress: they can no longer sign
    r = client.delete(
        f"{cpath}/representatives/{sc.cosigners[1].id}",
        headers={**officer, "If-Match": etag_of(client, cpath, officer)},
    )
    assert r.status_code == 204, r.text
    problem(
        client.post(f"{sc.path}/cosignatures", headers={**sc.headers["c2"], "If-Match": sc.motion["etag"]}),
        404,
        "not_found",
    )  # a draft is readable only by representatives of its congress
    problem(
        client.delete(
            f"{cpath}/representatives/{sc.cosigners[1].id}",
            headers={**officer, "If-Match": etag_of(client, cpath, officer)},
        ),
        409,
        "congress_not_representative",
    )
    # adding them back lifts the removal
    r = client.post(
        f"{cpath}/representatives",
        json={"member_id": str(sc.cosigners[1].id)},
        headers={**officer, "If-Match": etag_of(client, cpath, officer)},
    )
    assert r.status_code == 201 and r.json()["source"] == "flagged", r.text
    problem(
        client.post(
            f"{cpath}/representatives",
            json={"member_id": str(sc.cosigners[1].id)},
            headers={**officer, "If-Match": etag_of(client, cpath, officer)},
        ),
        409,
        "congress_already_representative",
    )


def test_retained_members_are_not_representatives(client, world, clock, problem):
    """docs/rules.md §1 [L]: retained members lose voting rights, so (§3) they are no representatives —
    even when flagged, and an officer cannot add them; a co-signer retained before submission no
    longer counts."""
    sc = scene(client, world, opening_on=date(2027, 3, 20))
    officer = world.as_role("officer", "U01")
    cpath = f"{CONGRESSES}/{sc.congress['id']}"
    retired = make_member(world, "U01-B01", representative=True, status="retained")
    retired_headers = member_user(world, retired, "retired.rep")

    reps = client.get(f"{cpath}/representatives", headers=officer).json()["items"]
    assert str(retired.id) not in {x["member_id"] for x in reps}
    problem(
        client.post(
            MOTIONS,
            json={
                "congress_id": sc.congress["id"],
                "title": "t",
                "reasons": "r",
                "proposals": "p",
                "category": "other",
            },
            headers=retired_headers,
        ),
        403,
        "motion_not_representative",
    )
    body = problem(
        client.post(
            f"{cpath}/representatives",
            json={"member_id": str(retired.id)},
            headers={**officer, "If-Match": etag_of(client, cpath, officer)},
        ),
        422,
        "congress_representative_not_voting",
    )
    assert body["member_status"] == "retained"

    draft(client, sc)
    act(client, sc, "POST", "/cosignatures", sc.headers["c1"])
    act(client, sc, "POST", "/cosignatures", sc.headers["c2"])
    with world.db.write_session() as s:  # c2 retires before the motion goes in
        s.execute(sa.update(Member).where(Member.id == sc.cosigners[1].id).values(status="retained"))
        s.commit()
    body = problem(_post(client, sc, "/submit", sc.headers["proposer"], {}), 422, "motion_too_few_cosigners")
    assert body["actual"] == 1


# --- self-signing only --------------------------------------------------------------------------


def test_cosigners_sign_only_for_themselves(client, world, clock, problem):
    """docs/rules.md §3 [L]: co-signers sign themselves: nobody signs for another, the proposer is not
    their own co-signer, one signature each, withdrawn only by the signer and before submission."""
    sc = scene(client, world, opening_on=date(2027, 3, 20))
    draft(client, sc)
    r = _post(client, sc, "/cosignatures", sc.headers["proposer"], {"member_id": str(sc.cosigners[0].id)})
    assert problem(r, 422, "validation_failed")["errors"][0]["code"] == "extra_forbidden"
    problem(_post(client, sc, "/cosignatures", sc.headers["proposer"]), 422, "motion_self_cosign")
    problem(
        client.post(
            f"{sc.path}/cosignatures",
            headers={**world.as_role("officer", "U01"), "If-Match": sc.motion["etag"]},
        ),
        403,
        "permission_denied",
    )

    act(client, sc, "POST", "/cosignatures", sc.headers["c1"])
    problem(_post(client, sc, "/cosignatures", sc.headers["c1"]), 409, "motion_already_cosigned")
    tag = etag_of(client, sc.path, sc.headers["c2"])
    problem(
        client.delete(f"{sc.path}/cosignatures", headers={**sc.headers["c2"], "If-Match": tag}),
        409,
        "motion_not_cosigned",
    )
    r = act(client, sc, "DELETE", "/cosignatures", sc.headers["c1"])
    assert r.json()["cosigners"] == []
    act(client, sc, "POST", "/cosignatures", sc.headers["c1"])
    act(client, sc, "POST", "/cosignatures", sc.headers["c2"])
    act(client, sc, "POST", "/submit", sc.headers["proposer"], {})
    tag = etag_of(client, sc.path, sc.headers["c1"])
    body = problem(
        client.delete(f"{sc.path}/cosignatures", headers={**sc.headers["c1"], "If-Match": tag}),
        409,
        "motion_illegal_transition",
    )
    assert body["current"] == "submitted"


def test_only_the_proposer_edits_and_submits(client, world, clock, problem):
    """docs/rules.md §3: the proposer drafts and edits while a draft; co-signers do not."""
    sc = scene(client, world, opening_on=date(2027, 3, 20))
    draft(client, sc)
    act(client, sc, "POST", "/cosignatures", sc.headers["c1"])
    tag = etag_of(client, sc.path, sc.headers["c1"])
    problem(
        client.patch(sc.path, json={"title": "改"}, headers={**sc.headers["c1"], "If-Match": tag}),
        403,
        "motion_not_proposer",
    )
    problem(
        client.post(f"{sc.path}/submit", json={}, headers={**sc.headers["c1"], "If-Match": tag}),
        403,
        "motion_not_proposer",
    )


# --- rating -------------------------------------------------------------------------------------


def test_no_double_rating(client, world, clock, problem):
    """docs/rules.md §3 [L]: the proposer and co-signers rate the reply, once per round."""
    sc = scene(client, world, opening_on=date(2027, 3, 20))
    advance(client, world, sc, "answered")
    act(client, sc, "POST", "/ratings", sc.headers["c1"], {"rating": "satisfied"})
    problem(
        _post(client, sc, "/ratings", sc.headers["c1"], {"rating": "unsatisfied"}),
        409,
        "motion_already_rated",
    )
    act(client, sc, "POST", "/ratings", sc.headers["proposer"], {"rating": "satisfied"})
    problem(
        _post(client, sc, "/ratings", sc.headers["proposer"], {"rating": "satisfied"}),
        409,
        "motion_already_rated",
    )
    # a co-signer who had not rated may still rate the closed round
    assert (
        act(client, sc, "POST", "/ratings", sc.headers["c2"], {"rating": "unsatisfied"}).json()["status"]
        == "closed"
    )
    outsider = member_user(world, make_member(world, "U01-B01"), "outsider.rep")
    problem(
        client.post(
            f"{sc.path}/ratings",
            json={"rating": "satisfied"},
            headers={**outsider, "If-Match": sc.motion["etag"]},
        ),
        404,
        "not_found",
    )


def test_rating_follows_the_congress_scale(client, world, clock, problem):
    """docs/rules.md §3: satisfied / basically satisfied / unsatisfied; a congress may use two levels."""
    sc = scene(client, world, opening_on=date(2027, 3, 20), satisfaction_scale="two_level")
    advance(client, world, sc, "answered")
    body = problem(
        _post(client, sc, "/ratings", sc.headers["proposer"], {"rating": "basically_satisfied"}),
        422,
        "motion_rating_not_on_scale",
    )
    assert body["scale"] == "two_level"


# --- merge --------------------------------------------------------------------------------------


def test_merge_moves_signatories_to_the_target(client, world, clock, problem):
    """docs/rules.md §3 [L]: merge into another motion (并案): its proposers become co-proposers of the
    target, its co-signers co-sign the target."""
    sc = scene(client, world, opening_on=date(2027, 3, 20))
    source = advance(client, world, sc, "submitted")
    q = make_member(world, "U01-B02", name="赵提案")
    c3 = make_member(world, "U01-B02", name="钱附议")
    q_headers, c3_headers = member_user(world, q, "rep.q"), member_user(world, c3, "rep.c3")
    target_sc = type(sc)(sc.congress, q, [c3], {"proposer": q_headers}, sc.lead, sc.co)
    draft(client, target_sc, title="关于高温季节调整作息时间的提案")
    act(client, target_sc, "POST", "/cosignatures", c3_headers)
    act(client, target_sc, "POST", "/cosignatures", sc.headers["c1"])  # c1 signs both
    act(client, target_sc, "POST", "/submit", q_headers, {})
    chair = world.as_role("chair", "U01")

    other_congress = make_congress(
        client, world, opening_on=date(2027, 9, 1), name="第五届第四次职工代表大会"
    )
    elsewhere = client.post(
        MOTIONS,
        headers=sc.headers["proposer"],
        json={
            "congress_id": other_congress["id"],
            "title": "另一次大会的提案",
            "reasons": "r",
            "proposals": "p",
            "category": "other",
        },
    ).json()
    body = problem(
        _post(client, sc, "/review", chair, {"decision": "merge", "merge_into_id": elsewhere["id"]}),
        422,
        "motion_merge_target_invalid",
    )
    assert body["errors"][0]["field"] == "merge_into_id"
    problem(
        _post(client, sc, "/review", chair, {"decision": "merge", "merge_into_id": source["id"]}),
        422,
        "motion_merge_target_invalid",
    )

    r = act(
        client,
        sc,
        "POST",
        "/review",
        chair,
        {"decision": "merge", "merge_into_id": target_sc.motion["id"], "reason": "同一事项"},
    )
    assert (r.json()["status"], r.json()["merged_into_id"]) == ("merged", target_sc.motion["id"])
    target = client.get(target_sc.path, headers=chair).json()
    signers = {(c["name"], c["role"]) for c in target["cosigners"]}
    assert signers == {
        ("钱附议", "cosigner"),
        ("李附议", "cosigner"),
        ("张提案", "co_proposer"),
        ("王附议", "cosigner"),
    }
    kinds = [e["kind"] for e in client.get(f"{target_sc.path}/timeline", headers=chair).json()]
    assert kinds[-1] == "merged_in"
    # the merged motion's proposer now follows the target and rates its reply
    assert client.get(target_sc.path, headers=sc.headers["proposer"]).status_code == 200


def test_decline_needs_a_reason_and_chair_does_not_review_own(client, world, clock, problem):
    """docs/rules.md §3: decline with reasons (不立案); §0: nobody approves what they drafted."""
    sc = scene(client, world, opening_on=date(2027, 3, 20))
    advance(client, world, sc, "submitted")
    chair = world.as_role("chair", "U01")
    problem(_post(client, sc, "/review", chair, {"decision": "decline"}), 422, "validation_failed")
    chair_rep = world.user("chair.rep", ("chair", "U01"), member_id=sc.cosigners[0].id)
    problem(
        _post(client, sc, "/review", world.headers(chair_rep), {"decision": "register"}),
        403,
        "motion_review_own",
    )
    r = act(client, sc, "POST", "/review", chair, {"decision": "decline", "reason": "不属于职代会职权范围"})
    assert (r.json()["status"], r.json()["decision_reason"]) == ("declined", "不属于职代会职权范围")


# --- handler scope ------------------------------------------------------------------------------


def test_handler_scope(client, world, clock, problem):
    """docs/rules.md §0/§3: handlers see only motions assigned to their departments; only a handler of the
    lead department replies."""
    sc = scene(client, world, opening_on=date(2027, 3, 20))
    make_department(client, world, "财务部", handlers=("hdl.finance",))
    advance(client, world, sc, "assigned")
    lead, co, finance = world.headers("hdl.lead"), world.headers("hdl.co"), world.headers("hdl.finance")

    assert [m["id"] for m in client.get(MOTIONS, headers=lead).json()["items"]] == [sc.motion["id"]]
    assert [m["id"] for m in client.get(MOTIONS, headers=co).json()["items"]] == [sc.motion["id"]]
    assert client.get(MOTIONS, headers=finance).json()["items"] == []
    problem(client.get(sc.path, headers=finance), 404, "not_found")

    problem(
        _post(client, sc, "/reply", co, {"text": "配合办理。", "outcome_class": "B"}),
        403,
        "motion_not_lead_handler",
    )
    # a handler grant elsewhere does not help: attached, but their handler grant is at U02
    world.user("hdl.u02", ("handler", "U02"))
    from motions.factories import attach

    attach(world, sc.lead["id"], "hdl.u02")
    problem(client.get(sc.path, headers=world.headers("hdl.u02")), 404, "not_found")
    act(client, sc, "POST", "/reply", lead, {"text": "已办理。", "outcome_class": "A"})


def test_assign_checks_departments_and_due_date(client, world, clock, problem):
    """docs/rules.md §3: a lead department and co-handlers of the congress's union; due date default from
    the reply period, never in the past."""
    sc = scene(client, world, opening_on=date(2027, 3, 20))
    advance(client, world, sc, "registered")
    officer = world.as_role("officer", "U01")
    foreign = make_department(client, world, "纺织厂后勤部", unit="U02")
    body = problem(
        _post(client, sc, "/assign", officer, {"lead_department_id": foreign["id"]}),
        422,
        "motion_department_invalid",
    )
    assert body["errors"][0]["field"] == "lead_department_id"
    problem(
        _post(client, sc, "/assign", officer, {"lead_department_id": sc.lead["id"], "due_on": "2027-01-01"}),
        422,
        "motion_due_in_past",
    )
    problem(
        _post(
            client,
            sc,
            "/assign",
            officer,
            {"lead_department_id": sc.lead["id"], "co_department_ids": [sc.lead["id"]]},
        ),
        422,
        "validation_failed",
    )
    r = act(
        client, sc, "POST", "/assign", officer, {"lead_department_id": sc.lead["id"], "due_on": "2027-02-20"}
    )
    assert r.json()["due_on"] == "2027-02-20"


# --- who sees what ------------------------------------------------------------------------------


def test_members_see_registered_motions_of_their_congress_once_opened(client, world, clock):
    """Issue 4: members see their own and co-signed motions, and every registered motion of their
    congresses once the congress opens; drafts stay with their proposer and co-signers."""
    clock.set(date(2027, 2, 1))
    sc = scene(client, world, opening_on=date(2027, 3, 20))
    advance(client, world, sc, "registered")
    colleague = member_user(world, make_member(world, "U01-B02", representative=False), "colleague")
    mine = draft(
        client, type(sc)(sc.congress, sc.cosigners[0], [], {"proposer": sc.headers["c1"]}, sc.lead, sc.co)
    )

    assert client.get(MOTIONS, headers=colleague).json()["items"] == []
    ids = [m["id"] for m in client.get(MOTIONS, headers=sc.headers["c1"]).json()["items"]]
    assert sorted(ids) == sorted([sc.motion["id"], mine["id"]])

    clock.set(date(2027, 3, 20))
    ids = [m["id"] for m in client.get(MOTIONS, headers=colleague).json()["items"]]
    assert ids == [sc.motion["id"]]
    officer_ids = [
        m["id"] for m in client.get(MOTIONS, headers=world.as_role("officer", "U01")).json()["items"]
    ]
    assert officer_ids == [sc.motion["id"]]  # others' drafts are not listed for officers either
    assert client.get(MOTIONS, headers=world.as_role("officer", "U02")).json()["items"] == []


def test_list_filters_and_pages(client, world, clock):
    """Lists filter by congress, status, category, department, proposer, overdue and text, on keyset pages."""
    sc = scene(client, world, opening_on=date(2027, 3, 20))
    first = advance(client, world, sc, "assigned")
    second = advance(client, world, sc, "submitted")
    officer = world.as_role("officer", "U01")

    def ids(**params):
        return [m["id"] for m in client.get(MOTIONS, params=params, headers=officer).json()["items"]]

    assert ids(status="assigned") == [first["id"]]
    assert ids(department_id=sc.co["id"]) == [first["id"]]
    assert ids(congress_id=sc.congress["id"], category="safety") == [first["id"], second["id"]]
    assert ids(proposer_member_id=str(sc.proposer.id), q="防暑") == [first["id"], second["id"]]
    assert ids(q="不存在的词") == []
    assert ids(overdue="true") == []
    page = client.get(MOTIONS, params={"limit": 1}, headers=officer).json()
    assert [m["id"] for m in page["items"]] == [first["id"]]
    page2 = client.get(MOTIONS, params={"limit": 1, "cursor": page["next_cursor"]}, headers=officer).json()
    assert [m["id"] for m in page2["items"]] == [second["id"]] and page2["next_cursor"] is None
    clock.set(date(2027, 6, 1))
    assert ids(overdue="true") == [first["id"]]
    assert ids(overdue="false") == [second["id"]]
