"""A request's (or a command's) committed events reach the batch subscribers together, in
slices, after the commit; a rolled-back event reaches nobody; a failing subscriber stops
no one."""

from __future__ import annotations

import pytest
from django.db import transaction

from duban.core import events
from duban.core.events import Event


def _event(n: int) -> Event:
    return Event(kind="report_review", key=f"k{n}", target="x.y", target_id=n, text=f"第{n}条")


@pytest.fixture
def spy():
    calls: list[list[str]] = []

    def record(batch) -> None:
        calls.append([e.key for e in batch])

    events.subscribe_batch(record)
    yield calls
    events.unsubscribe(record)


def test_collected_events_arrive_together_after_the_block_and_the_commit(
    db, spy, django_capture_on_commit_callbacks
):
    # when: three events, one of them in a savepoint that rolls back
    with events.collecting():
        with django_capture_on_commit_callbacks(execute=True):
            events.emit(_event(1))
            with transaction.atomic():
                events.emit(_event(2))
                transaction.set_rollback(True)
            events.emit(_event(3))
        assert spy == []  # committed, but held until the block ends
    # then
    assert spy == [["k1", "k3"]]


def test_many_events_are_handed_over_in_slices(
    db, spy, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(events, "BATCH", 2)
    with events.collecting(), django_capture_on_commit_callbacks(execute=True):
        for n in range(5):
            events.emit(_event(n))
    assert spy == [["k0", "k1"], ["k2", "k3"], ["k4"]]


def test_without_a_block_an_event_is_delivered_at_its_commit(
    db, spy, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        events.emit(_event(7))
        assert spy == []
    assert spy == [["k7"]]


def test_a_failing_batch_subscriber_stops_no_one(db, spy, django_capture_on_commit_callbacks):
    def broken(batch) -> None:
        raise RuntimeError("boom")

    events.subscribe_batch(broken)
    try:
        with events.collecting(), django_capture_on_commit_callbacks(execute=True):
            events.emit(_event(1))
    finally:
        events.unsubscribe(broken)
    assert spy == [["k1"]]
