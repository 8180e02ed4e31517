"""API: the five lists, a problem with its history, and every transition, scoped like the pages.

Mounted by the API object: `from duban.problems.api import router`, `api.add_router("", router)`.
Errors are JSON `{"detail": …}`: 403 when the role may not act, 404 for a missing or
out-of-scope object, 409 when the problem changed since `version`, 422 for any other refusal
(the message says why).
"""

# Importing the endpoint modules registers their operations on the router.
from duban.problems.api import evidence, lists, meetings, problems
from duban.problems.api.base import router

__all__ = ["evidence", "lists", "meetings", "problems", "router"]
