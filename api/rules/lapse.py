"""Deemed withdrawal (视为自动退会), 章程 Art 6: a member who, without good reason, for 6 consecutive
months neither pays dues nor takes part in the union's activities is deemed to have withdrawn.

Only months in which dues were owed count: a month in which the member owed none (retained: retired,
unemployed, employer closed; not yet a member) ends the run, so a member restored after a long
retention starts counting again from the restoration. A month with dues paid or with recorded
participation keeps the membership alive and ends the run too. Pure: the months come from the caller.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

__all__ = ["LAPSE_MONTHS", "LapseMonth", "lapsed_run"]

#: 章程 Art 6: six consecutive months [C]
LAPSE_MONTHS = 6


@dataclass(frozen=True)
class LapseMonth:
    first: date
    owed: bool
    paid: bool
    participated: bool


def lapsed_run(months_newest_first: Iterable[LapseMonth]) -> tuple[int, LapseMonth | None]:
    """The number of consecutive months, newest first, in which dues were owed and neither paid nor
    replaced by participation; and the month that ended the run (None if the input ran out)."""
    run = 0
    for month in months_newest_first:
        if not month.owed or month.paid or month.participated:
            return run, month
        run += 1
    return run, None
