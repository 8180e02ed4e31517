"""The answer that sends a visit's photo: the page and the API send it the same way."""

from __future__ import annotations

from django.http import FileResponse

from duban.liaison.models import VisitPhoto


def photo_response(photo: VisitPhoto) -> FileResponse:
    """The type judged at upload (always an image), never sniffed."""
    response = FileResponse(photo.file.open("rb"), content_type=photo.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    return response
