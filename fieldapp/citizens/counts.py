"""Citizens' reports in the weekly report: per commune, for a report's period (Vietnam's
days `start` to `end`, the period of its findings), the reports received, those closed on
time and those late; summed per district or province by the report (weekly.py).

- received: reports received in the period. A report is one report however many others
  joined it as "+1" (the same venue and problem within a day): it is handled, and on time
  or late, once; `also_reported` sums its +1s for the page's "+N".
- on time: reports closed in the period (resolved, or rejected with a reason: either is
  the office's answer) by their due date.
- late: reports closed in the period after their due date, and reports still open at the
  period's end past it (`overdue`: the letter's section 2 names their communes).

"Late" is `fieldapp/citizens/deadlines.is_late` as of the period's last day (today for a
period not over yet), of each report as it stood then: one closed after that day was
still open on it. `late_on` is that rule in SQL, so the counts are grouped in the database
whatever the number of communes (tests/test_citizen_counts.py checks it against is_late on
random reports). One statement, read through indexes from the area's communes
(`counts_by_commune`).
"""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import case, func, literal_column, or_, select, union_all

from fieldapp import clock
from fieldapp.extensions import db
from fieldapp.models import CitizenReport
from fieldapp.models.citizen_report import STATES
from fieldapp.reports.rollups import engine_sql

report_table = CitizenReport.__table__
# What the columns count, in the exports' words (the page says it through the catalogue).
COUNTED_NOTE = (
    "Phản ánh của người dân: số tiếp nhận trong kỳ (phản ánh trùng cùng địa điểm, cùng nội "
    "dung tính một lần); giải quyết đúng hạn: đã trả lời hoặc từ chối trong kỳ, không quá "
    "hạn xử lý; quá hạn: trả lời sau hạn, hoặc đến hết kỳ vẫn chưa xử lý dù đã quá hạn."
)


@dataclass
class CitizenCounts:
    """What became of the citizens' reports of a unit in one period."""

    received: int = 0
    also_reported: int = 0  # the +1s joined to the reports received
    on_time: int = 0
    closed_late: int = 0
    overdue: int = 0  # still open at the period's end, past the due date

    @property
    def late(self) -> int:
        return self.closed_late + self.overdue

    def add(self, other: "CitizenCounts") -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))


def as_of(end: date) -> date:
    """The day a period's reports are judged on: its last day, or today while it runs."""
    return min(end, clock.today())


def closed_by(day: date):
    """SQL: the report was closed by the end of `day` (Vietnam's); never NULL."""
    closed_at = report_table.c.closed_at
    return closed_at.is_not(None) & (closed_at < clock.day_end(day))


def open_at(day: date):
    """SQL: the report was still open at the end of `day`; never NULL."""
    closed_at = report_table.c.closed_at
    return or_(closed_at.is_(None), closed_at >= clock.day_end(day))


def late_on(day: date, vietnam_day):
    """SQL of `is_late(report, day)` for the report as it stood at the end of `day`: closed
    by then after its due date, or not closed by then and `day` past its due date.
    `vietnam_day` is the engine's Vietnamese date of a stored moment (`engine_sql`)."""
    c = report_table.c
    return or_(
        closed_by(day) & (vietnam_day(c.closed_at) > c.due_date),
        open_at(day) & (c.due_date < day),
    ).self_group()


def _count(condition):
    return func.sum(case((condition, 1), else_=0))


def counts_by_commune(commune_ids, start: date, end: date) -> dict[int, CitizenCounts]:
    """Each commune's counts for the days `start` to `end` (both included), `commune_ids`
    being a list or a subquery (`Area.commune_ids()`); communes with none are left out.

    One statement of three grouped parts, each read through an index from the commune:
    the reports received in the period ((commune, state, received_at): every state), those
    never closed and those closed since the period began ((commune, closed_at))."""
    c = report_table.c
    first, after = clock.days_bounds(start, end)
    day = as_of(end)
    vietnam_day = engine_sql(db.session.connection()).vietnam_day
    zero = literal_column("0")
    in_area = c.commune_id.in_(commune_ids)
    received = (
        select(c.commune_id, func.count(), func.sum(c.also_reported), zero, zero, zero)
        .where(
            in_area,
            c.state.in_(STATES),  # all of them: lets the (commune, state, received_at) index serve
            c.received_at >= first,
            c.received_at < after,
        )
        .group_by(c.commune_id)
    )
    late = late_on(day, vietnam_day)
    was_received = c.received_at < clock.day_end(day)
    never_closed = (
        select(c.commune_id, zero, zero, zero, zero, _count(late))
        .where(in_area, c.closed_at.is_(None), was_received)
        .group_by(c.commune_id)
    )
    closed_in_period = closed_by(day)  # with closed_at >= first, below
    closed_since = (
        select(
            c.commune_id,
            zero,
            zero,
            _count(closed_in_period & ~late),
            _count(closed_in_period & late),
            _count(open_at(day) & late),  # closed after the day: still open on it
        )
        .where(in_area, c.closed_at >= first, was_received)
        .group_by(c.commune_id)
    )
    counts: dict[int, CitizenCounts] = {}
    statement = union_all(received, never_closed, closed_since)
    for commune_id, *numbers in db.session.execute(statement):
        counts.setdefault(commune_id, CitizenCounts()).add(
            CitizenCounts(*(int(n or 0) for n in numbers))
        )
    return counts
