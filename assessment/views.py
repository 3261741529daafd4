"""Thin views of the year-end assessment: the ranking, a department's score, the 自评, the rules, the 考核表."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from core.exceptions import Conflict
from core.querystring import int_param
from core.views import allowed_only
from departments.models import Department
from progress.evidence import evidence_response
from tasks import selectors as plan_selectors
from tasks.models import WorkItem, WorkPlan

from . import documents, ledger, permissions, selectors, services
from .forms import (
    AdjustmentForm,
    ClaimForm,
    EntryForm,
    HeadDecisionForm,
    ManualScoreForm,
    PartFormSet,
    SchemeForm,
    SignOffForm,
)
from .models import Part, Scheme, SelfAssessment, SelfAssessmentEvidence


def _scheme(request) -> Scheme:
    plan_id = int_param(request.GET.get("plan") or request.POST.get("plan"))
    plan = get_object_or_404(WorkPlan, pk=plan_id) if plan_id else plan_selectors.plan_current()
    if plan is None:
        raise Http404
    return services.scheme_ensure(plan=plan)


def _refused(form, error: ValidationError):
    form.add_error(None, error)
    return form


# ---------------------------------------------------------------------------
# The ranking and a department's score


@login_required
def ranking(request):
    scheme = _scheme(request)
    everyone = permissions.can_see_all(request.user)
    rows = [r for r in selectors.results(scheme=scheme)
            if everyone or permissions.can_see_score(request.user, scheme, r.department, r.score)]
    return render(request, "assessment/ranking.html", {
        "scheme": scheme, "plan": scheme.plan, "rows": rows, "parts": selectors.parts_of(scheme=scheme),
        "everyone": everyone, "can_download": permissions.can_download_tables(request.user),
        "can_set_rules": permissions.can_set_rules(request.user), "today": timezone.localdate(),
        "can_ledger": permissions.can_download_ledger(request.user),
    })


def _department_page(request, department_id: int, *, status: int = 200, overrides: dict | None = None):
    department = get_object_or_404(Department.objects.select_related("group", "head_group"), pk=department_id)
    scheme = _scheme(request)
    result = selectors.result_for(scheme=scheme, department=department)
    if result is None:
        raise Http404
    if not permissions.can_see_score(request.user, scheme, department, result.score):
        raise PermissionDenied
    overrides = overrides or {}
    signed = result.is_signed
    version = result.score.version if result.score else 0
    return render(request, "assessment/department.html", {
        "scheme": scheme, "plan": scheme.plan, "department": department, "result": result,
        "manual_scores": selectors.manual_scores(scheme=scheme, department=department),
        "claims": list(result.self_assessment.claims.select_related("part")) if result.self_assessment else [],
        "history": list(result.score.history.select_related("history_user")[:20]) if result.score else [],
        "can_give_points": permissions.can_give_points(request.user) and not signed,
        "can_sign_off": permissions.can_sign_off(request.user) and not signed,
        "manual_form": overrides.get("manual_form") or ManualScoreForm(scheme=scheme),
        "adjustment_form": overrides.get("adjustment_form") or AdjustmentForm(initial={
            "points": result.adjustment, "comment": result.score.adjustment_comment if result.score else "",
            "version": version}),
        "sign_form": SignOffForm(initial={"version": version}),
        "can_ledger": permissions.can_download_ledger(request.user, department=department),
    }, status=status)


@login_required
def department_score(request, department_id: int):
    return _department_page(request, department_id)


def _department_and_scheme(request, department_id: int):
    return get_object_or_404(Department, pk=department_id), _scheme(request)


def _back(request, department_id: int, scheme: Scheme):
    return redirect(reverse("assessment:department", args=[department_id]) + f"?plan={scheme.plan_id}")


@allowed_only(permissions.can_give_points)
@require_POST
def manual_add(request, department_id: int):
    department, scheme = _department_and_scheme(request, department_id)
    form = ManualScoreForm(request.POST, scheme=scheme)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.manual_score_add(scheme=scheme, department=department, part=data["part"], points=data["points"],
                                      reason=data["reason"], user=request.user)
            messages.success(request, _("Points recorded."))
            return _back(request, department_id, scheme)
        except Conflict as conflict:
            messages.error(request, conflict.message)
            return _back(request, department_id, scheme)
        except ValidationError as error:
            _refused(form, error)
    return _department_page(request, department_id, status=400, overrides={"manual_form": form})


@allowed_only(permissions.can_sign_off)
@require_POST
def adjust(request, department_id: int):
    department, scheme = _department_and_scheme(request, department_id)
    form = AdjustmentForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.adjustment_set(scheme=scheme, department=department, points=data["points"],
                                    comment=data["comment"], user=request.user, base_version=data["version"])
            messages.success(request, _("Adjustment recorded."))
            return _back(request, department_id, scheme)
        except Conflict as conflict:
            messages.error(request, conflict.message)
            return _back(request, department_id, scheme)
        except ValidationError as error:
            _refused(form, error)
    return _department_page(request, department_id, status=400, overrides={"adjustment_form": form})


@allowed_only(permissions.can_sign_off)
@require_POST
def sign_off(request, department_id: int):
    department, scheme = _department_and_scheme(request, department_id)
    form = SignOffForm(request.POST)
    if not form.is_valid():
        return _department_page(request, department_id, status=400)
    try:
        score = services.sign_off(scheme=scheme, department=department, user=request.user,
                                  base_version=form.cleaned_data["version"])
        messages.success(request, _("Signed off: %(department)s, %(total)s points.") % {
            "department": department.name, "total": score.total})
    except Conflict as conflict:
        messages.error(request, conflict.message)
    return _back(request, department_id, scheme)


# ---------------------------------------------------------------------------
# 自评


def _my_departments(user, plan: WorkPlan):
    return Department.objects.filter(memberships__user=user, responsibilities__item__section__plan=plan).distinct() \
        .select_related("group", "head_group").order_by("order")


@login_required
def self_assessment(request):
    scheme = _scheme(request)
    departments = list(_my_departments(request.user, scheme.plan))
    if not departments:
        return render(request, "assessment/self_none.html", {"scheme": scheme})
    chosen = int_param(request.GET.get("department"))
    department = next((d for d in departments if d.pk == chosen), departments[0])
    return _self_page(request, scheme, department, departments=departments)


def _self_page(request, scheme, department, *, status=200, overrides=None, departments=None):
    overrides = overrides or {}
    if departments is None:
        departments = list(_my_departments(request.user, scheme.plan))
    page = selectors.self_assessment_page(scheme=scheme, department=department)
    sa = page.self_assessment
    editable = sa.state != SelfAssessment.State.SENT and timezone.localdate() >= scheme.opens_on
    rows = []
    for item, responsibility, entry in page.items:
        form = overrides.get(("entry", item.pk)) or EntryForm(
            initial={"text": entry.text if entry else "", "version": sa.version}, prefix=f"i{item.pk}")
        rows.append({"item": item, "responsibility": responsibility, "entry": entry, "form": form})
    claims = []
    for part in page.manual_parts:
        claim = page.claims.get(part.pk)
        claims.append({"part": part, "claim": claim, "form": overrides.get(("claim", part.pk)) or ClaimForm(
            initial={"points": claim.points if claim else 0, "reason": claim.reason if claim else "",
                     "version": sa.version}, prefix=f"p{part.pk}")})
    return render(request, "assessment/self.html", {
        "scheme": scheme, "plan": scheme.plan, "department": department, "sa": sa, "rows": rows, "claims": claims,
        "departments": departments, "editable": editable,
        "is_head": permissions.can_send_self_assessment(request.user, department),
        "decision_form": overrides.get("decision_form") or HeadDecisionForm(), "today": timezone.localdate(),
    }, status=status)


def _own_self_assessment(request, department_id: int) -> SelfAssessment:
    department = get_object_or_404(Department.objects.select_related("group", "head_group"), pk=department_id)
    if not permissions.can_write_self_assessment(request.user, department):
        raise PermissionDenied
    return services.self_assessment_ensure(scheme=_scheme(request), department=department)


def _back_to_self(sa: SelfAssessment, anchor: str = ""):
    return redirect(reverse("assessment:self") + f"?plan={sa.scheme.plan_id}&department={sa.department_id}{anchor}")


@login_required
@require_POST
def entry_save(request, department_id: int, item_id: int):
    sa = _own_self_assessment(request, department_id)
    item = get_object_or_404(WorkItem, pk=item_id, section__plan=sa.scheme.plan)
    form = EntryForm(request.POST, request.FILES, prefix=f"i{item.pk}")
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.entry_save(self_assessment=sa, item=item, user=request.user, text=data["text"],
                                evidence=data["evidence"], base_version=data["version"])
            messages.success(request, _("Self-assessment of item %(number)d saved.") % {"number": item.number})
            return _back_to_self(sa, f"#entry-{item.pk}")
        except Conflict as conflict:
            form.add_error(None, conflict.message)
            return _self_page(request, sa.scheme, sa.department, status=409, overrides={("entry", item.pk): form})
        except ValidationError as error:
            _refused(form, error)
    return _self_page(request, sa.scheme, sa.department, status=400, overrides={("entry", item.pk): form})


@login_required
@require_POST
def claim_save(request, department_id: int, part_id: int):
    sa = _own_self_assessment(request, department_id)
    part = get_object_or_404(Part, pk=part_id, scheme=sa.scheme)
    form = ClaimForm(request.POST, prefix=f"p{part.pk}")
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.claim_save(self_assessment=sa, part=part, points=data["points"], reason=data["reason"],
                                base_version=data["version"])
            messages.success(request, _("Saved."))
            return _back_to_self(sa, "#claims")
        except Conflict as conflict:
            form.add_error(None, conflict.message)
            return _self_page(request, sa.scheme, sa.department, status=409, overrides={("claim", part.pk): form})
        except ValidationError as error:
            _refused(form, error)
    return _self_page(request, sa.scheme, sa.department, status=400, overrides={("claim", part.pk): form})


@login_required
@require_POST
def put_forward(request, department_id: int):
    sa = _own_self_assessment(request, department_id)
    try:
        services.self_assessment_put_forward(self_assessment=sa, user=request.user)
        messages.success(request, _("Put forward: the head is asked to approve and send it."))
    except (Conflict, ValidationError) as refused:
        messages.error(request, refused.message if isinstance(refused, Conflict) else " ".join(refused.messages))
    return _back_to_self(sa)


@login_required
@require_POST
def head_decide(request, department_id: int):
    sa = _own_self_assessment(request, department_id)
    if not permissions.can_send_self_assessment(request.user, sa.department):
        raise PermissionDenied
    form = HeadDecisionForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            if data["decision"] == form.Decision.SEND:
                services.self_assessment_send(self_assessment=sa, head=request.user, comment=data["comment"])
                messages.success(request, _("Sent to the supervision office."))
            else:
                services.self_assessment_return(self_assessment=sa, head=request.user, comment=data["comment"])
                messages.success(request, _("Returned to be written again."))
            return _back_to_self(sa)
        except Conflict as conflict:
            messages.error(request, conflict.message)
            return _back_to_self(sa)
        except ValidationError as error:
            _refused(form, error)
    return _self_page(request, sa.scheme, sa.department, status=400, overrides={"decision_form": form})


@login_required
def evidence_download(request, evidence_id: int):
    evidence = get_object_or_404(SelfAssessmentEvidence.objects.select_related(
        "entry__self_assessment__department__group"), pk=evidence_id)
    department = evidence.entry.self_assessment.department
    if not (permissions.can_see_all(request.user) or permissions.is_member(request.user, department)):
        raise PermissionDenied
    return evidence_response(evidence)


# ---------------------------------------------------------------------------
# The rules (plan admins) and the 考核表


@allowed_only(permissions.can_set_rules)
def rules_page(request, plan_id: int):
    plan = get_object_or_404(WorkPlan, pk=plan_id)
    scheme = services.scheme_ensure(plan=plan)
    parts = selectors.parts_of(scheme=scheme)
    if request.method == "POST":
        form = SchemeForm(request.POST)
        formset = PartFormSet(request.POST, prefix="parts")
        if form.is_valid() and formset.is_valid():
            rows = [dict(f.cleaned_data, delete=f.cleaned_data.get("DELETE", False))
                    for f in formset.forms if f.cleaned_data]
            try:
                services.scheme_update(scheme=scheme, parts=rows, **form.cleaned_data)
                messages.success(request, _("The assessment rules were saved."))
                return redirect("assessment:rules", plan_id=plan.pk)
            except Conflict as conflict:
                form.add_error(None, conflict.message)
            except ValidationError as error:
                for field, problems in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, problems)
    else:
        form = SchemeForm(initial={"total": scheme.total, "opens_on": scheme.opens_on, "due_on": scheme.due_on,
                                   "results_visible": scheme.results_visible})
        formset = PartFormSet(prefix="parts", initial=[
            {"id": p.pk, "kind": p.kind, "name": p.name, "points": p.points, "per_case": p.per_case} for p in parts])
    return render(request, "assessment/rules.html", {"plan": plan, "scheme": scheme, "form": form,
                                                     "formset": formset},
                  status=400 if request.method == "POST" else 200)


def _table(request, render_document, content_type: str, suffix: str):
    scheme = _scheme(request)
    body = render_document(scheme=scheme, results=selectors.results(scheme=scheme))
    response = HttpResponse(body, content_type=content_type)
    filename = _("%(plan)s assessment") % {"plan": scheme.plan.title}
    response["Content-Disposition"] = content_disposition_header(True, f"{filename}.{suffix}")
    response["Cache-Control"] = "private, no-store"
    return response


@allowed_only(permissions.can_download_tables)
def table_excel(request):
    return _table(request, documents.assessment_excel,
                  "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx")


@allowed_only(permissions.can_download_tables)
def table_word(request):
    return _table(request, documents.assessment_word,
                  "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx")


# ---------------------------------------------------------------------------
# 台账: an item's, a department's or a plan's whole record as a zip, streamed


def _ledger_response(content: ledger.Ledger) -> StreamingHttpResponse:
    response = StreamingHttpResponse(ledger.stream(content), content_type="application/zip")
    response["Content-Disposition"] = content_disposition_header(True, content.filename)
    response["Cache-Control"] = "private, no-store"
    # nginx's buffering stays on: it takes the zip as fast as it is made and feeds a slow client itself, so the
    # gunicorn worker is free in seconds (a sync worker streaming at a client's pace is killed at its timeout).
    return response


@login_required
@require_safe
def ledger_item(request, item_id: int):
    item = get_object_or_404(WorkItem.objects.select_related("section__plan").prefetch_related(
        "responsibilities__department__group"), pk=item_id)
    if not permissions.can_download_ledger(request.user, item=item):
        raise PermissionDenied
    return _ledger_response(ledger.item_ledger(item=item, user=request.user))


@login_required
@require_safe
def ledger_department(request, department_id: int):
    department = get_object_or_404(Department.objects.select_related("group"), pk=department_id)
    if not permissions.can_download_ledger(request.user, department=department):
        raise PermissionDenied
    plan_id = int_param(request.GET.get("plan"))
    plan = get_object_or_404(WorkPlan, pk=plan_id) if plan_id else plan_selectors.plan_current()
    if plan is None:
        raise Http404
    return _ledger_response(ledger.department_ledger(department=department, plan=plan, user=request.user))


@allowed_only(permissions.can_download_ledger)
@require_safe
def ledger_plan(request, plan_id: int):
    plan = get_object_or_404(WorkPlan, pk=plan_id)
    return _ledger_response(ledger.plan_ledger(plan=plan, user=request.user))
