"""章程 Art 6: deemed withdrawal after 6 consecutive months with neither dues nor participation,
counting only months in which dues were owed (api.rules.lapse)."""

from __future__ import annotations

from datetime import date

from api.rules.lapse import LAPSE_MONTHS, LapseMonth, lapsed_run


def _m(n: int, owed: bool = True, paid: bool = False, participated: bool = False) -> LapseMonth:
    return LapseMonth(date(2026, n, 1), owed, paid, participated)


def test_six_owed_months_without_dues_or_participation_lapse():
    """章程 Art 6: six consecutive months."""
    assert LAPSE_MONTHS == 6
    assert lapsed_run([_m(n) for n in range(9, 3, -1)]) == (6, None)


def test_a_month_with_dues_or_participation_ends_the_run():
    """章程 Art 6: dues paid or participation keep the membership alive."""
    months = [_m(9), _m(8), _m(7, participated=True), _m(6), _m(5), _m(4)]
    assert lapsed_run(months) == (2, months[2])
    months = [_m(9), _m(8, paid=True), _m(7), _m(6), _m(5), _m(4)]
    assert lapsed_run(months)[0] == 1


def test_months_without_dues_owed_do_not_count():
    """Retained months (no dues: 章程 Art 8) end the run instead of counting towards it."""
    months = [_m(9), _m(8), _m(7, owed=False), _m(6), _m(5), _m(4)]
    assert lapsed_run(months) == (2, months[2])
