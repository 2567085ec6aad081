"""The notice's numbers, written the Vietnamese way (vi_VN) whatever the user's language."""

from decimal import Decimal

import pytest
from flask_babel import force_locale

from fieldapp.reports.notice import vn_decimal, vn_number, vn_percent, vn_signed


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (18510, "18.510"),
        (4336, "4.336"),
        (1234567, "1.234.567"),
        (999, "999"),
        (0, "0"),
        (-1234, "-1.234"),
        (None, "—"),
    ],
)
def test_whole_numbers_are_grouped_by_dots(value, text):
    assert vn_number(value) == text


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (Decimal("30.1"), "30,1%"),
        (Decimal(30), "30,0%"),
        (Decimal("100.0"), "100%"),  # all or none, whole: "100%", "0%"
        (Decimal(0), "0%"),
        (Decimal("99.96"), "100%"),
        (Decimal("0.05"), "0,1%"),
        (Decimal("1234.5"), "1.234,5%"),
        (None, "—"),
    ],
)
def test_percentages_have_a_decimal_comma(value, text):
    assert vn_percent(value) == text


@pytest.mark.parametrize(
    ("value", "text"),
    [
        # Half up, as people round; Babel on its own rounds half to even (30,2 and 0,2).
        (Decimal("30.25"), "30,3"),
        (Decimal("0.25"), "0,3"),
        (Decimal("0.35"), "0,4"),
        (0.15, "0,2"),
        (Decimal("-2.25"), "-2,3"),
        (Decimal("12.349"), "12,3"),
        (Decimal("1234.56"), "1.234,6"),
        (None, "—"),
    ],
)
def test_one_decimal_rounds_half_up(value, text):
    assert vn_decimal(value) == text


def test_changes_carry_their_sign():
    assert vn_signed(1234) == "+1.234"
    assert vn_signed(-56) == "−56"
    assert vn_signed(0) == "0"
    assert vn_signed(Decimal("-2.35")) == "−2,4"
    assert vn_signed(None) == "—"


def test_numbers_stay_vietnamese_for_a_user_reading_english(app):
    with app.test_request_context(), force_locale("en"):
        assert vn_number(18510) == "18.510"
        assert vn_percent(Decimal("30.1")) == "30,1%"
