"""The one set of member factories every test area uses (plain functions, no fixtures).

* :func:`resident_id` — a valid GB 11643 resident ID number (check digit from api.rules.resident_id);
* :func:`make_member` — a member record written straight to the database (for areas that need members
  as a precondition: transfers, dues, congresses and motions);
* :func:`add_event`, :func:`link_account`, :func:`link_member_user` — history and member accounts.

Members created through the API (to test the members area itself) are in tests/members/factories.py,
which builds its request bodies with :func:`resident_id`. Sample HR files are in tests/samples.py.
"""

from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from api.db.models import Member, MemberEvent, User
from api.rules.resident_id import compute_check_char, parse_resident_id
from api.security.pii import PiiVault
from api.services import member_core

_seq = itertools.count(1)


def resident_id(
    n: int | None = None,
    *,
    gender: str = "male",
    birth: date | str | None = None,
    region: str = "110101",
) -> str:
    """A valid resident ID number, a different one for each ``n`` (a fresh one when ``n`` is None).

    The 17th digit is odd for men and even for women (GB 11643); ``birth`` is a date or ``YYYYMMDD``.
    Without ``birth``, numbers 0-499 are born 1960-01-01, the next 500 a day later, and so on.
    """
    n = next(_seq) if n is None else n
    if birth is None:
        birth = date(1960, 1, 1) + timedelta(days=n // 500)
    born = birth if isinstance(birth, str) else f"{birth:%Y%m%d}"
    datetime.strptime(born, "%Y%m%d")  # a real calendar date, or the number would not parse
    first17 = f"{region}{born}{n % 500 * 2 + (1 if gender == 'male' else 0):03d}"
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
    representative: bool = False,
) -> Member:
    """A member of ``unit`` written directly (not through the API), detached from its session."""
    n = next(_seq)
    org_unit = world.units[unit]
    rid = parse_resident_id(resident_id(n, gender=gender, birth=birth))
    protected = member_core.protect_national_id(PiiVault.from_settings(world.settings), rid)
    with world.db.write_session() as s:
        union = member_core.grassroots_of(s, org_unit.id)
        member = Member(
            member_no=member_core.allocate_member_numbers(s, union)[0],
            employee_no=employee_no or f"E{n:06d}",
            org_unit_id=org_unit.id,
            grassroots_unit_id=union.id,
            name=name or f"会员{n}",
            gender=rid.gender,
            birth_date=rid.birth_date,
            national_id_cipher=protected.cipher,
            national_id_hmac=protected.hmac,
            national_id_masked=protected.masked,
            phone=phone,
            join_date=join_date,
            status=status,
            monthly_wage_fen=wage_fen,
            is_representative=representative,
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


def link_member_user(world: Any, username: str, member_id: Any, unit: str = "U01") -> dict[str, str]:
    """Make ``username`` (role ``member`` at ``unit``) the account of member ``member_id``; its headers.

    An existing user is re-linked, so ``member.u01`` makes ``world.as_role("member", "U01")`` act as
    this member (the permission-matrix recipes rely on that)."""
    import uuid

    member_id = member_id if isinstance(member_id, uuid.UUID) else uuid.UUID(str(member_id))
    if username in world.users:
        with world.db.write_session() as s:
            s.execute(sa.update(User).where(User.id == world.users[username].id).values(member_id=member_id))
            s.commit()
    else:
        world.user(username, ("member", unit), member_id=member_id)
    return world.headers(username)


def link_account(world: Any, member: Member, username: str | None = None) -> dict[str, str]:
    """Headers of a member account (role ``member`` at the member's own unit) linked to ``member``."""
    username = username or f"member.{member.id.hex[:8]}"
    unit_code = next(code for code, unit in world.units.items() if unit.id == member.org_unit_id)
    return link_member_user(world, username, member.id, unit_code)
