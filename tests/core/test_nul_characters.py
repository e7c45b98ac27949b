"""A NUL character in client text (``"\\u0000"`` in JSON, ``%00`` in a URL) is a clear 4xx naming where
it is, never a 500 from PostgreSQL (which refuses NUL in text) and never stored (SQLite would keep it
inside a name). Files: tests/imports/test_readers.py and tests/imports_db/test_import_lookups.py."""

from __future__ import annotations

import types
import typing

import pytest
import sqlalchemy as sa
from members.factories import payload
from pydantic import BaseModel, ValidationError

from api.main import api_routes
from api.schemas.common import StrictIn
from api.schemas.negotiations import DraftCreate

BASE = "/api/v1/members"


@pytest.fixture
def officer(world) -> dict[str, str]:
    return world.as_role("officer", "U01")


def test_a_nul_in_a_json_text_is_an_error_of_its_field(client, world, officer, db):
    body = payload(world, name="张\u0000三", tags=["劳模", "女\u0000职工"])
    r = client.post(BASE, json=body, headers=officer)
    assert r.status_code == 422, r.text
    problem = r.json()
    assert problem["code"] == "validation_failed"
    assert {(e["field"], e["code"]) for e in problem["errors"]} == {
        ("name", "nul_character"),
        ("tags", "nul_character"),
    }
    with db.read_session() as s:
        assert s.execute(sa.text("SELECT count(*) FROM member")).scalar_one() == 0
    zh = client.post(
        BASE, json=payload(world, notes="备\u0000注"), headers={**officer, "Accept-Language": "zh-CN"}
    )
    assert zh.status_code == 422
    assert zh.json()["errors"] == [
        {"field": "notes", "code": "nul_character", "message": "文本不能含有空字符。"}
    ]


def test_a_nul_in_a_nested_input_is_found_where_it_is():
    """Text inside a list of nested input models (a draft's clauses): the error names the clause's field,
    and a NUL-free draft still validates."""
    clause = {"key": "pay.1", "topic": "pay", "title": "工资", "text": "月工资增长 5%"}
    DraftCreate.model_validate({"clauses": [clause]})
    with pytest.raises(ValidationError) as excinfo:
        DraftCreate.model_validate({"clauses": [clause, {**clause, "key": "pay.2", "text": "增\x00长"}]})
    assert [(e["loc"], e["type"]) for e in excinfo.value.errors()] == [
        (("clauses", 1, "text"), "nul_character")
    ]


@pytest.mark.parametrize("query", ["q=a%00b", "cursor=%00"])
def test_a_nul_in_the_url_is_a_bad_request(client, officer, query):
    r = client.get(f"{BASE}?{query}", headers=officer)
    assert r.status_code == 400 and r.json()["code"] == "bad_request"


def _models(annotation: typing.Any) -> typing.Iterator[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation
        return
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        yield from _models(typing.get_args(annotation)[0])
    elif origin in (typing.Union, types.UnionType, list):
        for arg in typing.get_args(annotation):
            yield from _models(arg)


def test_a_nul_in_the_login_form_is_refused_as_bad_credentials(client, world):
    """The login form is not a JSON model: its fields are checked before the user is looked up."""
    r = client.post("/api/v1/auth/token", data={"username": "adm\u0000in", "password": "x\u0000y"})
    assert r.status_code in (400, 401, 422) and r.json()["code"] != "internal_error", r.text


def test_every_json_body_model_refuses_nul():
    """Every route's JSON body model extends StrictIn, whose validator refuses NUL in any field."""
    bodies = 0
    for path, route in api_routes():
        if path == "/api/v1/auth/token":  # the OAuth2 password form (test above)
            continue
        for param in route.dependant.body_params:
            for model in _models(param.field_info.annotation):
                bodies += 1
                assert issubclass(model, StrictIn), f"{path} {route.methods}: {model.__name__}"
    assert bodies > 50


def test_a_nul_that_reaches_postgresql_is_422_not_500(engine, backend):
    """Defence in depth: text with a NUL that no input check caught is refused by PostgreSQL (psycopg,
    before sending); the error handler answers 422 ``nul_character``, not 500."""
    if backend != "postgresql":
        pytest.skip("SQLite stores NUL in text: the input checks above are what refuse it there")
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    from api.errors import install_error_handlers

    app = FastAPI()
    install_error_handlers(app)

    @app.get("/echo")
    def echo() -> str:
        with engine.connect() as conn:
            return str(conn.execute(sa.text("SELECT CAST(:x AS text)"), {"x": "a\x00b"}).scalar_one())

    r = TestClient(app, raise_server_exceptions=False).get("/echo")
    assert r.status_code == 422 and r.json()["code"] == "nul_character", r.text
