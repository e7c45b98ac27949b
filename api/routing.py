"""The route class every router uses: plain ``def`` endpoints cost one thread-pool hop, not two.

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
from collections.abc import Callable
from typing import Any

from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool


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


class Route(APIRoute):
    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        super().__init__(path, in_threadpool(endpoint), **kwargs)
