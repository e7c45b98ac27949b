"""GET /changes (issue 3: every change in commit order, with a cursor that never skips or repeats)."""

from __future__ import annotations

import random
import threading
import time
import uuid

import pytest
import sqlalchemy as sa
from imports_db.helpers import csv_bytes, make_id, post_import, row

from api.db import migrate
from api.db.models import ChangeLogEntry, OrgUnit
from api.db.session import Database, make_engine
from api.db.types import utcnow
from api.routers.changes import feed
from api.security.permissions import Role
from api.security.principal import GrantRef, Principal
from api.services.org_units import insert_unit

URL = "/api/v1/changes"


def upsert(client, headers, emp: str, n: int, **extra):
    r = client.put(
        f"/api/v1/members/by-employee-no/{emp}?org_unit=U01",
        headers={**headers, "If-Match": "*"},
        json={"name": f"员工{n}", "national_id": make_id(n), **extra},
    )
    assert r.status_code in (200, 201), r.text
    return r.json()


def read(client, headers, since: str | None = None, **params):
    r = client.get(
        URL, params={**({"cursor": since} if since is not None else {}), **params}, headers=headers
    )
    assert r.status_code == 200, r.text
    return r.json()


def test_changes_between_reads_are_neither_skipped_nor_repeated(client, world):
    hr = world.as_role("integration", "U01")
    empty = read(client, hr)
    assert empty == {"items": [], "next_cursor": "0", "has_more": False}

    a = upsert(client, hr, "A1", 1)
    page = read(client, hr, "0")
    assert [(i["entity_id"], i["action"], i["entity_version"]) for i in page["items"]] == [
        (a["id"], "created", 1)
    ]
    cursor = page["next_cursor"]
    assert read(client, hr, cursor) == {"items": [], "next_cursor": cursor, "has_more": False}

    upsert(client, hr, "A1", 1, phone="13800000001")
    upsert(client, hr, "A1", 1, phone="13800000001")  # unchanged: no entry
    b = upsert(client, hr, "B1", 2)
    seen = []
    while True:
        page = read(client, hr, cursor, limit=1)
        seen += page["items"]
        cursor = page["next_cursor"]
        if not page["has_more"]:
            break
    assert [(i["entity_id"], i["action"]) for i in seen] == [(a["id"], "updated"), (b["id"], "created")]
    assert [i["entity_version"] for i in seen] == [2, 1]
    assert int(seen[0]["seq"]) < int(seen[1]["seq"]) == int(cursor)
    assert read(client, hr, cursor)["items"] == []


def test_imports_feed_the_change_log(client, world):
    hr = world.as_role("integration", "U01")
    officer = world.as_role("officer", "U01")
    post_import(client, officer, csv_bytes([row(f"I{i}", f"员工{i}", make_id(i)) for i in range(1, 4)]))
    page = read(client, hr, entity="member")
    assert [i["action"] for i in page["items"]] == ["created"] * 3


def test_feed_is_scoped_and_filtered(client, world, problem):
    upsert(client, world.as_role("integration", "U01"), "S1", 1)
    assert read(client, world.as_role("integration", "U02"))["items"] == []
    assert len(read(client, world.as_role("auditor", "ROOT"))["items"]) == 1
    hr = world.as_role("integration", "U01")
    # one cursor name on every list; an unknown parameter or entity type is refused, never ignored
    for params, field in (({"entity": "motion"}, "entity"), ({"since": "0"}, "since")):
        body = problem(client.get(URL, params=params, headers=hr), 422, "validation_failed")
        assert [e["field"] for e in body["errors"]] == [field]
    problem(
        client.get(URL, params={"cursor": "abc"}, headers=world.as_role("integration", "U01")),
        400,
        "invalid_cursor",
    )
    problem(client.get(URL, headers=world.as_role("chair", "U01")), 403, "permission_denied")


# --- real concurrency on PostgreSQL: separate connections, their own commits ------------------------------


@pytest.fixture
def fresh_db(fresh_database_url):
    url = fresh_database_url("changefeed")
    migrate.upgrade(url)
    engine = make_engine(url)
    db = Database(engine)
    with db.write_session() as s:
        unit = OrgUnit(code="R", name="R", kind="federation", depth=0)
        insert_unit(s, unit, None)
        s.commit()
    principal = Principal(
        user_id=uuid.uuid4(),
        username="feed",
        kind="service",
        org_unit_id=unit.id,
        member_id=None,
        grants=(GrantRef(Role.integration, unit.id),),
        permission="changes.read",
    )
    yield engine, db, unit, principal
    engine.dispose()


def _entry(unit_id: uuid.UUID, entity_id: uuid.UUID) -> sa.Insert:
    return sa.insert(ChangeLogEntry).values(
        entity_type="member",
        entity_id=entity_id,
        action="created",
        org_unit_id=unit_id,
        entity_version=1,
        changed_at=utcnow(),
    )


def _poll(db: Database, principal: Principal, since: str) -> tuple[list, str]:
    with db.write_session() as s:
        out = feed(s, principal, since=since, entity=None, limit=100)
    return out.items, out.next_cursor


@pytest.mark.postgres_only
def test_a_transaction_that_commits_late_is_not_skipped(fresh_db):
    """Transaction A inserts first but commits after B; a reader between the two commits must still get
    A's change later, after B's, and neither twice."""
    engine, db, unit, principal = fresh_db
    first, second = uuid.uuid4(), uuid.uuid4()
    with engine.connect() as conn_a, engine.connect() as conn_b:
        tx_a = conn_a.begin()
        conn_a.execute(_entry(unit.id, first))  # lower id, not committed yet
        with conn_b.begin():
            conn_b.execute(_entry(unit.id, second))
        items, cursor = _poll(db, principal, "0")
        assert [i.entity_id for i in items] == [second]
        tx_a.commit()
    items, cursor2 = _poll(db, principal, cursor)
    assert [i.entity_id for i in items] == [first]
    assert int(cursor2) > int(cursor)
    assert _poll(db, principal, cursor2)[0] == []


@pytest.mark.postgres_only
def test_concurrent_writers_and_a_polling_reader(fresh_db):
    """Writers commit in random order with transactions held open; the reader sees every change once."""
    engine, db, unit, principal = fresh_db
    written: list[uuid.UUID] = []
    lock = threading.Lock()

    def writer(seed: int) -> None:
        rng = random.Random(seed)
        for _ in range(15):
            ids = [uuid.uuid4() for _ in range(rng.randint(1, 3))]
            with engine.begin() as conn:
                for entity_id in ids:
                    conn.execute(_entry(unit.id, entity_id))
                    time.sleep(rng.random() * 0.01)
            with lock:
                written.extend(ids)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    seen: list[uuid.UUID] = []
    cursor = "0"
    while any(t.is_alive() for t in threads):
        items, cursor = _poll(db, principal, cursor)
        seen += [i.entity_id for i in items]
    for t in threads:
        t.join()
    items, cursor = _poll(db, principal, cursor)
    seen += [i.entity_id for i in items]
    assert len(seen) == len(set(seen)) == len(written)
    assert set(seen) == set(written)
