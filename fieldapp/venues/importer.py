"""Importing a district's venue registry from a CSV or XLSX spreadsheet.

Every row is checked before anything is written (the check is the web import's preview):
each row will create a venue, update the registered venue with its code, or is refused with
its reasons, by its row number as a spreadsheet shows it (the header is row 1). Then the good
rows are written together, each whole, never half. The caller commits.
"""

import math
from dataclasses import dataclass, field

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from fieldapp.audit import record_change, snapshot
from fieldapp.extensions import db
from fieldapp.models import Commune, District, User, Venue
from fieldapp.phones import phone_digits, phone_from_sheet
from fieldapp.places import PlaceIndex
from fieldapp.spreadsheets import (
    COMMUNE_HEADERS,
    SheetUnreadable,
    TooManyRows,
    cell_text,
    folded_key,
    header_and_rows,
    match_columns,
)
from fieldapp.venues.labels import VENUE_TYPE_LABELS
from fieldapp.venues.service import same_name, same_name_key

# Header spellings accepted for each field (English first, then Vietnamese); compared folded.
HEADERS = {
    "code": ("code", "mã", "venue code", "mã địa điểm", "mã số"),
    "name": ("name", "tên", "venue name", "tên địa điểm", "tên đơn vị"),
    "venue_type": ("type", "loại", "venue type", "loại hình", "loại địa điểm"),
    "address": ("address", "địa chỉ"),
    "commune": COMMUNE_HEADERS,
    "latitude": ("latitude", "vĩ độ", "lat"),
    "longitude": ("longitude", "kinh độ", "lon", "lng"),
    "contact_name": ("contact name", "người liên hệ", "contact", "tên người liên hệ"),
    "contact_phone": ("contact phone", "số điện thoại", "phone", "điện thoại", "sđt"),
    "qr_payload": ("qr payload", "nội dung mã qr", "qr", "qr code", "mã qr"),
}
REQUIRED = ("code", "name", "commune")
# Column widths of the venue table, so PostgreSQL never refuses a row at insert time.
MAX_LENGTHS = {"code": 40, "name": 255, "address": 255, "contact_name": 100, "contact_phone": 20}
# Vietnamese names of the venue types, as registries and the provincial orders write them.
VIETNAMESE_TYPE_NAMES = {
    "government_office": ("Cơ quan nhà nước", "Cơ quan", "Cơ quan hành chính"),
    "school": ("Trường học", "Trường"),
    "enterprise": ("Doanh nghiệp", "Công ty"),
    "shop": ("Cửa hàng", "Cửa hàng tạp hóa"),
    "mini_supermarket": ("Siêu thị mini", "Siêu thị"),
    "bookshop": ("Nhà sách", "Hiệu sách"),
    "market": ("Chợ",),
    "health_station": ("Trạm y tế", "Trạm y tế xã"),
    "meeting_hall": ("Hội trường",),
    "conference_centre": ("Trung tâm hội nghị",),
    "library": ("Thư viện",),
    "football_ground": ("Sân bóng đá", "Sân bóng"),
    "amusement_area": ("Khu vui chơi",),
    "public_transport": ("Phương tiện vận tải công cộng", "Phương tiện giao thông công cộng"),
    "tourist_accommodation": ("Cơ sở lưu trú du lịch", "Cơ sở lưu trú"),
    "village_cultural_house": ("Nhà văn hóa thôn", "Nhà văn hóa bản", "Nhà văn hóa"),
    "other": ("Khác",),
}


MAX_ROWS = 20_000  # a district's registry: about 10,000 venues in the largest ones
MAX_COLUMNS = 60
# Fields an update may change; the code identifies the venue and never changes.
UPDATED_FIELDS = (
    "name",
    "venue_type",
    "address",
    "commune_id",
    "latitude",
    "longitude",
    "contact_name",
    "contact_phone",
    "qr_payload",
)


class FileRefused(Exception):
    """The whole file cannot be read as a venue list; the message says why."""


@dataclass
class RowProblem:
    row: int  # as a spreadsheet numbers it: the header is row 1
    problem: str  # a code: missing_name, unknown_commune, duplicate_code...
    message: str  # lazily translated, for the person who made the file


@dataclass
class VenueRow:
    """One row of the file: what it says, and what importing it will do."""

    number: int
    values: dict[str, str]  # the cells by field, as read
    problems: list[RowProblem] = field(default_factory=list)
    existing: Venue | None = None  # the registered venue with this code, to be updated
    attributes: dict = field(default_factory=dict)  # what the venue will hold
    changes: dict[str, tuple] = field(default_factory=dict)  # field: (now, after), updates

    @property
    def action(self) -> str:
        """ "create", "update", "unchanged" (registered as the file says) or "refuse"."""
        if self.problems:
            return "refuse"
        if self.existing is None:
            return "create"
        return "update" if self.changes else "unchanged"


@dataclass
class ImportReport:
    rows: list[VenueRow] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)  # the fields the file has, in order
    titles: dict[str, str] = field(default_factory=dict)  # their headers, as the file has them
    venues: list[Venue] = field(default_factory=list)  # created
    updated: list[Venue] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    refused: str | None = None  # why the whole file was refused, if it was
    applied: bool = False

    @property
    def problems(self) -> list[RowProblem]:
        return [problem for row in self.rows for problem in row.problems]

    @property
    def refused_rows(self) -> list[int]:
        """Numbers of the rows that were not imported."""
        return sorted({p.row for p in self.problems})

    def rows_to(self, action: str) -> list[VenueRow]:
        """The rows that will create, update, leave unchanged or be refused."""
        return [row for row in self.rows if row.action == action]

    @property
    def can_apply(self) -> bool:
        """Whether importing would write anything."""
        return self.refused is None and any(row.action in ("create", "update") for row in self.rows)

    @property
    def ok(self) -> bool:
        """True when the whole file was imported."""
        return self.refused is None and not self.problems


def venue_type_names() -> dict[str, str]:
    """Every accepted way to write a venue type, folded, mapped to its stored code."""
    names = {}
    with force_locale("en"):
        for code, label in VENUE_TYPE_LABELS.items():
            names[folded_key(code)] = code
            names[folded_key(str(label))] = code
    for code, spellings in VIETNAMESE_TYPE_NAMES.items():
        names.update({folded_key(spelling): code for spelling in spellings})
    return names


def _columns(header: list[str]) -> tuple[dict[str, int], list[str]]:
    """Map each known field to its column index; list the columns that mean nothing to us."""
    try:
        columns, ignored = match_columns(header, HEADERS)
    except SheetUnreadable as error:
        raise FileRefused(error.args[0]) from error
    missing = [name for name in REQUIRED if name not in columns]
    if missing:
        expected = ", ".join(" / ".join(HEADERS[name][:2]) for name in missing)
        raise FileRefused(
            _l(
                "The file has no column for: %(expected)s. The first row must "
                "name the columns; nothing was imported.",
                expected=expected,
            )
        )
    return columns, ignored


def _coordinate(value: str, title: str, limit: float) -> tuple[float | None, str | None]:
    """A latitude or longitude, accepting a decimal comma; or the reason it is refused."""
    if not value:
        return None, None
    try:
        number = float(value.replace(",", ".") if "." not in value else value)
    except ValueError:
        return None, _l("%(column)s “%(value)s” is not a number.", column=title, value=value)
    if not math.isfinite(number) or abs(number) > limit:
        return None, _l("%(column)s %(value)s is out of range.", column=title, value=value)
    return number, None


def _read_rows(source, filename: str) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """The header and the non-blank rows, as text, with their spreadsheet row numbers."""
    try:
        header, body = header_and_rows(source, filename, MAX_ROWS, MAX_COLUMNS)
    except SheetUnreadable as error:
        raise FileRefused(error.args[0]) from error
    except TooManyRows:
        raise FileRefused(
            _l("The file has more than %(n)s venues: split it into several files.", n=MAX_ROWS)
        ) from None
    return header, [(number, [cell_text(cell) for cell in cells]) for number, cells in body]


def check_venues(
    source, district: District, filename: str = "venues.csv", update: bool = False
) -> ImportReport:
    """Read a venue registry (bytes, text or a stream; CSV or XLSX) and decide each row:
    create, update (when `update` is set and the code is registered in this district) or
    refuse. Nothing is written."""
    report = ImportReport()
    try:
        header, body = _read_rows(source, filename)
        columns, report.ignored_columns = _columns(header)
    except FileRefused as refusal:
        report.refused = refusal.args[0]
        return report
    if not body:
        report.refused = _l("The file has a header but no venues.")
        return report
    report.columns = sorted(columns, key=columns.get)

    titles = report.titles = {name: header[index].strip() for name, index in columns.items()}
    communes = PlaceIndex(district.communes)
    types = venue_type_names()

    def cell(cells: list[str], name: str) -> str:
        """A field's trimmed value in a row; empty when the file has no such column."""
        index = columns.get(name)
        return cells[index].strip() if index is not None and index < len(cells) else ""

    rows_by_code: dict[str, list[int]] = {}
    for number, cells in body:
        code = cell(cells, "code")
        if code:
            rows_by_code.setdefault(code, []).append(number)
    registered = _registered_venues(list(rows_by_code))
    district_commune_ids = {c.id for c in district.communes}
    named = _named_venues(district)
    names_in_file: dict[tuple[int, str], list[tuple[int, str]]] = {}

    for number, cells in body:
        row = VenueRow(number, {name: cell(cells, name) for name in HEADERS})
        report.rows.append(row)
        values = row.values

        def refuse(problem: str, message, row=row, number=number) -> None:
            """Note a reason not to import this row (bound to this row, not the loop's last)."""
            row.problems.append(RowProblem(number, problem, message))

        existing = registered.get(values["code"])
        if not values["code"]:
            refuse("missing_code", _l("The code is empty."))
        elif len(rows_by_code[values["code"]]) > 1:
            others = ", ".join(str(n) for n in rows_by_code[values["code"]] if n != number)
            refuse(
                "duplicate_code",
                _l("The code %(code)s is also on row %(rows)s.", code=values["code"], rows=others),
            )
        elif existing is not None and existing.commune_id not in district_commune_ids:
            # Codes are unique, but a district is not told that another one has a code.
            refuse(
                "code_elsewhere",
                _l(
                    "The code %(code)s cannot be used in this district: check it against the"
                    " national registry.",
                    code=values["code"],
                ),
            )
        elif existing is not None and not update:
            refuse(
                "code_exists", _l("The code %(code)s is already registered.", code=values["code"])
            )
        else:
            row.existing = existing
        if not values["name"] and row.existing is None:
            refuse("missing_name", _l("The name is empty."))
        commune = communes.find(values["commune"])
        if not values["commune"]:
            refuse("missing_commune", _l("The commune is empty."))
        elif commune is None:
            refuse(
                "unknown_commune",
                _l(
                    "“%(commune)s” is not a commune of %(district)s.",
                    commune=values["commune"],
                    district=district.name,
                ),
            )
        venue_type = (
            types.get(folded_key(values["venue_type"]), None) if values["venue_type"] else "other"
        )
        if venue_type is None:
            refuse("unknown_type", _l("“%(type)s” is not a venue type.", type=values["venue_type"]))
        latitude, lat_problem = _coordinate(values["latitude"], titles.get("latitude", ""), 90)
        longitude, lon_problem = _coordinate(values["longitude"], titles.get("longitude", ""), 180)
        # Lazy messages are compared with None: their truth value would need a locale.
        numbers_read = lat_problem is None and lon_problem is None
        for message in (lat_problem, lon_problem):
            if message is not None:
                refuse("bad_number", message)
        if numbers_read and (latitude is None) != (longitude is None):
            refuse("half_position", _l("Give both the latitude and the longitude, or neither."))
        venue_name = values["name"] or (row.existing.name if row.existing else "")
        if commune is not None and venue_name:
            # One open venue of a name per commune, as the form says (a registry sent again
            # with new codes would otherwise double every venue).
            key = (commune.id, same_name_key(venue_name))
            holder = next(
                (
                    venue
                    for venue in named.get(key, [])
                    if venue.code != values["code"] and same_name(venue.name, venue_name)
                ),
                None,
            )
            earlier = next(
                (
                    (n, other)
                    for n, other in names_in_file.get(key, [])
                    if same_name(other, venue_name)
                ),
                None,
            )
            if holder is not None:
                refuse(
                    "same_name",
                    _l(
                        "%(commune)s already has a venue called “%(name)s” (%(code)s): leave"
                        " this row out, or give the venue its own name.",
                        commune=commune.name,
                        name=holder.name,
                        code=holder.code,
                    ),
                )
            elif earlier is not None:
                refuse(
                    "same_name",
                    _l(
                        "“%(name)s” of %(commune)s is also on row %(rows)s.",
                        name=earlier[1],
                        commune=commune.name,
                        rows=earlier[0],
                    ),
                )
            else:
                names_in_file.setdefault(key, []).append((number, venue_name))
        values["contact_phone"] = phone_from_sheet(values["contact_phone"])
        if phone_digits(values["contact_phone"]) is None:
            refuse(
                "bad_phone",
                _l(
                    "%(column)s: “%(value)s” is not a phone number of 9 to 15 digits.",
                    column=titles["contact_phone"],
                    value=values["contact_phone"][:40],
                ),
            )
        for name, limit in MAX_LENGTHS.items():
            if len(values[name]) > limit:
                refuse(
                    "too_long",
                    _l(
                        "%(column)s is longer than %(limit)s characters.",
                        column=titles[name],
                        limit=limit,
                    ),
                )
        if row.problems:
            row.existing = None
            continue

        row.attributes = {
            "name": values["name"],
            "venue_type": venue_type,
            "address": values["address"],
            "commune_id": commune.id,
            "latitude": latitude,
            "longitude": longitude,
            "contact_name": values["contact_name"],
            "contact_phone": values["contact_phone"],
            "qr_payload": values["qr_payload"],
        }
        if row.existing is not None:
            # An update takes what the file says; an empty cell (or a missing column) keeps
            # what is registered, so a partial registry never erases a QR code or a phone.
            given = {name for name in HEADERS if values[name]}
            row.attributes = {
                name: value for name, value in row.attributes.items() if _field_of(name) in given
            }
            row.changes = {
                name: (getattr(row.existing, name), value)
                for name, value in row.attributes.items()
                if getattr(row.existing, name) != value
            }
    return report


def _field_of(attribute: str) -> str:
    """The file's field that gives a venue attribute."""
    return "commune" if attribute == "commune_id" else attribute


def apply_import(report: ImportReport, imported_by: User | None = None) -> ImportReport:
    """Write the checked rows: create the new venues, update the registered ones, each row
    whole; refused rows write nothing. The caller commits."""
    if report.refused is not None or report.applied:
        return report
    for row in report.rows:
        if row.action == "create":
            report.venues.append(
                Venue(
                    code=row.values["code"],
                    **row.attributes,
                    created_by_id=imported_by.id if imported_by else None,
                )
            )
    db.session.add_all(report.venues)
    updates = []
    for row in report.rows_to("update"):
        before = snapshot(row.existing)
        for name, (_now, after) in row.changes.items():
            setattr(row.existing, name, after)
        updates.append((row.existing, before))
        report.updated.append(row.existing)
    db.session.flush()
    for venue in report.venues:
        record_change(venue, "create", imported_by, None)
    for venue, before in updates:
        record_change(venue, "edit", imported_by, before)
    report.applied = True
    return report


def import_venues(
    source,
    district: District,
    imported_by: User | None = None,
    filename: str = "venues.csv",
    update: bool = False,
) -> ImportReport:
    """Check every row of a venue registry (bytes, text or a stream), then write the good
    rows."""
    return apply_import(check_venues(source, district, filename, update), imported_by)


def _named_venues(district: District) -> dict[tuple[int, str], list[Venue]]:
    """The district's open venues by commune and `same_name_key`: where a row's name is
    looked for (`same_name`)."""
    venues = db.session.scalars(
        select(Venue)
        .join(Venue.commune)
        .where(Commune.district_id == district.id, Venue.is_active.is_(True))
    )
    named: dict[tuple[int, str], list[Venue]] = {}
    for venue in venues:
        named.setdefault((venue.commune_id, same_name_key(venue.name)), []).append(venue)
    return named


def _registered_venues(codes: list[str]) -> dict[str, Venue]:
    """The venues already registered with these codes (any district: codes are unique)."""
    found = {}
    for start in range(0, len(codes), 500):
        found.update(
            {
                venue.code: venue
                for venue in db.session.scalars(
                    select(Venue).where(Venue.code.in_(codes[start : start + 500]))
                )
            }
        )
    return found
