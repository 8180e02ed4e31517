from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from duban.core.periods import Period
from duban.org.models import Unit
from duban.sheets.reader import max_import_bytes
from duban.transfer.imports.choices import MAX_CHOICES_TEXT


class LedgerUploadForm(forms.Form):
    file = forms.FileField(label=_("台账文件（.xlsx / .xls / .ods）"))
    year = forms.IntegerField(
        label=_("年度"),
        required=False,
        min_value=2000,
        max_value=2100,
        help_text=_("留空则从标题读取"),
    )
    create_missing = forms.BooleanField(label=_("创建缺少的单位和领导"), required=False)
    correct_closed = forms.BooleanField(
        label=_("已关账月份的数据作为更正导入"),
        required=False,
        help_text=_("不勾选时跳过并逐行列出；勾选后关账数据不变，更正从下一个未关账月份起计入"),
    )

    def clean_file(self) -> object:
        upload = self.cleaned_data["file"]
        if upload.size > max_import_bytes():
            raise forms.ValidationError(
                _("文件太大（超过 %(mb)s MB）。") % {"mb": max_import_bytes() // 1048576}
            )
        return upload


class LedgerConfirmForm(forms.Form):
    sha256 = forms.RegexField(regex=r"^[0-9a-f]{64}$")
    file_name = forms.CharField(max_length=255)
    year = forms.IntegerField(required=False, min_value=2000, max_value=2100)
    create_missing = forms.BooleanField(required=False)
    correct_closed = forms.BooleanField(required=False)
    # The office's choices for names that resolve to nothing (choices.name_choices_dump's JSON).
    choices = forms.CharField(required=False, max_length=MAX_CHOICES_TEXT)


class ProblemsUploadForm(forms.Form):
    file = forms.FileField(label=_("问题清单或销号清单（.xlsx / .xls / .ods）"))

    def clean_file(self) -> object:
        upload = self.cleaned_data["file"]
        if upload.size > max_import_bytes():
            raise forms.ValidationError(
                _("文件太大（超过 %(mb)s MB）。") % {"mb": max_import_bytes() // 1048576}
            )
        return upload


class ProblemsConfirmForm(forms.Form):
    sha256 = forms.RegexField(regex=r"^[0-9a-f]{64}$")
    file_name = forms.CharField(max_length=255)
    choices = forms.CharField(required=False, max_length=MAX_CHOICES_TEXT)


def choices_from_post(post: Mapping[str, str], previous: str) -> str:
    """The choices JSON after the office answered the name questions of a preview."""
    try:
        data = json.loads(previous or "{}")
    except ValueError:
        data = {}
    if not isinstance(data, dict):
        data = {}
    units = dict(data.get("units") or {})
    leaders = dict(data.get("leaders") or {})
    for key, value in post.items():
        if not value:
            continue
        if key.startswith("unit__"):
            units[key[len("unit__") :]] = value
        elif key.startswith("leader__"):
            leaders[key[len("leader__") :]] = value
    out: dict[str, Any] = {"units": units, "leaders": leaders}
    file_unit = post.get("file_unit") or data.get("unit")
    if file_unit:
        out["unit"] = file_unit
    return json.dumps(out, ensure_ascii=False)


class MonthlyChoiceForm(forms.Form):
    """Which unit's workbook, for which open period (the office chooses the unit)."""

    unit: forms.ModelChoiceField[Unit] = forms.ModelChoiceField(
        label=_("单位"), queryset=Unit.objects.none(), required=False
    )
    period = forms.ChoiceField(label=_("报告期"), required=False)

    def __init__(
        self,
        *args: Any,
        units: QuerySet[Unit] | None,
        periods: Sequence[Period],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        if units is None:
            del self.fields["unit"]
        else:
            self.fields["unit"].queryset = units  # type: ignore[attr-defined]
            self.fields["unit"].empty_label = _("请选择单位")  # type: ignore[attr-defined]
        self.fields["period"].choices = [(str(p), p.label) for p in periods]  # type: ignore[attr-defined]


class MonthlyUploadForm(forms.Form):
    file = forms.FileField(label=_("填好的月报工作簿（.xlsx）"))
    unit = forms.IntegerField(widget=forms.HiddenInput, required=False)
    period = forms.CharField(widget=forms.HiddenInput, max_length=7)

    def clean_file(self) -> object:
        upload = self.cleaned_data["file"]
        if upload.size > max_import_bytes():
            raise forms.ValidationError(
                _("文件太大（超过 %(mb)s MB）。") % {"mb": max_import_bytes() // 1048576}
            )
        return upload
