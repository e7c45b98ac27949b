"""Resident ID numbers: GB 11643-1999 (structure §4-§5, MOD 11-2 check character §6.2)."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from api.rules.resident_id import (
    PROVINCE_CODES,
    ResidentIdError,
    compute_check_char,
    masked_tail,
    parse_resident_id,
)

TODAY = date(2026, 11, 21)
#: The worked example of GB 11643-1999 (Beijing Chaoyang, born 1949-12-31, female, check X).
STANDARD_EXAMPLE = "11010519491231002X"


def with_check(first17: str) -> str:
    return first17 + compute_check_char(first17)


def kind_of(raw: str) -> str:
    with pytest.raises(ResidentIdError) as excinfo:
        parse_resident_id(raw, today=TODAY)
    return excinfo.value.kind


def test_standard_example_parses() -> None:
    """GB 11643-1999 §5: birth date in digits 7-14, odd 17th digit = male, check X for 10."""
    rid = parse_resident_id(STANDARD_EXAMPLE, today=TODAY)
    assert rid.value == STANDARD_EXAMPLE
    assert rid.birth_date == date(1949, 12, 31)
    assert rid.gender == "female"
    assert rid.masked == "110***********002X"
    assert STANDARD_EXAMPLE not in repr(rid) and STANDARD_EXAMPLE not in str(rid)


def test_male_from_odd_seventeenth_digit() -> None:
    """GB 11643-1999 §5.3: the sequence code is odd for men."""
    rid = parse_resident_id("140106198310050793", today=TODAY)
    assert (rid.gender, rid.birth_date) == ("male", date(1983, 10, 5))


@pytest.mark.parametrize(
    "raw",
    [
        " 11010519491231002x ",
        "\u300011010519491231002X\u3000",
        "１１０１０５１９４９１２３１００２ｘ",
        "\t11010519491231002X\n",
    ],
)
def test_harmless_mess_is_normalised(raw: str) -> None:
    """GB 11643-1999 §6.2 check character X, written lower-case or full-width in HR exports."""
    assert parse_resident_id(raw, today=TODAY).value == STANDARD_EXAMPLE


@pytest.mark.parametrize(
    ("raw", "kind"),
    [
        ("", "id_short"),
        ("140106199311031", "id_short"),  # the 15-digit numbers of 1985 are no longer accepted
        ("11010519491231002", "id_short"),
        ("11010519491231002X1", "id_long"),
        ("1.40105E+17", "id_excel_float"),
        ("1.40105198310051e+17", "id_excel_float"),
        ("5.10107E+17", "id_excel_float"),
        ("140106198310050793.0", "id_excel_float"),
        ("11010519491231002A", "id_format"),
        ("1101051949123100X2", "id_format"),
        ("110105-19491231-002X", "id_format"),
        ("110105194912310021", "id_checksum"),
        ("140106198310050794", "id_checksum"),
    ],
)
def test_error_kinds(raw: str, kind: str) -> None:
    """GB 11643-1999 §4 (18 characters, digits and a final X) and §6.2 (check character)."""
    assert kind_of(raw) == kind


def test_fifteen_significant_digits_ending_in_zeros_is_an_excel_float() -> None:
    """A float keeps 15 significant digits: 140105198310051234 -> 140105198310051000 (GB 11643-1999 §4)."""
    mangled = "140105198310051000"
    assert compute_check_char(mangled[:17]) != mangled[17]
    assert kind_of(mangled) == "id_excel_float"


@pytest.mark.parametrize(
    "province", ["00", "10", "16", "20", "39", "47", "49", "55", "66", "72", "80", "84", "99"]
)
def test_region_outside_province_list(province: str) -> None:
    """GB 11643-1999 §5.1: the address code is a GB/T 2260 code; its first two digits name a province."""
    assert kind_of(with_check(province + "0105198310050" + "79")) == "id_region"


@pytest.mark.parametrize("birth", ["19490230", "19491301", "19490000", "20261122", "20990101", "18991231"])
def test_impossible_or_future_birth_date(birth: str) -> None:
    """GB 11643-1999 §5.2: digits 7-14 are the birth date; it must exist and not be after today."""
    assert kind_of(with_check("110105" + birth + "002")) == "id_birth_date"


def test_birth_today_is_accepted() -> None:
    """GB 11643-1999 §5.2: a child born today has a valid number."""
    assert parse_resident_id(with_check("11010520261121002"), today=TODAY).birth_date == TODAY


@pytest.mark.parametrize("bad", ["", "1234", "1101051949123100a", "110105194912310021"])
def test_compute_check_char_wants_17_digits(bad: str) -> None:
    """GB 11643-1999 §6.2 is defined over exactly 17 digits."""
    with pytest.raises(ValueError):
        compute_check_char(bad)


def test_province_list() -> None:
    """GB/T 2260 province codes as referenced by GB 11643-1999 §5.1 (31 mainland + 71 Taiwan, 81 Hong Kong,
    82 Macao; 83 as issued on residence permits of Taiwan residents)."""
    assert len(PROVINCE_CODES) == 35
    assert {"11", "65", "71", "81", "82", "83"} <= PROVINCE_CODES


valid_first17 = st.builds(
    lambda province, rest, birth, seq: f"{province}{rest:04d}{birth:%Y%m%d}{seq:03d}",
    st.sampled_from(sorted(PROVINCE_CODES)),
    st.integers(0, 9999),
    st.dates(min_value=date(1900, 1, 1), max_value=TODAY),
    st.integers(0, 999),
)


@given(valid_first17)
def test_generated_ids_parse_and_round_trip(first17: str) -> None:
    """GB 11643-1999: any province, real birth date and sequence with the §6.2 check character is valid."""
    value = with_check(first17)
    rid = parse_resident_id(value, today=TODAY)
    assert rid.value == value
    assert rid.birth_date == date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    assert rid.gender == ("male" if int(value[16]) % 2 else "female")
    assert rid.masked == value[:3] + "*" * 11 + value[-4:]
    assert parse_resident_id(f" {value.lower()}\u3000", today=TODAY) == rid
    assert parse_resident_id(rid.value, today=TODAY) == rid


@given(valid_first17, st.integers(0, 16), st.integers(1, 9))
def test_single_digit_mutation_is_a_checksum_error(first17: str, position: int, shift: int) -> None:
    """GB 11643-1999 §6.2: MOD 11-2 detects every single-digit substitution (weights are non-zero mod 11)."""
    value = with_check(first17)
    digit = (int(value[position]) + shift) % 10
    mutated = value[:position] + str(digit) + value[position + 1 :]
    assume(not mutated.endswith("000"))  # that shape is reported as a spreadsheet float on purpose
    assert kind_of(mutated) == "id_checksum"


@pytest.mark.parametrize(
    ("raw", "kind"),
    [
        ("١١٠١٠٥١٩٤٩١٢٣١٠٠٢١", "id_format"),  # Arabic-Indic digits: \d, but not ASCII (NFKC keeps them)
        ("11010519491231002X\n1", "id_format"),
        ("1101051949123100X" + "2", "id_format"),
        (with_check("11010519490230002"), "id_birth_date"),  # a well-formed number with no such day
        (with_check("99010519491231002"), "id_region"),
    ],
)
def test_one_match_shape_check_leaves_the_detailed_kinds(raw: str, kind: str) -> None:
    """GB 11643-1999 §4: the one-regex shape check of valid numbers accepts only ASCII digits and a final
    X; anything else still gets its detailed kind."""
    assert kind_of(raw) == kind


@given(st.dates(min_value=date(1900, 1, 1), max_value=TODAY))
def test_birth_date_read_as_iso_basic_format(day: date) -> None:
    """GB 11643-1999 §5.2: digits 7-14 are YYYYMMDD, read with date.fromisoformat."""
    assert parse_resident_id(with_check(f"110105{day:%Y%m%d}003"), today=TODAY).birth_date == day


def test_masked_tail_finds_masked_ids_in_any_width_and_nothing_in_full_ones():
    """An export's masked form (MASKED_ID) gives its last four characters; a full number gives None, also
    through the fast path that skips ASCII values without an asterisk."""
    assert masked_tail("110***********123X") == "123X"
    assert masked_tail(" " + "*" * 14 + "1234 ") == "1234"  # region masked too, spaces around
    assert masked_tail("１１０＊＊＊＊＊＊＊＊＊＊＊１２３ｘ") == "123X"  # full-width forms fold to ASCII
    assert masked_tail("11010519491231002X") is None
    assert masked_tail("１１０１０５１９４９１２３１００２Ｘ") is None
    assert masked_tail("110**********123X") is None  # ten asterisks: not the export's form
