"""The contract a front end types without casts (issue 17): problem responses under
``application/problem+json`` derived per operation from its dependencies, the ``ProblemCode`` enum, chosen
schema names, pages with an always-present ``next_cursor``, documented headers, required If-Match,
strict query parameters, OPTIONS. The TypeScript build (clients/typescript, .ci/run) checks the same
document from the client's side; tests/core/test_permission_matrix.py checks it against real responses."""

from __future__ import annotations

import re

import pytest

from api import i18n
from api.db.models import User
from api.deps import if_match, if_match_or_any
from api.i18n import translate
from api.imports.members import KIND_MESSAGES
from api.main import api_routes, create_app
from api.routing import walk
from api.schemas.member_imports import ImportErrorKind
from api.services.member_imports import DB_KIND_MESSAGES

HTTP_METHODS = {"get", "put", "post", "delete", "patch"}
UNITS = "/api/v1/org-units"


@pytest.fixture(scope="module")
def schema(settings, engine):
    from api.db.session import Database

    return create_app(settings, database=Database(engine)).openapi()


def operations(schema):
    for path, item in schema["paths"].items():
        for method, op in item.items():
            if method in HTTP_METHODS:
                yield path, method.upper(), op


def route_of(op_id: str):
    return next(route for _, route in api_routes() if route.name == op_id)


def test_every_error_response_is_a_typed_problem(schema):
    for path, method, op in operations(schema):
        for status, response in op["responses"].items():
            if status[0] not in "45":
                continue
            content = response["content"]
            assert list(content) == ["application/problem+json"], (method, path, status)
            parts = content["application/problem+json"]["schema"]["allOf"]
            expected = "ValidationProblem" if status == "422" else "Problem"
            assert parts[0] == {"$ref": f"#/components/schemas/{expected}"}, (method, path, status)
            assert parts[1]["properties"]["status"]["enum"] == [int(status)]
            assert "X-Request-ID" in response["headers"]
    schemas = schema["components"]["schemas"]
    assert "HTTPValidationError" not in schemas and "ValidationError" not in schemas
    assert schemas["Problem"]["properties"]["code"]["$ref"] == "#/components/schemas/ProblemCode"
    assert "errors" in schemas["ValidationProblem"]["required"]


def test_problem_codes_are_an_enum_of_the_registered_codes(schema):
    assert schema["components"]["schemas"]["ProblemCode"]["enum"] == sorted(i18n.MESSAGES)


def test_error_statuses_follow_the_dependencies(schema):
    """401/403 from require(), 404 from a path parameter, 400 from paging, 412/428 from If-Match; a
    read lists no 409/412/428 and a public operation no 401/403."""
    for path, method, op in operations(schema):
        responses = set(op["responses"])
        route = route_of(op["operationId"])
        calls = {d.call for d in walk(route.dependant)}
        uses_if_match = bool(calls & {if_match, if_match_or_any})
        assert ({"412", "428"} <= responses) == uses_if_match, (method, path)
        assert ("404" in responses) == ("{" in path), (method, path)
        pages = any(p.alias == "cursor" for d in walk(route.dependant) for p in d.query_params)
        assert ("400" in responses) == (pages and path != "/api/v1/changes") or op["operationId"] in {
            "auth_token",
            "changes_list",
        }, (method, path)
        if op.get("security"):
            assert "401" in responses, (method, path)
        else:
            assert "403" not in responses, (method, path)
        if method == "GET":
            assert not responses & {"409", "412", "428"}, (method, path)
        assert {"422", "500"} <= responses
    token = schema["paths"]["/api/v1/auth/token"]["post"]["responses"]
    assert token["429"]["x-problem-codes"] == ["login_locked"] and "Retry-After" in token["429"]["headers"]
    assert "412" not in token and "428" not in token


def test_state_changing_operations_require_if_match(schema):
    """README: PATCH/PUT/DELETE need If-Match (428 without), declared required for typed clients; so do
    the five operations issue 17 found without it."""
    five = {
        ("POST", "/api/v1/users/{user_id}/grants"),
        ("DELETE", "/api/v1/users/{user_id}/grants/{grant_id}"),
        ("POST", "/api/v1/users/{user_id}/reset-secret"),
        ("PUT", "/api/v1/members/by-employee-no/{employee_no}"),
        ("POST", "/api/v1/members/{member_id}/account"),
    }
    for path, method, op in operations(schema):
        if method in {"PATCH", "PUT", "DELETE"} or (method, path) in five:
            params = {p["name"]: p for p in op.get("parameters", [])}
            assert "If-Match" in params, f"{method} {path}: add `version: IfMatch` (api.deps)"
            assert params["If-Match"]["required"] is True, (method, path)


def test_schema_names_are_chosen_and_pages_are_uniform(schema):
    schemas = schema["components"]["schemas"]
    assert all(re.fullmatch(r"[A-Z][A-Za-z0-9]*", name) for name in schemas), [
        n for n in schemas if not n.isalnum()
    ]
    assert {"MemberPage", "MemberImportForm", "GrantPage", "MotionEventPage"} <= set(schemas)
    pages = [name for name in schemas if name.endswith("Page")]
    for name in pages:
        page = schemas[name]
        assert set(page["required"]) == {"items", "next_cursor"}, name
        assert {"type": "null"} in page["properties"]["next_cursor"]["anyOf"], name
    # every list answers a page: no bare arrays (issue 17: timelines, grant lists and catalogues too)
    for path, method, op in operations(schema):
        for status, response in op["responses"].items():
            body = response.get("content", {}).get("application/json", {}).get("schema", {})
            assert body.get("type") != "array", f"{method} {path}: return Page[T] with PageQuery ({status})"


def test_headers_are_documented(schema):
    headers = schema["components"]["headers"]
    assert {"ETag", "Location", "X-Request-ID", "Retry-After", "Idempotent-Replayed"} <= set(headers)
    get_member = schema["paths"]["/api/v1/members/{member_id}"]["get"]["responses"]["200"]["headers"]
    assert {"ETag", "X-Request-ID"} <= set(get_member)
    create = schema["paths"]["/api/v1/members"]["post"]
    assert {"Location", "ETag", "Idempotent-Replayed"} <= set(create["responses"]["201"]["headers"])
    assert any(p["name"] == "Idempotency-Key" for p in create["parameters"])


def test_summaries_are_written_not_generated(schema):
    for path, method, op in operations(schema):
        generated = op["operationId"].replace("_", " ").title()
        assert op["summary"] and op["summary"] != generated, (method, path, op["summary"])
        assert op["description"], (method, path)


def test_closed_sets_are_enums(schema):
    schemas = schema["components"]["schemas"]

    def enum_of(model: str, field: str) -> list[str]:
        prop = schemas[model]["properties"][field]
        ref = prop.get("$ref") or next(p["$ref"] for p in prop.get("anyOf", []) if "$ref" in p)
        return schemas[ref.rsplit("/", 1)[1]]["enum"]

    assert enum_of("ChangeOut", "entity_type") == ["member"]
    assert "status_changed" in enum_of("ChangeOut", "action")
    assert "motion.reply" in enum_of("TaskOut", "kind")
    assert enum_of("MemberImportSummary", "file_format") == ["csv", "xlsx", "jsonl"]
    assert "id_checksum" in enum_of("MemberImportsImportRowError", "kind")
    assert enum_of("MemberUpsert", "gender") == enum_of("MemberCreate", "gender")
    upsert_phone = schemas["MemberUpsert"]["properties"]["phone"]
    assert upsert_phone == schemas["MemberCreate"]["properties"]["phone"]


def test_import_error_kinds_match_the_messages():
    assert {k.value for k in ImportErrorKind} == set(KIND_MESSAGES) | set(DB_KIND_MESSAGES)
    assert all(
        translate(text, "zh") != text for text in [*KIND_MESSAGES.values(), *DB_KIND_MESSAGES.values()]
    )


# --- behaviour behind the document ---------------------------------------------------------------------


def test_unknown_query_parameters_and_values_are_422(client, world, problem):
    auditor = world.as_role("auditor", "ROOT")
    body = problem(client.get(UNITS, params={"curser": "x"}, headers=auditor), 422, "validation_failed")
    assert body["errors"] == [
        {"field": "curser", "code": "extra_forbidden", "message": body["errors"][0]["message"]}
    ]
    body = problem(
        client.get(
            "/api/v1/changes", params={"entity": "motion"}, headers=world.as_role("integration", "U01")
        ),
        422,
        "validation_failed",
    )
    assert body["errors"][0]["field"] == "entity"


@pytest.mark.parametrize("value", ["0", "0.5", "20240101", "2024-1-1"])
def test_date_query_parameters_take_iso_dates_only(client, world, problem, value):
    officer = world.as_role("officer", "U01")
    body = problem(
        client.get("/api/v1/members", params={"joined_from": value}, headers=officer),
        422,
        "validation_failed",
    )
    assert [(e["field"], e["code"]) for e in body["errors"]] == [("joined_from", "date_parsing")]
    assert (
        client.get("/api/v1/members", params={"joined_from": "2024-01-01"}, headers=officer).status_code
        == 200
    )


def test_options_and_405_list_every_method_of_the_path(client, world):
    path = f"{UNITS}/{world.units['U01'].id}"
    r = client.options(path)
    assert r.status_code == 204 and r.headers["Allow"] == "GET, HEAD, OPTIONS, PATCH"
    r = client.delete(path, headers=world.as_role("admin", "ROOT"))
    assert r.status_code == 405 and r.headers["Allow"] == "GET, HEAD, OPTIONS, PATCH"
    assert client.options(UNITS).headers["Allow"] == "GET, HEAD, OPTIONS, POST"


def test_grant_changes_need_the_accounts_if_match(client, world, problem):
    admin = world.as_role("admin", "U01")
    target = world.user("he.shi", ("member", "U01-B01"))
    path = f"/api/v1/users/{target.id}/grants"
    body = {"role": "officer", "org_unit_id": str(world.units["U01-B01"].id)}
    problem(client.post(path, json=body, headers=admin), 428, "if_match_required")
    stale = world.if_match(User, target.id)
    r = client.post(path, json=body, headers={**admin, **stale})
    assert r.status_code == 201 and r.headers["Location"] == f"{path}/{r.json()['id']}"
    # the account's version went up: the old ETag is stale now
    problem(client.delete(r.headers["Location"], headers={**admin, **stale}), 412, "version_mismatch")
    assert (
        client.delete(r.headers["Location"], headers={**admin, **world.if_match(User, target.id)}).status_code
        == 204
    )
    problem(client.post(f"/api/v1/users/{target.id}/reset-secret", headers=admin), 428, "if_match_required")


def test_request_body_examples_are_valid_and_shown(schema):
    """Every example in api/examples.py validates against its model and is in the document."""
    from pydantic import BaseModel

    from api.examples import BODY_EXAMPLES

    models: dict[str, type[BaseModel]] = {}
    for _, route in api_routes():
        for param in route.dependant.body_params:
            annotation = param.field_info.annotation
            for candidate in (annotation, *getattr(annotation, "__args__", ())):
                if isinstance(candidate, type) and issubclass(candidate, BaseModel):
                    area = candidate.__module__.rsplit(".", 1)[-1].capitalize()
                    models[candidate.__name__] = models[area + candidate.__name__] = candidate
    assert set(BODY_EXAMPLES) <= set(models), set(BODY_EXAMPLES) - set(models)
    for name, example in BODY_EXAMPLES.items():
        models[name].model_validate(example)
        assert schema["components"]["schemas"][name]["examples"] == [example]
    json_bodies = {
        ref.rsplit("/", 1)[1]
        for _, _, op in operations(schema)
        for ref in re.findall(r"'\$ref': '([^']+)'", str(op.get("requestBody", {}).get("content", {})))
    }
    assert len(json_bodies & set(BODY_EXAMPLES)) >= 25
