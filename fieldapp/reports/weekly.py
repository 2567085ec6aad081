"""The weekly report of a district (one row per commune) or a province (one row per district).

Plain functions over the database: no request, no locale. The national figures are those
of the report date and of the previous report date; the app's own findings are those
received in the period that ends on the report date.
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from fieldapp.extensions import db
from fieldapp.models import Commune, CommuneFigures, District, Province
from fieldapp.places import in_vietnamese_order
from fieldapp.reports.findings import Findings, percent
from fieldapp.reports.rollups import findings_from_rollups

DEFAULT_PERIOD = timedelta(days=7)
# Report dates before the national QR systems existed, or far ahead, are typing mistakes.
FIRST_REPORT_DATE = date(2020, 1, 1)
LAST_REPORT_DATE = date(2099, 12, 31)


def plausible_report_date(day: date) -> bool:
    return FIRST_REPORT_DATE <= day <= LAST_REPORT_DATE


MEASURES = (
    "scans",
    "venues_with_qr",
    "install_rate",
    "compliant_share",
    "qr_visible_share",
    "staff_share",
    "scan_rate",
)


def change(now: Decimal | int | None, before: Decimal | int | None):
    """The change since before, or None when either side is unknown."""
    if now is None or before is None:
        return None
    return now - before


@dataclass
class ReportRow:
    """One commune of a district's report, or one district of a province's."""

    name: str
    district_name: str
    kind: str = ""  # the commune's kind (xa, phuong, thi_tran) or "district"
    has_figures: bool = False
    venues_with_qr: int | None = None
    scans: int | None = None
    installs: int | None = None
    smartphones: int | None = None
    # Changes since each commune's own previous figures, over the communes that have both.
    compared: bool = False
    venues_delta: int = 0
    scans_delta: int = 0
    findings: Findings = field(default_factory=Findings)
    previous_findings: Findings = field(default_factory=Findings)

    @property
    def install_rate(self) -> Decimal | None:
        return percent(self.installs, self.smartphones)

    @property
    def venues_change(self) -> int | None:
        return self.venues_delta if self.compared else None

    @property
    def scans_change(self) -> int | None:
        return self.scans_delta if self.compared else None

    def measure(self, name: str):
        if name in ("scans", "venues_with_qr", "install_rate"):
            return getattr(self, name)
        return getattr(self.findings, name)

    def finding_change(self, name: str):
        now, before = getattr(self.findings, name), getattr(self.previous_findings, name)
        if not self.previous_findings.venues_inspected and name != "posters_issued":
            return None
        return change(now, before)


@dataclass
class WeeklyReport:
    level: str  # "district": rows are communes; "province": rows are districts
    area_name: str
    province_name: str
    report_date: date
    previous_date: date | None
    period_start: date  # first day of the findings' period
    rows: list[ReportRow]
    total: ReportRow

    @property
    def rows_with_figures(self) -> list[ReportRow]:
        return [row for row in self.rows if row.has_figures]

    def _extreme(self, pick) -> list[ReportRow]:
        rows = self.rows_with_figures
        if not rows:
            return []
        value = pick(row.scans for row in rows)
        return [row for row in rows if row.scans == value]

    @property
    def highest(self) -> list[ReportRow]:
        """The rows with the most scans: several when they tie."""
        return self._extreme(max)

    @property
    def lowest(self) -> list[ReportRow]:
        return self._extreme(min)

    @property
    def has_figures(self) -> bool:
        return bool(self.rows_with_figures)


def previous_figures(commune_ids, report_date: date) -> dict[int, CommuneFigures]:
    """Each commune's own latest figures before the report date (communes report unevenly)."""
    latest = (
        select(CommuneFigures.commune_id, func.max(CommuneFigures.report_date).label("day"))
        .where(CommuneFigures.commune_id.in_(commune_ids), CommuneFigures.report_date < report_date)
        .group_by(CommuneFigures.commune_id)
        .subquery()
    )
    return {
        f.commune_id: f
        for f in db.session.scalars(
            select(CommuneFigures).join(
                latest,
                (latest.c.commune_id == CommuneFigures.commune_id)
                & (latest.c.day == CommuneFigures.report_date),
            )
        )
    }


def usual_date(figures) -> date | None:
    """The date most of these figures are of (the latest when several tie)."""
    counts = Counter(f.report_date for f in figures)
    return max(counts, key=lambda day: (counts[day], day)) if counts else None


def report_dates(district_ids: list[int], limit: int = 500) -> list[tuple[date, int, int]]:
    """(report date, district id, communes with figures), the newest dates first."""
    return list(
        db.session.execute(
            select(CommuneFigures.report_date, Commune.district_id, func.count())
            .join(Commune, Commune.id == CommuneFigures.commune_id)
            .where(Commune.district_id.in_(district_ids))
            .group_by(CommuneFigures.report_date, Commune.district_id)
            .order_by(CommuneFigures.report_date.desc(), Commune.district_id)
            .limit(limit)
        )
    )


def _figures(commune_ids, day: date | None) -> dict[int, CommuneFigures]:
    if day is None:
        return {}
    return {
        f.commune_id: f
        for f in db.session.scalars(
            select(CommuneFigures).where(
                CommuneFigures.commune_id.in_(commune_ids), CommuneFigures.report_date == day
            )
        )
    }


def findings_by_commune(commune_ids, start: date, end: date) -> dict[int, Findings]:
    """Findings received from the first day to the last (inclusive), per commune.

    A venue inspected twice in the period counts once, by its latest finding (in the order
    (server_time, id)); read from the rollup that fieldapp/reports/rollups.py keeps.
    """
    return findings_from_rollups(commune_ids, start, end)


def _fill(row: ReportRow, figures: CommuneFigures | None, before: CommuneFigures | None) -> None:
    """Add a commune's figures, and its change since its own previous ones, to a row (its
    own, its district's, the total). A commune new this week adds no change."""
    if figures is None:
        return
    row.has_figures = True
    row.venues_with_qr = (row.venues_with_qr or 0) + figures.venues_with_qr
    row.scans = (row.scans or 0) + figures.scans
    if figures.installs is not None and figures.smartphones is not None:
        row.installs = (row.installs or 0) + figures.installs
        row.smartphones = (row.smartphones or 0) + figures.smartphones
    if before is not None:
        row.compared = True
        row.venues_delta += figures.venues_with_qr - before.venues_with_qr
        row.scans_delta += figures.scans - before.scans


def build_report(districts: list[District], report_date: date, level: str) -> WeeklyReport:
    """The report of one district (level "district") or of a province's districts."""
    communes = [c for d in districts for c in in_vietnamese_order(d.communes)]
    commune_ids = [c.id for c in communes]
    now = _figures(commune_ids, report_date)
    before = previous_figures(commune_ids, report_date)
    # The date the notice compares with, and where the findings' period starts: the one
    # most communes last reported on.
    previous = usual_date(before[c] for c in now if c in before) or usual_date(before.values())
    period_start = (
        (previous + timedelta(days=1))
        if previous
        else report_date - DEFAULT_PERIOD + timedelta(days=1)
    )
    length = report_date - period_start + timedelta(days=1)
    findings = findings_by_commune(commune_ids, period_start, report_date)
    earlier = findings_by_commune(
        commune_ids, period_start - length, period_start - timedelta(days=1)
    )

    rows: dict[int, ReportRow] = {}
    total = ReportRow(name="", district_name="")
    for commune in communes:
        key = commune.id if level == "district" else commune.district_id
        row = rows.get(key)
        if row is None:
            name = commune.name if level == "district" else commune.district.name
            row = rows[key] = ReportRow(
                name=name,
                district_name=commune.district.name,
                kind=commune.kind if level == "district" else "district",
            )
        for target in (row, total):
            _fill(target, now.get(commune.id), before.get(commune.id))
            target.findings.add(findings.get(commune.id, Findings()))
            target.previous_findings.add(earlier.get(commune.id, Findings()))
    district = districts[0]
    area = district.name if level == "district" else district.province.name
    return WeeklyReport(
        level=level,
        area_name=area,
        province_name=district.province.name,
        report_date=report_date,
        previous_date=previous,
        period_start=period_start,
        rows=list(rows.values()),
        total=total,
    )


def district_report(district: District, report_date: date) -> WeeklyReport:
    return build_report([district], report_date, "district")


def province_report(province: Province, report_date: date) -> WeeklyReport:
    districts = in_vietnamese_order(province.districts)
    return build_report(districts, report_date, "province")
