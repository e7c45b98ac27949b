"""Unified social credit codes: GB 32100-2015 (alphabet §4.2, check character §5)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from api.rules.uscc import USCC_ALPHABET, UsccError, compute_uscc_check_char, validate_uscc

#: The example code printed in GB 32100-2015.
STANDARD_EXAMPLE = "91350100M000100Y43"


def kind_of(raw: str) -> str:
    with pytest.raises(UsccError) as excinfo:
        validate_uscc(raw)
    return excinfo.value.kind


def test_standard_example() -> None:
    """GB 32100-2015 §5: the standard's own example validates."""
    assert validate_uscc(STANDARD_EXAMPLE) == STANDARD_EXAMPLE
    assert compute_uscc_check_char(STANDARD_EXAMPLE[:17]) == "3"


def test_normalises_case_width_and_spaces() -> None:
    """GB 32100-2015 §4.2 uses capital letters; HR files do not always."""
    assert validate_uscc(" 91350100m000100y43\u3000") == STANDARD_EXAMPLE
    assert validate_uscc("９１３５０１００Ｍ０００１００Ｙ４３") == STANDARD_EXAMPLE


@pytest.mark.parametrize(
    ("raw", "kind"),
    [
        ("", "uscc_short"),
        ("91350100M000100Y4", "uscc_short"),
        ("91350100M000100Y433", "uscc_long"),
        ("91350100I000100Y43", "uscc_format"),  # I, O, S, V, Z are not in the alphabet
        ("91350100O000100Y43", "uscc_format"),
        ("91350100-000100Y43", "uscc_format"),
        ("91350100M000100Y44", "uscc_checksum"),
    ],
)
def test_error_kinds(raw: str, kind: str) -> None:
    """GB 32100-2015 §4 (18 characters from the code alphabet) and §5 (check character)."""
    assert kind_of(raw) == kind


def test_compute_rejects_bad_input() -> None:
    """GB 32100-2015 §5 is defined over 17 characters of the alphabet."""
    with pytest.raises(ValueError):
        compute_uscc_check_char("91350100M000100Y")
    with pytest.raises(ValueError):
        compute_uscc_check_char("91350100M000100YI")


first17 = st.text(alphabet=USCC_ALPHABET, min_size=17, max_size=17)


@given(first17)
def test_generated_codes_validate(prefix: str) -> None:
    """GB 32100-2015 §5: any 17 characters plus the computed check character form a valid code."""
    code = prefix + compute_uscc_check_char(prefix)
    assert validate_uscc(code.lower()) == code


@given(first17, st.integers(0, 16), st.integers(1, 30))
def test_single_substitution_is_detected(prefix: str, position: int, shift: int) -> None:
    """GB 32100-2015 §5: weights are non-zero mod the prime 31, so one changed character always shows."""
    code = prefix + compute_uscc_check_char(prefix)
    changed = USCC_ALPHABET[(USCC_ALPHABET.index(code[position]) + shift) % 31]
    assert kind_of(code[:position] + changed + code[position + 1 :]) == "uscc_checksum"
