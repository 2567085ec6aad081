"""The weekly report as a file: the letter with its appendix (PDF, DOCX), or the appendix
as a spreadsheet (CSV, XLSX), in the official layout and in Vietnamese."""

import csv
import io
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from reportlab.lib.units import mm

from fieldapp.audit import record_event
from fieldapp.citizens.counts import COUNTED_NOTE as CITIZENS_NOTE
from fieldapp.letters import layout, pdf
from fieldapp.letters.compose import letter_for
from fieldapp.letters.docx import letter_docx
from fieldapp.letters.pdf import letter_pdf
from fieldapp.models import District, Province, User
from fieldapp.places import unit_of
from fieldapp.reports.appendix import (
    TOTAL_LABEL,
    appendix_headers,
    appendix_rows,
    total_label_span,
)
from fieldapp.reports.chart import bar_chart
from fieldapp.reports.findings import counted_note
from fieldapp.reports.notice import title, vn_date
from fieldapp.reports.trends import report_trend_drawing
from fieldapp.reports.weekly import ReportRow, WeeklyReport
from fieldapp.text import search_text

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
# Citizens' reports of each unit (fieldapp/citizens/counts.py): the XLSX's findings sheet and
# the CSV both write them with these headers, from `citizens_cells`.
CITIZENS_HEADERS = ("Phản ánh tiếp nhận", "Giải quyết đúng hạn", "Quá hạn")
FINDINGS_HEADERS = (
    "Đơn vị",
    "Số địa điểm được kiểm tra",
    "Niêm yết mã QR rõ ràng (%)",
    "Có người hướng dẫn quét (%)",
    "Đạt yêu cầu (%)",
    "Tỷ lệ quét quan sát (%)",
    "Bản in mã QR mới đã cấp",
    *CITIZENS_HEADERS,
)
# Beside a province's or the country's sums built from only some districts: "(9/12 huyện
# có số liệu)", as the pages and the letter write it (`ReportRow.partial_note`).
NOTE_HEADER = "Ghi chú"
# A text cell beginning with one of these is a formula to Excel, LibreOffice or Sheets (a
# commune named "=HYPERLINK(...)"): it is written with a leading ' so it stays text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def sheet_cell(value):
    """A cell as the CSV and XLSX exports write it: numbers as they are, text never a
    formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def sheet_row(cells) -> list:
    return [sheet_cell(cell) for cell in cells]


def file_name(report: WeeklyReport, extension: str) -> str:
    area = search_text(report.area_name).replace(" ", "-")
    when = report.month.strftime("%Y-%m") if report.month else report.report_date.isoformat()
    return f"bao-cao-{area}-{when}.{extension}"


def citizens_cells(row: ReportRow) -> tuple[int, int, int]:
    """A unit's citizens' reports: received, resolved on time, late (`CITIZENS_HEADERS`)."""
    counts = row.citizens
    return counts.received, counts.on_time, counts.late


def findings_cells(row: ReportRow) -> tuple:
    """A unit's findings of the period: venues inspected, the four shares in per cent (None
    when nothing was seen), replacement posters issued (`FINDINGS_HEADERS[1:7]`)."""
    f = row.findings
    shares = (f.qr_visible_share, f.staff_share, f.compliant_share, f.scan_rate)
    return (
        f.venues_inspected,
        *(None if share is None else float(share) for share in shares),
        f.posters_issued,
    )


def _one_decimal(value):
    """A share as a table of text writes it (82.4); counts and blanks as they are."""
    return round(value, 1) if isinstance(value, float) else value


def spreadsheet_appendix(
    report: WeeklyReport, with_findings: bool = False
) -> tuple[tuple[str, ...], list[tuple]]:
    """The appendix as the CSV and the XLSX write it: its headers and rows
    (fieldapp/reports/appendix.py), with each unit's findings and citizens' reports when
    asked (the CSV, one table: the XLSX has them on its findings sheet), and a last column
    "Ghi chú" with the note beside each sum built from only some districts ("(9/12 huyện
    có số liệu)") when a row or the total is one."""
    headers = tuple(appendix_headers(report))
    rows = [tuple(row) for row in appendix_rows(report)]
    units = [*report.rows, report.total]  # the appendix's rows, in its order
    if with_findings:
        headers += FINDINGS_HEADERS[1:]
        rows = [
            row + tuple(map(_one_decimal, findings_cells(unit))) + citizens_cells(unit)
            for row, unit in zip(rows, units, strict=True)
        ]
    if any(unit.partial_note for unit in units):
        headers += (NOTE_HEADER,)
        rows = [(*row, unit.partial_note) for row, unit in zip(rows, units, strict=True)]
    return headers, rows


def report_csv(report: WeeklyReport) -> bytes:
    """The appendix table (with installs and smartphones when the report has them), each
    unit's findings (shares in per cent, one decimal) and citizens' reports, the note
    beside a partial sum; UTF-8 with a BOM for Excel.

    Numbers are written as plain digits, which every spreadsheet reads as numbers
    whatever its locale; an empty cell is a commune without figures.
    """
    headers, rows = spreadsheet_appendix(report, with_findings=True)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(sheet_row(headers))
    for row in rows:
        writer.writerow(sheet_row("" if cell is None else cell for cell in row))
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def report_xlsx(report: WeeklyReport) -> bytes:
    """Sheet "Phụ lục": the appendix under the notice's title; sheet "Kiểm tra": the findings."""
    book = Workbook()
    sheet = book.active
    sheet.title = "Phụ lục"
    headers, rows = spreadsheet_appendix(report)
    sheet.append(["PHỤ LỤC"])
    sheet.append(sheet_row([title(report)]))
    sheet.append([])
    sheet.append(sheet_row(headers))
    for row in rows:
        sheet.append(sheet_row(None if cell == "" else cell for cell in row))
    last = sheet.max_row
    span = total_label_span(rows)
    if span > 1:
        sheet.merge_cells(start_row=last, start_column=1, end_row=last, end_column=span)
    _table(sheet, 4, last, (6, 18, 20, 16, 14, 14, 14, 22))
    sheet["A1"].font = Font(bold=True, size=13)
    sheet["A2"].font = Font(italic=True)

    found = book.create_sheet("Kiểm tra")
    found.append(
        [
            (
                f"Kết quả kiểm tra từ ngày {vn_date(report.period_start)} "
                f"đến ngày {vn_date(report.report_date)}"
            )
        ]
    )
    found.append(sheet_row(FINDINGS_HEADERS))
    for row in [*report.rows, report.total]:
        # Each unit with its kind, as the appendix writes it ("Thị trấn Sơn Lư").
        unit = TOTAL_LABEL if row is report.total else unit_of(row, capitalised=True)
        found.append([sheet_cell(unit), *findings_cells(row), *citizens_cells(row)])
    last = found.max_row
    _table(found, 2, last, (22, *[14] * (len(FINDINGS_HEADERS) - 1)))
    for line in found.iter_rows(min_row=3, max_row=last):
        for cell in line[2:6]:
            cell.number_format = "0.0"
    found["A1"].font = Font(bold=True)
    found.append([CITIZENS_NOTE])  # what the citizens' reports' columns count
    found.append([counted_note()])  # which findings are counted (approved, pending)
    for row in (found.max_row - 1, found.max_row):
        # Across the table, wrapped, so a printed sheet keeps the whole sentence.
        found.merge_cells(
            start_row=row, start_column=1, end_row=row, end_column=len(FINDINGS_HEADERS)
        )
        found.cell(row, 1).alignment = Alignment(wrap_text=True, vertical="top")
        found.row_dimensions[row].height = 45
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _table(sheet, header: int, last: int, widths: tuple[int, ...]) -> None:
    """A sheet's table as the office prints it: headers bold, wrapped and centred, every
    cell bordered, counts with a thousands separator, the total (last) row bold, columns
    wide enough to read."""
    thin = Side(style="thin")
    for cell in sheet[header]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
    for line in sheet.iter_rows(min_row=header, max_row=last):
        for cell in line:
            cell.border = Border(left=thin, right=thin, top=thin, bottom=thin)
            if isinstance(cell.value, int) and cell.column > 1:
                cell.number_format = "#,##0"
                cell.alignment = Alignment(horizontal="right")
    for cell in sheet[last]:
        cell.font = Font(bold=True)
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width


def export_report(
    report: WeeklyReport,
    fmt: str,
    config,
    district: District | None = None,
    province: Province | None = None,
):
    """The report as a file in `fmt` (csv, xlsx, pdf or docx): the report pages' downloads
    and `flask report` alike. The PDF and the DOCX are the letter (`letter_for`: a
    district's report gives its District, a province's or the country's None); `config` is
    the app's: the PDF's font comes from it."""
    if fmt == "csv":
        return report_csv(report)
    if fmt == "xlsx":
        return report_xlsx(report)
    if fmt not in FORMATS:
        raise ValueError(f"no export as {fmt}")
    letter = letter_for(report, district)
    if fmt == "docx":
        return letter_docx(letter)
    chart = bar_chart(report, "scans") if report.has_figures else None
    font_dir = Path(config["LETTER_FONT_DIR"])
    pdf.register_letter_font(font_dir)  # before the trend's title is set in the font
    extra = []
    # A report date's trend: the district's, or the province's (`province` given).
    unit = district or province
    if unit is not None and report.month is None:
        trend = report_trend_drawing(
            report, unit.id, layout.WIDTH * mm, font=pdf.FONT, bold_font=pdf.BOLD
        )
        if trend is not None:
            extra.append(pdf.titled(layout.TREND_TITLE, trend))
    return letter_pdf(letter, font_dir, chart, extra)


def record_export(report, fmt: str, user: User | None, district_id: int | None, **detail) -> None:
    """Audit an export: the format, the district or province, the report date; the caller
    commits. From the command line, `detail` says who ran it."""
    record_event(
        "export",
        user,
        detail={
            "format": fmt,
            "level": report.level,
            "area": report.area_name,
            "date": report.report_date.isoformat(),
            **({"month": report.month.strftime("%Y-%m")} if report.month else {}),
            **detail,
        },
        district_id=district_id,
    )
