"""Membership dues and yuan amounts: docs/rules.md §1 Dues (floor to 10 yuan, 0.5%, integer fen)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from api.rules.dues import monthly_dues_fen, yuan_to_fen

wages = st.integers(min_value=0, max_value=10**10)


@pytest.mark.parametrize(
    ("wage_fen", "dues_fen"),
    [(0, 0), (999, 0), (1000, 5), (1999, 5), (2000, 10), (502773, 2510), (500000, 2500), (1234567, 6170)],
)
def test_examples(wage_fen: int, dues_fen: int) -> None:
    """docs/rules.md §1 Dues: floor(wage_yuan / 10) * 10 * 0.005; 5027.73 yuan -> 5020 -> 25.10 yuan."""
    assert monthly_dues_fen(wage_fen) == dues_fen


@pytest.mark.parametrize(("rounding", "expected"), [("half_up", 5), ("down", 4), ("up", 5), ("half_even", 4)])
def test_rounding_modes_apply_when_configured_rate_leaves_fractions(rounding: str, expected: int) -> None:
    """docs/rules.md §1 Dues: rounding is not fixed nationally [?], default half up, configurable."""
    # 15 yuan at 0.3 % with a 1-yuan floor owes 4.5 fen.
    assert monthly_dues_fen(1500, rounding, rate=Decimal("0.003"), floor_unit_fen=100) == expected  # type: ignore[arg-type]


def test_rejects_bad_input() -> None:
    """docs/rules.md §1 Dues: money is integer fen; a wage cannot be negative."""
    with pytest.raises(ValueError):
        monthly_dues_fen(-1)
    with pytest.raises(TypeError):
        monthly_dues_fen(1000.0)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        monthly_dues_fen(True)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        monthly_dues_fen(1000, "banker")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        monthly_dues_fen(1000, rate=0.005)  # type: ignore[arg-type]


@given(wages)
def test_default_is_floor_to_ten_yuan_times_half_percent(wage_fen: int) -> None:
    """docs/rules.md §1 Dues (floor to 10 yuan, 0.5%), rounded half up to the fen by default."""
    expected = int((Decimal(wage_fen // 1000 * 1000) * 5 / 1000).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    result = monthly_dues_fen(wage_fen)
    assert isinstance(result, int)
    assert result == expected
    if wage_fen < 1000:
        assert result == 0


@given(wages, wages, st.sampled_from(["half_up", "down", "up", "half_even"]))
def test_monotonic_in_wage(a: int, b: int, rounding: str) -> None:
    """docs/rules.md §1 Dues: a higher wage never owes less."""
    low, high = sorted((a, b))
    assert monthly_dues_fen(low, rounding) <= monthly_dues_fen(high, rounding)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value", "fen"),
    [
        ("5027.73", 502773),
        ("5,027.73", 502773),
        ("1,234,567.8", 123456780),
        ("５０２７．７３", 502773),
        ("\u3000 5027.7 ", 502770),
        ("5027", 502700),
        ("-1200.00", -120000),
        ("0.01", 1),
        (Decimal("5027.73"), 502773),
        (Decimal("5027.730"), 502773),
        (5027, 502700),
        (20045.52, 2004552),
        (0.1 + 0.2, 30),
        (-1200.0, -120000),
    ],
)
def test_yuan_to_fen(value: object, fen: int) -> None:
    """docs/rules.md §1 Dues: keep money as integer fen, parsed exactly (never through float arithmetic)."""
    assert yuan_to_fen(value) == fen  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "value",
    [
        "",
        "abc",
        "1.234",
        "12,34.5",
        "1e5",
        "nan",
        "5027.73元",
        "1.2.3",
        Decimal("1.005"),
        Decimal("NaN"),
        float("inf"),
        float("nan"),
        True,
        None,
        [1],
    ],
)
def test_yuan_to_fen_rejects_junk(value: object) -> None:
    """docs/rules.md §1 Dues: an amount that is not whole fen is a data error, not something to round away."""
    with pytest.raises(ValueError):
        yuan_to_fen(value)  # type: ignore[arg-type]


@given(st.integers(min_value=-(10**12), max_value=10**12))
def test_yuan_text_round_trips(fen: int) -> None:
    """docs/rules.md §1 Dues: integer fen survive being written as yuan text, with or without separators."""
    sign = "-" if fen < 0 else ""
    yuan, cents = divmod(abs(fen), 100)
    assert yuan_to_fen(f"{sign}{yuan}.{cents:02d}") == fen
    assert yuan_to_fen(f"{sign}{yuan:,}.{cents:02d}") == fen


@given(st.integers(min_value=-(10**12), max_value=10**12))
def test_spreadsheet_floats_round_to_the_fen(fen: int) -> None:
    """docs/rules.md §1 Dues: a number cell read by openpyxl is a float; Decimal(str(x)) recovers the fen."""
    assert yuan_to_fen(float(Decimal(fen) / 100)) == fen


@given(st.from_regex(r"[+-]?[0-9]{1,18}(\.[0-9]{0,4})?", fullmatch=True))
def test_plain_amounts_take_the_integer_path_with_the_decimal_result(text: str) -> None:
    """docs/rules.md §1: money is integer fen. Plain amounts ("6000.00", "-12.5": most HR cells) are converted
    with integer arithmetic; it must agree with the general Decimal path on value and on refusal."""
    from api.rules.dues import _exact_fen, _parse_text

    try:
        expected: int | None = _exact_fen(_parse_text(text))
    except ValueError:
        expected = None
    try:
        got: int | None = yuan_to_fen(text)
    except ValueError:
        got = None
    assert got == expected
