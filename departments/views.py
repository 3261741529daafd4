"""Plan-admin pages for departments and people; thin, through services and selectors."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import selectors, services
from .forms import PeopleUploadForm
from .importer.people import PeopleFileError, parse_people, read_people_file
from .permissions import plan_admin_required

SESSION_KEY = "people_upload_rows"


@plan_admin_required
def department_tree(request):
    return render(request, "departments/tree.html", {"tree": selectors.department_tree()})


@plan_admin_required
def people(request):
    return render(request, "departments/people.html", {"people": selectors.people_list()})


@plan_admin_required
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


@plan_admin_required
@require_POST
def person_deactivate(request, user_id: int):
    user = get_object_or_404(get_user_model(), pk=user_id)
    if user.pk == request.user.pk:
        messages.error(request, _("You cannot deactivate your own account."))
    else:
        services.user_deactivate(user=user)
        messages.success(request, _("%(name)s was deactivated.") % {"name": user.get_full_name() or user.username})
    return redirect("departments:people")
