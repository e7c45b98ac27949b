"""A realistic demo for ``gonghui seed-demo`` (development only: it prints demo passwords).

A city federation (示范市总工会) with two grassroots unions — a machinery factory and a textile mill,
each with its employer's unified social credit code — their branch unions and union groups; an account
for every role; and a few hundred members with valid resident ID numbers (GB 11643 check digit), birth
dates and genders that agree with them, join dates, wages in fen, representatives and tags.

Everything is generated from a fixed seed, so two demo databases look the same. Running it again is
refused (the demo federation's code is taken).
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import date, timedelta

from sqlmodel import Session, col, func, select

from api.config import get_settings
from api.db.models import Grant, Member, MemberEvent, MemberTag, OrgUnit, User
from api.db.session import Database, make_engine
from api.i18n import Message, _, _n, join, translate
from api.rules.resident_id import compute_check_char, parse_resident_id
from api.rules.uscc import compute_uscc_check_char
from api.schemas.members import MemberEventKind
from api.schemas.users import UserKind
from api.security.permissions import Role
from api.security.pii import PiiVault
from api.services import audit, changes, org_units, users
from api.services.member_core import allocate_member_numbers, grassroots_of, protect_national_id

DEMO_ROOT_CODE = "DEMO"
DEMO_PASSWORD = "Gonghui-demo-2026"
SEED = 20261121
ACTOR = "seed-demo"


def _uscc(first17: str) -> str:
    return first17 + compute_uscc_check_char(first17)


@dataclass(frozen=True)
class UnitSpec:
    code: str
    name: str
    kind: str
    parent: str | None
    uscc: str | None = None


UNITS: list[UnitSpec] = [
    UnitSpec(DEMO_ROOT_CODE, "示范市总工会", "federation", None),
    # a machinery factory
    UnitSpec(
        "DEMO-JX", "示范市第一机械厂工会委员会", "grassroots", DEMO_ROOT_CODE, _uscc("91350100MA31JX0K7")
    ),
    UnitSpec("DEMO-JX-B01", "金工车间分工会", "branch", "DEMO-JX"),
    UnitSpec("DEMO-JX-B01-G1", "车工班工会小组", "group", "DEMO-JX-B01"),
    UnitSpec("DEMO-JX-B01-G2", "铣工班工会小组", "group", "DEMO-JX-B01"),
    UnitSpec("DEMO-JX-B02", "装配车间分工会", "branch", "DEMO-JX"),
    UnitSpec("DEMO-JX-B02-G1", "总装一班工会小组", "group", "DEMO-JX-B02"),
    UnitSpec("DEMO-JX-B03", "机关分工会", "branch", "DEMO-JX"),
    # a textile mill
    UnitSpec(
        "DEMO-FZ", "示范市第二纺织厂工会委员会", "grassroots", DEMO_ROOT_CODE, _uscc("91350100MA32FT0N2")
    ),
    UnitSpec("DEMO-FZ-B01", "纺纱车间分工会", "branch", "DEMO-FZ"),
    UnitSpec("DEMO-FZ-B01-G1", "细纱甲班工会小组", "group", "DEMO-FZ-B01"),
    UnitSpec("DEMO-FZ-B01-G2", "细纱乙班工会小组", "group", "DEMO-FZ-B01"),
    UnitSpec("DEMO-FZ-B02", "织布车间分工会", "branch", "DEMO-FZ"),
    UnitSpec("DEMO-FZ-B02-G1", "喷气织机班工会小组", "group", "DEMO-FZ-B02"),
    UnitSpec("DEMO-FZ-B03", "后勤分工会", "branch", "DEMO-FZ"),
]


@dataclass(frozen=True)
class AccountSpec:
    username: str
    display_name: str
    role: Role
    unit: str


ACCOUNTS: list[AccountSpec] = [
    AccountSpec("demo.admin", "系统管理员", Role.admin, DEMO_ROOT_CODE),
    AccountSpec("demo.auditor", "市总经审委员", Role.auditor, DEMO_ROOT_CODE),
    AccountSpec("jx.chair", "机械厂工会主席 陈建国", Role.chair, "DEMO-JX"),
    AccountSpec("jx.officer", "机械厂工会干事 林秀英", Role.officer, "DEMO-JX"),
    AccountSpec("jx.treasurer", "机械厂工会会计 郑海燕", Role.treasurer, "DEMO-JX"),
    AccountSpec("jx.handler", "机械厂生产部 黄志强", Role.handler, "DEMO-JX"),
    AccountSpec("fz.chair", "纺织厂工会主席 王丽华", Role.chair, "DEMO-FZ"),
    AccountSpec("fz.officer", "纺织厂工会干事 吴晓梅", Role.officer, "DEMO-FZ"),
    AccountSpec("fz.treasurer", "纺织厂工会会计 张淑芬", Role.treasurer, "DEMO-FZ"),
]
MEMBER_ACCOUNT = "jx.member"  # linked to a member record (a representative) of the machinery factory
SERVICE_ACCOUNT = "jx.hr-sync"  # the factory's HR system, client-credentials grant

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢"
    "姜崔钟谭陆汪范金石廖贾夏韦方白邹孟熊秦邱江尹薛段雷侯龙陶黎贺顾毛郝龚邵万严武戴孔汤"
)
MALE_GIVEN = "伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宇浩凯健俊帆建国志新海峰亮东文林"
FEMALE_GIVEN = "芳娜敏静丽艳娟霞秀英桂兰玲萍红梅琳燕雪慧颖婷倩莉丹洁佳琴云凤"
#: address codes (GB/T 2260) of the city and its counties, and of provinces migrant workers come from
LOCAL_REGIONS = ("350102", "350103", "350104", "350111", "350121", "350181", "350182")
MIGRANT_REGIONS = ("360121", "362322", "430521", "431121", "510722", "511621", "412722", "522121", "452123")

#: (grassroots code, share of members, share of women, branch and group codes members are placed in)
UNIONS = (
    (
        "DEMO-JX",
        0.55,
        0.2,
        ("DEMO-JX-B01-G1", "DEMO-JX-B01-G2", "DEMO-JX-B02", "DEMO-JX-B02-G1", "DEMO-JX-B03"),
    ),
    (
        "DEMO-FZ",
        0.45,
        0.75,
        ("DEMO-FZ-B01-G1", "DEMO-FZ-B01-G2", "DEMO-FZ-B02", "DEMO-FZ-B02-G1", "DEMO-FZ-B03"),
    ),
)


class NotEmpty(Exception):
    """The database holds real data: the demo (with its published password) is not added to it."""

    def __init__(self, members: int, units: int, accounts: int):
        self.members, self.units, self.accounts = members, units, accounts
        super().__init__(self.render("en"))

    def render(self, lang: str) -> str:
        """What the database holds, in ``lang``."""
        counts = [
            translate(_n("{n} member", "{n} members", "n"), lang, {"n": self.members}),
            translate(_n("{n} org unit", "{n} org units", "n"), lang, {"n": self.units}),
            translate(_n("{n} user", "{n} users", "n"), lang, {"n": self.accounts}),
        ]
        return join(counts, lang)


def _in_use(session: Session) -> tuple[int, int, int] | None:
    """Why the database is not empty, or None. Empty: no member, at most one org unit and one user (what
    ``gonghui bootstrap`` makes, so that its first admin sees the demo)."""
    members = session.exec(select(func.count()).select_from(Member)).one()
    units = session.exec(select(func.count()).select_from(OrgUnit)).one()
    accounts = session.exec(select(func.count()).select_from(User)).one()
    if members or units > 1 or accounts > 1:
        return members, units, accounts
    return None


def seed(database_url: str, members: int = 300, lang: str = "en") -> list[str]:
    """Create the demo in the (migrated) database; returns the lines to print (in ``lang``). Raises
    :class:`NotEmpty` on a database in use (demo accounts share one published password)."""
    db = Database(make_engine(database_url))
    try:
        with db.write_session() as session:
            if org_units.get_by_code(session, DEMO_ROOT_CODE) is not None:
                exists = _("The demo exists already (org unit {code}); nothing was changed.")
                return [translate(exists, lang, {"code": DEMO_ROOT_CODE})]
            in_use = _in_use(session)
            if in_use:
                raise NotEmpty(*in_use)
            units = _units(session)
            accounts, secret = _accounts(session, units)
            counts = _members(session, units, members, accounts)
            session.commit()
    finally:
        db.engine.dispose()
    return _report(units, counts, secret, lang)


def _units(session: Session) -> dict[str, OrgUnit]:
    """The demo tree. On a database that already has a top unit (e.g. the one ``bootstrap`` made), the demo
    federation is set up under it, so that unit's admin sees the demo too."""
    top = session.exec(
        select(OrgUnit).where(col(OrgUnit.parent_id).is_(None)).order_by(col(OrgUnit.created_at))
    ).first()
    units: dict[str, OrgUnit] = {}
    for spec in UNITS:
        parent = units[spec.parent] if spec.parent else top
        unit = OrgUnit(
            code=spec.code,
            name=spec.name,
            kind=spec.kind,
            parent_id=parent.id if parent else None,
            depth=parent.depth + 1 if parent else 0,
            uscc=spec.uscc,
        )
        org_units.insert_unit(session, unit, parent)
        audit.record(
            session,
            None,
            "org_unit.created",
            actor_label=ACTOR,
            entity_type="org_unit",
            entity_id=unit.id,
            org_unit_id=unit.id,
            changes=audit.created(audit.snapshot(unit, org_units.AUDITED_FIELDS)),
        )
        units[spec.code] = unit
    return units


def _grant(session: Session, user_id: uuid.UUID, role: Role, unit: OrgUnit) -> None:
    grant = Grant(user_id=user_id, role=role.value, org_unit_id=unit.id)
    session.add(grant)
    session.flush()
    audit.record(
        session,
        None,
        "grant.added",
        actor_label=ACTOR,
        entity_type="user",
        entity_id=user_id,
        org_unit_id=unit.id,
        changes={"after": {"grant_id": str(grant.id), "role": role.value, "org_unit_id": str(unit.id)}},
    )


def _accounts(session: Session, units: dict[str, OrgUnit]) -> tuple[dict[str, uuid.UUID], str]:
    ids: dict[str, uuid.UUID] = {}
    for spec in ACCOUNTS:
        user, _ = users.create_user(
            session,
            username=spec.username,
            display_name=spec.display_name,
            org_unit_id=units[spec.unit].id,
            password=DEMO_PASSWORD,
            by=None,
        )
        _grant(session, user.id, spec.role, units[spec.unit])
        ids[spec.username] = user.id
    member_user, _ = users.create_user(
        session,
        username=MEMBER_ACCOUNT,
        display_name="机械厂会员代表",
        org_unit_id=units["DEMO-JX-B01-G1"].id,
        password=DEMO_PASSWORD,
        by=None,
    )
    _grant(session, member_user.id, Role.member, units["DEMO-JX-B01-G1"])
    ids[MEMBER_ACCOUNT] = member_user.id
    service, secret = users.create_user(
        session,
        username=SERVICE_ACCOUNT,
        display_name="机械厂人事系统",
        org_unit_id=units["DEMO-JX"].id,
        kind=UserKind.service,
        by=None,
    )
    _grant(session, service.id, Role.integration, units["DEMO-JX"])
    ids[SERVICE_ACCOUNT] = service.id
    assert secret is not None
    return ids, secret


@dataclass
class Person:
    name: str
    national_id: str
    gender: str
    birth_date: date
    migrant: bool


def _person(rng: random.Random, women_share: float, taken: set[str], today: date) -> Person:
    female = rng.random() < women_share
    migrant = rng.random() < 0.2
    while True:
        region = rng.choice(MIGRANT_REGIONS if migrant else LOCAL_REGIONS)
        birth = date(1966, 1, 1) + timedelta(days=rng.randrange((date(2003, 12, 31) - date(1966, 1, 1)).days))
        sequence = rng.randrange(0, 500) * 2 + (0 if female else 1)  # 17th digit: odd for men (GB 11643 §5.3)
        first17 = f"{region}{birth:%Y%m%d}{sequence:03d}"
        number = first17 + compute_check_char(first17)
        if number not in taken:
            taken.add(number)
            break
    rid = parse_resident_id(
        number, today=today
    )  # the generator and the validator agree, or this fails loudly
    given = "".join(rng.choice(FEMALE_GIVEN if female else MALE_GIVEN) for _ in range(rng.choice((1, 2, 2))))
    return Person(
        name=rng.choice(SURNAMES) + given,
        national_id=number,
        gender=rid.gender,
        birth_date=rid.birth_date,
        migrant=migrant,
    )


def _members(
    session: Session, units: dict[str, OrgUnit], total: int, accounts: dict[str, uuid.UUID]
) -> dict[str, int]:
    """Members inserted directly (no HTTP), with the same protections the members service applies."""
    rng = random.Random(SEED)
    vault = PiiVault.from_settings(get_settings())
    today = date.today()
    taken: set[str] = set()
    counts: dict[str, int] = {}
    remaining = total
    for index, (code, share, women_share, placements) in enumerate(UNIONS):
        count = remaining if index == len(UNIONS) - 1 else round(total * share)
        remaining -= count
        counts[code] = count
        if count <= 0:
            continue
        grassroots = grassroots_of(session, units[code].id)
        numbers = allocate_member_numbers(session, grassroots, count)
        prefix = code.removeprefix("DEMO-")
        for n, member_no in enumerate(numbers, 1):
            person = _person(rng, women_share, taken, today)
            unit = units[placements[n % len(placements)]]
            applied = rng.random() < 0.03
            adult = date(person.birth_date.year + 18, 9, 1)
            earliest = max(adult, date(2001, 1, 1))
            join_date = (
                None
                if applied
                else earliest + timedelta(days=rng.randrange(max(1, (today - earliest).days - 30)))
            )
            wage_yuan = (
                rng.randrange(4200, 16000, 10) if code == "DEMO-JX" else rng.randrange(3800, 11000, 10)
            )
            representative = not applied and rng.random() < 0.08
            if code == "DEMO-JX" and n == 1:  # the member account's own record: a representative
                unit, applied, representative = units["DEMO-JX-B01-G1"], False, True
                join_date = join_date or earliest
            protected = protect_national_id(vault, parse_resident_id(person.national_id, today=today))
            status = "applied" if applied else "active"
            member = Member(
                member_no=member_no,
                employee_no=f"{prefix}{n:05d}",
                org_unit_id=unit.id,
                grassroots_unit_id=grassroots.id,
                name=person.name,
                gender=person.gender,
                birth_date=person.birth_date,
                national_id_cipher=protected.cipher,
                national_id_hmac=protected.hmac,
                national_id_masked=protected.masked,
                phone=f"1{rng.choice('3578')}{rng.randrange(10**9):09d}" if rng.random() < 0.85 else None,
                join_date=join_date,
                status=status,
                status_changed_on=join_date or today,
                is_representative=representative,
                monthly_wage_fen=wage_yuan * 100,
            )
            session.add(member)
            session.flush()
            tags = (["女职工"] if person.gender == "female" else []) + (["农民工"] if person.migrant else [])
            if not applied and rng.random() < 0.02:
                tags.append("劳模")
            session.add_all(MemberTag(member_id=member.id, tag=t) for t in tags)
            session.add(
                MemberEvent(
                    member_id=member.id,
                    kind=MemberEventKind.applied if applied else MemberEventKind.joined,
                    from_status=None,
                    to_status=status,
                    effective_on=member.status_changed_on or today,
                    org_unit_id=unit.id,
                )
            )
            audit.record(
                session,
                None,
                "member.created",
                actor_label=ACTOR,
                entity_type="member",
                entity_id=member.id,
                org_unit_id=unit.id,
                changes={
                    "after": {
                        "member_no": member_no,
                        "name": person.name,
                        "national_id": audit.REDACTED,
                        "status": status,
                        "tags": sorted(tags),
                    }
                },
            )
            changes.record(
                session, "member", member.id, "created", org_unit_id=unit.id, version=member.version
            )
            if code == "DEMO-JX" and n == 1:
                account = session.get(User, accounts[MEMBER_ACCOUNT])
                assert account is not None
                account.member_id = member.id
    session.flush()
    return counts


def _report(units: dict[str, OrgUnit], counts: dict[str, int], secret: str, lang: str) -> list[str]:
    def say(text: Message, **params: object) -> str:
        return translate(text, lang, params, names=False)

    account = _("  {username:<14} {role:<11} at {unit:<15} {name}")
    lines = [
        say(_("Demo data created (development only: these passwords are printed for convenience).")),
        "",
        say(
            _n("Org units: {n} under {name} ({code})", "Org units: {n} under {name} ({code})", "n"),
            n=len(units),
            name=units[DEMO_ROOT_CODE].name,
            code=DEMO_ROOT_CODE,
        ),
    ]
    lines += [f"  {u.code:<16} {u.kind:<11} {u.name}" for u in units.values()]
    lines += ["", say(_("Accounts (password for people: {password}):"), password=DEMO_PASSWORD)]
    lines += [
        say(account, username=a.username, role=a.role.value, unit=a.unit, name=a.display_name)
        for a in ACCOUNTS
    ]
    own = say(_("a representative's own member account"))
    lines.append(say(account, username=MEMBER_ACCOUNT, role="member", unit="DEMO-JX-B01-G1", name=own))
    credentials = f"client_id={SERVICE_ACCOUNT} client_secret={secret}"
    lines.append(say(account, username=SERVICE_ACCOUNT, role="integration", unit="DEMO-JX", name=credentials))
    lines += [
        "",
        say(_("Members: {counts}"), counts=join([f"{units[c].name} {n}" for c, n in counts.items()], lang)),
        "",
        say(
            _("Log in at {url} (Authorize) as {username} / {password}"),
            url="http://127.0.0.1:8000/docs",
            username="demo.admin",
            password=DEMO_PASSWORD,
        ),
    ]
    return lines
