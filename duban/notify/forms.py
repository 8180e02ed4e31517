"""Forms of the settings pages: a user's channels and digest times; the office's work groups."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from duban.core.events import NotificationKind
from duban.core.forms import ModelMultipleChoiceField
from duban.ledger.models import WorkItem
from duban.notify.models import ChannelSetting, Mode, WorkGroup
from duban.notify.robots import SIGNED, check_endpoint
from duban.org.models import Unit, User

TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
KIND_PREFIX = "kind_mode_"
# Stored 0 (Monday) to 6 (Sunday), as Python's date.weekday(); shown by name.
WEEKDAYS = [
    (0, _("星期一")),
    (1, _("星期二")),
    (2, _("星期三")),
    (3, _("星期四")),
    (4, _("星期五")),
    (5, _("星期六")),
    (6, _("星期日")),
]


def _weekday_field() -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=_("每周汇总日"),
        choices=WEEKDAYS,
        coerce=int,
        initial=0,
        error_messages={"invalid_choice": _("每周汇总日应在0（星期一）到6（星期日）之间。")},
    )


class KindModesMixin(forms.ModelForm):  # type: ignore[type-arg]
    """A choice per kind of notification: as the default mode above, or immediately, daily,
    weekly or not at all (the inbox keeps every kind whatever is chosen)."""

    def add_kind_fields(self) -> None:
        current = self.instance.kind_modes if isinstance(self.instance.kind_modes, dict) else {}
        choices = [("", _("同默认方式")), *Mode.choices]
        for value, label in NotificationKind.choices:
            self.fields[KIND_PREFIX + value] = forms.ChoiceField(
                label=label,
                choices=choices,
                required=False,
                initial=current.get(value, ""),
            )

    @property
    def main_fields(self) -> list[forms.BoundField]:
        return [f for f in self.visible_fields() if not f.name.startswith(KIND_PREFIX)]

    @property
    def kind_fields(self) -> list[forms.BoundField]:
        return [f for f in self.visible_fields() if f.name.startswith(KIND_PREFIX)]

    @property
    def kind_modes_set(self) -> bool:
        return bool(self.instance.kind_modes)

    def chosen_kind_modes(self) -> dict[str, str]:
        return {
            value: self.cleaned_data[KIND_PREFIX + value]
            for value in NotificationKind.values
            if self.cleaned_data.get(KIND_PREFIX + value) in Mode.values
        }

    def save(self, commit: bool = True) -> Any:
        self.instance.kind_modes = self.chosen_kind_modes()
        return super().save(commit=commit)


class ChannelSettingForm(KindModesMixin):
    digest_weekday = _weekday_field()

    class Meta:
        model = ChannelSetting
        fields = ["email", "mode", "digest_time", "digest_weekday", "quiet_start", "quiet_end"]
        widgets = {"digest_time": TIME, "quiet_start": TIME, "quiet_end": TIME}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.add_kind_fields()


class WorkGroupForm(KindModesMixin):
    """The robot URL and secret are write-only: left blank on an edit, they stay as they are."""

    endpoint = forms.CharField(label=_("机器人地址"), required=False, max_length=500)
    secret = forms.CharField(label=_("加签密钥"), required=False, max_length=200)
    kinds = forms.MultipleChoiceField(
        label=_("接收类型"),
        choices=NotificationKind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("不选表示接收全部类型。"),
    )
    digest_weekday = _weekday_field()

    class Meta:
        model = WorkGroup
        fields = [
            "name",
            "platform",
            "endpoint",
            "secret",
            "units",
            "items",
            "leaders",
            "kinds",
            "mention",
            "active",
            "mode",
            "digest_time",
            "digest_weekday",
            "quiet_start",
            "quiet_end",
        ]
        widgets = {"digest_time": TIME, "quiet_start": TIME, "quiet_end": TIME}
        field_classes = {
            "units": ModelMultipleChoiceField,
            "items": ModelMultipleChoiceField,
            "leaders": ModelMultipleChoiceField,
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["units"].queryset = Unit.objects.order_by("sort_order", "pk")  # type: ignore[attr-defined]
        self.fields["items"].queryset = WorkItem.objects.order_by("-year", "pk")  # type: ignore[attr-defined]
        self.fields["leaders"].queryset = User.objects.filter(role=User.Role.LEADER)  # type: ignore[attr-defined]
        self.initial["endpoint"] = ""
        self.initial["secret"] = ""
        self.add_kind_fields()
        if self.instance.pk:
            self.fields["endpoint"].help_text = _("已设置（%(u)s），留空则不修改。") % {
                "u": self.instance.endpoint_shown
            }
            if self.instance.secret:
                self.fields["secret"].help_text = _("已设置，留空则不修改。")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        endpoint = (data.get("endpoint") or "").strip() or (self.instance.endpoint or "")
        secret = (data.get("secret") or "").strip() or (self.instance.secret or "")
        if not endpoint:
            self.add_error("endpoint", _("请填写机器人地址。"))
        elif (why := check_endpoint(endpoint)) is not None:
            self.add_error("endpoint", why)
        if data.get("platform") in SIGNED and not secret:
            self.add_error("secret", _("钉钉和飞书机器人须填写加签密钥。"))
        data["endpoint"], data["secret"] = endpoint, secret
        return data
