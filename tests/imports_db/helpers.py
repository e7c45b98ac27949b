"""Helpers for the DB-backed import, upsert, export and change-feed tests."""

from __future__ import annotations

import atexit
import functools
import io
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from factories import resident_id
from samples import write_samples

HEADER_ZH = "工号,姓名,性别,身份证号,手机号,出生日期,入会日期,所属工会代码,月工资,职工代表"


def make_id(n: int, *, region: str = "110101", birth: str = "19850315", female: bool = False) -> str:
    """A resident ID numbered ``n`` (0 <= n < 500 per birth date), born 1985-03-15 unless told: the
    import tests' shorthand for :func:`factories.resident_id`."""
    return resident_id(n, gender="female" if female else "male", birth=birth, region=region)


def csv_bytes(rows: list[str], *, header: str = HEADER_ZH, encoding: str = "gb18030") -> bytes:
    return ("\r\n".join([header, *rows]) + "\r\n").encode(encoding)


def row(
    emp: str,
    name: str,
    nid: str,
    code: str = "U01-B01",
    *,
    phone: str = "13800138000",
    join: str = "2020-01-02",
    wage: str = "5000.00",
    rep: str = "否",
    gender: str = "男",
) -> str:
    return f"{emp},{name},{gender},{nid},{phone},,{join},{code},{wage},{rep}"


def post_import(
    client,
    headers: dict[str, str],
    content: bytes,
    *,
    filename: str = "members.csv",
    org_unit: str = "U01",
    key: str | None = None,
    **form: Any,
):
    data = {
        "org_unit": org_unit,
        **{k: str(v).lower() if isinstance(v, bool) else str(v) for k, v in form.items()},
    }
    extra = {"Idempotency-Key": key} if key else {}
    return client.post(
        "/api/v1/member-imports",
        headers={**headers, **extra},
        data=data,
        files={"file": (filename, io.BytesIO(content), "application/octet-stream")},
    )


def count(db, table: str, where: str = "") -> int:
    with db.read_session() as s:
        return s.execute(sa.text(f"SELECT count(*) FROM {table} {where}")).scalar_one()


def error_set(job: dict[str, Any]) -> set[tuple[int, str, str]]:
    return {(e["row"], e["field"], e["kind"]) for e in job["report"]["errors"]}


@pytest.fixture
def officer_root(world):
    return world.as_role("officer", "ROOT")


def sample(name: str) -> Path:
    """A generated sample HR file (tests/samples.py), written once per test process."""
    return _sample_dir() / name


@functools.cache
def _sample_dir() -> Path:
    directory = Path(tempfile.mkdtemp(prefix="gonghui-samples-"))
    atexit.register(shutil.rmtree, directory, ignore_errors=True)
    write_samples(directory)
    return directory


TEST_SECRET = "test-secret-key-that-is-long-enough-000"


def union_database(url: str) -> tuple[Any, Any]:
    """A migrated database at ``url`` holding ROOT > U01 (a grassroots union), its ``Database`` and the
    ``Settings`` pointing at it. The caller disposes ``db.engine``."""
    from api.config import Settings
    from api.db import migrate
    from api.db.models import OrgUnit
    from api.db.session import Database, make_engine
    from api.services.org_units import insert_unit

    migrate.upgrade(url)
    db = Database(make_engine(url))
    with db.write_session() as s:
        root = OrgUnit(code="ROOT", name="总工会", kind="federation", depth=0)
        insert_unit(s, root, None)
        insert_unit(
            s, OrgUnit(code="U01", name="一厂工会", kind="grassroots", depth=1, parent_id=root.id), root
        )
        s.commit()
    return db, Settings(database_url=url, secret_key=TEST_SECRET, log_level="WARNING")
