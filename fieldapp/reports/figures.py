"""The national figures per commune: imported from the spreadsheets district offices receive,
or typed in by hand, checked, and saved.

A spreadsheet is read whole into a preview first: every row with the commune it matched or
the reason it is refused. Nothing is written until the preview is applied, and then only its
accepted rows, in one transaction, each replacing that commune's figures for the date. Typed
figures are checked line by line the same way before anything is saved.

A re-import never blanks figures silently: when a commune's figures of the date had installs
or smartphones that the new sheet does not give (the column is missing or the cell blank),
the preview lists them, and applying it keeps them unless the user ticks to remove them.
Each import also keeps the communes' order in the sheet (its STT, else its rows' order) as
`Commune.sheet_order`: the reports and the letter's appendix follow it
(fieldapp/reports/weekly.py's `official_order`).
"""

import re
from dataclasses import dataclass, field
from datetime import date

from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from fieldapp import clock
from fieldapp.audit import record_event
from fieldapp.extensions import db
from fieldapp.models import Commune, CommuneFigures, District, User
from fieldapp.places import LEVEL_KINDS, PlaceIndex, name_and_kind, unit_word
from fieldapp.reports.notice import vn_date, vn_month
from fieldapp.spreadsheets import SheetUnreadable, cell_text, read_table
from fieldapp.text import fold, search_text

# What a spreadsheet's columns can hold; the first three columns of the official appendix
# (STT, Huyện, Thị trấn/xã) identify the row, the rest are figures.
FIELD_LABELS = {
    "district": _l("District"),
    "commune": _l("Commune"),
    "venues_with_qr": _l("Venues with a QR code"),
    "scans": _l("Total scans"),
    "installs": _l("PC-Covid installs"),
    "smartphones": _l("Smartphones"),
}
REQUIRED = ("commune", "venues_with_qr", "scans")
COUNTS = ("venues_with_qr", "scans", "installs", "smartphones")
# The counts a sheet may leave out; a re-import keeps those stored unless told to remove them.
OPTIONAL_COUNTS = ("installs", "smartphones")
MAX_ROWS = 2000
MAX_COLUMNS = 60
MAX_COUNT = 2_000_000_000  # fits the database's integer column


def _words(text) -> set[str]:
    return set(search_text(str(text or "")).split())


def header_field(header) -> str | None:
    """The field a header names, from its words, whatever the accents, case and extra words.

    "Tổng số địa điểm tạo mã QR", "Tổng lượt quét", "Thị trấn /xã", "Số máy cài PC-Covid"...
    A header that fits no field, or several, is left for the user to map.
    """
    words = _words(header)
    text = " ".join(search_text(str(header or "")).split())
    candidates = []
    if "quet" in words or "scans" in words or "scan" in words:
        candidates.append("scans")
    if ("dia" in words and "diem" in words) or "venues" in words or "qr" in words:
        if "quet" not in words:
            candidates.append("venues_with_qr")
    if "smartphone" in words or "smartphones" in words or "thong minh" in text:
        candidates.append("smartphones")
    elif "cai" in words or "installs" in words or "pc-covid" in words or "pc covid" in text:
        candidates.append("installs")
    if not candidates:
        if "huyen" in words or "district" in words:
            candidates.append("district")
        if words & {"xa", "phuong", "commune", "ward"} or "thi tran" in text or "don vi" in text:
            candidates.append("commune")
    return candidates[0] if len(candidates) == 1 else None


def guess_columns(headers: list[str]) -> dict[str, int]:
    """Map fields to column indexes by their headers; a field two headers claim stays unmapped."""
    claims: dict[str, list[int]] = {}
    for index, header in enumerate(headers):
        name = header_field(header)
        if name:
            claims.setdefault(name, []).append(index)
    return {name: columns[0] for name, columns in claims.items() if len(columns) == 1}


@dataclass
class Sheet:
    headers: list[str]
    header_row: int  # as the spreadsheet numbers it, from 1
    rows: list[tuple[int, list]]  # (row number, cells)


def read_sheet(content: bytes, filename: str) -> Sheet:
    """The first worksheet of an XLSX file, or a CSV file, with its header row found."""
    rows = read_table(content, filename, MAX_ROWS + 30, MAX_COLUMNS).rows
    rows = [["" if cell is None else cell for cell in row] for row in rows]
    filled = [i for i, row in enumerate(rows) if sum(str(c).strip() != "" for c in row) >= 2]
    if not filled:
        raise SheetUnreadable(_("The spreadsheet has no table."))
    # The header is the row among the first ones whose cells name the most fields; titles
    # and merged banner rows above it name none.
    candidates = filled[:20]
    header_index = max(
        candidates, key=lambda i: (len(guess_columns([str(c) for c in rows[i]])), -i)
    )
    headers = [str(cell).strip() for cell in rows[header_index]]
    body = [(i + 1, row) for i, row in enumerate(rows) if i > header_index]
    return Sheet(headers=headers, header_row=header_index + 1, rows=body[:MAX_ROWS])


class BadCount(ValueError):
    pass


def installs_problem(commune: Commune, figures: dict[str, int | None]) -> str | None:
    """Why a commune's figures cannot be right: more PC-Covid installs than smartphones
    (an install rate over 100 %); None when they can. The typed form and the spreadsheet
    import both ask this."""
    installs, smartphones = figures.get("installs"), figures.get("smartphones")
    if installs is None or smartphones is None or installs <= smartphones:
        return None
    return _(
        "%(commune)s: %(installs)s PC-Covid installs is more than its %(smartphones)s "
        "smartphones (an install rate over 100%%).",
        commune=commune.name,
        installs=format_decimal(installs, format="#,##0"),
        smartphones=format_decimal(smartphones, format="#,##0"),
    )


_GROUPED = re.compile(r"^\d{1,3}([.,])\d{3}(\1\d{3})*$")


def parse_count(value) -> int | None:
    """A count as written in a spreadsheet: 4336, "4.336", "4,336", "4 336"; blank is None."""
    if isinstance(value, bool):
        raise BadCount(str(value))
    if isinstance(value, int):
        number = value
    elif isinstance(value, float):
        if not value.is_integer():
            raise BadCount(str(value))
        number = int(value)
    else:
        text = str(value or "").strip().replace("\u00a0", "").replace(" ", "")
        if text in ("", "-", "—", "–"):
            return None
        negative = text.startswith("-")
        digits = text[1:] if negative else text
        if digits.isascii() and digits.isdigit():
            number = int(digits)
        elif _GROUPED.match(digits):
            number = int(re.sub(r"[.,]", "", digits))
        else:
            raise BadCount(text)
        number = -number if negative else number
    if number < 0:
        raise BadCount(str(number))
    if number > MAX_COUNT:
        raise BadCount(str(number))
    return number


@dataclass
class PreviewRow:
    number: int
    cells: dict[str, str]
    commune: Commune | None = None
    figures: dict[str, int | None] = field(default_factory=dict)
    problem: str = ""
    skipped: str = ""  # a blank or total row, not imported and not an error
    replaces: bool = False
    stt: int | None = None  # the row's STT, when it is a number
    # Figures of the date stored for this commune that the sheet does not give: kept unless
    # the preview is applied with remove_omitted (by field name, the stored value).
    omitted: dict[str, int] = field(default_factory=dict)

    @property
    def accepted(self) -> bool:
        return self.commune is not None and not self.problem and not self.skipped


@dataclass
class ImportPreview:
    district: District
    report_date: date
    headers: list[str]
    header_row: int
    mapping: dict[str, int]
    rows: list[PreviewRow]
    date_problem: str = ""
    # Remove the stored figures the sheet leaves out (ticked by the user), rather than keep
    # them (the default).
    remove_omitted: bool = False

    @property
    def omissions(self) -> list[PreviewRow]:
        """The accepted rows whose stored installs or smartphones the sheet leaves out."""
        return [row for row in self.accepted if row.omitted]

    def figures_to_save(self, row: PreviewRow) -> dict[str, int | None]:
        """What applying saves for a row: its figures, plus the stored ones it leaves out
        unless they are to be removed."""
        if self.remove_omitted:
            return dict(row.figures)
        return {**row.figures, **row.omitted}

    def sheet_orders(self) -> dict[int, int]:
        """Each accepted commune's place in the sheet, by commune id: its STT when every
        accepted row has a numeric one, else its row number (the rows' order)."""
        rows = self.accepted
        numbered = all(row.stt is not None for row in rows)
        return {row.commune.id: row.stt if numbered else row.number for row in rows}

    def district_kind(self) -> str | None:
        """The kind of district the sheet's district column says by its prefix ("Quận Ba
        Đình" → "quan", "Thị xã Bỉm Sơn" → "thi_xa"), the first accepted row that says one;
        None when no row does."""
        for row in self.accepted:
            kind = name_and_kind(row.cells.get("district"), "district")[1]
            if kind is not None:
                return kind
        return None

    @property
    def missing_fields(self) -> list[str]:
        return [name for name in REQUIRED if name not in self.mapping]

    @property
    def accepted(self) -> list[PreviewRow]:
        return [row for row in self.rows if row.accepted]

    @property
    def refused(self) -> list[PreviewRow]:
        return [row for row in self.rows if row.problem]

    @property
    def can_apply(self) -> bool:
        return not self.date_problem and not self.missing_fields and bool(self.accepted)


def _cell(row: list, column: int | None) -> str:
    if column is None or column >= len(row):
        return ""
    return cell_text(row[column])


# "Toàn huyện", "Cộng toàn quận", "Toàn thị xã", "Toàn thành phố": a total row of any kind
# of district.
_TOTALS = {"tong", "cong", "total", "tong so", "tong cong"} | {
    f"{lead}{fold(unit_word(kind))}"
    for kind in LEVEL_KINDS["district"]
    for lead in ("toan ", "cong toan ")
}


def _is_total(commune_cell: str, stt_cell: str) -> bool:
    """ "Tổng cộng", "Cộng", "Toàn huyện"... but not the communes Cộng Hòa or Tông Lạnh."""
    for cell in (commune_cell, stt_cell):
        key = " ".join(search_text(cell).split())
        if key in _TOTALS or key.startswith(("tong cong ", "total ")):
            return True
    return False


def preview_import(
    sheet: Sheet,
    district: District,
    report_date: date,
    today: date,
    mapping: dict[str, int] | None = None,
    remove_omitted: bool = False,
) -> ImportPreview:
    """Read every row against the district's communes; nothing is written."""
    columns = guess_columns(sheet.headers) if mapping is None else dict(mapping)
    preview = ImportPreview(
        district=district,
        report_date=report_date,
        headers=sheet.headers,
        header_row=sheet.header_row,
        mapping=columns,
        rows=[],
        remove_omitted=remove_omitted,
    )
    preview.date_problem = report_date_problem(report_date, today) or ""
    communes = PlaceIndex(district.communes)
    existing = figures_on(district.communes, report_date)
    seen: dict[int, PreviewRow] = {}
    for number, raw in sheet.rows:
        cells = {name: _cell(raw, column) for name, column in columns.items()}
        row = PreviewRow(number=number, cells=cells)
        stt = _cell(raw, 0)
        # Blank rows are not worth a line in the report; a district name spread over a
        # blank row by a merged cell does not make it less blank.
        if not any(_cell(raw, i) for i in range(len(raw))) or (
            not stt
            and not any(v for k, v in cells.items() if k != "district")
            and not preview.missing_fields
        ):
            continue
        if preview.missing_fields:
            row.skipped = _("not read: map the columns first")
        elif _is_total(cells.get("commune", ""), stt):
            row.skipped = _("total row, not imported")
        else:
            _check_row(row, communes, district, seen)
            stored = existing.get(row.commune.id) if row.commune is not None else None
            row.replaces = stored is not None
            row.stt = _stt(stt)
            if stored is not None and row.accepted:
                row.omitted = {
                    name: getattr(stored, name)
                    for name in OPTIONAL_COUNTS
                    if getattr(stored, name) is not None and row.figures.get(name) is None
                }
            if row.accepted:  # as applying would save it, kept figures included
                row.problem = installs_problem(row.commune, preview.figures_to_save(row)) or ""
        preview.rows.append(row)
    return preview


def _stt(cell: str) -> int | None:
    """A row's STT as a number ("7", "07", "7."), or None."""
    text = cell.strip().rstrip(".")
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 6 else None


def _check_row(row: PreviewRow, communes: PlaceIndex, district, seen) -> None:
    cells = row.cells
    if cells.get("district") and PlaceIndex([district]).find(cells["district"]) is not district:
        row.problem = _(
            "belongs to %(other)s, not %(district)s",
            other=cells["district"],
            district=district.name,
        )
        return
    name = cells.get("commune", "")
    if not name:
        row.problem = _("no commune named")
        return
    commune = communes.find(name)
    if commune is None:
        row.problem = _(
            "%(name)s matches no commune of %(district)s", name=name, district=district.name
        )
        return
    row.commune = commune
    first = seen.setdefault(commune.id, row)
    if first is not row:
        row.problem = _("%(name)s is also in row %(row)s", name=commune.name, row=first.number)
        if not first.problem:
            first.problem = _("%(name)s is also in row %(row)s", name=commune.name, row=row.number)
        return
    for name_ in COUNTS:
        if name_ not in cells:
            continue
        try:
            row.figures[name_] = parse_count(cells[name_])
        except BadCount:
            row.problem = _(
                "%(field)s: “%(value)s” is not a whole number of zero or more",
                field=FIELD_LABELS[name_],
                value=cells[name_],
            )
            return
    for name_ in ("venues_with_qr", "scans"):
        if row.figures.get(name_) is None:
            row.problem = _("%(field)s is empty", field=FIELD_LABELS[name_])
            return


def save_figures(
    entries: dict[Commune, dict[str, int | None]],
    report_date: date,
    user: User | None,
    source: str = "",
    detail: dict | None = None,
) -> int:
    """Write each commune's figures for the date, replacing what was there, and audit it
    (which communes, which were overwritten; `detail` says who ran a command); the caller
    commits."""
    existing = {
        f.commune_id: f
        for f in db.session.scalars(
            select(CommuneFigures).where(
                CommuneFigures.report_date == report_date,
                CommuneFigures.commune_id.in_([c.id for c in entries]),
            )
        )
    }
    now = clock.utcnow()
    # Communes whose numbers are rewritten as they were (an import run again): the
    # province's copy of a sent letter is still right (reports/deadlines.py).
    unchanged = [
        commune.name
        for commune, figures in entries.items()
        if commune.id in existing and _numbers(existing[commune.id]) == _numbers(figures)
    ]
    for commune, figures in entries.items():
        row = existing.get(commune.id)
        if row is None:
            row = CommuneFigures(commune_id=commune.id, report_date=report_date)
            db.session.add(row)
        row.venues_with_qr = figures["venues_with_qr"]
        row.scans = figures["scans"]
        row.installs = figures.get("installs")
        row.smartphones = figures.get("smartphones")
        row.source = source[:200]
        row.entered_by_id = user.id if user else None
        row.entered_at = now
    if entries:
        record_event(
            "figures_saved",
            user,
            entity="figures",
            detail={
                "date": report_date.isoformat(),
                "communes": [commune.name for commune in entries],
                "overwritten": [c.name for c in entries if c.id in existing],
                "unchanged": unchanged,
                "source": source[:200],
                **(detail or {}),
            },
            district_id=next(iter(entries)).district_id,
        )
    db.session.flush()
    return len(entries)


def _numbers(figures) -> tuple:
    """A commune's four numbers, from a stored row or a dict of typed ones, to compare."""
    if isinstance(figures, dict):
        return tuple(figures.get(name) for name in COUNTS)
    return tuple(getattr(figures, name) for name in COUNTS)


# Typing figures in by hand ------------------------------------------------------------------


def figures_on(communes, report_date: date) -> dict[int, CommuneFigures]:
    """The figures already entered for these communes on a report date, by commune id."""
    return {
        f.commune_id: f
        for f in db.session.scalars(
            select(CommuneFigures).where(
                CommuneFigures.report_date == report_date,
                CommuneFigures.commune_id.in_([c.id for c in communes]),
            )
        )
    }


def field_name(count: str, commune: Commune) -> str:
    """The form field of one count of one commune: "scans-12"."""
    return f"{count}-{commune.id}"


def removal_field(commune: Commune) -> str:
    """The form's "Remove this commune's figures" box of one commune: "clear-12"."""
    return f"clear-{commune.id}"


@dataclass
class TypedFigures:
    """What the manual entry form will save: figures per commune, the figures to remove (of
    the communes ticked "Remove"), and the errors by form field ("date" for the form)."""

    entries: dict[Commune, dict[str, int | None]] = field(default_factory=dict)
    cleared: list[CommuneFigures] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)


def report_date_problem(report_date: date, today: date, month: bool = False) -> str | None:
    """Why figures cannot be given for this report date (one in the future), or None. The
    same rule refuses a report, a letter or an export of a date to come, and with `month`
    (`report_date` its first day) a month that has not begun, on screen and from the
    command line."""
    if report_date <= today:
        return None
    if month:
        return _("The month %(month)s is in the future.", month=vn_month(report_date))
    return _("The report date %(date)s is in the future.", date=vn_date(report_date))


def check_typed_figures(
    communes,
    existing: dict[int, CommuneFigures],
    typed: dict[str, str],
    report_date: date,
    today: date,
    remove: set[int] = frozenset(),
) -> TypedFigures:
    """Check the figures typed in, one line per commune. A blank line changes nothing:
    a commune's figures are removed only when it is ticked (its id in `remove`)."""
    result = TypedFigures()
    if problem := report_date_problem(report_date, today):
        result.errors["date"] = problem
    for commune in communes:
        line = {name: typed.get(field_name(name, commune), "") for name in COUNTS}
        if commune.id in remove and commune.id in existing:
            # The form comes filled with the stored figures: ticking "Remove" and saving
            # removes them. Only figures changed as well as ticked are ambiguous.
            if _changed(line, existing[commune.id]):
                result.errors[field_name("venues_with_qr", commune)] = _(
                    "Either type the figures or tick “Remove”, not both."
                )
            else:
                result.cleared.append(existing[commune.id])
            continue
        if not any(line.values()):
            continue
        figures = {}
        for name, text in line.items():
            try:
                figures[name] = parse_count(text)
            except BadCount:
                result.errors[field_name(name, commune)] = _(
                    "Enter a whole number of zero or more."
                )
        for name in ("venues_with_qr", "scans"):
            key = field_name(name, commune)
            if key not in result.errors and figures.get(name) is None:
                result.errors[key] = _("Required when the commune has figures.")
        key = field_name("installs", commune)
        if key not in result.errors and (problem := installs_problem(commune, figures)):
            result.errors[key] = problem
        result.entries[commune] = figures
    if not result.entries and not result.cleared and not result.errors:
        result.errors["date"] = _("Type the figures of at least one commune.")
    return result


def _changed(line: dict[str, str], stored: CommuneFigures) -> bool:
    """Whether a commune's line says other figures than those stored (a blank line or the
    stored figures as the form showed them, "1.234" or "1234", are not a change)."""
    if not any(line.values()):
        return False
    for name, text in line.items():
        try:
            if parse_count(text) != getattr(stored, name):
                return True
        except BadCount:
            return True
    return False


def removal_key(typed: TypedFigures) -> str:
    """What a confirmation of the removal names: the ids of the communes whose figures go
    ("12,15"). Saving removes them only when the form says the same (the user confirmed
    exactly these; a box ticked after the confirmation asks again)."""
    return ",".join(
        str(row.commune_id) for row in sorted(typed.cleared, key=lambda r: r.commune_id)
    )


def save_typed_figures(typed: TypedFigures, report_date: date, user: User | None) -> None:
    """Save checked figures and remove those of the communes emptied; the caller commits."""
    save_figures(typed.entries, report_date, user)
    for row in typed.cleared:
        db.session.delete(row)
    if typed.cleared:
        record_event(
            "figures_removed",
            user,
            entity="figures",
            detail={
                "date": report_date.isoformat(),
                "communes": [row.commune.name for row in typed.cleared],
                # The counts removed, so that a removal by mistake can be typed again.
                "removed_counts": {
                    row.commune.name: {name: getattr(row, name) for name in COUNTS}
                    for row in typed.cleared
                },
            },
            district_id=typed.cleared[0].commune.district_id,
        )
    db.session.flush()


def apply_import(
    preview: ImportPreview, user: User | None, source: str, detail: dict | None = None
) -> int:
    """Save the preview's accepted rows, keeping (or removing, as the preview says) the
    stored figures the sheet leaves out, and keep the sheet's order of the communes; a
    preview that cannot be applied writes nothing."""
    if not preview.can_apply:
        return 0
    omitted = {
        row.commune.name: sorted(row.omitted) for row in preview.omissions
    }  # for the audit trail
    if omitted:
        key = "removed_figures" if preview.remove_omitted else "kept_figures"
        detail = {**(detail or {}), key: omitted}
    for commune_id, order in preview.sheet_orders().items():
        db.session.get(Commune, commune_id).sheet_order = order
    kind = preview.district_kind()
    if kind is not None:  # the sheet writes "Quận Ba Đình": the district is a quận
        preview.district.kind = kind
    return save_figures(
        {row.commune: preview.figures_to_save(row) for row in preview.accepted},
        preview.report_date,
        user,
        source,
        detail,
    )
