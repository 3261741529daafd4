"""Chinese numerals as plans write them: 一, 两, 十二, 二十, 一百零五."""

from __future__ import annotations

DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
MULTIPLIERS = {"十": 10, "百": 100, "千": 1000}
# A run of numeral characters, for regular expressions.
CHINESE_NUMERAL = "[零〇一二两三四五六七八九十百千]+"


def chinese_numeral_value(numeral: str) -> int:
    """一 -> 1, 十二 -> 12, 二十 -> 20, 一百零五 -> 105; Arabic digits are read as they are ("5" -> 5)."""
    if numeral.isdecimal():  # what int() reads; "²".isdigit() is true too
        return int(numeral)
    total, digit = 0, 0
    for character in numeral:
        if character in DIGITS:
            digit = DIGITS[character]
        elif character in MULTIPLIERS:
            total += (digit or 1) * MULTIPLIERS[character]
            digit = 0
        else:
            raise ValueError(f"not a Chinese numeral: {numeral!r}")
    return total + digit


def chinese_numeral_text(number: int) -> str:
    """7 -> 七, 12 -> 十二, 20 -> 二十, 99 -> 九十九: how a plan numbers its sections (1–99)."""
    digits = "零一二三四五六七八九"
    if not 0 < number < 100:
        raise ValueError(f"sections are numbered 1 to 99: {number}")
    tens, units = divmod(number, 10)
    text = ("" if tens == 1 else digits[tens]) + "十" if tens else ""
    return text + (digits[units] if units else "")
