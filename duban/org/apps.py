from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _logged_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    from duban.org.audit import audit_record
    from duban.org.models import AuditEvent

    audit_record(kind=AuditEvent.Kind.LOGIN, request=request, user=user)
    session = getattr(request, "session", None)
    if session is not None:
        # The session's clock starts now (duban.web.middleware.SessionTimeoutMiddleware).
        from duban.core import clock

        now = clock.now().timestamp()
        session["duban_signed_in_at"] = now
        session["duban_last_seen"] = now


def _login_failed(sender: Any, credentials: dict[str, Any], request: Any = None, **kw: Any) -> None:
    from duban.org.audit import audit_record
    from duban.org.models import AuditEvent

    # Who was tried (never the password) and from where.
    audit_record(
        kind=AuditEvent.Kind.LOGIN_FAILED,
        request=request,
        username=str(credentials.get("username", ""))[:150],
    )


def _logged_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    from duban.org.audit import audit_record
    from duban.org.models import AuditEvent

    if user is not None:
        audit_record(kind=AuditEvent.Kind.LOGOUT, request=request, user=user)


def _locked_out(sender: Any, request: Any, username: str, ip_address: str, **kw: Any) -> None:
    from duban.org.audit import audit_record
    from duban.org.models import AuditEvent

    audit_record(kind=AuditEvent.Kind.LOCKED_OUT, request=request, username=username or "")


class OrgConfig(AppConfig):
    name = "duban.org"
    label = "org"
    verbose_name = _("组织与人员")

    def ready(self) -> None:
        from axes.signals import user_locked_out
        from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed

        user_logged_in.connect(_logged_in, dispatch_uid="duban.audit.login")
        user_login_failed.connect(_login_failed, dispatch_uid="duban.audit.login_failed")
        user_logged_out.connect(_logged_out, dispatch_uid="duban.audit.logout")
        user_locked_out.connect(_locked_out, dispatch_uid="duban.audit.locked_out")
