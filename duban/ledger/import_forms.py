from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

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
