"""Forms of the liaison pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from duban.ledger.models import WorkItem
from duban.org.models import Enterprise
from duban.problems.models import Problem

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class PhotosInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Several optional photos; the page resizes them before sending (duban.js)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault(
            "widget",
            PhotosInput(attrs={"accept": "image/jpeg,image/png,image/webp", "data-resize": ""}),
        )
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        files = data if isinstance(data, (list, tuple)) else [data]
        return [super(PhotosField, self).clean(f, initial) for f in files if f]


class VisitForm(forms.Form):
    date = forms.DateField(label=_("走访日期"), widget=DATE_WIDGET)
    work_item = forms.ModelChoiceField(
        label=_("台账事项"), queryset=WorkItem.objects.none(), required=False
    )
    enterprise = forms.ModelChoiceField(
        label=_("企业"), queryset=Enterprise.objects.none(), required=False
    )
    findings = forms.CharField(
        label=_("走访发现"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    photos = PhotosField(label=_("现场照片（可选）"), required=False)

    def __init__(
        self,
        *args: Any,
        items: QuerySet[WorkItem],
        enterprises: QuerySet[Enterprise],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["work_item"].queryset = items  # type: ignore[attr-defined]
        self.fields["enterprise"].queryset = enterprises  # type: ignore[attr-defined]


class FindingForm(forms.Form):
    category = forms.ChoiceField(label=_("类别"), choices=Problem.Category.choices)
    title = forms.CharField(label=_("问题"), max_length=200)
    description = forms.CharField(label=_("问题描述"), widget=forms.Textarea(attrs={"rows": 2}))
    request = forms.CharField(label=_("需协调事项"), required=False)
    urgent = forms.BooleanField(label=_("紧急诉求"), required=False)
