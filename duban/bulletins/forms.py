from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from duban.bulletins.models import Kind
from duban.ledger.models import WorkItem


class GenerateForm(forms.Form):
    kind = forms.ChoiceField(label=_("类型"), choices=Kind.choices)
    period = forms.RegexField(
        label=_("期间"),
        regex=r"^\d{4}(-(0?[1-9]|1[0-2]))?$",
        help_text=_("月份写 2024-03，年度写 2024。"),
        error_messages={"invalid": _("期间应写成 2024-03 或 2024。")},
    )
    item = forms.CharField(
        label=_("专报事项"),
        required=False,
        max_length=200,
        help_text=_(
            "项目专报：填写事项名称（或其中几个字）、项目代码或事项编号；也可在事项页面点“生成项目专报”。"
        ),
    )
    levels = forms.MultipleChoiceField(
        label=_("口径（计入的级别）"),
        choices=WorkItem.Level.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("不选即全部级别。"),
    )

    def period_parts(self) -> tuple[int, int | None]:
        text: str = self.cleaned_data["period"]
        if "-" in text:
            y, m = text.split("-")
            return int(y), int(m)
        return int(text), None


class TemplateForm(forms.Form):
    title = forms.CharField(label=_("标题"), max_length=200)
    body = forms.CharField(label=_("正文模板"), widget=forms.Textarea(attrs={"rows": 18}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
