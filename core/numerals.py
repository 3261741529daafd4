"""Chinese numerals as plans write them: 一, 两, 十二, 二十, 一百零五."""

from __future__ import annotations

import re

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


# "8", "8.", "8、", "第8项", "第八项", "第 8 项", "八项", "第8": how people name a work item by its number.
_ITEM_NUMBER = re.compile(
    rf"^(?:(?P<digits>[0-9]{{1,9}})\s*[.．、。]?|第?\s*(?P<numeral>[0-9]{{1,9}}|{CHINESE_NUMERAL})\s*项\s*[.．、。]?"
    rf"|第\s*(?P<bare>[0-9]{{1,9}}|{CHINESE_NUMERAL})\s*[.．、。]?)$"
)


def item_number_in(text: str) -> int | None:
    """The item number `text` names as a whole ("8", "第8项", "第八项", "8."), else None ("8项工作", "一")."""
    match = _ITEM_NUMBER.match(text.strip())
    if match is None:
        return None
    number = chinese_numeral_value(match.group("digits") or match.group("numeral") or match.group("bare"))
    return number if 0 < number < 2**31 else None
