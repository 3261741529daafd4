"""One Chinese-numeral reader for the plan importer (sections, items, counts) and the brands (三大品牌, 2年)."""

import pytest

from core.numerals import chinese_numeral_value


@pytest.mark.parametrize(
    "text,number",
    [("5", 5), ("12", 12), ("一", 1), ("五", 5), ("两", 2), ("十", 10), ("十二", 12), ("二十", 20), ("二十三", 23),
     ("一百零五", 105), ("三千", 3000), ("〇", 0)],
)
def test_numerals_as_plans_write_them(text, number):
    assert chinese_numeral_value(text) == number


def test_a_word_that_is_not_a_numeral_is_refused():
    with pytest.raises(ValueError):
        chinese_numeral_value("几")


@pytest.mark.parametrize("number, text", [(1, "一"), (7, "七"), (10, "十"), (12, "十二"), (20, "二十"), (99, "九十九")])
def test_numbers_written_as_section_numerals_read_back(number, text):
    from core.numerals import chinese_numeral_text

    assert chinese_numeral_text(number) == text
    assert chinese_numeral_value(text) == number
