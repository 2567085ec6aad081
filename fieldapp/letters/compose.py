"""The letter of a report: its parts put together from the report's figures and findings.

First version (issue 14 groundwork): the parts come from Vietnamese defaults; the
district's editable letter template and the edits kept per report date replace them.
`letter_for` is what the exports, the CLI and the report page call.
"""

from fieldapp.letters.letter import Letter, Paragraph, Section
from fieldapp.models import District
from fieldapp.reports.appendix import appendix_headers, appendix_rows
from fieldapp.reports.notice import GroupRule, section_one, vn_date
from fieldapp.reports.weekly import WeeklyReport

ISSUER_PARENT = "ỦY BAN NHÂN DÂN"
DEPARTMENT_CODE = "UBND-VHTT"
COPIES_TO = ("- Như trên;", "- Lưu: VT, VHTT.")
SIGNER_AUTHORITY = "KT. CHỦ TỊCH"
SIGNER_TITLE = "PHÓ CHỦ TỊCH"


def _issuer(report: WeeklyReport, district: District | None) -> tuple[str, str]:
    """The issuing body (upper case, as the header writes it) and the place name."""
    if district is not None:
        return f"HUYỆN {district.name.upper()}", district.name
    if report.level == "province":
        return f"TỈNH {report.area_name.upper()}", report.area_name
    return report.area_name.upper(), "Hà Nội"


def place_date(place: str, report: WeeklyReport) -> str:
    day = report.report_date
    return f"{place}, ngày {day.day:02d} tháng {day.month:02d} năm {day.year}"


def letter_for(report: WeeklyReport, district: District | None = None) -> Letter:
    """The letter of a report: a district's (`district` given) or a province's or the
    country's summary (issued in the area's name)."""
    issuer, place = _issuer(report, district)
    area = "huyện" if district is not None else "địa bàn"
    return Letter(
        issuer_parent=ISSUER_PARENT,
        issuer=issuer,
        number=f"Số:        /{DEPARTMENT_CODE}",
        subject=(
            "V/v thông báo kết quả ứng dụng CNTT phòng chống dịch Covid-19 trên địa bàn "
            f"{area} tính đến {vn_date(report.report_date)}"
        ),
        place_date=place_date(place, report),
        recipients=(
            "- Thủ trưởng các phòng, ban, ngành, đơn vị cấp huyện;",
            "- Đảng ủy, Ủy ban nhân dân các xã, thị trấn.",
        ),
        opening=(
            "Thực hiện văn bản của Ủy ban nhân dân tỉnh về việc ứng dụng công nghệ thông tin "
            "phục vụ công tác phòng, chống dịch Covid-19, Ủy ban nhân dân huyện thông báo kết "
            "quả thực hiện như sau:"
        ),
        sections=(
            Section("1", "Kết quả thực hiện", tuple(section_one(report, GroupRule()))),
            Section("2", "Tồn tại, hạn chế", (Paragraph(""),)),
            Section("3", "Chỉ đạo thực hiện", (Paragraph(""),)),
        ),
        closing="",
        copies_to=COPIES_TO,
        signer_authority=SIGNER_AUTHORITY,
        signer_title=SIGNER_TITLE,
        signer_name="",
        appendix_title=(
            "Danh sách chi tiết thống kê tình hình tạo, quét mã QR ngày "
            f"{vn_date(report.report_date)}"
        ),
        appendix_headers=tuple(appendix_headers(report)),
        appendix_rows=tuple(tuple(row) for row in appendix_rows(report)),
    )
