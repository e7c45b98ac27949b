"""Fixtures of the transfer tests: a member factory bound to the world."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from factories import make_member


@pytest.fixture
def new_member(world: Any) -> Callable[..., Any]:
    """``new_member("U01-B01", name=..., status=...)`` inserts a member row and returns it."""
    return lambda unit="U01-B01", **kw: make_member(world, unit, **kw)
