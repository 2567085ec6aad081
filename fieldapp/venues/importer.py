"""Importing a district's venue registry from a CSV file.

Every row is checked before anything is written: good rows are inserted
together, bad rows are reported by their row number as a spreadsheet shows it
(the header is row 1), and no row is ever half-written. The caller commits.
"""
import csv
import io
import math
from dataclasses import dataclass, field

from flask_babel import force_locale

from fieldapp.audit import record_change
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from fieldapp.extensions import db
from fieldapp.models import District, User, Venue
from fieldapp.places import PlaceIndex
from fieldapp.text import fold
from fieldapp.venues.labels import VENUE_TYPE_LABELS

# Header spellings accepted for each field (English first, then Vietnamese); compared folded.
HEADERS = {
    "code": ("code", "mã", "venue code", "mã địa điểm", "mã số"),
    "name": ("name", "tên", "venue name", "tên địa điểm", "tên đơn vị"),
    "venue_type": ("type", "loại", "venue type", "loại hình", "loại địa điểm"),
    "address": ("address", "địa chỉ"),
    "commune": ("commune", "xã", "ward", "phường", "thị trấn", "xã/phường", "xã/thị trấn",
                "xã/phường/thị trấn", "thị trấn/xã"),
    "latitude": ("latitude", "vĩ độ", "lat"),
    "longitude": ("longitude", "kinh độ", "lon", "lng"),
    "contact_name": ("contact name", "người liên hệ", "contact", "tên người liên hệ"),
    "contact_phone": ("contact phone", "số điện thoại", "phone", "điện thoại", "sđt"),
    "qr_payload": ("qr payload", "nội dung mã qr", "qr", "qr code", "mã qr"),
}
REQUIRED = ("code", "name", "commune")
# Column widths of the venue table, so PostgreSQL never refuses a row at insert time.
MAX_LENGTHS = {"code": 40, "name": 255, "address": 255, "contact_name": 100,
               "contact_phone": 20}
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


class FileRefused(Exception):
    """The whole file cannot be read as a venue list; the message says why."""


@dataclass
class RowProblem:
    row: int  # as a spreadsheet numbers it: the header is row 1
    problem: str  # a code: missing_name, unknown_commune, duplicate_code...
    message: str  # lazily translated, for the person who made the file


@dataclass
class ImportReport:
    venues: list[Venue] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    refused: str | None = None  # why the whole file was refused, if it was

    @property
    def refused_rows(self) -> list[int]:
        """Numbers of the rows that were not imported."""
        return sorted({p.row for p in self.problems})

    @property
    def ok(self) -> bool:
        """True when the whole file was imported."""
        return self.refused is None and not self.problems


def folded_key(text: str) -> str:
    """A header or type name folded, with '_' and '-' read as spaces."""
    return " ".join(fold(text).replace("_", " ").replace("-", " ").split())


def _header_fields() -> dict[str, str]:
    """Every accepted header, folded, mapped to the field it fills."""
    return {folded_key(spelling): name
            for name, spellings in HEADERS.items() for spelling in spellings}


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


def _text(source) -> str:
    """The file's text: bytes are decoded as UTF-8, a byte order mark is dropped."""
    if hasattr(source, "read"):
        source = source.read()
    if isinstance(source, bytes):
        try:
            source = source.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise FileRefused(_l("The file is not UTF-8 text. In Excel, save it as "
                                 "“CSV UTF-8 (Comma delimited)” and import it again."))
    return source.removeprefix("\ufeff")


def _dialect(text: str) -> str:
    """The delimiter: Excel in Vietnamese settings writes ';' because ',' is the decimal mark."""
    first_line = text.split("\n", 1)[0]
    return max((",", ";", "\t"), key=first_line.count)


def _columns(header: list[str]) -> tuple[dict[str, int], list[str]]:
    """Map each known field to its column index; list the columns that mean nothing to us."""
    known = _header_fields()
    columns, ignored = {}, []
    for index, title in enumerate(header):
        name = known.get(folded_key(title))
        if name is None:
            if title.strip():
                ignored.append(title.strip())
        elif name in columns:
            raise FileRefused(_l("The columns “%(first)s” and “%(second)s” both give the "
                                 "same information; keep only one.",
                                 first=header[columns[name]].strip(), second=title.strip()))
        else:
            columns[name] = index
    missing = [name for name in REQUIRED if name not in columns]
    if missing:
        expected = ", ".join(" / ".join(HEADERS[name][:2]) for name in missing)
        raise FileRefused(_l("The file has no column for: %(expected)s. The first row must "
                             "name the columns; nothing was imported.", expected=expected))
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


def _read_rows(text: str) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """The header and the non-blank rows with their spreadsheet row numbers."""
    rows = csv.reader(io.StringIO(text, newline=""), delimiter=_dialect(text))
    try:
        header = next(rows)
    except StopIteration:
        raise FileRefused(_l("The file is empty."))
    except csv.Error as error:
        raise FileRefused(_l("The file is not a readable CSV file (%(error)s).", error=str(error)))
    body = []
    try:
        for number, cells in enumerate(rows, start=2):
            if any(cell.strip() for cell in cells):
                body.append((number, cells))
    except csv.Error as error:
        raise FileRefused(_l("The file is not a readable CSV file (%(error)s).", error=str(error)))
    return header, body


def import_venues(source, district: District, imported_by: User | None = None) -> ImportReport:
    """Check every row of a venue CSV (bytes, text or a stream), then insert the good rows."""
    report = ImportReport()
    try:
        header, body = _read_rows(_text(source))
        columns, report.ignored_columns = _columns(header)
    except FileRefused as refusal:
        report.refused = refusal.args[0]
        return report
    if not body:
        report.refused = _l("The file has a header but no venues.")
        return report

    titles = {name: header[index].strip() for name, index in columns.items()}
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
    registered = _registered_codes(list(rows_by_code))

    for number, cells in body:
        values = {name: cell(cells, name) for name in HEADERS}
        problems = []

        def refuse(problem: str, message) -> None:
            """Note a reason not to import this row."""
            problems.append(RowProblem(number, problem, message))

        if not values["code"]:
            refuse("missing_code", _l("The code is empty."))
        elif len(rows_by_code[values["code"]]) > 1:
            others = ", ".join(str(n) for n in rows_by_code[values["code"]] if n != number)
            refuse("duplicate_code", _l("The code %(code)s is also on row %(rows)s.",
                                        code=values["code"], rows=others))
        elif values["code"] in registered:
            refuse("code_exists", _l("The code %(code)s is already registered.",
                                     code=values["code"]))
        if not values["name"]:
            refuse("missing_name", _l("The name is empty."))
        commune = communes.find(values["commune"])
        if not values["commune"]:
            refuse("missing_commune", _l("The commune is empty."))
        elif commune is None:
            refuse("unknown_commune", _l("“%(commune)s” is not a commune of %(district)s.",
                                         commune=values["commune"], district=district.name))
        venue_type = types.get(folded_key(values["venue_type"]), None) \
            if values["venue_type"] else "other"
        if venue_type is None:
            refuse("unknown_type", _l("“%(type)s” is not a venue type.",
                                      type=values["venue_type"]))
        latitude, lat_problem = _coordinate(values["latitude"], titles.get("latitude", ""), 90)
        longitude, lon_problem = _coordinate(values["longitude"], titles.get("longitude", ""), 180)
        # Lazy messages are compared with None: their truth value would need a locale.
        numbers_read = lat_problem is None and lon_problem is None
        for message in (lat_problem, lon_problem):
            if message is not None:
                refuse("bad_number", message)
        if numbers_read and (latitude is None) != (longitude is None):
            refuse("half_position", _l("Give both the latitude and the longitude, or neither."))
        for name, limit in MAX_LENGTHS.items():
            if len(values[name]) > limit:
                refuse("too_long", _l("%(column)s is longer than %(limit)s characters.",
                                      column=titles[name], limit=limit))

        if problems:
            report.problems += problems
            continue
        report.venues.append(Venue(
            code=values["code"], name=values["name"], venue_type=venue_type,
            address=values["address"], commune_id=commune.id,
            latitude=latitude, longitude=longitude,
            contact_name=values["contact_name"], contact_phone=values["contact_phone"],
            qr_payload=values["qr_payload"],
            created_by_id=imported_by.id if imported_by else None,
        ))

    db.session.add_all(report.venues)
    db.session.flush()
    for venue in report.venues:
        record_change(venue, "create", imported_by, None)
    return report


def _registered_codes(codes: list[str]) -> set[str]:
    """Which of these venue codes the database already holds (any district: codes are unique)."""
    found = set()
    for start in range(0, len(codes), 500):
        found.update(db.session.scalars(
            select(Venue.code).where(Venue.code.in_(codes[start:start + 500]))))
    return found
