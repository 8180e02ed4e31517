"""Problems and what hangs off them: events, evidence, extensions, escalations, co-unit answers,
coordination opinions, feedback and dispatch meetings (DOMAIN §3, "the five lists")."""

# Import in the order the models were defined when they shared one module: the app registry
# (and so dumpdata, flush and the migration autodetector) lists models in registration order.
# isort: off
from duban.problems.models.problem import (
    DISCARDED_STATES,
    MAX_LEVEL,
    OPEN_STATES,
    Problem,
    ProblemSettings,
)
from duban.problems.models.handling import (
    CoUnitResponse,
    Escalation,
    Evidence,
    ExtensionRequest,
    ProblemEvent,
    evidence_path,
)
from duban.problems.models.meetings import AgendaItem, Meeting
from duban.problems.models.coordination import Coordination, Feedback

# isort: on

__all__ = [
    "DISCARDED_STATES",
    "MAX_LEVEL",
    "OPEN_STATES",
    "AgendaItem",
    "CoUnitResponse",
    "Coordination",
    "Escalation",
    "Evidence",
    "ExtensionRequest",
    "Feedback",
    "Meeting",
    "Problem",
    "ProblemEvent",
    "ProblemSettings",
    "evidence_path",
]
