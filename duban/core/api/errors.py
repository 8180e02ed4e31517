"""The one mapping of refusals to HTTP answers, for every router.

A service refuses with an ApplicationError whose `code` says why: a stale version, or a record
someone else changed or deleted since it was read (`conflict`)
answers 409, a role that may not act (`forbidden`) 403, a missing or out-of-scope object
(`missing`) 404 with one fixed body, an object in scope with nothing to give (`unavailable`,
e.g. the marked workbook of an import without errors) 404 with the reason, anything else
(invalid input, a transition the state does not allow) 422. The body is always
`{"detail": "<the reason, in the user's language>"}`. Routers raise through it and declare
`ERRORS` (or `errors_or(...)` where one status has a richer body) in their response maps.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings
from django.core.exceptions import (
    BadRequest,
    PermissionDenied,
    RequestDataTooBig,
    SuspiciousOperation,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.db import OperationalError
from django.http import Http404, HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import HttpError

from duban.core.api.schemas import ErrorOut
from duban.core.db_busy import RETRY_AFTER, busy_message, is_busy, mark_busy
from duban.core.errors import ApplicationError
from duban.core.services import refuse_unless

T = TypeVar("T")

logger = logging.getLogger(__name__)

STATUS_BY_CODE = {"conflict": 409, "forbidden": 403, "missing": 404, "unavailable": 404}

# The error answers every endpoint may give, for the spec.
ERRORS: dict[int, Any] = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}

NOT_FOUND = "Not Found"


def errors_or(body: Any, status: int = 422) -> dict[int, Any]:
    """ERRORS, with `status` answering `body` as well as the plain ErrorOut (a 422 that
    lists every refused row, for one)."""
    return {**ERRORS, status: body | ErrorOut}


def office_only(allowed: bool, why: Any = None) -> None:
    """Refuse an action only the office may take: 403 with the reason, through the mapping.
    `allowed` is the app's own permission check; `why` a more precise reason than the default."""
    refuse_unless(allowed, why or _("只有推进办可以进行此操作。"))


def _detail(error: ApplicationError) -> str:
    # One fixed body for a missing object: it must not tell one out of scope apart.
    return NOT_FOUND if error.code == "missing" else str(error)


def http_status(error: ApplicationError) -> int:
    """The HTTP status of a refusal: 409 conflict, 403 forbidden, 404 missing, else 422."""
    return STATUS_BY_CODE.get(error.code, 422)


def run_service(call: Callable[[], T]) -> T:
    """Run a service, turning its refusal into the HTTP answer for it (nothing was written)."""
    try:
        return call()
    except ApplicationError as e:
        if e.code == "missing":
            raise Http404 from e
        raise HttpError(http_status(e), _detail(e)) from e


def unreadable_detail(exc: Exception) -> str:
    """Why a request could not be read at all (nothing was done)."""
    if isinstance(exc, TooManyFieldsSent | TooManyFilesSent):
        return _("参数过多：一个请求最多%(n)s个查询参数或表单字段、%(f)s个文件。") % {
            "n": settings.DATA_UPLOAD_MAX_NUMBER_FIELDS,
            "f": settings.DATA_UPLOAD_MAX_NUMBER_FILES,
        }
    if isinstance(exc, RequestDataTooBig):
        return _("请求体过大：JSON 或表单数据最多%(n)s字节（文件另计）。") % {
            "n": settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        }
    return _("请求无法解析（表单或请求体的格式不对），未作处理。")


def install_error_handlers(api: NinjaAPI) -> None:
    """Register the JSON answers for refusals that reach the API object."""

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        # One fixed body: the message must not tell a missing object from one out of scope.
        return api.create_response(request, {"detail": NOT_FOUND}, status=404)

    @api.exception_handler(ApplicationError)
    def refused(request: HttpRequest, exc: ApplicationError) -> HttpResponse:
        return api.create_response(request, {"detail": _detail(exc)}, status=http_status(exc))

    @api.exception_handler(OperationalError)
    def busy(request: HttpRequest, exc: OperationalError) -> HttpResponse:
        # A database too busy to write: 503 with Retry-After (run again first, db_busy).
        if not is_busy(exc):
            raise exc
        mark_busy(request)
        response = api.create_response(request, {"detail": busy_message()}, status=503)
        response["Retry-After"] = str(RETRY_AFTER)
        return response

    @api.exception_handler(SuspiciousOperation)
    @api.exception_handler(BadRequest)
    @api.exception_handler(MultiPartParserError)
    def unreadable(request: HttpRequest, exc: Exception) -> HttpResponse:
        # Django answers these with its HTML 400 page; the API answers JSON, as the spec says.
        if isinstance(exc, RequestDataTooBig | TooManyFieldsSent | TooManyFilesSent):
            request._mark_post_parse_error()  # type: ignore[attr-defined]
        logger.warning(
            "api.request_refused", extra={"path": request.path, "reason": type(exc).__name__}
        )
        return api.create_response(request, {"detail": unreadable_detail(exc)}, status=400)

    @api.exception_handler(PermissionDenied)
    def forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
        detail = str(exc) or _("您没有权限进行此操作。")
        return api.create_response(request, {"detail": detail}, status=403)


_COMMON_ERRORS = {
    "400": "Bad Request: the body is not a JSON object (or not the form data) the operation "
    "takes, passes DATA_UPLOAD_MAX_MEMORY_SIZE, or the query or form has more than "
    "DATA_UPLOAD_MAX_NUMBER_FIELDS fields",
    "422": "Unprocessable: a parameter out of its bounds, or an action a rule refused",
    "503": "Service Unavailable: the database was too busy to take the request (nothing was "
    "written); try again after the seconds in the Retry-After header",
}

# Answered by the server (`duban serve`, waitress) before the request reaches duban, as plain
# text: the bounds of `serve` (max_request_header_size, max_request_body_size).
_SERVER_REFUSALS = {
    "413": "Content Too Large: the body passes the server's limit (refused before it is read)",
    "431": "Request Header Fields Too Large: the request line (URL and query) and headers pass "
    "64 KB (refused before the application)",
}


def document_common_errors(schema: Any) -> None:
    """Add the answers any operation can give (400 for an unreadable body, 422 for a bad
    parameter or a refusal, 503 with Retry-After when the database is too busy, 401 where a
    token is needed) to every operation of the spec."""
    body = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}
    text = {"text/plain": {"schema": {"type": "string"}}}
    schemas = schema.setdefault("components", {}).setdefault("schemas", {})
    schemas.setdefault("ErrorOut", ErrorOut.model_json_schema())
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            for code, description in _COMMON_ERRORS.items():
                responses.setdefault(code, {"description": description, "content": body})
            for code, description in _SERVER_REFUSALS.items():
                responses.setdefault(code, {"description": description, "content": text})
            if operation.get("security"):
                responses.setdefault(
                    "401", {"description": "Unauthorized: no valid token", "content": body}
                )
