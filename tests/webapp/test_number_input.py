"""How typed figures are read: thousands separators, fractions, exponents, percentages and
money, each refused with a message saying what to type instead; and which values count as far
outside the chart's usual limits."""

from decimal import Decimal

import pytest
from django import forms

from webapp.officer.forms import parse_number, unusual

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("text", "unit", "expected"),
    [
        ("57,574", "count", Decimal("57574")),
        ("1,234,567", "count", Decimal("1234567")),
        (" 57574 ", "count", Decimal("57574")),
        ("12.0", "count", Decimal("12")),
        ("74.2", "percent", Decimal("74.2")),
        ("74.2%", "percent", Decimal("74.2")),
        ("£1,234.50", "gbp", Decimal("1234.50")),
        ("-250", "gbp", Decimal("-250")),
        ("12.5", "days", Decimal("12.5")),
        (".5", "rate_per_1000", Decimal("0.5")),
        ("3.1416", "days", Decimal("3.1416")),
    ],
)
def test_numbers_people_type_are_read(text, unit, expected):
    assert parse_number(text, unit) == expected


@pytest.mark.parametrize(
    ("text", "unit", "code", "words"),
    [
        ("12.5", "count", "fraction", "Enter a whole number, like 57,574"),
        ("1e3", "count", "exponent", "Enter the number in full, like 1000"),
        ("2.5E+2", "days", "exponent", "not as a power of ten"),
        ("12 visits", "count", "invalid", "Enter a number only, like 57,574"),
        ("fifty", "percent", "invalid", "Enter a number only, like 74.2"),
        ("5,75", "count", "separators", "Put commas only between groups of three digits"),
        ("57,5740", "count", "separators", "groups of three digits"),
        ("12,5", "days", "separators", "use a full stop for decimals"),
        ("£12.345", "gbp", "pence", "no more than 2 decimal places"),
        ("74.2%", "count", "invalid", "no letters or other symbols"),
        ("£5", "count", "invalid", "no letters or other symbols"),
        ("1.23456", "days", "decimals", "no more than 4 decimal places"),
        ("NaN", "days", "invalid", "Enter a number only"),
        ("Infinity", "days", "invalid", "Enter a number only"),
        ("12345678901234567", "count", "too_large", "too large"),
    ],
)
def test_bad_numbers_are_refused_with_a_clear_message(text, unit, code, words):
    with pytest.raises(forms.ValidationError) as refused:
        parse_number(text, unit)
    assert refused.value.code == code
    assert words in refused.value.messages[0]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("5", True),  # 5 typed for about 50,000
        ("30000", True),
        ("47000", False),  # just outside the limits: a signal for the chart, not a slip
        ("54000", False),
        ("65000", False),
        ("66001", True),
        ("600000", True),
    ],
)
def test_far_outside_the_usual_limits(value, expected):
    assert unusual(Decimal(value), (48000.0, 60000.0)) is expected


def test_no_limits_no_warning():
    assert unusual(Decimal("5"), None) is False
    assert unusual(Decimal("5"), (None, None)) is False
    assert unusual(None, (48000.0, 60000.0)) is False
