"""The helpers every area shares have one home each (issue 10): masking, "member in scope or 422",
the Database dependency and the audit log's JSON-plain conversion."""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime
from decimal import Decimal

import pytest
from factories import make_member

from api import deps
from api.errors import RuleViolation
from api.routers import member_imports as import_router
from api.routers import member_sync as sync_router
from api.security.masking import mask_email, mask_phone
from api.services import audit, member_core, member_export
from api.services.member_imports import hr_upsert
from api.services.members import reading


@pytest.mark.parametrize(
    ("email", "masked"),
    [
        ("zhang.san@example.com", "z***@example.com"),
        ("zhangsan", "z***"),  # no "@": masked too, never shown as it is (the export's old copy showed it)
        ("@example.com", "***@example.com"),
        ("", ""),
        (None, None),
    ],
)
def test_email_masking_hides_the_local_part_even_without_an_at_sign(email, masked):
    assert mask_email(email) == masked


@pytest.mark.parametrize(
    ("phone", "masked"),
    [
        ("13812345678", "138****5678"),
        ("+8613812345678", "+86*******5678"),
        ("1234567", "*******"),
        (None, None),
    ],
)
def test_phone_masking_keeps_the_length_and_at_most_seven_characters(phone, masked):
    assert mask_phone(phone) == masked


def test_every_view_masks_with_the_same_functions():
    assert member_export.mask_email is reading.mask_email is mask_email
    assert member_export.mask_phone is reading.mask_phone is hr_upsert.mask_phone is mask_phone


def test_export_masks_an_email_without_an_at_sign(client, world, session):
    """A chair sees contact details masked in the export, including a malformed address from HR."""
    from api.db.models import Member

    member = make_member(world, "U01-B01", name="马六")
    stored = session.get(Member, member.id)
    stored.email = "maliu-at-example.com"
    session.commit()
    r = client.get("/api/v1/members/export?format=csv", headers=world.as_role("chair", "U01"))
    assert r.status_code == 200, r.text
    text = r.content.decode("utf-8-sig")
    assert "maliu-at-example.com" not in text
    assert "m***" in text


def test_referenced_member_inside_the_roots_is_returned(world, session):
    member = make_member(world, "U01-B02")
    found = member_core.referenced_member(session, member.id, [world.units["U01"].id])
    assert found.id == member.id


@pytest.mark.parametrize("roots", [["U02"], ["U01-B01"], []])
def test_referenced_member_outside_the_roots_is_a_422_on_the_field(world, session, roots):
    member = make_member(world, "U01-B02")
    with pytest.raises(RuleViolation) as caught:
        member_core.referenced_member(session, member.id, [world.units[c].id for c in roots], field="body")
    assert caught.value.code == "not_found"
    assert caught.value.field == "body"


def test_unknown_referenced_member_is_a_422(world, session):
    with pytest.raises(RuleViolation):
        member_core.referenced_member(session, uuid.uuid4(), [world.units["ROOT"].id])


def test_one_database_dependency():
    assert import_router.DatabaseDep is sync_router.DatabaseDep is deps.DatabaseDep


class _Colour(enum.Enum):
    red = "red"


def test_audit_plain_is_public_and_turns_values_into_json_data():
    uid = uuid.uuid4()
    value = {"id": uid, 1: [_Colour.red, Decimal("1.50"), date(2026, 1, 2)], "at": datetime(2026, 1, 2, 3, 4)}
    assert audit.plain(value) == {
        "id": str(uid),
        "1": ["red", "1.50", "2026-01-02"],
        "at": "2026-01-02T03:04:00",
    }
