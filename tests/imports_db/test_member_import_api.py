"""Bulk member imports through the API (issue 3: HR sync and bulk import; tests/samples.py)."""

from __future__ import annotations

import json
import re
import uuid

import pytest
import sqlalchemy as sa

from api.db.models import Member
from api.services import member_imports as service
from api.services.member_imports import jobs, progress, runner
from imports_db.helpers import count, csv_bytes, error_set, job_of, make_id, post_import, row, sample

SAMPLE_FILES = ["members_hr_export_gb18030.csv", "members_hr_export.xlsx"]
RAW_ID = re.compile(r"\d{17}[\dXx]")


def expected(name: str) -> set[tuple[int, str, str]]:
    lines = sample(name + ".expected.jsonl").read_text(encoding="utf-8").splitlines()
    return {(e["row"], e["field"], e["kind"]) for e in map(json.loads, filter(None, lines))}


@pytest.mark.parametrize("name", SAMPLE_FILES)
def test_sample_files_import_with_exactly_the_listed_errors(client, world, db, officer_root, name):
    """tests/samples.py: the importer reports exactly the rows in FILE.expected.jsonl — nothing
    is written by default (all-or-nothing); with on_error=skip the good rows are created."""
    path = sample(name)
    want = expected(name)

    refused = post_import(client, officer_root, path.read_bytes(), filename=name, org_unit="ROOT")
    assert refused.status_code == 422, refused.text  # a refused import is a problem, not "201 Created"
    assert refused.json()["code"] == "import_rows_invalid"
    assert len(refused.json()["errors"]) == len(want)
    job = job_of(refused)
    assert job["status"] == "failed" and job["error_code"] == "import_rows_invalid"
    assert error_set(job) == want
    assert job["failed_count"] == len(want) and job["created_count"] == 0
    assert job["report"]["planned"]["created"] == 313 - len(want)
    assert count(db, "member") == 0 and count(db, "change_log") == 0 and count(db, "member_event") == 0

    done = post_import(
        client, officer_root, path.read_bytes(), filename=name, org_unit="ROOT", on_error="skip"
    )
    job = done.json()
    assert job["status"] == "succeeded", job
    assert error_set(job) == want
    assert (job["created_count"], job["updated_count"], job["unchanged_count"], job["failed_count"]) == (
        313 - len(want),
        0,
        0,
        len(want),
    )
    assert job["rows_total"] == 313
    assert count(db, "member") == 313 - len(want)
    assert count(db, "member_event", "WHERE kind = 'joined'") == 313 - len(want)
    assert count(db, "change_log", "WHERE action = 'created'") == 313 - len(want)
    # the report never echoes an ID number
    assert not RAW_ID.search(done.text)


def test_reimport_changes_nothing_and_creates_no_duplicates(client, world, db, officer_root):
    path = sample("members_hr_export_gb18030.csv")
    first = post_import(
        client, officer_root, path.read_bytes(), filename=path.name, org_unit="ROOT", on_error="skip"
    )
    assert first.json()["created_count"] == 300
    feed_before, audit_before = count(db, "change_log"), count(db, "audit_event")
    again = post_import(
        client, officer_root, path.read_bytes(), filename=path.name, org_unit="ROOT", on_error="skip"
    )
    job = again.json()
    assert (job["created_count"], job["updated_count"], job["unchanged_count"], job["failed_count"]) == (
        0,
        0,
        300,
        13,
    )
    assert count(db, "member") == 300
    assert count(db, "change_log") == feed_before  # unchanged rows write nothing
    assert count(db, "audit_event") == audit_before + 1  # the import's own summary event


def test_clean_jsonl_imports_100(client, world, db, officer_root):
    path = sample("members_clean.jsonl")
    r = post_import(client, officer_root, path.read_bytes(), filename=path.name, org_unit="ROOT")
    job = r.json()
    assert job["status"] == "succeeded" and job["created_count"] == 100 and job["failed_count"] == 0, job
    assert count(db, "member") == 100
    with db.read_session() as s:
        numbers = {n for (n,) in s.execute(sa.text("SELECT member_no FROM member"))}
    assert len(numbers) == 100 and all(re.fullmatch(r"U0[12]-\d{6}", n) for n in numbers)


def test_dry_run_reports_counts_and_writes_nothing(client, world, db, officer_root):
    path = sample("members_hr_export_gb18030.csv")
    r = post_import(
        client, officer_root, path.read_bytes(), filename=path.name, org_unit="ROOT", dry_run=True
    )
    job = r.json()
    assert job["status"] == "succeeded" and job["dry_run"] is True
    # "would create": nothing was created, so the counts of writes stay 0
    assert job["report"]["planned"] == {"created": 300, "updated": 0, "unchanged": 0, "failed": 13}
    assert (job["created_count"], job["updated_count"], job["failed_count"]) == (0, 0, 13)
    assert error_set(job) == expected("members_hr_export_gb18030.csv")
    assert (
        count(db, "member") == 0 and count(db, "audit_event", "WHERE action = 'member_import.completed'") == 0
    )


def test_fix_and_reimport(client, world, db):
    """The officer's loop: see which rows are wrong and why, fix them, re-import without duplicates."""
    officer = world.as_role("officer", "U01")
    rows = [row(f"F{i:03d}", f"员工{i}", make_id(i), "U01-B01") for i in range(1, 9)]
    broken = list(rows)
    broken[2] = row("F003", "员工3", make_id(3)[:-1] + ("0" if make_id(3)[-1] != "0" else "1"), "U01-B01")
    broken[5] = row("F006", "员工6", make_id(6), "U09")
    r = post_import(client, officer, csv_bytes(broken))
    job = job_of(r)
    assert job["status"] == "failed"
    assert [(e["field"], e["code"]) for e in r.json()["errors"]] == [
        ("rows.4.national_id", "id_checksum"),
        ("rows.7.org_unit_code", "unknown_org"),
    ]
    assert error_set(job) == {(4, "national_id", "id_checksum"), (7, "org_unit_code", "unknown_org")}
    assert count(db, "member") == 0

    job = post_import(client, officer, csv_bytes(rows)).json()
    assert job["status"] == "succeeded" and job["created_count"] == 8

    changed = list(rows)
    changed[0] = row("F001", "员工1", make_id(1), "U01-B02", phone="13911112222")
    job = post_import(client, officer, csv_bytes(changed)).json()
    assert (job["created_count"], job["updated_count"], job["unchanged_count"]) == (0, 1, 7)
    with db.read_session() as s:
        member = s.execute(sa.select(Member).where(Member.employee_no == "F001")).scalar_one()
    assert member.version == 2 and member.phone == "13911112222"
    assert member.org_unit_id == world.units["U01-B02"].id
    assert count(db, "change_log", "WHERE action = 'updated'") == 1


def test_on_error_skip_writes_the_good_rows_and_abort_writes_nothing(client, world, db):
    officer = world.as_role("officer", "U01")
    rows = [row(f"S{i:03d}", f"员工{i}", make_id(i)) for i in range(1, 6)] + ["S006,,男,,,,,U01,,否"]
    assert job_of(post_import(client, officer, csv_bytes(rows)))["status"] == "failed"
    assert count(db, "member") == 0
    job = post_import(client, officer, csv_bytes(rows), on_error="skip").json()
    assert job["status"] == "succeeded" and job["created_count"] == 5 and job["failed_count"] == 1
    assert {(e["field"], e["kind"]) for e in job["report"]["errors"]} == {
        ("name", "missing_name"),
        ("national_id", "missing_national_id"),
    }
    assert count(db, "member") == 5


def test_id_on_record_for_another_person_is_refused(client, world, db):
    officer = world.as_role("officer", "U01")
    post_import(client, officer, csv_bytes([row("P001", "王五", make_id(7))]))
    job = job_of(post_import(client, officer, csv_bytes([row("P002", "王五", make_id(7))]), on_error="skip"))
    assert error_set(job) == {(2, "national_id", "dup_national_id_on_record")}
    assert job["created_count"] == 0
    # the same person may move between branches of the same union: an update, not a clash
    job = post_import(client, officer, csv_bytes([row("P001", "王五", make_id(7), "U01-B02")])).json()
    assert (job["status"], job["updated_count"]) == ("succeeded", 1)


def test_officer_of_one_union_cannot_import_into_another(client, world, db, problem):
    """Scope (issue 3): rows naming units of another union fail as unknown (never revealing them), and
    importing into that union's unit is not found."""
    officer = world.as_role("officer", "U01")
    path = sample("members_hr_export_gb18030.csv")
    job = post_import(
        client, officer, path.read_bytes(), filename=path.name, org_unit="U01", on_error="skip"
    ).json()
    assert job["status"] == "succeeded"
    unknown = {e["row"] for e in job["report"]["errors"] if e["kind"] == "unknown_org"}
    with db.read_session() as s:
        units = set(s.execute(sa.select(Member.org_unit_id).distinct()).scalars())
    assert units <= {world.units[c].id for c in ("U01", "U01-B01", "U01-B02")}
    assert len(unknown) >= 50  # the U02 rows
    problem(
        post_import(client, officer, path.read_bytes(), filename=path.name, org_unit="U02"), 404, "not_found"
    )
    # and the other union's officer cannot see the job
    problem(
        client.get(f"/api/v1/member-imports/{job['id']}", headers=world.as_role("officer", "U02")),
        404,
        "not_found",
    )
    listed = client.get("/api/v1/member-imports", headers=world.as_role("officer", "U02")).json()
    assert listed["items"] == []


def test_a_crash_mid_import_leaves_nothing_behind(client, world, db, monkeypatch):
    """A failure after the first batch has been submitted for writing rolls back the whole import."""
    officer = world.as_role("officer", "U01")
    monkeypatch.setattr(runner, "BATCH_SIZE", 3)
    real = runner.build_rows
    calls = []

    def failing(ctx, plans, numbering):
        calls.append(len(plans))
        if len(calls) == 2:  # the first batch's rows are submitted just before the second is built
            raise RuntimeError("disk full")
        return real(ctx, plans, numbering)

    monkeypatch.setattr(runner, "build_rows", failing)
    rows = [row(f"C{i:03d}", f"员工{i}", make_id(i)) for i in range(1, 10)]
    r = post_import(client, officer, csv_bytes(rows))
    assert r.status_code == 500 and r.json()["code"] == "internal_error"
    job = job_of(r)
    assert job["status"] == "failed" and job["error_code"] == "internal_error"
    assert len(calls) == 2
    for table in ("member", "member_event", "member_tag", "change_log", "member_number_counter"):
        assert count(db, table) == 0, table
    assert count(db, "audit_event", "WHERE action = 'member_import.completed'") == 0


def test_idempotency_key_returns_the_first_job(client, world, db, problem):
    officer = world.as_role("officer", "U01")
    content = csv_bytes([row("K001", "赵六", make_id(11))])
    first = post_import(client, officer, content, key="batch-42")
    assert first.status_code == 201
    again = post_import(client, officer, content, key="batch-42")
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    assert count(db, "member_import") == 1
    other = csv_bytes([row("K002", "赵七", make_id(12))])
    problem(post_import(client, officer, other, key="batch-42"), 422, "idempotency_key_reused")
    # without a key a resend is a new job, and finds nothing to change
    job = post_import(client, officer, content).json()
    assert job["id"] != first.json()["id"] and job["unchanged_count"] == 1


def test_unreadable_files_are_refused_with_a_problem(client, world, problem):
    officer = world.as_role("officer", "U01")
    problem(post_import(client, officer, b"x", filename="members.pdf"), 422, "import_unsupported_format")
    body = problem(
        post_import(client, officer, "工号,姓名,身份证号,爱好\r\nE1,张三,1,读书\r\n".encode("gb18030")),
        422,
        "import_unknown_column",
    )
    assert body["errors"][0]["field"] == "file"
    problem(post_import(client, officer, "姓名\r\n张三\r\n".encode()), 422, "import_missing_column")


def test_report_is_capped_but_counts_every_failure(client, world, monkeypatch):
    monkeypatch.setattr(progress, "MAX_REPORTED_ERRORS", 5)
    officer = world.as_role("officer", "U01")
    rows = [f"B{i:03d},名{i},男,123,,,,U01,,否" for i in range(12)]
    job = post_import(client, officer, csv_bytes(rows), on_error="skip").json()
    report = job["report"]
    assert job["failed_count"] == 12 and report["errors_total"] == 12
    assert len(report["errors"]) == 5 and report["errors_truncated"] is True


def test_one_audit_event_per_import_without_personal_data(client, world, db):
    officer = world.as_role("officer", "U01")
    rows = [row(f"A{i:03d}", f"员工{i}", make_id(i), phone="13800138000") for i in range(1, 4)]
    job = post_import(client, officer, csv_bytes(rows)).json()
    with db.read_session() as s:
        events = s.execute(sa.text("SELECT action, actor_label, changes FROM audit_event")).all()
    imports = [e for e in events if e.action == "member_import.completed"]
    assert len(imports) == 1 and len(events) == 1, events
    text = (
        json.dumps(imports[0].changes, ensure_ascii=False)
        if not isinstance(imports[0].changes, str)
        else imports[0].changes
    )
    assert "员工" not in text and "13800138000" not in text and not RAW_ID.search(text)
    assert json.loads(text)["after"]["created"] == 3
    assert job["created_count"] == 3


def test_large_file_runs_as_a_background_job(client, world, db, monkeypatch):
    monkeypatch.setattr(jobs, "INLINE_MAX_BYTES", 100)
    officer = world.as_role("officer", "U01")
    r = post_import(
        client, officer, csv_bytes([row(f"G{i:03d}", f"员工{i}", make_id(i)) for i in range(1, 30)])
    )
    assert r.status_code == 202, r.text
    assert r.headers["Location"].endswith(r.json()["id"])
    # the TestClient runs background tasks before returning; the job is finished now
    job = client.get(r.headers["Location"], headers=officer).json()
    assert job["status"] == "succeeded" and job["created_count"] == 29
    assert job["rows_done"] == job["rows_total"] == 29 and job["phase"] == "done"


def _id(n: int) -> str:
    """20,000 distinct valid IDs: 500 sequence numbers for each of 40 birth dates."""
    return make_id(n % 500, birth=f"19{60 + n // 500:02d}0315", female=n % 2 == 0)


def test_a_generated_20000_row_gb18030_file_imports(client, world, db):
    """Issue 3: a generated 20,000-row file imports in CI on SQLite and PostgreSQL."""
    officer = world.as_role("officer", "U01")
    lines = [
        row(
            f"W{n:06d}",
            f"职工{n}",
            _id(n),
            ("U01", "U01-B01", "U01-B02")[n % 3],
            gender="女" if n % 2 == 0 else "男",
            phone=f"139{n:08d}",
            wage=f"{3000 + n % 5000}.{n % 100:02d}",
            rep="是" if n % 50 == 0 else "否",
        )
        for n in range(20000)
    ]
    content = csv_bytes(lines)
    r = post_import(client, officer, content, filename="hr.csv")
    assert r.status_code == 202, r.text
    job = client.get(f"/api/v1/member-imports/{r.json()['id']}", headers=officer).json()
    assert job["status"] == "succeeded", job
    assert (job["created_count"], job["failed_count"], job["rows_total"]) == (20000, 0, 20000)
    assert count(db, "member") == 20000
    assert count(db, "member", "WHERE is_representative") == 400


def test_progress_is_visible_while_the_import_runs(client, world, db, monkeypatch):
    """Progress (phase, rows done / total) is readable from another session during the write phase."""
    monkeypatch.setattr(runner, "BATCH_SIZE", 10)
    officer = world.as_role("officer", "U01")
    real = runner.build_rows
    seen = []

    def observing(ctx, plans, numbering):
        job_id = next(iter(service._live))
        with db.read_session() as s:
            job = service.view(service.get_in_scope(s, job_id, _importer(world)))
        seen.append((job["status"], job["phase"], job["rows_done"], job["rows_total"]))
        return real(ctx, plans, numbering)

    monkeypatch.setattr(runner, "build_rows", observing)
    job = post_import(
        client, officer, csv_bytes([row(f"R{i:03d}", f"员工{i}", make_id(i)) for i in range(1, 36)])
    ).json()
    assert job["status"] == "succeeded"
    assert seen == [("running", "writing", done, 35) for done in (0, 10, 20, 30)]
    assert service.live_progress(uuid.UUID(job["id"])) is None


def _importer(world):
    from api.security.permissions import Role
    from api.security.principal import GrantRef, Principal

    unit = world.units["U01"].id
    return Principal(
        user_id=uuid.uuid4(),
        username="x",
        kind="human",
        org_unit_id=unit,
        member_id=None,
        grants=(GrantRef(Role.officer, unit),),
        permission="members.import",
    )
