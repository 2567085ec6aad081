"""The weekly report as a CSV, XLSX or PDF file, in the official layout and in Vietnamese."""

import csv
import io
from pathlib import Path
from xml.sax.saxutils import escape

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import (
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from fieldapp.audit import record_event
from fieldapp.models import User
from fieldapp.posters.render import PDF_FONTS, register_fonts
from fieldapp.reports.appendix import appendix_headers, appendix_rows
from fieldapp.reports.findings import counted_note
from fieldapp.reports.notice import (
    notice_lines,
    title,
    vn_date,
    vn_number,
    vn_percent,
    vn_signed,
)
from fieldapp.reports.weekly import WeeklyReport
from fieldapp.text import search_text

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}
FINDINGS_HEADERS = (
    "Đơn vị",
    "Số địa điểm được kiểm tra",
    "Niêm yết mã QR rõ ràng (%)",
    "Có người hướng dẫn quét (%)",
    "Đạt yêu cầu (%)",
    "Tỷ lệ quét quan sát (%)",
    "Mã QR thay thế đã cấp",
)
EXTRA_HEADERS = ("Số cài đặt PC-Covid", "Số điện thoại thông minh")
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


def _extra(report: WeeklyReport) -> list[tuple]:
    rows = [(row.installs, row.smartphones) for row in report.rows]
    return [*rows, (report.total.installs, report.total.smartphones)]


def report_csv(report: WeeklyReport) -> bytes:
    """The appendix table, with installs and smartphones; UTF-8 with a BOM for Excel.

    Numbers are written as plain digits, which every spreadsheet reads as numbers
    whatever its locale; an empty cell is a commune without figures.
    """
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(sheet_row(appendix_headers(report) + EXTRA_HEADERS))
    for row, extra in zip(appendix_rows(report), _extra(report), strict=False):
        writer.writerow(sheet_row("" if cell is None else cell for cell in row + extra))
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def report_xlsx(report: WeeklyReport) -> bytes:
    """Sheet "Phụ lục": the appendix under the notice's title; sheet "Kiểm tra": the findings."""
    book = Workbook()
    sheet = book.active
    sheet.title = "Phụ lục"
    headers = appendix_headers(report) + EXTRA_HEADERS
    sheet.append(["PHỤ LỤC"])
    sheet.append(sheet_row([title(report)]))
    sheet.append([])
    sheet.append(sheet_row(headers))
    thin = Side(style="thin")
    for cell in sheet[4]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
    for row, extra in zip(appendix_rows(report), _extra(report), strict=False):
        sheet.append(sheet_row(None if cell == "" else cell for cell in row + extra))
    last = sheet.max_row
    for line in sheet.iter_rows(min_row=4, max_row=last):
        for cell in line:
            cell.border = Border(left=thin, right=thin, top=thin, bottom=thin)
            if isinstance(cell.value, int) and cell.column > 1:
                cell.number_format = "#,##0"
    for cell in sheet[last]:
        cell.font = Font(bold=True)
    sheet["A1"].font = Font(bold=True, size=13)
    sheet["A2"].font = Font(italic=True)
    for column, width in zip("ABCDEFG", (6, 16, 18, 16, 14, 14, 14), strict=False):
        sheet.column_dimensions[column].width = width

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
        f = row.findings
        found.append(
            [sheet_cell(row.name or "Tổng cộng"), f.venues_inspected]
            + [
                None if share is None else float(share)
                for share in (f.qr_visible_share, f.staff_share, f.compliant_share, f.scan_rate)
            ]
            + [f.posters_issued]
        )
    for line in found.iter_rows(min_row=3):
        for cell in line[2:6]:
            cell.number_format = "0.0"
    found.append([counted_note()])  # which findings are counted (approved, pending)
    found.column_dimensions["A"].width = 18
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def report_pdf(report: WeeklyReport, font_dir: Path, issuer: str) -> bytes:
    """The dated notice with its appendix, on A4, in the poster's Vietnamese typeface."""
    register_fonts(font_dir)
    body = ParagraphStyle(
        "body", fontName=PDF_FONTS["regular"], fontSize=11, leading=15, spaceAfter=4
    )
    bold = ParagraphStyle("bold", parent=body, fontName=PDF_FONTS["bold"])
    centre = ParagraphStyle("centre", parent=bold, alignment=1)
    heading = ParagraphStyle("heading", parent=centre, fontSize=14, leading=18, spaceBefore=8)
    small = ParagraphStyle("small", parent=body, fontSize=9, leading=11, spaceAfter=0)
    small_bold = ParagraphStyle("small_bold", parent=small, fontName=PDF_FONTS["bold"])
    p = lambda text, style=body: Paragraph(escape(str(text)), style)  # noqa: E731

    story = [
        Table(
            [
                [
                    p(issuer.upper(), centre),
                    [
                        p("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", centre),
                        p("Độc lập - Tự do - Hạnh phúc", centre),
                    ],
                ]
            ],
            colWidths=[70 * mm, 100 * mm],
        ),
        p("THÔNG BÁO", heading),
        p(title(report), centre),
        Spacer(1, 6 * mm),
    ]
    story += [p(f"{number}. {line}") for number, line in enumerate(notice_lines(report), 1)]

    story += [Spacer(1, 4 * mm), p("Kết quả kiểm tra theo đơn vị", bold)]
    rows = [[p(h, small_bold) for h in FINDINGS_HEADERS]]
    for row in [*report.rows, report.total]:
        f = row.findings
        rows.append(
            [
                p(row.name or "Tổng cộng", small),
                p(vn_number(f.venues_inspected), small),
                p(vn_percent(f.qr_visible_share), small),
                p(vn_percent(f.staff_share), small),
                p(vn_percent(f.compliant_share), small),
                p(vn_percent(f.scan_rate), small),
                p(vn_number(f.posters_issued), small),
            ]
        )
    story.append(_grid(Table(rows, repeatRows=1, colWidths=[36 * mm] + [22 * mm] * 6)))

    story += [PageBreak(), p("PHỤ LỤC", heading), p(title(report), centre), Spacer(1, 4 * mm)]
    rows = [[p(h, small_bold) for h in appendix_headers(report)]]
    for line in appendix_rows(report):
        rows.append(
            [
                p(
                    vn_number(cell)
                    if isinstance(cell, int) and index > 0
                    else ("" if cell is None else cell),
                    small,
                )
                for index, cell in enumerate(line)
            ]
        )
    widths = (
        [12 * mm, 34 * mm, 40 * mm, 42 * mm, 36 * mm]
        if report.level == "district"
        else [12 * mm, 60 * mm, 52 * mm, 40 * mm]
    )
    story.append(_grid(Table(rows, repeatRows=1, colWidths=widths)))
    if report.previous_date:
        story.append(
            p(
                f"Số liệu kỳ trước: ngày {vn_date(report.previous_date)}; thay đổi tổng "
                f"lượt quét: {vn_signed(report.total.scans_change)}.",
                small,
            )
        )
    out = io.BytesIO()
    SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=15 * mm,
        bottomMargin=15 * mm,
        title=title(report),
        author=issuer,
    ).build(story)
    return out.getvalue()


def _grid(table):
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")),
            ]
        )
    )
    return table


def export_report(report: WeeklyReport, fmt: str, config) -> bytes:
    """The report as a file in `fmt` (csv, xlsx or pdf): the report pages' downloads and
    `flask report` alike. `config` is the app's: the PDF's issuer and fonts come from it."""
    if fmt == "csv":
        return report_csv(report)
    if fmt == "xlsx":
        return report_xlsx(report)
    if fmt != "pdf":
        raise ValueError(f"no export as {fmt}")
    template = {
        "district": config["REPORT_ISSUER"],
        "province": config["PROVINCE_REPORT_ISSUER"],
        "country": config["NATIONAL_REPORT_ISSUER"],
    }[report.level]
    district = report.area_name if report.level == "district" else ""
    issuer = template.format(district=district, province=report.province_name)
    return report_pdf(report, Path(config["POSTER_FONT_DIR"]), issuer)


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
