"""Fixtures for the motion tests; the factories live in motions/factories.py."""

from __future__ import annotations

from datetime import date

import pytest

from api.services.congresses import common as congresses_common


class Clock:
    """The service's idea of today (deadlines, due dates, "congress has opened")."""

    def __init__(self, day: date):
        self.day = day

    def set(self, day: date) -> None:
        self.day = day


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    c = Clock(date(2027, 2, 1))
    monkeypatch.setattr(congresses_common, "today", lambda: c.day)
    return c
