"""When the weekly letters are due, and which districts sent theirs on time.

A province sets its report weekday and time of day (Vietnam's; Friday 16:00 unless it set
another): every such weekday is a due date. The letter due on a date D covers the week that
ends on it: a district is done for D when it has figures dated D-6 to D and marked its
letter of a report date D-6 to D as sent (fieldapp/letters/sending.py: the district's own
office says so, confirmed, on the report page). Exporting the letter is not sending it: an
export (a PDF or DOCX by a user whose scope is that district, `_sent_by_the_district`; the
audit trail's "export" events, fieldapp/reports/exports.py `record_export`) is shown as
exported and not marked sent. Done after D's due time (marked after it) is late by the time
between them; not done when the time has passed is late by the time since it.

Plain functions over the database, no request; "now" is always passed in (from
fieldapp/clock.py by the routes) so the tests choose it.
"""

import json
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from fieldapp import clock
from fieldapp.audit import record_event
from fieldapp.extensions import db
from fieldapp.letters.sending import SentMark, sent_marks
from fieldapp.models import (
    AuditEntry,
    Commune,
    CommuneFigures,
    District,
    Province,
    ReportDeadline,
    User,
)
from fieldapp.models.user import Scope
from fieldapp.places import in_vietnamese_order
from fieldapp.reports.labels import WEEKDAY_LABELS  # noqa: F401 (named here before)

DEFAULT_WEEKDAY = 4  # Friday (Monday is 0)
DEFAULT_TIME = time(16, 0)
WEEK = timedelta(days=7)
# The exports that are the letter (the CSV and XLSX are its data only).
LETTER_FORMATS = frozenset({"pdf", "docx"})
# How many due dates the province's page shows (the next one and those before it).
SHOWN_DATES = 8


@dataclass(frozen=True)
class DueRule:
    """A province's report weekday (0 Monday ... 6 Sunday) and time of day in Vietnam."""

    weekday: int = DEFAULT_WEEKDAY
    at: time = DEFAULT_TIME

    def last_on_or_before(self, day: date) -> date:
        """The last report day on or before a day (the figures date an import defaults to)."""
        return day - timedelta(days=(day.weekday() - self.weekday) % 7)

    def is_report_day(self, day: date) -> bool:
        return day.weekday() == self.weekday

    def due_on_or_after(self, day: date) -> date:
        """The first due date on or after a day (the one whose week holds that day)."""
        return day + timedelta(days=(self.weekday - day.weekday()) % 7)

    def moment(self, due: date) -> datetime:
        """A due date's deadline as the naive UTC the database keeps."""
        return clock.at_vietnam_time(due, self.at)

    def next_due(self, now: datetime) -> date:
        """The first due date whose deadline has not passed at `now` (naive UTC)."""
        due = self.due_on_or_after(clock.vietnam_date(now))
        return due if self.moment(due) >= now else due + WEEK

    def due_dates(self, now: datetime, count: int = SHOWN_DATES) -> list[date]:
        """The next due date and the ones before it, `count` in all, the newest first."""
        following = self.next_due(now)
        return [following - WEEK * n for n in range(count)]

    @property
    def time_text(self) -> str:
        return self.at.strftime("%H:%M")


def week_of(due: date) -> tuple[date, date]:
    """The report dates a due date's letter covers: the week that ends on it."""
    return due - WEEK + timedelta(days=1), due


def deadline_rule(province_id: int) -> DueRule:
    """The province's rule, or the defaults when it set none."""
    row = db.session.scalar(select(ReportDeadline).where(ReportDeadline.province_id == province_id))
    return DueRule(row.weekday, row.due_time) if row else DueRule()


class DeadlineInvalid(ValueError):
    """A deadline setting that cannot be saved; the message says why, for the user."""


def parse_rule(weekday_text: str | None, time_text: str | None) -> DueRule:
    """A rule from a form's fields: a weekday 0 to 6 and a time HH:MM (00:00 to 23:59)."""
    weekday_text = (weekday_text or "").strip()
    if not (weekday_text.isascii() and weekday_text.isdigit() and int(weekday_text) < 7):
        raise DeadlineInvalid(_l("Choose the weekday of the report."))
    time_text = (time_text or "").strip()
    try:
        at = datetime.strptime(time_text, "%H:%M").time()
    except ValueError:
        raise DeadlineInvalid(_l("Enter the time as HH:MM, for example 16:00.")) from None
    return DueRule(int(weekday_text), at)


def save_rule(province: Province, rule: DueRule, user: User) -> bool:
    """Keep a province's rule and audit the change; False when nothing changed. The caller
    commits."""
    row = db.session.scalar(select(ReportDeadline).where(ReportDeadline.province_id == province.id))
    before = DueRule(row.weekday, row.due_time) if row else DueRule()
    if before == rule:
        return False
    if row is None:
        row = ReportDeadline(province_id=province.id)
        db.session.add(row)
    row.weekday, row.due_time, row.updated_by_id = rule.weekday, rule.at, user.id
    record_event(
        "deadline_changed",
        user,
        entity="deadline",
        entity_id=province.id,
        changes={
            "weekday": [before.weekday, rule.weekday],
            "time": [before.time_text, rule.time_text],
        },
        detail={"province": province.name},
    )
    db.session.flush()
    return True


# Who sent what ---------------------------------------------------------------------------


@dataclass
class WeekStatus:
    """A district's letter due on one date: its figures, its export, its mark as sent, how
    late."""

    due: date
    due_at: datetime  # naive UTC
    now: datetime  # naive UTC
    communes: int = 0  # the district's communes
    with_figures: int = 0  # its communes with figures dated in the week
    figures_date: date | None = None  # the latest of those dates
    exported_at: datetime | None = None  # the first export of the letter (naive UTC)
    sent_at: datetime | None = None  # when the letter was marked as sent (naive UTC)
    sent_by: str | None = None  # who marked it
    # The week's figures were saved or removed after the mark (the province has the earlier
    # figures): the latest such change (naive UTC).
    changed_after_sent_at: datetime | None = None

    @property
    def has_figures(self) -> bool:
        return self.with_figures > 0

    @property
    def is_exported(self) -> bool:
        return self.exported_at is not None

    @property
    def is_sent(self) -> bool:
        return self.sent_at is not None

    @property
    def done(self) -> bool:
        return self.is_sent and can_be_sent(self.with_figures)

    @property
    def changed_after_sent(self) -> bool:
        return self.is_sent and self.changed_after_sent_at is not None

    @property
    def state(self) -> str:
        """ "on_time", "done_late", "late" (due and not done) or "open" (not yet due)."""
        if self.done:
            return "on_time" if self.sent_at <= self.due_at else "done_late"
        return "late" if self.now > self.due_at else "open"

    @property
    def missed(self) -> bool:
        """The deadline passed before the letter was sent: still missing, or sent late."""
        return self.state in ("late", "done_late")

    @property
    def late_by(self) -> timedelta | None:
        if self.state == "done_late":
            return self.sent_at - self.due_at
        if self.state == "late":
            return self.now - self.due_at
        return None

    @property
    def time_left(self) -> timedelta | None:
        return self.due_at - self.now if self.state == "open" else None

    @property
    def late_parts(self) -> tuple[int, int]:
        """How late, in days and hours."""
        return days_and_hours(self.late_by)

    @property
    def left_parts(self) -> tuple[int, int]:
        """The time left before the deadline, in days and hours."""
        return days_and_hours(self.time_left, up=False)


def days_and_hours(span: timedelta | None, up: bool = True) -> tuple[int, int]:
    """A span in whole days and hours: a part hour counts as one (`up`, for a lateness) or
    not at all (for a time left)."""
    if span is None:
        return 0, 0
    seconds = int(span.total_seconds())
    hours = -(-seconds // 3600) if up else seconds // 3600
    return hours // 24, hours % 24


@dataclass
class DistrictWeeks:
    district: District
    weeks: list[WeekStatus] = field(default_factory=list)  # in the table's dates' order


@dataclass
class ProvinceDeadlines:
    rule: DueRule
    dates: list[date]  # the newest first
    districts: list[DistrictWeeks]

    def late(self, due: date) -> list[District]:
        """The districts that missed a due date's deadline: those whose letter is still
        missing and those who sent it late (the page counts both as late)."""
        index = self.dates.index(due)
        return [d.district for d in self.districts if d.weeks[index].missed]


def _statuses(
    districts: list[District], rule: DueRule, dates: list[date], now: datetime
) -> dict[int, dict[date, WeekStatus]]:
    """Each district's status for each due date, in five queries whatever their number:
    the communes per district, the figures per district and report date, the exports, the
    marks as sent."""
    ids = [d.id for d in districts]
    first, _ = week_of(min(dates))
    last = max(dates)
    statuses = {
        d.id: {due: WeekStatus(due, rule.moment(due), now) for due in dates} for d in districts
    }
    communes = dict(
        db.session.execute(
            select(Commune.district_id, func.count())
            .where(Commune.district_id.in_(ids))
            .group_by(Commune.district_id)
        ).all()
    )
    for district_id, weeks in statuses.items():
        for status in weeks.values():
            status.communes = communes.get(district_id, 0)
    figures = db.session.execute(
        select(Commune.district_id, CommuneFigures.report_date, func.count())
        .join(Commune, Commune.id == CommuneFigures.commune_id)
        .where(
            Commune.district_id.in_(ids),
            CommuneFigures.report_date >= first,
            CommuneFigures.report_date <= last,
        )
        .group_by(Commune.district_id, CommuneFigures.report_date)
    )
    for district_id, day, count in figures:
        status = statuses[district_id].get(rule.due_on_or_after(day))
        if status is None:
            continue
        status.with_figures = max(status.with_figures, count)
        status.figures_date = max(status.figures_date or day, day)
    exports = db.session.execute(
        select(AuditEntry.district_id, AuditEntry.at, AuditEntry.detail)
        .join(User, User.id == AuditEntry.user_id)
        .where(
            AuditEntry.action == "export",
            AuditEntry.district_id.in_(ids),
            AuditEntry.at >= clock.day_start(first),
            _sent_by_the_district(),
        )
    )
    for district_id, at, detail in exports:
        letter = _letter_date(detail)
        if letter is None or not first <= letter <= last:
            continue
        status = statuses[district_id].get(rule.due_on_or_after(letter))
        if status is not None and (status.exported_at is None or at < status.exported_at):
            status.exported_at = at
    for (district_id, day), mark in sent_marks(ids, first).items():
        status = statuses[district_id].get(rule.due_on_or_after(day))
        if day > last or status is None:
            continue
        if status.sent_at is None or mark.at < status.sent_at:
            status.sent_at, status.sent_by = mark.at, mark.by_name
    changes = db.session.execute(
        select(AuditEntry.district_id, AuditEntry.at, AuditEntry.detail, AuditEntry.action).where(
            AuditEntry.action.in_(FIGURES_CHANGES),
            AuditEntry.district_id.in_(ids),
            AuditEntry.at >= clock.day_start(first),
        )
    )
    for district_id, at, detail, action in changes:
        day = _figures_date(detail)
        if day is None or not first <= day <= last or _rewrote_the_same(action, detail):
            continue
        status = statuses[district_id].get(rule.due_on_or_after(day))
        if status is None or status.sent_at is None or at <= status.sent_at:
            continue
        status.changed_after_sent_at = max(status.changed_after_sent_at or at, at)
    return statuses


# The audit's events that change a report date's figures (fieldapp/reports/figures.py).
FIGURES_CHANGES = ("figures_saved", "figures_removed")


def _rewrote_the_same(action: str, detail: str | None) -> bool:
    """A save that wrote every commune's numbers as they were (figures.save_figures'
    "unchanged"): what the province received is still right."""
    if action != "figures_saved":
        return False
    try:
        saved = json.loads(detail or "{}")
        return "unchanged" in saved and set(saved["communes"]) <= set(saved["unchanged"])
    except (ValueError, KeyError, TypeError, AttributeError):
        return False


def _figures_date(detail: str | None) -> date | None:
    try:
        return date.fromisoformat(json.loads(detail or "{}")["date"])
    except (ValueError, KeyError, TypeError, AttributeError):
        return None


# A letter that can be marked as sent --------------------------------------------------


def can_be_sent(with_figures: int) -> bool:
    """The one rule of a letter that can be sent, and counts as sent on the deadlines
    page: it holds national figures (of its week, dated on or before it). A letter without
    them says "no figures" to the province, whatever its mark."""
    return with_figures > 0


def first_counted_date(rule: DueRule, now: datetime) -> date:
    """The earliest report date whose letter the deadlines page counts (the first day of
    the oldest week it shows)."""
    return week_of(rule.due_dates(now)[-1])[0]


def send_refusal(district: District, day: date, now: datetime) -> str | None:
    """Why the district's letter of a report date cannot be marked as sent, for the user;
    None when it can. A report date the deadlines page no longer counts, or a letter with
    no figures of its week dated on or before it (the page would say "no figures"). A date
    to come is refused before (fieldapp/reports/routes.py `refuse_a_future_date`)."""
    rule = deadline_rule(district.province_id)
    earliest = first_counted_date(rule, now)
    if day < earliest:
        return _(
            "The deadlines page counts the letters from %(date)s on: open the report of a "
            "later date to mark its letter as sent.",
            date=clock.day_text(earliest),
        )
    start, _end = week_of(rule.due_on_or_after(day))
    with_figures = db.session.scalar(
        select(func.count(func.distinct(CommuneFigures.commune_id)))
        .join(Commune, Commune.id == CommuneFigures.commune_id)
        .where(
            Commune.district_id == district.id,
            CommuneFigures.report_date >= start,
            CommuneFigures.report_date <= day,
        )
    )
    if not can_be_sent(with_figures or 0):
        return _(
            "This letter has no figures of the week yet: enter the figures first, then "
            "mark the letter as sent."
        )
    return None


@dataclass(frozen=True)
class SentLetter:
    """A letter marked as sent: its report date and its mark."""

    day: date
    mark: SentMark


def letter_holding_figures(district: District, day: date) -> SentLetter | None:
    """The letter already marked as sent that holds the figures of a report date: the
    letter of that date, or of a later date of its week (it shows the latest figures); the
    first marked. None when no such letter is marked as sent."""
    due = deadline_rule(district.province_id).due_on_or_after(day)
    letters = [
        SentLetter(letter, mark)
        for (_id, letter), mark in sent_marks([district.id], day).items()
        if day <= letter <= due
    ]
    return min(letters, key=lambda sent: sent.mark.at) if letters else None


def _sent_by_the_district():
    """The condition on an export (joined with its user) that makes it the district's own
    letter: made by a user of that district whose scope is the district. A province's or
    the country's supervisor reading a district's letter does not send it."""
    return (User.district_id == AuditEntry.district_id) & (User.scope == Scope.DISTRICT.value)


def _letter_date(detail: str | None) -> date | None:
    """The report date of an export event that is a district's letter (PDF or DOCX of a
    report date, not of a month, not asked by another site's link); None for any other."""
    try:
        values = json.loads(detail or "{}")
        if (
            values.get("level") != "district"
            or "month" in values
            or values.get("format") not in LETTER_FORMATS
            or values.get("from_elsewhere")
        ):
            return None
        return date.fromisoformat(values["date"])
    except (ValueError, KeyError, TypeError, AttributeError):
        return None


def province_deadlines(
    province: Province, now: datetime, count: int = SHOWN_DATES
) -> ProvinceDeadlines:
    """For each of the province's last due dates (the next one first), which districts
    have figures and marked their letter sent (or only exported it), which are late and by
    how much."""
    rule = deadline_rule(province.id)
    districts = in_vietnamese_order(
        db.session.scalars(select(District).where(District.province_id == province.id))
    )
    dates = rule.due_dates(now, count)
    statuses = _statuses(districts, rule, dates, now) if districts else {}
    return ProvinceDeadlines(
        rule,
        dates,
        [DistrictWeeks(d, [statuses[d.id][due] for due in dates]) for d in districts],
    )


@dataclass
class DistrictDue:
    """What the district's home page says: the next due date, this week's status, and the
    previous week's if it is still late."""

    rule: DueRule
    current: WeekStatus
    previous: WeekStatus


def district_due(district: District, now: datetime) -> DistrictDue:
    """The district's next due date with what is done for it, and the one before."""
    rule = deadline_rule(district.province_id)
    following = rule.next_due(now)
    previous = following - WEEK
    statuses = _statuses([district], rule, [previous, following], now)[district.id]
    return DistrictDue(rule, statuses[following], statuses[previous])
