"""Forms of the problem pages: they parse input; the rules live in services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from duban.core.forms import VERSION_ERRORS, ModelMultipleChoiceField
from duban.ledger.models import WorkItem
from duban.org.models import Enterprise, Unit, User
from duban.problems.models import MAX_LEVEL, OPEN_STATES, Coordination, Feedback, Meeting, Problem
from duban.problems.selectors import ProblemFilters

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _level_label(n: int) -> str:
    return gettext("%(n)s级") % {"n": n}


# Built once at import: the labels must stay lazy to follow each request's language.
LEVELS = [(str(n), lazy(_level_label, str)(n)) for n in range(1, MAX_LEVEL + 1)]


def _with_all(choices: Any) -> list[tuple[str, Any]]:
    return [("", _("全部")), *choices]


class ProblemFilterForm(forms.Form):
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100, required=False)
    month = forms.IntegerField(label=_("月份"), min_value=1, max_value=12, required=False)
    unit = forms.ModelChoiceField(
        label=_("单位"), queryset=Unit.objects.none(), required=False, empty_label=_("全部")
    )
    leader = forms.ModelChoiceField(
        label=_("领导"), queryset=User.objects.none(), required=False, empty_label=_("全部")
    )
    level = forms.ChoiceField(label=_("调度级别"), choices=_with_all(LEVELS), required=False)
    category = forms.ChoiceField(
        label=_("类别"), choices=_with_all(Problem.Category.choices), required=False
    )
    state = forms.ChoiceField(label=_("状态"), choices=[("", _("全部"))], required=False)
    overdue = forms.ChoiceField(
        label=_("逾期"),
        choices=[("", _("全部")), ("1", _("已逾期")), ("0", _("未逾期"))],
        required=False,
    )

    def __init__(
        self,
        *args: Any,
        units: QuerySet[Unit],
        states: list[tuple[str, Any]] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units  # type: ignore[attr-defined]
        self.fields["leader"].queryset = User.objects.filter(  # type: ignore[attr-defined]
            role=User.Role.LEADER, is_active=True
        ).order_by("username")
        self.fields["state"].choices = _with_all(states or Problem.State.choices)  # type: ignore[attr-defined]

    def filters(self) -> ProblemFilters:
        if not self.is_valid():
            return ProblemFilters()
        d = self.cleaned_data
        overdue = {"1": True, "0": False}.get(d.get("overdue") or "")
        return ProblemFilters(
            year=d.get("year"),
            month=d.get("month"),
            unit=d["unit"].pk if d.get("unit") else None,
            leader=d["leader"].pk if d.get("leader") else None,
            level=int(d["level"]) if d.get("level") else None,
            category=d.get("category") or None,
            state=d.get("state") or None,
            overdue=overdue,
        )


class ProblemReportForm(forms.Form):
    source = forms.ChoiceField(label=_("来源"), choices=Problem.Source.choices)
    work_item = forms.ModelChoiceField(
        label=_("台账事项"), queryset=WorkItem.objects.none(), required=False
    )
    enterprise = forms.ModelChoiceField(
        label=_("企业"), queryset=Enterprise.objects.none(), required=False
    )
    category = forms.ChoiceField(label=_("类别"), choices=Problem.Category.choices)
    title = forms.CharField(label=_("问题"), max_length=200)
    description = forms.CharField(label=_("问题描述"), widget=forms.Textarea(attrs={"rows": 4}))
    request = forms.CharField(
        label=_("需协调事项"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    urgent = forms.BooleanField(label=_("紧急诉求（2小时内答复）"), required=False)

    # Sources only the office and leaders name (a unit does not assign itself a leader's task).
    LEADERSHIP_SOURCES = (Problem.Source.LEADER, Problem.Source.MEETING)

    def __init__(
        self,
        *args: Any,
        items: QuerySet[WorkItem],
        enterprises: QuerySet[Enterprise],
        leadership: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["work_item"].queryset = items  # type: ignore[attr-defined]
        self.fields["enterprise"].queryset = enterprises  # type: ignore[attr-defined]
        for name in ("work_item", "enterprise"):
            self.fields[name].widget.attrs["data-searchable"] = ""
        if not leadership:
            self.fields["source"].choices = [  # type: ignore[attr-defined]
                (value, label)
                for value, label in Problem.Source.choices
                if value not in self.LEADERSHIP_SOURCES
            ]


class VersionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, error_messages=VERSION_ERRORS)


class NoteForm(VersionForm):
    note = forms.CharField(label=_("说明"), required=False, max_length=500)


class ReasonForm(VersionForm):
    reason = forms.CharField(label=_("原因"), widget=forms.Textarea(attrs={"rows": 2}))


class MergeForm(VersionForm):
    into = forms.IntegerField(
        label=_("合并至问题"),
        min_value=1,
        widget=forms.Select(attrs={"data-searchable": ""}),
    )
    CANDIDATES = 300

    def limit_to(self, problems: QuerySet[Problem], problem: Problem) -> None:
        """Offer the open problems the user may see (the same item's first) to pick from, by
        title, instead of typing a number."""
        candidates = (
            problems.filter(state__in=OPEN_STATES)
            .exclude(pk=problem.pk)
            .order_by("-pk")
            .select_related(None)
            .only("pk", "title", "work_item_id")[: self.CANDIDATES]
        )
        rows = sorted(candidates, key=lambda p: (p.work_item_id != problem.work_item_id, -p.pk))
        self.fields["into"].widget.choices = [  # type: ignore[attr-defined]
            ("", _("选择要合并到的问题")),
            *((p.pk, f"#{p.pk} {p.title}") for p in rows),
        ]


class AssignForm(VersionForm):
    lead_unit = forms.ModelChoiceField(label=_("牵头单位"), queryset=Unit.objects.none())
    co_units = ModelMultipleChoiceField(
        label=_("配合单位"), queryset=Unit.objects.none(), required=False
    )
    level = forms.TypedChoiceField(label=_("调度级别"), choices=LEVELS, coerce=int, initial="1")
    due_date = forms.DateField(label=_("办理时限"), required=False, widget=DATE_WIDGET)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        units = Unit.objects.filter(is_active=True).order_by("sort_order", "code")
        self.fields["lead_unit"].queryset = units  # type: ignore[attr-defined]
        self.fields["co_units"].queryset = units  # type: ignore[attr-defined]
        for name in ("lead_unit", "co_units"):
            self.fields[name].widget.attrs["data-searchable"] = ""


class FeedbackForm(VersionForm):
    text = forms.CharField(label=_("办理情况"), widget=forms.Textarea(attrs={"rows": 3}))
    resolution = forms.CharField(
        label=_("办理结果"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class VerifyForm(VersionForm):
    resolution = forms.CharField(
        label=_("办理结果"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ReopenForm(ReasonForm):
    due_date = forms.DateField(label=_("新的办理时限"), required=False, widget=DATE_WIDGET)


class AnswerForm(VersionForm):
    """A co-unit's answer; `version` is its unit's answer row's, not the problem's."""

    answer = forms.CharField(label=_("答复意见"), widget=forms.Textarea(attrs={"rows": 2}))


class ExtensionForm(VersionForm):
    reason = forms.CharField(label=_("延期理由"), widget=forms.Textarea(attrs={"rows": 2}))
    new_due_date = forms.DateField(label=_("申请延至"), widget=DATE_WIDGET)


class SatisfactionForm(VersionForm):
    satisfaction = forms.ChoiceField(label=_("满意度"), choices=Problem.Satisfaction.choices)


class EvidenceForm(forms.Form):
    file = forms.FileField(label=_("佐证材料"))


class OpinionForm(forms.Form):
    leader = forms.ModelChoiceField(
        label=_("协调领导"), queryset=User.objects.none(), required=False
    )
    text = forms.CharField(label=_("协调意见"), widget=forms.Textarea(attrs={"rows": 3}))
    units = ModelMultipleChoiceField(label=_("责任单位"), queryset=Unit.objects.none())
    deadline = forms.DateField(label=_("完成时限"), widget=DATE_WIDGET)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["leader"].queryset = User.objects.filter(role=User.Role.LEADER)  # type: ignore[attr-defined]
        self.fields["units"].queryset = Unit.objects.filter(is_active=True)  # type: ignore[attr-defined]

    def for_user(self, user: User) -> None:
        """A leader gives opinions in their own name: only the office picks a leader."""
        if not user.is_office:
            del self.fields["leader"]
        else:
            self.fields["leader"].required = True
            self.fields["leader"].label = _("协调领导（推进办代为录入）")


class OpinionFeedbackForm(forms.Form):
    text = forms.CharField(label=_("反馈内容"), widget=forms.Textarea(attrs={"rows": 2}))


COORDINATION_STATES = Coordination.State.choices
FEEDBACK_STATES = Feedback.State.choices


class MeetingForm(forms.Form):
    kind = forms.ChoiceField(label=_("类型"), choices=Meeting.Kind.choices)
    level = forms.TypedChoiceField(
        label=_("调度级别"), choices=[("3", _("三级")), ("4", _("四级"))], coerce=int
    )
    title = forms.CharField(label=_("会议名称"), max_length=200)
    number = forms.CharField(label=_("纪要编号"), max_length=60, required=False)
    chair = forms.ModelChoiceField(label=_("主持人"), queryset=User.objects.none())
    date = forms.DateField(label=_("会议日期"), widget=DATE_WIDGET)
    location = forms.CharField(label=_("地点"), max_length=200, required=False)
    attendee_units = ModelMultipleChoiceField(
        label=_("参会单位"), queryset=Unit.objects.none(), required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["chair"].queryset = User.objects.filter(role=User.Role.LEADER)  # type: ignore[attr-defined]
        self.fields["attendee_units"].queryset = Unit.objects.filter(is_active=True)  # type: ignore[attr-defined]


class DecisionForm(forms.Form):
    agenda_item = forms.IntegerField(widget=forms.HiddenInput)
    text = forms.CharField(label=_("议定事项"), widget=forms.Textarea(attrs={"rows": 2}))
    units = ModelMultipleChoiceField(label=_("责任单位"), queryset=Unit.objects.none())
    deadline = forms.DateField(label=_("完成时限"), widget=DATE_WIDGET)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["units"].queryset = Unit.objects.filter(is_active=True)  # type: ignore[attr-defined]


class HoldForm(VersionForm):
    minutes = forms.CharField(
        label=_("会议纪要（会议要求）"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
