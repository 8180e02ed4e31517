"""The answer that sends an evidence file: the page and the API send it the same way."""

from __future__ import annotations

from django.http import FileResponse

from duban.problems.models import Evidence


def evidence_response(evidence: Evidence) -> FileResponse:
    """Always a download with the type judged at upload, never sniffed: a browser never
    renders an uploaded file in the page."""
    response = FileResponse(
        evidence.file.open("rb"),
        as_attachment=True,
        filename=evidence.name or evidence.file.name.rsplit("/", 1)[-1],
        content_type=evidence.content_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
