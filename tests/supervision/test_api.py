"""The instructions' API: a leader instructs, the department answers once."""

from __future__ import annotations

import pytest

from supervision.models import Instruction
from tests.api_client import API, client_for

pytestmark = pytest.mark.django_db


def test_a_leader_instructs_and_the_department_answers_once(roles, item1):
    response = client_for(roles.leader).post(f"{API}/instructions/", {"item": item1.pk, "text": "请加快进度。"},
                                             format="json")
    assert response.status_code == 201
    instruction_id = response.json()["id"]
    assert client_for(roles.staff).post(f"{API}/instructions/", {"item": item1.pk, "text": "x"},
                                        format="json").status_code == 403

    reply = client_for(roles.staff).post(f"{API}/instructions/{instruction_id}/reply/", {"reply": "已落实。"},
                                         format="json")
    assert reply.status_code == 200 and reply.json()["is_open"] is False
    assert Instruction.objects.get(pk=instruction_id).reply == "已落实。"
    second = client_for(roles.head).post(f"{API}/instructions/{instruction_id}/reply/", {"reply": "再答"},
                                         format="json")
    assert second.status_code == 403  # answered: nothing left to handle
