"""The demo's reminders: today's news for every role, and a work group whose robot posts to a
local fake (started by `duban demo` beside the server, with a worker).

The story is built with events suspended (months of past work are history, not news); this
raises, as of today, what waits on each person: returned and pending reports, sign-offs,
reviews, the day's reminders, overdue problems, coming meetings.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from datetime import time

from django.conf import settings

from duban.core import clock
from duban.core.events import Event, NotificationKind, emit
from duban.demo import fake_robot
from duban.notify.models import Mode, Notification, WorkGroup
from duban.notify.reminders import reminders_raise
from duban.org.models import Unit, User
from duban.problems.events import meeting_scheduled_event, problem_due_event
from duban.problems.models import Meeting, Problem
from duban.problems.selectors.lists import problem_list
from duban.reporting.events import report_returned_event, report_submitted_events
from duban.reporting.models import MonthlyReport

GROUP_NAME = "住建局项目推进工作群"
GROUP_UNIT_CODE = "zjj"


def demo_robot_port() -> int:
    return int(getattr(settings, "DUBAN_DEMO_ROBOT_PORT", 8765))


def demo_work_group() -> WorkGroup:
    group, _ = WorkGroup.objects.get_or_create(
        name=GROUP_NAME,
        defaults={
            "platform": "wecom",
            "endpoint": f"http://127.0.0.1:{demo_robot_port()}/wecom/cgi-bin/webhook/send"
            f"?key={fake_robot.KEY}",
            "mode": Mode.DAILY,
            "digest_time": time(9, 0),
            "kind_modes": {NotificationKind.PROBLEM_OVERDUE: Mode.IMMEDIATE},
        },
    )
    unit = Unit.objects.filter(code=GROUP_UNIT_CODE).first()
    if unit is not None:
        group.units.add(unit)
    return group


def demo_notifications(usernames: list[str]) -> int:
    """Raise today's news; every demo account ends with at least one unread notification."""
    today = clock.today()
    demo_work_group()
    states = MonthlyReport.State
    reports = MonthlyReport.objects.select_related("work_item")
    for report in reports.filter(state=states.RETURNED):
        report_returned_event(report)
    for report in reports.filter(state__in=[states.PENDING_SIGNOFF, states.SUBMITTED]):
        report_submitted_events(report)
    reminders_raise(on=today)
    overdue = Problem.objects.filter(state=Problem.State.ASSIGNED, due_date__lt=today)
    for late in overdue.order_by("pk"):
        problem_due_event(late, NotificationKind.PROBLEM_OVERDUE, today.isoformat())
    for meeting in Meeting.objects.filter(date__gte=today):
        meeting_scheduled_event(meeting)
    for user in User.objects.filter(username__in=usernames):
        if Notification.objects.filter(recipient=user, read_at__isnull=True).exists():
            continue
        problem = problem_list(user=user).filter(state=Problem.State.ASSIGNED).first()
        if problem is None:
            continue
        emit(
            Event(
                kind=NotificationKind.PROBLEM_DUE_SOON,
                key=f"demo:{user.pk}:{problem.pk}",
                target="problems.problem",
                target_id=problem.pk,
                text=f"问题“{problem.title}”正在办理，办理时限{problem.due_date}",
                url=problem.get_absolute_url(),
                user_ids=(user.pk,),
            )
        )
    return Notification.objects.filter(read_at__isnull=True).count()


def start_companions(write: Callable[[str], object]) -> Callable[[], None]:
    """Start the fake robot (a thread) and `duban worker` (a process) beside the demo server;
    returns what stops them."""
    robot: fake_robot.FakeRobots | None = None
    try:
        robot = fake_robot.start(demo_robot_port())
        write(f"示例工作群的机器人（本地模拟）：127.0.0.1:{demo_robot_port()}")
    except OSError as e:
        write(f"本地模拟机器人未能启动（{e}），工作群消息将在发送记录中显示为待重试。")
    worker = subprocess.Popen([sys.executable, "-m", "duban.cli", "worker"], env=os.environ.copy())
    write(f"后台发送进程已启动（duban worker，进程 {worker.pid}）。")

    def stop() -> None:
        worker.terminate()
        try:
            worker.wait(timeout=10)
        except subprocess.TimeoutExpired:
            worker.kill()
        if robot is not None:
            robot.close()

    return stop
