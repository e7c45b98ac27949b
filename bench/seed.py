"""Seed data for the scenarios: migrated database, org tree with closure rows, a reader account,
members and change-feed entries, all with SQLAlchemy Core bulk inserts (no ORM objects).

Resident IDs are valid GB 11643-1999 numbers generated from an index, so every seeded or imported
member is distinct and passes the importer's checks.
"""

from __future__ import annotations

import csv
import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from api.db import migrate
from api.db.models import ChangeLogCounter, ChangeLogEntry, Grant, Member, OrgUnit, OrgUnitClosure, User
from api.db.session import make_engine
from api.db.types import new_id
from api.rules.resident_id import compute_check_char, mask_resident_id
from api.security.pii import PiiVault

BATCH = 5_000
REGIONS = ("110101", "310104", "440305", "330106", "510107", "420102", "610113", "370202")
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英"
BIRTH_EPOCH = date(1965, 1, 1)


def resident_id(i: int) -> str:
    """The i-th generated valid resident ID (unique for i < 8 * 1000 * 10000)."""
    region = REGIONS[i % len(REGIONS)]
    j = i // len(REGIONS)
    birth = BIRTH_EPOCH + timedelta(days=j // 1000)
    seq = j % 1000
    first17 = f"{region}{birth:%Y%m%d}{seq:03d}"
    return first17 + compute_check_char(first17)


def person_name(i: int) -> str:
    return SURNAMES[i % len(SURNAMES)] + GIVEN[(i // 7) % len(GIVEN)] + GIVEN[(i // 131) % len(GIVEN)]


def engine_for(url: str) -> sa.Engine:
    return make_engine(url)


def migrate_db(url: str) -> None:
    migrate.upgrade(url)


@dataclass
class Tree:
    root: uuid.UUID
    grassroots: list[uuid.UUID] = field(default_factory=list)
    #: every unit that holds members (branches), with its grassroots union
    branches: list[tuple[uuid.UUID, uuid.UUID]] = field(default_factory=list)
    codes: dict[uuid.UUID, str] = field(default_factory=dict)

    @property
    def unit_count(self) -> int:
        return 1 + len(self.grassroots) + len(self.branches)


def _insert(conn: sa.Connection, table: sa.Table, rows: list[dict[str, Any]]) -> None:
    for i in range(0, len(rows), BATCH):
        conn.execute(sa.insert(table), rows[i : i + BATCH])


def seed_tree(engine: sa.Engine, units: int) -> Tree:
    """ROOT (federation) > G### (grassroots) > G###-B### (branches), about ``units`` units in all.

    The tree is roughly square: sqrt(units) grassroots unions with as many branches each.
    """
    per = max(1, round((units - 1) ** 0.5))
    now = datetime.now(UTC)
    tree = Tree(root=new_id())
    unit_rows: list[dict[str, Any]] = []
    closure: list[dict[str, Any]] = []

    def unit(
        uid: uuid.UUID, code: str, kind: str, parent: uuid.UUID | None, depth: int, ancestors: list[uuid.UUID]
    ) -> None:
        unit_rows.append(
            dict(
                id=uid,
                code=code,
                name=f"{code} 工会",
                kind=kind,
                parent_id=parent,
                depth=depth,
                uscc=None,
                status="active",
                closed_on=None,
                version=1,
                created_at=now,
                updated_at=now,
            )
        )
        closure.append(dict(ancestor_id=uid, descendant_id=uid, depth=0))
        for d, anc in enumerate(reversed(ancestors), 1):
            closure.append(dict(ancestor_id=anc, descendant_id=uid, depth=d))
        tree.codes[uid] = code

    unit(tree.root, "ROOT", "federation", None, 0, [])
    remaining = units - 1
    g = 0
    while remaining > 0:
        g += 1
        gid = new_id()
        unit(gid, f"G{g:04d}", "grassroots", tree.root, 1, [tree.root])
        tree.grassroots.append(gid)
        remaining -= 1
        for b in range(1, min(per, remaining) + 1):
            bid = new_id()
            unit(bid, f"G{g:04d}-B{b:03d}", "branch", gid, 2, [tree.root, gid])
            tree.branches.append((bid, gid))
            remaining -= 1
    if not tree.branches:  # tiny trees: members sit in the grassroots unions themselves
        tree.branches = [(gid, gid) for gid in tree.grassroots]
    with engine.begin() as conn:
        _insert(conn, OrgUnit.__table__, unit_rows)
        _insert(conn, OrgUnitClosure.__table__, closure)
    return tree


def seed_reader(engine: sa.Engine, tree: Tree, role: str = "officer") -> uuid.UUID:
    """An account holding ``role`` at ROOT (members.read, changes.read, members.import); no password login."""
    uid = new_id()
    now = datetime.now(UTC)
    with engine.begin() as conn:
        conn.execute(
            sa.insert(User.__table__),
            [
                dict(
                    id=uid,
                    username=f"bench-{role}",
                    display_name="bench",
                    email=None,
                    kind="human",
                    password_hash="!",
                    is_active=True,
                    must_change_password=False,
                    org_unit_id=tree.root,
                    member_id=None,
                    last_login_at=None,
                    version=1,
                    created_at=now,
                    updated_at=now,
                )
            ],
        )
        conn.execute(
            sa.insert(Grant.__table__),
            [
                dict(
                    id=new_id(),
                    user_id=uid,
                    role=role,
                    org_unit_id=tree.root,
                    granted_by_id=None,
                    created_at=now,
                )
            ],
        )
    return uid


STATUSES = (("active", 80), ("retained", 10), ("withdrawn", 6), ("applied", 4))


def _status(rng: random.Random) -> str:
    x = rng.randrange(100)
    for status, weight in STATUSES:
        if x < weight:
            return status
        x -= weight
    return "active"


def member_rows(
    tree: Tree, count: int, vault: PiiVault, *, start: int = 0, seed: int = 7
) -> Iterator[dict[str, Any]]:
    """``count`` member rows spread evenly over the tree's branches (status mostly active)."""
    rng = random.Random(seed)
    now = datetime.now(UTC)
    per_union: dict[uuid.UUID, int] = {}
    n_units = len(tree.branches)
    # one ciphertext reused per 1,000 rows keeps seeding 1M rows quick; every row still has a real,
    # decryptable ciphertext of *a* valid ID, and its own unique HMAC
    cipher = ""
    for i in range(start, start + count):
        # members register over time in every unit, so ids (UUIDv7, time-ordered) of one subtree are
        # spread over the whole id range, as in a real installation
        unit_id, grassroots = tree.branches[rng.randrange(n_units)]
        rid = resident_id(i)
        if (i - start) % 1000 == 0:
            cipher = vault.encrypt(rid)
        seq = per_union[grassroots] = per_union.get(grassroots, 0) + 1
        status = _status(rng)
        yield dict(
            id=new_id(),
            member_no=f"{tree.codes[grassroots]}-{seq:06d}",
            employee_no=f"E{i:08d}",
            org_unit_id=unit_id,
            grassroots_unit_id=grassroots,
            name=person_name(i),
            gender="male" if int(rid[16]) % 2 else "female",
            birth_date=date(int(rid[6:10]), int(rid[10:12]), int(rid[12:14])),
            national_id_cipher=cipher,
            national_id_hmac=vault.lookup_hash(rid),
            national_id_masked=mask_resident_id(rid),
            phone=f"13{i % 10}{i:08d}"[:11],
            email=None,
            join_date=date(2015, 1, 1) + timedelta(days=i % 3000),
            status=status,
            status_reason=None,
            status_changed_on=None,
            is_representative=False,
            monthly_wage_fen=500_000 + (i % 700) * 1000,
            notes=None,
            version=1,
            created_at=now,
            updated_at=now,
        )


def seed_members(
    engine: sa.Engine, tree: Tree, count: int, vault: PiiVault
) -> list[tuple[uuid.UUID, uuid.UUID]]:
    """Insert ``count`` members; returns (member id, org unit id) of every 100th member for sampling."""
    sample: list[tuple[uuid.UUID, uuid.UUID]] = []
    batch: list[dict[str, Any]] = []
    table = Member.__table__
    with engine.begin() as conn:
        for n, row in enumerate(member_rows(tree, count, vault)):
            batch.append(row)
            if n % 100 == 0:
                sample.append((row["id"], row["org_unit_id"]))
            if len(batch) >= BATCH:
                conn.execute(sa.insert(table), batch)
                batch = []
        if batch:
            conn.execute(sa.insert(table), batch)
    return sample


def seed_changes(engine: sa.Engine, members: list[tuple[uuid.UUID, uuid.UUID]], count: int) -> None:
    """``count`` stamped change-feed entries (seq 1..count) about the sampled members; counter set."""
    now = datetime.now(UTC)
    table = ChangeLogEntry.__table__
    with engine.begin() as conn:
        batch: list[dict[str, Any]] = []
        for i in range(1, count + 1):
            member_id, unit_id = members[i % len(members)]
            batch.append(
                dict(
                    seq=i,
                    entity_type="member",
                    entity_id=member_id,
                    action="updated",
                    org_unit_id=unit_id,
                    entity_version=1 + i // len(members),
                    changed_at=now,
                )
            )
            if len(batch) >= BATCH:
                conn.execute(sa.insert(table), batch)
                batch = []
        if batch:
            conn.execute(sa.insert(table), batch)
        conn.execute(
            sa.update(ChangeLogCounter.__table__).where(ChangeLogCounter.id == 1).values(last_seq=count)
        )


def analyze(engine: sa.Engine) -> None:
    """Planner statistics, as a maintained installation has them (autovacuum / sqlite ANALYZE).

    On PostgreSQL ``VACUUM ANALYZE``: autovacuum vacuums a freshly loaded table within a minute or two
    (insert threshold), which sets the visibility map that index-only scans rely on; doing it here
    keeps the measurements from depending on whether that has happened yet.
    """
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")
        return
    with engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE")


# ------------------------------------------------------------------------------------------------ import CSVs

CSV_HEADER = (
    "employee_no",
    "name",
    "gender",
    "national_id",
    "phone",
    "birth_date",
    "join_date",
    "org_unit_code",
    "monthly_wage",
    "is_representative",
    "email",
    "tags",
    "notes",
)


def write_import_csv(path: Path, rows: int, unit_codes: list[str], *, start: int = 10_000_000) -> Path:
    """A clean HR export of ``rows`` members with valid IDs, spread over ``unit_codes``."""
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(CSV_HEADER)
        for k in range(rows):
            i = start + k
            rid = resident_id(i)
            w.writerow(
                (
                    f"H{i:09d}",
                    person_name(i),
                    "男" if int(rid[16]) % 2 else "女",
                    rid,
                    f"139{i % 100_000_000:08d}",
                    f"{rid[6:10]}-{rid[10:12]}-{rid[12:14]}",
                    f"20{10 + i % 14:02d}-0{1 + i % 9}-1{i % 9}",
                    unit_codes[k * len(unit_codes) // rows],
                    f"{5000 + i % 9000}.{i % 100:02d}",
                    "否",
                    "",
                    "",
                    "",
                )
            )
    return path
