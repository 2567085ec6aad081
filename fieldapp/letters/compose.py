"""The letter of a report: its parts put together from the district's letter template (or
the defaults), the report's figures and findings, and what a supervisor edited for that
report date. `letter_for` is what the exports, the CLI and the report page call.
"""

from flask import current_app

from fieldapp.letters.letter import Letter, Paragraph, Section
from fieldapp.letters.service import (
    ISSUER_PARENT,
    SECTION_THREE_TITLE,
    SECTION_TWO_TITLE,
    LetterSettings,
    draft_section_two,
    drafts_for,
    edit_for,
    edited_parts,
    edited_texts,
    instructions_for,
    low_units_instruction,
    settings_for,
)
from fieldapp.models import District, LetterEdit
from fieldapp.places import LEVEL_KINDS, unit_word
from fieldapp.reports.appendix import appendix_headers, appendix_rows
from fieldapp.reports.notice import GroupRule, area_words, low_group, section_one, vn_date
from fieldapp.reports.weekly import WeeklyReport

# A province's or the country's summary: who issues it, where, to whom, its department
# code, sections 2 and 3 and who signs. A province's words name its kind ("tỉnh", "thành
# phố") and its districts' ("các quận, huyện"); the country's name the ministry the setting
# NATIONAL_REPORT_ISSUER gives ("Bộ Thông tin và Truyền thông"). Sections 2 and 3 are drawn
# from the area's figures by the district letter's own functions (`_area_sections`).
AREA_LETTERS = {
    "province": {
        "recipients": (
            "- Bộ Thông tin và Truyền thông;",
            "- Các sở, ban, ngành cấp {area};",
            "- Ủy ban nhân dân các {districts}.",
        ),
        "opening": (
            "Ủy ban nhân dân {area} thông báo kết quả ứng dụng công nghệ thông tin phục vụ "
            "công tác phòng, chống dịch Covid-19 trên địa bàn {area} như sau:"
        ),
        "subject_area": "địa bàn {area}",
        "code": "UBND-VX",
        "level": "cấp huyện",
        "instructions": (
            (
                "Đối với các sở, ban, ngành cấp {area}",
                (
                    "Tiếp tục chỉ đạo cán bộ, công chức, viên chức, người lao động và người dân "
                    "đến giao dịch thực hiện nghiêm việc quét mã QR khi ra, vào cơ quan, đơn vị; "
                    "100% cán bộ, công chức, viên chức cài đặt và sử dụng ứng dụng PC-Covid."
                ),
            ),
            (
                "Đối với Ủy ban nhân dân các {districts}",
                (
                    "Chỉ đạo Ủy ban nhân dân cấp xã và các địa điểm trên địa bàn niêm yết mã QR "
                    "công khai, rõ ràng, bố trí người hướng dẫn quét mã; tiếp nhận, xử lý, theo "
                    "dõi phản ánh, kiến nghị của người dân nhanh chóng, kịp thời; định kỳ báo cáo "
                    "kết quả về Ủy ban nhân dân {area} (qua Sở Thông tin và Truyền thông)."
                ),
            ),
        ),
        "low_lead": "Chủ tịch Ủy ban nhân dân",
        "low_subsection": 2,  # the one over the districts names those low in scans
        "closing": (
            "Ủy ban nhân dân {area} yêu cầu các sở, ban, ngành, Ủy ban nhân dân các "
            "{districts} nghiêm túc triển khai thực hiện./."
        ),
        "copies_to": (
            "- Như trên;",
            "- Chủ tịch, các Phó Chủ tịch UBND {area};",
            "- Lưu: VT, VX.",
        ),
        "signer_authority": "KT. CHỦ TỊCH",
        "signer_title": "PHÓ CHỦ TỊCH",
    },
    "country": {
        "recipients": ("- Ủy ban nhân dân các tỉnh, thành phố trực thuộc Trung ương.",),
        "opening": (
            "Kết quả ứng dụng công nghệ thông tin phục vụ công tác phòng, chống dịch "
            "Covid-19 trên phạm vi cả nước như sau:"
        ),
        "subject_area": "phạm vi cả nước",
        "code": "{ministry_code}",
        "level": "cấp tỉnh",
        "instructions": (
            (
                "Đối với Ủy ban nhân dân các tỉnh, thành phố trực thuộc Trung ương",
                (
                    "Chỉ đạo các sở, ban, ngành, Ủy ban nhân dân cấp huyện, cấp xã đẩy mạnh việc "
                    "niêm yết mã QR công khai, rõ ràng tại các địa điểm, bố trí người hướng dẫn "
                    "quét mã; tiếp nhận, xử lý phản ánh, kiến nghị của người dân nhanh chóng, "
                    "kịp thời."
                ),
            ),
            (
                "Đối với các Sở Thông tin và Truyền thông",
                (
                    "Tham mưu Ủy ban nhân dân cấp tỉnh tăng cường tuyên truyền về lợi ích của "
                    "việc cài đặt ứng dụng PC-Covid và quét mã QR; tổng hợp, báo cáo kết quả về "
                    "{ministry} định kỳ hằng tuần."
                ),
            ),
        ),
        "low_lead": "Đề nghị Ủy ban nhân dân",
        "low_subsection": 1,  # the one over the provinces names those low in scans
        "closing": (
            "{ministry} đề nghị Ủy ban nhân dân các tỉnh, thành phố trực thuộc Trung ương "
            "quan tâm, chỉ đạo thực hiện./."
        ),
        "copies_to": ("- Như trên;", "- Bộ trưởng (để báo cáo);", "- Lưu: VT{ministry_unit}."),
        "signer_authority": "KT. BỘ TRƯỞNG",
        "signer_title": "THỨ TRƯỞNG",
    },
}
DEFAULT_MINISTRY = "Bộ Thông tin và Truyền thông"
# The unit of a ministry that drafts the national summary, by the ministry's code: its
# letters are numbered "…/BTTTT-THH" (the Authority of Information Technology Application)
# and kept "Lưu: VT, THH.". Another ministry's letters carry its code alone.
MINISTRY_UNITS = {"BTTTT": "THH"}
# An issuing body longer than this many characters is set on two lines.
ISSUER_LINE = 24


def _ministry() -> str:
    return current_app.config.get("NATIONAL_REPORT_ISSUER") or DEFAULT_MINISTRY


def ministry_code(name: str) -> str:
    """A ministry's code, the initials of its name without "và": "Bộ Thông tin và Truyền
    thông" → "BTTTT", "Bộ Y tế" → "BYT"."""
    return "".join(word[0] for word in name.upper().split() if word != "VÀ")


def issuer_lines(name: str) -> str:
    """An issuing body as the header sets it: on one line when short; else on two lines
    broken before its last "VÀ" ("BỘ THÔNG TIN / VÀ TRUYỀN THÔNG", never a word group
    split), or at the space nearest its middle."""
    if len(name) <= ISSUER_LINE or " " not in name:
        return name
    words = name.split()
    breaks = [n for n in range(1, len(words)) if words[n] == "VÀ"]
    if breaks:
        cut = breaks[-1]
    else:
        cut = min(
            range(1, len(words)),
            key=lambda n: abs(len(" ".join(words[:n])) - len(" ".join(words[n:]))),
        )
    return " ".join(words[:cut]) + "\n" + " ".join(words[cut:])


def _area_issuer(report: WeeklyReport) -> tuple[str, str, str]:
    """A province's or the country's issuing body (its two header lines, upper case) and
    the place the letter is dated from. The country's summary is issued by the ministry
    the setting NATIONAL_REPORT_ISSUER names, on lines of their own (`issuer_lines`)."""
    if report.level == "province":
        return ISSUER_PARENT, area_words(report).upper(), report.area_name
    return "", issuer_lines(_ministry().upper()), "Hà Nội"


def place_date(place: str, report: WeeklyReport) -> str:
    """ "Quan Sơn, ngày 08 tháng 5 năm 2026": Decree 30/2020 (Appendix I) writes a 0 before
    a day under 10 and before months 1 and 2 only ("ngày 27 tháng 02", "ngày 05 tháng 12")."""
    day = report.report_date
    month = f"{day.month:02d}" if day.month <= 2 else str(day.month)
    return f"{place}, ngày {day.day:02d} tháng {month} năm {day.year}"


def letter_number(code: str, number: str | None = None) -> str:
    """ "Số: 125/UBND-VHTT", or room for the number written when the letter is signed."""
    return f"Số: {number}/{code}" if number else f"Số:        /{code}"


def _area_words(report: WeeklyReport) -> dict[str, str]:
    """What a province's or the country's summary fills its words with: the province's kind
    ("tỉnh", "thành phố") and its districts' kinds ("huyện, thị xã, thành phố"; "quận,
    huyện, thị xã"); the ministry's name, code and unit."""
    kinds = {row.kind for row in report.rows}
    districts = [unit_word(k) for k in LEVEL_KINDS["district"] if k in kinds]
    ministry = _ministry()
    code = ministry_code(ministry)
    unit = MINISTRY_UNITS.get(code)
    return {
        "area": unit_word(report.area_kind or "tinh"),
        "districts": ", ".join(districts) or "huyện, thị xã, thành phố",
        "ministry": ministry,
        "ministry_code": f"{code}-{unit}" if unit else code,
        "ministry_unit": f", {unit}" if unit else "",
    }


def _filled(value, fill: dict):
    if isinstance(value, int):
        return value
    if isinstance(value, tuple):
        return tuple(_filled(item, fill) for item in value)
    return value.format(**fill)


def _area_texts(report: WeeklyReport) -> dict:
    words = AREA_LETTERS.get(report.level, AREA_LETTERS["country"])
    fill = _area_words(report)
    return {key: _filled(value, fill) for key, value in words.items()}


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


def _area_sections(report: WeeklyReport, words: dict) -> tuple[Section, Section]:
    """Sections 2 and 3 of a province's or the country's summary, drawn from its figures as
    a district's drafts are (`draft_section_two`, `low_units_instruction`): its units low in
    scans, those whose inspected venues mostly had no visible code, those with citizens'
    reports past their deadline; then the instructions per kind of unit, the one over its
    districts (or provinces) naming again those low in scans."""
    rule = GroupRule()
    shortcomings = draft_section_two(report, rule, level=words["level"]) or (
        Paragraph(NO_SHORTCOMINGS),
    )
    low = low_group(report, rule) if report.has_figures else []
    subsections = []
    for number, (heading, text) in enumerate(words["instructions"], start=1):
        paragraphs = [Paragraph(text)]
        if number == words["low_subsection"] and low:
            paragraphs.append(Paragraph(low_units_instruction(low, words["low_lead"])))
        subsections.append(Section(f"3.{number}", heading, tuple(paragraphs)))
    return (
        Section("2", SECTION_TWO_TITLE, shortcomings),
        Section("3", SECTION_THREE_TITLE, (), tuple(subsections)),
    )


# Section 2 of a summary whose figures show nothing to put right.
NO_SHORTCOMINGS = "Số liệu của kỳ báo cáo chưa cho thấy tồn tại, hạn chế cần nêu."


def _area_letter(report: WeeklyReport) -> Letter:
    issuer_parent, issuer, place = _area_issuer(report)
    words = _area_texts(report)
    return Letter(
        issuer_parent=issuer_parent,
        issuer=issuer,
        number=letter_number(words["code"]),
        subject=subject(report, None),
        place_date=place_date(place, report),
        recipients=words["recipients"],
        opening=words["opening"],
        sections=(
            Section("1", "Kết quả thực hiện", tuple(section_one(report, GroupRule()))),
            *_area_sections(report, words),
        ),
        closing=words["closing"],
        copies_to=words["copies_to"],
        signer_authority=words["signer_authority"],
        signer_title=words["signer_title"],
        signer_name="",
        appendix_title=_appendix_title(report),
        appendix_headers=tuple(appendix_headers(report)),
        appendix_rows=tuple(tuple(row) for row in appendix_rows(report)),
    )
