"""The pure rules of api/rules/aid.py with hand-computed cases (docs/rules.md §4 [L]: 全国总工会 困难职工
帮扶 practice — per-capita monthly income = (annual disposable income - rigid expenses) / 12 /
household size; deep < 1x 低保, relative < 2x, accident-caused when costs > 80% of annual income;
public notice 5 working days on the official calendar)."""

from __future__ import annotations

from datetime import date
from fractions import Fraction

import pytest

from api.rules.aid import (
    HardshipCategory,
    Thresholds,
    add_months,
    add_years,
    assess,
    is_workday,
    mask_name,
    per_capita_monthly,
    working_days_from,
)

DIBAO = 142_000  # 1,420 yuan a month
T = Thresholds()


def _assess(income_yuan: int, rigid_yuan: int, size: int, accident_yuan: int = 0, thresholds: Thresholds = T):
    return assess(
        annual_income_fen=income_yuan * 100,
        rigid_expenses_fen=rigid_yuan * 100,
        household_size=size,
        accident_costs_fen=accident_yuan * 100,
        dibao_monthly_fen=DIBAO,
        thresholds=thresholds,
    )


def test_per_capita_formula_exact():
    # (36,000 - 6,000) / 12 / 3 = 833.333... yuan
    assert per_capita_monthly(3_600_000, 600_000, 3) == Fraction(3_000_000, 36)


def test_deep_hardship_below_1x_dibao():
    a = _assess(36_000, 6_000, 3)
    assert a.category is HardshipCategory.deep and a.per_capita_monthly_fen == 83_333


def test_exactly_1x_is_relative_not_deep():
    # 1,420 x 12 x 3 = 51,120 yuan: per capita exactly 1,420
    assert _assess(51_120, 0, 3).category is HardshipCategory.relative


def test_relative_hardship_below_2x():
    # (120,000 - 20,000) / 36 = 2,777.78 < 2,840
    assert _assess(120_000, 20_000, 3).category is HardshipCategory.relative


def test_exactly_2x_is_not_hardship():
    # 2,840 x 36 = 102,240 yuan
    assert _assess(102_240, 0, 3).category is HardshipCategory.none


def test_accident_costs_over_80_percent_of_income():
    # 200,000 / 36 = 5,555 > 2x; accident costs 170,000 > 160,000 (80%)
    assert _assess(200_000, 0, 3, accident_yuan=170_000).category is HardshipCategory.accident
    assert _assess(200_000, 0, 3, accident_yuan=160_000).category is HardshipCategory.none


def test_rigid_expenses_above_income_is_deep():
    assert _assess(10_000, 30_000, 2).category is HardshipCategory.deep


def test_thresholds_are_configurable():
    generous = Thresholds(
        deep_multiple=Fraction(3, 2), relative_multiple=Fraction(3), accident_cost_share=Fraction(1, 2)
    )
    assert _assess(51_120, 0, 3, thresholds=generous).category is HardshipCategory.deep
    assert _assess(102_240, 0, 3, thresholds=generous).category is HardshipCategory.relative


def test_household_needs_a_person():
    with pytest.raises(ValueError):
        per_capita_monthly(1, 0, 0)


@pytest.mark.parametrize(
    ("name", "masked"), [("张三丰", "张*丰"), ("张三", "张*"), ("欧阳娜娜", "欧**娜"), ("李", "*")]
)
def test_masked_names(name, masked):
    assert mask_name(name) == masked


def test_notice_of_five_working_days_across_the_spring_festival():
    """2026: Sat 14 Feb is a working day (swapped), 15-23 Feb the Spring Festival holiday (State
    Council notice, via the chinesecalendar library). From Thu 12 Feb: 12, 13, 14, 24, 25."""
    end = working_days_from(date(2026, 2, 12), 5, lambda d: is_workday(d, {}))
    assert end == date(2026, 2, 25)


def test_swapped_saturday_counts_and_admin_overrides_win():
    assert is_workday(date(2026, 2, 28), {})  # a Saturday made a working day
    assert not is_workday(date(2026, 2, 16), {})  # a Monday in the holiday
    overrides = {date(2026, 2, 24): False}
    assert working_days_from(date(2026, 2, 12), 5, lambda d: is_workday(d, overrides)) == date(2026, 2, 26)


def test_year_the_library_lacks_falls_back_to_weekdays_and_overrides():
    assert is_workday(date(2099, 1, 5), {})  # a Monday
    assert not is_workday(date(2099, 1, 3), {})  # a Saturday
    assert not is_workday(date(2099, 1, 5), {date(2099, 1, 5): False})


def test_dates():
    assert add_years(date(2024, 2, 29), 10) == date(2034, 2, 28)
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2026, 11, 15), 12) == date(2027, 11, 15)
