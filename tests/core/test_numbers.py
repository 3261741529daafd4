"""Numbers as people write them: the pages, the bulletins and the API's readers see the same."""

from decimal import Decimal

import pytest

from core.numbers import percent, quantity


@pytest.mark.parametrize("value, text", [(53.8, "53.8%"), (Decimal("60.0"), "60%"), (100, "100%"), (0, "0%"),
                                         (Decimal("53.85"), "53.9%"), (None, "—")])
def test_percent(value, text):
    assert percent(value) == text


@pytest.mark.parametrize("value, unit, text", [(Decimal("3500.00"), "人次", "3,500人次"), (Decimal("12.00"), "家", "12家"),
                                               (Decimal("2.50"), "期", "2.5期"), (None, "家", "—"), (7, "", "7")])
def test_quantity(value, unit, text):
    assert quantity(value, unit) == text
