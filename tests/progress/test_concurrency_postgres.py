"""Two reports at the same instant on real PostgreSQL: one wins, one is told, none is lost."""

import os
import threading

import pytest
from django.db import connection, connections

from departments.models import Department
from progress import services as progress_services
from progress.models import ProgressReport
from tasks.models import WorkItem
from tests.conftest import import_document, require_service
from tests.factories import submit_report

pytestmark = pytest.mark.django_db(transaction=True)


def test_simultaneous_submissions_on_the_same_version(django_user_model):
    require_service("postgres", os.environ.get("DATABASE_URL", "").startswith("postgres"), "needs row locks")
    import_document()
    item = WorkItem.objects.get(number=1)
    office = Department.objects.get(name="办公室")
    users = [django_user_model.objects.create_user(f"u{n}") for n in range(2)]
    barrier = threading.Barrier(2)
    outcomes = []

    def submit(user):
        try:
            barrier.wait(timeout=5)
            submit_report(
                item=item, department=office, reporter=user, status="in_progress", percent=10,
                narrative=user.username, base_version=item.version,
            )
            outcomes.append("saved")
        except progress_services.ProgressConflict:
            outcomes.append("conflict")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=submit, args=(user,)) for user in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)

    assert sorted(outcomes) == ["conflict", "saved"]
    assert ProgressReport.objects.count() == 1
    item.refresh_from_db()
    assert item.version == 1
    assert connection.vendor == "postgresql"
