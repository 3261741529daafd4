"""Schemathesis, stateful: sequences of calls that follow the schema's OpenAPI links
(unionplan/openapi.py) — an item is read, reported on with its id and version, the report read
and reviewed; an instruction made on it is answered, returned, closed — as staff, with the
department's head reviewing. No step may be a server error or leave the schema; the run prints
how many scenarios and steps it took. UNIONPLAN_SCHEMATHESIS_EXAMPLES sets the scenarios (default 25).
"""

from __future__ import annotations

from collections import Counter

import pytest
from django.db import transaction
from hypothesis import HealthCheck, settings
from knox.models import AuthToken
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.unionplan.test_schemathesis import EXAMPLES, _token_header, api_schema  # noqa: F401  (fixture)

# Hundreds of generated calls: run once in CI, on PostgreSQL (with the other schemathesis tests).
pytestmark = pytest.mark.fuzz

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance,
          response_headers_conformance]
# Reviewing and answering are the head's and the leadership's; reporting and reading the staff's.
# The chain under test: an item's reports and instructions (the plan-admin operations are the stateless test's).
OPERATIONS = ["items_list", "items_retrieve", "reports_list", "reports_create", "reports_retrieve",
              "reports_review_create", "instructions_list", "instructions_create", "instructions_retrieve",
              "instructions_reply_create", "instructions_return_create", "instructions_close_create"]
REPORT_FIELDS = {"item", "version", "status", "percent", "narrative", "narrative_visibility", "evidence_visibility"}
HEAD_OPERATIONS = {"POST /api/v1/reports/{id}/review/"}
LEADER_OPERATIONS = {"POST /api/v1/instructions/", "POST /api/v1/instructions/{id}/close/",
                     "POST /api/v1/instructions/{id}/return/"}


def test_linked_calls_report_read_review_and_answer_without_server_errors(api_schema, roles,  # noqa: F811
                                                                           settings_media):
    staff = _token_header(roles, "staff")
    head = {"Authorization": f"Token {AuthToken.objects.create(user=roles.head)[1]}"}
    leader = {"Authorization": f"Token {AuthToken.objects.create(user=roles.leader)[1]}"}
    statuses: Counter = Counter()
    steps: Counter = Counter()
    scenarios = [0]

    # Valid requests only, without made-up fields: the stateless test sends the invalid ones; here
    # each step should get as far as the rules allow, so the next one has something to work on.
    generation = api_schema.config.generation
    before = (list(generation.modes), generation.allow_extra_parameters)
    generation.update(modes=[GenerationMode.POSITIVE], allow_extra_parameters=False)

    class Machine(api_schema.include(operation_id=OPERATIONS).as_state_machine()):
        def setup(self):
            # Each scenario starts from the same database (Hypothesis replays scenarios and needs
            # the same answers to draw the same steps): its writes are rolled back at its end.
            scenarios[0] += 1
            self.scenario = transaction.atomic()
            self.scenario.__enter__()

        def teardown(self):
            transaction.set_rollback(True)
            self.scenario.__exit__(None, None, None)

        def before_call(self, case):
            # A list's random filters mostly find nothing (or a 400): the first page as a client reads
            # it, so the links from its first row lead somewhere. Bodies and ids stay generated.
            if case.method.upper() == "GET" and "{id}" not in case.path:
                case.query = {}
            # A new report's checkpoint, readings, evidence and stray keys point at rows no step read (a
            # 400 nine times in ten, and on SQLite's reused ids often no report in four runs): it keeps the
            # linked item and version with generated status, percent, narrative and visibility, so the
            # review has a report to work on. The stateless test sends the rest.
            if case.method.upper() == "POST" and case.path == "/api/v1/reports/" and isinstance(case.body, dict):
                case.body = {key: value for key, value in case.body.items() if key in REPORT_FIELDS}

        def get_call_kwargs(self, case):
            label = f"{case.method.upper()} {case.path}"
            if label in HEAD_OPERATIONS:
                return {"headers": head}
            if label in LEADER_OPERATIONS:
                return {"headers": leader}
            return {"headers": staff}

        def after_call(self, response, case):
            super().after_call(response, case)
            statuses[response.status_code] += 1
            steps[f"{case.method.upper()} {case.path} {response.status_code}"] += 1

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            case.validate_response(response, checks=CHECKS, headers=kwargs.get("headers"))

    def chained() -> bool:
        created = sum(count for line, count in steps.items() if line.startswith("POST /api/v1/reports/ 201"))
        reviewed = sum(count for line, count in steps.items() if line.startswith("POST /api/v1/reports/{id}/review/ 200"))
        return bool(created and reviewed)

    try:
        # The first run is the same every time; what it reaches depends on the ids earlier tests left
        # (PostgreSQL's sequences), so up to three more runs, random, until a report went the whole way.
        for run in range(4):
            Machine.run(settings=settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=run == 0,
                                          stateful_step_count=10, suppress_health_check=list(HealthCheck)))
            if chained():
                break
    finally:
        generation.update(modes=before[0], allow_extra_parameters=before[1])

    print(f"stateful: {run + 1} runs, {scenarios[0]} scenarios, {sum(steps.values())} steps; statuses {dict(sorted(statuses.items()))}")
    for line, count in sorted(steps.items()):
        print(f"  {count:4d} × {line}")
    assert not any(code >= 500 for code in statuses)
    assert sum(steps.values()) > scenarios[0]  # the links were followed: more than one call a scenario
    assert chained(), "a report was created through a link and reviewed by its head"


@pytest.fixture
def settings_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
