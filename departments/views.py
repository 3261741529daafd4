"""Plan-admin pages for departments and people; thin, through services and selectors."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.people import display_name
from core.querystring import date_param
from core.views import allowed_only

from . import jobs, passwords, selectors, services
from .forms import DepartmentDeactivateForm, PeopleUploadForm
from .importer.people import PeopleFileError, read_people_file
from .models import Department, ImportJob, SecurityEvent
from .permissions import can_manage_departments, can_read_security_events
from .roles import ROLE_GROUP_LABELS, role_label

SESSION_KEY = "people_upload_job"


@allowed_only(can_manage_departments)
def department_tree(request):
    return render(request, "departments/tree.html", {"tree": selectors.department_tree()})


@allowed_only(can_manage_departments)
def department_deactivate(request, department_id: int):
    """The hand-over page: what the department still holds, who takes it over, then deactivate."""
    department = get_object_or_404(Department, pk=department_id)
    holdings = services.department_holdings(department=department)
    form = DepartmentDeactivateForm(request.POST if request.method == "POST" else None, department=department,
                                    holdings=holdings)
    if request.method == "POST" and form.is_valid():
        try:
            moved = services.department_deactivate(department=department, successor=form.cleaned_data["successor"],
                                                   actor=request.user)
        except services.DepartmentStillResponsible as error:
            form.add_error("successor", str(error))
        else:
            messages.success(
                request, _("%(name)s is inactive; %(count)d items moved.") % {"name": department, "count": moved}
            )
            return redirect("departments:tree")
    return render(
        request,
        "departments/deactivate.html",
        {"department": department, "form": form, "holdings": holdings},
        status=400 if form.errors else 200,
    )


@allowed_only(can_manage_departments)
def people(request):
    return render(request, "departments/people.html", {"people": selectors.people_list(), "roles": ROLE_GROUP_LABELS})


@allowed_only(can_manage_departments)
@require_POST
def person_roles(request, user_id: int):
    """Leadership, the supervision office (督查) and plan admins are granted here, person by person."""
    person = get_object_or_404(get_user_model(), pk=user_id)
    chosen = set(request.POST.getlist("roles"))
    try:
        services.person_roles_set(user=person, roles=chosen, by=request.user)
    except ValidationError as error:
        for message in error.message_dict.get("roles", error.messages):
            messages.error(request, message)
        return redirect(reverse("departments:people") + f"#person-{person.pk}")
    labels = "、".join(str(ROLE_GROUP_LABELS[name]) for name in ROLE_GROUP_LABELS if name in chosen) or _("none")
    messages.success(request, _("Roles of %(name)s: %(roles)s.") % {"name": display_name(person), "roles": labels})
    return redirect(reverse("departments:people") + f"#person-{person.pk}")


def _people_preview_context(job: ImportJob, *, form=None, reactivate=()) -> dict:
    preview = job.preview or {}
    rows = [row | {"role_label": role_label(row.get("role", ""))} for row in preview.get("rows") or []]
    return {"form": form or PeopleUploadForm(), "job": job, "preview": rows if preview.get("rows") is not None else None,
            "has_errors": preview.get("has_errors", False), "reactivate": set(reactivate)}


@allowed_only(can_manage_departments)
def people_upload(request):
    """Upload → preview with per-row errors and statuses → confirm; nothing is saved before the confirmation.

    A list with more than a few new people is saved by a background job (password hashing takes its
    time); the page then follows its progress and shows the initial passwords once, at the end.
    """
    if request.method == "POST" and "confirm" in request.POST:
        job = jobs.job_for(job_id=request.session.get(SESSION_KEY) or 0, user=request.user)
        if job is None or job.state not in (ImportJob.State.PREVIEW, ImportJob.State.FAILED):
            messages.error(request, _("The upload expired; please upload the file again."))
            return redirect("departments:people-upload")
        return _people_confirm(request, job)
    form = PeopleUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        data = upload.read()
        try:
            read_people_file(data, filename=upload.name)
        except PeopleFileError as error:
            form.add_error("file", str(error))
        else:
            job = jobs.job_create(kind=ImportJob.Kind.PEOPLE, user=request.user, filename=upload.name, document=data)
            job = jobs.job_check(job=job)
            if job.state == ImportJob.State.FAILED:
                form.add_error("file", job.error)
            else:
                request.session[SESSION_KEY] = job.pk
                return render(request, "departments/people_upload.html", _people_preview_context(job, form=form))
    return render(request, "departments/people_upload.html", {"form": form, "preview": None},
                  status=400 if form.errors else 200)


def _people_confirm(request, job: ImportJob):
    reactivate = [name for name in request.POST.getlist("reactivate") if name in (job.preview or {}).get("deactivated", [])]
    # The same check as the preview's, on the same file: what the preview called clean is what is saved.
    job = jobs.job_check(job=job)
    if job.state == ImportJob.State.FAILED or job.preview.get("has_errors"):
        return render(request, "departments/people_upload.html", _people_preview_context(job, reactivate=reactivate),
                      status=400)
    background = job.preview.get("new", 0) > services.PEOPLE_INLINE_NEW
    job = jobs.job_start(job=job, options={"reactivate": reactivate}, background=background)
    request.session.pop(SESSION_KEY, None)
    if background:
        return redirect("departments:people-upload-job", job_id=job.pk)
    return _people_job_page(request, job)


def _people_job_page(request, job: ImportJob):
    passwords = jobs.job_reveal_secrets(job=job) if job.state == ImportJob.State.DONE else []
    return render(request, "departments/people_done.html", {"job": job, "result": job.result or {},
                                                            "passwords": passwords})


@allowed_only(can_manage_departments)
def people_upload_job(request, job_id: int):
    """A people list being saved in the background: its progress, then what was saved and the passwords."""
    job = jobs.job_for(job_id=job_id, user=request.user)
    if job is None or job.kind != ImportJob.Kind.PEOPLE:
        raise Http404
    if request.method == "POST" and "retry" in request.POST:
        jobs.job_retry(job=job)
        return redirect("departments:people-upload-job", job_id=job.pk)
    return _people_job_page(request, job)


@allowed_only(can_manage_departments)
@require_POST
def person_deactivate(request, user_id: int):
    user = get_object_or_404(get_user_model(), pk=user_id)
    if user.pk == request.user.pk:
        messages.error(request, _("You cannot deactivate your own account."))
    else:
        services.user_deactivate(user=user, by=request.user, request=request)
        messages.success(request, _("%(name)s was deactivated.") % {"name": display_name(user)})
    return redirect("departments:people")


@allowed_only(can_read_security_events)
def security_events(request):
    """安全审计: the security events with filters (event, user, days) and the same list as Excel."""
    filters = {"kind": request.GET.get("kind") or None, "who": (request.GET.get("who") or "").strip()[:150] or None,
               "day_from": date_param(request.GET.get("from")), "day_to": date_param(request.GET.get("to"))}
    if request.GET.get("format") == "xlsx":
        events = selectors.security_events(**filters, limit=None)
        response = HttpResponse(services.security_events_workbook(events=events),
                                content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        response["Content-Disposition"] = content_disposition_header(
            True, _("security events %(day)s.xlsx") % {"day": timezone.localdate().isoformat()})
        return response
    query = request.GET.copy()
    query["format"] = "xlsx"
    return render(request, "departments/security_events.html", {
        "events": selectors.security_events(**filters), "kinds": SecurityEvent.Kind.choices, "filters": filters,
        "excel_query": query.urlencode(),
        "retention_days": settings.SECURITY_EVENT_RETENTION_DAYS})


class PasswordChange(auth_views.PasswordChangeView):
    """Every person changes their own password here; one on an initial password is sent here first."""

    template_name = "registration/password_change_form.html"

    def get_success_url(self):
        return reverse("supervision:landing")

    def form_valid(self, form):
        old_key = self.request.session.session_key
        response = super().form_valid(form)
        # Django gave the session a new key (update_session_auth_hash): note it for a deactivation.
        services.user_session_forget(session_key=old_key)
        services.user_session_remember(user=form.user, session_key=self.request.session.session_key)
        services.password_chosen(user=form.user)
        passwords.forget_initial_password(self.request)
        messages.success(self.request, _("Your password was changed."))
        return response

    def get_context_data(self, **kwargs):
        return super().get_context_data(**kwargs) | {
            "forced": bool(self.request.session.get(passwords.SESSION_KEY))}


@login_required
def api_tokens(request):
    """我的 API 令牌: the person's tokens (issued, expires) and 撤销 for each; revoked with a POST."""
    if request.method == "POST":
        if services.api_token_revoke(user=request.user, token_key=request.POST.get("token", "")[:25],
                                     by=request.user, request=request):
            messages.success(request, _("The API token was revoked; programs using it are refused from now on."))
        else:
            messages.error(request, _("That API token does not exist any more."))
        return redirect("api_tokens")
    return render(request, "registration/api_tokens.html", {
        "tokens": selectors.api_tokens(user=request.user), "days": settings.API_TOKEN_DAYS})


@allowed_only(can_manage_departments)
@require_POST
def person_api_tokens_revoke(request, user_id: int):
    """A plan admin revokes all of a person's API tokens (a lost laptop, a leaked script)."""
    person = get_object_or_404(get_user_model(), pk=user_id)
    count = services.api_tokens_revoke_all(user=person, by=request.user, request=request)
    messages.success(request, _("%(count)d API tokens of %(name)s were revoked.") % {
        "count": count, "name": display_name(person)})
    return redirect(reverse("departments:people") + f"#person-{person.pk}")


def _reset_by_email() -> bool:
    return settings.PASSWORD_RESET_BY_EMAIL


class LogIn(auth_views.LoginView):
    """Log-in; the page offers 忘记密码 by e-mail where mail goes out, else says to ask a plan admin."""

    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        return super().get_context_data(**kwargs) | {"password_reset_by_email": _reset_by_email()}


class PasswordReset(auth_views.PasswordResetView):
    """忘记密码: a link by e-mail where mail is configured (PASSWORD_RESET_BY_EMAIL), else the page says to ask
    a plan admin. The same answer for every address typed, known or not (no enumeration); a few mails an
    hour at most to one address or from one client (services.password_reset_allowed); every request audited."""

    template_name = "registration/password_reset_form.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(**kwargs) | {"by_email": _reset_by_email()}

    def post(self, request, *args, **kwargs):
        if not _reset_by_email():
            return self.get(request, *args, **kwargs)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        email = form.cleaned_data["email"]
        accounts = len(list(form.get_users(email)))
        sent = services.password_reset_allowed(email=email, request=self.request)
        if sent:
            super().form_valid(form)  # mails each matching account its link (none for an unknown address)
        services.password_reset_asked(email=email, request=self.request, accounts=accounts, sent=sent)
        return redirect(self.get_success_url())


class PasswordResetConfirm(auth_views.PasswordResetConfirmView):
    """The e-mailed link: a new password twice; a used or expired link says so (no 500)."""

    template_name = "registration/password_reset_confirm.html"

    def form_valid(self, form):
        response = super().form_valid(form)
        services.password_reset_done(user=form.user, request=self.request)
        return response


@allowed_only(can_manage_departments)
@require_POST
def person_password_reset(request, user_id: int):
    """A new initial password, shown once on this answer (never stored in clear, never cached)."""
    person = get_object_or_404(get_user_model(), pk=user_id, is_active=True)
    password = services.password_reset_by_admin(user=person, by=request.user)
    response = render(request, "departments/password_reset_done.html", {"person": person, "password": password})
    response["Cache-Control"] = "no-store"
    return response
