"""Visits by stewards and leaders (走访); leader liaison (包联) is org.Responsibility."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from duban.core.models import TimeStampedModel, VersionedModel
from duban.ledger.models import WorkItem
from duban.org.models import Enterprise


class Visit(VersionedModel):
    date = models.DateField(_("走访日期"))
    visitor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("走访人"),
        on_delete=models.PROTECT,
        related_name="visits",
    )
    work_item = models.ForeignKey(
        WorkItem,
        verbose_name=_("台账事项"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="visits",
    )
    enterprise = models.ForeignKey(
        Enterprise,
        verbose_name=_("企业"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="visits",
    )
    findings = models.TextField(_("走访发现"), blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-date", "-pk"]
        verbose_name = pgettext_lazy("model name", "走访")
        verbose_name_plural = pgettext_lazy("model name plural", "走访")
        constraints = [
            models.CheckConstraint(
                condition=Q(work_item__isnull=False) | Q(enterprise__isnull=False),
                name="visit_has_item_or_enterprise",
                violation_error_message=_("走访必须关联台账事项或企业。"),
            )
        ]

    def __str__(self) -> str:
        target = self.work_item or self.enterprise
        return f"{self.date} {target}"


def visit_photo_path(instance: VisitPhoto, filename: str) -> str:
    return f"visits/{instance.visit_id}/{filename}"


class VisitPhoto(TimeStampedModel):
    """A photo taken on a visit (optional): an image judged by its content, stored under
    MEDIA_ROOT under a random name and served only to who may see the visit."""

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="photos")
    file = models.FileField(_("照片"), upload_to=visit_photo_path, max_length=300)
    content_type = models.CharField(_("文件类型"), max_length=100)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("上传人"), on_delete=models.PROTECT
    )

    class Meta:
        ordering = ["pk"]
        verbose_name = pgettext_lazy("model name", "走访照片")
        verbose_name_plural = pgettext_lazy("model name plural", "走访照片")

    def __str__(self) -> str:
        return self.file.name.rsplit("/", 1)[-1]
