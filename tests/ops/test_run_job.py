"""`run_job` runs any job on demand; --dry-run tells what would be sent and changes nothing."""

from io import StringIO

import pytest
from django.core import mail
from django.core.management import CommandError, call_command

from notifications.models import Delivery, Notification, ReminderLog
from progress.models import ItemRollup, PlanRollup, RollupSnapshot


def run(*args) -> str:
    out = StringIO()
    call_command("run_job", *args, stdout=out)
    return out.getvalue()


def test_dry_run_of_reminders_lists_them_and_sends_nothing(world, robots):
    output = run("reminders", "--date", "2020-12-01", "--dry-run")
    assert "2020-12-31/30d" in output and f"department:{world.office.pk}:staff" in output
    assert not ReminderLog.objects.exists() and not mail.outbox and not robots.received


def test_reminders_then_a_dry_run_says_they_were_sent(world, robots):
    run("reminders", "--date", "2020-12-01")
    sent = ReminderLog.objects.count()
    assert sent and Delivery.objects.filter(state="sent").count() == Delivery.objects.count()
    output = run("reminders", "--date", "2020-12-01", "--dry-run")
    assert f"{sent} of them sent before" in output or str(sent) in output
    assert ReminderLog.objects.count() == sent and Notification.objects.exists()


def test_rollup_and_snapshot_dry_runs_write_nothing(world):
    assert "45.6%" in run("rollup", "--date", "2020-06-30", "--dry-run")
    run("snapshot", "--date", "2020-06-30", "--dry-run")
    assert not ItemRollup.objects.exists() and not RollupSnapshot.objects.exists()
    run("rollup", "--date", "2020-06-30")
    run("snapshot", "--date", "2020-06-30")
    assert PlanRollup.objects.get(plan=world.plan).light in {"green", "yellow", "red"}
    assert RollupSnapshot.objects.filter(plan=world.plan, date="2020-06-30").count() == 1 + world.plan.sections.count()


def test_outbox_dry_run_and_a_bad_date(world):
    assert "0" in run("outbox", "--dry-run")
    with pytest.raises(CommandError):
        run("reminders", "--date", "31/12/2020")
