"""The cross-cutting contract (issue: Cross-cutting contract): problem+json errors in English and
Chinese, request ids, idempotent POSTs, the append-only audit log, health probes and offline docs."""

from __future__ import annotations

import importlib.util
import json
import logging
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from matrix import PUBLIC_RECIPES, RECIPES
from sqlmodel import select

from api.db.models import AuditEvent, OrgUnit
from api.db.session import Database, make_engine
from api.db.types import utcnow
from api.errors import Conflict
from api.main import api_routes, create_app
from api.services import audit as audit_service

PROBLEM_KEYS = {"type", "title", "status", "detail", "instance", "code", "request_id"}
UNITS = "/api/v1/org-units"


def assert_problem_shape(r, status: int, code: str) -> dict:
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == "application/problem+json", r.headers
    body = r.json()
    assert body.keys() >= PROBLEM_KEYS, body
    assert body["status"] == status and body["code"] == code
    assert body["type"].endswith("/" + code) and body["title"] and body["detail"]
    assert body["instance"] == r.request.url.path
    assert body["request_id"] and r.headers["X-Request-ID"] == body["request_id"]
    return body


def unit_body(world, code="U01-B09", **extra):
    return {
        "code": code,
        "name": "第九分工会",
        "kind": "branch",
        "parent_id": str(world.units["U01"].id),
        "approval_ref": "总工发〔2026〕1号",
        **extra,
    }


# --- problem+json for every status ---------------------------------------------------------------


def test_401_403_404_405(client, world):
    assert_problem_shape(client.get(UNITS), 401, "not_authenticated")
    assert client.get(UNITS).headers["WWW-Authenticate"] == "Bearer"
    assert_problem_shape(
        client.get(UNITS, headers={"Authorization": "Bearer not.a.jwt"}), 401, "invalid_token"
    )
    body = assert_problem_shape(
        client.get(UNITS, headers=world.as_role("member", "U01")), 403, "permission_denied"
    )
    assert body["permission"] == "org_units.read"
    admin = world.as_role("admin", "ROOT")
    assert_problem_shape(client.get(f"{UNITS}/{uuid.uuid4()}", headers=admin), 404, "not_found")
    assert_problem_shape(client.get("/api/v1/no-such-area", headers=admin), 404, "not_found")
    assert_problem_shape(client.delete(UNITS, headers=admin), 405, "method_not_allowed")


def test_409_412_428(client, world):
    admin = world.as_role("admin", "ROOT")
    assert_problem_shape(
        client.post(UNITS, json=unit_body(world, "U01-B01"), headers=admin), 409, "org_unit_code_taken"
    )
    path = f"{UNITS}/{world.units['U01'].id}"
    assert_problem_shape(client.patch(path, json={"name": "x"}, headers=admin), 428, "if_match_required")
    assert_problem_shape(
        client.patch(path, json={"name": "x"}, headers={**admin, "If-Match": '"9"'}), 412, "version_mismatch"
    )


def test_422_names_each_invalid_field(client, world):
    admin = world.as_role("admin", "ROOT")
    bad = {
        "code": "no spaces allowed",
        "name": "名称",
        "kind": "bureau",
        "parent_id": "not-a-uuid",
        "approval_ref": "总工发〔2026〕1号",
    }
    body = assert_problem_shape(client.post(UNITS, json=bad, headers=admin), 422, "validation_failed")
    assert sorted(e["field"] for e in body["errors"]) == ["code", "kind", "parent_id"]
    assert {e["code"] for e in body["errors"]} == {"string_pattern_mismatch", "enum", "uuid_parsing"}
    assert all(e["message"] for e in body["errors"])
    assert "3" in body["detail"]
    # unknown fields and a missing one are named too
    body = assert_problem_shape(
        client.post(
            UNITS,
            json={
                "code": "X1",
                "kind": "branch",
                "colour": "red",
                "parent_id": str(world.units["U01"].id),
                "approval_ref": "总工发〔2026〕1号",
            },
            headers=admin,
        ),
        422,
        "validation_failed",
    )
    assert {(e["field"], e["code"]) for e in body["errors"]} == {
        ("name", "missing"),
        ("colour", "extra_forbidden"),
    }
    # a body that is not JSON at all
    r = client.post(UNITS, content=b"{not json", headers={**admin, "Content-Type": "application/json"})
    assert_problem_shape(r, 422, "validation_failed")


def test_429_with_retry_after(client, world, settings):
    # one address failing for many accounts (password spraying) is refused for a while
    for n in range(settings.login_lockout_address):
        client.post("/api/v1/auth/token", data={"username": f"sprayed.{n}", "password": "wrong-password"})
    r = client.post("/api/v1/auth/token", data={"username": "sprayed.x", "password": "wrong-password"})
    body = assert_problem_shape(r, 429, "login_locked")
    assert int(r.headers["Retry-After"]) == body["retry_after"] > 0


@pytest.fixture
def failing_app(settings, db):
    """A throwaway app with routes that fail unexpectedly (never part of the production app)."""
    app = create_app(settings, database=db)

    def contract_boom_sql() -> None:
        with db.read_session() as session:
            session.execute(sa.text("SELECT secret_column FROM no_such_table_for_the_contract_test"))

    def contract_boom() -> None:
        raise RuntimeError("internal detail that must not leak: /srv/gonghui/api/secret.py line 42")

    app.add_api_route("/boom-sql", contract_boom_sql)
    app.add_api_route("/boom", contract_boom)
    return app


@pytest.mark.parametrize("path", ["/boom", "/boom-sql"])
def test_500_is_a_problem_with_the_request_id_and_no_internals(failing_app, path, caplog):
    incoming = uuid.uuid4().hex
    with TestClient(failing_app, raise_server_exceptions=False) as client, caplog.at_level(logging.ERROR):
        r = client.get(path, headers={"X-Request-ID": incoming, "Accept-Language": "zh-CN"})
    body = assert_problem_shape(r, 500, "internal_error")
    assert body["request_id"] == incoming and r.headers["X-Request-ID"] == incoming
    assert "请求编号" in body["detail"]
    text = r.text.lower()
    for leak in ("traceback", "no_such_table", "secret", "select ", "line 42", ".py"):
        assert leak not in text, leak
    assert set(body) == PROBLEM_KEYS
    # the unexpected error is logged, with the request id the client was given
    logged = [rec for rec in caplog.records if rec.name == "gonghui.errors"]
    assert logged and logged[-1].exc_info
    assert logged[-1].msg["request_id"] == incoming


# --- languages and request ids -------------------------------------------------------------------


def test_accept_language_chinese(client, world):
    zh = {"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5"}
    assert client.get(UNITS, headers=zh).json()["detail"] == "需要登录认证。"
    assert client.get(UNITS).json()["detail"] == "Authentication is required."
    admin = world.as_role("admin", "ROOT")
    body = client.get(f"{UNITS}/{uuid.uuid4()}", headers={**admin, **zh}).json()
    assert body["detail"] == "资源不存在或不在您的管辖范围内。"
    bad = client.post(
        UNITS,
        json={
            "code": "U01-B09",
            "kind": "branch",
            "parent_id": str(world.units["U01"].id),
            "approval_ref": "总工发〔2026〕1号",
        },
        headers={**admin, **zh},
    ).json()
    assert bad["detail"] == "有 1 个字段无效。" and bad["errors"][0]["message"] == "此字段为必填项。"
    dup = client.post(UNITS, json=unit_body(world, "U01-B01"), headers={**admin, **zh}).json()
    assert dup["detail"] == "组织代码 U01-B01 已被使用。"


def test_every_response_has_a_request_id_and_a_valid_incoming_one_is_echoed(client, world):
    admin = world.as_role("admin", "ROOT")
    responses = [
        client.get("/healthz"),
        client.get(UNITS, headers=admin),
        client.get(UNITS),  # 401
        client.post(UNITS, json={}, headers=admin),  # 422
        client.get("/nowhere"),  # 404 outside the API
    ]
    ids = [r.headers["X-Request-ID"] for r in responses]
    assert all(len(i) == 32 for i in ids) and len(set(ids)) == len(ids)
    assert all("," not in i for i in ids), "the header must appear once"

    mine = uuid.uuid4().hex
    assert client.get("/healthz", headers={"X-Request-ID": mine}).headers["X-Request-ID"] == mine
    r = client.get(UNITS, headers={"X-Request-ID": mine})
    assert r.headers["X-Request-ID"] == mine and r.json()["request_id"] == mine
    # an id that is not a UUID is replaced, not echoed (log injection)
    assert (
        client.get("/healthz", headers={"X-Request-ID": "evil\nvalue"}).headers["X-Request-ID"]
        != "evil\nvalue"
    )


# --- idempotency -----------------------------------------------------------------------------------


def test_idempotent_retry_returns_the_first_response(client, world, session):
    admin = world.as_role("admin", "ROOT")
    headers = {**admin, "Idempotency-Key": "create-b09-1"}
    first = client.post(UNITS, json=unit_body(world), headers=headers)
    assert first.status_code == 201, first.text
    again = client.post(UNITS, json=unit_body(world), headers=headers)
    assert again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert (
        again.headers["Location"] == first.headers["Location"]
        and again.headers["ETag"] == first.headers["ETag"]
    )
    assert "idempotent-replayed" not in first.headers
    assert again.headers["X-Request-ID"] != first.headers["X-Request-ID"]
    assert (
        session.exec(select(sa.func.count()).select_from(OrgUnit).where(OrgUnit.code == "U01-B09")).one() == 1
    )
    created = session.exec(select(AuditEvent).where(AuditEvent.action == "org_unit.created")).all()
    assert len(created) == 1

    # the same key with another body is refused
    other = client.post(UNITS, json=unit_body(world, name="别的名字"), headers=headers)
    assert_problem_shape(other, 422, "idempotency_key_reused")
    # keys belong to the caller: another user may use the same key for their own request
    other_admin = world.as_role("admin", "U01")
    mine = client.post(
        UNITS, json=unit_body(world, "U01-B10"), headers={**other_admin, "Idempotency-Key": "create-b09-1"}
    )
    assert mine.status_code == 201 and mine.json()["code"] == "U01-B10"


def test_a_failed_first_attempt_frees_the_key(client, world):
    admin = world.as_role("admin", "ROOT")
    headers = {**admin, "Idempotency-Key": "retry-after-409"}
    clash = unit_body(world, "U01-B02")
    assert_problem_shape(client.post(UNITS, json=clash, headers=headers), 409, "org_unit_code_taken")
    # the same request runs again (it is not a replay of the stored failure) ...
    again = client.post(UNITS, json=clash, headers=headers)
    assert_problem_shape(again, 409, "org_unit_code_taken")
    assert "idempotent-replayed" not in again.headers
    # ... and since nothing was kept for the key, a corrected request may use it
    ok = client.post(UNITS, json=unit_body(world, "U01-B03"), headers=headers)
    assert ok.status_code == 201, ok.text
    replay = client.post(UNITS, json=unit_body(world, "U01-B03"), headers=headers)
    assert replay.headers["idempotent-replayed"] == "true" and replay.json() == ok.json()


def test_idempotency_key_length_is_limited(client, world):
    admin = world.as_role("admin", "ROOT")
    body = assert_problem_shape(
        client.post(UNITS, json=unit_body(world), headers={**admin, "Idempotency-Key": "k" * 201}),
        422,
        "validation_failed",
    )
    assert body["errors"][0]["field"] == "Idempotency-Key"


# --- audit ----------------------------------------------------------------------------------------

WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
#: writes that are not audited, with the reason
NOT_AUDITED: dict[str, str] = {}


def _real_move(client, world):
    """The matrix recipe moves a unit to the parent it already has (a no-op, rightly not audited)."""
    from matrix import Call

    path = f"{UNITS}/{world.units['U01-B02'].id}"
    return Call(
        "admin",
        "ROOT",
        "POST",
        path + "/move",
        json={"parent_id": str(world.units["U02"].id)},
        headers={"If-Match": '"1"'},
    )


#: calls that replace a matrix recipe here, because the recipe's request changes nothing
AUDIT_CALLS = {"org_units_move": _real_move}


def _load_recipes() -> None:
    for path in sorted(Path(__file__).resolve().parents[1].glob("*/recipes_*.py")):
        spec = importlib.util.spec_from_file_location(f"gonghui_contract_recipes_{path.stem}", path)
        assert spec and spec.loader
        spec.loader.exec_module(importlib.util.module_from_spec(spec))


_load_recipes()
WRITE_ROUTES = sorted(
    {route.name for _, route in api_routes() if route.methods & WRITE_METHODS} - set(NOT_AUDITED)
)


@pytest.mark.parametrize("op", WRITE_ROUTES)
def test_every_write_endpoint_leaves_an_audit_event(client, world, session, op):
    """Every write, state change, grant change and login appends an audit event in the same request."""
    if op in PUBLIC_RECIPES:
        call, headers = PUBLIC_RECIPES[op](client, world), {}
    else:
        call = AUDIT_CALLS.get(op, RECIPES[op])(client, world)
        headers = world.as_role(call.role, call.unit)
    r = client.request(
        call.method,
        call.path,
        json=call.json,
        data=call.data,
        files=call.files,
        headers={**headers, **call.headers},
    )
    assert r.status_code == call.expect, r.text
    request_id = r.headers["X-Request-ID"]
    session.expire_all()
    events = session.exec(select(AuditEvent).where(AuditEvent.request_id == request_id)).all()
    assert events, f"{op} wrote no audit event"


def test_a_request_that_fails_after_writing_leaves_no_audit_event(client, world, session, monkeypatch):
    """The event is written in the request's transaction: a failure after the write rolls both back."""
    real_record = audit_service.record

    def record_then_fail(db_session, *args, **kwargs):
        real_record(db_session, *args, **kwargs)
        db_session.flush()  # the unit and its event reached the database ...
        raise Conflict("conflict")  # ... then the use case fails

    monkeypatch.setattr(audit_service, "record", record_then_fail)
    r = client.post(UNITS, json=unit_body(world), headers=world.as_role("admin", "ROOT"))
    assert_problem_shape(r, 409, "conflict")
    monkeypatch.undo()
    session.expire_all()
    assert (
        session.exec(select(AuditEvent).where(AuditEvent.request_id == r.headers["X-Request-ID"])).all() == []
    )
    assert session.exec(select(OrgUnit).where(OrgUnit.code == "U01-B09")).first() is None


def test_audit_events_cannot_be_changed_or_deleted(connection, world, backend):
    with world.db.write_session() as s:
        with pytest.raises(ValueError):  # the closed set of actions (AuditAction): no invented one
            audit_service.record(s, None, "contract.test", entity_type="org_unit")
        event = audit_service.record(s, None, "org_unit.updated", entity_type="org_unit")
        s.commit()
    statements = [
        f"UPDATE audit_event SET action = 'tampered' WHERE id = '{_db_uuid(event.id, backend)}'",
        f"DELETE FROM audit_event WHERE id = '{_db_uuid(event.id, backend)}'",
        "UPDATE audit_event SET actor_label = NULL",
        "DELETE FROM audit_event",
    ]
    if backend == "postgresql":
        statements.append("TRUNCATE audit_event")
    for statement in statements:
        savepoint = connection.begin_nested()
        with pytest.raises(sa.exc.DBAPIError) as excinfo:
            connection.exec_driver_sql(statement)
        assert "append-only" in str(excinfo.value).lower() or "audit" in str(excinfo.value).lower()
        savepoint.rollback()
    assert (
        connection.execute(sa.select(AuditEvent.action).where(AuditEvent.id == event.id)).scalar()
        == "org_unit.updated"
    )


def _db_uuid(value: uuid.UUID, backend: str) -> str:
    return str(value) if backend == "postgresql" else value.hex


def test_audit_events_list_filters_and_scope(client, world, session):
    root_admin = world.as_role("admin", "ROOT")
    actor = world.users["admin.root"]
    before = utcnow() - timedelta(seconds=1)
    b09 = client.post(UNITS, json=unit_body(world), headers=root_admin).json()
    u02_unit = client.post(
        UNITS,
        json={
            "code": "U02-B09",
            "name": "纺织九分会",
            "kind": "branch",
            "parent_id": str(world.units["U02"].id),
            "approval_ref": "总工发〔2026〕1号",
        },
        headers=root_admin,
    ).json()
    client.patch(f"{UNITS}/{b09['id']}", json={"name": "改名"}, headers={**root_admin, "If-Match": '"1"'})
    after = utcnow() + timedelta(seconds=1)

    auditor = world.as_role("auditor", "U01")

    def listed(headers=auditor, **params):
        r = client.get("/api/v1/audit-events", params={"limit": 200, **params}, headers=headers)
        assert r.status_code == 200, r.text
        return r.json()["items"]

    mine = listed()
    assert {e["entity_id"] for e in mine} == {b09["id"]}  # U02's events are outside an U01 auditor's scope
    assert [e["action"] for e in mine] == ["org_unit.updated", "org_unit.created"]  # newest first
    assert mine[0]["actor_id"] == str(actor.id) and mine[0]["request_id"]
    assert mine[0]["changes"] == {"before": {"name": "第九分工会"}, "after": {"name": "改名"}}

    admin_root = world.as_role("admin", "ROOT")
    assert {e["entity_id"] for e in listed(admin_root, entity_type="org_unit")} == {b09["id"], u02_unit["id"]}
    assert [e["action"] for e in listed(admin_root, entity_id=u02_unit["id"])] == ["org_unit.created"]
    assert len(listed(admin_root, actor_id=str(actor.id), entity_type="org_unit")) == 3
    assert listed(admin_root, actor_id=str(uuid.uuid4())) == []
    assert [e["entity_id"] for e in listed(admin_root, action="org_unit.updated")] == [b09["id"]]
    for unknown in ({"action": "org_unit.renamed"}, {"entity_type": "motion_draft"}):  # closed sets: 422
        r = client.get("/api/v1/audit-events", params=unknown, headers=admin_root)
        assert r.status_code == 422, r.text
    assert (
        len(listed(admin_root, entity_type="org_unit", since=before.isoformat(), until=after.isoformat()))
        == 3
    )
    assert listed(admin_root, entity_type="org_unit", since=after.isoformat()) == []
    assert listed(admin_root, entity_type="org_unit", until=before.isoformat()) == []
    # pages of one, newest first, no repeats
    seen, cursor = [], None
    while True:
        page = client.get(
            "/api/v1/audit-events",
            params={"limit": 1, "entity_type": "org_unit", **({"cursor": cursor} if cursor else {})},
            headers=admin_root,
        ).json()
        seen += [e["id"] for e in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert len(seen) == 3 == len(set(seen))


def test_audit_log_redacts_personal_data(client, world, session):
    admin = world.as_role("admin", "U01")
    r = client.post(
        "/api/v1/users",
        json={
            "username": "pii.person",
            "display_name": "张三",
            "email": "zs@example.cn",
            "org_unit_id": str(world.units["U01"].id),
        },
        headers=admin,
    )
    assert r.status_code == 201
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "user.created")).one()
    assert event.changes["after"]["email"] == "***"
    assert "zs@example.cn" not in json.dumps(event.changes, ensure_ascii=False)
    assert r.json()["initial_password"] not in json.dumps(event.changes, ensure_ascii=False)


# --- health and docs ------------------------------------------------------------------------------


def test_health_probes(client):
    live = client.get("/healthz")
    assert live.status_code == 200 and live.json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200, ready.text
    assert ready.json()["status"] == "ok" and ready.json()["revision"] == ready.json()["head"]


def test_readyz_is_503_when_the_database_is_behind(settings, fresh_database_url):
    url = fresh_database_url("not_migrated")
    engine = make_engine(url)
    try:
        app = create_app(settings.model_copy(update={"database_url": url}), database=Database(engine))
        with TestClient(app, raise_server_exceptions=False) as client:
            r = client.get("/readyz")
            assert client.get("/healthz").status_code == 200  # alive, just not ready
    finally:
        engine.dispose()
    assert r.status_code == 503, r.text
    assert r.json()["status"] == "unavailable" and r.json()["revision"] is None and r.json()["head"]


def test_docs_work_offline(client):
    r = client.get("/docs")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    html = r.text
    assert "/docs/assets/swagger-ui-bundle.js" in html and "/docs/assets/swagger-ui.css" in html
    for cdn in ("cdn.jsdelivr", "unpkg.com", "cdnjs", "googleapis", "http://", "https://"):
        assert cdn not in html, cdn
    for asset in ("swagger-ui-bundle.js", "swagger-ui.css", "favicon-32x32.png"):
        got = client.get(f"/docs/assets/{asset}")
        assert got.status_code == 200 and len(got.content) > 500, asset
    assert client.get("/docs/oauth2-redirect").status_code == 200
    schema = client.get("/openapi.json").json()
    assert schema["components"]["securitySchemes"]["OAuth2PasswordBearer"]["flows"]["password"][
        "tokenUrl"
    ] == ("/api/v1/auth/token")
