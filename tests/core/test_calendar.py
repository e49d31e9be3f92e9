"""The working-day calendar: holidays, decreed swaps, office hours and due dates.

Every expected value below was worked out by hand from the rules in `core/calendar.py`
(07:30-11:30 and 13:30-17:00, 7.5 h a working day, receipts from 15:00 count from the next
working morning) and the 2026 calendar decreed for civil servants.
"""

from datetime import UTC, date, datetime, time, timedelta
from types import SimpleNamespace

import pytest

from core import calendar as cal
from core.calendar import (
    TimeUnit,
    WorkingCalendar,
    add_working_days,
    add_working_hours,
    due_at,
    get_calendar,
    invalidate_calendar,
    is_working_day,
    parse_sessions,
    working_days_between,
)
from core.models import CalendarOverride
from tests.support.clock import TZ, at

# The 2026 decreed swaps, as the migration seeds them, for tests that need no database.
SWAPS_2026 = {date(2026, 1, 2): False, date(2026, 1, 10): True, date(2026, 8, 22): True}


def assert_local(moment, expected):
    assert moment == expected
    assert moment.utcoffset() == timedelta(hours=7)


@pytest.fixture
def plain():
    """The default office hours with the 2026 swaps given explicitly: no database involved."""
    return WorkingCalendar(overrides=dict(SWAPS_2026))


# --- which days are worked ---------------------------------------------------------------------
class TestWorkingDaysFromTheDatabase:
    pytestmark = pytest.mark.django_db

    def test_seeded_swaps_are_in_the_database(self):
        rows = dict(CalendarOverride.objects.values_list("date", "is_working_day"))
        assert rows == {**SWAPS_2026, date(2025, 4, 26): True}

    @pytest.mark.parametrize(
        ("day", "worked"),
        [
            # New Year: Thu 1 Jan is the holiday, Fri 2 Jan is swapped off for Sat 10 Jan.
            (date(2026, 1, 1), False),
            (date(2026, 1, 2), False),
            (date(2026, 1, 3), False),
            (date(2026, 1, 5), True),
            (date(2026, 1, 10), True),
            (date(2026, 1, 17), False),  # an ordinary Saturday stays off
            # Tết Bính Ngọ: Mon 16 - Fri 20 Feb off, back on Mon 23 Feb.
            (date(2026, 2, 13), True),
            (date(2026, 2, 16), False),
            (date(2026, 2, 17), False),
            (date(2026, 2, 18), False),
            (date(2026, 2, 19), False),
            (date(2026, 2, 20), False),
            (date(2026, 2, 23), True),
            # Hùng Kings day falls on Sun 26 Apr: Mon 27 Apr is the substitute day off.
            (date(2026, 4, 24), True),
            (date(2026, 4, 26), False),
            (date(2026, 4, 27), False),
            (date(2026, 4, 28), True),
            # Reunification day and Labour day: Thu 30 Apr, Fri 1 May.
            (date(2026, 4, 29), True),
            (date(2026, 4, 30), False),
            (date(2026, 5, 1), False),
            (date(2026, 5, 4), True),
            # National day: Tue 1 and Wed 2 Sep, plus Mon 31 Aug swapped for Sat 22 Aug.
            (date(2026, 8, 21), True),
            (date(2026, 8, 22), True),
            (date(2026, 8, 29), False),
            (date(2026, 8, 31), False),
            (date(2026, 9, 1), False),
            (date(2026, 9, 2), False),
            (date(2026, 9, 3), True),
            # Vietnamese Culture Day is a holiday from 2026 only.
            (date(2026, 11, 24), False),
            (date(2025, 11, 24), True),
            (date(2026, 11, 23), True),
            (date(2026, 11, 25), True),
        ],
    )
    def test_is_working_day(self, day, worked):
        assert is_working_day(day) is worked

    def test_holiday_names_are_vietnamese(self):
        assert cal.holiday_name(date(2026, 11, 24)) == "Ngày Văn hóa Việt Nam"
        assert cal.holiday_name(date(2026, 4, 27)) == "Ngày Giỗ Tổ Hùng Vương (nghỉ bù)"
        assert cal.holiday_name(date(2025, 11, 24)) is None


# --- when the clock starts ---------------------------------------------------------------------
class TestCountingStart:
    """The counting start, observed as due_at(..., 0): a zero time limit is due when it starts."""

    pytestmark = pytest.mark.django_db

    @pytest.mark.parametrize(
        ("received", "starts"),
        [
            # Inside office hours and before 15:00: from the moment of receipt.
            (at(2026, 3, 3, 9, 17), at(2026, 3, 3, 9, 17)),
            (at(2026, 3, 3, 7, 30), at(2026, 3, 3, 7, 30)),
            (at(2026, 3, 3, 14, 59), at(2026, 3, 3, 14, 59)),
            # Before the doors open: from 07:30 that morning.
            (at(2026, 3, 3, 6, 45), at(2026, 3, 3, 7, 30)),
            (at(2026, 3, 3, 0, 0), at(2026, 3, 3, 7, 30)),
            # Lunch break (11:30 itself included): from 13:30 the same day.
            (at(2026, 3, 3, 11, 30), at(2026, 3, 3, 13, 30)),
            (at(2026, 3, 3, 12, 15), at(2026, 3, 3, 13, 30)),
            # At or after the 15:00 cut-off, or after closing: the next working morning.
            (at(2026, 3, 3, 15, 0), at(2026, 3, 4, 7, 30)),
            (at(2026, 3, 3, 16, 59), at(2026, 3, 4, 7, 30)),
            (at(2026, 3, 3, 17, 0), at(2026, 3, 4, 7, 30)),
            (at(2026, 3, 3, 21, 0), at(2026, 3, 4, 7, 30)),
            # Friday afternoon: Monday morning.
            (at(2026, 3, 6, 16, 0), at(2026, 3, 9, 7, 30)),
            # Saturday and Sunday: Monday morning.
            (at(2026, 3, 7, 9, 0), at(2026, 3, 9, 7, 30)),
            (at(2026, 3, 8, 10, 0), at(2026, 3, 9, 7, 30)),
            # Friday before Tết, after the cut-off: Monday 23 Feb, after the holiday.
            (at(2026, 2, 13, 16, 0), at(2026, 2, 23, 7, 30)),
            # New Year's day: Fri 2 Jan is off (swap), so Monday 5 Jan.
            (at(2026, 1, 1, 9, 0), at(2026, 1, 5, 7, 30)),
            # The worked Saturday counts like any weekday, cut-off included.
            (at(2026, 1, 10, 9, 0), at(2026, 1, 10, 9, 0)),
            (at(2026, 1, 10, 15, 30), at(2026, 1, 12, 7, 30)),
        ],
    )
    def test_counting_start(self, received, starts):
        assert_local(due_at(received, 0), starts)
        assert_local(get_calendar().counting_start(received), starts)


# --- due dates in working days -----------------------------------------------------------------
class TestDueInWorkingDays:
    pytestmark = pytest.mark.django_db

    def test_one_day_from_mid_morning_is_the_same_time_next_day(self):
        # Tue 09:00 + 7.5 h of office time = Wed 09:00.
        assert_local(due_at(at(2026, 3, 3, 9, 0), 1), at(2026, 3, 4, 9, 0))

    def test_one_day_from_the_morning_opening_ends_that_evening(self):
        assert_local(due_at(at(2026, 3, 3, 7, 30), 1), at(2026, 3, 3, 17, 0))

    def test_receipt_before_opening_counts_from_0730(self):
        assert_local(due_at(at(2026, 3, 3, 6, 45), 1), at(2026, 3, 3, 17, 0))

    def test_receipt_during_lunch_counts_from_1330(self):
        # 13:30-17:00 is 3.5 h, the remaining 4 h fill Wednesday morning exactly.
        assert_local(due_at(at(2026, 3, 3, 12, 15), 1), at(2026, 3, 4, 11, 30))

    def test_receipt_just_before_the_cutoff_counts_from_receipt(self):
        assert_local(due_at(at(2026, 3, 3, 14, 59), 1), at(2026, 3, 4, 14, 59))

    def test_receipt_exactly_at_the_cutoff_counts_from_next_morning(self):
        assert_local(due_at(at(2026, 3, 3, 15, 0), 1), at(2026, 3, 4, 17, 0))

    def test_friday_1600_receipt_counts_from_monday_morning(self):
        assert_local(due_at(at(2026, 3, 6, 16, 0), 1), at(2026, 3, 9, 17, 0))
        assert_local(due_at(at(2026, 3, 6, 16, 0), 3), at(2026, 3, 11, 17, 0))

    def test_sunday_receipt(self):
        assert_local(due_at(at(2026, 3, 8, 10, 0), 2), at(2026, 3, 10, 17, 0))

    def test_tet_2026_is_skipped(self):
        # Fri 13 Feb 10:00 + 3 days: Mon 23, Tue 24, Wed 25 Feb at 10:00.
        assert_local(due_at(at(2026, 2, 13, 10, 0), 3), at(2026, 2, 25, 10, 0))
        # Received on the last afternoon before Tết, after the cut-off.
        assert_local(due_at(at(2026, 2, 13, 16, 0), 1), at(2026, 2, 23, 17, 0))
        # Received during Tết: counts from Mon 23 Feb.
        assert_local(due_at(at(2026, 2, 18, 9, 0), 1), at(2026, 2, 23, 17, 0))

    def test_new_year_swap_from_the_database(self):
        # Wed 31 Dec 2025 09:00 + 1 day: Thu 1 Jan holiday, Fri 2 Jan swapped off -> Mon 5 Jan.
        assert_local(due_at(at(2025, 12, 31, 9, 0), 1), at(2026, 1, 5, 9, 0))
        # Mon 5 Jan 09:00 + 5 days: Tue, Wed, Thu, Fri, then the worked Saturday 10 Jan.
        assert_local(due_at(at(2026, 1, 5, 9, 0), 5), at(2026, 1, 10, 9, 0))
        assert_local(add_working_days(at(2026, 1, 9, 9, 0), 1), at(2026, 1, 10, 9, 0))

    def test_hung_kings_day_2026_substitute_monday(self):
        # Fri 24 Apr 09:00 + 1 day: Sat, Sun 26 (the holiday), Mon 27 (substitute) -> Tue 28.
        assert_local(due_at(at(2026, 4, 24, 9, 0), 1), at(2026, 4, 28, 9, 0))

    def test_reunification_and_labour_day(self):
        # Wed 29 Apr 09:00 + 2 days: Thu 30, Fri 1 May, weekend -> Mon 4, Tue 5 May.
        assert_local(due_at(at(2026, 4, 29, 9, 0), 2), at(2026, 5, 5, 9, 0))

    def test_national_day_2026_and_its_swap(self):
        # Fri 21 Aug 09:00 + 1 day lands on the worked Saturday 22 Aug.
        assert_local(due_at(at(2026, 8, 21, 9, 0), 1), at(2026, 8, 22, 9, 0))
        # Fri 28 Aug 09:00 + 1 day: Mon 31 Aug (swap), Tue 1 and Wed 2 Sep off -> Thu 3 Sep.
        assert_local(due_at(at(2026, 8, 28, 9, 0), 1), at(2026, 9, 3, 9, 0))

    def test_culture_day_from_2026_only(self):
        # Mon 23 Nov 2026 + 1 day skips Tue 24 Nov.
        assert_local(due_at(at(2026, 11, 23, 9, 0), 1), at(2026, 11, 25, 9, 0))
        # Mon 24 Nov 2025 was an ordinary working day.
        assert_local(due_at(at(2025, 11, 24, 9, 0), 1), at(2025, 11, 25, 9, 0))

    def test_fractional_days(self):
        # Half a working day = 3 h 45 min.
        assert_local(due_at(at(2026, 3, 3, 7, 30), 0.5), at(2026, 3, 3, 11, 15))

    def test_explicit_unit(self):
        received = at(2026, 3, 3, 9, 0)
        assert due_at(received, 2, TimeUnit.WORKING_DAYS) == due_at(received, 2)

    def test_ten_working_days_across_a_holiday_week(self):
        # Mon 9 Feb 07:30 + 10 days: 9-13 Feb (5), 23-27 Feb (5) -> Fri 27 Feb 17:00.
        assert_local(due_at(at(2026, 2, 9, 7, 30), 10), at(2026, 2, 27, 17, 0))


# --- due dates in working hours ----------------------------------------------------------------
class TestDueInWorkingHours:
    pytestmark = pytest.mark.django_db

    def test_hours_within_the_morning(self):
        assert_local(due_at(at(2026, 3, 3, 8, 0), 2, TimeUnit.WORKING_HOURS), at(2026, 3, 3, 10, 0))

    def test_hours_ending_exactly_at_noon_stay_at_1130(self):
        assert_local(add_working_hours(at(2026, 3, 3, 10, 0), 1.5), at(2026, 3, 3, 11, 30))

    def test_hours_skip_lunch(self):
        # 10:00-11:30 is 1.5 h; the last half hour runs 13:30-14:00.
        assert_local(add_working_hours(at(2026, 3, 3, 10, 0), 2), at(2026, 3, 3, 14, 0))

    def test_eight_hours_spill_into_the_next_day(self):
        # Tue 10:00-11:30 and 13:30-17:00 = 5 h; 3 h more from Wed 07:30.
        assert_local(
            due_at(at(2026, 3, 3, 10, 0), 8, TimeUnit.WORKING_HOURS), at(2026, 3, 4, 10, 30)
        )

    def test_hours_over_a_weekend(self):
        # Fri 14:00-17:00 = 3 h; the fourth hour is Mon 07:30-08:30.
        assert_local(
            due_at(at(2026, 3, 6, 14, 0), 4, TimeUnit.WORKING_HOURS), at(2026, 3, 9, 8, 30)
        )

    def test_hours_after_the_cutoff_start_next_morning(self):
        assert_local(
            due_at(at(2026, 3, 3, 15, 30), 4, TimeUnit.WORKING_HOURS), at(2026, 3, 4, 11, 30)
        )

    def test_hours_over_tet(self):
        # Fri 13 Feb 16:00 (after the cut-off) + 8 h: Mon 23 Feb 07:30-17:00 is 7.5 h,
        # the last half hour is Tue 24 Feb 07:30-08:00.
        assert_local(
            due_at(at(2026, 2, 13, 16, 0), 8, TimeUnit.WORKING_HOURS), at(2026, 2, 24, 8, 0)
        )


# --- due dates in calendar days ----------------------------------------------------------------
class TestDueInCalendarDays:
    pytestmark = pytest.mark.django_db

    def test_landing_on_a_working_day_ends_that_evening(self):
        # Tue 3 Mar 09:00 + 7 days: the last day is Tue 10 Mar, the limit ends at 17:00.
        assert_local(due_at(at(2026, 3, 3, 9, 0), 7, TimeUnit.DAYS), at(2026, 3, 10, 17, 0))

    def test_weekends_count_as_days(self):
        # Fri 6 Mar 09:00 + 3 days = Mon 9 Mar, end of office hours.
        assert_local(due_at(at(2026, 3, 6, 9, 0), 3, TimeUnit.DAYS), at(2026, 3, 9, 17, 0))

    def test_landing_on_a_sunday_moves_to_the_end_of_monday(self):
        # Tue 3 Mar + 5 days = Sun 8 Mar -> end of Mon 9 Mar.
        assert_local(due_at(at(2026, 3, 3, 9, 0), 5, TimeUnit.DAYS), at(2026, 3, 9, 17, 0))

    def test_landing_in_tet_moves_to_the_end_of_the_first_day_back(self):
        # Thu 5 Feb + 10 days = Sun 15 Feb; Mon 16 - Sun 22 Feb off -> end of Mon 23 Feb.
        assert_local(due_at(at(2026, 2, 5, 9, 0), 10, TimeUnit.DAYS), at(2026, 2, 23, 17, 0))
        # Mon 9 Feb + 8 days = Tue 17 Feb (Tết) -> end of Mon 23 Feb.
        assert_local(due_at(at(2026, 2, 9, 9, 0), 8, TimeUnit.DAYS), at(2026, 2, 23, 17, 0))

    def test_landing_on_the_swapped_day_off_from_the_database(self):
        # Tue 23 Dec 2025 + 10 days = Fri 2 Jan 2026, swapped off -> end of Mon 5 Jan.
        assert_local(due_at(at(2025, 12, 23, 9, 0), 10, TimeUnit.DAYS), at(2026, 1, 5, 17, 0))

    def test_landing_on_the_worked_saturday_from_the_database(self):
        # Sat 3 Jan is off, so the clock starts Mon 5 Jan 07:30; + 5 days = Sat 10 Jan, worked:
        # the limit ends at the end of that Saturday's office hours.
        assert_local(due_at(at(2026, 1, 3, 9, 0), 5, TimeUnit.DAYS), at(2026, 1, 10, 17, 0))

    def test_landing_on_the_national_day_swap(self):
        # Mon 24 Aug + 7 days = Mon 31 Aug (swapped off); 1-2 Sep off -> end of Thu 3 Sep.
        assert_local(due_at(at(2026, 8, 24, 9, 0), 7, TimeUnit.DAYS), at(2026, 9, 3, 17, 0))

    def test_calendar_day_limit_ends_at_the_end_of_its_last_day(self):
        # Tue 3 Mar 09:00 + 10 days: the last day is Fri 13 Mar, the limit ends that evening.
        assert_local(due_at(at(2026, 3, 3, 9, 0), 10, TimeUnit.DAYS), at(2026, 3, 13, 17, 0))


# --- due dates in months ----------------------------------------------------------------------
class TestDueInMonths:
    """A limit published as "N tháng". Civil Code 2015 (Bộ luật Dân sự 2015):
    - art. 147(2): for a period in days, weeks, months or years the first day is not counted;
    - art. 148(3): a period in months ends at the end of the corresponding day of its last month;
      when that month has no such day, at the end of its last day;
    - art. 148(5): when the last day is a weekend day or a holiday, the period ends at the end of
      the next working day;
    - art. 146(1)(c) counts a month as 30 days only for a period that is not continuous, so a
      continuous limit of N months is not 30 x N days.
    As for calendar days, "the end of the day" is the end of office hours (17:00)."""

    pytestmark = pytest.mark.django_db

    def test_the_corresponding_day_of_the_next_month(self):
        # Tue 3 Mar 09:00 + 1 month: the last day is Fri 3 Apr.
        assert_local(due_at(at(2026, 3, 3, 9, 0), 1, TimeUnit.MONTHS), at(2026, 4, 3, 17, 0))

    def test_three_months_are_not_ninety_days(self):
        # Mon 2 Mar + 3 months = Tue 2 Jun; 90 days would have ended on Mon 1 Jun (31 May is
        # a Sunday).
        received = at(2026, 3, 2, 9, 0)
        assert_local(due_at(received, 3, TimeUnit.MONTHS), at(2026, 6, 2, 17, 0))
        assert_local(due_at(received, 90, TimeUnit.DAYS), at(2026, 6, 1, 17, 0))

    def test_a_month_without_the_corresponding_day_ends_on_its_last_day(self):
        # Fri 30 Jan + 1 month: February 2026 has no 30th -> Sat 28 Feb, a day off -> end of
        # Mon 2 Mar (art. 148(3) then (5)).
        assert_local(due_at(at(2026, 1, 30, 10, 0), 1, TimeUnit.MONTHS), at(2026, 3, 2, 17, 0))
        # Mon 31 Jan 2028 + 1 month = Tue 29 Feb 2028 (a leap year).
        assert_local(due_at(at(2028, 1, 31, 9, 0), 1, TimeUnit.MONTHS), at(2028, 2, 29, 17, 0))
        # Tue 29 Feb 2028 + 12 months = Wed 28 Feb 2029.
        assert_local(due_at(at(2028, 2, 29, 9, 0), 12, TimeUnit.MONTHS), at(2029, 2, 28, 17, 0))

    def test_landing_in_tet_moves_to_the_end_of_the_first_day_back(self):
        # Thu 15 Jan + 1 month = Sun 15 Feb; Tết 16-20 Feb, weekend 21-22 -> end of Mon 23 Feb.
        assert_local(due_at(at(2026, 1, 15, 9, 0), 1, TimeUnit.MONTHS), at(2026, 2, 23, 17, 0))

    def test_landing_on_reunification_day_and_labour_day(self):
        # Tue 31 Mar + 1 month = Thu 30 Apr (holiday); Fri 1 May (holiday), weekend -> Mon 4 May.
        assert_local(due_at(at(2026, 3, 31, 9, 0), 1, TimeUnit.MONTHS), at(2026, 5, 4, 17, 0))

    def test_landing_on_the_national_day_swap(self):
        # Fri 31 Jul + 1 month = Mon 31 Aug (swapped off); 1-2 Sep off -> end of Thu 3 Sep.
        assert_local(due_at(at(2026, 7, 31, 9, 0), 1, TimeUnit.MONTHS), at(2026, 9, 3, 17, 0))

    def test_landing_on_the_worked_saturday_from_the_database(self):
        # Wed 10 Dec 2025 + 1 month = Sat 10 Jan 2026, a worked Saturday: ends that evening.
        assert_local(due_at(at(2025, 12, 10, 9, 0), 1, TimeUnit.MONTHS), at(2026, 1, 10, 17, 0))

    def test_the_month_counts_from_the_counting_start(self):
        # Received Tue 3 Mar at 16:00 (after the 15:00 cut-off): the clock starts Wed 4 Mar, so
        # + 1 month = Sat 4 Apr -> end of Mon 6 Apr.
        assert_local(due_at(at(2026, 3, 3, 16, 0), 1, TimeUnit.MONTHS), at(2026, 4, 6, 17, 0))

    def test_a_fraction_of_a_month_counts_thirty_days_a_month(self):
        # No catalogue has one; half a month is 15 days (art. 146(1)(d)): Tue 3 Mar -> Wed 18 Mar.
        assert_local(due_at(at(2026, 3, 3, 9, 0), 0.5, TimeUnit.MONTHS), at(2026, 3, 18, 17, 0))
        # 1.5 months: 3 Apr + 15 days = Sat 18 Apr -> end of Mon 20 Apr.
        assert_local(due_at(at(2026, 3, 3, 9, 0), 1.5, TimeUnit.MONTHS), at(2026, 4, 20, 17, 0))

    @pytest.mark.parametrize(
        ("day", "months", "expected"),
        [
            (date(2026, 1, 31), 1, date(2026, 2, 28)),
            (date(2026, 1, 31), 2, date(2026, 3, 31)),
            (date(2026, 3, 31), 1, date(2026, 4, 30)),
            (date(2026, 11, 30), 3, date(2027, 2, 28)),
            (date(2026, 12, 15), 1, date(2027, 1, 15)),
            (date(2026, 5, 15), 12, date(2027, 5, 15)),
            (date(2026, 5, 15), 0, date(2026, 5, 15)),
        ],
    )
    def test_add_months(self, day, months, expected):
        assert cal.add_months(day, months) == expected


# --- elapsed office time -----------------------------------------------------------------------
class TestWorkingDaysBetween:
    pytestmark = pytest.mark.django_db

    def test_a_full_working_day(self):
        assert working_days_between(at(2026, 3, 3, 7, 30), at(2026, 3, 3, 17, 0)) == 1

    def test_across_lunch(self):
        # 09:45-11:30 is 1 h 45, 13:30-15:30 is 2 h: 3 h 45 = half a working day.
        assert working_days_between(at(2026, 3, 3, 9, 45), at(2026, 3, 3, 15, 30)) == 0.5

    def test_lunch_break_alone_is_no_office_time(self):
        assert working_days_between(at(2026, 3, 3, 11, 30), at(2026, 3, 3, 13, 30)) == 0

    def test_across_a_weekend(self):
        # Fri 13:30-17:00 (3.5 h) + Mon 07:30-11:30 (4 h) = 7.5 h.
        assert working_days_between(at(2026, 3, 6, 13, 30), at(2026, 3, 9, 11, 30)) == 1

    def test_across_tet(self):
        assert working_days_between(at(2026, 2, 13, 7, 30), at(2026, 2, 23, 17, 0)) == 2

    def test_counts_the_worked_saturday(self):
        assert working_days_between(at(2026, 1, 9, 7, 30), at(2026, 1, 12, 17, 0)) == 3

    def test_negative_when_overdue(self):
        # Due Mon 9 Mar 11:30, now Fri 6 Mar 13:30: one working day left, and the reverse.
        assert working_days_between(at(2026, 3, 9, 11, 30), at(2026, 3, 6, 13, 30)) == -1

    def test_round_trip_with_due_at(self):
        received = at(2026, 2, 11, 10, 20)
        start = get_calendar().counting_start(received)
        assert working_days_between(start, due_at(received, 4)) == pytest.approx(4)

    def test_on_a_day_off_is_zero(self):
        assert working_days_between(at(2026, 4, 30, 7, 0), at(2026, 5, 3, 20, 0)) == 0


# --- editing the overrides ---------------------------------------------------------------------
class TestOverridesAreLiveData:
    pytestmark = pytest.mark.django_db

    def test_adding_an_override_takes_effect(self):
        saturday = date(2026, 3, 7)
        assert is_working_day(saturday) is False  # the calendar is now cached
        CalendarOverride.objects.create(date=saturday, is_working_day=True, reason="Làm bù")
        assert is_working_day(saturday) is True
        # Fri 6 Mar 09:00 + 1 day is now due on the Saturday.
        assert_local(due_at(at(2026, 3, 6, 9, 0), 1), at(2026, 3, 7, 9, 0))

    def test_adding_a_day_off_takes_effect(self):
        assert_local(due_at(at(2026, 3, 9, 9, 0), 1), at(2026, 3, 10, 9, 0))
        CalendarOverride.objects.create(
            date=date(2026, 3, 10), is_working_day=False, reason="Nghỉ đột xuất"
        )
        assert_local(due_at(at(2026, 3, 9, 9, 0), 1), at(2026, 3, 11, 9, 0))

    def test_removing_an_override_takes_effect(self):
        assert is_working_day(date(2026, 1, 2)) is False
        assert is_working_day(date(2026, 1, 10)) is True
        CalendarOverride.objects.filter(date__in=[date(2026, 1, 2), date(2026, 1, 10)]).delete()
        assert is_working_day(date(2026, 1, 2)) is True
        assert is_working_day(date(2026, 1, 10)) is False
        assert_local(due_at(at(2025, 12, 31, 9, 0), 1), at(2026, 1, 2, 9, 0))

    def test_editing_an_override_takes_effect(self):
        assert is_working_day(date(2026, 8, 22)) is True
        row = CalendarOverride.objects.get(date=date(2026, 8, 22))
        row.is_working_day = False
        row.save()
        assert is_working_day(date(2026, 8, 22)) is False

    def test_an_override_can_cancel_a_public_holiday(self):
        assert is_working_day(date(2026, 11, 24)) is False
        CalendarOverride.objects.create(date=date(2026, 11, 24), is_working_day=True, reason="x")
        assert is_working_day(date(2026, 11, 24)) is True

    def test_the_calendar_is_cached_per_process(self):
        assert get_calendar() is get_calendar()

    def test_other_processes_see_a_change_within_the_cache_lifetime(self, monkeypatch):
        # A change this process did not see (no signal, like one made by another worker)
        # shows once CACHE_SECONDS have passed.
        clock = [1_000_000.0]
        monkeypatch.setattr(cal, "_time", SimpleNamespace(monotonic=lambda: clock[0]))
        invalidate_calendar()
        assert is_working_day(date(2026, 1, 10)) is True
        CalendarOverride.objects.filter(date=date(2026, 1, 10)).update(is_working_day=False)
        clock[0] += cal.CACHE_SECONDS
        assert is_working_day(date(2026, 1, 10)) is True
        clock[0] += 1
        assert is_working_day(date(2026, 1, 10)) is False


# --- settings ----------------------------------------------------------------------------------
@pytest.mark.django_db
def test_default_calendar_follows_settings(settings):
    settings.ONECUA_OFFICE_HOURS = ["08:00-12:00", "13:00-17:00"]
    settings.ONECUA_RECEIPT_CUTOFF = "16:00"
    invalidate_calendar()
    calendar = get_calendar()
    assert calendar.sessions == ((time(8), time(12)), (time(13), time(17)))
    assert calendar.cutoff == time(16)
    # 15:30 is now before the cut-off: counts from receipt; 1 day = 8 h -> Wed 15:30.
    assert_local(due_at(at(2026, 3, 3, 15, 30), 1), at(2026, 3, 4, 15, 30))
    # The database overrides still apply.
    assert calendar.is_working_day(date(2026, 1, 10)) is True


# --- pure WorkingCalendar values (no database) -------------------------------------------------
class TestPureCalendar:
    def test_the_explicit_swaps_behave_like_the_seeded_ones(self, plain):
        assert plain.is_working_day(date(2026, 1, 2)) is False
        assert plain.is_working_day(date(2026, 1, 10)) is True
        assert plain.is_working_day(date(2026, 8, 22)) is True
        assert_local(plain.due_at(at(2026, 1, 5, 9, 0), 5), at(2026, 1, 10, 9, 0))

    def test_without_overrides_only_the_public_holidays_apply(self):
        bare = WorkingCalendar()
        assert bare.is_working_day(date(2026, 1, 2)) is True
        assert bare.is_working_day(date(2026, 1, 10)) is False
        assert bare.is_working_day(date(2026, 2, 16)) is False
        assert_local(bare.due_at(at(2026, 1, 5, 9, 0), 5), at(2026, 1, 12, 9, 0))

    def test_default_office_hours(self, plain):
        assert plain.day_seconds == 7.5 * 3600
        assert plain.cutoff == time(15)
        assert plain.tz == TZ

    def test_next_working_day(self, plain):
        assert plain.next_working_day(date(2026, 2, 13)) == date(2026, 2, 23)
        assert plain.next_working_day(date(2026, 1, 9)) == date(2026, 1, 10)
        assert plain.next_working_day(date(2025, 12, 31)) == date(2026, 1, 5)

    def test_working_days_in(self, plain):
        # February 2026: 20 weekdays, 5 of them Tết.
        assert plain.working_days_in(date(2026, 2, 1), date(2026, 2, 28)) == 15
        # January 2026: 22 weekdays - 1 Jan - 2 Jan + Sat 10 Jan.
        assert plain.working_days_in(date(2026, 1, 1), date(2026, 1, 31)) == 21
        assert plain.working_days_in(date(2026, 3, 5), date(2026, 3, 4)) == 0

    def test_snap_forward(self, plain):
        assert_local(plain.snap_forward(at(2026, 3, 3, 16, 0)), at(2026, 3, 3, 16, 0))
        assert_local(plain.snap_forward(at(2026, 3, 3, 17, 0)), at(2026, 3, 4, 7, 30))
        assert_local(plain.snap_forward(at(2026, 3, 3, 12, 0)), at(2026, 3, 3, 13, 30))

    def test_add_dispatches_on_the_unit(self, plain):
        start = at(2026, 3, 3, 9, 0)
        assert_local(plain.add(start, 1, TimeUnit.WORKING_DAYS), at(2026, 3, 4, 9, 0))
        assert_local(plain.add(start, 1, TimeUnit.WORKING_HOURS), at(2026, 3, 3, 10, 0))
        assert_local(plain.add(start, 1, TimeUnit.DAYS), at(2026, 3, 4, 17, 0))
        assert_local(plain.add(start, 1, TimeUnit.MONTHS), at(2026, 4, 3, 17, 0))

    def test_zero_working_time_on_a_day_off_snaps_to_the_next_opening(self, plain):
        assert_local(plain.add_working_hours(at(2026, 2, 17, 10, 0), 0), at(2026, 2, 23, 7, 30))

    def test_every_time_unit_is_handled(self, plain):
        for unit in TimeUnit.ALL:
            assert plain.due_at(at(2026, 3, 3, 9, 0), 1, unit) > at(2026, 3, 3, 9, 0)


class TestConfigurableOfficeHours:
    def test_parse_sessions_sorts_and_strips(self):
        assert parse_sessions([" 13:30 - 17:00", "07:30-11:30"]) == (
            (time(7, 30), time(11, 30)),
            (time(13, 30), time(17)),
        )

    def test_eight_hour_day(self):
        calendar = WorkingCalendar(sessions=parse_sessions(["08:00-12:00", "13:00-17:00"]))
        assert calendar.day_seconds == 8 * 3600
        # Lunch receipt 12:30 counts from 13:00; 13:00-17:00 + 08:00-12:00 = one 8 h day.
        assert_local(calendar.due_at(at(2026, 3, 3, 12, 30), 1), at(2026, 3, 4, 12, 0))
        # Before 08:00 counts from 08:00.
        assert_local(calendar.due_at(at(2026, 3, 3, 7, 45), 1), at(2026, 3, 3, 17, 0))
        assert calendar.working_days_between(at(2026, 3, 3, 8, 0), at(2026, 3, 3, 12, 0)) == 0.5

    def test_a_single_session_and_an_earlier_cutoff(self):
        calendar = WorkingCalendar(sessions=parse_sessions(["07:00-16:00"]), cutoff=time(14))
        assert calendar.day_seconds == 9 * 3600
        assert_local(calendar.counting_start(at(2026, 3, 3, 12, 0)), at(2026, 3, 3, 12, 0))
        assert_local(calendar.counting_start(at(2026, 3, 3, 14, 0)), at(2026, 3, 4, 7, 0))
        assert_local(calendar.due_at(at(2026, 3, 3, 10, 0), 1), at(2026, 3, 4, 10, 0))

    def test_three_sessions(self):
        calendar = WorkingCalendar(
            sessions=parse_sessions(["07:00-09:00", "10:00-12:00", "14:00-16:00"])
        )
        # 08:00-09:00 (1 h) + 10:00-12:00 (2 h) + 14:00-14:30.
        assert_local(calendar.add_working_hours(at(2026, 3, 3, 8, 0), 3.5), at(2026, 3, 3, 14, 30))

    def test_a_cutoff_after_closing_still_counts_closing_as_next_morning(self):
        calendar = WorkingCalendar(sessions=parse_sessions(["08:00-12:00"]), cutoff=time(15))
        assert_local(calendar.counting_start(at(2026, 3, 3, 13, 0)), at(2026, 3, 4, 8, 0))


# --- bad and unusual input ---------------------------------------------------------------------
class TestBadInput:
    def test_negative_processing_time(self, plain):
        with pytest.raises(ValueError, match="negative"):
            plain.due_at(at(2026, 3, 3, 9, 0), -1)

    def test_negative_working_time(self, plain):
        with pytest.raises(ValueError, match="negative"):
            plain.add_working_days(at(2026, 3, 3, 9, 0), -0.5)
        with pytest.raises(ValueError, match="negative"):
            plain.add_working_hours(at(2026, 3, 3, 9, 0), -1)

    @pytest.mark.django_db
    def test_negative_through_the_module_functions(self):
        with pytest.raises(ValueError):
            due_at(at(2026, 3, 3, 9, 0), -1)
        with pytest.raises(ValueError):
            add_working_days(at(2026, 3, 3, 9, 0), -1)

    def test_unknown_unit(self, plain):
        with pytest.raises(ValueError, match="Unknown time unit"):
            plain.due_at(at(2026, 3, 3, 9, 0), 1, "weeks")

    @pytest.mark.parametrize(
        "spec",
        [
            ["07:30"],
            ["07:30-11:30-12:00"],
            ["7h30-11h30"],
            ["25:00-26:00"],
            ["11:30-07:30"],
            ["09:00-09:00"],
            ["07:30-11:30", "11:00-17:00"],
            [],
        ],
    )
    def test_bad_session_spec(self, spec):
        with pytest.raises(ValueError):
            parse_sessions(spec)

    def test_naive_datetimes_are_local_time(self, plain):
        due = plain.due_at(datetime(2026, 3, 3, 9, 0), 1)
        assert_local(due, at(2026, 3, 4, 9, 0))
        # 15:30 naive is 15:30 in Hanoi, i.e. after the cut-off.
        assert_local(plain.counting_start(datetime(2026, 3, 3, 15, 30)), at(2026, 3, 4, 7, 30))

    def test_utc_inputs_are_converted(self, plain):
        # 02:00 UTC = 09:00 in Hanoi.
        assert_local(plain.due_at(datetime(2026, 3, 3, 2, 0, tzinfo=UTC), 1), at(2026, 3, 4, 9, 0))
        # 08:30 UTC = 15:30 local: after the cut-off, although 08:30 looks like a morning.
        assert_local(
            plain.counting_start(datetime(2026, 3, 3, 8, 30, tzinfo=UTC)), at(2026, 3, 4, 7, 30)
        )
        # Sun 8 Mar 23:30 UTC is already Mon 9 Mar 06:30 local: counts from Monday 07:30.
        assert_local(
            plain.due_at(datetime(2026, 3, 8, 23, 30, tzinfo=UTC), 1), at(2026, 3, 9, 17, 0)
        )

    def test_utc_and_local_elapsed_time_agree(self, plain):
        a = datetime(2026, 3, 3, 0, 30, tzinfo=UTC)  # 07:30 local
        b = datetime(2026, 3, 3, 10, 0, tzinfo=UTC)  # 17:00 local
        assert plain.working_days_between(a, b) == 1
