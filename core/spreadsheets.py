"""Cells of the spreadsheets the portal writes (bulletins, 考核表, exports)."""

from __future__ import annotations


def text_cell(cell, value) -> None:
    """Write user text as text, whatever its first character.

    A narrative, an item title or a department name starting with = + - @, a tab or
    a CR would otherwise be a live formula when the bulletin opens in Excel (formula
    injection, OWASP): stored as a string and marked as quoted text, it stays words.
    Control characters a cell cannot hold (openpyxl refuses them: the whole bulletin
    would be a 500) are left out.
    """
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    cell.value = "" if value is None else ILLEGAL_CHARACTERS_RE.sub("", str(value))
    cell.data_type = "s"
    cell.quotePrefix = True
