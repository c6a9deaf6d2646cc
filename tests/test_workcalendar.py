"""Calendar (issue 7 item 9): end of working day in Amsterdam, holidays by rule for any year."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from domain.policy import parse_policy
from domain.workcalendar import (
    CalendarPolicy,
    dutch_holidays,
    easter_sunday,
    from_amsterdam,
    to_amsterdam,
)
from sg989.policy_files import POLICY_DIR

CAL = CalendarPolicy()


def test_easter_and_the_holidays_follow_from_rules_for_any_year() -> None:
    assert [easter_sunday(y) for y in (2024, 2026, 2027, 2049)] == [
        date(2024, 3, 31),
        date(2026, 4, 5),
        date(2027, 3, 28),
        date(2049, 4, 18),
    ]
    far = dutch_holidays(2049, "every_year", False)
    assert {date(2049, 4, 19), date(2049, 5, 27), date(2049, 6, 7), date(2049, 12, 26)} <= far
    assert date(2025, 4, 26) in dutch_holidays(2025, "every_year", False)  # 27 April a Sunday


def test_bevrijdingsdag_is_marked_in_the_policy() -> None:
    assert date(2031, 5, 5) in dutch_holidays(2031, "every_year", False)
    assert date(2031, 5, 5) not in dutch_holidays(2031, "lustrum", False)
    assert date(2030, 5, 5) in dutch_holidays(2030, "lustrum", False)
    policy = parse_policy((POLICY_DIR / "deadlines-2026.2.toml").read_text())
    assert policy.calendar is not None
    assert policy.calendar.bevrijdingsdag == "every_year"
    assert policy.calendar.bevrijdingsdag_basis == "Algemene termijnenwet art. 3"


def test_amsterdam_wall_clock_follows_summer_and_winter_time() -> None:
    assert to_amsterdam(datetime(2026, 1, 15, 12, tzinfo=UTC)) == datetime(2026, 1, 15, 13)
    assert to_amsterdam(datetime(2026, 7, 15, 12, tzinfo=UTC)) == datetime(2026, 7, 15, 14)
    assert from_amsterdam(datetime(2026, 7, 15, 17)) == datetime(2026, 7, 15, 15, tzinfo=UTC)
    assert to_amsterdam(datetime(2026, 3, 29, 0, 59, tzinfo=UTC)).hour == 1  # before the switch
    assert to_amsterdam(datetime(2026, 3, 29, 1, 0, tzinfo=UTC)).hour == 3


def test_working_days_are_judged_on_the_amsterdam_date() -> None:
    sunday_night_utc = datetime(2026, 7, 5, 22, 30, tzinfo=UTC)  # Monday 00:30 in Amsterdam
    due = CAL.add_working_days(sunday_night_utc, 1)
    assert to_amsterdam(due) == datetime(2026, 7, 7, 17, 0)  # Tuesday, end of the working day


def test_a_term_ending_on_a_day_off_ends_at_the_end_of_the_next_working_day() -> None:
    assert to_amsterdam(CAL.deadline(datetime(2026, 12, 25, 9, tzinfo=UTC))) == datetime(
        2026, 12, 28, 17, 0
    )
    saturday = datetime(2026, 11, 28, 10, tzinfo=UTC)
    assert to_amsterdam(CAL.on_working_day(saturday)) == datetime(2026, 11, 27, 17, 0)


def test_older_policy_versions_keep_their_own_calendar() -> None:
    old = parse_policy((POLICY_DIR / "deadlines-2026.1.toml").read_text())
    start = datetime(2026, 12, 20, 10, tzinfo=UTC)
    assert old.calendar is None
    assert old.term_end(start, 6, "weeks") == datetime(2027, 1, 31, 10, tzinfo=UTC)


async def test_deadlines_and_reminders_of_a_case_fall_on_working_days(
    time_worker, policy, task_queue
) -> None:
    from domain.phases import TaskType
    from tests.workflows.driver import CaseDriver

    case = await CaseDriver.start(time_worker.client, policy, task_queue)
    await case.intake()
    for task in (await case.state()).open_tasks():
        due, reminder = to_amsterdam(task.due_at), to_amsterdam(task.reminder_at)
        assert due.time() == time(17, 0) and CAL.is_working_day(due.date()), task.task_type
        assert CAL.is_working_day(reminder.date()), task.task_type
    keuze = await case.open_task(TaskType.keuze_afhandeling)
    assert keuze.due_at == policy.due(TaskType.keuze_afhandeling, keuze.opened_at)
