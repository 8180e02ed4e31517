"""The API object: `/api/v1/`, bearer tokens, JSON errors; each app contributes a router.

Spec at `/api/v1/openapi.json`, docs at `/api/v1/docs` served from the app's own static
files (no CDN: government intranets are often cut off from the internet).
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI, Router
from ninja.openapi.docs import Swagger

from duban.api.office import router as office_router
from duban.assessment.api import router as assessment_router
from duban.bulletins.api import router as bulletins_router
from duban.core.api.errors import document_common_errors, install_error_handlers
from duban.core.api.parser import ObjectBodyParser
from duban.liaison.api import router as liaison_router
from duban.liaison.api_write import router as visits_router
from duban.notify.api import router as notify_router
from duban.org.api import router as org_router
from duban.org.auth import TokenAuth
from duban.problems.api import router as problems_router
from duban.reporting.api import router as reporting_router
from duban.reporting.api_write import router as reporting_write_router
from duban.reporting.ledger_api import router as ledger_router
from duban.supervision.api import router as supervision_router
from duban.transfer.api import router as import_router

DESCRIPTION = """
The ledger, the monthly reports (read and written: fill, submit, sign off, accept, return, a
unit's whole month as one batch), problems, visits and the office's lists of one district,
scoped to the token's user exactly as the pages are: an object outside the user's scope
answers 404, like a missing one.

- Authenticate with `Authorization: Bearer <token>`; `duban token USERNAME` prints a token.
- Errors are JSON `{"detail": …}`: 401 without a valid token, 403 when the role may not act,
  404 for a missing or out-of-scope object (one fixed body; a download with nothing to give
  says why), 409 when the record changed since the `version` sent (every change sends the
  `version` it read), 422 for a bad parameter or a refused action (then `detail` says why,
  or lists each bad parameter).
- Amounts are 万元 as exact decimal **strings** with four places (`"1234.5000"`), never floats;
  percentages are strings rounded half-up to four places from unrounded amounts.
- Dates are `YYYY-MM-DD`. A date written must lie between 2000-01-01 and 31 December ten
  years from today, and a date of something that already happened (a start, a node reached,
  a visit) not after today; outside, 422 names the field and the range.
- Lists answer `{"count", "page", "page_size", "items"}`.
- Writes may send an `Idempotency-Key` header (1–255 characters, unique per user): a retry
  with the same key answers what the first request answered (header `Idempotent-Replayed`)
  and writes nothing again; the same key with another body answers 422.
"""


class DubanAPI(NinjaAPI):
    """The API object; its spec states the error answers every operation can give."""

    def get_openapi_schema(self, **kwargs: Any) -> Any:
        schema = super().get_openapi_schema(**kwargs)
        document_common_errors(schema)
        return schema


api = DubanAPI(
    title="duban API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api",
    auth=TokenAuth(),
    parser=ObjectBodyParser(),
    # Swagger UI from ninja's bundled static files; no remote validator badge.
    docs=Swagger(settings={"validatorUrl": None}),
)


install_error_handlers(api)

api.add_router("", org_router)
api.add_router("", ledger_router)
api.add_router("", reporting_router)
api.add_router("", reporting_write_router)
api.add_router("", problems_router)
api.add_router("", liaison_router)
api.add_router("", visits_router)
api.add_router("", office_router)
api.add_router("", import_router)
api.add_router("", bulletins_router)
api.add_router("", supervision_router)
api.add_router("", assessment_router)
api.add_router("", notify_router)

# Last: any other path under /api/v1/ answers a JSON 404 too, not Django's HTML page.
fallback = Router()


@fallback.api_operation(
    ["GET", "POST", "PUT", "PATCH", "DELETE"],
    "/{path:rest}",
    auth=None,
    include_in_schema=False,
)
def unknown_path(request: HttpRequest, rest: str) -> HttpResponse:
    raise Http404


@fallback.api_operation(
    ["GET", "POST", "PUT", "PATCH", "DELETE"], "/", auth=None, include_in_schema=False
)
def api_root(request: HttpRequest) -> HttpResponse:
    raise Http404


api.add_router("", fallback)
