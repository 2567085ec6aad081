"""The letter of a report: its parts put together from the district's letter template (or
the defaults), the report's figures and findings, and what a supervisor edited for that
report date. `letter_for` is what the exports, the CLI and the report page call.
"""

from flask import current_app

from fieldapp.letters.letter import Letter, Paragraph, Section
from fieldapp.letters.service import (
    COPIES_TO,
    DEPARTMENT_CODE,
    ISSUER_PARENT,
    SECTION_THREE_TITLE,
    SECTION_TWO_TITLE,
    SIGNER_AUTHORITY,
    SIGNER_TITLE,
    LetterSettings,
    drafts_for,
    edit_for,
    edited_parts,
    edited_texts,
    instructions_for,
    settings_for,
)
from fieldapp.models import District, LetterEdit
from fieldapp.places import LEVEL_KINDS, unit_word
from fieldapp.reports.appendix import appendix_headers, appendix_rows
from fieldapp.reports.notice import GroupRule, area_words, section_one, vn_date
from fieldapp.reports.weekly import WeeklyReport

# A province's or the country's summary: who issues it, where, and to whom. A province's
# words name its kind ("tỉnh", "thành phố") and its districts' ("các quận, huyện").
AREA_LETTERS = {
    "province": {
        "recipients": (
            "- Bộ Thông tin và Truyền thông;",
            "- Ủy ban nhân dân các {districts}.",
        ),
        "opening": (
            "Ủy ban nhân dân {area} thông báo kết quả ứng dụng công nghệ thông tin phục vụ "
            "công tác phòng, chống dịch Covid-19 trên địa bàn {area} như sau:"
        ),
        "subject_area": "địa bàn {area}",
    },
    "country": {
        "recipients": ("- Ủy ban nhân dân các tỉnh, thành phố trực thuộc Trung ương.",),
        "opening": (
            "Kết quả ứng dụng công nghệ thông tin phục vụ công tác phòng, chống dịch "
            "Covid-19 trên phạm vi cả nước như sau:"
        ),
        "subject_area": "phạm vi cả nước",
    },
}


def _area_issuer(report: WeeklyReport) -> tuple[str, str, str]:
    """A province's or the country's issuing body (its two header lines, upper case) and
    the place the letter is dated from. The country's summary is issued by the ministry
    the setting NATIONAL_REPORT_ISSUER names."""
    if report.level == "province":
        return ISSUER_PARENT, area_words(report).upper(), report.area_name
    ministry = current_app.config.get("NATIONAL_REPORT_ISSUER") or "Bộ Thông tin và Truyền thông"
    return "", ministry.upper(), "Hà Nội"


def place_date(place: str, report: WeeklyReport) -> str:
    day = report.report_date
    return f"{place}, ngày {day.day:02d} tháng {day.month:02d} năm {day.year}"


def letter_number(code: str, number: str | None = None) -> str:
    """ "Số: 125/UBND-VHTT", or room for the number written when the letter is signed."""
    return f"Số: {number}/{code}" if number else f"Số:        /{code}"


def _area_words(report: WeeklyReport) -> dict[str, str]:
    """What a province's summary fills its words with: its kind ("tỉnh", "thành phố") and
    its districts' kinds ("huyện, thị xã, thành phố"; "quận, huyện, thị xã")."""
    kinds = {row.kind for row in report.rows}
    districts = [unit_word(k) for k in LEVEL_KINDS["district"] if k in kinds]
    return {
        "area": unit_word(report.area_kind or "tinh"),
        "districts": ", ".join(districts) or "huyện, thị xã, thành phố",
    }


def _area_texts(report: WeeklyReport) -> dict:
    words = AREA_LETTERS.get(report.level, AREA_LETTERS["country"])
    fill = _area_words(report)
    return {
        key: tuple(line.format(**fill) for line in value)
        if isinstance(value, tuple)
        else value.format(**fill)
        for key, value in words.items()
    }


def subject(report: WeeklyReport, district: District | None) -> str:
    if district is not None:
        area = f"địa bàn {unit_word(district.kind)}"
    else:
        area = _area_texts(report)["subject_area"]
    return (
        "V/v thông báo kết quả ứng dụng CNTT phòng chống dịch Covid-19 trên "
        f"{area} tính đến {vn_date(report.report_date)}"
    )


def letter_for(report: WeeklyReport, district: District | None = None) -> Letter:
    """The letter of a report: a district's (`district` given: its template, the drafts of
    sections 2 and 3 and, for a report date, what was edited for it) or a province's or the
    country's summary (issued in the area's name, from the defaults)."""
    if district is None:
        return _area_letter(report)
    settings = settings_for(district)
    edit = edit_for(district, report.report_date) if report.month is None else None
    return district_letter(report, district, settings, edit)


def district_letter(
    report: WeeklyReport,
    district: District,
    settings: LetterSettings,
    edit: LetterEdit | None,
    drafts: dict[str, tuple[Paragraph, ...]] | None = None,
) -> Letter:
    """A district's letter from its settings, the edit of the report date (or None) and
    the drafts of sections 2 and 3 (generated here unless the caller has them)."""
    if drafts is None:
        drafts = drafts_for(report, district, settings)
    texts = edited_texts(drafts, edit)
    instructions = tuple(
        Section(number, heading, texts[name])
        for number, heading, name in instructions_for(district)
    )
    return Letter(
        issuer_parent=settings.issuer_parent,
        issuer=settings.issuer,
        number=letter_number(settings.department_code, edit.number if edit else None),
        subject=subject(report, district),
        place_date=place_date(settings.place, report),
        recipients=settings.recipients,
        opening=settings.opening,
        sections=(
            Section("1", "Kết quả thực hiện", tuple(section_one(report, settings.rule))),
            Section("2", SECTION_TWO_TITLE, texts["section_two"]),
            Section("3", SECTION_THREE_TITLE, (), instructions),
        ),
        closing=settings.closing,
        copies_to=settings.copies_to,
        signer_authority=settings.signer_authority,
        signer_title=settings.signer_title,
        signer_name=settings.signer_name,
        appendix_title=_appendix_title(report),
        appendix_headers=tuple(appendix_headers(report)),
        appendix_rows=tuple(tuple(row) for row in appendix_rows(report)),
        edited_parts=edited_parts(edit),
    )


def _appendix_title(report: WeeklyReport) -> str:
    return (
        f"Danh sách chi tiết thống kê tình hình tạo, quét mã QR ngày {vn_date(report.report_date)}"
    )


def _area_letter(report: WeeklyReport) -> Letter:
    issuer_parent, issuer, place = _area_issuer(report)
    words = _area_texts(report)
    return Letter(
        issuer_parent=issuer_parent,
        issuer=issuer,
        number=letter_number(DEPARTMENT_CODE),
        subject=subject(report, None),
        place_date=place_date(place, report),
        recipients=words["recipients"],
        opening=words["opening"],
        sections=(
            Section("1", "Kết quả thực hiện", tuple(section_one(report, GroupRule()))),
            Section("2", SECTION_TWO_TITLE, (Paragraph(""),)),
            Section("3", SECTION_THREE_TITLE, (Paragraph(""),)),
        ),
        closing="",
        copies_to=COPIES_TO,
        signer_authority=SIGNER_AUTHORITY,
        signer_title=SIGNER_TITLE,
        signer_name="",
        appendix_title=_appendix_title(report),
        appendix_headers=tuple(appendix_headers(report)),
        appendix_rows=tuple(tuple(row) for row in appendix_rows(report)),
    )
