"""The letter's appendix: one row per commune (district), district (province) or province
(country), the total last, as the national spreadsheet lays it out.

Units are written as that spreadsheet writes them ("Huyện Quan Sơn", "Xã Trung Xuân",
"Thị trấn Sơn Lư"); the install columns (PC-Covid installs, smartphones) follow when the
report has them. The letter (PDF, DOCX), the report page, the CSV and the XLSX all take
their columns from here.
"""

from fieldapp.places import LEVEL_KINDS, official_name, unit_word
from fieldapp.reports.weekly import ReportRow, WeeklyReport

TOTAL_LABEL = "Tổng cộng"
# The official appendix's columns, as the province's template names them.
APPENDIX_HEADERS = ("STT", "Huyện", "Thị trấn/xã", "Tổng số địa điểm tạo mã QR", "Tổng lượt quét")
PROVINCE_APPENDIX_HEADERS = ("STT", "Huyện", "Tổng số địa điểm tạo mã QR", "Tổng lượt quét")
NATIONAL_APPENDIX_HEADERS = (
    "STT",
    "Tỉnh, thành phố",
    "Tổng số địa điểm tạo mã QR",
    "Tổng lượt quét",
)
INSTALL_HEADERS = ("Số máy đã cài PC-Covid", "Số máy điện thoại thông minh")
# The national template's commune column, for districts of xã and thị trấn; where there are
# phường too, the glossary's label.
COMMUNES_HEADER = "Thị trấn/xã"
ALL_COMMUNES_HEADER = "Xã, phường, thị trấn"


def _kinds_header(kinds: set[str], level: str) -> str:
    """A column of units of these kinds, capitalised: "Huyện", "Quận", "Huyện, thị xã,
    thành phố" (in the official order of kinds)."""
    words = [unit_word(kind) for kind in LEVEL_KINDS[level] if kind in kinds]
    text = ", ".join(words) or unit_word("huyen")
    return text[:1].upper() + text[1:]


def _communes_header(report: WeeklyReport) -> str:
    kinds = {row.kind for row in report.rows}
    return COMMUNES_HEADER if kinds <= {"xa", "thi_tran"} else ALL_COMMUNES_HEADER


def has_installs(report: WeeklyReport) -> bool:
    """Whether any unit of the report has install figures: then the appendix shows them."""
    return any(row.installs is not None for row in [*report.rows, report.total])


def _installs(row: ReportRow) -> tuple:
    return (row.installs, row.smartphones)


def appendix_rows(report: WeeklyReport) -> list[tuple]:
    """The appendix table's rows (numbers as numbers, None for a unit without figures), the
    total last: its label first, then "" for the other label columns."""
    installs = has_installs(report)
    rows = []
    for number, row in enumerate(report.rows, start=1):
        name = official_name(row.name, row.kind, capitalised=True)
        if report.level == "district":
            labels = (number, official_name(row.district_name, row.district_kind, True), name)
        else:
            labels = (number, name)
        rows.append((*labels, row.venues_with_qr, row.scans, *(_installs(row) if installs else ())))
    blanks = ("",) * (label_columns(report) - 1)
    total = report.total
    rows.append(
        (
            TOTAL_LABEL,
            *blanks,
            total.venues_with_qr,
            total.scans,
            *(_installs(total) if installs else ()),
        )
    )
    return rows


def appendix_headers(report: WeeklyReport) -> tuple[str, ...]:
    """The appendix's column headers; the unit columns name the kinds of units in them
    ("Huyện" / "Quận"; "Thị trấn/xã" / "Xã, phường, thị trấn"; "Huyện, thị xã, thành
    phố")."""
    if report.level == "country":
        headers = NATIONAL_APPENDIX_HEADERS
    elif report.level == "district":
        district = _kinds_header({report.area_kind} if report.area_kind else set(), "district")
        headers = ("STT", district, _communes_header(report), *APPENDIX_HEADERS[3:])
    else:
        districts = _kinds_header({row.kind for row in report.rows}, "district")
        headers = ("STT", districts, *PROVINCE_APPENDIX_HEADERS[2:])
    return headers + (INSTALL_HEADERS if has_installs(report) else ())


def label_columns(report: WeeklyReport) -> int:
    """How many columns (STT and the names) the total row's label spans."""
    return 3 if report.level == "district" else 2


def total_label_span(rows) -> int:
    """The total row's label columns, read from the row itself (the label then blanks):
    what the PDF and the DOCX merge."""
    total = rows[-1]
    span = 1
    while span < len(total) and total[span] == "":
        span += 1
    return span
