"""The events supervision, assessment and bulletins raise reach the people they concern, in
scope, once: a prompt issued, cards published, a flag set, a ranking and a bulletin published."""

from __future__ import annotations

from datetime import date

from django.utils import translation

from duban.assessment.services.scoring import ranking_publish
from duban.core.events import NotificationKind as K
from duban.notify.models import Notification
from duban.supervision.models import Prompt
from duban.supervision.services.flags import flag_create
from duban.supervision.services.prompts import prompt_batch_draft, prompt_issue
from tests.assessment_fixtures import JAN, january_facts

TERMS = {
    "reason": "推进滞后",
    "actions": "每周报告进展",
    "deadline": date(2024, 6, 30),
    "criteria": "连续两个月无红灯",
}


def _kinds(user) -> list[str]:
    return sorted(Notification.objects.filter(recipient=user).values_list("kind", flat=True))


def test_an_issued_prompt_tells_its_unit_only(district, django_capture_on_commit_callbacks):
    drafts = prompt_batch_draft(kind=Prompt.Kind.WARNING)
    to_b = [p for p in drafts if p.unit_id == district.unit_b.pk]
    assert to_b
    with django_capture_on_commit_callbacks(execute=True):
        prompt_issue(prompts={p.pk: p.version for p in to_b}, by=district.office)
    assert K.PROMPT_ISSUED in _kinds(district.reporter_b)
    assert K.PROMPT_ISSUED not in _kinds(district.reporter_a)
    note = Notification.objects.filter(recipient=district.reporter_b).first()
    assert note is not None and note.url == f"/supervision/prompts/{to_b[0].pk}/"


def test_a_flag_tells_the_flagged_unit(district, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        flag_create(unit=district.unit_b, flagged_by=district.leader, **TERMS)
    assert K.FLAG_SET in _kinds(district.head_b)
    assert K.FLAG_SET not in _kinds(district.head_a)


def test_the_sentences_are_written_in_the_districts_language(
    district, django_capture_on_commit_callbacks, settings
):
    """Whatever the language of the request that raised it, a notification is written in the
    district's language (LANGUAGE_CODE), through the translations like every other text."""
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        flag_create(unit=district.unit_b, flagged_by=district.leader, **TERMS)
    note = Notification.objects.get(recipient=district.head_b, kind=K.FLAG_SET)
    assert note.text.startswith(f"{district.unit_b}被挂牌督办（")
    assert note.text.endswith("整改时限2024年6月30日")
    settings.LANGUAGE_CODE = "en"
    with django_capture_on_commit_callbacks(execute=True):
        flag_create(unit=district.unit_a, flagged_by=district.leader, **TERMS)
    note = Notification.objects.get(recipient=district.head_a, kind=K.FLAG_SET)
    assert note.text.startswith(f"{district.unit_a} is under supervision by flag (")
    assert "被" not in note.text


def test_a_published_ranking_tells_the_heads_of_assessed_units(
    district, django_capture_on_commit_callbacks
):
    january_facts(district)
    assert not Notification.objects.filter(kind=K.RANKING_PUBLISHED).exists()
    with django_capture_on_commit_callbacks(execute=True):
        ranking_publish(period=JAN, by=district.office)
    assert K.RANKING_PUBLISHED in _kinds(district.head_a)
    assert K.RANKING_PUBLISHED not in _kinds(district.reporter_a)
