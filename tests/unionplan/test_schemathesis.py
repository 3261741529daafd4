"""Schemathesis against the API's own OpenAPI schema, as staff and as leadership.

Every operation gets generated requests, valid and invalid; every response
must not be a server error and must match what the schema says (status code,
content type, body, headers), and an invalid request must be refused. The app is called in-process through WSGI on
the test database, with the 2020 plan and real tokens.
UNIONPLAN_SCHEMATHESIS_EXAMPLES sets the examples per operation (default 25).
"""

from __future__ import annotations

import os
from collections import Counter

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from knox.models import AuthToken
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from supervision import services as supervision_services
from tasks.models import WorkItem
from tests.factories import submit_report
from unionplan.wsgi import application

# Hundreds of generated requests per operation: run once in CI, on PostgreSQL.
pytestmark = pytest.mark.fuzz

# negative_data_rejection: a request the schema calls invalid (a wrongly typed page_size, is_active, year,
# placeholder, to_review, an instruction text that is not a string) must be refused, not answered.
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance,
          response_headers_conformance, negative_data_rejection]
EXAMPLES = int(os.environ.get("UNIONPLAN_SCHEMATHESIS_EXAMPLES", "25"))


@pytest.fixture
def api_schema(db):
    # The WSGI handler would close the test's connection after each request (the test client avoids it the same way).
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/api/v1/schema/", application)
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def _real_ids() -> dict[str, int]:
    from departments.models import Department
    from progress.models import ProgressReport
    from supervision.models import Instruction
    from tasks.models import Target, WorkPlan

    item = WorkItem.objects.get(section__plan__year=2020, number=9)
    return {"plans": WorkPlan.objects.get(year=2020).pk, "sections": item.section_id, "items": item.pk,
            "targets": Target.objects.filter(item=item).first().pk, "reports": ProgressReport.objects.first().pk,
            "instructions": Instruction.objects.first().pk, "departments": Department.objects.get(name="办公室").pk}


def _token_header(roles, username: str) -> dict:
    item = WorkItem.objects.get(section__plan__year=2020, number=1)
    if not item.reports.exists():
        # something to read, review and answer
        from departments.models import Department

        submit_report(
            item=item, department=Department.objects.get(name="办公室"), reporter=roles.staff, status="in_progress",
            percent=30, narrative="进行中。",
        )
        supervision_services.instruction_create(item=item, author=roles.leader, text="请加快。")
    return {"Authorization": f"Token {AuthToken.objects.create(user=getattr(roles, username))[1]}"}


@pytest.fixture
def staff_header(roles, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return _token_header(roles, "staff")


@pytest.fixture
def leader_header(roles, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return _token_header(roles, "leader")


FUZZ = settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
                suppress_health_check=list(HealthCheck))


def fuzz(api_schema, headers) -> Counter:
    """Every operation, with valid and invalid requests; a failed check raises with the shrunk request."""
    statuses: Counter = Counter()
    real_ids = _real_ids()
    for result in api_schema.get_all_operations():
        operation = result.ok()
        strategies = [operation.as_strategy(GenerationMode.POSITIVE), operation.as_strategy(GenerationMode.NEGATIVE)]
        resource = operation.path.split("/")[3]  # /api/v1/<resource>/{id}/...
        if "{id}" in operation.path and resource in real_ids:
            # Random ids are nearly all 404s: also ask about records that exist, to reach the permission checks.
            strategies.append(operation.as_strategy(GenerationMode.POSITIVE, path_parameters={"id": real_ids[resource]}))
        cases = st.one_of(*strategies)

        @FUZZ
        @given(case=cases)
        def run(case):
            response = case.call(headers=headers)
            statuses[response.status_code] += 1
            case.validate_response(response, checks=CHECKS, headers=headers)

        run()
    return statuses


# pytest 9 and schemathesis' own pytest plugin disagree (request.node._nodeid): the operations are walked here.
def test_as_staff_no_server_errors_and_every_response_matches_the_schema(api_schema, staff_header):
    statuses = fuzz(api_schema, staff_header)
    print("staff:", dict(sorted(statuses.items())))
    assert not any(code >= 500 for code in statuses)
    assert statuses[200] and statuses[400] and statuses[403] and statuses[404]


def test_as_leadership_no_server_errors_and_every_response_matches_the_schema(api_schema, leader_header):
    statuses = fuzz(api_schema, leader_header)
    print("leadership:", dict(sorted(statuses.items())))
    assert not any(code >= 500 for code in statuses)
    assert statuses[200] and statuses[400] and statuses[403]
