"""How the assessment answers the plan's signals and what it adds to the item page, registered when the app is
ready."""

from django.urls import reverse
from django.utils.translation import gettext as _

from tasks import extensions
from tasks import signals as plan_signals

from . import permissions, selectors, services


def scheme_for_imported_plan(sender, *, plan, result, **kwargs):
    services.scheme_ensure(plan=plan)


def scheme_for_cloned_plan(sender, *, source, clone, **kwargs):
    services.scheme_copy(source=source, clone=clone)


def assessment_panel(request, item, overrides):
    """The item page's 考核: what the departments wrote of it in their 自评, to those who may read it; and the
    item's 台账 (one zip of its whole record) to those who may download it."""
    user = request.user
    entries = [e for e in selectors.item_entries(item=item)
               if permissions.can_see_all(user) or permissions.is_member(user, e.self_assessment.department)]
    actions = []
    if permissions.can_download_ledger(user, item=item):
        actions.append(extensions.Link(_("Ledger (台账)"), reverse("assessment:ledger-item", args=[item.pk]),
                                       kind="ledger"))
    return extensions.PanelContent(context={"assessment_entries": entries}, actions=actions)


def connect() -> None:
    extensions.register_item_panel(extensions.ItemPanel(
        name="assessment", template="assessment/_item_assessment.html", order=20, load=assessment_panel))
    plan_signals.plan_imported.connect(scheme_for_imported_plan, dispatch_uid="assessment.scheme_on_import")
    plan_signals.plan_cloned.connect(scheme_for_cloned_plan, dispatch_uid="assessment.scheme_on_clone")
