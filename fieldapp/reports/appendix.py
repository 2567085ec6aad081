"""The letter's appendix: one row per commune (district), district (province) or province
(country), the total last, as the national spreadsheet lays it out."""

from fieldapp.reports.weekly import WeeklyReport

# The official appendix's columns, as the province's template names them.
APPENDIX_HEADERS = ("STT", "Huyện", "Thị trấn/xã", "Tổng số địa điểm tạo mã QR", "Tổng lượt quét")
PROVINCE_APPENDIX_HEADERS = ("STT", "Huyện", "Tổng số địa điểm tạo mã QR", "Tổng lượt quét")
NATIONAL_APPENDIX_HEADERS = (
    "STT",
    "Tỉnh, thành phố",
    "Tổng số địa điểm tạo mã QR",
    "Tổng lượt quét",
)


def appendix_rows(report: WeeklyReport) -> list[tuple]:
    """The appendix table's rows (numbers as numbers), the total last."""
    rows = []
    for number, row in enumerate(report.rows, start=1):
        if report.level == "district":
            rows.append((number, row.district_name, row.name, row.venues_with_qr, row.scans))
        else:
            rows.append((number, row.name, row.venues_with_qr, row.scans))
    total = ("Tổng cộng", "", "") if report.level == "district" else ("Tổng cộng", "")
    rows.append((*total, report.total.venues_with_qr, report.total.scans))
    return rows


def appendix_headers(report: WeeklyReport) -> tuple[str, ...]:
    if report.level == "country":
        return NATIONAL_APPENDIX_HEADERS
    return APPENDIX_HEADERS if report.level == "district" else PROVINCE_APPENDIX_HEADERS
