"""The committed OpenAPI document and the conventions it shows (issue: Cross-cutting contract, OpenAPI).

``openapi/openapi.json`` is what the front-end team builds against; it must equal the running app's
schema, and every operation must be usable by code generators: a stable operation id, one tag, docs and
its security scheme.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from api.cli import OPENAPI_PATH, render_openapi
from api.deps import public
from api.main import TAGS, api_routes, create_app

ROOT = Path(__file__).resolve().parents[2]
REGENERATE = "run `gonghui openapi` (or `.venv/bin/gonghui openapi`) and commit openapi/openapi.json"
HTTP_METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}
SNAKE_AREA_ACTION = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)+$")


@pytest.fixture(scope="module")
def schema(settings, engine):
    from api.db.session import Database

    return create_app(settings, database=Database(engine)).openapi()


def operations(schema):
    for path, item in schema["paths"].items():
        for method, op in item.items():
            if method in HTTP_METHODS:
                yield path, method.upper(), op


def test_committed_openapi_document_is_up_to_date(settings, engine):
    from api.db.session import Database

    committed = ROOT / OPENAPI_PATH
    assert committed.exists(), f"openapi/openapi.json is missing: {REGENERATE}"
    current = render_openapi(create_app(settings, database=Database(engine)))
    if committed.read_text(encoding="utf-8") != current:
        old, new = json.loads(committed.read_text(encoding="utf-8")), json.loads(current)
        added = sorted(set(new["paths"]) - set(old["paths"]))
        removed = sorted(set(old["paths"]) - set(new["paths"]))
        pytest.fail(
            f"openapi/openapi.json differs from the app's schema (paths added: {added}, removed: {removed}): "
            f"{REGENERATE}"
        )


def test_operation_ids_are_the_handler_names(schema):
    handlers = {(path, method): route.name for path, route in api_routes() for method in route.methods}
    seen: dict[str, str] = {}
    for path, method, op in operations(schema):
        op_id = op.get("operationId")
        assert op_id, f"{method} {path} has no operationId"
        assert SNAKE_AREA_ACTION.match(op_id), f"{op_id} is not area_action snake case"
        openapi_path = {re.sub(r":\w+}", "}", p): n for (p, m), n in handlers.items() if m == method}
        assert openapi_path.get(path) == op_id, (
            f"{method} {path}: operationId {op_id} is not the handler name"
        )
        assert op_id not in seen, f"operationId {op_id} used by {seen.get(op_id)} and {method} {path}"
        seen[op_id] = f"{method} {path}"


def test_every_operation_has_one_declared_tag_and_docs(schema):
    declared = {t["name"] for t in schema.get("tags", [])}
    assert declared == {t["name"] for t in TAGS}
    assert all(t.get("description") for t in schema["tags"])
    for path, method, op in operations(schema):
        tags = op.get("tags", [])
        assert len(tags) == 1, f"{method} {path} has tags {tags}; one area tag each"
        assert tags[0] in declared, f"{method} {path}: tag {tags[0]} is not declared in api.main.TAGS"
        assert (op.get("description") or "").strip() or (op.get("summary") or "").strip(), f"{method} {path}"


def test_routes_document_their_own_summary_or_docstring():
    """FastAPI invents a summary from the handler name; the docs need a real one (docstring or summary)."""
    missing = [
        f"{sorted(route.methods)} {path}"
        for path, route in api_routes()
        if not (route.description or "").strip() and not route.summary
    ]
    assert not missing, f"add a docstring to: {missing}"


def test_security_is_declared_on_every_non_public_operation(schema):
    scheme = schema["components"]["securitySchemes"]["OAuth2PasswordBearer"]
    assert scheme["type"] == "oauth2" and scheme["flows"]["password"]["tokenUrl"] == "/api/v1/auth/token"
    public_ops = {
        route.name
        for _, route in api_routes()
        if any(isinstance(d.call, public) for d in route.dependant.dependencies)
    }
    assert {"health_live", "health_ready", "auth_token", "auth_refresh"} <= public_ops
    for path, method, op in operations(schema):
        security = op.get("security")
        if op["operationId"] in public_ops:
            assert not security, f"public {method} {path} should not ask for a token"
        else:
            assert security == [{"OAuth2PasswordBearer": []}], f"{method} {path} declares no security"


def test_errors_are_documented_as_problem_json(schema):
    problem = schema["components"]["schemas"]["Problem"]
    assert {"type", "title", "status", "detail", "instance", "code"} <= set(problem["required"])
    for path, method, op in operations(schema):
        if path.startswith("/api/"):
            assert "422" in op["responses"], f"{method} {path}"
            assert (
                "application/problem+json"
                in op["responses"]["401" if "401" in op["responses"] else "422"]["content"]
            ), f"{method} {path}"
