"""The organisation tree (docs/rules.md §0): create, rename, move, close, scope, lists, and subtree speed."""

from __future__ import annotations

import time
import uuid
from datetime import date

import pytest
import sqlalchemy as sa
from conftest import etag
from sqlmodel import select

from api.db.models import AuditEvent, OrgUnit, OrgUnitClosure
from api.db.types import utcnow
from api.rules.uscc import compute_uscc_check_char
from api.services.org_units import ALLOWED_PARENTS
from api.services.scope import in_scope

BASE = "/api/v1/org-units"
VALID_USCC = "91350100M000100Y43"


def create(client, headers, code, kind, parent_id, **extra):
    body = {"code": code, "name": extra.pop("name", code), "kind": kind, "parent_id": str(parent_id), **extra}
    return client.post(BASE, json=body, headers=headers)


def ancestors(session, unit_id) -> dict[uuid.UUID, int]:
    session.expire_all()
    rows = session.exec(select(OrgUnitClosure).where(OrgUnitClosure.descendant_id == unit_id)).all()
    return {r.ancestor_id: r.depth for r in rows}


def list_all(client, headers, **params) -> list[dict]:
    r = client.get(BASE, params={"limit": 200, **params}, headers=headers)
    assert r.status_code == 200, r.text
    assert r.json()["next_cursor"] is None
    return r.json()["items"]


# --- create ------------------------------------------------------------------------------------


def test_create_follows_the_kind_hierarchy(client, world, session):
    """federation -> grassroots -> branch -> group (docs/rules.md §0); a group may also sit under a grassroots
    union."""
    admin = world.as_role("admin", "ROOT")
    root = world.units["ROOT"]
    fed = create(client, admin, "F2", "federation", root.id, name="区总工会")
    assert fed.status_code == 201, fed.text
    grass = create(client, admin, "F2-U1", "grassroots", fed.json()["id"], name="第三电子厂工会委员会")
    assert grass.status_code == 201, grass.text
    branch = create(client, admin, "F2-U1-B1", "branch", grass.json()["id"])
    group = create(client, admin, "F2-U1-B1-G1", "group", branch.json()["id"])
    small_group = create(client, admin, "F2-U1-G1", "group", grass.json()["id"])
    for r in (branch, group, small_group):
        assert r.status_code == 201, r.text

    body = group.json()
    assert (
        body["kind"] == "group" and body["depth"] == 4 and body["status"] == "active" and body["version"] == 1
    )
    assert group.headers["ETag"] == '"1"'
    assert group.headers["Location"] == f"{BASE}/{body['id']}"
    chain = [
        root.id,
        uuid.UUID(fed.json()["id"]),
        uuid.UUID(grass.json()["id"]),
        uuid.UUID(branch.json()["id"]),
    ]
    assert ancestors(session, uuid.UUID(body["id"])) == {
        uuid.UUID(body["id"]): 0,
        chain[3]: 1,
        chain[2]: 2,
        chain[1]: 3,
        chain[0]: 4,
    }
    assert {"federation", "grassroots", "branch", "group"} == {k.value for k in ALLOWED_PARENTS}


@pytest.mark.parametrize(
    ("kind", "parent"),
    [
        ("branch", "ROOT"),
        ("group", "ROOT"),
        ("grassroots", "U01"),
        ("federation", "U01"),
        ("grassroots", "U01-B01"),
    ],
)
def test_create_refuses_a_kind_that_cannot_sit_under_the_parent(client, world, problem, kind, parent):
    r = create(client, world.as_role("admin", "ROOT"), "BAD-1", kind, world.units[parent].id)
    body = problem(r, 422, "org_unit_parent_kind")
    assert body["errors"] == [
        {"field": "parent_id", "code": "org_unit_parent_kind", "message": body["detail"]}
    ]


def test_codes_are_unique(client, world, problem):
    r = create(client, world.as_role("admin", "ROOT"), "U01-B01", "branch", world.units["U01"].id)
    body = problem(r, 409, "org_unit_code_taken")
    assert "U01-B01" in body["detail"]


def test_uscc_check_character_is_validated(client, world, problem):
    """Employer's unified social credit code: GB 32100-2015 check character (docs/rules.md §0 org tree)."""
    assert compute_uscc_check_char(VALID_USCC[:17]) == VALID_USCC[17]
    admin = world.as_role("admin", "ROOT")
    ok = create(client, admin, "U03", "grassroots", world.units["ROOT"].id, uscc=VALID_USCC.lower())
    assert ok.status_code == 201, ok.text
    assert ok.json()["uscc"] == VALID_USCC  # normalised to upper case

    wrong = VALID_USCC[:17] + ("4" if VALID_USCC[17] != "4" else "5")
    body = problem(
        create(client, admin, "U04", "grassroots", world.units["ROOT"].id, uscc=wrong), 422, "uscc_checksum"
    )
    assert [e["field"] for e in body["errors"]] == ["uscc"]
    body = problem(
        create(client, admin, "U05", "grassroots", world.units["ROOT"].id, uscc="91350100O000100Y43"),
        422,
        "uscc_format",
    )  # the letter O is not in the GB 32100 alphabet
    assert body["errors"][0]["field"] == "uscc"


def test_create_needs_the_parent_in_scope_and_open(client, world, problem):
    """Setting up a unit needs the unit above (章程 Art 16): the caller must administer the parent."""
    admin_u01 = world.as_role("admin", "U01")
    body = problem(create(client, admin_u01, "U02-B09", "branch", world.units["U02"].id), 422, "not_found")
    assert body["errors"][0]["field"] == "parent_id"
    problem(create(client, admin_u01, "X-1", "branch", uuid.uuid4()), 422, "not_found")


# --- rename (PATCH with If-Match) ----------------------------------------------------------------


def test_rename_needs_if_match(client, world, problem, session):
    admin = world.as_role("admin", "U01")
    path = f"{BASE}/{world.units['U01-B01'].id}"
    got = client.get(path, headers=admin)
    assert got.status_code == 200 and etag(got) == '"1"'

    problem(client.patch(path, json={"name": "机加分工会"}, headers=admin), 428, "if_match_required")
    problem(
        client.patch(path, json={"name": "机加分工会"}, headers={**admin, "If-Match": '"7"'}),
        412,
        "version_mismatch",
    )
    problem(
        client.patch(path, json={"name": "机加分工会"}, headers={**admin, "If-Match": "garbage"}),
        412,
        "version_mismatch",
    )

    r = client.patch(
        path, json={"name": "机加分工会", "uscc": VALID_USCC}, headers={**admin, "If-Match": etag(got)}
    )
    assert r.status_code == 200, r.text
    assert r.json()["name"] == "机加分工会" and r.json()["version"] == 2 and etag(r) == '"2"'
    # the old ETag is now stale
    problem(
        client.patch(path, json={"name": "又改名"}, headers={**admin, "If-Match": '"1"'}),
        412,
        "version_mismatch",
    )
    # weak ETags are accepted
    assert (
        client.patch(path, json={"name": "又改名"}, headers={**admin, "If-Match": 'W/"2"'}).status_code == 200
    )

    events = session.exec(select(AuditEvent).where(AuditEvent.action == "org_unit.updated")).all()
    assert events[0].changes["before"]["name"] == "第一分工会"
    assert events[0].changes["after"]["name"] == "机加分工会"


def test_rename_rejects_unknown_and_invalid_fields(client, world, problem):
    admin = world.as_role("admin", "U01")
    path = f"{BASE}/{world.units['U01-B01'].id}"
    body = problem(
        client.patch(path, json={"kind": "group", "name": ""}, headers={**admin, "If-Match": '"1"'}),
        422,
        "validation_failed",
    )
    assert {e["field"] for e in body["errors"]} == {"kind", "name"}
    body = problem(
        client.patch(path, json={"uscc": VALID_USCC[:17] + "X"}, headers={**admin, "If-Match": '"1"'}),
        422,
        "uscc_checksum",
    )


# --- move -----------------------------------------------------------------------------------------


def test_move_carries_the_subtree_and_rewrites_the_closure(client, world, session):
    admin = world.as_role("admin", "ROOT")
    u = world.units
    f2 = create(client, admin, "F2", "federation", u["ROOT"].id).json()
    g1 = create(client, admin, "U01-B01-G1", "group", u["U01-B01"].id).json()
    path = f"{BASE}/{u['U01'].id}"

    r = client.post(f"{path}/move", json={"parent_id": f2["id"]}, headers={**admin, "If-Match": '"1"'})
    assert r.status_code == 200, r.text
    assert r.json()["parent_id"] == f2["id"] and r.json()["depth"] == 2 and etag(r) == '"2"'

    f2_id, root_id, u01 = uuid.UUID(f2["id"]), u["ROOT"].id, u["U01"].id
    assert ancestors(session, u01) == {u01: 0, f2_id: 1, root_id: 2}
    for code in ("U01-B01", "U01-B02"):
        assert ancestors(session, u[code].id) == {u[code].id: 0, u01: 1, f2_id: 2, root_id: 3}
    g1_id = uuid.UUID(g1["id"])
    assert ancestors(session, g1_id) == {g1_id: 0, u["U01-B01"].id: 1, u01: 2, f2_id: 3, root_id: 4}
    depths = dict(
        session.exec(
            select(OrgUnit.code, OrgUnit.depth).where(
                OrgUnit.code.in_(["U01", "U01-B01", "U01-B02", "U01-B01-G1", "U02", "U02-B01"])
            )
        ).all()
    )
    assert depths == {"U01": 2, "U01-B01": 3, "U01-B02": 3, "U01-B01-G1": 4, "U02": 1, "U02-B01": 2}
    # nothing else changed: U02's subtree still hangs under ROOT only
    assert ancestors(session, u["U02-B01"].id) == {u["U02-B01"].id: 0, u["U02"].id: 1, root_id: 2}
    # the subtree query of the new parent now finds the moved units
    under_f2 = {i["code"] for i in list_all(client, admin, under=f2["id"])}
    assert under_f2 == {"F2", "U01", "U01-B01", "U01-B02", "U01-B01-G1"}
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "org_unit.moved")).one()
    assert event.changes == {"before": {"parent_id": str(root_id)}, "after": {"parent_id": f2["id"]}}


def test_move_between_grassroots_unions(client, world, session):
    u = world.units
    admin = world.as_role("admin", "ROOT")
    r = client.post(
        f"{BASE}/{u['U01-B02'].id}/move",
        json={"parent_id": str(u["U02"].id)},
        headers={**admin, "If-Match": '"1"'},
    )
    assert r.status_code == 200, r.text
    b02 = u["U01-B02"].id
    assert ancestors(session, b02) == {b02: 0, u["U02"].id: 1, u["ROOT"].id: 2}
    assert {i["code"] for i in list_all(client, admin, parent_id=str(u["U02"].id))} == {"U02-B01", "U01-B02"}


def test_move_not_under_its_own_subtree(client, world, problem):
    admin = world.as_role("admin", "ROOT")
    u = world.units
    f2 = create(client, admin, "F2", "federation", u["ROOT"].id).json()
    f3 = create(client, admin, "F3", "federation", f2["id"]).json()
    for target in (f3["id"], f2["id"]):
        body = problem(
            client.post(
                f"{BASE}/{f2['id']}/move", json={"parent_id": target}, headers={**admin, "If-Match": '"1"'}
            ),
            422,
            "org_unit_move_into_own_subtree",
        )
        assert body["errors"][0]["field"] == "parent_id"
    problem(
        client.post(
            f"{BASE}/{u['U01'].id}/move",
            json={"parent_id": str(u["U01-B01"].id)},
            headers={**admin, "If-Match": '"1"'},
        ),
        422,
        "org_unit_move_into_own_subtree",
    )
    # the kind rule applies to moves too
    problem(
        client.post(
            f"{BASE}/{u['U01-B01'].id}/move",
            json={"parent_id": str(u["ROOT"].id)},
            headers={**admin, "If-Match": '"1"'},
        ),
        422,
        "org_unit_parent_kind",
    )


def test_move_target_must_be_in_scope(client, world, problem):
    admin_u01 = world.as_role("admin", "U01")
    u = world.units
    body = problem(
        client.post(
            f"{BASE}/{u['U01-B01'].id}/move",
            json={"parent_id": str(u["U02"].id)},
            headers={**admin_u01, "If-Match": '"1"'},
        ),
        422,
        "not_found",
    )
    assert body["errors"][0]["field"] == "parent_id"
    problem(
        client.post(
            f"{BASE}/{u['U01-B01'].id}/move", json={"parent_id": str(u["U01"].id)}, headers=admin_u01
        ),
        428,
        "if_match_required",
    )


# --- close ----------------------------------------------------------------------------------------


def test_close_needs_no_open_children(client, world, problem, session):
    admin = world.as_role("admin", "ROOT")
    u = world.units
    body = problem(
        client.post(
            f"{BASE}/{u['U01'].id}/close", json={"reason": "企业注销"}, headers={**admin, "If-Match": '"1"'}
        ),
        409,
        "org_unit_has_open_children",
    )
    assert "2" in body["detail"]
    for code in ("U01-B01", "U01-B02"):
        r = client.post(
            f"{BASE}/{u[code].id}/close",
            json={"reason": "车间撤并", "closed_on": "2026-10-31"},
            headers={**admin, "If-Match": '"1"'},
        )
        assert r.status_code == 200, r.text
        assert r.json()["status"] == "closed" and r.json()["closed_on"] == "2026-10-31"
    r = client.post(
        f"{BASE}/{u['U01'].id}/close", json={"reason": "企业注销"}, headers={**admin, "If-Match": '"1"'}
    )
    assert r.status_code == 200, r.text
    assert r.json()["closed_on"] == date.today().isoformat()
    # closing twice is a conflict carrying the current state
    body = problem(
        client.post(
            f"{BASE}/{u['U01'].id}/close", json={"reason": "再次"}, headers={**admin, "If-Match": '"2"'}
        ),
        409,
        "org_unit_closed",
    )
    assert body["current"] == "closed"
    # nothing is set up under a closed unit
    problem(create(client, admin, "U01-B03", "branch", u["U01"].id), 422, "org_unit_closed")
    event = session.exec(
        select(AuditEvent).where(AuditEvent.action == "org_unit.closed", AuditEvent.entity_id == u["U01"].id)
    ).one()
    assert event.changes["reason"] == "企业注销" and event.changes["after"]["status"] == "closed"


def test_close_needs_a_grant_above_the_unit(client, world, problem):
    """Closing a unit needs the approval of the unit above (章程 Art 16): a grant at the unit itself is not
    enough."""
    u = world.units
    own = world.as_role("admin", "U01-B02")
    body = problem(
        client.post(
            f"{BASE}/{u['U01-B02'].id}/close", json={"reason": "车间撤并"}, headers={**own, "If-Match": '"1"'}
        ),
        422,
        "org_unit_needs_unit_above",
    )
    assert "U01-B02" in body["detail"]
    zh = client.post(
        f"{BASE}/{u['U01-B02'].id}/close",
        json={"reason": "车间撤并"},
        headers={**own, "If-Match": '"1"', "Accept-Language": "zh-CN"},
    )
    assert "章程第十六条" in zh.json()["detail"]
    above = world.as_role("admin", "U01")
    r = client.post(
        f"{BASE}/{u['U01-B02'].id}/close", json={"reason": "车间撤并"}, headers={**above, "If-Match": '"1"'}
    )
    assert r.status_code == 200, r.text
    # the top of the tree has nobody above it
    problem(
        client.post(
            f"{BASE}/{u['ROOT'].id}/close",
            json={"reason": "x"},
            headers={**world.as_role("admin", "ROOT"), "If-Match": '"1"'},
        ),
        422,
        "org_unit_needs_unit_above",
    )


# --- scope ----------------------------------------------------------------------------------------


def test_units_outside_the_callers_scope_are_404(client, world, problem):
    admin_u01 = world.as_role("admin", "U01")
    u02 = world.units["U02"].id
    problem(client.get(f"{BASE}/{u02}", headers=admin_u01), 404, "not_found")
    problem(client.get(f"{BASE}/{world.units['ROOT'].id}", headers=admin_u01), 404, "not_found")
    problem(
        client.patch(f"{BASE}/{u02}", json={"name": "x"}, headers={**admin_u01, "If-Match": '"1"'}),
        404,
        "not_found",
    )
    problem(
        client.post(f"{BASE}/{u02}/close", json={"reason": "x"}, headers={**admin_u01, "If-Match": '"1"'}),
        404,
        "not_found",
    )
    problem(client.get(f"{BASE}/{uuid.uuid4()}", headers=admin_u01), 404, "not_found")
    assert {i["code"] for i in list_all(client, admin_u01)} == {"U01", "U01-B01", "U01-B02"}
    assert list_all(client, admin_u01, under=str(u02)) == []
    # read roles see their subtree too
    assert {i["code"] for i in list_all(client, world.as_role("treasurer", "U02"))} == {"U02", "U02-B01"}


# --- lists ----------------------------------------------------------------------------------------


def test_list_filters(client, world):
    admin = world.as_role("admin", "ROOT")
    u = world.units
    client.post(
        f"{BASE}/{u['U02-B01'].id}/close", json={"reason": "撤并"}, headers={**admin, "If-Match": '"1"'}
    )

    def codes(**params):
        return [i["code"] for i in list_all(client, admin, **params)]

    assert codes(parent_id=str(u["U01"].id)) == ["U01-B01", "U01-B02"]
    assert codes(under=str(u["U01"].id)) == ["U01", "U01-B01", "U01-B02"]
    assert codes(kind="branch") == ["U01-B01", "U01-B02", "U02-B01"]
    assert codes(kind="grassroots", under=str(u["U02"].id)) == ["U02"]
    assert codes(status="closed") == ["U02-B01"]
    assert codes(status="active", kind="branch") == ["U01-B01", "U01-B02"]
    assert codes(q="纺织") == ["U02", "U02-B01"]
    assert codes(q="U01-B") == ["U01-B01", "U01-B02"]
    assert codes(q="没有这个") == []


def test_list_rejects_bad_filter_values(client, world, problem):
    admin = world.as_role("admin", "ROOT")
    body = problem(
        client.get(BASE, params={"kind": "bureau", "parent_id": "nope"}, headers=admin),
        422,
        "validation_failed",
    )
    assert {e["field"] for e in body["errors"]} == {"kind", "parent_id"}


def test_keyset_pagination_has_no_repeats_and_no_gaps(client, world, problem):
    admin = world.as_role("admin", "ROOT")
    everything = [i["id"] for i in list_all(client, admin)]
    assert len(everything) == 6

    seen, cursor, pages = [], None, 0
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = client.get(BASE, params=params, headers=admin)
        assert page.status_code == 200, page.text
        body = page.json()
        assert len(body["items"]) <= 2
        seen += [i["id"] for i in body["items"]]
        pages += 1
        if pages == 1:
            # a unit created while paging comes after the ones already listed: not skipped, not repeated
            late = create(client, admin, "LATE", "grassroots", world.units["ROOT"].id)
            assert late.status_code == 201
            everything.append(late.json()["id"])
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == everything and len(set(seen)) == len(seen)
    assert pages == 4

    problem(client.get(BASE, params={"cursor": "not-a-cursor!"}, headers=admin), 400, "invalid_cursor")
    problem(client.get(BASE, params={"cursor": "WyJ4Il0"}, headers=admin), 400, "invalid_cursor")  # ["x"]
    body = problem(client.get(BASE, params={"limit": 201}, headers=admin), 422, "validation_failed")
    assert body["errors"][0]["field"] == "limit"
    problem(client.get(BASE, params={"limit": 0}, headers=admin), 422, "validation_failed")


# --- subtree queries at scale ---------------------------------------------------------------------

#: PostgreSQL plans by statistics, so it gets the full 100,000 units; SQLite (no statistics unless
#: ANALYZE is run) picks the same plan at any size, so 20,000 keep the suite quick there.
SCALE = {"postgresql": 100_000, "sqlite": 20_000}
GROUPS_PER_BRANCH, BRANCHES = 50, 20


def _seq_ids():
    """Sequential UUIDs (like the app's time-ordered v7 ids) keep the bulk insert's index writes cheap."""
    base = (0x0190 << 112) | (uuid.uuid4().int & ((1 << 64) - 1)) << 16
    n = 0
    while True:
        n += 1
        yield uuid.UUID(int=base + n)


def _bulk_tree(conn: sa.Connection, total: int) -> dict[str, uuid.UUID]:
    """A federation ``T`` with one grassroots union (20 branches x 50 groups) and enough further
    grassroots unions to reach ``total`` units; closure rows for all of them. Core inserts only."""
    units, closure = OrgUnit.__table__, OrgUnitClosure.__table__
    ids = _seq_ids()
    now = utcnow()
    rows: list[dict] = []
    links: list[dict] = []

    def add(code: str, kind: str, chain: list[uuid.UUID]) -> uuid.UUID:
        unit_id = next(ids)
        rows.append(
            {
                "id": unit_id,
                "code": code,
                "name": code,
                "kind": kind,
                "parent_id": chain[-1] if chain else None,
                "depth": len(chain),
                "status": "active",
                "version": 1,
                "created_at": now,
                "updated_at": now,
            }
        )
        links.append({"ancestor_id": unit_id, "descendant_id": unit_id, "depth": 0})
        links.extend(
            {"ancestor_id": a, "descendant_id": unit_id, "depth": d} for d, a in enumerate(reversed(chain), 1)
        )
        return unit_id

    top = add("T", "federation", [])
    grassroots = add("T-G", "grassroots", [top])
    branches = [add(f"T-G-B{b}", "branch", [top, grassroots]) for b in range(BRANCHES)]
    for b, branch in enumerate(branches):
        for k in range(GROUPS_PER_BRANCH):
            add(f"T-G-B{b}-K{k}", "group", [top, grassroots, branch])
    conn.execute(units.insert(), rows)
    conn.execute(closure.insert(), links)

    rest = total - len(rows)
    if conn.dialect.name == "postgresql":
        # generated by the server: the same rows without a round trip per row
        first = uuid.uuid4().hex[:20]
        i = sa.func.generate_series(1, rest).column_valued("i")
        unit_id = sa.cast(sa.func.concat(first, sa.func.lpad(sa.func.to_hex(i), 12, "0")), sa.Uuid)
        stamp = sa.literal(now, units.c.created_at.type)
        conn.execute(
            units.insert().from_select(
                [
                    "id",
                    "code",
                    "name",
                    "kind",
                    "parent_id",
                    "depth",
                    "status",
                    "version",
                    "created_at",
                    "updated_at",
                ],
                sa.select(
                    unit_id,
                    sa.func.concat("T-U", i),
                    sa.func.concat("T-U", i),
                    sa.literal("grassroots"),
                    sa.literal(top, sa.Uuid),
                    sa.literal(1),
                    sa.literal("active"),
                    sa.literal(1),
                    stamp,
                    stamp,
                ),
            )
        )
    else:
        rows.clear()
        for n in range(rest):
            rows.append(
                {
                    "id": next(ids),
                    "code": f"T-U{n}",
                    "name": f"T-U{n}",
                    "kind": "grassroots",
                    "parent_id": top,
                    "depth": 1,
                    "status": "active",
                    "version": 1,
                    "created_at": now,
                    "updated_at": now,
                }
            )
        conn.execute(units.insert(), rows)
    flat = (units.c.parent_id == top, units.c.code.like("T-U%"))  # one scan each, no join
    conn.execute(
        closure.insert().from_select(
            ["ancestor_id", "descendant_id", "depth"],
            sa.select(units.c.id, units.c.id, sa.literal(0)).where(*flat),
        )
    )
    conn.execute(
        closure.insert().from_select(
            ["ancestor_id", "descendant_id", "depth"],
            sa.select(sa.literal(top, sa.Uuid), units.c.id, sa.literal(1)).where(*flat),
        )
    )
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(
            "ANALYZE org_unit"
        )  # what autovacuum does in production; rolled back with the test
        conn.exec_driver_sql("ANALYZE org_unit_closure")
    return {"top": top, "grassroots": grassroots, "branch": branches[7]}


@pytest.fixture
def big_tree(connection, backend):
    started = time.perf_counter()
    ids = _bulk_tree(connection, SCALE[backend])
    return {**ids, "seconds": time.perf_counter() - started}


def test_scale_subtree_query_uses_the_closure_index(connection, big_tree, backend):
    """SCALE TEST (100,000 units on PostgreSQL, 20,000 on SQLite): every scoped query goes through
    ``in_scope``; for a branch its subtree SELECT must be an index lookup on ``org_unit_closure``,
    never a scan of it (issue: "subtree queries must stay fast at 100,000 units")."""
    assert connection.execute(sa.select(sa.func.count()).select_from(OrgUnit)).scalar() >= SCALE[backend]
    stmt = sa.select(OrgUnit).where(in_scope(OrgUnit.id, [big_tree["branch"]]))
    sql = str(stmt.compile(dialect=connection.dialect, compile_kwargs={"literal_binds": True}))
    if backend == "postgresql":
        plan = "\n".join(r[0] for r in connection.exec_driver_sql("EXPLAIN " + sql))
        assert "Seq Scan on org_unit_closure" not in plan, plan
        assert "org_unit_closure" in plan and "Index" in plan, plan
    else:
        plan = "\n".join(r[-1] for r in connection.exec_driver_sql("EXPLAIN QUERY PLAN " + sql))
        assert "SCAN org_unit_closure" not in plan, plan
        assert "SEARCH org_unit_closure USING" in plan and "INDEX" in plan, plan

    started = time.perf_counter()
    found = connection.execute(stmt).all()
    elapsed = time.perf_counter() - started
    assert len(found) == 1 + GROUPS_PER_BRANCH
    assert elapsed < 0.5, f"subtree of one branch took {elapsed:.3f} s"
    # the scope check of one object (load-by-id) is an index lookup as well
    whole = connection.execute(
        sa.select(sa.func.count()).where(in_scope(OrgUnit.id, [big_tree["grassroots"]]))
    ).scalar()
    assert whole == 1 + BRANCHES * (1 + GROUPS_PER_BRANCH)
