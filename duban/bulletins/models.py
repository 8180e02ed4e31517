"""Bulletin templates the office edits, and the bulletins generated from them (stored with
their figures, so what was published can be shown later exactly as it was)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from duban.bulletins.packing import pack, unpack
from duban.core.models import TimeStampedModel, VersionedModel


class Kind(models.TextChoices):
    MONTHLY = "monthly", _("月报")
    NOTICE = "notice", _("通报")
    SPECIAL = "special", _("专报")
    QUARTERLY = "quarterly", _("季度汇报")
    ANNUAL = "annual", _("年度总结")
    PROJECT = "project", _("项目专报")


class BulletinTemplate(VersionedModel):
    """The office's wording of one kind of bulletin: a title and a body with placeholders
    ({figure.key}, {a,b|pair}, {year}…), optional clauses left out at zero ([?…]) and lists
    ([[red_items]]…); see bulletins.templates_text."""

    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices, unique=True)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("正文模板"))
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("修改人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = pgettext_lazy("model name", "通报模板")
        verbose_name_plural = pgettext_lazy("model name plural", "通报模板")

    def __str__(self) -> str:
        return self.get_kind_display()


class Bulletin(TimeStampedModel):
    """One generated bulletin: its 口径, its text blocks and every figure it states."""

    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    year = models.PositiveSmallIntegerField(_("年度"))
    month = models.PositiveSmallIntegerField(_("截至月份"))
    levels = models.JSONField(_("口径（级别）"), default=list, blank=True)
    unit = models.ForeignKey(
        "org.Unit", verbose_name=_("单位"), null=True, blank=True, on_delete=models.PROTECT
    )
    work_item = models.ForeignKey(
        "ledger.WorkItem",
        verbose_name=_("专报事项"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    draft = models.BooleanField(_("草稿"), default=True)
    title = models.CharField(_("标题"), max_length=200)
    blocks = models.JSONField(_("正文"), default=list)
    # Every figure the bulletin states, in the compact form of `packing` (each distinct list
    # of row ids and amounts once); read and set through `figures`.
    stored_figures = models.JSONField(_("统计指标"), default=dict, db_column="figures")
    template_body = models.TextField(_("所用模板"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("生成人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)

    class Meta:
        ordering = ["-year", "-month", "-pk"]
        verbose_name = pgettext_lazy("model name", "通报")
        verbose_name_plural = pgettext_lazy("model name plural", "通报")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(month__gte=1, month__lte=12), name="bulletin_month_range"
            ),
            models.CheckConstraint(
                condition=models.Q(published_at__isnull=True) | models.Q(draft=False),
                name="bulletin_draft_not_published",
                violation_error_message=_("草稿不能发布。"),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def figures(self) -> dict[str, dict[str, Any]]:
        """Every figure the bulletin states, by key: label, definition, value, text, rows and
        amounts, as generated (unpacked once per instance)."""
        cached = self.__dict__.get("_figures")
        if cached is None or cached[0] is not self.stored_figures:
            cached = (self.stored_figures, unpack(self.stored_figures))
            self.__dict__["_figures"] = cached
        return cached[1]

    @figures.setter
    def figures(self, value: dict[str, dict[str, Any]]) -> None:
        self.stored_figures = pack(value)
        self.__dict__["_figures"] = (self.stored_figures, value)

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("bulletins:detail", args=[self.pk])
