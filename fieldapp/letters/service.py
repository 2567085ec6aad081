"""A district's letter template and the edits kept per report date: the defaults, the
checks, the saving and the drafts of sections 2 and 3 generated from a report's data.

The template's fields are declared once (`FIELDS`): the settings page, its checks, the
saving and the audit are derived from them. Plain functions, testable without a request.
"""

import re
from dataclasses import dataclass
from datetime import date, datetime

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from fieldapp import clock
from fieldapp.audit import AuditField, describe_fields, record_event
from fieldapp.extensions import db
from fieldapp.inspections.offences import venues_to_escalate
from fieldapp.letters.letter import Paragraph, Section
from fieldapp.models import District, LetterEdit, LetterTemplate, User
from fieldapp.places import commune_kinds_text, official_name, unit_word
from fieldapp.reports.notice import (
    LOW_SCANS_WORDS,
    GroupRule,
    low_group,
    low_kind,
    unit_list,
    vn_number,
)
from fieldapp.reports.weekly import ReportRow, WeeklyReport

# The template ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Field:
    """A field of the template: `kind` is "line" (one line), "paragraph" (one paragraph:
    line breaks typed become spaces), "lines" (one item a line), "text" (paragraphs, one a
    line), "count" (a whole number) or "threshold" (a whole number, or empty)."""

    name: str
    label: object
    kind: str
    required: bool = True
    max_length: int = 200
    hint: object = ""


FIELDS = (
    Field(
        "issuer_parent",
        _l("Issuing body, first line"),
        "line",
        hint=_l("For example: %(example)s", example="ỦY BAN NHÂN DÂN"),
    ),
    Field(
        "issuer",
        _l("Issuing body"),
        "line",
        hint=_l("For example: %(example)s", example="HUYỆN QUAN SƠN"),
    ),
    Field(
        "department_code",
        _l("Code after the number"),
        "line",
        max_length=40,
        hint=_l("UBND-VHTT, as in “Số: 125/UBND-VHTT”"),
    ),
    Field("place", _l("Place written before the date"), "line", max_length=100),
    Field("recipients", _l("Recipients (Kính gửi), one a line"), "lines", max_length=2000),
    Field("opening", _l("Opening sentence"), "paragraph", max_length=2000),
    Field(
        "shortcomings",
        _l("Section 2, Shortcomings: standing text"),
        "text",
        max_length=5000,
        hint=_l("Written after the communes and venues drawn from the week's figures."),
    ),
    Field(
        "offices_instructions",
        _l("3.1 Heads of district offices and agencies"),
        "text",
        max_length=5000,
    ),
    Field(
        "centre_instructions", _l("3.2 The culture and information centre"), "text", max_length=5000
    ),
    Field(
        "communes_instructions",
        _l("3.3 Chairs of the communes' People's Committees"),
        "text",
        max_length=5000,
        hint=_l("The communes low in scans are named after it."),
    ),
    Field("closing", _l("Closing sentence"), "paragraph", required=False, max_length=2000),
    Field("copies_to", _l("Copies to (Nơi nhận), one a line"), "lines", max_length=2000),
    Field(
        "signer_authority",
        _l("Signing for"),
        "line",
        required=False,
        max_length=100,
        hint=_l("KT. CHỦ TỊCH; empty when the chair signs"),
    ),
    Field("signer_title", _l("Signer's title"), "line", max_length=100),
    Field("signer_name", _l("Signer's name"), "line", required=False, max_length=100),
    Field(
        "low_count",
        _l("Low group: how many communes"),
        "count",
        hint=_l("The communes with the fewest scans (ties included), plus those with none."),
    ),
    Field(
        "high_threshold",
        _l("High group: scans at least"),
        "threshold",
        required=False,
        hint=_l("Empty: the communes above the district's average."),
    ),
)
# The audit trail names a saved template's fields as the form does.
describe_fields({f.name: AuditField(f.label) for f in FIELDS}, entity="letter_template")
FIELD_NAMES = tuple(f.name for f in FIELDS)
LOW_COUNT_MAX = 50
THRESHOLD_MAX = 2_000_000_000  # what the column holds


# The defaults every letter starts from (a district's until it saves a template; a
# province's or the country's summary always).
ISSUER_PARENT = "ỦY BAN NHÂN DÂN"
DEPARTMENT_CODE = "UBND-VHTT"
COPIES_TO = ("- Như trên;", "- Lưu: VT, VHTT.")
SIGNER_AUTHORITY = "KT. CHỦ TỊCH"
SIGNER_TITLE = "PHÓ CHỦ TỊCH"


@dataclass(frozen=True)
class LetterSettings:
    """A district's template as the letter reads it: the saved one, or the defaults."""

    issuer_parent: str
    issuer: str
    department_code: str
    place: str
    recipients: tuple[str, ...]
    opening: str
    shortcomings: str
    offices_instructions: str
    centre_instructions: str
    communes_instructions: str
    closing: str
    copies_to: tuple[str, ...]
    signer_authority: str
    signer_title: str
    signer_name: str
    low_count: int = 3
    high_threshold: int | None = None
    saved: bool = False
    updated_by: User | None = None
    updated_at: datetime | None = None

    @property
    def rule(self) -> GroupRule:
        return GroupRule(low_count=self.low_count, high_threshold=self.high_threshold)


def district_words(district: District | None) -> dict[str, str]:
    """The words a district's letter names its units with, by their kinds: "district"
    ("huyện", "quận", "thị xã", "thành phố"), "communes" ("xã, thị trấn", "phường"),
    "province" ("tỉnh Thanh Hóa", "thành phố Hà Nội"). Without a district, the usual ones."""
    if district is None:
        return {"district": "huyện", "communes": "xã, thị trấn", "province": "tỉnh"}
    return {
        "district": unit_word(district.kind),
        "communes": commune_kinds_text(commune.kind for commune in district.communes),
        "province": official_name(district.province.name, district.province.kind),
    }


def default_settings(district: District) -> LetterSettings:
    """The letter a district gets before its supervisor saves a template (Vietnamese, as
    district offices write it; its units by their kinds: "QUẬN BA ĐÌNH", "các phường")."""
    words = district_words(district)
    unit, communes = words["district"], words["communes"]
    return LetterSettings(
        issuer_parent=ISSUER_PARENT,
        issuer=official_name(district.name, district.kind).upper(),
        department_code=DEPARTMENT_CODE,
        place=district.name,
        recipients=(
            f"- Thủ trưởng các phòng, ban, ngành, đơn vị cấp {unit};",
            f"- Trung tâm Văn hóa - Thông tin {unit};",
            f"- Đảng ủy, Ủy ban nhân dân các {communes}.",
        ),
        opening=(
            f"Thực hiện chỉ đạo của Ủy ban nhân dân {words['province']} về việc "
            "đẩy mạnh ứng dụng công nghệ thông tin phục vụ công tác phòng, chống dịch "
            f"Covid-19, Ủy ban nhân dân {unit} thông báo kết quả thực hiện như sau:"
        ),
        shortcomings=(
            "Một số đơn vị chưa quyết liệt trong chỉ đạo, triển khai; việc quét mã QR tại "
            "nhiều địa điểm còn thấp, chưa trở thành thói quen của người dân; một số "
            f"{communes} chưa đăng nhập hệ thống để tiếp nhận, xử lý phản ánh, kiến nghị của "
            "người dân."
        ),
        offices_instructions=(
            "Tiếp tục chỉ đạo cán bộ, công chức, viên chức, người lao động và người dân đến "
            "giao dịch thực hiện nghiêm việc quét mã QR khi ra, vào cơ quan, đơn vị; 100% "
            "cán bộ, công chức, viên chức cài đặt và sử dụng ứng dụng PC-Covid."
        ),
        centre_instructions=(
            "Tăng cường tuyên truyền trên hệ thống truyền thanh và các phương tiện thông tin "
            "đại chúng về lợi ích của việc cài đặt ứng dụng PC-Covid và quét mã QR khi ra, "
            "vào các địa điểm công cộng."
        ),
        communes_instructions=(
            "Chỉ đạo các địa điểm trên địa bàn niêm yết mã QR công khai, rõ ràng, bố trí "
            "người hướng dẫn quét mã; tiếp nhận, xử lý, theo dõi phản ánh, kiến nghị của "
            "người dân nhanh chóng, kịp thời; định kỳ báo cáo kết quả về Ủy ban nhân dân "
            f"{unit} (qua Phòng Văn hóa và Thông tin)."
        ),
        closing=(
            f"Ủy ban nhân dân {unit} yêu cầu các cơ quan, đơn vị, Ủy ban nhân dân các "
            f"{communes} nghiêm túc triển khai thực hiện./."
        ),
        copies_to=(COPIES_TO[0], f"- Chủ tịch, các Phó Chủ tịch UBND {unit};", COPIES_TO[-1]),
        signer_authority=SIGNER_AUTHORITY,
        signer_title=SIGNER_TITLE,
        signer_name="",
    )


def _lines(text: str) -> tuple[str, ...]:
    """Text kept one item (or paragraph) a line: its non-empty lines, trimmed."""
    return tuple(line.strip() for line in (text or "").splitlines() if line.strip())


def settings_for(district: District) -> LetterSettings:
    """The district's saved template, or the defaults when it has saved none."""
    saved = db.session.scalar(
        select(LetterTemplate).where(LetterTemplate.district_id == district.id)
    )
    if saved is None:
        return default_settings(district)
    values = {}
    for f in FIELDS:
        value = getattr(saved, f.name)
        values[f.name] = _lines(value) if f.kind == "lines" else value
    return LetterSettings(
        **values, saved=True, updated_by=saved.updated_by, updated_at=saved.updated_at
    )


def form_values(settings: LetterSettings) -> dict[str, str]:
    """The settings as the form's fields show them (lines joined, numbers as text)."""
    values = {}
    for f in FIELDS:
        value = getattr(settings, f.name)
        if f.kind == "lines":
            value = "\n".join(value)
        values[f.name] = "" if value is None else str(value)
    return values


@dataclass
class CheckedTemplate:
    values: dict  # what was typed, to show again
    clean: dict  # what will be stored
    errors: dict  # field name → message


def _whole_number(text: str) -> int | None:
    text = text.replace(".", "").replace(",", "").strip()
    if text.isascii() and text.isdigit() and len(text) <= 10:
        return int(text)
    return None


def check_template(form) -> CheckedTemplate:
    """Check a template typed in the settings form: every field, with a message for each
    that needs fixing; what was typed is kept to show again."""
    values = {f.name: (form.get(f.name) or "").strip() for f in FIELDS}
    clean, errors = {}, {}
    for f in FIELDS:
        value = values[f.name]
        if f.kind in ("lines", "text"):
            value = "\n".join(_lines(value))
        elif f.kind == "paragraph":
            value = " ".join(_lines(value))
        if f.required and not value:
            errors[f.name] = _l("Fill this in.")
        elif len(value) > f.max_length:
            errors[f.name] = _l("At most %(n)s characters.", n=f.max_length)
        elif f.kind == "line" and "\n" in value:
            errors[f.name] = _l("One line only.")
        elif f.kind == "count":
            number = _whole_number(value)
            if number is None or not 1 <= number <= LOW_COUNT_MAX:
                errors[f.name] = _l("A whole number from 1 to %(n)s.", n=LOW_COUNT_MAX)
            value = number
        elif f.kind == "threshold":
            number = _whole_number(value) if value else None
            if value and (number is None or number > THRESHOLD_MAX):
                errors[f.name] = _l("A whole number of scans, or empty for the average.")
            value = number
        clean[f.name] = value
    code = clean.get("department_code")
    if "department_code" not in errors and code and not re.fullmatch(r"[^\s/]+", code):
        errors["department_code"] = _l("Without spaces or “/”: for example UBND-VHTT.")
    return CheckedTemplate(values=values, clean=clean, errors=errors)


def save_template(district: District, checked: CheckedTemplate, by: User) -> LetterTemplate:
    """Store a checked template as the district's (its first, or over the one before), with
    an audit event naming what changed."""
    template = db.session.scalar(
        select(LetterTemplate).where(LetterTemplate.district_id == district.id)
    )
    before = form_values(settings_for(district))
    if template is None:
        template = LetterTemplate(district_id=district.id)
        db.session.add(template)
    for name, value in checked.clean.items():
        setattr(template, name, value)
    template.updated_by_id = by.id
    template.updated_at = clock.utcnow()
    db.session.flush()
    after = form_values(settings_for(district))
    record_event(
        "letter_template_saved",
        by,
        entity="letter_template",
        entity_id=template.id,
        changes={k: [before[k], v] for k, v in after.items() if before[k] != v},
        district_id=district.id,
    )
    return template


# The drafts of sections 2 and 3 ---------------------------------------------------------

SECTION_TWO_TITLE = "Tồn tại, hạn chế"
SECTION_THREE_TITLE = "Chỉ đạo thực hiện"
# Section 3's subsections: (number, title, the template's and the edit's field); the titles
# name the district's kinds of units (`instructions_for`).
INSTRUCTION_TITLES = (
    (
        "3.1",
        "Đối với Thủ trưởng các phòng, ban, ngành, đơn vị cấp {district}",
        "offices_instructions",
    ),
    ("3.2", "Đối với Trung tâm Văn hóa - Thông tin {district}", "centre_instructions"),
    ("3.3", "Đối với Chủ tịch Ủy ban nhân dân các {communes}", "communes_instructions"),
)


def instructions_for(district: District | None) -> tuple[tuple[str, str, str], ...]:
    """Section 3's subsections of a district's letter, their titles in its words ("cấp
    quận", "các phường"); the usual ones without a district."""
    words = district_words(district)
    return tuple((n, title.format(**words), name) for n, title, name in INSTRUCTION_TITLES)


INSTRUCTIONS = instructions_for(None)
# How many venues to escalate section 2 names before "and N others".
ESCALATED_NAMED = 10


def communes_lacking_qr(report: WeeklyReport) -> list[tuple[ReportRow, int]]:
    """The units where more than half of the venues inspected in the period had no QR code
    posted visibly, with how many lacked it, in the report's order."""
    found = []
    for row in report.rows:
        inspected = row.findings.venues_inspected
        lacking = inspected - row.findings.qr_visible
        if inspected and lacking * 2 > inspected:
            found.append((row, lacking))
    return found


def communes_with_overdue_reports(report: WeeklyReport) -> list[ReportRow]:
    """The units with citizens' reports still open past their deadline at the end of the
    report's period (fieldapp/citizens/counts.py), in the report's order."""
    return [row for row in report.rows if row.citizens.overdue]


def overdue_reports_text(rows: list[ReportRow], level: str = "cấp xã") -> str:
    """Section 2's sentence naming the units with citizens' reports past their deadline;
    `level` names the units' level ("cấp xã" in a district's letter, "cấp huyện" in a
    province's)."""
    lead = f"Một số đơn vị {level}" if len(rows) > 1 else f"Đơn vị {level}"
    return f"{lead} còn phản ánh của người dân quá hạn chưa xử lý: {unit_list(rows)}."


def escalated_venues(district: District) -> list[tuple[str, str, int]]:
    """The district's venues found non-compliant again and again (the escalations list):
    (name, commune as written, times found non-compliant), worst first."""
    threshold = current_app.config["ESCALATION_THRESHOLD"]
    communes = {c.id: official_name(c.name, c.kind) for c in district.communes}
    return [
        (venue.name, communes[venue.commune_id], offences.failed)
        for venue, offences in venues_to_escalate([district.id], threshold).rows
        if offences.failed >= threshold  # the letter names failed inspections, not reports
    ]


def low_group_text(low: list[ReportRow]) -> str:
    """Section 2's sentence on the units low in scans (`low_group`, not empty), worded by
    what the group holds (`notice.low_kind`): "Một số đơn vị có lượt quét thấp gồm: xã A,
    xã B." ("Đơn vị ...: xã A." for one); "Đến nay, xã A chưa có lượt quét nào." when none
    has any; both, naming those without any after "Trong đó"."""
    kind = low_kind(low)
    if kind == "none":
        return f"Đến nay, {unit_list(low)} chưa có lượt quét nào."
    what = LOW_SCANS_WORDS[kind]
    text = (
        f"Đơn vị {what}: {unit_list(low)}."
        if len(low) == 1
        else f"Một số đơn vị {what} gồm: {unit_list(low)}."
    )
    if kind == "both":
        zero = [row for row in low if row.scans == 0]
        text += f" Trong đó, {unit_list(zero)} chưa có lượt quét nào."
    return text


def draft_section_two(
    report: WeeklyReport,
    rule: GroupRule,
    standing: str = "",
    escalated: list[tuple[str, str, int]] = (),
    level: str = "cấp xã",
) -> tuple[Paragraph, ...]:
    """Section 2 "Tồn tại, hạn chế" drafted from the data: the communes low in scans (and
    those with none), the communes whose inspected venues mostly had no visible QR code,
    the communes with citizens' reports past their deadline, the venues to escalate; then
    the template's standing text."""
    paragraphs = []
    low = low_group(report, rule) if report.has_figures else []
    if low:
        paragraphs.append(low_group_text(low))
    lacking = communes_lacking_qr(report)
    if lacking:
        where = ", ".join(
            f"{official_name(row.name, row.kind)} ({vn_number(missing)}/"
            f"{vn_number(row.findings.venues_inspected)} địa điểm)"
            for row, missing in lacking
        )
        paragraphs.append(
            f"Phần lớn địa điểm được kiểm tra chưa niêm yết mã QR công khai, rõ ràng tại: {where}."
        )
    overdue = communes_with_overdue_reports(report)
    if overdue:
        paragraphs.append(overdue_reports_text(overdue, level))
    if escalated:
        named = ", ".join(
            f"{name} ({commune}, {vn_number(times)} lần)"
            for name, commune, times in escalated[:ESCALATED_NAMED]
        )
        more = len(escalated) - ESCALATED_NAMED
        if more > 0:
            named += f" và {vn_number(more)} địa điểm khác"
        paragraphs.append(
            f"Các địa điểm nhiều lần không đạt yêu cầu khi kiểm tra, cần xử lý: {named}."
        )
    paragraphs.extend(_lines(standing))
    return tuple(Paragraph(text) for text in paragraphs)


# 3.3's words for what the low group must put right, by what it holds (`low_kind`).
LOW_SCANS_PROBLEM = {
    "low": "lượt quét mã QR thấp",
    "none": "chưa có lượt quét mã QR",
    "both": "lượt quét mã QR thấp và không quét",
}


def low_units_instruction(low: list[ReportRow], lead: str = "Chủ tịch Ủy ban nhân dân") -> str:
    """The instruction naming the units low in scans (`low_group`, not empty): "Chủ tịch Ủy
    ban nhân dân xã A, xã B tập trung chỉ đạo, khắc phục ngay tình trạng lượt quét mã QR
    thấp.", worded by what the group holds; `lead` is who is told (a ministry asks: "Đề
    nghị Ủy ban nhân dân")."""
    return (
        f"{lead} {unit_list(low)} tập trung chỉ đạo, khắc phục ngay tình "
        f"trạng {LOW_SCANS_PROBLEM[low_kind(low)]}."
    )


def draft_section_three(
    report: WeeklyReport,
    rule: GroupRule,
    settings: LetterSettings,
    district: District | None = None,
) -> tuple[Section, ...]:
    """Section 3 "Chỉ đạo thực hiện" drafted: 3.1, 3.2 and 3.3 from the template's standing
    text, 3.3 naming again the communes low in scans that must improve."""
    subsections = []
    for number, heading, name in instructions_for(district):
        paragraphs = list(_lines(getattr(settings, name)))
        if name == "communes_instructions":
            low = low_group(report, rule) if report.has_figures else []
            if low:
                paragraphs.append(low_units_instruction(low))
        subsections.append(Section(number, heading, tuple(Paragraph(p) for p in paragraphs)))
    return tuple(subsections)


def paragraphs_text(paragraphs) -> str:
    """Paragraphs as the edit form shows them: one a line."""
    return "\n".join(p.text for p in paragraphs)


def text_paragraphs(text: str) -> tuple[Paragraph, ...]:
    """Text typed in the edit form as paragraphs: one a non-empty line."""
    return tuple(Paragraph(line) for line in _lines(text))


# What to look at before exporting ------------------------------------------------------

# The opening cites the province's request by number and date: "Văn bản số 1234/UBND-VX
# ngày 05/11/2021" (a number after "số", a date written DD/MM/YYYY).
REQUEST_NUMBER = re.compile(r"\bsố\s*\d+", re.IGNORECASE)
REQUEST_DATE = re.compile(r"\b\d{1,2}/\d{1,2}/\d{4}\b")


def cites_request(opening: str) -> bool:
    """Whether an opening sentence cites a request by its number and its date."""
    return bool(REQUEST_NUMBER.search(opening) and REQUEST_DATE.search(opening))


def letter_warnings(report: WeeklyReport, settings: LetterSettings) -> list[tuple[str, object]]:
    """What a supervisor should know before exporting a district's letter, as (key, message):
    "no-figures" (no national figures for the date: section 1 and the appendix say so),
    "no-signer" (the signature block has no name), "no-request" (the opening does not cite
    the province's request by number and date). Empty when the letter is ready."""
    warnings = []
    if not report.has_figures:
        warnings.append(
            (
                "no-figures",
                _l(
                    "There are no national figures for %(date)s: section 1 and the appendix "
                    "will say so. Import the figures before sending this letter.",
                    date=clock.day_text(report.report_date),
                ),
            )
        )
    if not settings.signer_name.strip():
        warnings.append(
            (
                "no-signer",
                _l(
                    "The signer's name is empty: the signature block will be blank. Write it "
                    "in the letter template."
                ),
            )
        )
    if not cites_request(settings.opening):
        warnings.append(
            (
                "no-request",
                _l(
                    "The opening does not cite the province's request by its number and date "
                    "(for example “Văn bản số 1234/UBND-VX ngày 05/11/2021”). Write them in "
                    "the letter template."
                ),
            )
        )
    return warnings


# The edits of one report date's letter --------------------------------------------------

# The parts a supervisor edits, as the form names them: section 2, then 3.1 to 3.3.
EDITED_TEXTS = ("section_two", *(name for _, _, name in INSTRUCTIONS))


def edited_headings(district: District | None) -> tuple[tuple[str, str], ...]:
    """Each part's heading on the edit form, as the district's letter writes it ("3.1. Đối
    với Thủ trưởng các phòng, ban, ngành, đơn vị cấp quận")."""
    return (
        ("section_two", f"2. {SECTION_TWO_TITLE}"),
        *((name, f"{number}. {heading}") for number, heading, name in instructions_for(district)),
    )


EDITED_TEXT_MAX = 10_000
NUMBER_PATTERN = re.compile(r"\d{1,7}")


def edit_for(district: District, day: date) -> LetterEdit | None:
    """What was changed in the district's letter of that report date, if anything."""
    return db.session.scalar(
        select(LetterEdit).where(
            LetterEdit.district_id == district.id, LetterEdit.report_date == day
        )
    )


@dataclass
class CheckedEdit:
    values: dict  # what was typed, to show again
    errors: dict


def check_edit(form) -> CheckedEdit:
    """Check the letter's parts typed on the report page."""
    values = {"number": (form.get("number") or "").strip()}
    errors = {}
    if values["number"] and not NUMBER_PATTERN.fullmatch(values["number"]):
        errors["number"] = _l("The number is digits only (for example 125), or empty.")
    for name in EDITED_TEXTS:
        text = "\n".join(_lines(form.get(name) or ""))
        values[name] = text
        if not text:
            errors[name] = _l("Write this part, or go back to the draft.")
        elif len(text) > EDITED_TEXT_MAX:
            errors[name] = _l("At most %(n)s characters.", n=EDITED_TEXT_MAX)
    return CheckedEdit(values=values, errors=errors)


def save_edit(
    district: District,
    day: date,
    checked: CheckedEdit,
    drafts: dict[str, tuple[Paragraph, ...]],
    by: User,
) -> LetterEdit | None:
    """Keep what differs from the drafts (`drafts_for`) as the district's edit of that
    report date; an edit that changes nothing is removed. Audited."""
    edit = edit_for(district, day)
    kept = {
        name: (value if value != paragraphs_text(drafts.get(name, ())) else None)
        for name, value in checked.values.items()
        if name in EDITED_TEXTS
    }
    kept["number"] = checked.values["number"] or None
    if all(value is None for value in kept.values()):
        if edit is not None:
            db.session.delete(edit)
        edit = None
    else:
        if edit is None:
            edit = LetterEdit(district_id=district.id, report_date=day)
            db.session.add(edit)
        for name, value in kept.items():
            setattr(edit, name, value)
        edit.edited_by_id = by.id
        edit.edited_at = clock.utcnow()
    db.session.flush()
    record_event(
        "letter_edited",
        by,
        entity="letter_edit",
        entity_id=edit.id if edit else None,
        detail={"report_date": day.isoformat(), "edited": sorted(edited_parts(edit))},
        district_id=district.id,
    )
    return edit


def revert_edit(district: District, day: date, by: User) -> bool:
    """Go back to the generated draft of that report date's letter; audited. False when
    nothing was edited."""
    edit = edit_for(district, day)
    if edit is None:
        return False
    db.session.delete(edit)
    db.session.flush()
    record_event(
        "letter_reverted",
        by,
        entity="letter_edit",
        detail={"report_date": day.isoformat()},
        district_id=district.id,
    )
    return True


# The audit trail names an edit's parts as the letter titles them.
describe_fields(
    {
        "edited": AuditField(
            _l("Edited parts"),
            {
                "number": _l("The letter's number"),
                "section_2": f"2. {SECTION_TWO_TITLE}",
                "section_3": f"3. {SECTION_THREE_TITLE}",
            },
        )
    },
    entity="letter_edit",
)


def edited_parts(edit: LetterEdit | None) -> frozenset[str]:
    """The letter's parts an edit changed: "number", "section_2", "section_3"."""
    if edit is None:
        return frozenset()
    parts = set()
    if edit.number:
        parts.add("number")
    if edit.section_two is not None:
        parts.add("section_2")
    if any(getattr(edit, name) is not None for _, _, name in INSTRUCTIONS):
        parts.add("section_3")
    return frozenset(parts)


def drafts_for(
    report: WeeklyReport, district: District, settings: LetterSettings
) -> dict[str, tuple[Paragraph, ...]]:
    """The generated drafts of the parts a supervisor edits, by the edit's field names:
    section 2, then 3.1, 3.2 and 3.3."""
    rule = settings.rule
    drafts = {
        "section_two": draft_section_two(
            report, rule, settings.shortcomings, escalated_venues(district)
        )
    }
    for (_, _, name), subsection in zip(
        INSTRUCTIONS, draft_section_three(report, rule, settings, district), strict=True
    ):
        drafts[name] = subsection.paragraphs
    return drafts


def edited_texts(
    drafts: dict[str, tuple[Paragraph, ...]], edit: LetterEdit | None
) -> dict[str, tuple[Paragraph, ...]]:
    """Each editable part as the letter has it: the edit's text where it changed the part,
    the draft otherwise."""
    texts = dict(drafts)
    for name in EDITED_TEXTS:
        value = getattr(edit, name) if edit is not None else None
        if value is not None:
            texts[name] = text_paragraphs(value)
    return texts
