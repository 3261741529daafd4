"""Bulletins (通报) for meetings: an Excel workbook and a Word document built from the roll-up.

Builders take what the dashboard selectors read and return bytes; they never query.
"""

from __future__ import annotations

import io

from django.utils import timezone
from django.utils.translation import gettext as _

from core.people import display_name
from progress.models import Light

LIGHT_FILLS = {"green": "C6EFCE", "yellow": "FFEB9C", "red": "FFC7CE"}


def _fonts() -> dict[str, str]:
    # Localized font names: in Chinese these are 宋体/仿宋/黑体, the names Chinese Word expects.
    return {"title": _("SimSun"), "body": _("FangSong"), "heading": _("SimHei")}


def _light_label(light: str | None) -> str:
    return str(Light(light).label) if light else _("not computed yet")


def _departments(item, role: str) -> str:
    return "、".join(r.department.name for r in item.responsibilities.all() if r.role == role)


def _targets(item) -> str:
    parts = []
    for target in item.targets.all():
        value = _("to be set") if target.target_value is None else f"{target.target_value:g}"
        current = "—" if target.current_value is None else f"{target.current_value:g}"
        parts.append(f"{target.level}{target.subject}：{current}/{value}{target.unit}")
    return "；".join(parts)


def excel_bulletin(*, plan, dashboard, items) -> bytes:
    """One summary sheet and one sheet per section, header rows frozen, lights filled."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill

    workbook = Workbook()
    summary = workbook.active
    summary.title = _("Summary")
    bold = Font(bold=True)
    rollup = dashboard.rollup
    summary.append([plan.title])
    summary["A1"].font = Font(bold=True, size=14)
    summary.append([_("Overall progress (%)"), float(rollup.percent) if rollup else None,
                    _("Expected by now (%)"), float(rollup.expected_percent) if rollup else None])
    summary.append([_("Section"), _("Progress (%)"), _("Light"), _("On track"), _("At risk"), _("Late"), _("Done")])
    for cell in summary[3]:
        cell.font = bold
    for card in dashboard.cards:
        r = card.rollup
        summary.append([
            f"{card.section.numeral}、{card.section.title}",
            float(r.percent) if r else None,
            _light_label(r.light if r else None),
            r.items_green if r else None, r.items_yellow if r else None, r.items_red if r else None,
            r.items_done if r else None,
        ])
        if r:
            summary.cell(row=summary.max_row, column=3).fill = PatternFill("solid", fgColor=LIGHT_FILLS[r.light])
    summary.freeze_panes = "A4"
    summary.column_dimensions["A"].width = 60
    headers = [_("No."), _("Work item"), _("Lead department"), _("Co-organizers"), _("Targets (current/target)"),
               _("Progress (%)"), _("Light"), _("Latest approved report")]
    widths = [6, 36, 16, 28, 48, 10, 10, 60]
    by_section: dict[int, list] = {}
    for item in items:
        by_section.setdefault(item.section_id, []).append(item)
    for card in dashboard.cards:
        sheet = workbook.create_sheet(title=f"{card.section.numeral}")
        sheet.append([f"{card.section.numeral}、{card.section.title}"])
        sheet["A1"].font = Font(bold=True)
        sheet.append(headers)
        for cell in sheet[2]:
            cell.font = bold
        for item in by_section.get(card.section.pk, []):
            r = getattr(item, "rollup", None)
            sheet.append([
                item.number, item.title, _departments(item, "lead"), _departments(item, "co_organizer"),
                _targets(item), float(r.percent) if r else None, _light_label(r.light if r else None),
                item.latest_report_text or "",
            ])
            if r:
                sheet.cell(row=sheet.max_row, column=7).fill = PatternFill("solid", fgColor=LIGHT_FILLS[r.light])
            for column in (2, 5, 8):
                sheet.cell(row=sheet.max_row, column=column).alignment = Alignment(wrap_text=True, vertical="top")
        sheet.freeze_panes = "A3"
        for position, width in enumerate(widths, start=1):
            sheet.column_dimensions[chr(64 + position)].width = width
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _chinese_font(run, name: str, size: float | None = None) -> None:
    # Word picks the East Asian font from w:eastAsia; python-docx's font.name sets only the Latin one.
    from docx.oxml.ns import qn
    from docx.shared import Pt

    run.font.name = name
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), name)
    if size:
        run.font.size = Pt(size)


def word_bulletin(*, plan, dashboard, items, instructions, period: tuple | None = None) -> bytes:
    """…工作要点落实情况通报: overall figures, a paragraph per section, late and at-risk items by
    department, and leadership instructions still pending."""
    import docx
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    document = docx.Document()
    fonts = _fonts()
    title = document.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _chinese_font(title.add_run(_("%(title)s: implementation bulletin") % {"title": plan.title}), fonts["title"], 18)
    when = document.add_paragraph()
    when.alignment = WD_ALIGN_PARAGRAPH.CENTER
    start, end = period or (None, timezone.localdate())
    period_text = (
        _("Period: %(start)s to %(end)s") % {"start": start, "end": end} if start else _("As of %(end)s") % {"end": end}
    )
    _chinese_font(when.add_run(period_text), fonts["body"], 14)

    def paragraph(text: str, *, heading: bool = False):
        p = document.add_paragraph()
        _chinese_font(p.add_run(text), fonts["heading"] if heading else fonts["body"], 16 if heading else 14)
        return p

    rollup = dashboard.rollup
    paragraph(_("1. Overall"), heading=True)
    if rollup:
        paragraph(
            _("Overall progress %(percent)s%% (expected %(expected)s%% by now): %(green)d items on track, "
              "%(yellow)d at risk, %(red)d late, %(done)d done; %(met)d of %(total)d targets met, %(tbd)d still to be set.")
            % {"percent": rollup.percent, "expected": rollup.expected_percent, "green": rollup.items_green,
               "yellow": rollup.items_yellow, "red": rollup.items_red, "done": rollup.items_done,
               "met": rollup.targets_met, "total": rollup.targets_total, "tbd": rollup.placeholders}
        )
    else:
        paragraph(_("The progress has not been computed yet."))
    paragraph(_("2. By section"), heading=True)
    for card in dashboard.cards:
        r = card.rollup
        text = f"{card.section.numeral}、{card.section.title}："
        if r:
            text += _("progress %(percent)s%%, %(light)s; %(red)d late, %(yellow)d at risk. Lead departments: %(departments)s.") % {
                "percent": r.percent, "light": _light_label(r.light), "red": r.items_red, "yellow": r.items_yellow,
                "departments": "、".join(card.departments) or "—"}
        paragraph(text)
    paragraph(_("3. Late and at-risk items by department"), heading=True)
    flagged = [item for item in items if getattr(item, "rollup", None) and item.rollup.light in ("red", "yellow")]
    table = document.add_table(rows=1, cols=5)
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, [_("Lead department"), _("No."), _("Work item"), _("Light"), _("Progress (%)")]):
        _chinese_font(cell.paragraphs[0].add_run(text), fonts["heading"], 12)
    for item in sorted(flagged, key=lambda i: (_departments(i, "lead"), i.section.number, i.number)):
        row = table.add_row().cells
        for cell, text in zip(row, [_departments(item, "lead"), str(item.number), item.title,
                                    _light_label(item.rollup.light), f"{item.rollup.percent}"]):
            _chinese_font(cell.paragraphs[0].add_run(text), fonts["body"], 12)
    if not flagged:
        paragraph(_("No item is late or at risk."))
    paragraph(_("4. Leadership instructions pending"), heading=True)
    for instruction in instructions:
        paragraph(f"{instruction.item.number}. {instruction.item.title}：{instruction.text}"
                  f"（{display_name(instruction.author)}，{timezone.localtime(instruction.created_at):%Y-%m-%d}）")
    if not instructions:
        paragraph(_("None."))
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
