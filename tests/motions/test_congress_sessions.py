"""Congress sessions (docs/rules.md §3): 第N届第M次 with its dates, the presidium elected from the
representatives, and the motion committee's disputed decisions going to the presidium."""

from __future__ import annotations

from datetime import date

from motions.factories import CONGRESSES, MOTIONS, act, draft, etag_of, make_congress, make_member, scene


def test_session_number_and_dates(client, world, problem):
    """A congress session is 第N届第M次 with an opening and a closing date."""
    c = make_congress(
        client, world, term_no=5, session_no=3, opening_on=date(2027, 3, 20), closing_on="2027-03-21"
    )
    assert (c["term_no"], c["session_no"], c["closing_on"]) == (5, 3, "2027-03-21")
    r = client.post(
        CONGRESSES,
        json={
            "org_unit_id": str(world.units["U01"].id),
            "name": "第五届第四次职工代表大会",
            "opening_on": "2028-03-20",
            "closing_on": "2028-03-19",
        },
        headers=world.as_role("officer", "U01"),
    )
    problem(r, 422, "congress_closing_before_opening")


def test_presidium_is_elected_from_the_representatives(client, world, problem):
    c = make_congress(client, world)
    path = f"{CONGRESSES}/{c['id']}"
    officer = world.as_role("officer", "U01")
    rep = make_member(world, "U01-B01", name="主席团甲")
    outsider = make_member(world, "U01-B01", representative=False)
    r = client.put(
        f"{path}/presidium",
        json={"member_ids": [str(rep.id), str(outsider.id)]},
        headers={**officer, "If-Match": etag_of(client, path, officer)},
    )
    problem(r, 422, "congress_presidium_not_representative")
    tag = etag_of(client, path, officer)
    r = client.put(
        f"{path}/presidium", json={"member_ids": [str(rep.id)]}, headers={**officer, "If-Match": tag}
    )
    assert r.status_code == 200, r.text
    assert r.json()["next_cursor"] is None
    assert [m["name"] for m in r.json()["items"]] == ["主席团甲"] and r.headers["ETag"] != tag
    listed = client.get(f"{path}/presidium", headers=world.as_role("auditor", "U01")).json()
    assert [m["member_id"] for m in listed["items"]] == [str(rep.id)]


def test_disputed_motions_go_to_the_presidium(client, world, clock, problem):
    """docs/rules.md §3: the motion committee's disputed decisions go to the presidium, which decides; its
    decision names its meeting."""
    clock.set(date(2027, 2, 1))
    sc = scene(client, world, opening_on=date(2027, 3, 20))
    chair = world.as_role("chair", "U01")
    draft(client, sc)
    act(client, sc, "POST", "/cosignatures", sc.headers["c1"])
    act(client, sc, "POST", "/cosignatures", sc.headers["c2"])
    act(client, sc, "POST", "/submit", sc.headers["proposer"], {})
    problem(
        act(client, sc, "POST", "/review", chair, {"decision": "refer"}, expect=422), 422, "validation_failed"
    )
    problem(
        act(
            client,
            sc,
            "POST",
            "/review",
            chair,
            {"decision": "register", "presidium_meeting_on": "2027-01-30"},
            expect=422,
        ),
        422,
        "motion_presidium_meeting_unexpected",
    )
    r = act(client, sc, "POST", "/review", chair, {"decision": "refer", "reason": "委员会对是否立案意见分歧"})
    assert r.json()["status"] == "referred"
    problem(
        act(client, sc, "POST", "/review", chair, {"decision": "refer", "reason": "x"}, expect=409),
        409,
        "motion_already_referred",
    )
    problem(
        act(client, sc, "POST", "/review", chair, {"decision": "register"}, expect=422),
        422,
        "motion_presidium_meeting_required",
    )
    r = act(
        client, sc, "POST", "/review", chair, {"decision": "register", "presidium_meeting_on": "2026-11-20"}
    )
    assert r.json()["status"] == "registered"
    last = client.get(f"{MOTIONS}/{sc.motion['id']}/timeline", headers=chair).json()["items"][-1]
    assert last["details"]["decided_by"] == "presidium"
    assert last["details"]["presidium_meeting_on"] == "2026-11-20"


def test_motion_categories_are_configuration(client, world, clock, problem, monkeypatch):
    """docs/rules.md §3 [L]: the categories are the union's data (GONGHUI_MOTION_CATEGORIES), not code."""
    from api.services.motions import categories as motion_categories

    clock.set(date(2027, 2, 1))
    sc = scene(client, world, opening_on=date(2027, 3, 20))
    problem(
        client.post(
            MOTIONS,
            json={
                "congress_id": sc.congress["id"],
                "title": "关于职工书屋的提案",
                "reasons": "理由",
                "proposals": "建议",
                "category": "culture",
            },
            headers=sc.headers["proposer"],
        ),
        422,
        "motion_category_unknown",
    )
    monkeypatch.setattr(motion_categories, "_categories", (*motion_categories.current(), "culture"))
    assert draft(client, sc, category="culture")["category"] == "culture"
    listed = client.get(MOTIONS, params={"category": "culture"}, headers=sc.headers["proposer"]).json()
    assert [m["id"] for m in listed["items"]] == [sc.motion["id"]]
