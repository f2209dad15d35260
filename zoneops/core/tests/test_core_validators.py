"""National formats: credit code (GB 32100), resident ID (GB 11643), mobile, vehicle plate."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError

from zoneops.core.validators import (
    id_check_char,
    normalize_uscc,
    uscc_check_char,
    validate_mobile,
    validate_plate,
    validate_resident_id,
    validate_uscc,
)


def _code(value: str, callable_) -> str | None:
    try:
        callable_(value)
    except ValidationError as exc:
        return exc.code
    return None


# --- unified social credit code -----------------------------------------------------------------

# Published codes of real organisations, checked against the standard by hand, not by our code.
PUBLISHED_USCC = [
    "91110108551385082Q",  # 小米科技有限责任公司
    "91350100M000100Y43",  # the worked example circulated with GB 32100-2015
    "911100001000044477",
    "91110000802100433B",
]


@pytest.mark.parametrize("code", PUBLISHED_USCC)
def test_published_credit_codes_are_valid(code):
    assert _code(code, validate_uscc) is None
    assert uscc_check_char(code[:17]) == code[17]


def test_check_char_by_hand():
    # 9 1 3 5 0 1 0 0 M(21) 0 0 0 1 0 0 Y(30) 4 weighted by 1 3 9 27 19 26 16 17 20 29 25 13 8 24 10 30 28:
    # 9+3+27+135+0+26+0+0+420+0+0+0+8+0+0+900+112 = 1640; 1640 mod 31 = 28; 31-28 = 3.
    assert uscc_check_char("91350100M000100Y4") == "3"


def test_check_char_of_a_nantong_development_zone_style_code():
    # 913206 91 = Nantong Economic and Technological Development Area; MA1M… a new-style registration number.
    assert uscc_check_char("91320691MA1MXXXXX") == "N"
    assert _code("91320691MA1MXXXXXN", validate_uscc) is None


def test_check_char_when_the_total_is_a_multiple_of_31():
    # The formula 31 - (total mod 31) would give 31 here; the standard maps it to "0".
    assert uscc_check_char("91320691MA1MXX007") == "0"
    assert _code("91320691MA1MXX0070", validate_uscc) is None


def test_credit_code_is_normalised_before_checking():
    assert normalize_uscc(" 91110108 551385082q ") == "91110108551385082Q"
    assert _code(" 91110108 551385082q ", validate_uscc) is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("91110108551385082A", "uscc_check"),  # wrong check character
        ("91110108551385082", "uscc_length"),  # 17 characters
        ("91110108551385082QQ", "uscc_length"),
        ("", "uscc_length"),
        ("91110108551385O82Q", "uscc_chars"),  # letter O is not in the alphabet
        ("9111010855138I082Q", "uscc_chars"),  # nor I
        ("911A0108551385082Q", "uscc_chars"),  # the division code is six digits
    ],
)
def test_bad_credit_codes(value, expected):
    assert _code(value, validate_uscc) == expected


# --- resident ID --------------------------------------------------------------------------------


def test_standard_example_id_is_valid():
    assert id_check_char("11010519491231002") == "X"
    assert _code("11010519491231002X", validate_resident_id) is None
    assert _code("11010519491231002x", validate_resident_id) is None


def test_check_digit_by_hand():
    # 3 2 0 6 0 2 1 9 8 0 0 1 0 1 1 2 3 · 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2
    # = 21+18+0+30+0+8+2+9+48+0+0+9+0+5+8+8+6 = 172; 172 mod 11 = 7; "10X98765432"[7] = "5".
    assert id_check_char("32060219800101123") == "5"
    assert _code("320602198001011235", validate_resident_id) is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("320602198001011234", "id_check"),
        ("11010519490231002X", "id_birth"),  # 31 February
        ("110105194912310021", "id_check"),
        ("1101051949123100", "id_shape"),
        ("11010519491231002Y", "id_shape"),
        ("110105189912310023", "id_birth"),  # before 1900 (check digit right)
    ],
)
def test_bad_resident_ids(value, expected):
    assert _code(value, validate_resident_id) == expected


def test_birth_date_in_the_future_is_refused_by_the_platform_clock():
    number = "32060220220501001"
    number += id_check_char(number)
    with time_machine.travel(dt.datetime(2022, 4, 10, tzinfo=dt.UTC)):
        assert _code(number, validate_resident_id) == "id_birth"
    with time_machine.travel(dt.datetime(2022, 5, 2, tzinfo=dt.UTC)):
        assert _code(number, validate_resident_id) is None


# --- mobile -------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["13812345678", "19912345678", " 15012345678 "])
def test_good_mobiles(value):
    assert _code(value, validate_mobile) is None


@pytest.mark.parametrize("value", ["12812345678", "1381234567", "138123456789", "+8613812345678", "138-1234-5678", ""])
def test_bad_mobiles(value):
    assert _code(value, validate_mobile) == "mobile"


# --- plates -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "苏F12345",  # Nantong
        "苏FD12345",  # small new-energy car
        "苏F12345D",  # large new-energy vehicle
        "苏FA1B23",
        "苏f12345",  # lower case is accepted
        "苏F1234挂",  # trailer
    ],
)
def test_good_plates(value):
    assert _code(value, validate_plate) is None


@pytest.mark.parametrize(
    "value",
    [
        "苏F1234",  # too short
        "苏F1234567",  # too long
        "AF12345",  # no province
        "苏I12345",  # I is never an issuing-office letter
        "苏F1234O",  # nor O in the serial
        "苏FX12345",  # 8 characters need D or F for new energy
        "",
    ],
)
def test_bad_plates(value):
    assert _code(value, validate_plate) == "plate"
