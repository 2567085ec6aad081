"""A citizen's report is due a number of working days after it arrived, weekends and the
public holidays kept as data skipped."""

from datetime import date, datetime

from fieldapp.citizens.deadlines import add_working_days, due_date_for, is_late
from fieldapp.extensions import db
from fieldapp.models import CitizenReport, PublicHoliday


def test_three_working_days_skip_a_weekend(app):
    # Thursday 3/12/2026 + 3 working days: Friday, Monday, Tuesday.
    assert add_working_days(date(2026, 12, 3), 3) == date(2026, 12, 8)


def test_a_holiday_is_skipped_as_data(app):
    db.session.add(PublicHoliday(day=date(2026, 12, 7), name="Ngày nghỉ bù"))
    db.session.commit()
    assert add_working_days(date(2026, 12, 3), 3) == date(2026, 12, 9)


def test_due_date_counts_from_the_day_in_vietnam(app):
    # 18:00 UTC on Friday 4/12 is already Saturday 5/12 in Vietnam: due Wednesday 9/12.
    assert due_date_for(datetime(2026, 12, 4, 18, 0)) == date(2026, 12, 9)
    assert due_date_for(datetime(2026, 12, 4, 10, 0)) == date(2026, 12, 9)
    # Thursday in Vietnam: Friday, Monday, Tuesday.
    assert due_date_for(datetime(2026, 12, 3, 10, 0)) == date(2026, 12, 8)


def test_late_when_open_past_the_due_date_or_closed_after_it():
    report = CitizenReport(due_date=date(2026, 12, 8), closed_at=None)
    assert not is_late(report, date(2026, 12, 8))
    assert is_late(report, date(2026, 12, 9))
    report.closed_at = datetime(2026, 12, 8, 16, 0)  # 23:00 on the 8th in Vietnam: on time
    assert not is_late(report, date(2026, 12, 20))
    report.closed_at = datetime(2026, 12, 8, 17, 30)  # 00:30 on the 9th: late
    assert is_late(report, date(2026, 12, 20))
