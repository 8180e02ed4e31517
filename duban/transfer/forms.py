from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from duban.core.periods import Period
from duban.org.models import Unit
from duban.sheets.reader import max_import_bytes


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
