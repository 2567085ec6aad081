"""The notice's words and numbers, always in Vietnamese: it is the document sent to the province.

Numbers are written the Vietnamese way (4.336; 30,0%) by Babel's vi_VN locale, and dates
DD/MM/YYYY, whatever language the user reads the app in.
"""

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from babel.numbers import format_decimal, format_percent

from fieldapp import clock
from fieldapp.letters.letter import Paragraph
from fieldapp.places import official_name
from fieldapp.reports.weekly import ReportRow, WeeklyReport

LOCALE = "vi_VN"
ONE_DECIMAL = Decimal("0.1")

# How the notice names the area of each level, and the kind of unit its rows are.
AREA_WORDS = {"district": "huyện {name}", "province": "tỉnh {name}", "country": "cả nước"}
ROW_UNITS = {"district": "Xã, thị trấn", "province": "Huyện", "country": "Tỉnh, thành phố"}


def vn_number(value: int | None) -> str:
    """4336 → "4.336"; None → "—"."""
    if value is None:
        return "—"
    return format_decimal(value, format="#,##0", locale=LOCALE)


def vn_signed(value) -> str:
    """A change with its sign: +1.234, −56, 0; percentage points keep one decimal."""
    if value is None:
        return "—"
    text = vn_decimal(abs(value)) if isinstance(value, Decimal) else vn_number(abs(value))
    return ("+" if value > 0 else "−" if value < 0 else "") + text


def _one_decimal(value) -> Decimal:
    # Half up, as people round (30,25 → 30,3); Babel alone would round half to even.
    # A float goes through its shortest text, so 0.15 is 0,2 and not 0.1499... → 0,1.
    exact = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
    return exact.quantize(ONE_DECIMAL, ROUND_HALF_UP)


def vn_decimal(value: Decimal | None) -> str:
    """30.0 → "30,0"; 1234.56 → "1.234,6"."""
    if value is None:
        return "—"
    return format_decimal(_one_decimal(value), format="#,##0.0", locale=LOCALE)


def vn_percent(value: Decimal | None) -> str:
    """A percentage already multiplied by 100: 30.0 → "30,0%"."""
    if value is None:
        return "—"
    return format_percent(_one_decimal(value) / 100, format="#,##0.0%", locale=LOCALE)


def vn_date(day: date | None) -> str:
    return clock.day_text(day)


def unit_name(row: ReportRow) -> str:
    """ "xã Sơn Hà", "thị trấn Sơn Lư", "huyện Quan Sơn"."""
    return official_name(row.name, row.kind)


def _names(rows: list[ReportRow]) -> str:
    names = [unit_name(row) for row in rows]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " và " + names[-1]


def _since(value, previous: date | None) -> str:
    if value is None or previous is None:
        return ""
    if value > 0:
        return f", tăng {vn_number(value)} so với ngày {vn_date(previous)}"
    if value < 0:
        return f", giảm {vn_number(-value)} so với ngày {vn_date(previous)}"
    return f", không thay đổi so với ngày {vn_date(previous)}"


def vn_month(month: date) -> str:
    """The 1st of November 2026 → "11/2026"."""
    return f"{month.month:02d}/{month.year}"


def when(report: WeeklyReport) -> str:
    """ "tính đến ngày 12/11/2021", or "trong tháng 11/2021" for a month's report."""
    if report.month is not None:
        return f"trong tháng {vn_month(report.month)}"
    return f"tính đến ngày {vn_date(report.report_date)}"


def title(report: WeeklyReport) -> str:
    where = AREA_WORDS[report.level].format(name=report.area_name)
    return (
        f"Kết quả ứng dụng công nghệ thông tin phòng, chống dịch COVID-19 trên địa bàn "
        f"{where} {when(report)}"
    )


def notice_lines(report: WeeklyReport) -> list[str]:
    """The notice's findings, one sentence per item, as the province's template words them."""
    total, previous = report.total, report.previous_date
    if not report.has_figures:
        if report.month is not None:
            return [f"Chưa có số liệu của hệ thống quốc gia cho tháng {vn_month(report.month)}."]
        return [f"Chưa có số liệu của hệ thống quốc gia cho ngày {vn_date(report.report_date)}."]
    unit = ROW_UNITS[report.level]
    lines = [
        (
            f"Tổng số địa điểm đã tạo mã QR: {vn_number(total.venues_with_qr)} địa điểm"
            f"{_since(total.venues_change, previous)}."
        ),
        (
            f"Tổng số lượt quét mã QR: {vn_number(total.scans)} lượt"
            f"{_since(total.scans_change, previous)}."
        ),
        (
            f"{unit} có số lượt quét cao nhất: {_names(report.highest)} "
            f"({vn_number(report.highest[0].scans)} lượt); thấp nhất: {_names(report.lowest)} "
            f"({vn_number(report.lowest[0].scans)} lượt)."
        ),
    ]
    if total.install_rate is not None:
        lines.append(
            f"Tỷ lệ cài đặt PC-Covid trên số điện thoại thông minh: "
            f"{vn_percent(total.install_rate)} ({vn_number(total.installs)}/"
            f"{vn_number(total.smartphones)})."
        )
    found = total.findings
    period = f"từ ngày {vn_date(report.period_start)} đến ngày {vn_date(report.report_date)}"
    if found.venues_inspected:
        parts = [
            f"{vn_number(found.venues_inspected)} địa điểm được kiểm tra",
            f"{vn_percent(found.qr_visible_share)} niêm yết mã QR công khai, rõ ràng",
            f"{vn_percent(found.staff_share)} có người hướng dẫn quét mã",
            f"{vn_percent(found.compliant_share)} đạt yêu cầu",
        ]
        if found.scan_rate is not None:
            parts.append(f"tỷ lệ người ra vào quét mã quan sát được {vn_percent(found.scan_rate)}")
        parts.append(f"cấp {vn_number(found.posters_issued)} mã QR thay thế")
        lines.append(f"Kết quả kiểm tra {period}: " + "; ".join(parts) + ".")
    else:
        lines.append(f"Không có kết quả kiểm tra nào {period}.")
    return lines


# The letter's section 1 and its groups of units (issue 14) ------------------------------
# First versions: the wording helper's branch refines them; their signatures are what
# fieldapp/letters calls.


@dataclass(frozen=True)
class GroupRule:
    """How a district picks the letter's groups: the `low_count` lowest units by scans (ties
    included) plus every unit with no scans; and the units at or above `high_threshold`
    scans (None: above the average of the units with figures)."""

    low_count: int = 3
    high_threshold: int | None = None


def low_group(report: WeeklyReport, rule: GroupRule) -> list[ReportRow]:
    """The units low in scans: the `low_count` lowest (a tie at the last place joins),
    and every unit with no scans, in the report's order."""
    rows = report.rows_with_figures
    ranked = sorted(row.scans for row in rows)
    if not ranked:
        return []
    cut = ranked[min(rule.low_count, len(ranked)) - 1] if rule.low_count > 0 else -1
    return [row for row in rows if row.scans <= cut or row.scans == 0]


def high_group(report: WeeklyReport, rule: GroupRule) -> list[ReportRow]:
    """The units high in scans: at or above the threshold, or above the average."""
    rows = report.rows_with_figures
    if not rows:
        return []
    if rule.high_threshold is not None:
        return [row for row in rows if row.scans >= rule.high_threshold]
    average = sum(row.scans for row in rows) / len(rows)
    return [row for row in rows if row.scans > average]


def unit_list(rows: list[ReportRow]) -> str:
    """Units as the letters list them: "xã A, xã B, thị trấn C"."""
    return ", ".join(unit_name(row) for row in rows)


def section_one(report: WeeklyReport, rule: GroupRule) -> list[Paragraph]:
    """Section 1 "Kết quả thực hiện" of the letter, as paragraphs."""
    return [Paragraph(text=line) for line in notice_lines(report)]
