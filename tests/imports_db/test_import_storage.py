"""Rows written by the bulk import's driver-level inserts (api.db.bulk: executemany on SQLite, COPY on
PostgreSQL) are stored exactly as SQLAlchemy's own insert would store them, and read back identically."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from api.db.models import ChangeLogEntry, Member, MemberEvent, MemberTag, OrgUnit
from api.security.pii import PiiVault
from api.services.member_imports import import_file_as_system
from imports_db.helpers import make_id, union_database

HEADER = "工号,姓名,性别,身份证号,手机号,出生日期,入会日期,所属工会代码,月工资,职工代表,邮箱,标签,备注"
ROWS = [
    f"E001,张三,男,{make_id(1)},13800138000,1985-03-15,2020-01-02,U01,5000.00,是,zs@example.com,女职工;劳模,备注一",
    f"E002,李四,,{make_id(2)},,,,U01,,,,,",
    f"E003,王五,男,{make_id(3)},+86 139-0013-9000,,2019/12/31,U01,123.4,否,,,",
]
#: what the import decides beyond the file
TABLES = (Member.__table__, MemberEvent.__table__, MemberTag.__table__, ChangeLogEntry.__table__)


@pytest.fixture
def imported(fresh_database_url, tmp_path):
    db, settings = union_database(fresh_database_url("import_storage"))
    path = tmp_path / "hr.csv"
    path.write_text("\n".join([HEADER, *ROWS]) + "\n", encoding="utf-8")
    before = datetime.now(UTC)
    job = import_file_as_system(db, settings, path=path, org_code="U01")
    assert job["status"] == "succeeded" and job["created_count"] == 3, job
    yield db, settings, before
    db.engine.dispose()


def _raw(conn: sa.Connection, table: sa.Table) -> list[tuple]:
    """Every row as the driver returns it (no SQLAlchemy result processing), without the change log's
    own id (an identity value), in a stable order."""
    columns = [c.name for c in table.columns if not (table is ChangeLogEntry.__table__ and c.name == "id")]
    rows = conn.exec_driver_sql(f"SELECT {', '.join(columns)} FROM {table.name}").all()
    return sorted((tuple(r) for r in rows), key=repr)


def test_stored_form_is_what_sqlalchemy_would_store(imported):
    """Delete the imported rows and insert the same values through SQLAlchemy Core (its bind processing:
    UTCDateTime, Uuid, Date, Boolean): the database then holds exactly what it held before."""
    db, _, _ = imported
    with db.engine.connect() as conn:
        written = {t.name: _raw(conn, t) for t in TABLES}
        assert [len(written[t.name]) for t in TABLES] == [3, 3, 2, 3]
        values = {t.name: [dict(r) for r in conn.execute(sa.select(t)).mappings()] for t in TABLES}
        for table in reversed(TABLES):
            conn.execute(sa.delete(table))
        for table in TABLES:
            rows = values[table.name]
            if table is ChangeLogEntry.__table__:
                rows = [{k: v for k, v in r.items() if k != "id"} for r in rows]
            conn.execute(sa.insert(table), rows)
        assert {t.name: _raw(conn, t) for t in TABLES} == written
        conn.rollback()


def test_imported_member_reads_back_through_the_orm(imported):
    db, settings, before = imported
    vault = PiiVault.from_settings(settings)
    with db.read_session() as s:
        union = s.execute(sa.select(OrgUnit).where(OrgUnit.code == "U01")).scalar_one()
        members = {m.employee_no: m for m in s.execute(sa.select(Member)).scalars()}
        first = members["E001"]
        assert (
            first.name,
            first.gender,
            first.birth_date,
            first.join_date,
            first.phone,
            first.email,
            first.monthly_wage_fen,
            first.is_representative,
            first.notes,
        ) == (
            "张三",
            "male",
            date(1985, 3, 15),
            date(2020, 1, 2),
            "13800138000",
            "zs@example.com",
            500000,
            True,
            "备注一",
        )
        assert first.member_no == "U01-000001" and first.org_unit_id == union.id == first.grassroots_unit_id
        assert (first.status, first.status_reason, first.status_changed_on, first.version) == (
            "active",
            None,
            date(2020, 1, 2),
            1,
        )
        assert vault.decrypt(first.national_id_cipher) == make_id(1)
        assert first.national_id_hmac == vault.lookup_hash(make_id(1))
        assert first.national_id_masked == make_id(1)[:3] + "*" * 11 + make_id(1)[-4:]
        assert first.created_at.tzinfo is not None and first.created_at.utcoffset() == timedelta(0)
        assert before <= first.created_at == first.updated_at <= datetime.now(UTC)
        blank = members["E002"]
        assert (
            blank.gender,
            blank.birth_date,
            blank.phone,
            blank.join_date,
            blank.monthly_wage_fen,
            blank.is_representative,
            blank.status_changed_on,
        ) == ("male", date(1985, 3, 15), None, date.today(), None, False, date.today())  # joined today
        assert (members["E003"].phone, members["E003"].monthly_wage_fen) == ("13900139000", 12340)
        tags = s.execute(sa.select(MemberTag.tag).where(MemberTag.member_id == first.id)).scalars().all()
        assert sorted(tags) == ["劳模", "女职工"]

        events = {e.member_id: e for e in s.execute(sa.select(MemberEvent)).scalars()}
        assert set(events) == {m.id for m in members.values()}
        joined = events[first.id]
        assert (
            joined.kind,
            joined.from_status,
            joined.to_status,
            joined.effective_on,
            joined.reason,
            joined.org_unit_id,
            joined.actor_id,
            joined.created_at,
        ) == ("joined", None, "active", date(2020, 1, 2), None, union.id, None, first.created_at)
        assert events[blank.id].effective_on == date.today()  # no join date: joined on the day of import

        feed = s.execute(sa.select(ChangeLogEntry).order_by(ChangeLogEntry.id)).scalars().all()
        assert [(f.entity_type, f.action, f.org_unit_id, f.entity_version, f.seq) for f in feed] == [
            ("member", "created", union.id, 1, None)
        ] * 3
        assert {f.entity_id for f in feed} == {m.id for m in members.values()}
        assert all(f.changed_at == first.created_at for f in feed)
        # the ORM finds them by their typed keys (Uuid bound by SQLAlchemy matches what the import stored)
        assert s.get(Member, first.id) is first


def test_import_runs_with_a_relaxed_collector_and_restores_it(fresh_database_url, tmp_path):
    """api/imports/gc_tuning.py: collector passes every 700 allocations were a tenth of an import's time.
    During the import the young-generation threshold is raised; afterwards it is what it was."""
    import gc

    from api.imports.gc_tuning import BULK_GEN0_THRESHOLD

    db, settings = union_database(fresh_database_url("import_gc"))
    path = tmp_path / "hr.csv"
    path.write_text("\n".join([HEADER, *ROWS]) + "\n", encoding="utf-8")
    before = gc.get_threshold()
    during: list[int] = []
    try:
        job = import_file_as_system(
            db,
            settings,
            path=path,
            org_code="U01",
            on_progress=lambda *_: during.append(gc.get_threshold()[0]),
        )
    finally:
        db.engine.dispose()
    assert job["status"] == "succeeded"
    assert during and set(during) == {max(BULK_GEN0_THRESHOLD, before[0])}
    assert gc.get_threshold() == before


def test_batches_leave_no_cyclic_garbage_behind(fresh_database_url, tmp_path):
    """Imports run with the collector mostly idle (api/imports/gc_tuning.py), so a batch must not leave
    reference cycles behind: statements built per batch with their 1,000 keys inside did (~125 kB each;
    +200 MB of peak memory at 1M rows, docs/benchmarks.md "2. Bulk import"). With the collector off,
    what it finds after an import must not grow with the number of batches."""
    import gc

    db, settings = union_database(fresh_database_url("import_garbage"))
    imported = 0

    def garbage_after_import(rows: int) -> int:
        nonlocal imported
        path = tmp_path / f"hr{imported}.csv"
        lines = [
            f"E{n:05d},职工{n},男,{make_id(n % 500, birth=f'1980{n // 500 + 1:02d}15')},,,,U01,,,,,"
            for n in range(imported, imported + rows)
        ]
        imported += rows
        path.write_text("\n".join([HEADER, *lines]) + "\n", encoding="utf-8")
        gc.collect()
        gc.disable()
        try:
            job = import_file_as_system(db, settings, path=path, org_code="U01")
            assert job["status"] == "succeeded" and job["created_count"] == rows, job
            return gc.collect()
        finally:
            gc.enable()

    try:
        garbage_after_import(1000)  # first use: statements compiled and cached
        one_batch, four_batches = garbage_after_import(1000), garbage_after_import(4000)
    finally:
        db.engine.dispose()
    assert four_batches - one_batch < 10, (one_batch, four_batches)
