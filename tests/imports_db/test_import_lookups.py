"""Where a bulk import's on-record lookups run (api/services/member_imports/runner.py ``_Lookups``).

On PostgreSQL, in a database reached through an engine (the service, the CLI, the job worker), each
batch's lookups run on a second connection of their own, one batch ahead in a thread, so they need not
wait for the ``COPY`` of the previous batch; once the import has updated a member on record they go
through the import's own transaction, which sees the update. The rest of the suite binds every session
to one test connection (rolled back per test), where lookups always share the import's connection:
these tests use a database of their own, committed, to reach the second-connection path. On SQLite the
same files must give the same outcome through the one connection.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from api.db.models import Member
from api.schemas.member_imports import ImportOnError
from api.services.member_imports import import_file_as_system, runner
from api.services.member_imports.jobs import start_import, system_import_unit
from imports_db.helpers import count, csv_bytes, error_set, make_id, row, union_database


@pytest.fixture
def own_db(fresh_database_url) -> Iterator[tuple[Any, Any]]:
    db, settings = union_database(fresh_database_url("import_lookups"))
    yield db, settings
    db.engine.dispose()


@pytest.fixture
def lookups_seen(monkeypatch) -> list[str]:
    """Where each batch's lookups ran, in order: "beside" the import (an autocommit connection of their
    own) or in its "own" transaction."""
    seen: list[str] = []
    real = runner.plan_batch

    def spy(session, ctx, rows, *args):
        level = session.connection().get_execution_options().get("isolation_level")
        seen.append("beside" if level == "AUTOCOMMIT" else "own")
        return real(session, ctx, rows, *args)

    monkeypatch.setattr(runner, "plan_batch", spy)
    return seen


def _import(db, settings, tmp_path: Path, rows: list[str], **kw: Any) -> dict[str, Any]:
    path = tmp_path / f"hr-{count(db, 'member_import')}.csv"
    path.write_bytes(csv_bytes(rows))
    return import_file_as_system(db, settings, path=path, org_code="U01", **kw)


def test_lookups_beside_the_import_find_what_is_on_record_and_the_file_repeats(
    own_db, lookups_seen, backend, tmp_path, monkeypatch
):
    db, settings = own_db
    first = _import(db, settings, tmp_path, [row("E01", "甲", make_id(1), "U01")])
    assert first["created_count"] == 1
    lookups_seen.clear()
    monkeypatch.setattr(runner, "BATCH_SIZE", 2)
    rows = [row(f"E{i:02d}", f"员工{i}", make_id(i), "U01") for i in range(2, 9)]  # 7 new members
    rows.insert(3, row("E50", "重号", make_id(1), "U01"))  # file row 5: ID of E01, on record (committed)
    rows.append(row("E04", "重工号", make_id(60), "U01"))  # file row 10: repeats row 4's employee number
    job = _import(db, settings, tmp_path, rows, on_error=ImportOnError.skip)

    assert job["status"] == "succeeded", job
    assert (job["created_count"], job["updated_count"], job["failed_count"]) == (7, 0, 2)
    assert error_set(job) == {
        (5, "national_id", "dup_national_id_on_record"),
        (10, "employee_no", "dup_employee_no"),
    }
    # no update: every batch looked up beside the import on PostgreSQL; through it on SQLite
    assert lookups_seen == ["beside" if backend == "postgresql" else "own"] * 5
    assert count(db, "member") == 8
    assert count(db, "member_event", "WHERE kind = 'joined'") == 8
    assert count(db, "change_log", "WHERE action = 'created'") == 8
    with db.read_session() as s:
        numbers = sorted(s.execute(sa.select(Member.member_no)).scalars())
    assert [n.rsplit("-", 1)[1] for n in numbers] == [f"{n:06d}" for n in range(1, 9)]
    assert db.engine.pool.checkedout() == 0  # the lookups' connection went back to the pool


def test_after_an_update_later_lookups_see_it(own_db, lookups_seen, backend, tmp_path, monkeypatch):
    """Batch 2 gives E01 a corrected ID; batch 3 registers a new member under E01's old ID. Lookups
    beside the import would still see the old ID on record (refusing batch 3's row): after the update
    they run in the import's own transaction, as in a serial import."""
    db, settings = own_db
    old, new = make_id(1), make_id(2)
    assert _import(db, settings, tmp_path, [row("E01", "甲", old, "U01")])["created_count"] == 1
    lookups_seen.clear()
    monkeypatch.setattr(runner, "BATCH_SIZE", 1)
    rows = [row("E03", "丙", make_id(3), "U01"), row("E01", "甲", new, "U01"), row("E02", "乙", old, "U01")]
    job = _import(db, settings, tmp_path, rows)

    assert job["status"] == "succeeded", job
    assert (job["created_count"], job["updated_count"]) == (2, 1)
    # batch 3 was being looked up beside the import (one batch ahead) when batch 2's update ran: that
    # lookup is dropped and batch 3 looked up again in the import's own transaction
    assert lookups_seen == (["beside"] * 3 + ["own"] if backend == "postgresql" else ["own"] * 3)
    with db.read_session() as s:
        by_no = dict(s.execute(sa.select(Member.employee_no, Member.national_id_masked)).all())
    masked = {n: n[:3] + "*" * 11 + n[-4:] for n in (old, new, make_id(3))}
    assert by_no == {"E01": masked[new], "E02": masked[old], "E03": masked[make_id(3)]}
    assert db.engine.pool.checkedout() == 0


def test_a_failed_row_undoes_the_batches_copied_while_lookups_ran_beside(
    own_db, lookups_seen, backend, tmp_path, monkeypatch
):
    """on_error=abort: batches submitted at once (lookups beside the import) are rolled back with the
    rest, and both connections go back to the pool."""
    db, settings = own_db
    monkeypatch.setattr(runner, "BATCH_SIZE", 2)
    rows = [row(f"L{i:02d}", f"员工{i}", make_id(i), "U01") for i in range(7)]
    rows.append(row("L99", "错误", "123", "U01"))  # an ID too short, in the last batch
    job = _import(db, settings, tmp_path, rows)

    assert job["status"] == "failed" and job["error_code"] == "import_rows_invalid"
    assert lookups_seen == ["beside" if backend == "postgresql" else "own"] * 4
    for table in ("member", "member_event", "member_tag", "change_log", "member_number_counter"):
        assert count(db, table) == 0, table
    assert db.engine.pool.checkedout() == 0


def test_a_dry_run_looks_up_beside_and_writes_nothing(own_db, lookups_seen, backend, tmp_path, monkeypatch):
    db, settings = own_db
    assert _import(db, settings, tmp_path, [row("E01", "甲", make_id(1), "U01")])["created_count"] == 1
    lookups_seen.clear()
    monkeypatch.setattr(runner, "BATCH_SIZE", 2)
    rows = [row(f"E{i:02d}", f"员工{i}", make_id(i), "U01") for i in range(2, 7)]  # 5 new members
    rows.append(row("E01", "甲改", make_id(1), "U01"))  # file row 7: the member on record, renamed
    rows.append(row("E60", "重号", make_id(3), "U01"))  # file row 8: repeats row 3's ID number
    job = _import(db, settings, tmp_path, rows, dry_run=True, on_error=ImportOnError.skip)

    assert job["status"] == "succeeded", job
    assert job["report"]["planned"] == {"created": 5, "updated": 1, "unchanged": 0, "failed": 1}
    assert error_set(job) == {(8, "national_id", "dup_national_id")}
    assert lookups_seen == ["beside" if backend == "postgresql" else "own"] * 4
    assert count(db, "member") == 1 and count(db, "member", "WHERE name = '甲'") == 1
    assert db.engine.pool.checkedout() == 0


def test_an_import_run_inside_a_request_keeps_one_connection(own_db, lookups_seen, tmp_path, monkeypatch):
    """A small upload runs inline in the request (201): its lookups stay in the import's own session,
    so a request never holds two pooled connections at once (many such requests could otherwise take
    the whole pool, each waiting for its second connection)."""
    db, settings = own_db
    monkeypatch.setattr(runner, "BATCH_SIZE", 2)
    rows = [row(f"E{i:02d}", f"员工{i}", make_id(i), "U01") for i in range(1, 6)]

    def schedule(*_args):
        raise AssertionError("a small upload is not queued")

    with db.write_session() as session:
        started = start_import(
            session,
            db,
            settings,
            source=io.BytesIO(csv_bytes(rows)),
            filename="hr.csv",
            unit=system_import_unit(session, "U01"),
            dry_run=False,
            on_error=ImportOnError.abort,
            key=None,
            by=None,
            schedule=schedule,
        )
    assert started.outcome == "finished" and started.job["created_count"] == 5
    assert lookups_seen == ["own"] * 3
    assert db.engine.pool.checkedout() == 0


def test_a_nul_deep_in_the_file_fails_the_import_before_anything_is_written(own_db, tmp_path):
    """Past the first 64 KiB the encoding sniff does not look; the counting pass still finds the NUL, so
    the import fails as unreadable (not internal_error) and nothing is written, on both engines."""
    db, settings = own_db
    rows = [
        row(f"E{i:04d}", f"员工{i}", make_id(i % 400, birth=f"1985031{i // 400}"), "U01") for i in range(1500)
    ]
    rows.append(row("E9999", "名\x00字", make_id(1, birth="19900101"), "U01"))
    job = _import(db, settings, tmp_path, rows, on_error=ImportOnError.skip)
    assert (job["status"], job["error_code"]) == ("failed", "import_unreadable_file")
    assert count(db, "member") == 0
