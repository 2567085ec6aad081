"""What a letter says, part by part, before it is laid out: the one shape the report page,
the PDF and the DOCX all read (DOMAIN.md, "The letter as districts send it")."""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Paragraph:
    """A paragraph of the letter's body. `heading` is a bold lead-in written before the text
    on the same line ("Về cài đặt và quét mã QR:"), or "" for none."""

    text: str
    heading: str = ""


@dataclass(frozen=True)
class Section:
    """A numbered section: "1. Kết quả thực hiện" and its paragraphs; a subsection ("3.1.
    Đối với Thủ trưởng các phòng, ban, ngành") is a Section of `subsections`."""

    number: str  # "1", "2", "3", "3.1"
    title: str
    paragraphs: tuple[Paragraph, ...] = ()
    subsections: tuple["Section", ...] = ()


@dataclass(frozen=True)
class Letter:
    """Every part of the letter in its order on the page, as final text (Vietnamese)."""

    issuer_parent: str  # "ỦY BAN NHÂN DÂN" (first line of the header's left column)
    issuer: str  # "HUYỆN QUAN SƠN" (bold, second line)
    number: str  # "Số:      /UBND-VHTT" (the office writes the number when it is signed)
    subject: str  # "V/v thông báo kết quả ứng dụng CNTT ... tính đến 12/11/2021"
    place_date: str  # "Quan Sơn, ngày 12 tháng 11 năm 2021" (italic, right column)
    recipients: tuple[str, ...]  # after "Kính gửi:", one per line
    opening: str  # cites the province's request
    sections: tuple[Section, ...]  # 1 Kết quả thực hiện, 2 Tồn tại, hạn chế, 3 Chỉ đạo
    closing: str  # "Ủy ban nhân dân huyện yêu cầu ... thực hiện." ("" for none)
    copies_to: tuple[str, ...]  # "Nơi nhận:" lines, e.g. "- Như trên;", "- Lưu: VT, VHTT."
    signer_authority: str  # "KT. CHỦ TỊCH" ("" when the chair signs)
    signer_title: str  # "PHÓ CHỦ TỊCH"
    signer_name: str
    appendix_title: str  # "Danh sách chi tiết thống kê tình hình tạo, quét mã QR ngày DD/MM/YYYY"
    appendix_headers: tuple[str, ...]
    appendix_rows: tuple[tuple, ...]  # numbers as numbers; the last row is the total
    edited_parts: frozenset[str] = field(default_factory=frozenset)  # e.g. {"section_2"}
