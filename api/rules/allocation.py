"""The employer's 2% allocation to the union (工会拨缴经费) and its split with the union above.

工会法 Art 43 [C]: an employer with a union allocates 2% of its employees' total monthly wages (pre-tax;
pensions are not wages) to the union each month; 章程 Art 37 [C]: an employer without a union pays it
to the union above. How much the grassroots union keeps and how much it passes up is set by each
province [?]: a percentage from the province data. Integer fen throughout; halves round up.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

__all__ = ["ALLOCATION_RATE", "expected_allocation_fen", "split_share"]

#: 2% of total monthly wages (工会法 Art 43)
ALLOCATION_RATE = Decimal("0.02")


def expected_allocation_fen(payroll_fen: int, rate: Decimal = ALLOCATION_RATE) -> int:
    """2% of the month's payroll, in fen, half up."""
    if payroll_fen < 0:
        raise ValueError("payroll cannot be negative")
    return int((Decimal(payroll_fen) * rate).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def split_share(amount_fen: int, kept_percent: int) -> tuple[int, int]:
    """(kept, passed up) of an amount received: the kept share rounded half up, the rest passed up,
    so the two always add up to the amount."""
    if not 0 <= kept_percent <= 100:
        raise ValueError("kept_percent is a percentage")
    kept = int((Decimal(amount_fen) * kept_percent / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    return kept, amount_fen - kept
