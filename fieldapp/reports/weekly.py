"""The weekly report of a district (one row per commune), a province (one row per district)
or the whole country (one row per province), for a report date or a calendar month.

Plain functions over the database: no request, no locale. The national figures are those
of the report date and of the previous report date; the app's own findings are those
received in the period that ends on the report date. A month's report takes each commune's
latest figures of the month, compared with its latest before the month, and the findings
of the month's days.
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from fieldapp import clock
from fieldapp.citizens.counts import CitizenCounts, counts_by_commune
from fieldapp.extensions import db
from fieldapp.models import Commune, CommuneFigures, District, Province
from fieldapp.models.user import COUNTRY_NAME
from fieldapp.places import LEVEL_KINDS, official_name, sort_key, unit_word
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
    # the unit's kind: a commune's (xa, phuong, thi_tran), a district's (huyen, quan, thi_xa,
    # thanh_pho) or a province's (tinh, thanh_pho); fieldapp/places.py writes it
    kind: str = ""
    district_kind: str = "huyen"  # a commune's row: its district's kind
    unit_id: int | None = None  # the commune's, district's or province's id
    has_figures: bool = False
    venues_with_qr: int | None = None
    scans: int | None = None
    installs: int | None = None
    smartphones: int | None = None
    # Changes since each commune's own previous figures, over the communes that have both.
    compared: bool = False
    venues_delta: int = 0
    scans_delta: int = 0
    # PC-Covid installs change over the communes with installs in both figures.
    installs_compared: bool = False
    installs_delta: int = 0
    findings: Findings = field(default_factory=Findings)
    previous_findings: Findings = field(default_factory=Findings)
    # Citizens' reports of the findings' period: received, on time, late
    # (fieldapp/citizens/counts.py).
    citizens: CitizenCounts = field(default_factory=CitizenCounts)
    # The unit's place in the official order (the spreadsheet's STT), and its district's;
    # None where unknown (see `official_order`).
    sheet_order: int | None = None
    district_order: int | None = None
    # Of a province's or the country's row (and their totals): how many districts it
    # covers, and how many of them have figures.
    districts: int = 0
    districts_with_figures: int = 0
    district_kinds: set[str] = field(default_factory=set)  # the kinds of those districts

    @property
    def partial_districts(self) -> tuple[int, int] | None:
        """(districts with figures, districts) when the row's sums come from only some of
        its districts; None when all have figures, none has, or the row is a commune."""
        if 0 < self.districts_with_figures < self.districts:
            return self.districts_with_figures, self.districts
        return None

    @property
    def partial_note(self) -> str:
        """What the letter and the exports write beside a partial sum: "(9/12 huyện có số
        liệu)"; "" when the sum is whole."""
        if self.partial_districts is None:
            return ""
        return "({}/{} {} có số liệu)".format(*self.partial_districts, self.districts_word)

    @property
    def districts_word(self) -> str:
        """What its districts are called: "huyện" (or "quận"...) when all are of one kind,
        else the neutral "đơn vị"."""
        if len(self.district_kinds) == 1:
            return unit_word(next(iter(self.district_kinds))) or "đơn vị"
        return "đơn vị"

    @property
    def install_rate(self) -> Decimal | None:
        return percent(self.installs, self.smartphones)

    @property
    def venues_change(self) -> int | None:
        return self.venues_delta if self.compared else None

    @property
    def scans_change(self) -> int | None:
        return self.scans_delta if self.compared else None

    @property
    def installs_change(self) -> int | None:
        return self.installs_delta if self.installs_compared else None

    def measure(self, name: str):
        if name in ("scans", "venues_with_qr", "install_rate"):
            return getattr(self, name)
        return getattr(self.findings, name)

    def finding_change(self, name: str):
        now, before = getattr(self.findings, name), getattr(self.previous_findings, name)
        if not self.previous_findings.venues_inspected and name != "posters_issued":
            return None
        return change(now, before)


# An area of unknown kind is written as most are.
USUAL_KINDS = {"district": "huyen", "province": "tinh"}


@dataclass
class WeeklyReport:
    # "district": rows are communes; "province": rows are districts; "country": provinces
    level: str
    area_name: str
    province_name: str
    report_date: date  # a month's report: the month's last day
    previous_date: date | None
    period_start: date  # first day of the findings' period
    rows: list[ReportRow]
    total: ReportRow
    month: date | None = None  # the first day of a month's report; None for a report date
    area_kind: str = ""  # the district's or province's kind (huyen, quan, ...; tinh, ...)
    province_kind: str = "tinh"

    def area_written(self, capitalised: bool = False) -> str:
        """Its area as letters and headings write it, by its kind (`places.official_name`):
        "huyện Quan Sơn", "quận Ba Đình", "thành phố Hà Nội"; the country by its name."""
        if self.level == "country":
            return self.area_name
        kind = self.area_kind or USUAL_KINDS[self.level]
        return official_name(self.area_name, kind, capitalised=capitalised)

    @property
    def area_heading(self) -> str:
        """Its area at the head of a page: "Huyện Quan Sơn", "Quận Ba Đình", "Việt Nam"."""
        return self.area_written(capitalised=True)

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

    @property
    def partial_total(self) -> tuple[int, int] | None:
        """(districts with figures, districts) when a province's or the country's total is
        built from only some of its districts' figures ("9/12 huyện có số liệu"); None for
        a district's report, or when every district (or none) has figures."""
        if self.level == "district":
            return None
        return self.total.partial_districts


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


def findings_by_commune(commune_ids, start: date, end: date) -> dict[int, Findings]:
    """Findings received from the first day to the last (inclusive), per commune.

    A venue inspected twice in the period counts once, by its latest finding (in the order
    (server_time, id)); read from the rollup that fieldapp/reports/rollups.py keeps.
    """
    return findings_from_rollups(commune_ids, start, end)


def _fill(row: ReportRow, figures, before) -> None:
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
        # Only installs the row counts (those with their smartphones) change it.
        if None not in (figures.installs, figures.smartphones, before.installs):
            row.installs_compared = True
            row.installs_delta += figures.installs - before.installs


def build_report(districts: list[District], report_date: date, level: str) -> WeeklyReport:
    """The report of one district (level "district") or of a province's districts."""
    district = districts[0]
    area = Area(
        level=level,
        name=district.name if level == "district" else district.province.name,
        province_name=district.province.name,
        district_ids=tuple(d.id for d in districts),
        kind=district.kind if level == "district" else district.province.kind,
        province_kind=district.province.kind,
    )
    return date_report(area, report_date)


def district_report(district: District, report_date: date) -> WeeklyReport:
    return build_report([district], report_date, "district")


def province_report(province: Province, report_date: date) -> WeeklyReport:
    return date_report(Area.of_province(province), report_date)


# National scale: one area's communes, figures and findings in a handful of queries ---------
# Whatever the number of communes (a district's 12 or the country's 10,000), a report runs
# the same few statements: the communes with their district and province, the figures
# twice, the findings twice, the citizens' reports once (see tests/test_national_report.py,
# which counts them).


@dataclass(frozen=True)
class Area:
    """What a report covers and what its rows are: the communes of some districts (level
    "district", or "province" with one row per district), of a province, or of the country
    (level "country": one row per province)."""

    level: str
    name: str
    province_name: str
    district_ids: tuple[int, ...] | None = None
    province_id: int | None = None
    kind: str = ""  # the district's or province's kind; "" for the country
    province_kind: str = "tinh"

    @classmethod
    def of_district(cls, district: District) -> "Area":
        return cls(
            "district",
            district.name,
            district.province.name,
            district_ids=(district.id,),
            kind=district.kind,
            province_kind=district.province.kind,
        )

    @classmethod
    def of_province(cls, province: Province) -> "Area":
        return cls(
            "province",
            province.name,
            province.name,
            province_id=province.id,
            kind=province.kind,
            province_kind=province.kind,
        )

    @classmethod
    def country(cls) -> "Area":
        return cls("country", COUNTRY_NAME, "")

    def commune_ids(self):
        """The area's communes' ids as a subquery, for `IN`: a list of the country's 10,000
        ids costs more to send than the query takes to run."""
        return self.communes(select(Commune.id).join(District, District.id == Commune.district_id))

    def communes(self, query):
        """`query` (which joins Commune to District) narrowed to this area's communes."""
        if self.district_ids is not None:
            return query.where(Commune.district_id.in_(self.district_ids))
        if self.province_id is not None:
            return query.where(District.province_id == self.province_id)
        return query


@dataclass(frozen=True)
class Place:
    """A commune with its district and province, as a report groups it."""

    id: int
    name: str
    kind: str
    district_id: int
    district_name: str
    province_id: int
    province_name: str
    sheet_order: int | None = None
    district_order: int | None = None
    district_kind: str = "huyen"
    province_kind: str = "tinh"
    province_order: int | None = None

    def row_order(self, level: str) -> tuple[int | None, int | None]:
        """The official order of the row this commune adds to, and of its district."""
        if level == "district":
            return self.sheet_order, self.district_order
        if level == "province":
            return self.district_order, None
        return self.province_order, None

    def row_key(self, level: str) -> tuple[int, str, str, str]:
        """The row this commune adds to at a level: its id, name, district name and kind."""
        if level == "district":
            return self.id, self.name, self.district_name, self.kind
        if level == "province":
            return self.district_id, self.district_name, self.district_name, self.district_kind
        return self.province_id, self.province_name, "", self.province_kind


def places_in(area: Area) -> list[Place]:
    """The area's communes with their district and province, in one query (in no particular
    order: `assemble_report` puts the rows in the official order)."""
    query = (
        select(
            Commune.id,
            Commune.name,
            Commune.kind,
            District.id,
            District.name,
            Province.id,
            Province.name,
            Commune.sheet_order,
            District.sheet_order,
            District.kind,
            Province.kind,
            Province.sheet_order,
        )
        .join(District, District.id == Commune.district_id)
        .join(Province, Province.id == District.province_id)
    )
    return [Place(*row) for row in db.session.execute(area.communes(query))]


def latest_figures(area: Area, since: date | None, until: date) -> dict:
    """Each commune's own latest figures dated from `since` to `until` (both included; from
    any earlier date when `since` is None), in one query. Communes report unevenly, so
    "the figures of a date" and "the previous figures" are both asked this way.

    Each value has the CommuneFigures' columns as attributes (commune_id, report_date,
    venues_with_qr, scans, installs, smartphones). The query starts from the area's
    communes and finds each one's latest row through the (commune, date) index, so it
    reads one row per commune, never every report date of the country, whatever plan the
    database would pick for a join (SQLite without statistics scans the figures first).
    """
    columns = (
        CommuneFigures.commune_id,
        CommuneFigures.report_date,
        CommuneFigures.venues_with_qr,
        CommuneFigures.scans,
        CommuneFigures.installs,
        CommuneFigures.smartphones,
    )
    if since == until:  # one date: its rows, through the index on the date
        query = select(*columns).where(
            CommuneFigures.report_date == until,
            CommuneFigures.commune_id.in_(area.commune_ids()),
        )
        return {row.commune_id: row for row in db.session.execute(query)}
    latest = CommuneFigures.__table__.alias("latest")
    dated = latest.c.report_date <= until
    if since is not None:
        dated &= latest.c.report_date >= since
    latest_id = (
        select(latest.c.id)
        .where(latest.c.commune_id == Commune.id, dated)
        .order_by(latest.c.report_date.desc())
        .limit(1)
        .scalar_subquery()
    )
    communes = select(latest_id).select_from(Commune)
    if area.district_ids is None and area.province_id is not None:
        communes = communes.join(District, District.id == Commune.district_id)
    query = select(*columns).where(CommuneFigures.id.in_(area.communes(communes)))
    return {row.commune_id: row for row in db.session.execute(query)}


def _previous_date(now: dict, before: dict) -> date | None:
    """The date the notice compares with: the one most communes last reported on before
    (among those with figures now, else among all)."""
    return usual_date(before[c] for c in now if c in before) or usual_date(before.values())


def assemble_report(
    area: Area,
    places: list[Place],
    now: dict[int, CommuneFigures],
    before: dict[int, CommuneFigures],
    findings: dict[int, Findings],
    earlier: dict[int, Findings],
    *,
    report_date: date,
    previous_date: date | None,
    period_start: date,
    month: date | None = None,
    citizens: dict[int, CitizenCounts] | None = None,
) -> WeeklyReport:
    """Add each commune's figures, changes, findings and citizens' reports to its row and
    to the total."""
    citizens = citizens or {}
    rows: dict[int, ReportRow] = {}
    districts: dict[int, set[int]] = {}  # row key -> its districts
    reporting: dict[int, set[int]] = {}  # row key -> its districts with figures
    for place in places:
        key, name, district_name, kind = place.row_key(area.level)
        row = rows.get(key)
        if row is None:
            order, district_order = place.row_order(area.level)
            row = rows[key] = ReportRow(
                name=name,
                district_name=district_name,
                kind=kind,
                unit_id=key,
                sheet_order=order,
                district_order=district_order,
                district_kind=place.district_kind,
            )
        _fill(row, now.get(place.id), before.get(place.id))
        districts.setdefault(key, set()).add(place.district_id)
        row.district_kinds.add(place.district_kind)
        if place.id in now:
            reporting.setdefault(key, set()).add(place.district_id)
        if place.id in findings:
            row.findings.add(findings[place.id])
        if place.id in earlier:
            row.previous_findings.add(earlier[place.id])
        if place.id in citizens:
            row.citizens.add(citizens[place.id])
    total = ReportRow(name="", district_name="")
    for key, row in rows.items():
        _add_row(total, row)
        if area.level != "district":
            row.districts = len(districts[key])
            row.districts_with_figures = len(reporting.get(key, ()))
            total.districts += row.districts
            total.district_kinds |= row.district_kinds
            total.districts_with_figures += row.districts_with_figures
    return WeeklyReport(
        level=area.level,
        area_name=area.name,
        province_name=area.province_name,
        report_date=report_date,
        previous_date=previous_date,
        period_start=period_start,
        rows=official_order(list(rows.values())),
        total=total,
        month=month,
        area_kind=area.kind,
        province_kind=area.province_kind,
    )


def _add_row(total: ReportRow, row: ReportRow) -> None:
    """Add a row's sums to the total, as `_fill` added each commune's to the row."""
    if row.has_figures:
        total.has_figures = True
        total.venues_with_qr = (total.venues_with_qr or 0) + row.venues_with_qr
        total.scans = (total.scans or 0) + row.scans
    if row.installs is not None:
        total.installs = (total.installs or 0) + row.installs
        total.smartphones = (total.smartphones or 0) + row.smartphones
    total.compared = total.compared or row.compared
    total.venues_delta += row.venues_delta
    total.scans_delta += row.scans_delta
    total.installs_compared = total.installs_compared or row.installs_compared
    total.installs_delta += row.installs_delta
    total.findings.add(row.findings)
    total.previous_findings.add(row.previous_findings)
    total.citizens.add(row.citizens)


# Communes that were never imported (typed in by hand) follow the imported ones, by kind
# (phường, thị trấn, then xã, as the official lists put them) and then by name.
KIND_ORDER = {"phuong": 0, "thi_tran": 1, "xa": 2}
# A row of one of these kinds is a district or a province, not a commune.
UNIT_KINDS = frozenset(LEVEL_KINDS["district"] + LEVEL_KINDS["province"])


def _unit_key(order: int | None, name: str, kind: str = "") -> tuple:
    """A unit by its official place where known, else after those, by kind and name."""
    if order is not None:
        return (0, order, 0, (), name)
    return (1, 0, KIND_ORDER.get(kind, 3), sort_key(name), name)


def official_order(rows: list[ReportRow]) -> list[ReportRow]:
    """THE ORDER of a report's rows, and so of the letter's appendix: the national
    spreadsheet's. Communes by their district (in its official order, else by name), then
    by the STT of the district's last imported spreadsheet (`Commune.sheet_order`); those
    never imported follow, by kind then name. Districts by their order in the province's
    places file where known (`District.sheet_order`), else by name; provinces likewise by
    their order in the national places file (`Province.sheet_order`), else after those by
    name."""
    return sorted(
        rows,
        key=lambda r: (
            _unit_key(r.district_order, r.district_name) if r.kind not in UNIT_KINDS else (),
            _unit_key(r.sheet_order, r.name, r.kind),
        ),
    )


def communes_in_official_order(communes) -> list[Commune]:
    """A district's communes in the order of its report's rows (`official_order`): for the
    form where the figures are typed in, so the office types them as the sheet lists them."""
    return sorted(communes, key=lambda c: _unit_key(c.sheet_order, c.name, c.kind))


def date_report(area: Area, report_date: date) -> WeeklyReport:
    """An area's report on a report date: each commune's figures of that date, compared with
    its own previous ones; the findings since the usual previous date (a week without one),
    compared with the period of the same length before."""
    places = places_in(area)
    commune_ids = area.commune_ids()
    now = latest_figures(area, report_date, report_date)
    before = latest_figures(area, None, report_date - timedelta(days=1))
    previous = _previous_date(now, before)
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
    return assemble_report(
        area,
        places,
        now,
        before,
        findings,
        earlier,
        report_date=report_date,
        previous_date=previous,
        period_start=period_start,
        citizens=counts_by_commune(commune_ids, period_start, report_date),
    )


def month_bounds(month: date) -> tuple[date, date]:
    """The first and last day of the calendar month `month` falls in."""
    first = month.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return first, following - timedelta(days=1)


def month_report(area: Area, month: date) -> WeeklyReport:
    """An area's report of a calendar month: each commune's latest figures of the month,
    compared with its latest before the month; the findings of the month's days (Vietnam
    time), compared with those of the month before. A month still running is dated today
    (in Vietnam), not at its last day: its documents say "đến ngày 02/12/2026"."""
    first, last = month_bounds(month)
    report_date = min(last, clock.today())
    places = places_in(area)
    commune_ids = area.commune_ids()
    now = latest_figures(area, first, last)
    before = latest_figures(area, None, first - timedelta(days=1))
    earlier_first, earlier_last = month_bounds(first - timedelta(days=1))
    return assemble_report(
        area,
        places,
        now,
        before,
        findings_by_commune(commune_ids, first, last),
        findings_by_commune(commune_ids, earlier_first, earlier_last),
        report_date=report_date,
        previous_date=_previous_date(now, before),
        period_start=first,
        month=first,
        citizens=counts_by_commune(commune_ids, first, last),
    )


def national_report(report_date: date) -> WeeklyReport:
    """The country's summary on a report date: one row per province."""
    return date_report(Area.country(), report_date)


def national_month_report(month: date) -> WeeklyReport:
    """The country's summary of a calendar month: one row per province."""
    return month_report(Area.country(), month)


def province_month_report(province: Province, month: date) -> WeeklyReport:
    return month_report(Area.of_province(province), month)


def district_month_report(district: District, month: date) -> WeeklyReport:
    return month_report(Area.of_district(district), month)


def report_days(district_ids: list[int] | None, limit: int = 400) -> list[tuple[date, int]]:
    """(report date, communes with figures) of these districts (the whole country for None),
    the newest first."""
    query = select(CommuneFigures.report_date, func.count()).group_by(CommuneFigures.report_date)
    if district_ids is not None:
        query = query.join(Commune, Commune.id == CommuneFigures.commune_id).where(
            Commune.district_id.in_(district_ids)
        )
    return list(db.session.execute(query.order_by(CommuneFigures.report_date.desc()).limit(limit)))


def report_months(days: list[tuple[date, int]]) -> list[date]:
    """The months (as their first days) that have report dates among `days`, newest first."""
    return sorted({day.replace(day=1) for day, _count in days}, reverse=True)
