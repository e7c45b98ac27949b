"""Issue 14 items 4 and 5: what a role without the full-ID permission sees of a member, all surfaces
together, cannot narrow the resident ID to a few candidates (个人信息保护法 Art 28, sensitive personal
information; OWASP API3:2023, broken object property level authorization), and a 409 does not leak
another union's member number."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta

from factories import resident_id
from hypothesis import given, settings
from hypothesis import strategies as st
from members.factories import payload

from api.rules.resident_id import compute_check_char, parse_resident_id

BASE = "/api/v1/members"
MIN_CANDIDATES = 30  # numbers still possible for an attacker who even knows the member's county


def candidates(area: str, seen_masked: str, seen_birth: int | date, gender: str) -> int:
    """Valid resident IDs of county ``area`` consistent with what the caller sees (the attacker's count)."""
    days = (
        [seen_birth]
        if isinstance(seen_birth, date)
        else [date(seen_birth, 1, 1) + timedelta(days=n) for n in range(366)]
    )
    tail = seen_masked[-4:]
    count = 0
    for day in days:
        if isinstance(seen_birth, int) and day.year != seen_birth:
            continue
        first17 = f"{area}{day:%Y%m%d}{tail[:3]}"
        if compute_check_char(first17) == tail[3] and parse_resident_id(first17 + tail[3]).gender == gender:
            count += 1
    return count


ids = st.builds(
    lambda area, born, seq: (lambda f: f + compute_check_char(f))(f"{area}{born:%Y%m%d}{seq:03d}"),
    st.sampled_from(["110101", "110105", "350102", "350203", "440305", "510104", "650102"]),
    st.dates(min_value=date(1940, 1, 1), max_value=date(2008, 12, 31)),
    st.integers(0, 999),
)


@settings(max_examples=200, deadline=None)
@given(ids)
def test_the_coarse_view_leaves_many_candidates_even_to_one_who_knows_the_county(value):
    from api.security.masking import mask_resident_id_view

    rid = parse_resident_id(value)
    seen = mask_resident_id_view(rid.masked, rid.birth_date, full=False)
    assert seen.birth_date is None
    count = candidates(value[:6], seen.national_id_masked, seen.birth_year, rid.gender)
    assert count >= MIN_CANDIDATES, (value, count)


def test_the_old_view_came_down_to_a_few_candidates():
    """Why: first 3 + last 4 + the full birth date left the county digits only (the issue's attack)."""
    rid = parse_resident_id(resident_id(7, region="350102"))
    assert candidates(rid.value[:6], rid.masked, rid.birth_date, rid.gender) == 1


def test_coarse_helpers():
    from api.security.masking import coarse_birth, coarse_masked

    assert coarse_masked("110***********002X") == "**************002X"
    assert coarse_birth(date(1985, 3, 15)) == 1985


def _export(client, headers) -> list[dict[str, str]]:
    r = client.get(f"{BASE}/export", headers=headers)
    assert r.status_code == 200, r.text
    return list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))


def test_roles_without_the_full_id_permission_see_the_last_4_and_the_birth_year(client, world):
    rid = resident_id(11)
    officer = world.as_role("officer", "U01")
    m = client.post(BASE, json=payload(world, national_id=rid), headers=officer).json()
    born = parse_resident_id(rid).birth_date
    for role in ("admin", "auditor", "integration"):
        headers = world.as_role(role, "U01")
        for view in (
            client.get(f"{BASE}/{m['id']}", headers=headers).json(),
            next(x for x in client.get(BASE, headers=headers).json()["items"] if x["id"] == m["id"]),
        ):
            assert view["national_id_masked"] == "*" * 14 + rid[-4:], role
            assert view["birth_date"] is None and view["birth_year"] == born.year, role
        exported = _export(client, headers)
        row = next(
            x for x in exported if x["employee_no" if "employee_no" in x else "工号"] == m["employee_no"]
        )
        assert "*" * 14 + rid[-4:] in row.values() and str(born.year) in row.values(), role
        assert born.isoformat() not in row.values(), role
        assert not re.search(r"\d{3}\*{11}", str(row)), role
    # the roles that may read the full ID anyway keep the richer view
    for role in ("chair", "officer"):
        view = client.get(f"{BASE}/{m['id']}", headers=world.as_role(role, "U01")).json()
        assert view["birth_date"] == born.isoformat() and view["national_id_masked"].startswith(rid[:3])


def test_409_for_an_id_on_record_elsewhere_does_not_name_the_member(client, world, problem):
    rid = resident_id(12)
    first = client.post(BASE, json=payload(world, national_id=rid), headers=world.as_role("officer", "U01"))
    assert first.status_code == 201
    other = world.as_role("officer", "U02")
    body = problem(
        client.post(BASE, json=payload(world, "U02-B01", national_id=rid), headers=other),
        409,
        "member_national_id_taken",
    )
    assert first.json()["member_no"] not in str(body) and "member_no" not in body
    mine = client.post(BASE, json=payload(world, "U02-B01"), headers=other)
    tag = {**other, "If-Match": mine.headers["ETag"]}
    patched = problem(
        client.patch(f"{BASE}/{mine.json()['id']}", json={"national_id": rid}, headers=tag),
        409,
        "member_national_id_taken",
    )
    assert first.json()["member_no"] not in str(patched)
