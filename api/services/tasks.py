"""The task inbox (``GET /api/v1/me/tasks``) as a registry each area plugs into.

Each area declares its providers as data, ``TASK_PROVIDERS = {"motion.reply": motions_to_reply, ...}``
in its service, and ``api.main`` lists them in ``TASK_PROVIDERS``; ``create_app`` installs them
explicitly, so the inbox never depends on which modules happened to be imported.

A provider gets ``(session, principal)`` and returns the :class:`TaskOut` items waiting for that
caller, at most :data:`PER_KIND` + 1 of them (one more tells the inbox the list was cut). Providers
decide from the caller's grants and links (member record, departments) what applies; they must run
a bounded number of queries, never one per item.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date

from sqlmodel import Session

from api.schemas.tasks import TaskList, TaskOut
from api.security.principal import Principal

Provider = Callable[[Session, Principal], list[TaskOut]]

#: the most items one task kind contributes to the inbox
PER_KIND = 100

_PROVIDERS: dict[str, Provider] = {}


def install(providers: Mapping[str, Provider]) -> None:
    """Plug in an area's providers (called by ``create_app``); installing the same ones again is a no-op."""
    for kind, provider in providers.items():
        register(kind, provider)


def register(kind: str, provider: Provider) -> None:
    """Plug a provider in; kinds are global and unique (``area.what``)."""
    if kind in _PROVIDERS and _PROVIDERS[kind] is not provider:
        raise ValueError(f"task kind registered twice: {kind}")
    _PROVIDERS[kind] = provider


def kinds() -> list[str]:
    return sorted(_PROVIDERS)


def inbox(session: Session, principal: Principal) -> TaskList:
    """Every registered provider's items for the caller, earliest deadline first."""
    items: list[TaskOut] = []
    truncated = False
    for kind in kinds():
        found = _PROVIDERS[kind](session, principal)
        if len(found) > PER_KIND:
            found, truncated = found[:PER_KIND], True
        items.extend(found)
    items.sort(key=lambda t: (t.deadline is None, t.deadline or date.max, t.kind, str(t.resource_id)))
    return TaskList(items=items, truncated=truncated)
