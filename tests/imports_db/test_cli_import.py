"""`gonghui import-members FILE --org CODE [--dry-run] [--on-error skip]` (issue 3)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from api import cli
from api.db.models import AuditEvent, Member
from imports_db.helpers import csv_bytes, make_id, row, union_database


@pytest.fixture
def cli_db(fresh_database_url, monkeypatch):
    db, settings = union_database(fresh_database_url("cli_import"))
    monkeypatch.setattr(cli, "_settings", lambda: settings)
    yield db
    db.engine.dispose()


def test_cli_imports_with_progress_and_reports_failures(cli_db, tmp_path):
    good = [row(f"L{i:03d}", f"员工{i}", make_id(i), "U01") for i in range(1, 6)]
    path = tmp_path / "hr.csv"
    path.write_bytes(csv_bytes([*good, row("L099", "坏行", "123", "U01")]))
    runner = CliRunner()

    dry = runner.invoke(cli.app, ["import-members", str(path), "--org", "U01", "--dry-run", "--lang", "en"])
    assert dry.exit_code == 0, dry.output
    assert (
        "succeeded (dry run)" in dry.output
        and "would create 5" in dry.output  # nothing was created
        and "row 7: national_id: id_short" in dry.output
    )

    refused = runner.invoke(cli.app, ["import-members", str(path), "--org", "U01", "--lang", "en"])
    assert refused.exit_code == 1 and "import_rows_invalid" in refused.output
    # all or nothing: its progress never claims to write, and it says nothing was written
    assert "writing members" not in refused.output and "nothing was written" in refused.output

    zh = runner.invoke(
        cli.app, ["import-members", str(path), "--org", "U01", "--dry-run"], env={"LANG": "zh_CN.UTF-8"}
    )
    assert "成功（试运行）" in zh.output and "将新增 5" in zh.output and "第 7 行" in zh.output, zh.output

    done = runner.invoke(
        cli.app, ["import-members", str(path), "--org", "U01", "--on-error", "skip", "--lang", "en"]
    )
    assert done.exit_code == 0, done.output
    assert "created 5" in done.output and "failed 1" in done.output
    with cli_db.read_session() as s:
        assert s.execute(sa.select(sa.func.count()).select_from(Member)).scalar_one() == 5
        labels = s.execute(
            sa.select(AuditEvent.actor_label, AuditEvent.actor_id).where(
                AuditEvent.action == "member_import.completed"
            )
        ).all()
    assert [tuple(x) for x in labels] == [("cli", None)]

    unknown = runner.invoke(cli.app, ["import-members", str(path), "--org", "NOPE", "--lang", "en"])
    assert unknown.exit_code == 1 and "not_found" in unknown.output
