from __future__ import annotations

from typing import Any


class ApplicationError(Exception):
    """A rule of the product refused an action; `message` is shown to the user as is."""

    def __init__(
        self,
        message: Any,
        *,
        field: str | None = None,
        code: str = "invalid",
        fields: tuple[str, ...] = (),
    ) -> None:
        super().__init__(str(message))
        self.message = message
        self.field = field
        self.code = code
        # every field the message names (a form marks them all); `field` is the first
        self.fields = fields or ((field,) if field else ())

    def __str__(self) -> str:
        return str(self.message)


class ConflictError(ApplicationError):
    """Someone else saved the same record after this user loaded it."""

    def __init__(self, message: Any) -> None:
        super().__init__(message, code="conflict")


class ImmutableRecordError(ApplicationError):
    """History and audit rows are written once and never changed or deleted."""

    def __init__(self, message: Any) -> None:
        super().__init__(message, code="forbidden")


def check_version(*, current: int, submitted: int | None, label: str, changed_by: str = "") -> None:
    """Raise ConflictError when the row changed since the form was loaded; `changed_by` names
    who saved it last, and when ("张三于2024年4月3日 10:15"), when the history knows."""
    from django.utils.translation import gettext as _

    if submitted is not None and int(submitted) != int(current):
        if changed_by:
            raise ConflictError(
                _(
                    "%(label)s已被他人修改（您打开的是第%(old)s版，当前是第%(new)s版）：最后由%(who)s保存。请刷新后重新填写；您填写的内容显示在下方，未保存。"
                )
                % {"label": label, "who": changed_by, "old": submitted, "new": current}
            )
        raise ConflictError(
            _(
                "%(label)s已被他人修改（您打开的是第%(old)s版，当前是第%(new)s版）。请刷新后重新填写；您填写的内容显示在下方，未保存。"
            )
            % {"label": label, "old": submitted, "new": current}
        )
