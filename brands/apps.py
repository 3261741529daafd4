from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BrandsConfig(AppConfig):
    name = "brands"
    verbose_name = _("Flagship brands")

    def ready(self):
        from tasks import signals

        from . import receivers

        signals.plan_imported.connect(receivers.sync_brands_after_import, dispatch_uid="brands.sync_after_import")
        signals.report_approved.connect(
            receivers.apply_approved_milestone_report, dispatch_uid="brands.apply_milestone_report"
        )
        signals.plan_cloned.connect(receivers.copy_brands_to_cloned_plan, dispatch_uid="brands.copy_to_cloned_plan")
        signals.rollup_reported_percent.connect(
            receivers.brand_progress_for_rollup, dispatch_uid="brands.progress_for_rollup"
        )
