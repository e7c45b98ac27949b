"""A small factory for member rows, inserted directly through the ORM (transfers and dues tests).

IDs are valid GB 11643 numbers (check character computed), protected the way the service stores
them (encrypted + HMAC + mask); member numbers come from the union's counter.
"""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa

from api.db.models import Member, MemberEvent, User
from api.rules.resident_id import compute_check_char, parse_resident_id
from api.security.pii import PiiVault
from api.services import member_core

_counter = itertools.count(1)


def resident_id(birth: date | None = None, gender: str = "male") -> str:
    """A fresh valid resident ID number; the 17th digit is odd for men and even for women."""
    n = next(_counter)
    birth = birth or date(1980, 1, 1) + timedelta(days=n // 500)
    seq = (n % 500) * 2 + (1 if gender == "male" else 0)
    first17 = f"110101{birth:%Y%m%d}{seq:03d}"
    return first17 + compute_check_char(first17)


def make_member(
    world: Any,
    unit: str = "U01-B01",
    *,
    name: str | None = None,
    employee_no: str | None = None,
    status: str = "active",
    join_date: date | None = date(2020, 1, 15),
    wage_fen: int | None = 800_000,
    gender: str = "male",
    birth: date | None = None,
    phone: str | None = "13800138000",
) -> Member:
    org_unit = world.units[unit]
    rid = parse_resident_id(resident_id(birth, gender))
    vault = PiiVault.from_settings(world.settings)
    protected = member_core.protect_national_id(vault, rid)
    with world.db.write_session() as s:
        union = member_core.grassroots_of(s, org_unit.id)
        member = Member(
            member_no=member_core.allocate_member_numbers(s, union)[0],
            employee_no=employee_no or f"E{next(_counter):06d}",
            org_unit_id=org_unit.id,
            grassroots_unit_id=union.id,
            name=name or f"会员{next(_counter)}",
            gender=rid.gender,
            birth_date=rid.birth_date,
            national_id_cipher=protected.cipher,
            national_id_hmac=protected.hmac,
            national_id_masked=protected.masked,
            phone=phone,
            join_date=join_date,
            status=status,
            monthly_wage_fen=wage_fen,
        )
        s.add(member)
        s.commit()
        s.refresh(member)
        s.expunge(member)
    return member


def add_event(
    world: Any, member: Member, kind: str, from_status: str | None, to_status: str, on: date
) -> None:
    """Record a past lifecycle step and set the member's current status to its target."""
    with world.db.write_session() as s:
        s.add(
            MemberEvent(
                member_id=member.id,
                kind=kind,
                from_status=from_status,
                to_status=to_status,
                effective_on=on,
                org_unit_id=member.org_unit_id,
            )
        )
        s.execute(
            sa.update(Member)
            .where(Member.id == member.id)
            .values(status=to_status, status_changed_on=on, version=Member.version + 1)
        )
        s.commit()


def link_account(world: Any, member: Member, username: str | None = None) -> dict[str, str]:
    """Headers of a member account (role ``member`` at the member's unit) linked to ``member``."""
    username = username or f"member.{member.id.hex[:8]}"
    unit_code = next(code for code, unit in world.units.items() if unit.id == member.org_unit_id)
    user: User = world.user(username, ("member", unit_code), member_id=member.id)
    return world.headers(user)


def link_cached_member_role(world: Any, member: Member, unit_code: str) -> None:
    """Make ``world.as_role("member", unit_code)`` act as ``member`` (permission-matrix recipes)."""
    name = f"member.{unit_code.lower()}"
    if name not in world.users:
        world.user(name, ("member", unit_code), member_id=member.id)
        return
    with world.db.write_session() as s:
        s.execute(sa.update(User).where(User.id == world.users[name].id).values(member_id=member.id))
        s.commit()
