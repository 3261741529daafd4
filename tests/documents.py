"""Plan documents written for tests and benchmarks: the same shape as a real 工作要点."""

NUMERALS = "一二三四五六七八九十"


def synthetic_plan_text(*, items: int, sections: int = 6, year: int = 2030, organization: str = "测试市总工会",
                        restart: bool | None = None) -> str:
    """A plan of `items` items spread over `sections` sections, each with departments and targets.

    Items are numbered through the plan, or from 1 in each section (`restart`; the default when there are
    more than 999 items, since a text item's number has at most three digits)."""
    lines = [f"{organization}{year}年工作要点", f"{year}年的总体要求是：稳中求进。"]
    per_section = -(-items // sections)
    restart = items > 999 if restart is None else restart
    number = 0
    for s in range(sections):
        lines.append(f"{NUMERALS[s]}、第{NUMERALS[s]}部分工作")
        for position in range(1, per_section + 1):
            number += 1
            if number > items:
                break
            label = position if restart else number
            lines.append(
                f"{label}.第{number}项工作。年内创建X家示范点，为{number}名职工送体检，实现档案全覆盖。"
                f"（责任部室：部门{number % 7}、部门{(number + 1) % 7}<科室{number % 3}>）"
            )
    return "\n".join(lines) + "\n"


def docx_with_body(body_xml: str) -> bytes:
    """A .docx whose w:body is `body_xml` as given (for documents too large or too odd for python-docx)."""
    import io
    import zipfile

    import docx

    buffer = io.BytesIO()
    docx.Document().save(buffer)
    source = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "word/document.xml":
                head, _sep, _rest = data.decode().partition("<w:body>")
                data = (head + "<w:body>" + body_xml + "</w:body></w:document>").encode()
            archive.writestr(info.filename, data)
    return out.getvalue()


def synthetic_breakdown_docx(*, items: int, sections: int = 6, year: int = 2031, organization: str = "测试区总工会") -> bytes:
    """A 任务分解表 of `items` rows in a .docx, with section rows merged across the table, as Word writes it."""
    from xml.sax.saxutils import escape

    def paragraph(text):
        return f"<w:p><w:r><w:t>{escape(text)}</w:t></w:r></w:p>"

    def row(cells):
        return "<w:tr>" + "".join(f"<w:tc><w:tcPr><w:tcW w:w=\"1200\" w:type=\"dxa\"/></w:tcPr>{paragraph(c)}</w:tc>"
                                  for c in cells) + "</w:tr>"

    heading = ["序号", "工作任务", "具体措施", "责任领导", "牵头部门", "配合部门", "完成时限"]
    deadlines = ["6月底前", "年底前", "每季度末", "三季度", "每月", "9月30日前"]
    rows, per_section, number = [row(heading)], -(-items // sections), 0
    for s in range(sections):
        rows.append(f"<w:tr><w:tc><w:tcPr><w:gridSpan w:val=\"7\"/></w:tcPr>"
                    f"{paragraph(f'{NUMERALS[s]}、第{NUMERALS[s]}部分工作')}</w:tc></w:tr>")
        for _position in range(per_section):
            number += 1
            if number > items:
                break
            rows.append(row([str(number), f"第{number}项工作", f"建设示范点{number % 9 + 1}个，其中省级示范点1个。",
                             "张副主席", f"部门{number % 7}", f"部门{(number + 1) % 7}", deadlines[number % 6]]))
    body = paragraph(f"{organization}{year}年工作要点任务分解表") + "<w:tbl>" + "".join(rows) + "</w:tbl>"
    return docx_with_body(body)


def bulk_plan(*, items: int, departments: int = 200, reports: int = 0, year: int = 2030, organization: str = "合成总工会"):
    """A large published plan written in bulk (the importer numbers items to 999): six sections,
    `departments` departments, a lead and a co-organizer per item, two targets per item and
    `reports` approved reports spread over the items. For query-count tests and benchmarks."""
    import datetime
    import random

    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.utils import timezone

    from departments.models import Department
    from progress.models import ProgressReport
    from tasks.models import Responsibility, Section, Target, WorkItem, WorkPlan

    rng = random.Random(year)
    plan = WorkPlan.objects.create(organization=organization, year=year, title=f"{organization}{year}年工作要点",
                                   status="published")
    sections = Section.objects.bulk_create(
        Section(plan=plan, number=n, numeral=NUMERALS[n - 1], title=f"第{NUMERALS[n - 1]}部分") for n in range(1, 7)
    )
    groups = Group.objects.bulk_create(
        Group(name=f"bulk:{year}:{n}:{kind}") for n in range(departments) for kind in ("members", "heads")
    )
    depts = Department.objects.bulk_create(
        Department(name=f"{organization}部门{n}", order=1000 + n, group=groups[2 * n], head_group=groups[2 * n + 1])
        for n in range(departments)
    )
    due = datetime.date(year, 12, 31)
    created = WorkItem.objects.bulk_create(
        (WorkItem(section=sections[n % 6], number=n, title=f"第{n}项工作", body="", due_date=due,
                  status=rng.choice(["not_started", "in_progress", "delayed", "done"]),
                  progress_percent=rng.randint(0, 100))
         for n in range(1, items + 1)),
        batch_size=2000,
    )
    Responsibility.objects.bulk_create(
        (Responsibility(item=item, department=depts[(i + k) % departments], role=role, order=k)
         for i, item in enumerate(created) for k, role in ((0, "lead"), (1, "co_organizer"))),
        batch_size=4000,
    )
    Target.objects.bulk_create(
        (Target(item=item, order=k, phrase="", subject="示范点", kind=kind, unit=unit, target_value=value,
                current_value=rng.randint(0, 12))
         for item in created for k, kind, unit, value in ((0, "count", "家", 10), (1, "coverage", "%", 100))),
        batch_size=4000,
    )
    if reports:
        reporter, _created = get_user_model().objects.get_or_create(username=f"bulk-reporter-{year}")
        start = timezone.make_aware(datetime.datetime(year, 1, 1))
        ProgressReport.objects.bulk_create(
            (ProgressReport(item=created[n % items], department=depts[(n % items) % departments], role="lead",
                            reporter=reporter, status="in_progress", percent=rng.randint(0, 100),
                            narrative="合成报告", state="approved", created_at=start + datetime.timedelta(minutes=n))
             for n in range(reports)),
            batch_size=5000,
        )
    return plan


# -- 任务分解表 documents (the examples under tasks/plans/examples/ are made by these) ---------------

BREAKDOWN_HEADING = ["序号", "工作任务", "具体措施", "责任领导", "牵头部门", "配合部门", "完成时限"]
BREAKDOWN_ROWS = [
    "一、强化思想政治引领",
    ["1", "深化理论学习", "举办职工宣讲活动100场以上，举办培训班三期。", "张副主席", "宣传教育部", "办公室", "2023年6月底前"],
    ["2", "建设职工书屋", "建设职工书屋10家，其中省级示范职工书屋2家。", "李副主席", "宣教部", "组织部", "每季度末"],
    "二、维护职工合法权益",
    ["3", "开展劳动竞赛", "组织劳动竞赛，不少于8个竞赛项目。", "王副主席", "劳动和经济工作部", "经审办", "9月30日前"],
    ["4", None, "参赛职工达到1万人次。", "王副主席", "劳动和经济工作部", "", "三季度"],
    ["5", "加强经费审查", "审计基层工会X家。", "赵主任", "经费审查办公室", "", "每月"],
]


def breakdown_docx(*, title="某区总工会2023年工作要点任务分解表", heading=BREAKDOWN_HEADING, rows=BREAKDOWN_ROWS,
                   before=("2023年全区工会工作的总体要求是：围绕中心、服务大局。",)) -> bytes:
    """A .docx with a title, a paragraph and a 任务分解表: section rows merged across the table, and a
    工作任务 merged over two rows (None below it continues the merge)."""
    import io

    import docx

    document = docx.Document()
    document.add_paragraph(title)
    for paragraph in before:
        document.add_paragraph(paragraph)
    table = document.add_table(rows=1, cols=len(heading))
    for cell, text in zip(table.rows[0].cells, heading):
        cell.text = text
    for row in rows:
        cells = table.add_row().cells
        if isinstance(row, str):
            merged = cells[0].merge(cells[-1])
            merged.text = row
            continue
        for column, text in enumerate(row):
            if text is None:
                above = table.rows[len(table.rows) - 2].cells[column]
                above.merge(cells[column])
            else:
                cells[column].text = text
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


XLSX_HEADING = ["序号", "重点工作", "牵头单位", "配合单位", "完成时间", "分管领导", "工作要求"]
XLSX_ROWS = [
    ["一、稳定和扩大就业"],
    [1, "实施就业优先政策", "就业促进科", "失业保险科", "上半年", "刘副局长", "全年新增城镇就业1.2万人。"],
    [2, "开展职业技能培训", "职业能力建设科", "就业促进科、社保卡中心", "2024年10月—12月", "刘副局长",
     "开展职业技能培训X人次。"],
    ["二、加强社会保障"],
    [3, "推进养老保险扩面", "养老保险科", "", "长期坚持", "陈副局长", "实现养老保险全覆盖。"],
]


def breakdown_xlsx(*, title="某县人社局2024年重点工作任务分解表", heading=XLSX_HEADING, rows=XLSX_ROWS,
                   sheet_title="任务分解表", first_sheet="说明") -> bytes:
    """An .xlsx whose second sheet (named like 分解表) holds the table under a title row merged across it;
    section rows stand alone in the first column."""
    import io

    import openpyxl

    workbook = openpyxl.Workbook()
    workbook.active.title = first_sheet
    workbook.active.append(["本表由县人社局办公室汇总。"])
    sheet = workbook.create_sheet(sheet_title)
    sheet.append([title])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(heading))
    sheet.append(heading)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
