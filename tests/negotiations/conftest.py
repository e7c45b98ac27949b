"""Fixtures for the negotiation tests; the factories live in negotiations/factories.py."""

from __future__ import annotations

from datetime import date

import pytest

from api.services import congresses as congresses_service


class Clock:
    """The service's idea of today (every deadline and the derived phases are computed against it)."""

    def __init__(self, day: date):
        self.day = day

    def set(self, day: date) -> None:
        self.day = day


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    c = Clock(date(2027, 1, 4))
    monkeypatch.setattr(congresses_service, "today", lambda: c.day)
    return c
