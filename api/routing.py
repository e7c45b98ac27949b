"""The route class every router uses: one thread-pool hop per endpoint, written summaries, strict queries.

Summaries: the first sentence of the handler's docstring is the operation's ``summary`` and the docstring
its ``description`` (FastAPI would invent "Members List" from the name). Queries: a query parameter the
operation does not declare, or a date that is not ``YYYY-MM-DD`` (pydantic reads ``0`` and ``0.5`` as
Unix timestamps), is a 422 like any other invalid input, never silently ignored.

Thread pool: plain ``def`` endpoints cost one thread-pool hop, not two.

FastAPI runs a ``def`` endpoint in the thread pool, then validates its return value against the
response model in the thread pool a second time. Each hop is a worker hand-off plus an event-loop
wake-up, ~0.2 ms of CPU on the benchmark machine (docs/benchmarks.md, request overhead) — more than
validating a response. :class:`Route` wraps such endpoints in a coroutine that awaits the function
in the thread pool, so the endpoint's database work still leaves the event loop, and FastAPI then
validates and serialises the result on the loop (pydantic-core, CPU only).
"""

from __future__ import annotations

import functools
import inspect
import re
import types
from collections.abc import Callable, Coroutine, Iterator
from datetime import date, datetime
from typing import Any, Union, get_args, get_origin

from fastapi import Request, Response
from fastapi.dependencies.models import Dependant
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$")


def in_threadpool(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    """``endpoint`` as a coroutine function that runs it in the thread pool (unchanged if already async
    or a generator). ``functools.wraps`` keeps the signature FastAPI reads parameters from."""
    if (
        inspect.iscoroutinefunction(endpoint)
        or inspect.isgeneratorfunction(endpoint)
        or inspect.isasyncgenfunction(endpoint)
    ):
        return endpoint

    @functools.wraps(endpoint)
    async def run(*args: Any, **kwargs: Any) -> Any:
        return await run_in_threadpool(endpoint, *args, **kwargs)

    return run


def walk(dependant: Dependant) -> Iterator[Dependant]:
    """``dependant`` and all its sub-dependencies, depth first."""
    yield dependant
    for sub in dependant.dependencies:
        yield from walk(sub)


def _scalar_types(annotation: Any) -> set[Any]:
    if get_origin(annotation) in (Union, types.UnionType):
        return {t for arg in get_args(annotation) for t in _scalar_types(arg)}
    if get_origin(annotation) is list:
        return _scalar_types(get_args(annotation)[0])
    return {annotation}


def _first_sentence(text: str) -> str:
    """Up to the first full stop followed by a space, outside brackets, not in "e.g." or "i.e."."""
    depth = 0
    for i, char in enumerate(text):
        if char in "(（[":
            depth += 1
        elif char in ")）]":
            depth -= 1
        at_end = char == "." and depth == 0 and text[i + 1 : i + 2] in {" ", ""}
        if at_end and not text[max(0, i - 3) : i + 1].endswith(("e.g.", "i.e.", "etc.")):
            return text[:i]
    return text


def split_docstring(doc: str | None) -> tuple[str | None, str | None]:
    """(summary, description): the docstring's first sentence, and the whole docstring."""
    text = inspect.cleandoc(doc or "").split("\f")[0].strip()
    if not text:
        return None, None
    return _first_sentence(" ".join(text.partition("\n\n")[0].split())), text


class Route(APIRoute):
    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        if kwargs.get("summary") is None and kwargs.get("description") is None:
            kwargs["summary"], kwargs["description"] = split_docstring(endpoint.__doc__)
        super().__init__(path, in_threadpool(endpoint), **kwargs)

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        query = [p for d in walk(self.dependant) for p in d.query_params]
        known = {p.alias for p in query}
        formats: dict[str, re.Pattern[str]] = {}
        for p in query:
            kinds = _scalar_types(p.field_info.annotation)
            if datetime in kinds:
                formats[p.alias] = _ISO_DATETIME
            elif date in kinds:
                formats[p.alias] = _ISO_DATE

        async def strict_query(request: Request) -> Response:
            errors: list[dict[str, Any]] = []
            for name, value in request.query_params.multi_items():
                if name not in known:
                    errors.append(
                        {"type": "extra_forbidden", "loc": ("query", name), "msg": "unknown", "input": value}
                    )
                elif name in formats and not formats[name].match(value):
                    kind = "datetime_parsing" if formats[name] is _ISO_DATETIME else "date_parsing"
                    errors.append({"type": kind, "loc": ("query", name), "msg": "format", "input": value})
            if errors:
                raise RequestValidationError(errors)
            return await handler(request)

        return strict_query
