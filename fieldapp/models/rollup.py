"""The findings rollup: what the reports read instead of the raw inspections.

How a finding or a poster is counted in it lives in `fieldapp/reports/rollups.py`.
"""

from datetime import date

from sqlalchemy import Date, ForeignKey, Integer
from sqlalchemy.orm import Mapped, mapped_column

from fieldapp.extensions import db

# The next_day of a venue's latest finding (it has no next one), and of posters.
LATEST = date(9999, 12, 31)


class Measures:
    """What a cell sums: fieldapp/reports/rollups.py's MEASURES, in its order."""

    venues_inspected: Mapped[int] = mapped_column(Integer, default=0)
    qr_visible: Mapped[int] = mapped_column(Integer, default=0)
    staff_assigned: Mapped[int] = mapped_column(Integer, default=0)
    compliant: Mapped[int] = mapped_column(Integer, default=0)
    visitors_observed: Mapped[int] = mapped_column(Integer, default=0)
    visitors_scanned: Mapped[int] = mapped_column(Integer, default=0)
    posters_issued: Mapped[int] = mapped_column(Integer, default=0)


class FindingRollup(Measures, db.Model):
    """The sums of the findings (and posters) counted in one cell.

    A cell is (commune, day, next_day): the findings made on `day` (Vietnam's date of their
    server time) at venues of the commune whose venue's next finding was made on
    `next_day` (LATEST when there is none). The latest finding of each venue in the days
    S to E are those of the cells with S <= day <= E < next_day. Posters issued on a day
    are counted in its cell with next_day LATEST. Empty cells are deleted.
    """

    __tablename__ = "finding_rollup"
    # SQLite keeps the rows in key order (no rowid): a report reads each commune's days as
    # one run of the table instead of an index run plus a look-up per cell, about twice as
    # fast for a month of the whole country. PostgreSQL ignores the option.
    __table_args__ = ({"sqlite_with_rowid": False},)
    commune_id: Mapped[int] = mapped_column(ForeignKey("commune.id"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    next_day: Mapped[date] = mapped_column(Date, primary_key=True)


class FindingMonthRollup(Measures, db.Model):
    """The same cells by calendar month: (commune, month, next_month) sums the day cells
    (commune, day, next_day) whose day falls in `month` and next_day in `next_month` (both
    the first day of their month; LATEST's month for a venue's latest). A report of whole
    months reads these, about a tenth as many rows as a month's day cells."""

    __tablename__ = "finding_month_rollup"
    __table_args__ = ({"sqlite_with_rowid": False},)
    commune_id: Mapped[int] = mapped_column(ForeignKey("commune.id"), primary_key=True)
    month: Mapped[date] = mapped_column(Date, primary_key=True)
    next_month: Mapped[date] = mapped_column(Date, primary_key=True)
