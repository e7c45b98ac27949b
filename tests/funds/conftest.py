"""Fixtures for the funds tests; the factories live in funds/factories.py."""

from __future__ import annotations

from datetime import date

import pytest

from api.services.funds import common


class Clock:
    """The funds area's idea of today (year end, reversal dates)."""

    def __init__(self, day: date):
        self.day = day

    def set(self, day: date) -> None:
        self.day = day


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    c = Clock(date(2027, 6, 1))
    monkeypatch.setattr(common, "today", lambda: c.day)
    return c
