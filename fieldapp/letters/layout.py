"""The letter's page as Decree 30/2020/NĐ-CP sets it, in millimetres: what the PDF and the
DOCX share so the two look alike."""

from fieldapp.reports.appendix import total_label_span

PAGE = (210.0, 297.0)  # A4
TOP, BOTTOM, LEFT, RIGHT = 20.0, 20.0, 30.0, 15.0  # the Decree: 20–25, 20–25, 30–35, 15–20
WIDTH = PAGE[0] - LEFT - RIGHT  # 165 mm of text
HEADER_COLUMNS = (68.0, WIDTH - 68.0)  # the issuing body | the national motto
RECIPIENT_COLUMNS = (40.0, WIDTH - 40.0)  # "Kính gửi:" | the recipients
SIGNATURE_COLUMNS = (WIDTH * 0.45, WIDTH * 0.55)  # "Nơi nhận" | the signature block
INDENT = 12.7  # a paragraph's first line
BODY_SIZE = 14
NATION = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"
CHART_TITLE = "Biểu đồ tổng lượt quét theo đơn vị"
TREND_TITLE = "Diễn biến tổng lượt quét qua các kỳ báo cáo"


def appendix_widths(headers: tuple[str, ...], rows) -> list[float]:
    """The appendix's columns: STT narrow, the numbers' columns alike, the names' columns
    sharing the rest."""
    span = total_label_span(rows) if rows else 1
    numbers = len(headers) - span
    number_width = 22.0 if numbers >= 4 else 30.0 if numbers == 3 else 36.0
    stt = 12.0
    names = max(span - 1, 1)
    name_width = (WIDTH - stt - numbers * number_width) / names
    return [stt] + [name_width] * (span - 1) + [number_width] * numbers
