"""Bulletins (通报) for a period: an Excel workbook and a Word document built from `selectors.bulletin`.

Builders take the Bulletin the selector read and return bytes; they never query.
The Word bulletin is an A4 page in 公文 style (GB/T 9704: title 22 pt in 方正小标宋
(黑体 where it is missing), body 仿宋 16 pt, 28 lines a page, sender and date, page
numbers); the workbook prints on A4 landscape with its header rows repeated.
Numbers are written as people write them (core.numbers): 85%, 12家, 3,500人次.
"""

from __future__ import annotations

import io

from django.utils.translation import gettext as _

from core.documents import east_asian as _east_asian
from core.documents import fonts as _fonts
from core.documents import page_setup as _page_setup
from core.documents import print_on_a4_landscape as _print_on_a4_landscape
from core.numbers import percent, quantity
from core.people import display_name
from core.spreadsheets import text_cell
from progress.models import Light

LIGHT_FILLS = {"green": "C6EFCE", "yellow": "FFEB9C", "red": "FFC7CE"}


def _light_label(light: str | None) -> str:
    return str(Light(light).label) if light else _("not computed yet")


def _departments(item, role: str) -> str:
    return "、".join(r.department.name for r in item.responsibilities.all() if r.role == role)


def _targets(item) -> str:
    parts = []
    for target in item.targets.all():
        unit = "%" if target.kind in ("percentage", "coverage") else target.unit
        goal = _("target to be set") if target.target_value is None else _("target %(value)s") % {
            "value": quantity(target.target_value, unit)}
        done = _("no reading yet") if target.current_value is None else _("reached %(value)s") % {
            "value": quantity(target.current_value, unit)}
        parts.append(f"{target.label}：{done}，{goal}")
    return "；".join(parts)


def _signed(points: float | None) -> str:
    if points is None:
        return "—"
    return _("+%(points)s points") % {"points": quantity(points)} if points >= 0 else _("%(points)s points") % {
        "points": quantity(points)}


def _day(day) -> str:
    return _("%(year)d-%(month)d-%(day)d") % {"year": day.year, "month": day.month, "day": day.day}


def period_label(bulletin) -> str:
    return _("%(start)s to %(end)s") % {"start": _day(bulletin.start), "end": _day(bulletin.end)}


# ---------------------------------------------------------------------------
# Excel


def excel_bulletin(*, bulletin) -> bytes:
    """A summary sheet, a departments sheet (ranking, reports, 未报送, overdue, instructions), one sheet per section."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    bold, wrap = Font(bold=True), Alignment(wrap_text=True, vertical="top")

    def row(sheet, values, *, header=False, light_column=None, light=None):
        sheet.append([None] * len(values))
        number = sheet.max_row
        for column, value in enumerate(values, start=1):
            cell = sheet.cell(row=number, column=column)
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                cell.value = value
            else:
                text_cell(cell, value)  # every user text as text: no formula injection
            if header:
                cell.font = bold
            else:
                cell.alignment = wrap
        if light_column and light:
            sheet.cell(row=number, column=light_column).fill = PatternFill("solid", fgColor=LIGHT_FILLS[light])

    def widths(sheet, values):
        for position, width in enumerate(values, start=1):
            sheet.column_dimensions[get_column_letter(position)].width = width

    figures = bulletin.figures
    workbook = Workbook()
    summary = workbook.active
    summary.title = _("Summary")
    row(summary, [_("%(title)s: implementation bulletin") % {"title": bulletin.plan.title}], header=True)
    row(summary, [_("Period"), period_label(bulletin)], header=True)
    row(summary, [_("Section"), _("Progress"), _("Change in the period"), _("Light"), _("On track"), _("At risk"),
                  _("Late"), _("Done")], header=True)
    plan_figures = figures.rollup
    if plan_figures:
        row(summary, [_("Whole plan"), percent(plan_figures.percent), _signed(bulletin.plan_change),
                      _light_label(plan_figures.light), plan_figures.items_green,
            plan_figures.items_yellow, plan_figures.items_red, plan_figures.items_done],
            light_column=4, light=plan_figures.light)
    for card in figures.cards:
        r = card.rollup
        row(summary, [f"{card.section.numeral}、{card.section.title}", percent(r.percent) if r else "—",
                      _signed(bulletin.section_change(card)), _light_label(r.light if r else None),
                      r.items_green if r else "—", r.items_yellow if r else "—", r.items_red if r else "—",
                      r.items_done if r else "—"], light_column=4, light=r.light if r else None)
    widths(summary, [60, 10, 14, 10, 8, 8, 8, 8])
    _print_on_a4_landscape(summary, header_rows=3)

    ranking = workbook.create_sheet(title=_("Departments"))
    row(ranking, [_("%(title)s: departments") % {"title": bulletin.plan.title}, period_label(bulletin)], header=True)
    row(ranking, [_("Rank"), _("Department"), _("Items led"), _("On-time rate"), _("Progress"), _("Change in the period"),
                  _("Reports received"), _("Reporting days missed"), _("Overdue items"), _("Instructions unanswered"),
                  _("Summaries not sent")],
        header=True)
    for department in bulletin.departments:
        department_row = department.row
        row(ranking, [department.rank, department_row.department.name, department_row.items,
                      percent(department_row.on_time_rate), percent(department_row.percent), _signed(department.change),
                      department.reports, len(department.missed), len(department.overdue), len(department.instructions),
                      "、".join(r.name for r in department.summaries_missing) or "—"])
    widths(ranking, [6, 24, 10, 10, 10, 14, 10, 12, 10, 12, 16])
    _print_on_a4_landscape(ranking, header_rows=2)

    if bulletin.assessment is not None:
        scores = workbook.create_sheet(title=_("Year-end assessment")[:31])
        row(scores, [_("%(title)s: year-end assessment") % {"title": bulletin.plan.title}], header=True)
        row(scores, [_("Rank"), _("Department"), _("Score"), _("State")], header=True)
        for result in bulletin.assessment:
            row(scores, [result.rank, result.department.name, float(result.total),
                         _("signed off") if result.is_signed else _("being scored")])
        widths(scores, [6, 24, 10, 12])
        _print_on_a4_landscape(scores, header_rows=2)

    by_section: dict[int, list] = {}
    for item in bulletin.items:
        by_section.setdefault(item.section_id, []).append(item)
    headers = [_("No."), _("Work item"), _("Lead department"), _("Co-organizers"), _("Targets"), _("Official progress"),
               _("Reported"), _("Targets part"), _("Light"), _("Latest approved report"), _("Due"),
               _("Extensions")]
    for card in figures.cards:
        sheet = workbook.create_sheet(title=f"{card.section.numeral}")
        row(sheet, [f"{card.section.numeral}、{card.section.title}"], header=True)
        row(sheet, headers, header=True)
        for item in by_section.get(card.section.pk, []):
            f = item.figure
            row(sheet, [item.number, item.title, _departments(item, "lead"), _departments(item, "co_organizer"),
                        _targets(item), percent(f.percent) if f else "—", percent(f.reported_percent) if f else "—",
                        percent(f.targets_percent) if f else "—", _light_label(f.light if f else None),
                        item.latest_report_text or (_("(within the department)") if item.latest_report_hidden else ""), _due(item), item.extensions_approved or 0],
                light_column=9, light=f.light if f else None)
        widths(sheet, [6, 36, 16, 24, 44, 10, 10, 10, 10, 56, 16, 8])
        _print_on_a4_landscape(sheet, header_rows=2)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _due(item) -> str:
    """The due date, and the original one when an approved extension moved it."""
    if item.original_due_date and item.original_due_date != item.due_date:
        return _("%(due)s (originally %(original)s)") % {"due": item.due_date.isoformat(),
                                                          "original": item.original_due_date.isoformat()}
    return item.due_date.isoformat()


# ---------------------------------------------------------------------------
# Word, in 公文 style


def word_bulletin(*, bulletin) -> bytes:
    """…工作要点落实情况通报 for the period: overall, by section, the departments ranked, what needs attention."""
    import docx
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    fonts = _fonts()
    document = docx.Document()
    _page_setup(document)

    def paragraph(text: str, *, font: str = fonts["body"], size: float = 16, align=None, indent: bool = True):
        p = document.add_paragraph()
        if align is not None:
            p.alignment = align
        if indent:
            p.paragraph_format.first_line_indent = Pt(size * 2)  # 首行缩进两字
        _east_asian(p.add_run(text), font, size)
        return p

    plan, figures = bulletin.plan, bulletin.figures
    paragraph(_("%(title)s: implementation bulletin") % {"title": plan.title}, font=fonts["title"], size=22,
              align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)
    paragraph(_("(%(period)s)") % {"period": period_label(bulletin)}, font=fonts["subheading"],
              align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)
    paragraph("")

    r = figures.rollup
    paragraph(_("1. Overall"), font=fonts["heading"])
    if r:
        paragraph(
            _("As of %(end)s the plan stands at %(percent)s (expected %(expected)s): %(green)d items on track, "
              "%(yellow)d at risk, %(red)d late, %(done)d done; %(met)d of %(total)d targets met. %(reports)d progress "
              "reports were received in the period.")
            % {"end": _day(bulletin.end), "percent": percent(r.percent), "expected": percent(r.expected_percent),
               "green": r.items_green, "yellow": r.items_yellow, "red": r.items_red, "done": r.items_done,
               "met": r.targets_met, "total": r.targets_total, "reports": bulletin.reports}
        )
    else:
        paragraph(_("The progress had not been computed by the end of the period."))

    paragraph(_("2. By section"), font=fonts["heading"])
    for card in figures.cards:
        s = card.rollup
        text = f"（{card.section.numeral}）{card.section.title}。"
        if s:
            text += _("Progress %(percent)s (%(change)s in the period), %(light)s: %(red)d late, %(yellow)d at risk. "
                      "Lead departments: %(departments)s.") % {
                "percent": percent(s.percent), "change": _signed(bulletin.section_change(card)),
                "light": _light_label(s.light), "red": s.items_red, "yellow": s.items_yellow,
                "departments": "、".join(card.departments) or "—"}
        paragraph(text)

    paragraph(_("3. Departments ranked"), font=fonts["heading"])
    paragraph(_("By on-time rate, then progress, of the items each leads."))
    table = document.add_table(rows=1, cols=7)
    table.style = "Table Grid"
    headers = [_("Rank"), _("Department"), _("On-time rate"), _("Progress"), _("Change in the period"),
               _("Reports received"), _("Reporting days missed")]
    for cell, text in zip(table.rows[0].cells, headers):
        _east_asian(cell.paragraphs[0].add_run(text), fonts["heading"], 12)
    for department in bulletin.departments:
        cells = table.add_row().cells
        values = [str(department.rank), department.row.department.name, percent(department.row.on_time_rate),
                  percent(department.row.percent), _signed(department.change), str(department.reports),
                  str(len(department.missed))]
        for cell, text in zip(cells, values):
            _east_asian(cell.paragraphs[0].add_run(text), fonts["body"], 12)

    paragraph(_("4. What needs attention"), font=fonts["heading"])
    paragraph(_("(1) Overdue items"), font=fonts["subheading"])
    overdue = [(d, item) for d in bulletin.departments for item in d.overdue]
    for department, item in overdue:
        paragraph(_("%(department)s: item %(number)d %(title)s, at %(percent)s.") % {
            "department": department.row.department.name, "number": item.number, "title": item.title,
            "percent": percent(item.figure.percent)})
    if not overdue:
        paragraph(_("None."))
    paragraph(_("(2) Reports not sent on a reporting day"), font=fonts["subheading"])
    missing = [d for d in bulletin.departments if d.missed]
    for department in missing:
        days = sorted({day for day, _item in department.missed})
        paragraph(_("%(department)s: %(count)d item reports missing on %(days)s.") % {
            "department": department.row.department.name, "count": len(department.missed),
            "days": "、".join(_day(day) for day in days)})
    if not missing:
        paragraph(_("Every department reported on every reporting day of the period."))
    paragraph(_("(3) Leadership instructions unanswered"), font=fonts["subheading"])
    unanswered = [(d, i) for d in bulletin.departments for i in d.instructions]
    for department, instruction in unanswered:
        paragraph(_("%(department)s: on item %(number)d, “%(text)s” (%(author)s, %(day)s).") % {
            "department": department.row.department.name, "number": instruction.item.number, "text": instruction.text,
            "author": display_name(instruction.author), "day": _day(instruction.created_at.date())})
    if not unanswered:
        paragraph(_("None."))
    late_summaries = [(d, r) for d in bulletin.departments for r in d.summaries_missing]
    if late_summaries:
        paragraph(_("(4) Summary reports not sent"), font=fonts["subheading"])
        for department, requirement in late_summaries:
            paragraph(_("%(department)s: %(name)s, due %(day)s.") % {
                "department": department.row.department.name, "name": requirement.name,
                "day": _day(requirement.due_date)})

    if bulletin.assessment is not None:
        paragraph(_("5. Year-end assessment"), font=fonts["heading"])
        signed = sum(1 for r in bulletin.assessment if r.is_signed)
        paragraph(_("%(signed)d of %(count)d departments' scores are signed off.") % {
            "signed": signed, "count": len(bulletin.assessment)})
        for result in bulletin.assessment:
            paragraph(_("(%(rank)d) %(department)s: %(total)s points, %(state)s.") % {
                "rank": result.rank, "department": result.department.name, "total": result.total,
                "state": _("signed off") if result.is_signed else _("being scored")})

    paragraph("")
    paragraph(plan.organization, align=WD_ALIGN_PARAGRAPH.RIGHT, indent=False)
    paragraph(_day(bulletin.end), align=WD_ALIGN_PARAGRAPH.RIGHT, indent=False)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
