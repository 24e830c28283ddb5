"""Weekly windows: parsing errors, continuous-span membership, wrapping, boundaries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from spotkeeper.spec.windows import (
    Window,
    WindowBoundary,
    in_any_window,
    next_boundary,
    next_window_start,
    parse_window,
    parse_windows,
)

# 2026-01-05 is a Monday.
MON = datetime(2026, 1, 5, tzinfo=UTC)


def at(day_offset: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return MON + timedelta(days=day_offset, hours=hour, minutes=minute, seconds=second)


SUN, TUE, WED, THU, FRI, SAT = -1, 1, 2, 3, 4, 5
DAILY_WEEKDAYS = parse_windows(f"{d}:09:00-{d}:20:00" for d in ("Mon", "Tue", "Wed", "Thu", "Fri"))


def test_seed_example_tuesday_night_is_inside_the_monday_to_friday_span() -> None:
    span = parse_window("Mon:09:00-Fri:20:00")
    assert span.contains(at(TUE, 22))
    assert not in_any_window(DAILY_WEEKDAYS, at(TUE, 22))


def test_seed_example_daily_windows_cover_working_hours_only() -> None:
    assert in_any_window(DAILY_WEEKDAYS, at(TUE, 9))
    assert in_any_window(DAILY_WEEKDAYS, at(FRI, 19, 59))
    assert not in_any_window(DAILY_WEEKDAYS, at(FRI, 20))
    assert not in_any_window(DAILY_WEEKDAYS, at(SAT, 12))


@pytest.mark.parametrize(
    ("moment", "inside"),
    [
        (at(0, 8, 59, 59), False),
        (at(0, 9), True),  # the start minute is inside
        (at(WED, 3), True),
        (at(FRI, 19, 59, 59), True),
        (at(FRI, 20), False),  # the end minute is not
        (at(SAT, 10), False),
        (at(SUN, 23), False),
    ],
)
def test_span_is_half_open_and_continuous(moment: datetime, inside: bool) -> None:
    assert parse_window("Mon:09:00-Fri:20:00").contains(moment) is inside


@pytest.mark.parametrize(
    ("moment", "inside"),
    [
        (at(FRI, 21, 59), False),
        (at(FRI, 22), True),
        (at(SAT, 12), True),
        (at(SUN, 0), True),  # Sunday 00:00 (week boundary)
        (at(SUN, 23, 59), True),
        (at(0, 5, 59), True),
        (at(0, 6), False),
        (at(WED, 12), False),
    ],
)
def test_window_ending_before_it_starts_wraps_over_the_weekend(moment: datetime, inside: bool) -> None:
    window = parse_window("Fri:22:00-Mon:06:00")
    assert window.wraps
    assert window.contains(moment) is inside


def test_same_day_window_with_earlier_end_covers_almost_the_whole_week() -> None:
    window = parse_window("Mon:09:00-Mon:08:00")
    assert window.length == timedelta(days=7, hours=-1)
    assert window.contains(at(THU, 0))
    assert not window.contains(at(0, 8, 30))


@pytest.mark.parametrize("text", ["mon:09:00-FRI:20:00", "MON:09:00-fri:20:00", "mOn:09:00-fRi:20:00"])
def test_day_names_are_case_insensitive(text: str) -> None:
    assert parse_window(text) == parse_window("Mon:09:00-Fri:20:00")


def test_window_prints_in_canonical_form() -> None:
    assert str(parse_window("sat:00:00-sun:23:59")) == "Sat:00:00-Sun:23:59"


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("Mon 09:00-Fri:20:00", "must have the form ddd:hh:mm-ddd:hh:mm"),
        ("Mon:9:00-Fri:20:00", "must have the form"),
        ("Monday:09:00-Fri:20:00", "must have the form"),
        ("", "must have the form"),
        (" Mon:09:00-Fri:20:00", "must have the form"),
        ("Mox:09:00-Fri:20:00", "start day 'Mox' is not one of Sun, Mon, Tue, Wed, Thu, Fri, Sat"),
        ("Mon:09:00-Fry:20:00", "end day 'Fry'"),
        ("Mon:24:00-Fri:20:00", "start hour 24 is out of range 00-23"),
        ("Mon:09:00-Fri:20:60", "end minute 60 is out of range 00-59"),
        ("Tue:10:00-Tue:10:00", "starts and ends at the same time"),
    ],
)
def test_bad_window_text_gets_a_precise_error(text: str, fragment: str) -> None:
    with pytest.raises(ValueError) as caught:
        parse_window(text)
    assert fragment in str(caught.value)
    if text:
        assert repr(text) in str(caught.value)


def test_non_string_window_is_refused() -> None:
    with pytest.raises(ValueError, match="must be a string"):
        parse_window(42)  # type: ignore[arg-type]


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        parse_window("Mon:09:00-Fri:20:00").contains(datetime(2026, 1, 6, 12))


def test_other_timezones_are_read_as_the_same_instant_in_utc() -> None:
    plus_two = datetime(2026, 1, 5, 10, 30, tzinfo=UTC).astimezone(timezone(timedelta(hours=2)))
    assert parse_window("Mon:10:00-Mon:11:00").contains(plus_two)
    assert not parse_window("Mon:12:00-Mon:13:00").contains(plus_two)


def test_window_rejects_minutes_outside_the_week() -> None:
    with pytest.raises(ValueError, match="not a minute of the week"):
        Window(0, 7 * 24 * 60)


def test_next_window_start_is_strictly_after_and_picks_the_earliest() -> None:
    windows = parse_windows(["Wed:03:00-Wed:04:00", "Tue:19:46-Tue:20:46"])
    assert next_window_start(windows, at(0, 12)) == at(TUE, 19, 46)
    assert next_window_start(windows, at(TUE, 19, 46)) == at(WED, 3)
    assert next_window_start(windows, at(WED, 3, 0, 1)) == at(TUE + 7, 19, 46)
    assert next_window_start([], at(0, 0)) is None


def test_next_window_start_wraps_into_next_week() -> None:
    windows = parse_windows(["Sun:01:00-Sun:02:00"])
    assert next_window_start(windows, at(SAT, 23)) == at(SUN + 7, 1)


def test_next_boundary_reports_entering_then_leaving() -> None:
    windows = parse_windows(["Wed:19:46-Wed:21:46"])
    entering = next_boundary(windows, at(0, 0))
    assert entering == WindowBoundary(at=at(WED, 19, 46), entering=True)
    leaving = next_boundary(windows, entering.at)
    assert leaving == WindowBoundary(at=at(WED, 21, 46), entering=False)
    again = next_boundary(windows, leaving.at)
    assert again == WindowBoundary(at=at(WED + 7, 19, 46), entering=True)


def test_next_boundary_treats_overlapping_and_adjacent_windows_as_their_union() -> None:
    windows = parse_windows(["Mon:09:00-Mon:12:00", "Mon:11:00-Mon:14:00", "Mon:14:00-Mon:15:00"])
    assert next_boundary(windows, at(0, 10)) == WindowBoundary(at=at(0, 15), entering=False)


def test_next_boundary_is_none_without_windows_or_when_they_cover_the_week() -> None:
    assert next_boundary([], at(0, 0)) is None
    whole_week = parse_windows(["Sun:00:00-Wed:00:00", "Wed:00:00-Sun:00:00"])
    assert next_boundary(whole_week, at(TUE, 5)) is None
    assert in_any_window(whole_week, at(SAT, 23, 59, 59))


def test_next_boundary_from_mid_minute_finds_the_wrapped_end() -> None:
    windows = parse_windows(["Fri:22:00-Mon:06:00"])
    assert next_boundary(windows, at(SAT, 3, 17, 42)) == WindowBoundary(at=at(7, 6), entering=False)
