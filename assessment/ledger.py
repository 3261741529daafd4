"""An item's 台账 in one download: everything the portal holds of it (the item, its targets and checkpoints,
every report with its evidence files and review, 批示 and their loop, chases, extensions, 销号 checks, the
departments' 自评 with their files and the lead department's score), as a zip with an index page; and the same
for every item of a department or of a whole plan, one folder per item.

Two halves:

- reading (`item_ledger`, `department_ledger`, `plan_ledger`): a fixed number of queries whatever the number
  of items (bulk reads filtered by a subquery, grouped in Python), and what the user may see of it decided in
  this module's `_visible_*` functions only;
- writing (`stream`): the zip is produced chunk by chunk, for a StreamingHttpResponse. zipfile writes into a
  small write-only sink that the generator empties after every chunk; evidence files are stored as they are
  (ZIP_STORED), read a chunk at a time, never whole; the index pages are deflated. Nothing is read from the
  database once streaming has begun, so the response holds no cursor while the client downloads.
"""

from __future__ import annotations

import datetime
import re
import unicodedata
import zipfile
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from urllib.parse import quote

from django.db.models import Q, QuerySet
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from departments.models import Department
from departments.permissions import department_ids
from progress import permissions as progress_permissions
from progress.models import Evidence, ProgressReport, TargetReading
from supervision import selectors as supervision_selectors
from supervision.models import Chase, ChaseTarget, CompletionCheck, Extension, Instruction, InstructionEntry
from tasks.models import Checkpoint, Responsibility, Target, WorkItem, WorkPlan

from . import permissions, selectors
from .models import Scheme, SelfAssessmentEntry, SelfAssessmentEvidence

CHUNK = 1024 * 1024  # bytes of an evidence file read (and sent) at a time
NAME_LIMIT = 80  # characters of one folder or file name inside the zip


# ---------------------------------------------------------------------------
# Names inside the zip

_UNSAFE = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]+')


def safe_name(name: str, *, fallback: str = "_") -> str:
    """One path component, safe on every system: no separators or control characters, never "." or "..",
    no leading dots or trailing dots and spaces (Windows drops them), at most NAME_LIMIT characters with the
    extension kept."""
    name = unicodedata.normalize("NFC", str(name or ""))
    name = _UNSAFE.sub("_", name).strip().strip(".").strip()
    suffix = PurePosixPath(name).suffix
    if len(suffix) > 10:
        suffix = ""
    if len(name) > NAME_LIMIT:
        name = name[:NAME_LIMIT - len(suffix)].rstrip(". ") + suffix
    return name or fallback


class Names:
    """Hands out unique paths: the second 方案.pdf of a folder becomes 方案 (2).pdf (compared without case, as
    Windows and macOS do)."""

    def __init__(self):
        self._taken: set[str] = set()

    def take(self, folder: str, name: str) -> str:
        stem, suffix = _split(name)
        candidate, n = name, 1
        while self._key(folder, candidate) in self._taken:
            n += 1
            candidate = f"{stem} ({n}){suffix}"
        self._taken.add(self._key(folder, candidate))
        return f"{folder}{candidate}" if folder else candidate

    def folder(self, parent: str, name: str) -> str:
        return self.take(parent, name) + "/"

    @staticmethod
    def _key(folder: str, name: str) -> str:
        return f"{folder}{name}".casefold()


def _split(name: str) -> tuple[str, str]:
    suffix = PurePosixPath(name).suffix
    if not suffix or suffix == name or len(suffix) > 10:
        return name, ""
    return name[: -len(suffix)], suffix


def _href(path: str, folder: str) -> str:
    """A link from the index of `folder` to `path`, both inside the zip."""
    relative = path[len(folder):] if folder and path.startswith(folder) else path
    return "/".join(quote(part) for part in relative.split("/"))


# ---------------------------------------------------------------------------
# What goes in


@dataclass
class LedgerFile:
    """A stored file to copy into the zip, and where."""

    path: str  # inside the zip
    storage_file: object  # a FieldFile
    size: int
    at: datetime.datetime | None
    original_name: str
    missing: bool = False  # set while streaming when the stored file is gone

    def href(self, folder: str) -> str:
        return _href(self.path, folder)

    @property
    def renamed(self) -> bool:
        """Its name in the zip is not the one it was uploaded with (cleaned, or numbered to be unique)."""
        return PurePosixPath(self.path).name != self.original_name


@dataclass
class ReportRecord:
    report: ProgressReport
    readings: list = field(default_factory=list)  # TargetReading, with their targets
    files: list[LedgerFile] = field(default_factory=list)


@dataclass
class EntryRecord:
    entry: SelfAssessmentEntry
    files: list[LedgerFile] = field(default_factory=list)


@dataclass
class ItemRecord:
    item: WorkItem
    folder: str  # "" for a zip of one item, else "…/" inside the zip
    responsibilities: list = field(default_factory=list)
    targets: list = field(default_factory=list)
    checkpoints: list = field(default_factory=list)
    reports: list[ReportRecord] = field(default_factory=list)
    instructions: list = field(default_factory=list)  # Instruction with .ledger_departments, .ledger_entries
    chases: list = field(default_factory=list)  # (Chase, [ChaseStatus])
    extensions: list = field(default_factory=list)
    checks: list = field(default_factory=list)
    entries: list[EntryRecord] = field(default_factory=list)
    score: object = None  # selectors.DepartmentResult of the lead department, where the user may see it
    lead: Department | None = None

    @property
    def approved_extensions(self) -> list:
        return [x for x in self.extensions if x.state == Extension.State.APPROVED]

    @property
    def index_path(self) -> str:
        return f"{self.folder}index.html"

    @property
    def files(self) -> list[LedgerFile]:
        return [f for r in self.reports for f in r.files] + [f for e in self.entries for f in e.files]


@dataclass
class Ledger:
    """A zip's content: its items (one or many), and what the top index says of them."""

    title: str
    plan: WorkPlan
    items: list[ItemRecord]
    scheme: Scheme | None = None
    department: Department | None = None
    department_score: object = None  # for a department's 台账, its score where the user may see it
    many: bool = True  # one folder per item and an index of them at the top
    made_at: datetime.datetime = field(default_factory=timezone.now)

    @property
    def filename(self) -> str:
        return safe_name(self.title) + ".zip"

    @property
    def files(self) -> list[LedgerFile]:
        return [f for record in self.items for f in record.files]


# ---------------------------------------------------------------------------
# What the user may see (the one place to change when the rule for evidence changes)


@dataclass(frozen=True)
class Viewer:
    user: object
    sees_all: bool
    department_ids: frozenset[int]

    @classmethod
    def of(cls, user) -> Viewer:
        ids = department_ids(user) if user.is_authenticated else frozenset()
        return cls(user=user, sees_all=permissions.can_see_all(user), department_ids=ids)


def _visible_reports(viewer: Viewer, reports: list[ProgressReport],
                     evidence: dict[int, list[Evidence]]) -> list[tuple[ProgressReport, list[Evidence]]]:
    """The reports, each with the evidence files the user may see in a 台账, by the one rule every sink asks
    (progress.permissions.may_read: 部门内 or 计划内). A narrative the user may not read is marked
    (`narrative_shown`), never written; a file they may not see is left out, its name too."""
    found = []
    for report in reports:
        report.narrative_shown = progress_permissions.can_read_narrative(viewer.user, report)
        files = [e for e in evidence.get(report.pk, [])
                 if progress_permissions.may_read(viewer.user, visibility=e.visibility,
                                                  department_id=report.department_id, reporter_id=report.reporter_id)]
        found.append((report, files))
    return found


def _visible_entries(viewer: Viewer, entries: list[SelfAssessmentEntry]) -> list[SelfAssessmentEntry]:
    """自评 as on the item page: who sees every department, and each department's own people."""
    return [e for e in entries if viewer.sees_all or e.self_assessment.department_id in viewer.department_ids]


def _visible_chases(viewer: Viewer, chases: list) -> list:
    """Chases as their page shows them: who chases and supervises, and the departments chased."""
    return [(chase, statuses) for chase, statuses in chases
            if viewer.sees_all or any(s.target.department_id in viewer.department_ids for s in statuses)]


def _visible_score(viewer: Viewer, scheme: Scheme | None, result):
    if result is None or scheme is None:
        return None
    return result if permissions.can_see_score(viewer.user, scheme, result.department, result.score) else None


# ---------------------------------------------------------------------------
# Reading: a fixed number of queries for any number of items


def _results(scheme: Scheme | None) -> dict:
    """department id -> its score (selectors.results: computed once for the whole plan)."""
    return {r.department.pk: r for r in selectors.results(scheme=scheme)} if scheme is not None else {}


def _records(items: QuerySet, *, viewer: Viewer, scheme: Scheme | None, results: dict, many: bool,
             folder_of) -> list[ItemRecord]:
    """Every item of `items` (a queryset, used as a subquery) with all of its record: about twenty queries
    (and the scores'), whatever the number of items."""
    items = items.select_related("section", "closed_by").order_by("section__number", "number")
    records = {item.pk: ItemRecord(item=item, folder="") for item in items}
    by_item = Q(item__in=items.values("pk"))
    for responsibility in Responsibility.objects.filter(by_item).select_related("department").order_by(
            "item_id", "role", "order", "pk"):
        records[responsibility.item_id].responsibilities.append(responsibility)
    for target in Target.objects.filter(by_item).order_by("item_id", "order", "pk"):
        records[target.item_id].targets.append(target)
    for checkpoint in Checkpoint.objects.filter(by_item).select_related("department").order_by(
            "item_id", "order", "due_date", "pk"):
        records[checkpoint.item_id].checkpoints.append(checkpoint)

    reports = list(ProgressReport.objects.filter(by_item).select_related("department", "reporter", "reviewer")
                   .order_by("item_id", "created_at", "pk"))
    readings = defaultdict(list)
    for reading in TargetReading.objects.filter(report__item__in=items.values("pk")).select_related("target") \
            .order_by("target__order", "target_id"):
        readings[reading.report_id].append(reading)
    evidence = defaultdict(list)
    for file in Evidence.objects.filter(report__item__in=items.values("pk")).order_by("pk"):
        evidence[file.report_id].append(file)
    reports_of = defaultdict(list)
    for report in reports:
        reports_of[report.item_id].append(report)

    instructions = list(Instruction.objects.filter(by_item).select_related("author", "handled_by", "closed_by")
                        .order_by("item_id", "created_at", "pk"))
    to = defaultdict(list)
    for link in Instruction.departments.through.objects.filter(
            instruction__item__in=items.values("pk")).select_related("department").order_by("department__order"):
        to[link.instruction_id].append(link.department)
    steps = defaultdict(list)
    for entry in InstructionEntry.objects.filter(instruction__item__in=items.values("pk")).select_related(
            "author", "department").order_by("created_at", "pk"):
        steps[entry.instruction_id].append(entry)
    for instruction in instructions:
        instruction.ledger_departments = to.get(instruction.pk, [])
        instruction.ledger_entries = steps.get(instruction.pk, [])
        records[instruction.item_id].instructions.append(instruction)

    # a chase of the item, or one naming it among a department's late items
    chases = list(Chase.objects.filter(by_item | Q(pk__in=ChaseTarget.objects.filter(
        items__in=items.values("pk")).values("chase_id"))).select_related("created_by").order_by("created_at", "pk"))
    statuses = supervision_selectors.chase_statuses(chases=chases, today=timezone.localdate()) if chases else {}
    for chase in chases:
        named = {chase.item_id} | {i.pk for s in statuses[chase.pk] for i in s.target.items.all()}
        for item_id in named:
            if item_id in records:
                records[item_id].chases.append((chase, statuses[chase.pk]))

    for extension in Extension.objects.filter(by_item).select_related(
            "checkpoint", "department", "requested_by", "checked_by", "decided_by").order_by("created_at", "pk"):
        records[extension.item_id].extensions.append(extension)
    for check in CompletionCheck.objects.filter(by_item).select_related("decided_by", "report").order_by(
            "decided_at", "pk"):
        records[check.item_id].checks.append(check)

    entries, entry_files = [], defaultdict(list)
    if scheme is not None:
        entries = list(SelfAssessmentEntry.objects.filter(by_item, self_assessment__scheme=scheme).select_related(
            "self_assessment__department", "updated_by").order_by("self_assessment__department__order", "pk"))
        for file in SelfAssessmentEvidence.objects.filter(entry__item__in=items.values("pk"),
                                                          entry__self_assessment__scheme=scheme).order_by("pk"):
            entry_files[file.entry_id].append(file)
    entries_of = defaultdict(list)
    for entry in _visible_entries(viewer, entries):
        entries_of[entry.item_id].append(entry)

    names = Names()
    if many:
        names.take("", "index.html")  # the top index
    found = []
    for record in records.values():
        item = record.item
        record.folder = folder_of(names, item) if many else ""
        record.chases = _visible_chases(viewer, record.chases)
        record.lead = next((r.department for r in record.responsibilities if r.role == Responsibility.Role.LEAD),
                           None)
        record.score = _visible_score(viewer, scheme, results.get(record.lead.pk)) if record.lead else None
        names.take(record.folder, "index.html")
        report_folder = names.folder(record.folder, _("Progress reports")) if reports_of.get(item.pk) else ""
        for n, (report, files) in enumerate(_visible_reports(viewer, reports_of.get(item.pk, []), evidence), 1):
            row = ReportRecord(report=report, readings=readings.get(report.pk, []))
            if files:
                sub = names.folder(report_folder, safe_name(
                    f"{n:02d} {timezone.localtime(report.created_at):%Y-%m-%d} {report.department.name}"))
                row.files = [_file(names, sub, f) for f in files]
            record.reports.append(row)
        self_folder = ""
        for entry in entries_of.get(item.pk, []):
            row = EntryRecord(entry=entry)
            files = entry_files.get(entry.pk, [])
            if files:
                self_folder = self_folder or names.folder(record.folder, _("Self-assessment"))
                sub = names.folder(self_folder, safe_name(entry.self_assessment.department.name))
                row.files = [_file(names, sub, f) for f in files]
            record.entries.append(row)
        found.append(record)
    return found


def _file(names: Names, folder: str, row) -> LedgerFile:
    return LedgerFile(path=names.take(folder, safe_name(row.original_name, fallback=_("file"))),
                      storage_file=row.file, size=row.size, at=row.uploaded_at, original_name=row.original_name)


def _item_folder(names: Names, item: WorkItem, parent: str = "") -> str:
    return names.folder(parent, safe_name(f"{item.number:02d} {item.title}"))


def _section_item_folder():
    sections: dict[int, str] = {}

    def folder_of(names: Names, item: WorkItem) -> str:
        section = item.section
        if section.pk not in sections:
            sections[section.pk] = names.folder("", safe_name(f"{section.numeral}、{section.title}"))
        return _item_folder(names, item, sections[section.pk])

    return folder_of


def item_ledger(*, item: WorkItem, user) -> Ledger:
    plan = item.section.plan
    scheme = selectors.scheme_of(plan=plan)
    records = _records(WorkItem.objects.filter(pk=item.pk), viewer=Viewer.of(user), scheme=scheme,
                       results=_results(scheme), many=False, folder_of=None)
    title = _("Ledger of item %(number)d %(title)s") % {"number": item.number, "title": item.title}
    return Ledger(title=title, plan=plan, items=records, scheme=scheme, many=False)


def department_ledger(*, department: Department, plan: WorkPlan, user) -> Ledger:
    scheme = selectors.scheme_of(plan=plan)
    viewer = Viewer.of(user)
    items = WorkItem.objects.filter(section__plan=plan, pk__in=Responsibility.objects.filter(
        department=department).values("item_id"))
    results = _results(scheme)
    records = _records(items, viewer=viewer, scheme=scheme, results=results, many=True,
                       folder_of=lambda names, item: _item_folder(names, item))
    score = _visible_score(viewer, scheme, results.get(department.pk))
    title = _("Ledger of %(department)s, %(plan)s") % {"department": department.name, "plan": plan.title}
    return Ledger(title=title, plan=plan, items=records, scheme=scheme, department=department,
                  department_score=score)


def plan_ledger(*, plan: WorkPlan, user) -> Ledger:
    scheme = selectors.scheme_of(plan=plan)
    records = _records(WorkItem.objects.filter(section__plan=plan), viewer=Viewer.of(user), scheme=scheme,
                       results=_results(scheme), many=True, folder_of=_section_item_folder())
    title = _("Ledger of %(plan)s") % {"plan": plan.title}
    return Ledger(title=title, plan=plan, items=records, scheme=scheme)


# ---------------------------------------------------------------------------
# Writing: the zip, chunk by chunk


class _Sink:
    """A write-only file for zipfile: keeps what was written until the generator takes it. No seek, so
    zipfile writes data descriptors instead of going back to fix headers."""

    def __init__(self):
        self._parts: list[bytes] = []
        self._offset = 0

    def write(self, data) -> int:
        if data:
            self._parts.append(bytes(data))
            self._offset += len(data)
        return len(data)

    def tell(self) -> int:
        return self._offset

    def flush(self) -> None:
        pass

    def take(self) -> bytes:
        data, self._parts = b"".join(self._parts), []
        return data


def _zip_time(at: datetime.datetime | None) -> tuple:
    local = timezone.localtime(at) if at is not None else timezone.localtime()
    return max(local, local.replace(year=1980, month=1, day=1)).timetuple()[:6]


def _index_html(ledger: Ledger, record: ItemRecord) -> str:
    return render_to_string("assessment/ledger/item.html", {
        "ledger": ledger, "record": record, "item": record.item, "folder": record.folder,
        "files": [(f, f.href(record.folder)) for f in record.files],
        "reports": [(r, [(f, f.href(record.folder)) for f in r.files]) for r in record.reports],
        "entries": [(e, [(f, f.href(record.folder)) for f in e.files]) for e in record.entries],
        "top": "../" * record.folder.count("/") + "index.html" if ledger.many else "",
    })


def _top_html(ledger: Ledger) -> str:
    return render_to_string("assessment/ledger/index.html", {
        "ledger": ledger,
        "records": [(r, _href(r.index_path, ""), [(f, _href(f.path, "")) for f in r.files]) for r in ledger.items],
    })


def stream(ledger: Ledger) -> Iterator[bytes]:
    """The zip as chunks of bytes: evidence copied a CHUNK at a time, stored; index pages deflated, each item's
    written after its files (so a file gone from the disk is marked missing in it).

    The language and time zone are those of the request: taken now, used while the server iterates (after
    the view has returned)."""
    return _chunks(ledger, translation.get_language(), timezone.get_current_timezone())


def _chunks(ledger: Ledger, language: str, zone) -> Iterator[bytes]:
    sink = _Sink()
    with translation.override(language), timezone.override(zone), zipfile.ZipFile(
            sink, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        for record in ledger.items:
            for file in record.files:
                yield from _copy(archive, sink, file)
            _write_text(archive, record.index_path, _index_html(ledger, record), ledger.made_at)
            yield sink.take()
        if ledger.many:
            _write_text(archive, "index.html", _top_html(ledger), ledger.made_at)
    yield sink.take()


def _write_text(archive: zipfile.ZipFile, path: str, text: str, at) -> None:
    info = zipfile.ZipInfo(path, date_time=_zip_time(at))
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    archive.writestr(info, text.encode("utf-8"))


def _copy(archive: zipfile.ZipFile, sink: _Sink, file: LedgerFile) -> Iterable[bytes]:
    stored = file.storage_file
    try:
        source = stored.storage.open(stored.name, "rb")
    except (FileNotFoundError, OSError, ValueError):
        file.missing = True
        return
    info = zipfile.ZipInfo(file.path, date_time=_zip_time(file.at))
    info.compress_type = zipfile.ZIP_STORED
    info.external_attr = 0o644 << 16
    info.file_size = file.size  # only for zipfile's choice of ZIP64; it counts what it copies
    with source, archive.open(info, "w", force_zip64=file.size > 0x7FFFFFFF) as target:
        while chunk := source.read(CHUNK):
            target.write(chunk)
            yield sink.take()
