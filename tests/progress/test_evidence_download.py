"""Evidence downloads: never kept by a browser or a shared cache; sent by nginx behind the proxy."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from departments.models import Department
from tests.api_client import API, client_for
from tests.factories import submit_report

pytestmark = pytest.mark.django_db


@pytest.fixture
def evidence(roles, item1, settings, tmp_path):
    from progress.evidence import EvidenceUpload

    settings.MEDIA_ROOT = tmp_path
    content = b"%PDF-1.4\nminutes"
    report = submit_report(item=item1, department=Department.objects.get(name="办公室"), reporter=roles.staff,
                           evidence=[EvidenceUpload("会议纪要.pdf", "application/pdf", len(content),
                                                    SimpleUploadedFile("x.pdf", content))])
    return report.evidence.get()


def test_a_download_is_private_and_not_stored(client, roles, evidence):
    client.force_login(roles.leader)
    page = client.get(evidence.get_absolute_url())
    api = client_for(roles.leader).get(f"{API}/evidence/{evidence.pk}/")
    for response in (page, api):
        assert response.status_code == 200
        assert response["Cache-Control"] == "private, no-store"


def test_behind_nginx_the_portal_checks_and_nginx_sends_the_file(client, roles, evidence, settings):
    # given the deployment's nginx, with its internal location for MEDIA_ROOT
    settings.UNIONPLAN_EVIDENCE_ACCEL_REDIRECT = "/_evidence/"
    client.force_login(roles.leader)
    # when an allowed user downloads the file
    response = client.get(evidence.get_absolute_url())
    # then the portal answers with where nginx finds it, under its own name, and no body of its own
    assert response.status_code == 200
    assert response["X-Accel-Redirect"] == f"/_evidence/{evidence.file.name}"
    assert "attachment" in response["Content-Disposition"] and "%E4%BC%9A" in response["Content-Disposition"]
    assert response["Cache-Control"] == "private, no-store"
    assert response.content == b""
    # and a logged-out visitor gets no such header
    client.logout()
    assert "X-Accel-Redirect" not in client.get(evidence.get_absolute_url())


def test_behind_nginx_a_missing_file_is_a_404(client, roles, evidence, settings):
    settings.UNIONPLAN_EVIDENCE_ACCEL_REDIRECT = "/_evidence/"
    evidence.file.storage.delete(evidence.file.name)
    client.force_login(roles.leader)
    assert client.get(evidence.get_absolute_url()).status_code == 404
