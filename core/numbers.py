"""Numbers as people write them in a 工作要点 and its bulletins: 85%, 53.8%, 12家, 3,500人次 — never 85.00/100.00%."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

NONE = "—"


def _trimmed(value, places: int) -> str:
    number = Decimal(str(value)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    text = f"{number:,.{places}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def percent(value) -> str:
    """53.8 -> "53.8%", 60.0 -> "60%", None -> "—" (one decimal at most)."""
    if value is None or value == "":
        return NONE
    try:
        return f"{_trimmed(value, 1)}%"
    except (InvalidOperation, ValueError):
        return NONE


def quantity(value, unit: str = "") -> str:
    """3500 -> "3,500", 2.50 -> "2.5", with the unit written right after it (12家, 3,500人次)."""
    if value is None or value == "":
        return NONE
    try:
        return f"{_trimmed(value, 2)}{unit}"
    except (InvalidOperation, ValueError):
        return NONE


def plain(value) -> str:
    """For a form's input: 3500.00 -> "3500", 2.50 -> "2.5" (no grouping: the browser's number field reads it back)."""
    if value is None or value == "":
        return ""
    return f"{Decimal(str(value)).normalize():f}"
