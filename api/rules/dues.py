"""Monthly membership dues (会费) and parsing of yuan amounts into integer fen.

docs/rules.md §1 Dues: 0.5% of the monthly wage, ignoring the part of the wage under 10 yuan, i.e.
``floor(wage_yuan / 10) * 10 * 0.005`` [L]; rounding of the result is not fixed nationally [?], so it is a
parameter defaulting to half up to the fen. Money is integer fen throughout and no float ever enters a
calculation: a float cannot represent 0.1 yuan exactly, and a union's books must add up to the fen.
"""

from __future__ import annotations

import math
import re
import unicodedata
from decimal import (
    ROUND_DOWN,
    ROUND_FLOOR,
    ROUND_HALF_EVEN,
    ROUND_HALF_UP,
    ROUND_UP,
    Decimal,
    InvalidOperation,
)
from typing import Literal

__all__ = ["DEFAULT_DUES_RATE", "DEFAULT_FLOOR_UNIT_FEN", "Rounding", "monthly_dues_fen", "yuan_to_fen"]

Rounding = Literal["half_up", "down", "up", "half_even"]

#: 0.5 % of the wage (docs/rules.md §1 Dues) [L: configurable].
DEFAULT_DUES_RATE = Decimal("0.005")
#: The part of the wage under 10 yuan is ignored (docs/rules.md §1 Dues) [L: configurable].
DEFAULT_FLOOR_UNIT_FEN = 1000

# Dues are never negative, so towards/away from zero is the same as floor/ceiling.
_ROUNDING_MODES: dict[str, str] = {
    "half_up": ROUND_HALF_UP,
    "down": ROUND_DOWN,
    "up": ROUND_UP,
    "half_even": ROUND_HALF_EVEN,
}
_FEN = Decimal("0.01")
_AMOUNT = re.compile(r"^[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?$")
#: ASCII digits, no separators, at most two decimals: converted without Decimal
_PLAIN_AMOUNT = re.compile(r"([+-]?)([0-9]{1,18})(?:\.([0-9]{1,2}))?")


def monthly_dues_fen(
    wage_fen: int,
    rounding: Rounding = "half_up",
    *,
    rate: Decimal = DEFAULT_DUES_RATE,
    floor_unit_fen: int = DEFAULT_FLOOR_UNIT_FEN,
) -> int:
    """Dues in fen for a monthly wage in fen (docs/rules.md §1 Dues: floor to 10 yuan, then 0.5 %).

    With the default rate and floor unit the result is always a whole multiple of 5 fen (every full
    10 yuan owes 5 fen), so ``rounding`` only matters once a union configures another rate or unit;
    it is still applied so that such a configuration cannot silently produce fractions of a fen.
    """
    if isinstance(wage_fen, bool) or not isinstance(wage_fen, int):
        raise TypeError("wage_fen must be an int (fen)")
    if wage_fen < 0:
        raise ValueError("wage_fen must not be negative")
    if not isinstance(rate, Decimal) or not rate.is_finite() or rate < 0:
        raise ValueError("rate must be a finite, non-negative Decimal")
    if isinstance(floor_unit_fen, bool) or not isinstance(floor_unit_fen, int) or floor_unit_fen <= 0:
        raise ValueError("floor_unit_fen must be a positive int")
    if rounding not in _ROUNDING_MODES:
        raise ValueError(f"unknown rounding {rounding!r}")
    base_fen = wage_fen // floor_unit_fen * floor_unit_fen
    return int((Decimal(base_fen) * rate).quantize(Decimal(1), rounding=_ROUNDING_MODES[rounding]))


def yuan_to_fen(value: str | float | Decimal) -> int:
    """Parse an amount in yuan into integer fen, accepting what HR files contain.

    Accepted: ``"5027.73"``, ``"5,027.73"``, full-width digits, surrounding (ideographic) spaces,
    ``Decimal``, ``int`` and the ``float`` openpyxl returns for number cells (rounded to the fen through
    ``Decimal(str(x))``, which recovers the decimal the spreadsheet showed). A text or Decimal amount with
    non-zero digits beyond the fen is rejected rather than rounded: it means the column is not what it
    claims to be. Raises ``ValueError`` on anything else.
    """
    if isinstance(value, bool):
        raise ValueError("a boolean is not an amount")
    if isinstance(value, int):
        return value * 100
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError("amount is not a finite number")
        return _to_fen(Decimal(str(value)).quantize(_FEN, rounding=ROUND_HALF_UP))
    if isinstance(value, Decimal):
        return _exact_fen(value)
    if isinstance(value, str):
        plain = _PLAIN_AMOUNT.fullmatch(value)
        if plain:  # "6000", "-12.5", "6000.00" (most cells): integer arithmetic gives the same fen
            sign, whole, decimals = plain.groups()
            fen = int(whole) * 100 + (int(decimals.ljust(2, "0")) if decimals else 0)
            return -fen if sign == "-" else fen
        return _exact_fen(_parse_text(value))
    raise ValueError(f"cannot read an amount from {type(value).__name__}")


def _parse_text(text: str) -> Decimal:
    """NFKC folds full-width digits, commas and spaces; thousands separators must be well placed."""
    cleaned = unicodedata.normalize("NFKC", text).strip()
    if not _AMOUNT.match(cleaned):
        raise ValueError(f"not an amount: {text!r}")
    return Decimal(cleaned.replace(",", ""))


def _exact_fen(amount: Decimal) -> int:
    """Refuse amounts that do not fall on a whole fen (more than two non-zero decimals)."""
    if not amount.is_finite():
        raise ValueError("amount is not a finite number")
    try:
        fen = amount.quantize(_FEN)
    except InvalidOperation:
        raise ValueError("amount is too large") from None
    if fen != amount:
        raise ValueError(f"more than two decimals: {amount}")
    return _to_fen(fen)


def _to_fen(amount: Decimal) -> int:
    return int((amount * 100).to_integral_value(rounding=ROUND_FLOOR))
