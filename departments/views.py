"""Plan-admin pages for departments and people; thin, through services and selectors."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.people import display_name
from core.views import allowed_only

from . import selectors, services
from .forms import DepartmentDeactivateForm, PeopleUploadForm
from .importer.people import PeopleFileError, parse_people, read_people_file
from .models import Department
from .permissions import can_manage_departments

SESSION_KEY = "people_upload_rows"


@allowed_only(can_manage_departments)
def department_tree(request):
    return render(request, "departments/tree.html", {"tree": selectors.department_tree()})


@allowed_only(can_manage_departments)
def department_deactivate(request, department_id: int):
    """The hand-over page: what the department still holds, who takes it over, then deactivate."""
    department = get_object_or_404(Department, pk=department_id)
    form = DepartmentDeactivateForm(request.POST if request.method == "POST" else None, department=department)
    if request.method == "POST" and form.is_valid():
        try:
            moved = services.department_deactivate(department=department, successor=form.cleaned_data["successor"])
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
        {"department": department, "form": form, "holdings": services.department_holdings(department=department)},
        status=400 if form.errors else 200,
    )


@allowed_only(can_manage_departments)
def people(request):
    return render(request, "departments/people.html", {"people": selectors.people_list()})


@allowed_only(can_manage_departments)
def people_upload(request):
    """Upload → preview with per-row errors → confirm; nothing is saved before the confirmation."""
    form, preview = PeopleUploadForm(), None
    if request.method == "POST" and "confirm" in request.POST:
        rows = request.session.get(SESSION_KEY)
        if not rows:
            messages.error(request, _("The upload expired; please upload the file again."))
            return redirect("departments:people-upload")
        checked = parse_people(rows, department_names=selectors.active_department_names())
        if any(person.errors for person in checked):
            preview = checked
        else:
            result = services.people_import(people=checked)
            del request.session[SESSION_KEY]
            return render(request, "departments/people_done.html", {"result": result})
    elif request.method == "POST":
        form = PeopleUploadForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                rows = read_people_file(upload.read(), filename=upload.name)
                preview = parse_people(rows, department_names=selectors.active_department_names())
            except PeopleFileError as error:
                form.add_error("file", str(error))
            else:
                request.session[SESSION_KEY] = rows
    has_errors = bool(preview) and any(person.errors for person in preview)
    return render(request, "departments/people_upload.html", {"form": form, "preview": preview, "has_errors": has_errors})


@allowed_only(can_manage_departments)
@require_POST
def person_deactivate(request, user_id: int):
    user = get_object_or_404(get_user_model(), pk=user_id)
    if user.pk == request.user.pk:
        messages.error(request, _("You cannot deactivate your own account."))
    else:
        services.user_deactivate(user=user)
        messages.success(request, _("%(name)s was deactivated.") % {"name": display_name(user)})
    return redirect("departments:people")
