"""Form plumbing every app shares: the version a page was read at, required on every change."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext_lazy

from duban.core.errors import ApplicationError

# A post without the version it was read at could overwrite a newer save: refuse it.
VERSION_ERRORS = {
    "required": gettext_lazy("页面缺少版本号，无法确认记录未被他人修改。请刷新页面后重试。"),
    "invalid": gettext_lazy("页面的版本号无效，请刷新页面后重试。"),
}


def posted_version(request: HttpRequest) -> int:
    """The `version` field of a POST; ApplicationError (nothing written) when it is missing."""
    text = (request.POST.get("version") or "").strip()
    if not text:
        raise ApplicationError(VERSION_ERRORS["required"], field="version")
    if not text.isdigit() or len(text) > 18:
        raise ApplicationError(VERSION_ERRORS["invalid"], field="version")
    return int(text)
