"""Hardship-aid computations with no database: the 低保 formula, the hardship category, name masking
and working days on the Chinese official calendar.

Sources (all local or common practice, configurable, [L]): the household-file rules of the 全国总工会
困难职工帮扶 practice (per-capita monthly income = (annual disposable income - rigid expenses) / 12 /
household size, compared with the local minimum-living standard 低保; deep hardship below 1x, relative
hardship below 2x, accident-caused hardship when the costs of an accident or illness exceed 80% of the
household's annual income) and the public-notice practice (公示, 5 working days).

Money is integer fen; the comparisons are exact (fractions), never floats.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from fractions import Fraction

import chinese_calendar


class HardshipCategory(StrEnum):
    deep = "deep"  # 深度困难
    relative = "relative"  # 相对困难
    accident = "accident"  # 意外致困
    none = "none"  # not in hardship by the formula


@dataclass(frozen=True)
class Thresholds:
    """Multiples of the 低保 standard and the accident-cost share; configuration supplies them."""

    deep_multiple: Fraction = Fraction(1)
    relative_multiple: Fraction = Fraction(2)
    accident_cost_share: Fraction = Fraction(4, 5)


@dataclass(frozen=True)
class Assessment:
    per_capita_monthly_fen: int  # rounded down to the fen, for display; the category uses exact values
    dibao_monthly_fen: int
    category: HardshipCategory


def per_capita_monthly(annual_income_fen: int, rigid_expenses_fen: int, household_size: int) -> Fraction:
    """(annual disposable income - rigid expenses) / 12 / household size, exactly."""
    if household_size < 1:
        raise ValueError("a household has at least one person")
    return Fraction(annual_income_fen - rigid_expenses_fen, 12 * household_size)


def assess(
    *,
    annual_income_fen: int,
    rigid_expenses_fen: int,
    household_size: int,
    accident_costs_fen: int,
    dibao_monthly_fen: int,
    thresholds: Thresholds,
) -> Assessment:
    """The category of a household: deep below ``deep_multiple`` x 低保, else relative below
    ``relative_multiple`` x 低保, else accident-caused when the accident costs exceed
    ``accident_cost_share`` of the annual income, else none. The more severe category wins."""
    pc = per_capita_monthly(annual_income_fen, rigid_expenses_fen, household_size)
    if pc < thresholds.deep_multiple * dibao_monthly_fen:
        category = HardshipCategory.deep
    elif pc < thresholds.relative_multiple * dibao_monthly_fen:
        category = HardshipCategory.relative
    elif accident_costs_fen > 0 and accident_costs_fen > thresholds.accident_cost_share * annual_income_fen:
        category = HardshipCategory.accident
    else:
        category = HardshipCategory.none
    return Assessment(
        per_capita_monthly_fen=pc.numerator // pc.denominator,
        dibao_monthly_fen=dibao_monthly_fen,
        category=category,
    )


def mask_name(name: str) -> str:
    """张三丰 -> 张*丰, 张三 -> 张*, 欧阳娜娜 -> 欧**娜: first and last character kept (two-character
    names keep only the first), so a public notice never shows a full name."""
    name = name.strip()
    if len(name) <= 1:
        return "*"
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def library_workday(day: date) -> bool | None:
    """What the maintained calendar (``chinesecalendar``, the State Council holiday notices) says, or
    ``None`` for a year it does not cover yet."""
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        return None


def is_workday(day: date, overrides: Mapping[date, bool]) -> bool:
    """A day an admin recorded wins; then the library; for a year neither covers, Monday to Friday."""
    if day in overrides:
        return overrides[day]
    known = library_workday(day)
    return known if known is not None else day.weekday() < 5


def working_days_from(start: date, count: int, workday: Callable[[date], bool]) -> date:
    """The last of the first ``count`` working days on or after ``start`` (the notice's last day)."""
    if count < 1:
        raise ValueError("count must be at least 1")
    day, seen = start, 0
    while True:
        if workday(day):
            seen += 1
            if seen == count:
                return day
        day += timedelta(days=1)


def add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def add_months(day: date, months: int) -> date:
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    for d in (day.day, 30, 29, 28):
        try:
            return date(year, month, d)
        except ValueError:
            continue
    raise AssertionError("unreachable")
