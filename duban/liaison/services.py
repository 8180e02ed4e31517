"""Writes of the liaison app: visits, and a finding turned into a problem in one step."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any
from uuid import uuid4

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.utils.translation import gettext as _

from duban.core.dates import date_check
from duban.core.errors import ApplicationError
from duban.core.formatting import join_items
from duban.core.services import full_clean_or_raise, refuse_unless
from duban.core.uploads import (
    MB,
    UploadRefusedError,
    check_size,
    evidence_kind,
    removes_files_on_error,
    store_file,
)
from duban.ledger.scoping import work_items_in
from duban.liaison.models import Visit, VisitPhoto
from duban.liaison.permissions import can_log_visit, can_raise_from_visit
from duban.org.models import Enterprise, User
from duban.org.scoping import scope_for
from duban.problems.models import Problem
from duban.problems.services import problem_report

VISIT_FIELDS = {"date", "work_item", "enterprise", "findings"}
PHOTO_TYPES = {"image/jpeg", "image/png", "image/webp"}
MAX_PHOTOS = 6  # a visit's photos (the page resizes each to 1600 px before sending it)


def photo_max_bytes() -> int:
    return int(getattr(settings, "DUBAN_VISIT_PHOTO_MAX_BYTES", 8 * MB))


@removes_files_on_error
@transaction.atomic
def visit_log(
    *,
    by: User,
    data: Mapping[str, Any],
    visitor: User | None = None,
    photos: Iterable[File] = (),
) -> Visit:
    """Record a visit to an item or enterprise in the visitor's scope, with its photos if any
    (never required; a refused photo refuses the whole visit, so nothing is half saved)."""
    refuse_unless(can_log_visit(by), _("只有项目管家、区领导或推进办可以登记走访。"))
    unknown = set(data) - VISIT_FIELDS
    if unknown:
        raise ApplicationError(_("不能填写这些字段：%(f)s") % {"f": join_items(sorted(unknown))})
    refuse_unless(visitor is None or visitor.pk == by.pk or by.is_office, _("只能登记本人的走访。"))
    visit = Visit(visitor=visitor or by, **data)
    # A mistyped year recorded a visit that had not happened (and counted as the week's).
    date_check(visit.date, label=_("走访日期"), field="date", happened=True)
    scope = scope_for(visit.visitor)
    if visit.work_item_id and not work_items_in(scope).filter(pk=visit.work_item_id).exists():
        raise ApplicationError(_("该台账事项不在走访人的范围内。"), field="work_item")
    if (
        visit.enterprise_id
        and not visit.work_item_id
        and not Enterprise.objects.filter(scope.enterprises_q(), pk=visit.enterprise_id).exists()
    ):
        raise ApplicationError(_("该企业不在走访人的包联或服务范围内。"), field="enterprise")
    full_clean_or_raise(visit)
    visit.save()
    for photo in photos:
        visit_photo_add(visit=visit, by=by, file=photo)
    return visit


@removes_files_on_error
@transaction.atomic
def visit_photo_add(*, visit: Visit, by: User, file: File) -> VisitPhoto:
    """Attach a photo (JPEG, PNG or WebP, judged by its content; at most `photo_max_bytes`)
    to a visit, by its visitor or the office; at most MAX_PHOTOS a visit."""
    refuse_unless(by.is_office or visit.visitor_id == by.pk, _("只能为本人的走访上传照片。"))
    if visit.photos.count() >= MAX_PHOTOS:
        raise ApplicationError(
            _("每次走访最多上传%(n)s张照片。") % {"n": MAX_PHOTOS}, field="photos"
        )
    size = getattr(file, "size", None)
    if size is not None:
        check_size(int(size), photo_max_bytes())
    file.seek(0)
    content = file.read()
    check_size(len(content), photo_max_bytes())
    kind = evidence_kind(content, getattr(file, "name", "") or "")
    if kind.content_type not in PHOTO_TYPES:
        raise UploadRefusedError(_("照片只能是 JPG、PNG 或 WebP 图片。"), code="type")
    photo = VisitPhoto(visit=visit, content_type=kind.content_type, uploaded_by=by)
    store_file(photo.file, f"{uuid4().hex}.{kind.extension}", content)
    photo.save()
    return photo


@transaction.atomic
def visit_raise_problem(*, visit: Visit, by: User, data: Mapping[str, Any]) -> Problem:
    """Turn one finding of a visit into a reported problem on the same item or enterprise.

    The source follows the visit: a steward's visit → 管家走访; an enterprise visited without an
    item → 企业诉求; otherwise 领导交办.
    """
    refuse_unless(can_raise_from_visit(by, visit), _("只有走访人或推进办可以把走访发现转为问题。"))
    fields = dict(data)
    if "source" not in fields:
        if visit.visitor.role == User.Role.STEWARD:
            fields["source"] = Problem.Source.STEWARD_VISIT
        elif visit.enterprise_id and not visit.work_item_id:
            fields["source"] = Problem.Source.DEMAND
        else:
            fields["source"] = Problem.Source.LEADER
    fields.setdefault("work_item", visit.work_item)
    fields.setdefault("enterprise", visit.enterprise)
    fields["visit"] = visit
    return problem_report(by=by, data=fields)
