"""The 考核表: an Excel workbook (a summary sheet, one sheet per department with its parts, the lines behind
them and the items it leads) and an A4 Word document in 公文 style. Builders take what the selectors read and
return bytes; they never query."""

from __future__ import annotations

import io

from django.utils import timezone
from django.utils.translation import gettext as _

from core.documents import east_asian, fonts, page_setup, print_on_a4_landscape
from core.people import display_name
from core.spreadsheets import text_cell


def _state(result) -> str:
    if result.is_signed:
        return _("signed off")
    return _("being scored")


def _sheet_name(rank: int, name: str, taken: set[str]) -> str:
    # Excel: at most 31 characters, none of []:*?/\ and unique in the workbook.
    clean = "".join(c for c in name if c not in "[]:*?/\\")[:26]
    title = f"{rank}.{clean}"
    while title in taken:
        title = f"{title[:29]}_"
    taken.add(title)
    return title


def assessment_excel(*, scheme, results) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    bold, wrap = Font(bold=True), Alignment(wrap_text=True, vertical="top")
    parts = results[0].parts if results else []
    book = Workbook()
    summary = book.active
    summary.title = _("Ranking")[:31]

    def row(sheet, values, *, header=False):
        sheet.append([None] * len(values))
        for column, value in enumerate(values, 1):
            cell = sheet.cell(row=sheet.max_row, column=column)
            if isinstance(value, (int, float)) or value.__class__.__name__ == "Decimal":
                cell.value = float(value)
            else:
                text_cell(cell, value)
            cell.alignment = wrap
            if header:
                cell.font = bold

    row(summary, [_("%(plan)s: year-end assessment") % {"plan": scheme.plan.title}], header=True)
    row(summary, [_("Rank"), _("Department"), *[p.name for p in parts], _("Adjustment"), _("Score"), _("State"),
                  _("Signed off by")], header=True)
    for result in results:
        signed_by = result.score.signed_by if result.is_signed else None
        row(summary, [result.rank, result.department.name, *[p.points for p in result.parts], result.adjustment,
                      result.total, _state(result), display_name(signed_by) if signed_by else ""])
    for column in range(1, len(parts) + 7):
        summary.column_dimensions[get_column_letter(column)].width = 22 if column == 2 else 12
    print_on_a4_landscape(summary, header_rows=2)

    taken = {summary.title}
    for result in results:
        sheet = book.create_sheet(_sheet_name(result.rank, result.department.name, taken))
        row(sheet, [_("%(department)s: %(total)s points, rank %(rank)d (%(state)s)") % {
            "department": result.department.name, "total": result.total, "rank": result.rank,
            "state": _state(result)}], header=True)
        row(sheet, [_("Part"), _("Points"), _("Out of"), _("How it was reached"), _("What cost points")], header=True)
        for part in result.parts:
            row(sheet, [part.name, part.points, part.out_of, part.line, "\n".join(part.details)])
        if result.score and result.score.adjustment:
            row(sheet, [_("Leadership's adjustment"), result.score.adjustment, "", result.score.adjustment_comment, ""])
        row(sheet, [])
        row(sheet, [_("Items it leads"), _("Due"), _("Done on"), _("Targets met"), _("Title")], header=True)
        for item in (result.facts.led if result.facts else []):
            row(sheet, [str(item.number), item.due.isoformat(), item.done_on.isoformat() if item.done_on else "—",
                        f"{item.targets_met}/{item.targets_total}", item.title])
        for column, width in zip("ABCDE", (26, 10, 10, 40, 60)):
            sheet.column_dimensions[column].width = width
        print_on_a4_landscape(sheet, header_rows=2)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def assessment_word(*, scheme, results) -> bytes:
    """…年度工作要点落实情况考核结果: the rules, the ranking table, each department's parts, signatures."""
    import docx
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    font = fonts()
    document = docx.Document()
    page_setup(document)

    def paragraph(text: str, *, name: str = font["body"], size: float = 16, align=None, indent: bool = True):
        p = document.add_paragraph()
        if align is not None:
            p.alignment = align
        if indent:
            p.paragraph_format.first_line_indent = Pt(size * 2)
        east_asian(p.add_run(text), name, size)
        return p

    def table(headers, rows):
        grid = document.add_table(rows=1, cols=len(headers))
        grid.style = "Table Grid"
        for cell, text in zip(grid.rows[0].cells, headers):
            east_asian(cell.paragraphs[0].add_run(str(text)), font["heading"], 12)
        for values in rows:
            for cell, text in zip(grid.add_row().cells, values):
                east_asian(cell.paragraphs[0].add_run(str(text)), font["body"], 12)

    plan = scheme.plan
    paragraph(_("%(plan)s: results of the year-end assessment") % {"plan": plan.title}, name=font["title"], size=22,
              align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)
    paragraph("")
    parts = results[0].parts if results else []
    paragraph(_("1. How departments were scored"), name=font["heading"])
    paragraph(_("A total of %(total)s points: %(parts)s.") % {"total": scheme.total, "parts": "；".join(
        f"{p.name}{p.out_of}" for p in parts)})
    signed = sum(1 for r in results if r.is_signed)
    paragraph(_("%(signed)d of %(count)d departments' scores are signed off.") % {"signed": signed,
                                                                                 "count": len(results)})
    paragraph(_("2. Ranking"), name=font["heading"])
    table([_("Rank"), _("Department"), _("Score"), _("State")],
          [(r.rank, r.department.name, r.total, _state(r)) for r in results])
    paragraph(_("3. Each department"), name=font["heading"])
    paragraph(_("What cost each department points is listed line by line in the Excel 考核表."))
    for result in results:
        paragraph(_("(%(rank)d) %(department)s: %(total)s points") % {
            "rank": result.rank, "department": result.department.name, "total": result.total},
            name=font["subheading"])
        # One line a part: what cost points, line by line, is in the workbook's sheet of the department.
        paragraph("；".join(f"{part.name}{part.points}/{part.out_of}（{part.line}）" for part in result.parts) + "。")
        if result.score and result.score.adjustment:
            paragraph(_("Leadership adjusted the score by %(points)s: %(comment)s") % {
                "points": result.score.adjustment, "comment": result.score.adjustment_comment})
    paragraph("")
    today = timezone.localdate()
    paragraph(plan.organization, align=WD_ALIGN_PARAGRAPH.RIGHT,
              indent=False)
    paragraph(_("%(year)d-%(month)d-%(day)d") % {"year": today.year, "month": today.month, "day": today.day},
              align=WD_ALIGN_PARAGRAPH.RIGHT, indent=False)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
