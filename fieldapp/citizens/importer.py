"""Importing citizens' reports from the national system's CSV or XLSX export.

Every row is checked before anything is written (the check is the preview): it creates a
report, joins an open report of the same venue and problem as "+1" (intake's rule), is
skipped because its reference was imported before, or is refused with its reasons, by its
row number as a spreadsheet shows it. Then the good rows are received together, in the
order they were received, each through `intake.receive_report`. The caller commits.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from fieldapp import clock
from fieldapp.audit import record_event
from fieldapp.citizens.intake import JOIN_WITHIN, open_report_to_join, receive_report
from fieldapp.citizens.labels import PROBLEM_LABELS
from fieldapp.extensions import db
from fieldapp.models import (
    CitizenReport,
    CitizenReportJoin,
    Commune,
    District,
    NationalReportRef,
    User,
    Venue,
)
from fieldapp.models.citizen_report import PROBLEMS
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
from fieldapp.text import fold

# Header spellings accepted for each field (English, then Vietnamese); compared folded.
HEADERS = {
    "source_ref": (
        "reference",
        "ref",
        "report reference",
        "mã phản ánh",
        "số phản ánh",
        "mã số phản ánh",
        "mã hồ sơ",
    ),
    "venue_code": ("venue code", "mã địa điểm", "mã điểm"),
    "venue_name": ("venue", "venue name", "place", "tên địa điểm", "địa điểm"),
    "commune": COMMUNE_HEADERS,
    "problem": ("problem", "type", "kind", "loại", "loại phản ánh", "vấn đề", "nội dung vi phạm"),
    "details": ("details", "description", "nội dung", "nội dung phản ánh", "mô tả"),
    "received": (
        "received",
        "received at",
        "time",
        "thời gian",
        "thời gian nhận",
        "thời gian phản ánh",
        "ngày giờ",
    ),
    "contact_phone": (
        "contact",
        "contact phone",
        "phone",
        "số điện thoại",
        "điện thoại",
        "sđt",
        "liên hệ",
    ),
}
# What a missing column is called in the refusal.
COLUMN_HINTS = {
    "source_ref": "reference / mã phản ánh",
    "problem": "problem / loại",
    "received": "received / thời gian",
    "venue_code": "venue code / mã địa điểm",
}
# How the national system and people write each kind of problem (English labels, then
# Vietnamese); the stored codes are accepted too. Compared folded.
PROBLEM_NAMES = {
    "no_qr": (
        "no qr code",
        "no qr code posted",
        "không có mã qr",
        "không niêm yết mã qr",
        "chưa niêm yết mã qr",
        "không có mã",
    ),
    "qr_not_working": (
        "the code does not work",
        "code does not work",
        "qr code not working",
        "mã qr không hoạt động",
        "mã qr không quét được",
        "không quét được mã",
        "mã qr của địa điểm khác",
        "mã qr sai",
    ),
    "not_checked": (
        "nobody checks",
        "nobody checks the scan",
        "not checked",
        "không kiểm tra quét mã",
        "không kiểm tra",
        "không yêu cầu quét mã",
    ),
    "other": ("other", "khác"),
}
MAX_ROWS = 5_000  # the national system's export of a district's reports, a month at most
MAX_COLUMNS = 40
MAX_BYTES = 5_000_000  # 5,000 rows of CSV are about 2 MB
# Column widths of the citizen_report table.
MAX_LENGTHS = {"source_ref": 64, "venue_name": 300, "contact_phone": 20, "details": 4000}


class FileRefused(Exception):
    """The whole file cannot be read as a list of reports; the message says why."""


@dataclass
class ReportRow:
    """One row of the file: what it says, and what importing it will do."""

    number: int
    values: dict[str, str]  # the cells by field, as text
    problems: list = field(default_factory=list)  # lazily translated reasons to refuse it
    known: bool = False  # its reference was imported before: skipped
    commune: Commune | None = None
    venue: Venue | None = None
    place: str = ""  # a place not in the registry, when no venue is found by its name
    problem: str = ""
    received_at: datetime | None = None
    joins_report: str = ""  # the tracking code of the open report it joins as +1
    joins_row: int = 0  # or the earlier row of the file it joins as +1

    @property
    def action(self) -> str:
        """ "create", "join" (+1), "known" (imported before) or "refuse"."""
        if self.problems:
            return "refuse"
        if self.known:
            return "known"
        return "join" if self.joins_report or self.joins_row else "create"


@dataclass
class CitizenImport:
    rows: list[ReportRow] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)  # the fields the file has, in order
    titles: dict[str, str] = field(default_factory=dict)  # their headers, as in the file
    ignored_columns: list[str] = field(default_factory=list)
    refused: str | None = None  # why the whole file was refused, if it was
    created: list[CitizenReport] = field(default_factory=list)
    joined: list[CitizenReport] = field(default_factory=list)
    applied: bool = False

    def rows_to(self, action: str) -> list[ReportRow]:
        return [row for row in self.rows if row.action == action]

    @property
    def can_apply(self) -> bool:
        """Whether importing would receive any report."""
        return self.refused is None and any(row.action in ("create", "join") for row in self.rows)


def problem_names() -> dict[str, str]:
    """Every accepted way to write a kind of problem, folded, mapped to its code: the app's
    own labels in each of its languages too (what its screens and exports show)."""
    names = {folded_key(code): code for code in PROBLEMS}
    for locale in current_app.config["LANGUAGES"]:
        with force_locale(locale):
            names.update({folded_key(str(label)): code for code, label in PROBLEM_LABELS.items()})
    for code, spellings in PROBLEM_NAMES.items():
        names.update({folded_key(spelling): code for spelling in spellings})
    return names


def _received_at(value) -> datetime | None:
    """A cell's moment in Vietnam's time as stored UTC: typed DD/MM/YYYY HH:MM, or an XLSX
    date-time cell (which holds the wall-clock time as typed)."""
    if isinstance(value, datetime):
        return clock.as_stored(value.replace(tzinfo=clock.VIETNAM))
    return clock.parse_moment(cell_text(value))


def _read(source, filename: str) -> tuple[list[str], list[tuple[int, list]]]:
    if hasattr(source, "read"):
        source = source.read()
    if len(source) > MAX_BYTES:
        raise FileRefused(
            _l(
                "The file is larger than %(mb)s MB: export fewer reports at a time.",
                mb=MAX_BYTES // 1_000_000,
            )
        )
    try:
        return header_and_rows(source, filename, MAX_ROWS, MAX_COLUMNS)
    except SheetUnreadable as error:
        raise FileRefused(error.args[0]) from error
    except TooManyRows:
        raise FileRefused(
            _l("The file has more than %(n)s reports: split it into several files.", n=MAX_ROWS)
        ) from None


def _columns(header: list[str]) -> tuple[dict[str, int], list[str]]:
    try:
        columns, ignored = match_columns(header, HEADERS)
    except SheetUnreadable as error:
        raise FileRefused(error.args[0]) from error
    missing = [name for name in ("source_ref", "problem", "received") if name not in columns]
    if "venue_code" not in columns and "commune" not in columns:
        missing.append("venue_code")
    if missing:
        expected = ", ".join(COLUMN_HINTS[name] for name in missing)
        raise FileRefused(
            _l(
                "The file has no column for: %(expected)s. The first row must name the "
                "columns (a venue code, or a venue's name and its commune); nothing was "
                "imported.",
                expected=expected,
            )
        )
    return columns, ignored


def known_refs(refs: list[str]) -> set[str]:
    """The references among these that were imported (or entered) before."""
    found: set[str] = set()
    for start in range(0, len(refs), 500):
        chunk = refs[start : start + 500]
        found.update(
            db.session.scalars(
                select(NationalReportRef.source_ref).where(NationalReportRef.source_ref.in_(chunk))
            )
        )
        found.update(
            db.session.scalars(
                select(CitizenReport.source_ref).where(CitizenReport.source_ref.in_(chunk))
            )
        )
        found.update(
            db.session.scalars(
                select(CitizenReportJoin.source_ref).where(CitizenReportJoin.source_ref.in_(chunk))
            )
        )
    return found


def check_reports(source, district: District, filename: str = "reports.csv") -> CitizenImport:
    """Read the national system's reports (bytes or a stream; CSV or XLSX) and decide each
    row for the district: create, join as +1, skip as imported before, or refuse. Nothing is
    written."""
    report = CitizenImport()
    try:
        header, body = _read(source, filename)
        columns, report.ignored_columns = _columns(header)
    except FileRefused as refusal:
        report.refused = refusal.args[0]
        return report
    if not body:
        report.refused = _l("The file has a header but no reports.")
        return report
    report.columns = sorted(columns, key=columns.get)
    report.titles = {name: header[index].strip() for name, index in columns.items()}

    def raw(cells: list, name: str):
        index = columns.get(name)
        return cells[index] if index is not None and index < len(cells) else None

    communes = PlaceIndex(district.communes)
    commune_ids = {commune.id for commune in district.communes}
    problems = problem_names()
    refs_rows: dict[str, list[int]] = defaultdict(list)
    for number, cells in body:
        ref = cell_text(raw(cells, "source_ref"))
        if ref:
            refs_rows[ref].append(number)
    known = known_refs(list(refs_rows))
    codes = {cell_text(raw(cells, "venue_code")) for _, cells in body} - {""}
    venues_by_code = {
        venue.code: venue
        for venue in db.session.scalars(select(Venue).where(Venue.code.in_(sorted(codes))))
    }
    names_in: dict[int, dict[str, list[Venue]]] = {}

    def venues_named(commune: Commune, name: str) -> list[Venue]:
        if commune.id not in names_in:
            by_name = names_in[commune.id] = defaultdict(list)
            for venue in db.session.scalars(select(Venue).where(Venue.commune_id == commune.id)):
                by_name[fold(venue.name)].append(venue)
        return names_in[commune.id].get(fold(name), [])

    for number, cells in body:
        values = {name: cell_text(raw(cells, name)) for name in HEADERS}
        row = ReportRow(number, values)
        report.rows.append(row)
        refuse = row.problems.append

        ref = values["source_ref"]
        if not ref:
            refuse(_l("The reference is empty."))
        elif len(refs_rows[ref]) > 1 and refs_rows[ref][0] != number:
            refuse(
                _l("The reference %(ref)s is also on row %(row)s.", ref=ref, row=refs_rows[ref][0])
            )
        elif ref in known:
            row.known = True

        row.problem = problems.get(folded_key(values["problem"]), "")
        if not values["problem"]:
            refuse(_l("The problem is empty."))
        elif not row.problem:
            refuse(
                _l(
                    "“%(problem)s” is not a kind of report: write no QR code, the code does "
                    "not work, nobody checks, or other.",
                    problem=values["problem"],
                )
            )

        row.received_at = _received_at(raw(cells, "received"))
        if not values["received"]:
            refuse(_l("The time received is empty."))
        elif row.received_at is None:
            refuse(
                _l(
                    "“%(value)s” is not a time: write it as DD/MM/YYYY HH:MM.",
                    value=values["received"],
                )
            )
        elif row.received_at > clock.utcnow():
            refuse(_l("The time received %(value)s is in the future.", value=values["received"]))

        _place_of(row, district, communes, commune_ids, venues_by_code, venues_named)

        for name, limit in MAX_LENGTHS.items():
            if len(values[name]) > limit:
                refuse(
                    _l(
                        "%(column)s is longer than %(limit)s characters.",
                        column=report.titles.get(name, name),
                        limit=limit,
                    )
                )
    _predict_joins(report)
    return report


def _place_of(row, district, communes, commune_ids, venues_by_code, venues_named) -> None:
    """The row's commune and venue (by its code, else by its name in the commune), or a place
    not in the registry; another district's venue or commune is refused."""
    values, refuse = row.values, row.problems.append
    commune = communes.find(values["commune"]) if values["commune"] else None
    if values["commune"] and commune is None:
        refuse(
            _l(
                "“%(commune)s” is not a commune of %(district)s.",
                commune=values["commune"],
                district=district.name,
            )
        )
        return
    if values["venue_code"]:
        venue = venues_by_code.get(values["venue_code"])
        if venue is None or venue.commune_id not in commune_ids:
            # Codes are unique, but a district is not told that another one has a code.
            refuse(
                _l(
                    "No venue of %(district)s has the code %(code)s.",
                    district=district.name,
                    code=values["venue_code"],
                )
            )
        elif commune is not None and venue.commune_id != commune.id:
            refuse(
                _l(
                    "The venue %(code)s is in %(commune)s, not in %(written)s.",
                    code=venue.code,
                    commune=venue.commune.name,
                    written=values["commune"],
                )
            )
        else:
            row.venue, row.commune = venue, venue.commune
        return
    if commune is None:
        refuse(_l("Give the venue's code, or its name and commune."))
        return
    row.commune = commune
    if not values["venue_name"]:
        refuse(_l("Give the venue's code, or its name and commune."))
        return
    named = venues_named(commune, values["venue_name"])
    if len(named) > 1:
        refuse(
            _l(
                "%(commune)s has several venues named “%(name)s”: give the venue's code.",
                commune=commune.name,
                name=values["venue_name"],
            )
        )
    elif named:
        row.venue = named[0]
    else:
        row.place = values["venue_name"]  # a place not in the registry


def _predict_joins(report: CitizenImport) -> None:
    """Which rows will join an open report as +1, as `receive_report` will decide when the
    rows are received in their time order: an open report already here, or an earlier row."""
    created: dict[tuple[int, str], list[ReportRow]] = defaultdict(list)
    for row in sorted(report.rows, key=_receiving_order):
        if row.action != "create" or row.venue is None:
            continue
        key = (row.venue.id, row.problem)
        earlier = next(
            (
                other
                for other in created[key]
                if abs(other.received_at - row.received_at) <= JOIN_WITHIN
            ),
            None,
        )
        if earlier is not None:
            row.joins_row = earlier.number
            continue
        existing = open_report_to_join(row.venue, row.problem, row.received_at)
        if existing is not None:
            row.joins_report = existing.tracking_code
            continue
        created[key].append(row)


def _receiving_order(row: ReportRow):
    return (row.received_at or datetime.min, row.number)


def apply_import(
    report: CitizenImport, imported_by: User, district: District, source: str = ""
) -> CitizenImport:
    """Receive the checked rows through `intake.receive_report`, oldest first, each keeping
    its reference, and audit the import; refused and known rows write nothing. The caller
    commits (one transaction)."""
    if report.refused is not None or report.applied:
        return report
    for row in sorted(report.rows, key=_receiving_order):
        if row.action not in ("create", "join"):
            continue
        received, joined = receive_report(
            commune=row.commune,
            venue=row.venue,
            place=row.place,
            problem=row.problem,
            details=row.values["details"],
            contact_phone=row.values["contact_phone"],
            channel="national",
            received_at=row.received_at,
            source_ref=row.values["source_ref"],
            entered_by=imported_by,
        )
        (report.joined if joined else report.created).append(received)
        db.session.add(
            NationalReportRef(source_ref=row.values["source_ref"], report_id=received.id)
        )
    db.session.flush()
    record_event(
        "citizen_reports_imported",
        imported_by,
        entity="citizen_report",
        district_id=district.id,
        detail={
            "file": source,
            "created": len(report.created),
            "joined": len(report.joined),
            "known": len(report.rows_to("known")),
            "refused": len(report.rows_to("refuse")),
        },
    )
    report.applied = True
    return report
