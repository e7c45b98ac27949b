"""The read paths serialise member views straight from plain values (api.services.members.reading,
view_values; docs/benchmarks.md §6): their bytes must be exactly what the response models give."""

from __future__ import annotations

import pytest
from pydantic import TypeAdapter

from api.schemas.members import MemberPage, MemberView

BASE = "/api/v1/members"
VIEW = TypeAdapter(MemberView)


def _roles(world):
    return {
        "officer": world.as_role("officer", "U01"),  # full view, contact and wage shown, full resident ID
        "auditor": world.as_role("auditor", "ROOT"),  # full view, contact masked, last 4 of the ID
        "treasurer": world.as_role("treasurer", "U01"),  # names only, with the wage
    }


@pytest.mark.parametrize("role", ["officer", "auditor", "treasurer"])
def test_by_id_bytes_are_the_models_serialisation(client, world, new_member, role):
    member = new_member(tags=["女职工", "劳模"], email="zhang.san@example.com")
    r = client.get(f"{BASE}/{member['id']}", headers=_roles(world)[role])
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/json"
    assert r.headers["ETag"] == f'"{member["version"]}"'
    view = VIEW.validate_json(r.content)
    assert VIEW.dump_json(view) == r.content
    assert view.view == ("names" if role == "treasurer" else "full")


@pytest.mark.parametrize("role", ["officer", "auditor", "treasurer"])
def test_page_bytes_are_the_models_serialisation(client, world, new_member, role):
    new_member(tags=["劳模"])
    new_member(email="li.si@example.com")
    new_member(unit="U01-B02")
    r = client.get(f"{BASE}?limit=2", headers=_roles(world)[role])
    assert r.status_code == 200, r.text
    page = MemberPage.model_validate_json(r.content)
    assert page.model_dump_json().encode() == r.content
    assert len(page.items) == 2 and page.next_cursor
    rest = MemberPage.model_validate_json(
        client.get(f"{BASE}?limit=2&cursor={page.next_cursor}", headers=_roles(world)[role]).content
    )
    assert rest.next_cursor is None and len(rest.items) == 1


def test_masking_on_the_fast_path(client, world, new_member):
    member = new_member(phone="13812345678", email="zhang.san@example.com")
    seen = client.get(f"{BASE}/{member['id']}", headers=_roles(world)["auditor"]).json()
    assert seen["phone"] == "138****5678" and seen["email"] == "z***@example.com"
    assert seen["contact_masked"] is True and seen["birth_date"] is None
    assert seen["national_id_masked"].startswith("*") and "monthly_wage_fen" in seen
    assert seen["monthly_wage_fen"] is None
    officer = client.get(f"{BASE}/{member['id']}", headers=_roles(world)["officer"]).json()
    assert officer["phone"] == "13812345678" and officer["monthly_wage_fen"] == 650000


def test_view_values_follow_the_models_field_order():
    """The plain views are serialised in their keys' order: it must be the models' (tags, masking and
    visibility do not change which keys there are)."""
    import uuid
    from datetime import UTC, date, datetime

    from api.schemas.members import MemberNameOut, MemberOut
    from api.services.members.reading import Visibility, view_values

    unit = uuid.uuid4()
    columns = {name: None for name in MemberOut.model_fields} | {
        "org_unit_id": unit,
        "national_id_masked": "110***********002X",
        "birth_date": date(1990, 1, 2),
        "created_at": datetime.now(UTC),
    }
    full = Visibility(full=frozenset({unit}), contact=frozenset(), wage=frozenset())
    names = Visibility(full=frozenset(), contact=frozenset(), wage=frozenset())
    assert list(view_values(columns, [], full)) == list(MemberOut.model_fields)
    assert list(view_values(columns, [], names)) == list(MemberNameOut.model_fields)
