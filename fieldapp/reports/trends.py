"""Trends: each measure of a report over the last report dates, per unit and for the area.

A district's trends have one line per commune, a province's one per district, and both the
area's total. Each report date's point is what that date's report shows (weekly.py's
rules): each commune's figures of that very date (a commune without figures that day leaves
a gap), the findings of that date's period (from the day after the usual previous report
date, a week when there is none). The whole series costs a fixed number of queries, whatever
the number of units: the communes, the report dates, the figures of those dates, the
figures before the first one, then the findings once per date (TREND_DATES at most).

Plain functions over the database, no request: `area_trends` for the numbers,
`trend_chart` for the SVG's geometry, `trend_drawing` for the same chart in a PDF.
"""

import math
from dataclasses import dataclass
from datetime import date, timedelta

from reportlab.graphics.shapes import Circle, Drawing, Line, PolyLine, Rect, String
from reportlab.lib import colors
from sqlalchemy import select

from fieldapp.extensions import db
from fieldapp.models import Commune, CommuneFigures, District
from fieldapp.reports.notice import LOCALE, vn_number, vn_percent
from fieldapp.reports.weekly import (
    DEFAULT_PERIOD,
    Area,
    WeeklyReport,
    _previous_date,
    assemble_report,
    findings_by_commune,
    latest_figures,
    places_in,
)

TREND_DATES = 8
# The measures a trend can show, in the picker's order; the shares are percentages.
TREND_MEASURES = ("venues_with_qr", "scans", "install_rate", "compliant_share", "scan_rate")
SHARES = frozenset({"install_rate", "compliant_share", "scan_rate"})
DEFAULT_MEASURE = "scans"
# The levels with trends: a district's communes, a province's districts (the country's page,
# with thousands of communes, keeps its light summary).
LEVELS = ("district", "province")


@dataclass
class Trends:
    """An area's reports on its last report dates, oldest first."""

    level: str
    area_name: str
    dates: list[date]
    reports: list[WeeklyReport]

    def series(self, measure: str) -> "Series":
        """One measure's values: the total's and each unit's (in the report's order), one
        per date; None where a date has no value (no figures, nothing inspected)."""
        units: dict[int | None, UnitSeries] = {}
        for index, report in enumerate(self.reports):
            for row in report.rows:
                unit = units.get(row.unit_id)
                if unit is None:
                    unit = units[row.unit_id] = UnitSeries(
                        row.name, row.unit_id, [None] * len(self.dates)
                    )
                unit.values[index] = row.measure(measure)
        total = [report.total.measure(measure) for report in self.reports]
        return Series(measure, self.dates, total, list(units.values()))


@dataclass
class UnitSeries:
    name: str
    unit_id: int | None
    values: list


@dataclass
class Series:
    measure: str
    dates: list[date]
    total: list
    units: list[UnitSeries]


def trend_measure(name: str | None) -> str:
    """The measure asked for, or the default one for anything else."""
    return name if name in TREND_MEASURES else DEFAULT_MEASURE


def report_trends(report: WeeklyReport, unit_id: int | None) -> Trends | None:
    """The trends of a report page or letter: over the report dates up to its date (a
    month's: up to the month's last report date); None for a level without trends."""
    area = report_area(report, unit_id)
    if area is None:
        return None
    return area_trends(area, report.report_date, include_until=report.month is None)


def report_trend_drawing(
    report: WeeklyReport,
    unit_id: int | None,
    width: float,
    measure: str = DEFAULT_MEASURE,
    **fonts,
) -> Drawing | None:
    """The trend of a report (its district's or province's id as `unit_id`) as a reportlab
    Drawing `width` points wide, for the letter's PDF; `fonts` as `trend_drawing` takes
    them. None for a level without trends."""
    trends = report_trends(report, unit_id)
    return None if trends is None else trend_drawing(trend_chart(trends, measure), width, **fonts)


def report_area(report: WeeklyReport, unit_id: int | None) -> Area | None:
    """The area a report page shows (its district's or province's id as `unit_id`), or None
    for a level without trends."""
    if report.level == "district":
        return Area("district", report.area_name, report.province_name, district_ids=(unit_id,))
    if report.level == "province":
        return Area("province", report.area_name, report.province_name, province_id=unit_id)
    return None


def trend_dates(
    area: Area, until: date, count: int = TREND_DATES, include_until: bool = True
) -> list[date]:
    """The area's last `count` report dates up to `until`, oldest first; `until` is one of
    them (the report's own date) unless `include_until` is False (a month's report: its last
    day is no report date), or when the area has none."""
    query = (
        select(CommuneFigures.report_date)
        .distinct()
        .join(Commune, Commune.id == CommuneFigures.commune_id)
        .where(CommuneFigures.report_date <= until)
    )
    if area.district_ids is None and area.province_id is not None:
        query = query.join(District, District.id == Commune.district_id)
    query = area.communes(query).order_by(CommuneFigures.report_date.desc()).limit(count)
    days = set(db.session.scalars(query))
    if include_until or not days:
        days.add(until)
    return sorted(days)[-count:]


def _figures_of(area: Area, dates: list[date]) -> dict[date, dict[int, object]]:
    """The area's figures of these dates, per date and commune, in one query."""
    query = select(
        CommuneFigures.commune_id,
        CommuneFigures.report_date,
        CommuneFigures.venues_with_qr,
        CommuneFigures.scans,
        CommuneFigures.installs,
        CommuneFigures.smartphones,
    ).join(Commune, Commune.id == CommuneFigures.commune_id)
    if area.district_ids is None and area.province_id is not None:
        query = query.join(District, District.id == Commune.district_id)
    query = area.communes(query).where(CommuneFigures.report_date.in_(dates))
    by_date: dict[date, dict[int, object]] = {day: {} for day in dates}
    for row in db.session.execute(query):
        by_date[row.report_date][row.commune_id] = row
    return by_date


def area_trends(
    area: Area, until: date, count: int = TREND_DATES, include_until: bool = True
) -> Trends:
    """The area's reports on its last `count` report dates up to `until`, each as that
    date's report computes it (figures of the date against each commune's previous ones; the
    findings of the date's period)."""
    places = places_in(area)
    commune_ids = [place.id for place in places]
    dates = trend_dates(area, until, count, include_until)
    figures = _figures_of(area, dates)
    # Each commune's latest figures before the first date: with the dates' own figures, the
    # previous figures of every date (a commune's latest before a date is either among the
    # earlier dates' or this).
    before = latest_figures(area, None, dates[0] - timedelta(days=1))
    reports = []
    for day in dates:
        now = figures[day]
        previous_date = _previous_date(now, before)
        period_start = (
            previous_date + timedelta(days=1)
            if previous_date
            else day - DEFAULT_PERIOD + timedelta(days=1)
        )
        reports.append(
            assemble_report(
                area,
                places,
                now,
                before,
                findings_by_commune(commune_ids, period_start, day),
                {},
                report_date=day,
                previous_date=previous_date,
                period_start=period_start,
            )
        )
        before = {**before, **now}
    return Trends(area.level, area.name, dates, reports)


# The chart: one geometry for the page's SVG and the PDF's drawing ----------------------------
WIDTH = 340  # viewBox units: the SVG scales to the page (a 360 px phone shows it 1:1)
MAIN_HEIGHT = 176
MAIN_LEFT, MAIN_RIGHT, MAIN_TOP, MAIN_BOTTOM = 46, 14, 24, 26  # MAIN_LEFT: the least
FONT_SIZE = 11  # the SVG's text, in viewBox units
# A character's width at most, in em: a sans-serif digit is 0.55-0.6 em, "%" wider than a
# digit but alone; the axis labels' room is computed from their length with it.
CHAR_WIDTH = 0.62
LABEL_GAP = 4  # between a tick's label and the plot
PANEL_COLUMNS = 2
PANEL_GAP = 8
PANEL_HEIGHT = 64
PANEL_TOP = 16  # the panel's name and last value above its line
PANEL_PAD = 6
NAME_LENGTH = 17


@dataclass
class Point:
    x: float
    y: float


@dataclass
class Panel:
    """A unit's small chart: its name, its latest value, its line on its own scale."""

    name: str
    value_text: str
    x: float
    y: float
    width: float
    height: float
    segments: list[list[Point]]


@dataclass
class TrendChart:
    """Where everything goes, in viewBox units (y downwards), and the table's texts."""

    measure: str
    level: str
    width: int
    height: int
    x_labels: list[tuple[float, str]]  # (x, "05/11")
    ticks: list[tuple[float, str]]  # (y, "18.000")
    plot_left: float
    plot_right: float
    total_segments: list[list[Point]]
    total_text: str
    panels: list[Panel]
    dates: list[str]  # DD/MM/YYYY, for the table
    table: list[tuple[str, list[str]]]  # (unit, its values' texts); the total first
    font_size: int = FONT_SIZE

    @property
    def label_x(self) -> float:
        """Where the ticks' labels end (they are right-aligned), left of the plot."""
        return self.plot_left - LABEL_GAP

    @property
    def has_values(self) -> bool:
        return any(self.total_segments)


def value_text(measure: str, value, locale: str = LOCALE) -> str:
    """A value as the chart and its table write it: 18.336, 30,0% (18,336, 30.0% in
    English); — for none."""
    if measure in SHARES:
        return vn_percent(value, locale)
    return vn_number(value, locale)


def label_width(label: str, font_size: float = FONT_SIZE) -> float:
    """The most room a label of this length takes, in the units of `font_size`."""
    return len(label) * CHAR_WIDTH * font_size


def _nice_step(span: float) -> float:
    """A round step (1, 2 or 5 times a power of ten, at least 1) near span / 3."""
    rough = max(span / 3, 1)
    power = 10 ** len(str(int(rough))) / 10
    for factor in (1, 2, 5, 10):
        if power * factor >= rough:
            return power * factor
    return power * 10


def _domain(values: list, share: bool) -> tuple[float, float, float]:
    """(low, high, step) of the main chart's scale, on round numbers around the values."""
    known = [float(v) for v in values if v is not None]
    if not known:
        return (0.0, 100.0, 50.0) if share else (0.0, 1.0, 1.0)
    low, high = min(known), max(known)
    step = _nice_step(high - low if high > low else max(abs(high) / 10, 1))
    low = (low // step) * step
    high = -((-high) // step) * step
    if high == low:
        high = low + step
    if share:
        low, high = max(low, 0.0), min(high, 100.0) if max(known) <= 100 else high
    return low, high, step


def _x(index: int, count: int, left: float, right: float) -> float:
    if count == 1:
        return round((left + right) / 2, 1)
    return round(left + (right - left) * index / (count - 1), 1)


def _segments(values, xs, top: float, bottom: float, low: float, high: float):
    """The line through the known values, broken where a value is missing."""
    segments, current = [], []
    span = (high - low) or 1
    for value, x in zip(values, xs, strict=True):
        if value is None:
            if current:
                segments.append(current)
            current = []
            continue
        y = bottom - (bottom - top) * (float(value) - low) / span
        current.append(Point(x, round(y, 1)))
    if current:
        segments.append(current)
    return segments


def _latest(values):
    return next((v for v in reversed(values) if v is not None), None)


def _short(name: str) -> str:
    return name if len(name) <= NAME_LENGTH else name[: NAME_LENGTH - 1] + "…"


def trend_chart(trends: Trends, measure: str, locale: str = LOCALE) -> TrendChart:
    """The chart of one measure: the area's total as the main line (a round scale with
    three lines), each unit as a small chart below on its own scale (shares on 0–100%).
    Numbers in `locale`: Vietnamese for the letter's PDF, the user's language on screen."""
    measure = trend_measure(measure)
    series = trends.series(measure)
    share = measure in SHARES
    count = len(series.dates)
    top, bottom = MAIN_TOP, MAIN_HEIGHT - MAIN_BOTTOM
    low, high, step = _domain(series.total, share)
    ticks = []
    value = low
    while value <= high + step / 1000:
        y = bottom - (bottom - top) * (value - low) / ((high - low) or 1)
        label = vn_number(int(value), locale) + ("%" if share else "")
        ticks.append((round(y, 1), label))
        value += step
    # The plot starts right of its widest label ("100.000", "1.000.000"), whatever the scale.
    widest = max((label_width(label) for _, label in ticks), default=0)
    left, right = max(MAIN_LEFT, math.ceil(widest + LABEL_GAP + 2)), WIDTH - MAIN_RIGHT
    xs = [_x(i, count, left, right) for i in range(count)]
    panels = []
    panel_width = (WIDTH - PANEL_GAP * (PANEL_COLUMNS - 1)) / PANEL_COLUMNS
    for index, unit in enumerate(series.units):
        column, row = index % PANEL_COLUMNS, index // PANEL_COLUMNS
        x0 = column * (panel_width + PANEL_GAP)
        y0 = MAIN_HEIGHT + 8 + row * (PANEL_HEIGHT + PANEL_GAP)
        known = [float(v) for v in unit.values if v is not None]
        if share:
            unit_low, unit_high = 0.0, 100.0
        elif known and max(known) > min(known):
            unit_low, unit_high = min(known), max(known)
        else:  # flat or empty: the line in the middle
            middle = known[0] if known else 0.0
            unit_low, unit_high = middle - 1, middle + 1
        unit_xs = [_x(i, count, x0 + PANEL_PAD, x0 + panel_width - PANEL_PAD) for i in range(count)]
        panels.append(
            Panel(
                name=_short(unit.name),
                value_text=value_text(measure, _latest(unit.values), locale),
                x=round(x0, 1),
                y=y0,
                width=round(panel_width, 1),
                height=PANEL_HEIGHT,
                segments=_segments(
                    unit.values,
                    unit_xs,
                    y0 + PANEL_TOP + 4,
                    y0 + PANEL_HEIGHT - PANEL_PAD,
                    unit_low,
                    unit_high,
                ),
            )
        )
    rows = -(-len(panels) // PANEL_COLUMNS)
    height = MAIN_HEIGHT + (8 + rows * (PANEL_HEIGHT + PANEL_GAP) if panels else 0)
    return TrendChart(
        measure=measure,
        level=trends.level,
        width=WIDTH,
        height=height,
        x_labels=[(x, day.strftime("%d/%m")) for x, day in zip(xs, series.dates, strict=True)],
        ticks=ticks,
        plot_left=left,
        plot_right=right,
        total_segments=_segments(series.total, xs, top, bottom, low, high),
        total_text=value_text(measure, _latest(series.total), locale),
        panels=panels,
        dates=[day.strftime("%d/%m/%Y") for day in series.dates],
        table=[
            ("", [value_text(measure, v, locale) for v in series.total]),
            *(
                (unit.name, [value_text(measure, v, locale) for v in unit.values])
                for unit in series.units
            ),
        ],
    )


TOTAL_COLOUR = colors.HexColor("#0b4f8a")
UNIT_COLOUR = colors.HexColor("#5b8fbf")
GRID_COLOUR = colors.HexColor("#d0d7de")
TEXT_COLOUR = colors.HexColor("#333333")


def trend_drawing(
    chart: TrendChart,
    width: float,
    font: str = "Helvetica",
    bold_font: str = "Helvetica-Bold",
    total_label: str = "Tổng cộng",
) -> Drawing:
    """The same chart as a reportlab Drawing `width` points wide (its height follows), for
    a PDF. Pass fonts registered with reportlab that cover Vietnamese (the letter's)."""
    scale = width / chart.width
    height = chart.height

    def flip(y: float) -> float:  # SVG's y runs down, the PDF's up
        return (height - y) * scale

    def at(x: float) -> float:
        return x * scale

    drawing = Drawing(width, height * scale)
    top_y = chart.ticks[-1][0] if chart.ticks else MAIN_TOP
    for y, label in chart.ticks:
        drawing.add(
            Line(
                at(chart.plot_left), flip(y), at(chart.plot_right), flip(y), strokeColor=GRID_COLOUR
            )
        )
        drawing.add(
            String(
                at(chart.label_x),
                flip(y) - 3,
                label,
                fontName=font,
                fontSize=8,
                textAnchor="end",
                fillColor=TEXT_COLOUR,
            )
        )
    for x, label in chart.x_labels:
        drawing.add(
            String(
                at(x),
                flip(MAIN_HEIGHT - 8),
                label,
                fontName=font,
                fontSize=8,
                textAnchor="middle",
                fillColor=TEXT_COLOUR,
            )
        )
    drawing.add(
        String(
            at(chart.plot_left),
            flip(top_y) + 6,
            f"{total_label}: {chart.total_text}",
            fontName=bold_font,
            fontSize=9,
            fillColor=TOTAL_COLOUR,
        )
    )
    for segment in chart.total_segments:
        _add_line(drawing, segment, flip, at, TOTAL_COLOUR, 2.2, 2.4)
    for panel in chart.panels:
        drawing.add(
            Rect(
                at(panel.x),
                flip(panel.y + panel.height),
                at(panel.width),
                panel.height * scale,
                strokeColor=GRID_COLOUR,
                fillColor=None,
                strokeWidth=0.5,
            )
        )
        drawing.add(
            String(
                at(panel.x + PANEL_PAD),
                flip(panel.y + 12),
                panel.name,
                fontName=font,
                fontSize=8,
                fillColor=TEXT_COLOUR,
            )
        )
        drawing.add(
            String(
                at(panel.x + panel.width - PANEL_PAD),
                flip(panel.y + 12),
                panel.value_text,
                fontName=bold_font,
                fontSize=8,
                textAnchor="end",
                fillColor=TEXT_COLOUR,
            )
        )
        for segment in panel.segments:
            _add_line(drawing, segment, flip, at, UNIT_COLOUR, 1.2, 1.4)
    return drawing


def _add_line(drawing: Drawing, segment: list[Point], flip, at, colour, width, radius) -> None:
    if len(segment) > 1:
        drawing.add(
            PolyLine(
                [coordinate for p in segment for coordinate in (at(p.x), flip(p.y))],
                strokeColor=colour,
                strokeWidth=width,
            )
        )
    for p in segment:
        drawing.add(Circle(at(p.x), flip(p.y), radius, fillColor=colour, strokeColor=None))
