import datetime

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core import numbers
from notifications import services as notification_services
from notifications.models import OutboxMessage
from progress import services as progress_services
from progress.models import Light
from supervision import services as supervision_services

JOBS = ["reminders", "rollup", "snapshot", "outbox"]


def _item_count_label(key: str) -> str:
    """The roll-up counts items by light and those done: each count under its word, never "done=10"."""
    if key in Light.values:
        return str(Light(key).label)
    return _("done") if key == "done" else key


class Command(BaseCommand):
    help = "Run a scheduled job now, in this process: reminders, rollup, snapshot or outbox."

    def add_arguments(self, parser):
        parser.add_argument("job", choices=JOBS)
        parser.add_argument("--date", help="the day to run it for (YYYY-MM-DD); default today (snapshot: yesterday)")
        parser.add_argument("--dry-run", action="store_true", help="show what would happen and change nothing")

    def handle(self, *args, job, date=None, dry_run=False, **options):
        try:
            day = datetime.date.fromisoformat(date) if date else None
        except ValueError as error:
            raise CommandError(_("--date must be YYYY-MM-DD: %(error)s") % {"error": error}) from error
        getattr(self, f"_{job}")(day=day, dry_run=dry_run)

    def _reminders(self, *, day, dry_run):
        run = supervision_services.reminders_run(today=day, dry_run=dry_run)
        for line in run.lines:
            self.stdout.write(line)
        if dry_run:
            self.stdout.write(
                _("%(today)s: %(planned)d reminders due, %(already)d of them sent before (dry run: nothing sent).")
                % {"today": run.today, "planned": len(run.planned), "already": run.already_sent}
            )
        else:
            self.stdout.write(
                _("%(today)s: %(claimed)d new reminders, %(already)d sent before; %(sent)d deliveries sent, %(failed)d failed.")
                % {"today": run.today, "claimed": run.claimed, "already": run.already_sent, "sent": run.sent,
                   "failed": run.failed}
            )

    def _rollup(self, *, day, dry_run):
        with transaction.atomic():
            results = progress_services.rollup_refresh(today=day)
            for result in results:
                self.stdout.write(
                    _("plan %(plan)s: %(percent)s%% (expected %(expected)s%%), %(light)s; items %(items)s")
                    % {"plan": result.plan.key, "percent": numbers.quantity(result.plan.percent),
                       "expected": numbers.quantity(result.plan.expected),
                       "light": Light(result.plan.light).label,
                       "items": _(", ").join(f"{_item_count_label(k)} {v}" for k, v in result.plan.items.items())}
                )
            if dry_run:
                transaction.set_rollback(True)

    def _snapshot(self, *, day, dry_run):
        day = day or timezone.localdate() - datetime.timedelta(days=1)
        with transaction.atomic():
            written = progress_services.snapshot_take(day=day)
            self.stdout.write(_("%(day)s: %(count)d snapshot rows.") % {"day": day, "count": written})
            if dry_run:
                transaction.set_rollback(True)

    def _outbox(self, *, day, dry_run):
        pending = OutboxMessage.objects.filter(state=OutboxMessage.State.PENDING).count()
        if dry_run:
            self.stdout.write(_("%(count)d outbox messages pending (dry run: nothing published).") % {"count": pending})
            return
        outbox = notification_services.outbox_drain()
        deliveries = notification_services.deliveries_send()
        self.stdout.write(
            _("%(published)d published, %(pending)d still pending; %(sent)d deliveries sent, %(failed)d failed.")
            % {"published": outbox.published, "pending": outbox.pending, "sent": deliveries.sent,
               "failed": deliveries.failed + deliveries.gave_up}
        )
