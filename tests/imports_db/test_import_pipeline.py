"""The pipelined write of a bulk import (api/services/member_imports/runner.py ``_write_pass``;
api/db/bulk.py ``BackgroundInserts``): on PostgreSQL a batch's rows are copied in a background thread
on the import's own connection while the next batch is checked. What must hold on both engines, and
would otherwise fail silently: text round-trips exactly through ``COPY``; an error found late, or a
``COPY`` that fails in the background, leaves the database as it was; every imported member has
exactly one event and one change-feed entry, numbered without gaps; updates of a batch are seen by
the next batch's on-record checks.
"""

from __future__ import annotations

import csv
import io
import json

import sqlalchemy as sa

from api.db import bulk
from api.db.models import Member
from api.services.member_imports import runner
from imports_db.helpers import count, csv_bytes, job_of, make_id, post_import, row

_TABLES = ("member", "member_event", "member_tag", "change_log", "member_number_counter")

#: text a ``COPY`` must carry unchanged: its own delimiters and escapes, quotes, CJK, astral characters
_TRICKY_NOTES = [
    "tab\there, newline\nthere, carriage\rreturn",
    "back\\slash \\N \\t \\\\ and a lone \\",
    "quotes \" ' “双引号” 「括号」, commas, semicolons;",
    "中文备注 劳模、女职工 — 𠀀𝄞 😀 ​zero-width",
    "\\.",  # the end-of-data marker of text COPY, alone on its line
]


def _notes_csv(notes: list[str]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["工号", "姓名", "身份证号", "所属工会代码", "标签", "备注"])
    for i, note in enumerate(notes, 1):
        writer.writerow([f"N{i:03d}", f"员工{i}", make_id(i), "U01-B01", "劳模,女职工", note])
    return out.getvalue().encode("utf-8")


def test_text_fields_round_trip_exactly(client, world, db, monkeypatch):
    """Tabs, newlines, backslashes, quotes and non-BMP characters in a text field are stored exactly."""
    monkeypatch.setattr(runner, "BATCH_SIZE", 2)
    officer = world.as_role("officer", "U01")
    job = post_import(client, officer, _notes_csv(_TRICKY_NOTES), filename="notes.csv").json()
    assert job["status"] == "succeeded", job
    assert job["created_count"] == len(_TRICKY_NOTES)
    with db.read_session() as s:
        stored = dict(s.execute(sa.select(Member.employee_no, Member.notes)).all())
        tags = s.execute(sa.text("SELECT count(*) FROM member_tag")).scalar_one()
    # the import trims a cell's ends (api/imports/members.py), nothing inside it
    assert stored == {f"N{i:03d}": note.strip() for i, note in enumerate(_TRICKY_NOTES, 1)}
    assert tags == 2 * len(_TRICKY_NOTES)


def test_counts_of_events_feed_numbers_and_audit_equal_the_rows_imported(client, world, db, monkeypatch):
    monkeypatch.setattr(runner, "BATCH_SIZE", 4)
    officer = world.as_role("officer", "U01")
    first = post_import(
        client, officer, csv_bytes([row(f"P{i:03d}", f"员工{i}", make_id(i)) for i in range(25)])
    )
    assert first.json()["created_count"] == 25
    second = post_import(
        client, officer, csv_bytes([row(f"Q{i:03d}", f"员工{i}", make_id(i + 100)) for i in range(11)])
    )
    assert second.json()["created_count"] == 11
    assert count(db, "member") == 36
    assert count(db, "member_event", "WHERE kind = 'joined'") == 36
    assert count(db, "change_log", "WHERE entity_type = 'member' AND action = 'created'") == 36
    with db.read_session() as s:
        numbers = sorted(s.execute(sa.select(Member.member_no)).scalars())
        counters = s.execute(sa.text("SELECT next_value FROM member_number_counter")).scalars().all()
        audits = s.execute(
            sa.text("SELECT changes FROM audit_event WHERE action = 'member_import.completed'")
        ).scalars()
        created = [(json.loads(a) if isinstance(a, str) else a)["after"]["created"] for a in audits]
    prefix = numbers[0].rsplit("-", 1)[0]
    assert numbers == [f"{prefix}-{n:06d}" for n in range(1, 37)]  # no gap, no repeat across the imports
    assert counters == [37]
    assert sorted(created) == [11, 25]


def test_a_row_error_in_the_last_batch_undoes_the_batches_already_copied(client, world, db, monkeypatch):
    """on_error=abort: batches written before the failing row are rolled back with the rest."""
    monkeypatch.setattr(runner, "BATCH_SIZE", 2)
    submitted = []
    real = bulk.BackgroundInserts.submit

    def spy(self, batch):
        submitted.append(batch)
        return real(self, batch)

    monkeypatch.setattr(bulk.BackgroundInserts, "submit", spy)
    officer = world.as_role("officer", "U01")
    rows = [row(f"L{i:03d}", f"员工{i}", make_id(i)) for i in range(8)]
    rows.append(row("L999", "错误", "123"))  # an ID too short, in the last batch
    r = post_import(client, officer, csv_bytes(rows))
    assert r.status_code == 422 and r.json()["code"] == "import_rows_invalid"
    assert job_of(r)["failed_count"] == 1
    assert len(submitted) == 3  # the first three batches went to the database before the error was seen
    for table in _TABLES:
        assert count(db, table) == 0, table
    assert count(db, "audit_event", "WHERE action = 'member_import.completed'") == 0


def test_a_failing_background_write_fails_the_import_and_leaves_nothing(client, world, db, monkeypatch):
    """A write that fails where it runs (the COPY thread on PostgreSQL) is raised, not lost."""
    monkeypatch.setattr(runner, "BATCH_SIZE", 3)
    calls = []
    real_copy, real_insert = bulk.copy_data, bulk.insert_rows

    def failing_copy(cursor, statement, data):
        if statement.startswith(("COPY member_event ", 'COPY "member_event" ')):
            calls.append(len(data))
            if len(calls) == 2:
                raise RuntimeError("disk full")
        return real_copy(cursor, statement, data)

    def failing_insert(conn, table, columns, rows):
        if table.name == "member_event":
            calls.append(len(rows))
            if len(calls) == 2:
                raise RuntimeError("disk full")
        return real_insert(conn, table, columns, rows)

    monkeypatch.setattr(bulk, "copy_data", failing_copy)
    monkeypatch.setattr(bulk, "insert_rows", failing_insert)
    officer = world.as_role("officer", "U01")
    r = post_import(client, officer, csv_bytes([row(f"F{i:03d}", f"员工{i}", make_id(i)) for i in range(12)]))
    assert r.status_code == 500 and r.json()["code"] == "internal_error"
    assert job_of(r)["status"] == "failed"
    assert len(calls) == 2
    for table in _TABLES:
        assert count(db, table) == 0, table


def test_an_id_moved_by_an_update_is_free_for_a_later_batch(client, world, db, monkeypatch):
    """Batch 1 gives member E1 a corrected ID; batch 2 registers a new member under E1's old ID. The
    update runs before batch 2's on-record checks, as in a serial import."""
    officer = world.as_role("officer", "U01")
    old, new = make_id(1), make_id(2)
    assert post_import(client, officer, csv_bytes([row("E1", "甲", old)])).json()["created_count"] == 1
    monkeypatch.setattr(runner, "BATCH_SIZE", 1)
    job = post_import(client, officer, csv_bytes([row("E1", "甲", new), row("E2", "乙", old)])).json()
    assert job["status"] == "succeeded", job
    assert (job["updated_count"], job["created_count"]) == (1, 1)
    with db.read_session() as s:
        by_no = dict(s.execute(sa.select(Member.employee_no, Member.national_id_masked)).all())
    assert by_no == {"E1": new[:3] + "*" * 11 + new[-4:], "E2": old[:3] + "*" * 11 + old[-4:]}
    assert count(db, "change_log", "WHERE action = 'updated'") == 1
