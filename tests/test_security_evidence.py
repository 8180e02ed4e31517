"""Evidence uploads: allowed types judged by content, a size limit, stored outside the static
root under a random name, and served only through a scoped view as an attachment."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.conf import settings
from django.core.files.base import ContentFile

from duban.core.uploads import UploadRefusedError
from duban.org.models import AuditEvent
from duban.problems import services as svc
from tests.problem_factories import AssignedProblemFactory

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n"


def _docx() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    return buf.getvalue()


@pytest.fixture
def problem(district):
    return AssignedProblemFactory(work_item=district.item_a, reported_by=district.reporter_a)


@pytest.mark.parametrize(
    ("content", "name", "content_type"),
    [
        (PNG, "现场.png", "image/png"),
        (PDF, "批复.pdf", "application/pdf"),
        (
            _docx(),
            "情况说明.docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        # the name lies: the content decides
        (PNG, "现场.pdf", "image/png"),
    ],
)
def test_allowed_types_are_judged_by_content(district, problem, content, name, content_type):
    evidence = svc.evidence_add(
        problem=problem, by=district.reporter_a, file=ContentFile(content, name=name)
    )
    assert evidence.content_type == content_type
    assert evidence.name == name
    stored = evidence.file.path
    assert stored.startswith(str(settings.MEDIA_ROOT))
    assert not stored.startswith(str(settings.STATIC_ROOT))
    assert name not in stored  # a random name on disk, the original kept for the download


@pytest.mark.parametrize(
    "content",
    [b"<html><script>alert(1)</script></html>", b"MZ\x90\x00executable", b"#!/bin/sh\nrm -rf /\n"],
)
def test_other_types_are_refused_and_nothing_is_stored(district, problem, content):
    with pytest.raises(UploadRefusedError, match="只能上传"):
        svc.evidence_add(
            problem=problem, by=district.reporter_a, file=ContentFile(content, name="x.jpg")
        )
    assert not problem.evidence.exists()


def test_size_limit(district, problem, settings):
    settings.DUBAN_EVIDENCE_MAX_BYTES = 1000
    with pytest.raises(UploadRefusedError, match="文件太大"):
        svc.evidence_add(
            problem=problem,
            by=district.reporter_a,
            file=ContentFile(PNG + b"\x00" * 2000, name="a.png"),
        )


def test_download_is_scoped_an_attachment_of_the_right_type_and_logged(district, problem, login):
    evidence = svc.evidence_add(
        problem=problem, by=district.reporter_a, file=ContentFile(PDF, name="批复.pdf")
    )
    response = login(district.reporter_a).get(f"/problems/evidence/{evidence.pk}/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == PDF
    assert AuditEvent.objects.filter(kind="download", user=district.reporter_a).exists()
    # another unit's reporter: the same 404 as a missing file
    assert login(district.reporter_b).get(f"/problems/evidence/{evidence.pk}/").status_code == 404
    assert login(district.reporter_b).get("/problems/evidence/999999/").status_code == 404
    # the media URL serves nothing
    assert login(district.office).get(f"/media/{evidence.file.name}").status_code == 404


def test_page_upload_refuses_a_wrong_type_with_the_reason(district, problem, login):
    upload = ContentFile(b"<html></html>", name="x.png")
    response = login(district.reporter_a).post(
        f"/problems/{problem.pk}/evidence/", {"file": upload}
    )
    assert response.status_code == 400
    assert "只能上传" in response.content.decode()
