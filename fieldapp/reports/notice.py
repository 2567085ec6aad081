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
from fieldapp.places import official_name, unit_word
from fieldapp.reports.findings import counted_note, percent
from fieldapp.reports.weekly import USUAL_KINDS, ReportRow, WeeklyReport

LOCALE = "vi_VN"
ONE_DECIMAL = Decimal("0.1")

COUNTRY_WORDS = "cả nước"


def area_words(report: WeeklyReport) -> str:
    """How the notice names its area, by its kind: "huyện Quan Sơn", "quận Ba Đình",
    "thành phố Hà Nội", "cả nước"."""
    if report.level == "country":
        return COUNTRY_WORDS
    return report.area_written()


def whole_area(report: WeeklyReport) -> str:
    """The whole area at the start of a sentence of section 1: "toàn huyện", "toàn quận",
    "toàn thành phố", "cả nước"."""
    if report.level == "country":
        return COUNTRY_WORDS
    return f"toàn {unit_word(report.area_kind or USUAL_KINDS[report.level])}"


def vn_number(value: int | None, locale: str = LOCALE) -> str:
    """4336 → "4.336"; None → "—". (A screen passes its user's `locale`: "4,336" in English.)"""
    if value is None:
        return "—"
    return format_decimal(value, format="#,##0", locale=locale)


def vn_signed(value, locale: str = LOCALE) -> str:
    """A change with its sign: +1.234, −56, 0; percentage points keep one decimal."""
    if value is None:
        return "—"
    if isinstance(value, Decimal):
        text = vn_decimal(abs(value), locale)
    else:
        text = vn_number(abs(value), locale)
    return ("+" if value > 0 else "−" if value < 0 else "") + text


def _one_decimal(value) -> Decimal:
    # Half up, as people round (30,25 → 30,3); Babel alone would round half to even.
    # A float goes through its shortest text, so 0.15 is 0,2 and not 0.1499... → 0,1.
    exact = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
    return exact.quantize(ONE_DECIMAL, ROUND_HALF_UP)


def vn_decimal(value: Decimal | None, locale: str = LOCALE) -> str:
    """30.0 → "30,0"; 1234.56 → "1.234,6"."""
    if value is None:
        return "—"
    return format_decimal(_one_decimal(value), format="#,##0.0", locale=locale)


def vn_percent(value: Decimal | None, locale: str = LOCALE) -> str:
    """A percentage already multiplied by 100: 30.0 → "30,0%"; all or none is written whole,
    "100%" and "0%", as the letters write them."""
    if value is None:
        return "—"
    rounded = _one_decimal(value)
    if rounded in (0, 100):
        return f"{int(rounded)}%"
    return format_percent(rounded / 100, format="#,##0.0%", locale=locale)


def vn_date(day: date | None) -> str:
    return clock.day_text(day)


def unit_name(row: ReportRow) -> str:
    """ "xã Sơn Hà", "thị trấn Sơn Lư", "huyện Quan Sơn"."""
    return official_name(row.name, row.kind)


def vn_month(month: date) -> str:
    """The 1st of November 2026 → "11/2026"."""
    return f"{month.month:02d}/{month.year}"


def when(report: WeeklyReport) -> str:
    """ "tính đến ngày 12/11/2021", or "trong tháng 11/2021" for a month's report."""
    if report.month is not None:
        return f"trong tháng {vn_month(report.month)}"
    return f"tính đến ngày {vn_date(report.report_date)}"


def title(report: WeeklyReport) -> str:
    where = area_words(report)
    return (
        f"Kết quả ứng dụng công nghệ thông tin phòng, chống dịch COVID-19 trên địa bàn "
        f"{where} {when(report)}"
    )


def notice_lines(report: WeeklyReport) -> list[str]:
    """Section 1 as lines of text, each paragraph after its lead-in (the exports' notice)."""
    return [f"{p.heading} {p.text}".strip() for p in section_one(report, GroupRule()) if p.text]


# The letter's section 1 and its groups of units (issue 14) ------------------------------


@dataclass(frozen=True)
class GroupRule:
    """How a district picks the letter's groups: the `low_count` lowest units by scans below
    the average (ties included) plus every unit with no scans; and the units at or above
    `high_threshold` scans (None: above the average of the units with figures). The
    `low_count` lowest install rates, ties included, below the area's own rate are the
    units low in installs."""

    low_count: int = 3
    high_threshold: int | None = None


def _lowest(rows: list[ReportRow], value, count: int) -> list[ReportRow]:
    """The `count` rows lowest by `value`, with every row tied with the last of them."""
    ranked = sorted(value(row) for row in rows)
    if not ranked or count <= 0:
        return []
    cut = ranked[min(count, len(ranked)) - 1]
    return [row for row in rows if value(row) <= cut]


def high_group(report: WeeklyReport, rule: GroupRule) -> list[ReportRow]:
    """The units high in scans: at or above the threshold, or above the average of the
    units with figures, in the report's order."""
    rows = report.rows_with_figures
    if not rows:
        return []
    if rule.high_threshold is not None:
        return [row for row in rows if row.scans >= rule.high_threshold]
    average = Decimal(sum(row.scans for row in rows)) / len(rows)
    return [row for row in rows if row.scans > average]


def low_group(report: WeeklyReport, rule: GroupRule) -> list[ReportRow]:
    """The units low in scans: the `low_count` lowest of those below the average (a tie at
    the last place joins) and every unit with no scans, in the report's order; never a unit
    of the high group. Units that all have the same scans make no group."""
    rows = report.rows_with_figures
    if not rows:
        return []
    average = Decimal(sum(row.scans for row in rows)) / len(rows)
    below = [row for row in rows if row.scans < average]
    low = {id(row) for row in _lowest(below, lambda row: row.scans, rule.low_count)}
    low |= {id(row) for row in rows if row.scans == 0}
    low -= {id(row) for row in high_group(report, rule)}
    return [row for row in rows if id(row) in low]


# What the units of a low group have in common, by what it holds (`low_kind`), as the
# letters word it: "Một số đơn vị có lượt quét thấp gồm ...".
LOW_SCANS_WORDS = {
    "low": "có lượt quét thấp",
    "none": "không có lượt quét",
    "both": "có lượt quét thấp và không quét",
}


def low_kind(low: list[ReportRow]) -> str:
    """What a low group (`low_group`) holds: "low" (each unit has some scans), "none" (no
    unit has any) or "both". The letter's every sentence about the group words it so."""
    zero = sum(1 for row in low if row.scans == 0)
    return "none" if zero == len(low) else "both" if zero else "low"


def low_installs_group(report: WeeklyReport, rule: GroupRule) -> list[ReportRow]:
    """The units low in PC-Covid installs: the `low_count` lowest install rates (ties
    included) among the units below the area's own rate, in the report's order."""
    overall = report.total.install_rate
    if overall is None:
        return []
    below = [r for r in report.rows if r.install_rate is not None and r.install_rate < overall]
    return _lowest(below, lambda row: row.install_rate, rule.low_count)


def unit_list(rows: list[ReportRow]) -> str:
    """Units as the letters list them: "xã A, xã B, thị trấn C"."""
    return ", ".join(unit_name(row) for row in rows)


# "các xã: A, B" when every unit of a group is of one kind; the kind's plural words.
PLURAL_KINDS = {
    "xa": "các xã",
    "phuong": "các phường",
    "thi_tran": "các thị trấn",
    "huyen": "các huyện",
    "quan": "các quận",
    "thi_xa": "các thị xã",
    "thanh_pho": "các thành phố",
    "tinh": "các tỉnh",
}


def group_text(rows: list[ReportRow], what: str, details=None) -> str:
    """A group as the letters word it, `what` being what its units have in common:
    "Một số đơn vị có lượt quét thấp gồm các xã: Trung Xuân, Na Mèo" (one kind), "...
    gồm: xã Trung Xuân, thị trấn Sơn Lư" (kinds mixed), "Đơn vị có lượt quét thấp: xã
    Trung Xuân" (one unit); `details(row)` adds a note after each name ("(25,0%)")."""
    note = (lambda row: f" ({details(row)})") if details else (lambda row: "")
    if len(rows) == 1:
        return f"Đơn vị {what}: {unit_name(rows[0])}{note(rows[0])}"
    kinds = {row.kind for row in rows}
    plural = PLURAL_KINDS.get(next(iter(kinds))) if len(kinds) == 1 else None
    if plural:
        names = ", ".join(row.name + note(row) for row in rows)
        return f"Một số đơn vị {what} gồm {plural}: {names}"
    return f"Một số đơn vị {what} gồm: " + ", ".join(unit_name(r) + note(r) for r in rows)


def _change(value: int | None, unit: str, previous: date | None) -> str:
    """ " (tăng 58 địa điểm so với ngày 05/11/2021)", "giảm", "không thay đổi"; "" when
    there is nothing to compare with."""
    if value is None or previous is None:
        return ""
    since = f"so với ngày {vn_date(previous)}"
    if value == 0:
        return f" (không thay đổi {since})"
    word = "tăng" if value > 0 else "giảm"
    return f" ({word} {vn_number(abs(value))} {unit} {since})"


def _opening(report: WeeklyReport) -> str:
    """ "Tính đến ngày 12/11/2021, toàn huyện", "Tính đến hết tháng 11/2021, toàn tỉnh"."""
    whole = whole_area(report)
    if report.month is not None:
        return f"Tính đến hết tháng {vn_month(report.month)}, {whole}"
    return f"Tính đến ngày {vn_date(report.report_date)}, {whole}"


def _scans_paragraphs(report: WeeklyReport, rule: GroupRule) -> list[Paragraph]:
    total, previous = report.total, report.previous_date
    paragraphs = [
        Paragraph(
            heading="Về cài đặt và quét mã QR:",
            text=(
                f"{_opening(report)} có {vn_number(total.venues_with_qr)} địa điểm đã tạo mã "
                f"QR{_change(total.venues_change, 'địa điểm', previous)}; tổng số lượt quét "
                f"mã QR là {vn_number(total.scans)} lượt"
                f"{_change(total.scans_change, 'lượt', previous)}"
                # A province's or the country's sum from some districts only says so.
                f"{' ' + total.partial_note if total.partial_note else ''}."
            ),
        )
    ]
    high = high_group(report, rule)
    if high:
        if len(high) == 1:
            paragraphs.append(Paragraph(f"Đơn vị có lượt quét cao: {unit_list(high)}."))
        else:
            paragraphs.append(Paragraph(f"Các đơn vị có lượt quét cao như: {unit_list(high)}."))
    low = low_group(report, rule)
    if low:
        paragraphs.append(Paragraph(group_text(low, LOW_SCANS_WORDS[low_kind(low)]) + "."))
    return paragraphs


def _installs_paragraphs(report: WeeklyReport, rule: GroupRule) -> list[Paragraph]:
    total = report.total
    if total.install_rate is None:
        return []
    paragraphs = [
        Paragraph(
            heading="Về tình hình triển khai cài đặt ứng dụng PC-Covid:",
            text=(
                f"{whole_area(report).capitalize()} có {vn_number(total.installs)}/"
                f"{vn_number(total.smartphones)} máy điện thoại thông minh đã cài đặt "
                f"PC-Covid, đạt {vn_percent(total.install_rate)}"
                f"{_change(total.installs_change, 'máy', report.previous_date)}."
            ),
        )
    ]
    low = low_installs_group(report, rule)
    if low:
        text = group_text(low, "có tỷ lệ cài đặt thấp", lambda row: vn_percent(row.install_rate))
        paragraphs.append(Paragraph(text + "."))
    return paragraphs


def _count(part: int, whole: int, unit: str, what: str) -> str:
    """ "28/30 địa điểm (93,3%) niêm yết mã QR công khai, rõ ràng"."""
    share = vn_percent(percent(part, whole))
    return f"{vn_number(part)}/{vn_number(whole)} {unit} ({share}) {what}"


def _findings_paragraph(report: WeeklyReport) -> Paragraph:
    """What the app's inspections found in the period, as counts with their shares; the
    items that are zero are left out."""
    found = report.total.findings
    if report.month is not None:
        period = f"trong tháng {vn_month(report.month)}"
    else:
        period = f"từ ngày {vn_date(report.period_start)} đến ngày {vn_date(report.report_date)}"
    heading = "Về kết quả kiểm tra thực tế:"
    inspected = found.venues_inspected
    if not inspected:
        return Paragraph(heading=heading, text=f"Không có kết quả kiểm tra nào {period}.")
    parts = [
        _count(found.qr_visible, inspected, "địa điểm", "niêm yết mã QR công khai, rõ ràng")
        if found.qr_visible
        else "",
        _count(found.staff_assigned, inspected, "địa điểm", "có người hướng dẫn quét mã")
        if found.staff_assigned
        else "",
        _count(found.compliant, inspected, "địa điểm", "đạt yêu cầu") if found.compliant else "",
        _count(
            found.visitors_scanned,
            found.visitors_observed,
            "lượt người ra vào được quan sát",
            "có quét mã",
        )
        if found.visitors_scanned
        else "",
        f"cấp {vn_number(found.posters_issued)} mã QR thay thế" if found.posters_issued else "",
    ]
    text = f"Kiểm tra {vn_number(inspected)} địa điểm {period}"
    kept = [part for part in parts if part]
    return Paragraph(
        heading=heading,
        text=text + (": " + "; ".join(kept) if kept else "") + ". " + counted_note(),
    )


def section_one(report: WeeklyReport, rule: GroupRule) -> list[Paragraph]:
    """Section 1 "Kết quả thực hiện" of the letter, grouped as the letters group it: the QR
    codes and scans with the high and low groups, the PC-Covid installs with the units low
    in them, then what the app's inspections found in the period."""
    if not report.has_figures:
        if report.month is not None:
            missing = f"tháng {vn_month(report.month)}"
        else:
            missing = f"ngày {vn_date(report.report_date)}"
        paragraphs = [Paragraph(f"Chưa có số liệu của hệ thống quốc gia cho {missing}.")]
    else:
        paragraphs = _scans_paragraphs(report, rule) + _installs_paragraphs(report, rule)
    return [*paragraphs, _findings_paragraph(report)]
