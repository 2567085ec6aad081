"""A horizontal bar chart of one measure per commune (or district), drawn as SVG on the server.

Horizontal bars keep long commune names readable on a 360 px phone and on paper. Its numbers
are written in a locale's way: Vietnamese in the letter's PDF (the default), the user's
language on a screen (4,336 and 30.0% in English).
"""

from dataclasses import dataclass
from decimal import Decimal

from fieldapp.reports.notice import LOCALE, vn_number, vn_percent
from fieldapp.reports.weekly import WeeklyReport

WIDTH = 340  # viewBox units; the SVG scales to the page's width
LABEL_WIDTH = 112
VALUE_WIDTH = 64
ROW_HEIGHT = 30
BAR_HEIGHT = 20


@dataclass
class Bar:
    label: str
    text: str  # the value as printed at the bar's end
    y: int
    width: float  # 0 when the value is unknown or zero
    known: bool


@dataclass
class Chart:
    measure: str
    bars: list[Bar]
    width: int = WIDTH
    label_width: int = LABEL_WIDTH
    bar_height: int = BAR_HEIGHT

    @property
    def height(self) -> int:
        return max(len(self.bars), 1) * ROW_HEIGHT + 8

    @property
    def bar_x(self) -> int:
        return LABEL_WIDTH


def bar_chart(report: WeeklyReport, measure: str, locale: str = LOCALE) -> Chart:
    """The bars of one measure, one per row of the report, the values written in `locale`."""
    values = [row.measure(measure) for row in report.rows]
    largest = max((v for v in values if v is not None), default=0) or 1
    span = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    bars = []
    for index, (row, value) in enumerate(zip(report.rows, values, strict=False)):
        if value is None:
            text = "—"
        elif isinstance(value, Decimal):
            text = vn_percent(value, locale)
        else:
            text = vn_number(value, locale)
        label = row.name if len(row.name) <= 14 else row.name[:13] + "…"
        bars.append(
            Bar(
                label=label,
                text=text,
                y=4 + index * ROW_HEIGHT,
                width=round(span * float(value or 0) / float(largest), 1),
                known=value is not None,
            )
        )
    return Chart(measure=measure, bars=bars)
