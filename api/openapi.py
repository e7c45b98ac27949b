"""The OpenAPI document: FastAPI's schema, completed in one place with what the code knows and FastAPI
does not, so that no router has to declare it and nothing can drift.

For every operation, from its route (the dependency tree, method, status code and handler):

* **problem responses** (``application/problem+json``): each dependency declares what it can answer
  (:data:`DEPENDENCY_PROBLEMS`, :func:`declare`): ``require(...)`` 401/403, ``IfMatch`` 412/428,
  ``PageQuery`` 400 ``invalid_cursor``, a path parameter (the load-by-id dependency) 404, the session
  503 ``database_busy``; any input 422 (``ValidationProblem`` with ``errors``); a state-changing method
  409 and a rule's 422; an idempotent POST 409/422 of its key; every operation 500. A route adds what
  its handler alone raises with ``responses=problem_responses({429: ("login_locked",)})``.
* **response headers**: ``X-Request-ID`` on every response, ``ETag`` and ``Location`` (201) where the
  handler sets them, ``Idempotent-Replayed`` on idempotent POSTs, ``Retry-After`` on 429/503;
  the ``Idempotency-Key`` request header where it is honoured.
* **names and enums**: ``Problem``, ``ValidationProblem``, the ``ProblemCode`` enum of every registered
  problem code (api.i18n), the ``TaskKind`` enum of the installed task providers, form bodies named
  ``<Op>Form`` (or :data:`BODY_NAMES`) instead of ``Body_<op>``; examples of request bodies
  (api/examples.py).

A new area's router gets all of this by using the conventions (``require``, ``IfMatch``, ``PageQuery``,
``XDep`` loaders): tests/core/test_permission_matrix.py checks the documented statuses and headers
against real responses.
"""

from __future__ import annotations

import inspect
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute

from api import i18n
from api.deps import get_principal, get_session, if_match, if_match_or_any, page_params, public, require
from api.errors import PROBLEM_JSON
from api.examples import BODY_EXAMPLES
from api.routing import walk
from api.schemas.common import PROBLEM_CODES_KEY as _PROBLEM_CODES_KEY
from api.schemas.common import Problem, ValidationProblem
from api.services import tasks

#: what a dependency (by its callable) can answer: status -> stable codes
DEPENDENCY_PROBLEMS: dict[Any, dict[int, tuple[str, ...]]] = {}

#: chosen names of form bodies by operation id (default: ``<CamelCaseOperation>Form``)
BODY_NAMES = {"member_imports_create": "MemberImportForm", "auth_token": "TokenForm"}

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

STATUS_TEXT = {
    400: "Bad request",
    401: "Not authenticated",
    403: "Permission denied",
    404: "Not found or outside your scope",
    409: "Conflicts with the current state (`code` names the rule)",
    412: "Stale If-Match: reload and retry",
    413: "Payload too large",
    422: "Invalid input, or refused by a rule: `errors` lists the fields at fault",
    428: "If-Match required",
    429: "Too many requests: wait `Retry-After` seconds",
    500: "Unexpected error: quote the request id",
    503: "Busy or not ready: retry after `Retry-After` seconds",
}

HEADERS: dict[str, dict[str, Any]] = {
    "X-Request-ID": {
        "description": "The request's id (sent by the client or generated); also in problem bodies.",
        "schema": {"type": "string"},
    },
    "ETag": {
        "description": 'The resource version, e.g. `"3"`: send it back as `If-Match` to change it.',
        "schema": {"type": "string"},
    },
    "Location": {"description": "Path of the created resource.", "schema": {"type": "string"}},
    "Idempotent-Replayed": {
        "description": "`true` when this is the stored answer to an earlier request with the same "
        "`Idempotency-Key`.",
        "schema": {"type": "string", "enum": ["true"]},
    },
    "Retry-After": {"description": "Seconds to wait before retrying.", "schema": {"type": "integer"}},
}

IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": "Any unique string (at most 200 characters): a retry with the same key and body gets the "
    "first answer again (with `Idempotent-Replayed: true`) instead of doing the work twice.",
    "schema": {"type": "string", "maxLength": 200},
}


def declare(dependency: Any, problems: Mapping[int, tuple[str, ...]]) -> None:
    """Say which problems ``dependency`` (the callable passed to ``Depends``) can answer."""
    DEPENDENCY_PROBLEMS[dependency] = dict(problems)


declare(get_principal, {401: ("not_authenticated", "invalid_token")})
declare(if_match, {412: ("version_mismatch",), 428: ("if_match_required",)})
declare(if_match_or_any, {412: ("version_mismatch",), 428: ("if_match_required",)})
declare(page_params, {400: ("invalid_cursor",)})
declare(get_session, {503: ("database_busy",)})


# --- what one operation can answer ------------------------------------------------------------------


def operation_problems(route: APIRoute, method: str, *, idempotent: bool) -> dict[int, list[str]]:
    """status -> known codes (possibly none beyond the area's rules) for ``method`` on ``route``."""
    found: dict[int, list[str]] = {}

    def add(status: int, *codes: str) -> None:
        known = found.setdefault(status, [])
        known.extend(c for c in codes if c not in known)

    dependants = list(walk(route.dependant))
    authenticated = False
    for dep in dependants:
        call = dep.call
        if isinstance(call, require):  # loads the caller itself (api.deps.load_caller): get_principal's 401
            authenticated = True
            add(401, *DEPENDENCY_PROBLEMS[get_principal][401])
            if call.permission != "me":
                add(403, "permission_denied", "password_change_required")
        elif isinstance(call, public):
            continue
        for status, codes in DEPENDENCY_PROBLEMS.get(call, {}).items():
            authenticated = authenticated or call is get_principal
            add(status, *codes)
    if any(dep.path_params for dep in dependants):
        add(404, "not_found")
    add(422, "validation_failed")  # any query parameter, header or body; unknown query parameters too
    if method in WRITE_METHODS and authenticated:
        add(409)
        add(422, "rule_violation")
    if idempotent:
        add(409, "idempotency_in_progress")
        add(422, "idempotency_key_reused")
    for declared, response in route.responses.items():
        if isinstance(response, dict) and _PROBLEM_CODES_KEY in response:
            add(int(declared), *response[_PROBLEM_CODES_KEY])
    add(500, "internal_error")
    return dict(sorted(found.items()))


_SETS_ETAG = re.compile(r"\bset_etag\(|headers\[\"ETag\"\]\s*=")
_SETS_LOCATION = re.compile(r"headers\[\"Location\"\]\s*=")


def sets_header(route: APIRoute, pattern: re.Pattern[str]) -> bool:
    """The handler, or a helper of its module it calls, sets the header (``pattern`` on its source)."""
    return _sets(route.endpoint, pattern, depth=2)


def _sets(fn: Callable[..., Any], pattern: re.Pattern[str], *, depth: int) -> bool:
    fn = inspect.unwrap(fn)
    try:
        source = inspect.getsource(fn)
    except (OSError, TypeError):
        return False
    if pattern.search(source):
        return True
    if depth <= 1:
        return False
    module = inspect.getmodule(fn)
    helpers = [getattr(module, name, None) for name in set(re.findall(r"\b([A-Za-z_]\w*)\(", source))]
    return any(
        inspect.isfunction(h)
        and h.__module__ == fn.__module__
        and h is not fn
        and _sets(h, pattern, depth=depth - 1)
        for h in helpers
    )


# --- completing the document -------------------------------------------------------------------------


def _header_refs(*names: str) -> dict[str, Any]:
    return {name: {"$ref": f"#/components/headers/{name}"} for name in names}


def _problem_response(status: int, codes: list[str]) -> dict[str, Any]:
    schema = "ValidationProblem" if status == 422 else "Problem"
    text = STATUS_TEXT.get(status) or HTTPStatus(status).phrase
    rules = status == 409 or "rule_violation" in codes  # a state-changing operation: its area's rules
    listed = [f"`{c}`" for c in codes] + (["a code of the area's rules"] if rules else [])
    if listed:
        text += (". Codes: " if rules else ". Codes include ") + ", ".join(listed)
    headers = ["X-Request-ID"] + (
        ["Retry-After"] if status in {429, 503} or "idempotency_in_progress" in codes else []
    )
    return {
        "description": text + ".",
        "headers": _header_refs(*headers),
        "content": {
            PROBLEM_JSON: {
                "schema": {
                    # ``status`` as a literal: a typed client narrows the error union by it
                    "allOf": [
                        {"$ref": f"#/components/schemas/{schema}"},
                        {"type": "object", "properties": {"status": {"type": "integer", "enum": [status]}}},
                    ]
                }
            }
        },
        _PROBLEM_CODES_KEY: codes,
    }


def _schema_renames(schemas: Mapping[str, Any]) -> dict[str, str]:
    """Chosen names for the names FastAPI generates: ``Body_<op>`` -> ``<Op>Form``; a generic model by its
    own name (``Page_MemberEventOut_`` -> ``MemberEventPage``); two models of one name in different areas
    by area (``api__schemas__funds__ReviewIn`` -> ``FundsReviewIn``); ``X-Output`` -> ``XOutput``."""
    taken = {name for name in schemas if name.isalnum()}
    titles = Counter(str(b.get("title", "")) for n, b in schemas.items() if not n.isalnum())
    renames: dict[str, str] = {}
    for name, body in sorted(schemas.items()):
        if name.isalnum():
            continue
        title = str(body.get("title", ""))
        qualified = "".join(_camel(p) for p in re.split(r"__|-", re.sub(r"^api__schemas__", "", name)))
        if name.startswith("Body_"):
            op = name[len("Body_") :]
            wanted = [BODY_NAMES.get(op) or _camel(op) + "Form"]
        elif titles[title] > 1:  # one name in two areas: both by area, whatever the order
            wanted = [qualified]
        else:
            wanted = [title, qualified]
        new = next((w for w in wanted if w.isalnum() and w not in taken), None)
        if new is None:
            raise ValueError(f"no free name for schema {name} (tried {wanted})")
        taken.add(new)
        renames[name] = new
    return renames


def _camel(op_id: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in op_id.split("_"))


def _rename_refs(node: Any, renames: Mapping[str, str]) -> None:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
            name = ref.rsplit("/", 1)[1]
            if name in renames:
                node["$ref"] = "#/components/schemas/" + renames[name]
        for value in node.values():
            _rename_refs(value, renames)
    elif isinstance(node, list):
        for value in node:
            _rename_refs(value, renames)


def _problem_schemas() -> dict[str, Any]:
    schemas: dict[str, Any] = {}
    for model in (Problem, ValidationProblem):
        schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
        schemas.update(schema.pop("$defs", {}))
        schemas[model.__name__] = schema
    for name in ("Problem", "ValidationProblem"):
        code = schemas[name]["properties"]["code"]
        schemas[name]["properties"]["code"] = {
            "$ref": "#/components/schemas/ProblemCode",
            "description": code["description"],
        }
    schemas["ProblemCode"] = {
        "type": "string",
        "enum": i18n.codes(),
        "title": "ProblemCode",
        "description": "Every stable problem code the API answers (registered with its messages, api.i18n).",
    }
    return schemas


def complete(
    schema: dict[str, Any], routes: Iterable[APIRoute], *, idempotent: Callable[[str, str], bool]
) -> None:
    """Complete FastAPI's ``schema`` in place (see the module docstring)."""
    by_name = {route.name: route for route in routes}
    components = schema.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
    schemas.update(_problem_schemas())
    components["headers"] = HEADERS
    if "TaskOut" in schemas:  # the kinds the installed areas provide (api.main.TASK_PROVIDERS)
        schemas["TaskKind"] = {"type": "string", "enum": tasks.kinds(), "title": "TaskKind"}
        kind = schemas["TaskOut"]["properties"]["kind"]
        schemas["TaskOut"]["properties"]["kind"] = {"$ref": "#/components/schemas/TaskKind", **kind}
        for key in ("type", "title"):
            schemas["TaskOut"]["properties"]["kind"].pop(key, None)

    renames = _schema_renames(schemas)
    for old, new in renames.items():
        body = schemas.pop(old)
        body["title"] = new
        schemas[new] = body
    _rename_refs(schema, renames)
    for name, example in BODY_EXAMPLES.items():
        if name in schemas:
            schemas[name]["examples"] = [example]

    for path, item in schema["paths"].items():
        for method, op in item.items():
            route = by_name.get(op.get("operationId", ""))
            if route is None:
                continue
            method = method.upper()
            replayable = (
                method == "POST"
                and idempotent(path, method)
                and not any(isinstance(d.call, public) for d in walk(route.dependant))
            )
            responses = op["responses"]
            for status in [s for s in responses if s[0] in "45"]:
                del responses[status]  # FastAPI's HTTPValidationError and the routes' x-problem-codes stubs
            for code, response in responses.items():
                headers = ["X-Request-ID"]
                if code.startswith("2") and sets_header(route, _SETS_ETAG):
                    headers.append("ETag")
                if code == "201" and sets_header(route, _SETS_LOCATION):
                    headers.append("Location")
                if code.startswith("2") and replayable:
                    headers.append("Idempotent-Replayed")
                response["headers"] = {**response.get("headers", {}), **_header_refs(*headers)}
            for status, codes in operation_problems(route, method, idempotent=replayable).items():
                responses[str(status)] = _problem_response(status, codes)
            for param in op.get("parameters", []):
                if param["in"] == "header" and param["name"] == "If-Match":
                    # optional for FastAPI only so that a missing one is our 428 problem, not a 422
                    param["required"] = True
                    param["schema"] = {"type": "string", "description": param.get("description", "")}
            if replayable:
                op.setdefault("parameters", []).append(IDEMPOTENCY_KEY)


def install(
    app: FastAPI,
    routes: Callable[[], Iterable[APIRoute]],
    *,
    idempotent: Callable[[str, str], bool],
    path_order: Callable[[], Iterable[str]] | None = None,
) -> None:
    """Make ``app.openapi()`` return the completed document (built once, like FastAPI's).

    ``path_order``: the documented order of the paths; FastAPI lists them in the order the app tries
    them, which may put hot routes first (api.main, HOT_ROUTERS)."""
    build = app.openapi
    done = False

    def openapi() -> dict[str, Any]:
        nonlocal done
        schema = build()
        if not done:
            complete(schema, routes(), idempotent=idempotent)
            if path_order is not None:
                rank = {path: i for i, path in reversed(list(enumerate(path_order())))}
                paths = schema.get("paths", {})
                keyed = sorted(paths.items(), key=lambda item: rank.get(item[0], len(rank)))
                schema["paths"] = dict(keyed)
            done = True
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
