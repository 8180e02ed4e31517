"""Files through the API (issue 16 §1: each write the page has): a problem's evidence and a
visit's photos — uploaded, listed, downloaded, in scope, refused with the reason and nothing
kept of a refused file."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from duban.org.services import api_token_create
from duban.problems.models import Evidence
from tests.problem_factories import AssignedProblemFactory

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n"


def api(user) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {api_token_create(user=user)}")


def _files(root) -> list:
    return [p for p in root.rglob("*") if p.is_file()]


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def test_evidence_is_uploaded_listed_and_downloaded_in_scope(district, media):
    problem = AssignedProblemFactory(work_item=district.item_a, reported_by=district.reporter_a)
    reporter = api(district.reporter_a)
    path = f"/api/v1/problems/{problem.pk}/evidence"
    sent = reporter.post(path, {"file": SimpleUploadedFile("批复.pdf", PDF), "name": "用地批复"})
    assert sent.status_code == 201, sent.content
    body = sent.json()
    assert body["name"] == "用地批复" and body["content_type"] == "application/pdf"
    assert [e["id"] for e in reporter.get(path).json()] == [body["id"]]
    got = reporter.get(body["download"])
    assert got.status_code == 200 and b"".join(got.streaming_content) == PDF
    assert got["Content-Disposition"].startswith("attachment")
    assert got["X-Content-Type-Options"] == "nosniff"
    # another unit's reporter: the problem, its list and its file do not exist for them
    other = api(district.reporter_b)
    assert other.get(path).status_code == 404
    assert other.get(body["download"]).status_code == 404
    out = other.post(path, {"file": SimpleUploadedFile("a.pdf", PDF)})
    assert out.status_code == 404, out.content
    # a file whose content is not an allowed type: 422 with the reason, nothing kept
    before = _files(media)
    refused = reporter.post(path, {"file": SimpleUploadedFile("a.pdf", b"MZ\x90\x00" * 8)})
    assert refused.status_code == 422 and refused.json()["detail"]
    assert _files(media) == before and Evidence.objects.count() == 1
    # no file at all: 422 naming the field
    assert reporter.post(path, {}).status_code == 422


def test_a_visit_takes_photos_through_the_api(district, media):
    steward = api(district.steward)
    visit = steward.post(
        "/api/v1/visits",
        {"date": "2024-04-02", "work_item_id": district.item_c.pk, "findings": "围挡破损"},
        content_type="application/json",
    )
    assert visit.status_code == 201, visit.content
    assert visit.json()["photos"] == []
    path = f"/api/v1/visits/{visit.json()['id']}/photos"
    photo = steward.post(path, {"file": SimpleUploadedFile("现场.png", PNG)})
    assert photo.status_code == 201, photo.content
    listed = steward.get("/api/v1/visits").json()["items"][0]["photos"]
    assert listed == [photo.json()] and listed[0]["content_type"] == "image/png"
    shown = steward.get(listed[0]["file"])
    assert shown.status_code == 200 and shown["Content-Type"] == "image/png"
    assert b"".join(shown.streaming_content) == PNG
    # not an image: refused, nothing kept
    before = _files(media)
    refused = steward.post(path, {"file": SimpleUploadedFile("a.png", PDF)})
    assert refused.status_code == 422 and "JPG、PNG 或 WebP" in refused.json()["detail"]
    assert _files(media) == before
    # a reporter of another unit neither sees the visit nor its photo
    other = api(district.reporter_a)
    assert other.get(listed[0]["file"]).status_code == 404
    assert other.post(path, {"file": SimpleUploadedFile("b.png", PNG)}).status_code == 404
