"""The API's request-body parser: every JSON body the API takes is an object."""

from __future__ import annotations

from django.http import HttpRequest
from ninja.parser import Parser
from ninja.types import DictStrAny


class ObjectBodyParser(Parser):
    """A JSON body that is not an object (an array, a string, a number, null) is refused with
    400, as a body that is not JSON is. Ninja would read it as `{}` and run the operation with
    its defaults: `[1, 2]` sent to `POST /notifications/read` marked every notification read."""

    def parse_body(self, request: HttpRequest) -> DictStrAny:
        data = super().parse_body(request)
        if not isinstance(data, dict):
            raise ValueError("the request body is not a JSON object")
        return data
