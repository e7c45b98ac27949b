"""Resident ID protection (issue "Members": stored encrypted + HMAC, masked in responses, full value
only for the roles of docs/rules.md §0 and every such read audited; the raw ID nowhere in the database)."""

from __future__ import annotations

import json

import sqlalchemy as sa
from factories import link_member_user, resident_id

from api.db.models import metadata
from members.factories import payload

BASE = "/api/v1/members"


def test_chair_and_officer_read_the_full_id_and_every_read_is_audited(client, world, officer, audit_events):
    """docs/rules.md §0: "resident ID in full (audited)" — chair and officer."""
    rid = resident_id()
    m = client.post(BASE, json=payload(world, national_id=rid), headers=officer).json()
    for role in ("chair", "officer"):
        r = client.get(f"{BASE}/{m['id']}/national-id", headers=world.as_role(role, "U01"))
        assert r.status_code == 200, r.text
        assert r.json() == {"id": m["id"], "member_no": m["member_no"], "national_id": rid}
    reads = audit_events("member.national_id_read", m["id"])
    assert sorted(e.actor_label for e in reads) == ["chair.u01", "officer.u01"]
    assert all(e.changes is None and e.org_unit_id == world.units["U01-B01"].id for e in reads)


def test_other_roles_cannot_read_the_full_id(client, world, new_member, problem):
    m = new_member()
    for role in ("admin", "treasurer", "auditor", "handler", "member", "integration"):
        problem(
            client.get(f"{BASE}/{m['id']}/national-id", headers=world.as_role(role, "U01")),
            403,
            "permission_denied",
        )


def test_a_member_reads_their_own_id_audited(client, world, new_member, audit_events):
    """docs/rules.md §0: a member may see their own resident ID in full ("self")."""
    rid = resident_id()
    m = new_member(national_id=rid)
    link_member_user(world, "own.member", m["id"])
    r = client.get("/api/v1/me/member/national-id", headers=world.headers("own.member"))
    assert r.status_code == 200 and r.json()["national_id"] == rid
    [event] = audit_events("member.national_id_read", m["id"])
    assert event.actor_label == "own.member"


def _dump_database(connection: sa.Connection) -> str:
    """Every value of every table, as text (JSON columns serialised, bytes decoded)."""
    chunks: list[str] = []
    for table in metadata.sorted_tables:
        for row in connection.execute(sa.select(table)).all():
            for value in row:
                if isinstance(value, (bytes, bytearray, memoryview)):
                    chunks.append(bytes(value).decode("utf-8", "replace"))
                elif isinstance(value, (dict, list)):
                    chunks.append(json.dumps(value, ensure_ascii=False))
                elif value is not None:
                    chunks.append(str(value))
    return "\n".join(chunks)


def test_the_raw_id_is_nowhere_in_the_database(client, world, officer, connection):
    """The issue: "The raw ID must not appear anywhere in the database file" — not in the member row,
    the audit log, the change feed, stored idempotent responses or events."""
    first = next(resident_id(n) for n in range(7000, 7100) if resident_id(n).endswith("X"))
    second = resident_id()
    r = client.post(
        BASE,
        json=payload(world, national_id=first.lower()),
        headers={**officer, "Idempotency-Key": "create-1"},
    )
    assert r.status_code == 201, r.text
    m = r.json()
    r = client.patch(
        f"{BASE}/{m['id']}", json={"national_id": second}, headers={**officer, "If-Match": '"1"'}
    )
    assert r.status_code == 200, r.text
    assert client.get(f"{BASE}/{m['id']}/national-id", headers=officer).json()["national_id"] == second
    client.post(
        BASE, json=payload(world, national_id=second), headers={**officer, "Idempotency-Key": "dup-1"}
    )

    dump = _dump_database(connection)
    assert m["member_no"] in dump and m["national_id_masked"] in dump  # the dump does see the member
    stored = connection.execute(sa.text("SELECT count(*) FROM idempotency_record")).scalar_one()
    assert stored >= 1  # the idempotent create's response was stored and is part of the dump
    for raw in (first, first.lower(), second):
        assert raw not in dump
        assert raw[:17] not in dump  # not even without the check character
