"""Every state change of the year-end assessment (考核).

Guarantees:
- A plan gets its scheme with the 市总工会 defaults when it is imported, and the same rules a year
  later when it is cloned.
- A 自评 is sent once for the whole department, by its head; once sent nothing in it changes.
- Computed parts are never typed. The office's bonuses and deductions carry a reason; leadership's
  adjustment carries a comment. Signing off freezes the parts as they stand (`DepartmentScore.frozen`):
  a later report does not change a signed score, and a signed score cannot be changed again.
- Two people changing the same 自评 or score at once: the second is refused (Conflict), never
  silently overwriting the first.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.dates import shift_year
from core.exceptions import Conflict
from core.people import display_name
from departments.models import Department
from notifications import audiences
from notifications import services as notification_services
from notifications.services import ReminderKey
from tasks.models import Responsibility, WorkItem, WorkPlan

from . import rules, selectors
from .models import (
    Claim,
    DepartmentScore,
    ManualScore,
    Part,
    Scheme,
    SelfAssessment,
    SelfAssessmentEntry,
    SelfAssessmentEvidence,
)

MAX_EVIDENCE_PER_ENTRY = 5


def default_dates(year: int) -> tuple[datetime.date, datetime.date]:
    """自评 from 1 December to 25 December of the plan's year (after the 年终总结 of the 20th)."""
    return datetime.date(year, 12, 1), datetime.date(year, 12, 25)


@transaction.atomic
def scheme_ensure(*, plan: WorkPlan) -> Scheme:
    """The plan's assessment scheme, created once with the default parts."""
    scheme = Scheme.objects.filter(plan=plan).first()
    if scheme is not None:
        return scheme
    opens_on, due_on = default_dates(plan.year)
    scheme = Scheme.objects.create(plan=plan, opens_on=opens_on, due_on=due_on)
    # The parts' names are words the office reads and may rename: written in the portal's language, also from
    # a management command (which runs untranslated).
    with translation.override(settings.LANGUAGE_CODE):
        defaults = rules.default_parts()
    Part.objects.bulk_create(Part(scheme=scheme, kind=kind, name=name, points=points, per_case=per_case, order=order)
                             for order, (kind, name, points, per_case) in enumerate(defaults))
    return scheme


@transaction.atomic
def scheme_copy(*, source: WorkPlan, clone: WorkPlan) -> Scheme | None:
    """Next year's plan is assessed by this year's rules, on the same days of its own year."""
    old = Scheme.objects.filter(plan=source).first()
    if old is None:
        return scheme_ensure(plan=clone)
    years = clone.year - source.year
    scheme = Scheme.objects.create(plan=clone, total=old.total, opens_on=shift_year(old.opens_on, years),
                                   due_on=shift_year(old.due_on, years), results_visible=old.results_visible)
    Part.objects.bulk_create(Part(scheme=scheme, kind=p.kind, name=p.name, points=p.points, per_case=p.per_case,
                                  order=p.order) for p in old.parts.all())
    return scheme


def _signed_any(scheme: Scheme) -> bool:
    return DepartmentScore.objects.filter(scheme=scheme, state=DepartmentScore.State.SIGNED).exists()


@transaction.atomic
def scheme_update(*, scheme: Scheme, total: Decimal, opens_on: datetime.date, due_on: datetime.date,
                  results_visible: str, parts: list[dict]) -> Scheme:
    """The rules page: the total, the dates, the visibility and every part (kind, name, points, per case).

    The computed parts must add up to the total (bonuses and deductions come on top); once a score
    is signed off the rules stay as they were, or signed and open scores would be read by two rules."""
    locked = Scheme.objects.select_for_update().get(pk=scheme.pk)
    errors: dict[str, list[str]] = {}
    if _signed_any(locked):
        raise Conflict(_("A score of this plan is signed off already: its rules can no longer change."))
    if due_on < opens_on:
        errors.setdefault("due_on", []).append(_("The due date must not be before the opening date."))
    if not (locked.plan.year_start <= opens_on <= datetime.date(locked.plan.year + 1, 3, 31)):
        errors.setdefault("opens_on", []).append(
            _("Give a date in the plan's year (or the first quarter after it)."))
    kept = [p for p in parts if not p.get("delete")]
    computed = sum((p["points"] for p in kept if p["kind"] != Part.Kind.MANUAL), Decimal(0))
    if computed != total:
        errors.setdefault("total", []).append(
            _("The parts add up to %(sum)s points, not %(total)s: make them equal (bonuses and deductions come on "
              "top).") % {"sum": computed, "total": total})
    for p in kept:
        if p["kind"] in Part.DEDUCTIONS and p.get("per_case") is None:
            errors.setdefault("parts", []).append(
                _("“%(name)s” is a deduction: give the points taken per case.") % {"name": p["name"]})
    if errors:
        raise ValidationError(errors)
    locked.total, locked.opens_on, locked.due_on, locked.results_visible = total, opens_on, due_on, results_visible
    locked.full_clean()
    locked.save()
    existing = {p.pk: p for p in locked.parts.all()}
    # The page sends the whole list: a part it no longer lists is gone.
    listed = {data.get("id") for data in parts}
    for pk, part in existing.items():
        if pk not in listed:
            part.delete()
    for order, data in enumerate(parts):
        part = existing.get(data.get("id"))
        if data.get("delete"):
            if part is not None:
                part.delete()
            continue
        part = part or Part(scheme=locked)
        part.kind, part.name, part.points = data["kind"], data["name"], data["points"]
        part.per_case = data.get("per_case") if data["kind"] in Part.DEDUCTIONS else None
        part.order = order
        part.full_clean()
        part.save()
    return locked


# ---------------------------------------------------------------------------
# 自评


def self_assessment_ensure(*, scheme: Scheme, department: Department) -> SelfAssessment:
    """The department's 自评 of the plan, begun on its first save."""
    found, _created = SelfAssessment.objects.select_related("scheme__plan", "department").get_or_create(
        scheme=scheme, department=department)
    return found


def _editable(self_assessment: SelfAssessment, *, base_version: int | None) -> SelfAssessment:
    locked = SelfAssessment.objects.select_for_update().select_related("scheme__plan").get(pk=self_assessment.pk)
    if locked.state == SelfAssessment.State.SENT:
        raise Conflict(_("This self-assessment was sent already; it no longer changes."))
    if base_version is not None and base_version != locked.version:
        raise Conflict(_("Someone changed this self-assessment meanwhile; your text is kept below, look at theirs "
                         "and save again."))
    return locked


def _opened(scheme: Scheme, today: datetime.date | None = None) -> None:
    if (today or timezone.localdate()) < scheme.opens_on:
        raise ValidationError(_("Self-assessments open on %(day)s.") % {"day": scheme.opens_on})


@transaction.atomic
def entry_save(*, self_assessment: SelfAssessment, item: WorkItem, user, text: str, evidence=(),
               base_version: int | None = None) -> SelfAssessmentEntry:
    """What the department says about one item, with files (checked like a report's evidence)."""
    locked = _editable(self_assessment, base_version=base_version)
    _opened(locked.scheme)
    if not Responsibility.objects.filter(item=item, department_id=locked.department_id).exists():
        raise ValidationError({"item": _("Your department is not responsible for this item.")})
    if not text.strip():
        raise ValidationError({"text": _("Say what was done and how far the item came.")})
    entry, _created = SelfAssessmentEntry.objects.update_or_create(
        self_assessment=locked, item=item, defaults={"text": text, "updated_by": user})
    if entry.evidence.count() + len(evidence) > MAX_EVIDENCE_PER_ENTRY:
        raise ValidationError({"evidence": _("At most %(count)d files per item.") % {"count": MAX_EVIDENCE_PER_ENTRY}})
    for upload in evidence:
        SelfAssessmentEvidence.objects.create(entry=entry, file=upload.file, original_name=upload.name,
                                              content_type=upload.content_type, size=upload.size)
    locked.version += 1
    locked.save(update_fields=["version"])
    return entry


@transaction.atomic
def claim_save(*, self_assessment: SelfAssessment, part: Part, points: Decimal, reason: str,
               base_version: int | None = None) -> Claim | None:
    """The department's own bonus or deduction for a manual part (0 points: none)."""
    locked = _editable(self_assessment, base_version=base_version)
    _opened(locked.scheme)
    if not part.is_manual or part.scheme_id != locked.scheme_id:
        raise ValidationError({"part": _("Only a bonus or deduction part is scored by the department itself.")})
    if abs(points) > part.points:
        raise ValidationError({"points": _("At most ± %(points)s points.") % {"points": part.points}})
    if points and not reason.strip():
        raise ValidationError({"reason": _("Say what the points are for.")})
    Claim.objects.filter(self_assessment=locked, part=part).delete()
    locked.version += 1
    locked.save(update_fields=["version"])
    if not points:
        return None
    return Claim.objects.create(self_assessment=locked, part=part, points=points, reason=reason)


def _missing(self_assessment: SelfAssessment) -> list[WorkItem]:
    written = set(self_assessment.entries.values_list("item_id", flat=True))
    return [r.item for r in Responsibility.objects.filter(
        department_id=self_assessment.department_id, role="lead",
        item__section__plan=self_assessment.scheme.plan).select_related("item").order_by("item__number")
        if r.item_id not in written]


def _heads_told(self_assessment: SelfAssessment, *, user, step: str) -> None:
    department_id = self_assessment.department_id
    found = audiences.department_recipients(department_ids=[department_id])[department_id]
    notification_services.notice(
        key=ReminderKey(f"self_assessment:{self_assessment.pk}", audiences.heads_of(department_id), "assessment",
                        step),
        title=_("Self-assessment to approve: %(department)s") % {"department": self_assessment.department.name},
        body=_("%(who)s put the department's self-assessment forward for your approval.") % {
            "who": display_name(user)},
        url=reverse("assessment:self") + f"?department={department_id}",
        users=found.heads,
    )


@transaction.atomic
def self_assessment_put_forward(*, self_assessment: SelfAssessment, user) -> SelfAssessment:
    """A member asks the head to approve and send the department's 自评."""
    locked = _editable(self_assessment, base_version=None)
    missing = _missing(locked)
    if missing:
        raise ValidationError(_("Write the self-assessment of every item the department leads first: %(items)s.")
                              % {"items": "、".join(str(i.number) for i in missing)})
    locked.state, locked.asked_by, locked.asked_at = SelfAssessment.State.AWAITING_HEAD, user, timezone.now()
    locked._history_user = user
    locked.version += 1
    locked.save(update_fields=["state", "asked_by", "asked_at", "version"])
    _heads_told(locked, user=user, step=f"asked:{locked.version}")
    return locked


@transaction.atomic
def self_assessment_send(*, self_assessment: SelfAssessment, head, comment: str = "") -> SelfAssessment:
    """The head approves the department's 自评 and sends it to the office: once, for the whole department."""
    locked = _editable(self_assessment, base_version=None)
    missing = _missing(locked)
    if missing:
        raise ValidationError(_("Write the self-assessment of every item the department leads first: %(items)s.")
                              % {"items": "、".join(str(i.number) for i in missing)})
    locked.state, locked.sent_by, locked.sent_at, locked.head_comment = (
        SelfAssessment.State.SENT, head, timezone.now(), comment)
    locked._history_user = head
    locked.version += 1
    locked.save(update_fields=["state", "sent_by", "sent_at", "head_comment", "version"])
    notification_services.notice(
        key=ReminderKey(f"self_assessment:{locked.pk}", audiences.SUPERVISION, "assessment", "sent"),
        title=_("Self-assessment sent: %(department)s") % {"department": locked.department.name},
        body=_("%(who)s approved and sent it.") % {"who": display_name(head)},
        url=reverse("assessment:department", args=[locked.department_id]), users=audiences.supervision_users(),
    )
    return locked


@transaction.atomic
def self_assessment_return(*, self_assessment: SelfAssessment, head, comment: str) -> SelfAssessment:
    """The head sends it back to be rewritten, saying what is missing."""
    if not comment.strip():
        raise ValidationError({"comment": _("Say what is still missing.")})
    locked = _editable(self_assessment, base_version=None)
    locked.state, locked.head_comment = SelfAssessment.State.DRAFT, comment
    locked._history_user = head
    locked.version += 1
    locked.save(update_fields=["state", "head_comment", "version"])
    return locked


# ---------------------------------------------------------------------------
# Scoring


def _open_score(scheme: Scheme, department: Department) -> DepartmentScore:
    score, _created = DepartmentScore.objects.get_or_create(scheme=scheme, department=department)
    locked = DepartmentScore.objects.select_for_update().get(pk=score.pk)
    if locked.is_signed:
        raise Conflict(_("%(department)s's score was signed off by %(who)s; it no longer changes.") % {
            "department": department.name, "who": display_name(locked.signed_by)})
    return locked


@transaction.atomic
def manual_score_add(*, scheme: Scheme, department: Department, part: Part, points: Decimal, reason: str,
                     user) -> ManualScore:
    """The office's bonus (加分) or deduction (扣分), with its reason; the part's limit holds for their sum."""
    _open_score(scheme, department)
    errors = {}
    if not part.is_manual or part.scheme_id != scheme.pk:
        errors["part"] = _("Only a bonus or deduction part takes points by hand.")
    elif points == 0:
        errors["points"] = _("Give the points to add (positive) or take (negative).")
    else:
        given = sum(ManualScore.objects.filter(scheme=scheme, department=department, part=part)
                    .values_list("points", flat=True), Decimal(0))
        if abs(given + points) > part.points:
            errors["points"] = _("Together with what was given already (%(given)s), this passes ± %(limit)s.") % {
                "given": given, "limit": part.points}
    if not reason.strip():
        errors["reason"] = _("Say what the points are for.")
    if errors:
        raise ValidationError(errors)
    score = ManualScore(scheme=scheme, department=department, part=part, points=points, reason=reason, given_by=user)
    score._history_user = user
    score.full_clean()
    score.save()
    return score


@transaction.atomic
def adjustment_set(*, scheme: Scheme, department: Department, points: Decimal, comment: str, user,
                   base_version: int | None = None) -> DepartmentScore:
    """Leadership's adjustment of a department's score, with a comment."""
    score = _open_score(scheme, department)
    if base_version is not None and base_version != score.version:
        raise Conflict(_("Someone changed this score meanwhile; look at it again before adjusting."))
    if abs(points) > scheme.total:
        raise ValidationError({"points": _("At most ± %(total)s points.") % {"total": scheme.total}})
    if points and not comment.strip():
        raise ValidationError({"comment": _("Say why the score is adjusted.")})
    score.adjustment, score.adjustment_comment, score.adjusted_by = points, comment, user
    score._history_user = user  # the history says who, also outside a request (jobs, the demo)
    score.version += 1
    score.save(update_fields=["adjustment", "adjustment_comment", "adjusted_by", "version"])
    return score


@transaction.atomic
def sign_off(*, scheme: Scheme, department: Department, user, today: datetime.date | None = None,
             base_version: int | None = None) -> DepartmentScore:
    """Leadership signs a department's score off: its parts are frozen as they stand now."""
    score = _open_score(scheme, department)
    if base_version is not None and base_version != score.version:
        raise Conflict(_("Someone changed this score meanwhile; look at it again before signing off."))
    result = next(r for r in selectors.results(scheme=scheme, today=today, department_ids={department.pk})
                  if r.department.pk == department.pk)
    score.frozen = [part.as_json() for part in result.parts]
    score.total = rules.total_of(result.parts, score.adjustment)
    score.state, score.signed_by, score.signed_at = DepartmentScore.State.SIGNED, user, timezone.now()
    score._history_user = user
    score.version += 1
    score.save()
    found = audiences.department_recipients(department_ids=[department.pk])[department.pk]
    notification_services.notice(
        key=ReminderKey(f"score:{score.pk}", audiences.staff_of(department.pk), "assessment", "signed"),
        title=_("Year-end score signed off: %(department)s %(total)s") % {"department": department.name,
                                                                          "total": score.total},
        body=_("%(who)s signed the score off.") % {"who": display_name(user)},
        url=reverse("assessment:department", args=[department.pk]), users=found.heads,
    )
    return score


# ---------------------------------------------------------------------------
# Reminders

REMIND_DAYS_BEFORE = 3


@dataclass
class ReminderRun:
    today: datetime.date
    sent: int = 0
    lines: list[str] = field(default_factory=list)


def self_assessment_reminders(*, today: datetime.date | None = None) -> ReminderRun:
    """The daily 自评 reminders of the published plans, each at most once (the reminder log's key):
    - the day the window opens, to every responsible department's people;
    - three days before it closes and on its last day, to the people of departments that have not sent it;
    - the day after, to their heads and to the office: not sent in time (it now costs its part).
    A day the job missed is caught up: the key is per step, not per day."""
    today = today or timezone.localdate()
    run = ReminderRun(today=today)
    schemes = Scheme.objects.filter(plan__status=WorkPlan.Status.PUBLISHED, opens_on__lte=today,
                                    due_on__gte=today - datetime.timedelta(days=REMIND_DAYS_BEFORE)).select_related("plan")
    with translation.override(settings.LANGUAGE_CODE):
        for scheme in schemes:
            responsible = set(Responsibility.objects.filter(item__section__plan=scheme.plan)
                              .values_list("department_id", flat=True))
            sent = set(SelfAssessment.objects.filter(scheme=scheme, state=SelfAssessment.State.SENT)
                       .values_list("department_id", flat=True))
            departments = {d.pk: d for d in Department.objects.filter(pk__in=responsible)}
            recipients = audiences.department_recipients(department_ids=responsible)
            days_left = (scheme.due_on - today).days
            url = reverse("assessment:self") + f"?plan={scheme.plan_id}"
            for department_id, department in sorted(departments.items()):
                found = recipients[department_id]
                words = {"plan": scheme.plan.title, "department": department.name, "due": scheme.due_on.isoformat()}
                if department_id in sent:
                    continue
                if days_left < 0:
                    step, users, title = "overdue", [*found.heads, *audiences.supervision_users()], _(
                        "Self-assessment not sent in time: %(department)s (due %(due)s)") % words
                elif days_left <= REMIND_DAYS_BEFORE:
                    step = "last-day" if days_left == 0 else "due-soon"
                    users, title = found.staff, _("Self-assessment due on %(due)s: %(department)s") % words
                else:
                    step, users, title = "open", found.staff, _("Self-assessments are open: %(plan)s") % words
                reminder = notification_services.notice(
                    key=ReminderKey(f"self_assessment:{scheme.pk}:{department_id}", audiences.staff_of(department_id),
                                    "assessment", step),
                    title=title, body=_("Write the self-assessment (自评) of each item the department is responsible "
                                        "for; the head approves and sends it by %(due)s.") % words,
                    url=url, users=users, webhooks=found.webhooks)
                if reminder is not None:
                    run.sent += 1
                    run.lines.append(f"{department.name}: {step}")
    return run
