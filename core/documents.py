"""What every document the portal writes shares: Word in 公文 style (GB/T 9704: A4, its margins, 28 lines a
page, 仿宋 body, 小标宋 title, page numbers "— n —") and Excel sheets printed on A4."""

from __future__ import annotations

from django.utils.translation import gettext as _


def fonts() -> dict[str, str]:
    # Localized font names: in Chinese these are the names Chinese Word expects.
    return {"title": _("FZXiaoBiaoSong-B05S"), "title_fallback": _("SimHei"), "body": _("FangSong_GB2312"),
            "heading": _("SimHei"), "subheading": _("KaiTi_GB2312"), "page": _("SimSun")}


def print_on_a4_landscape(sheet, *, header_rows: int) -> None:
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = f"1:{header_rows}"
    sheet.freeze_panes = f"A{header_rows + 1}"


def east_asian(run, name: str, size: float) -> None:
    # Word picks the Chinese font from w:eastAsia; python-docx's font.name sets only the Latin one.
    from docx.oxml.ns import qn
    from docx.shared import Pt

    run.font.name = name
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), name)
    run.font.size = Pt(size)


def page_setup(document) -> None:
    """A4, GB/T 9704 margins, 28 lines a page on the document grid, page numbers "— n —" in the footer."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt

    section = document.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
    section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)
    text_height = 29.7 - 3.7 - 3.5  # cm
    pitch = Pt(text_height / 2.54 * 72 / 28)  # 28 lines on the page
    grid = section._sectPr.find(qn("w:docGrid"))
    if grid is None:
        grid = OxmlElement("w:docGrid")
        section._sectPr.append(grid)
    grid.set(qn("w:type"), "lines")
    grid.set(qn("w:linePitch"), str(round(pitch.pt * 20)))
    style = document.styles["Normal"]
    style.paragraph_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    style.paragraph_format.line_spacing = pitch
    style.paragraph_format.space_before = style.paragraph_format.space_after = Pt(0)
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    east_asian(footer.add_run("— "), fonts()["page"], 14)
    field_run = footer.add_run()
    east_asian(field_run, fonts()["page"], 14)
    for kind, text in (("begin", None), (None, "PAGE"), ("end", None)):
        if kind:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
        else:
            element = OxmlElement("w:instrText")
            element.set(qn("xml:space"), "preserve")
            element.text = text
        field_run._r.append(element)
    east_asian(footer.add_run(" —"), fonts()["page"], 14)
