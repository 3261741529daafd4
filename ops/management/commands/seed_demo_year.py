import logging
import time

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from ops.demo import DemoExists, seed_year


class Command(BaseCommand):
    help = "Write a year of generated history into the current plan (after seed_demo); the same data every time."

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=2020, help="the random seed (default 2020)")

    def handle(self, *args, seed=2020, **options):
        # The tasks run in this process: a line per task would drown what the command says.
        logging.getLogger("celery.app.trace").setLevel(logging.WARNING)
        start = time.monotonic()
        try:
            year = seed_year(seed=seed)
        except DemoExists as exists:
            self.stdout.write(str(exists))
            return
        self.stdout.write(self.style.SUCCESS(
            _("Demo year of %(plan)s: %(reports)d reports (%(returned)d returned and resubmitted), %(milestones)d "
              "milestone reports, %(instructions)d instructions, %(snapshots)d snapshot rows, in %(seconds).0f s.")
            % {"plan": year.plan.title, "reports": year.reports, "returned": year.returned,
               "milestones": year.milestone_reports, "instructions": year.instructions, "snapshots": year.snapshots,
               "seconds": time.monotonic() - start}
        ))
        self.stdout.write(
            _("Supervision: %(chases)d chases, %(extensions)d extension requests, %(checks)d completion checks (销号 or "
              "returned), %(assignments)d assignments, %(summaries)d summaries.")
            % {"chases": year.chases, "extensions": year.extensions, "checks": year.checks,
               "assignments": year.assignments, "summaries": year.summaries})
        self.stdout.write(
            _("Year-end assessment: %(sent)d self-assessments sent, %(signed)d score signed off.")
            % {"sent": year.self_assessments_sent, "signed": year.scores_signed})
