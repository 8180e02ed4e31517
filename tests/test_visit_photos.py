"""A visit takes photos (issue 12 §7): optional, images only, bounded in size and number, shown
only to who may see the visit."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from duban.core.errors import ApplicationError
from duban.liaison.models import Visit, VisitPhoto
from duban.liaison.services import MAX_PHOTOS, visit_log, visit_photo_add

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64


def _photo(content=PNG, name="现场.png"):
    return SimpleUploadedFile(name, content, content_type="image/png")


def _visit_data(district):
    return {"date": "2024-04-02", "work_item": district.item_c.pk, "findings": "围挡破损"}


def test_steward_logs_a_visit_with_photos_from_the_page(district, login):
    client = login(district.steward)
    # the form takes photos, resized by the page before they are sent
    html = client.get(reverse("liaison:visits")).content.decode()
    assert 'enctype="multipart/form-data"' in html and "data-resize" in html
    # when
    response = client.post(
        reverse("liaison:visits"),
        {**_visit_data(district), "photos": [_photo(), _photo(JPEG, "b.jpg")]},
    )
    # then
    assert response.status_code == 302
    visit = Visit.objects.get()
    photos = list(visit.photos.all())
    assert [p.content_type for p in photos] == ["image/png", "image/jpeg"]
    assert all(p.file.name.startswith(f"visits/{visit.pk}/") for p in photos)
    html = client.get(reverse("liaison:visits")).content.decode()
    url = reverse("liaison:photo", args=[photos[0].pk])
    assert url in html
    shown = client.get(url)
    assert shown.status_code == 200 and shown["Content-Type"] == "image/png"
    assert shown["X-Content-Type-Options"] == "nosniff"


def test_photos_are_never_required(district, login):
    response = login(district.steward).post(reverse("liaison:visits"), _visit_data(district))
    assert response.status_code == 302
    assert Visit.objects.count() == 1 and not VisitPhoto.objects.exists()


def test_a_photo_that_is_not_an_image_refuses_the_visit_and_says_why(district, login):
    response = login(district.steward).post(
        reverse("liaison:visits"),
        {**_visit_data(district), "photos": [_photo(b"%PDF-1.4 xxx", "a.pdf")]},
    )
    assert response.status_code == 200
    assert "JPG、PNG 或 WebP" in response.content.decode()
    assert not Visit.objects.exists() and not VisitPhoto.objects.exists()


def test_a_refused_photo_leaves_no_file_of_the_photos_before_it(district, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    photos = [_photo(), _photo(JPEG, "b.jpg"), _photo(b"%PDF-1.4 xxx", "c.pdf")]
    with pytest.raises(ApplicationError):
        visit_log(by=district.steward, data=_visit_data_objects(district), photos=photos)
    assert not Visit.objects.exists() and not VisitPhoto.objects.exists()
    # the first two were written before the third was refused; the rollback took them too
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []
    # and a visit that is saved keeps its files
    visit_log(by=district.steward, data=_visit_data_objects(district), photos=photos[:2])
    assert len([p for p in tmp_path.rglob("*") if p.is_file()]) == 2


def _visit_data_objects(district):
    return {"date": date(2024, 4, 2), "work_item": district.item_c, "findings": "围挡破损"}


def test_photo_size_and_count_are_bounded(district, settings):
    settings.DUBAN_VISIT_PHOTO_MAX_BYTES = 100
    visit = visit_log(
        by=district.steward, data={"date": date(2024, 4, 2), "work_item": district.item_c}
    )
    with pytest.raises(ApplicationError):
        visit_photo_add(visit=visit, by=district.steward, file=_photo(PNG + b"\x00" * 100))
    for _ in range(MAX_PHOTOS):
        visit_photo_add(visit=visit, by=district.steward, file=_photo())
    with pytest.raises(ApplicationError):
        visit_photo_add(visit=visit, by=district.steward, file=_photo())
    # and only the visitor or the office adds them
    with pytest.raises(ApplicationError):
        visit_photo_add(visit=visit, by=district.reporter_a, file=_photo())


def test_a_photo_is_shown_only_to_who_sees_the_visit(district, login):
    visit = visit_log(
        by=district.steward, data={"date": date(2024, 4, 2), "work_item": district.item_c}
    )
    photo = visit_photo_add(visit=visit, by=district.steward, file=_photo())
    url = reverse("liaison:photo", args=[photo.pk])
    assert login(district.office).get(url).status_code == 200
    assert login(district.reporter_a).get(url).status_code == 404
