"""When a citizen's report must be answered: a number of working days after it arrived
(CITIZEN_REPORT_WORKING_DAYS), Saturdays, Sundays and the public holidays an admin keeps in
the public_holiday table skipped. Days are Vietnam's days (fieldapp/clock.py)."""

from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import select

from fieldapp import clock
from fieldapp.extensions import db
from fieldapp.models import CitizenReport, PublicHoliday


def holidays_between(first: date, last: date) -> set[date]:
    return set(
        db.session.scalars(select(PublicHoliday.day).where(PublicHoliday.day.between(first, last)))
    )


def is_working_day(day: date, holidays: set[date]) -> bool:
    return day.weekday() < 5 and day not in holidays


def add_working_days(start: date, count: int) -> date:
    """The `count`-th working day after `start` (`start` itself not counted)."""
    # Generous window: Tết can close a week and a half of days in a row.
    holidays = holidays_between(start, start + timedelta(days=count * 3 + 21))
    day = start
    while count > 0:
        day += timedelta(days=1)
        if is_working_day(day, holidays):
            count -= 1
    return day


def due_date_for(received_at: datetime) -> date:
    """The last day to answer a report received at `received_at` (UTC, as stored)."""
    days = current_app.config["CITIZEN_REPORT_WORKING_DAYS"]
    return add_working_days(clock.vietnam_date(received_at), days)


def is_late(report: CitizenReport, today: date | None = None) -> bool:
    """Open past its due date, or closed after it."""
    if report.closed_at is not None:
        return clock.vietnam_date(report.closed_at) > report.due_date
    return (today or clock.today()) > report.due_date
