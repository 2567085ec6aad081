"""The sample file each import page offers: an XLSX with the columns the importer reads,
headed in Vietnamese as it accepts them, and a few rows of the user's own district.

The columns come from the importers themselves (the venue registry's and the citizens'
reports' `HEADERS`, in their order; the national figures' appendix columns, which the
figures importer recognises), and each sample checks its header with the importer's own
matcher before it is written: a column the importer stops reading, or a new one it needs,
breaks the sample at once rather than misleading an office. `tests/test_import_samples.py`
imports each sample through its importer's preview.
"""

import io
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from flask import Response, send_file
from flask_babel import force_locale
from sqlalchemy import select

from fieldapp import clock
from fieldapp.citizens import importer as citizen_importer
from fieldapp.citizens.labels import PROBLEM_LABELS
from fieldapp.extensions import db
from fieldapp.models import Commune, District, Venue
from fieldapp.places import official_name, sort_key
from fieldapp.reports import figures as figures_importer
from fieldapp.reports.appendix import APPENDIX_HEADERS, INSTALL_HEADERS
from fieldapp.spreadsheets import match_columns, sample_workbook
from fieldapp.venues import importer as venue_importer
from fieldapp.venues.service import find_same_name, next_venue_code

ROWS = 3  # example rows, one per commune, as far as the district has communes
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Sample:
    """A sample file: its name for the download, and its bytes."""

    filename: str
    content: bytes

    def download(self) -> Response:
        """The sample as a file the browser saves."""
        return send_file(
            io.BytesIO(self.content), mimetype=XLSX, as_attachment=True, download_name=self.filename
        )


def _titles(headers: dict[str, tuple[str, ...]], spellings: dict[str, str]) -> list[str]:
    """The sample's header, one column per field of the importer in its order, each written
    as one of the importer's own spellings; checked with the importer's matcher."""
    missing = set(headers) - set(spellings)
    if missing:
        raise LookupError(f"the sample names no column for {sorted(missing)}")
    titles = [spellings[name] for name in headers]
    columns, ignored = match_columns(titles, headers)
    if ignored or [name for name in headers if columns.get(name) != list(headers).index(name)]:
        raise LookupError(f"the importer does not read the sample's header {titles}")
    return titles


def sample_communes(district: District) -> list[Commune]:
    """The communes the examples are in: the first of the district's official order (the
    national sheet's, else Vietnamese alphabetical order)."""
    ordered = sorted(
        district.communes,
        key=lambda c: (c.sheet_order is None, c.sheet_order or 0, sort_key(c.name), c.name),
    )
    return ordered[:ROWS]


def _unit(commune: Commune) -> str:
    return official_name(commune.name, commune.kind, capitalised=True)


# The venue registry ---------------------------------------------------------------------------

# How the sample heads each of the importer's fields (one of its spellings).
VENUE_TITLES = {
    "code": "Mã địa điểm",
    "name": "Tên địa điểm",
    "venue_type": "Loại hình",
    "address": "Địa chỉ",
    "commune": "Xã, phường, thị trấn",
    "latitude": "Vĩ độ",
    "longitude": "Kinh độ",
    "contact_name": "Người liên hệ",
    "contact_phone": "Số điện thoại",
    "qr_payload": "Nội dung mã QR",
}
# What each example venue is: its type, its name from its commune, an address, a contact.
VENUE_EXAMPLES = (
    ("market", "Chợ {name}", "Khu chợ trung tâm", "Nguyễn Văn An", "0912345678"),
    ("health_station", "Trạm y tế {unit}", "Thôn 2", "Lò Thị Hoa", "0987654321"),
    ("school", "Trường Tiểu học {name}", "Thôn 3", "Hà Văn Minh", "0358123456"),
)


def _position_near(commune: Commune, step: int) -> tuple[float | str, float | str]:
    """A position beside a registered venue of the commune, or none when no venue of it has
    one (the columns may stay empty)."""
    venue = db.session.scalars(
        select(Venue)
        .where(Venue.commune_id == commune.id, Venue.latitude.is_not(None))
        .where(Venue.longitude.is_not(None))
        .order_by(Venue.id)
        .limit(1)
    ).first()
    if venue is None:
        return "", ""
    return round(venue.latitude + 0.0011 * step, 5), round(venue.longitude + 0.0013 * step, 5)


def _free_name(commune: Commune, name: str) -> str:
    """The example's name, or with a number after it when the commune already has a venue
    of that name (the import refuses a second one)."""
    candidate, number = name, 1
    while find_same_name(commune, candidate) is not None:
        number += 1
        candidate = f"{name} {number}"
    return candidate


def venue_registry_sample(district: District) -> Sample:
    """The venue registry's sample: a market, a health station and a school of the
    district's first communes, with the next free codes of their communes."""
    titles = _titles(venue_importer.HEADERS, VENUE_TITLES)
    rows = []
    for step, (commune, example) in enumerate(
        zip(sample_communes(district), VENUE_EXAMPLES, strict=False), start=1
    ):
        venue_type, name, address, contact, phone = example
        latitude, longitude = _position_near(commune, step)
        values = {
            "code": next_venue_code(commune),
            "name": _free_name(
                commune,
                name.format(name=commune.name, unit=official_name(commune.name, commune.kind)),
            ),
            "venue_type": venue_importer.VIETNAMESE_TYPE_NAMES[venue_type][0],
            "address": address,
            "commune": _unit(commune),
            "latitude": latitude,
            "longitude": longitude,
            "contact_name": contact,
            "contact_phone": phone,
            "qr_payload": "",
        }
        rows.append([values[name] for name in venue_importer.HEADERS])
    return Sample("mau-danh-sach-dia-diem.xlsx", sample_workbook(titles, rows))


# The national figures ------------------------------------------------------------------------

# Venues with a QR code, scans, PC-Covid installs, smartphones: a commune's week.
FIGURES_EXAMPLES = ((86, 2315, 4336, 5102), (124, 3870, 6120, 7045), (47, 958, 2204, 2810))


def figures_sample(district: District) -> Sample:
    """The national figures' sample, laid out as the official appendix (STT, district,
    commune, venues with a QR code, scans, then installs and smartphones)."""
    titles = [*APPENDIX_HEADERS, *INSTALL_HEADERS]
    read = figures_importer.guess_columns(titles)
    if sorted(read) != sorted(figures_importer.FIELD_LABELS):
        raise LookupError(f"the figures importer does not read the sample's header {titles}")
    district_name = official_name(district.name, district.kind, capitalised=True)
    rows = [
        [number, district_name, _unit(commune), *counts]
        for number, (commune, counts) in enumerate(
            zip(sample_communes(district), FIGURES_EXAMPLES, strict=False), start=1
        )
    ]
    return Sample("mau-so-lieu-bao-cao.xlsx", sample_workbook(titles, rows))


# Citizens' reports ---------------------------------------------------------------------------

CITIZEN_TITLES = {
    "source_ref": "Mã số phản ánh",
    "venue_code": "Mã địa điểm",
    "venue_name": "Tên địa điểm",
    "commune": "Xã, phường, thị trấn",
    "problem": "Loại phản ánh",
    "details": "Nội dung phản ánh",
    "received": "Thời gian phản ánh",
    "contact_phone": "Số điện thoại",
}
# Each example report: its problem, a place not in the registry (when no registered venue is
# given by its code), how many days ago and when it was received, what the citizen said, a
# phone.
CITIZEN_EXAMPLES = (
    ("no_qr", "Tạp hóa Minh Châu", 1, time(8, 30), "Không thấy mã QR ở lối vào.", "0912345678"),
    (
        "not_checked",
        "Quán cà phê Hương Quê",
        1,
        time(15, 45),
        "Nhân viên không yêu cầu khách quét mã.",
        "",
    ),
    (
        "qr_not_working",
        "Nhà hàng Bếp Quê",
        2,
        time(10, 5),
        "Mã QR bị mờ, không quét được.",
        "0358123456",
    ),
)


def _registered_venue(district: District) -> Venue | None:
    """An open venue of the district, for the example given by its code."""
    return db.session.scalars(
        select(Venue)
        .join(Commune, Venue.commune_id == Commune.id)
        .where(Commune.district_id == district.id, Venue.closed_at.is_(None))
        .order_by(Venue.id)
        .limit(1)
    ).first()


def citizen_reports_sample(district: District, today: date | None = None) -> Sample:
    """The citizens' reports' sample: the first by a registered venue's code (when the
    district has one), the others by a place's name and commune; received in the last days,
    written DD/MM/YYYY HH:MM."""
    titles = _titles(citizen_importer.HEADERS, CITIZEN_TITLES)
    today = today or clock.today()
    venue = _registered_venue(district)
    with force_locale("vi"):
        problems = {code: str(label) for code, label in PROBLEM_LABELS.items()}
    rows = []
    for number, (commune, example) in enumerate(
        zip(sample_communes(district), CITIZEN_EXAMPLES, strict=False), start=1
    ):
        problem, place, days_ago, at, details, phone = example
        received = clock.as_stored(
            datetime.combine(today - timedelta(days=days_ago), at, tzinfo=clock.VIETNAM)
        )
        values = {
            "source_ref": f"PA-{today:%Y%m%d}-{number:03d}",
            "venue_code": "",
            "venue_name": place,
            "commune": _unit(commune),
            "problem": problems[problem],
            "details": details,
            "received": clock.moment_text(received),
            "contact_phone": phone,
        }
        if number == 1 and venue is not None:
            values.update(
                venue_code=venue.code, venue_name=venue.name, commune=_unit(venue.commune)
            )
        rows.append([values[name] for name in citizen_importer.HEADERS])
    return Sample("mau-phan-anh-nguoi-dan.xlsx", sample_workbook(titles, rows))
