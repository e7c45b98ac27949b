"""Registry of request recipes for the permission-matrix test (tests/core/test_permission_matrix.py).

Each area keeps its recipes in ``tests/<area>/recipes_<area>.py``: one function per operation id,
returning the ``Call`` an authorised, in-scope caller makes. The matrix test loads every such file.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Call:
    role: str
    unit: str
    method: str
    path: str
    json: Any = None
    data: dict[str, str] | None = None
    files: dict[str, tuple[str, bytes, str]] | None = None
    headers: dict[str, str] = field(default_factory=dict)
    expect: int = 200


# Each recipe gets (client, world) and returns the Call an authorised, in-scope caller makes.
RECIPES: dict[str, Callable[[Any, Any], Call]] = {}


def recipe(op: str):
    def register(fn):
        RECIPES[op] = fn
        return fn

    return register


PUBLIC_RECIPES: dict[str, Callable[[Any, Any], Call]] = {}
