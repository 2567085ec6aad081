"""When a citizen's report must be answered: a number of working days after it arrived
(CITIZEN_REPORT_WORKING_DAYS), Saturdays, Sundays and the public holidays an admin keeps in
the public_holiday table skipped. Days are Vietnam's days (fieldapp/clock.py)."""

from datetime import date, datetime, time, timedelta

from flask import current_app
from sqlalchemy import select

from fieldapp import clock
from fieldapp.audit import record_event
from fieldapp.extensions import db
from fieldapp.models import AuditEntry, CitizenReport, PublicHoliday, User
from fieldapp.models.citizen_report import OPEN_STATES


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


# The holiday list an admin keeps (/holidays). Changing it moves the due dates of the open
# reports whose days it changes (a day off announced late gives them a day more); a closed
# report keeps the due date it was judged by.
HOLIDAY_NAME_MAX = 100

# Vietnam's public holidays of 2026 and 2027, the working days they close (a holiday on a
# weekend closes the next working day, "nghỉ bù"). Source: Bộ luật Lao động 2019, Điều 112
# (Tết Dương lịch 1/1; Tết Âm lịch 5 days; Giỗ Tổ Hùng Vương 10/3 âm lịch; 30/4; 1/5;
# Quốc khánh 2/9 and a day next to it) and, for the days each year, the Ministry of Home
# Affairs' yearly notice to civil servants (2026: Tết Bính Ngọ from Saturday 14/2 to Sunday
# 22/2, mùng 1 on Tuesday 17/2). Lunar dates from the lunar calendar (Giỗ Tổ 2026: 10/3 âm
# lịch = Sunday 26/4/2026; 2027: Tết Đinh Mùi on Saturday 6/2/2027, 10/3 âm lịch = Friday
# 16/4/2027). 2027's Tết days and both years' day next to 2/9 follow the usual pattern and
# must be checked against that year's official notice when it is published: an admin
# corrects them on /holidays.
VIETNAM_HOLIDAYS = (
    (date(2026, 1, 1), "Tết Dương lịch"),
    (date(2026, 2, 16), "Tết Nguyên đán (29 tháng Chạp)"),
    (date(2026, 2, 17), "Tết Nguyên đán (mùng 1)"),
    (date(2026, 2, 18), "Tết Nguyên đán (mùng 2)"),
    (date(2026, 2, 19), "Tết Nguyên đán (mùng 3)"),
    (date(2026, 2, 20), "Tết Nguyên đán (mùng 4)"),
    (date(2026, 4, 27), "Giỗ Tổ Hùng Vương (nghỉ bù, 10/3 âm lịch là Chủ nhật 26/4)"),
    (date(2026, 4, 30), "Ngày Giải phóng miền Nam, thống nhất đất nước"),
    (date(2026, 5, 1), "Ngày Quốc tế Lao động"),
    (date(2026, 9, 1), "Quốc khánh (ngày liền kề)"),
    (date(2026, 9, 2), "Quốc khánh"),
    (date(2027, 1, 1), "Tết Dương lịch"),
    (date(2027, 2, 5), "Tết Nguyên đán (29 tháng Chạp)"),
    (date(2027, 2, 8), "Tết Nguyên đán (mùng 3)"),
    (date(2027, 2, 9), "Tết Nguyên đán (mùng 4)"),
    (date(2027, 2, 10), "Tết Nguyên đán (nghỉ bù)"),
    (date(2027, 2, 11), "Tết Nguyên đán (nghỉ bù)"),
    (date(2027, 4, 16), "Giỗ Tổ Hùng Vương (10/3 âm lịch)"),
    (date(2027, 4, 30), "Ngày Giải phóng miền Nam, thống nhất đất nước"),
    (date(2027, 5, 3), "Ngày Quốc tế Lao động (nghỉ bù, 1/5 là thứ Bảy)"),
    (date(2027, 9, 2), "Quốc khánh"),
    (date(2027, 9, 3), "Quốc khánh (ngày liền kề)"),
)


class HolidayRefused(Exception):
    """Nothing was changed; `reason` names the message to show."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def holidays_listed(first: date, last: date | None = None) -> list[PublicHoliday]:
    """The holidays from `first` (to `last`), in order."""
    query = select(PublicHoliday).where(PublicHoliday.day >= first)
    if last is not None:
        query = query.where(PublicHoliday.day <= last)
    return list(db.session.scalars(query.order_by(PublicHoliday.day)))


def _audit(action: str, holiday: PublicHoliday, by: User | None) -> None:
    record_event(
        action,
        by,
        entity="holiday",
        detail={"date": holiday.day.isoformat(), "name": holiday.name},
    )


def reschedule_open_reports(day: date) -> int:
    """After `day` was added to the holiday list or taken off it: the open reports received
    before it and due on or after it get their due date again; how many moved."""
    # received_at is UTC: a day's margin, then Vietnam's day checked exactly.
    candidates = db.session.scalars(
        select(CitizenReport).where(
            CitizenReport.state.in_(OPEN_STATES),
            CitizenReport.due_date >= day,
            CitizenReport.received_at < datetime.combine(day + timedelta(days=1), time()),
        )
    )
    moved = 0
    for report in candidates:
        if clock.vietnam_date(report.received_at) >= day:
            continue
        due = due_date_for(report.received_at)
        if due != report.due_date:
            report.due_date = due
            moved += 1
    return moved


# How far back a holiday may be added: as far as the list shows (and a report's due date
# still counts).
HOLIDAY_DAYS_BACK = 366


def holiday_range(today: date | None = None) -> tuple[date, date]:
    """The first and last day an admin may add to the list: as far back as the list shows,
    as far ahead as anything is planned (clock.latest_planned_day)."""
    today = today or clock.today()
    return today - timedelta(days=HOLIDAY_DAYS_BACK), clock.latest_planned_day(today)


def add_holiday(day: date | None, name: str, by: User | None, *, bounded: bool = True) -> int:
    """Add a day to the list (checked: a day within `holiday_range` unless not `bounded`, a
    name, not there already); audited. How many open reports' due dates it moved."""
    name = " ".join(name.split())
    if day is None:
        raise HolidayRefused("day_required")
    first, last = holiday_range()
    if bounded and not first <= day <= last:
        raise HolidayRefused("day_out_of_range")
    if not name:
        raise HolidayRefused("name_required")
    if len(name) > HOLIDAY_NAME_MAX:
        raise HolidayRefused("name_too_long")
    if db.session.get(PublicHoliday, day) is not None:
        raise HolidayRefused("exists")
    holiday = PublicHoliday(day=day, name=name)
    db.session.add(holiday)
    _audit("holiday_added", holiday, by)
    db.session.flush()
    return reschedule_open_reports(day)


def remove_holiday(holiday: PublicHoliday, by: User | None) -> int:
    """Take a day off the list (the admin confirmed it); audited. How many open reports'
    due dates it moved."""
    _audit("holiday_removed", holiday, by)
    day = holiday.day
    db.session.delete(holiday)
    db.session.flush()
    return reschedule_open_reports(day)


def holiday_removal(day: date) -> AuditEntry | None:
    """The latest removal of `day` from the list (its audit entry), or None."""
    return db.session.scalar(
        select(AuditEntry)
        .where(
            AuditEntry.action == "holiday_removed",
            AuditEntry.detail.contains(f'"date": "{day.isoformat()}"'),
        )
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        .limit(1)
    )


def seed_holidays(by: User | None = None) -> int:
    """Add the days of VIETNAM_HOLIDAYS the list lacks (`flask seed-holidays` and the
    holiday page's button); how many were added."""
    known = set(db.session.scalars(select(PublicHoliday.day)))
    added = 0
    for day, name in VIETNAM_HOLIDAYS:
        if day not in known:
            add_holiday(day, name, by, bounded=False)
            added += 1
    return added


def age_in_days(report: CitizenReport, today: date | None = None) -> int:
    """How many days ago (Vietnam's days) the report arrived."""
    return ((today or clock.today()) - clock.vietnam_date(report.received_at)).days
