"""Fixtures for the aid tests; the factories live in aid/factories.py."""

from __future__ import annotations

from datetime import date

import pytest

from api.services import congresses as congresses_service


class Clock:
    """The service's idea of today (notice periods, programme periods, review dates)."""

    def __init__(self, day: date):
        self.day = day

    def set(self, day: date) -> None:
        self.day = day


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    """Thursday 12 February 2026, two days before the Spring Festival holiday (15-23 February)."""
    c = Clock(date(2026, 2, 12))
    monkeypatch.setattr(congresses_service, "today", lambda: c.day)
    return c
