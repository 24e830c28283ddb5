"""Cron tasks: which are due (collapsed, in time order), the next firing, validation, words."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from spotkeeper.engine.schedule import ScheduledTask, check_cron, describe_cron, due_tasks, next_fire

MON = datetime(2026, 1, 5, tzinfo=UTC)  # a Monday
PAUSE_EVENINGS = ScheduledTask("pause", "0 20 * * 1-5")
RESUME_MORNINGS = ScheduledTask("resume", "0 8 * * 1-5")


def test_task_firing_inside_the_window_is_due_at_its_time() -> None:
    due = due_tasks(
        [PAUSE_EVENINGS], after=MON + timedelta(hours=19, minutes=59), until=MON + timedelta(hours=20)
    )
    assert due == [(MON + timedelta(hours=20), PAUSE_EVENINGS)]


def test_window_is_open_at_the_start_and_closed_at_the_end() -> None:
    at_eight_pm = MON + timedelta(hours=20)
    assert due_tasks([PAUSE_EVENINGS], after=at_eight_pm, until=at_eight_pm + timedelta(minutes=5)) == []
    assert due_tasks([PAUSE_EVENINGS], after=at_eight_pm - timedelta(seconds=1), until=at_eight_pm) != []


def test_missed_runs_collapse_to_the_latest_firing_per_task() -> None:
    every_15 = ScheduledTask("recycle", "*/15 * * * *")
    due = due_tasks([every_15], after=MON, until=MON + timedelta(hours=3, minutes=7))
    assert due == [(MON + timedelta(hours=3), every_15)]


def test_collapsed_tasks_still_run_in_time_order_so_the_last_intent_wins() -> None:
    # Worker down from Monday 19:00 to Tuesday 09:00: pause (Mon 20:00) then resume (Tue 08:00).
    due = due_tasks(
        [RESUME_MORNINGS, PAUSE_EVENINGS],
        after=MON + timedelta(hours=19),
        until=MON + timedelta(days=1, hours=9),
    )
    assert [(t, task.type) for t, task in due] == [
        (MON + timedelta(hours=20), "pause"),
        (MON + timedelta(days=1, hours=8), "resume"),
    ]


def test_a_three_day_outage_keeps_only_the_latest_pause_and_resume() -> None:
    due = due_tasks([PAUSE_EVENINGS, RESUME_MORNINGS], after=MON, until=MON + timedelta(days=3, hours=12))
    assert [(t, task.type) for t, task in due] == [
        (MON + timedelta(days=2, hours=20), "pause"),
        (MON + timedelta(days=3, hours=8), "resume"),
    ]


def test_disabled_tasks_never_fire() -> None:
    off = ScheduledTask("pause", "* * * * *", enabled=False)
    assert due_tasks([off], after=MON, until=MON + timedelta(days=1)) == []
    assert next_fire([off], MON) is None


def test_simultaneous_firings_keep_the_tasks_order() -> None:
    first, second = ScheduledTask("recycle", "0 12 * * *"), ScheduledTask("pause", "0 12 * * *")
    due = due_tasks([first, second], after=MON, until=MON + timedelta(hours=13))
    assert [task for _, task in due] == [first, second]


def test_next_fire_is_the_earliest_enabled_task_strictly_after() -> None:
    tasks = [PAUSE_EVENINGS, RESUME_MORNINGS]
    assert next_fire(tasks, MON) == MON + timedelta(hours=8)
    assert next_fire(tasks, MON + timedelta(hours=8)) == MON + timedelta(hours=20)
    assert next_fire(tasks, MON + timedelta(days=4, hours=21)) == MON + timedelta(days=7, hours=8)
    assert next_fire([], MON) is None


def test_day_of_week_zero_is_sunday_in_utc() -> None:
    sunday = ScheduledTask("pause", "30 2 * * 0")
    assert next_fire([sunday], MON) == MON + timedelta(days=6, hours=2, minutes=30)


@pytest.mark.parametrize(
    ("expr", "fragment"),
    [
        ("0 20 * *", "must have 5 fields"),
        ("0 0 20 * * 1", "must have 5 fields"),
        ("@daily", "must have 5 fields"),
        ("61 * * * *", "is not valid"),
        ("0 25 * * *", "is not valid"),
    ],
)
def test_bad_cron_expressions_are_refused_with_the_expression_quoted(expr: str, fragment: str) -> None:
    with pytest.raises(ValueError, match=fragment) as caught:
        check_cron(expr)
    assert repr(expr) in str(caught.value)


def test_task_with_bad_type_or_cron_is_refused() -> None:
    with pytest.raises(ValueError, match="task type"):
        ScheduledTask("stop", "0 0 * * *")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="5 fields"):
        ScheduledTask("pause", "daily")


@pytest.mark.parametrize(
    ("expr", "words"),
    [
        ("0 20 * * 1-5", "at 20:00, Monday through Friday"),
        ("*/15 * * * *", "every 15 minutes"),
        ("* * * * *", "every minute"),
        ("35 12 * * *", "at 12:35, every day"),
        ("0 * * * *", "at minute 0 of every hour"),
        ("0 */2 * * *", "at minute 0, every 2 hours"),
        ("0 9,17 * * *", "at 09:00 and 17:00, every day"),
        ("0 8 * * 1,3,5", "at 08:00, Monday, Wednesday and Friday"),
        ("0 0 * * MON-FRI", "at 00:00, Monday through Friday"),
        ("30 2 * * 7", "at 02:30, Sunday"),
        ("0 0 * * */2", "at 00:00, Sunday, Tuesday, Thursday and Saturday"),
        ("0 0 1 * *", "at 00:00, on day 1 of the month"),
        ("0 0 1 * 1", "at 00:00, on day 1 of the month or on Monday"),
        ("0 0 1,15 jan,jul *", "at 00:00, on day 1 and 15 of the month, in January and July"),
        ("*/5 9-17 * * 1-5", "every 5 minutes, between 09:00 and 17:59, Monday through Friday"),
    ],
)
def test_cron_in_words(expr: str, words: str) -> None:
    assert describe_cron(expr) == words
