"""Reading the spreadsheets offices receive and keep: CSV or XLSX, into rows of cells; and
writing the sample an import offers (`sample_workbook`).

One reader for the venue registry and the national figures. CSV comes in UTF-8 (with or
without the byte order mark Excel writes), Windows-1258 (Vietnamese Windows) or
Windows-1252, with ',', ';' (Excel where ',' is the decimal mark) or tabs between cells. XLSX
is read by openpyxl in read-only mode (defusedxml guards its XML parser), so a file's size,
not what it claims, bounds the work: a merged range is spread only over the rows and
columns really read.
"""

import contextlib
import csv
import io
import re
import unicodedata
import zipfile
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font
from openpyxl.utils.cell import get_column_letter, range_boundaries

from fieldapp import clock
from fieldapp.text import clean_text, fold

# An XLSX is a zip of XML: refuse one that unpacks to more than this (a "zip bomb"). A
# registry of 20,000 venues unpacks to about 11 MB. Without its <dimension> tag a sheet is
# parsed whole once by openpyxl, about 0.4 s a megabyte: this bounds that too.
MAX_UNPACKED_BYTES = 25_000_000
# A sheet (its declared size, or a merged range) past these is refused before it is read: the
# largest registry has 20,000 venues below a few title rows; the importers read 60 columns.
MAX_SHEET_ROWS = 21_000
MAX_SHEET_COLUMNS = 60
# A CSV registry of 20,000 venues is about 5 MB.
MAX_CSV_BYTES = 25_000_000
_DIMENSION = re.compile(rb'<(?:[A-Za-z_][\w.-]*:)?dimension\s[^>]*?\bref="([^"]{1,40})"')
DELIMITERS = (",", ";", "\t")
_MERGE_CELL = re.compile(rb'<(?:[A-Za-z_][\w.-]*:)?mergeCell\s[^>]*?\bref="([^"]{1,40})"')
# Letters only Windows-1258 gives Vietnamese text: tone marks after the vowel, ă đ ơ ư ₫.
_VIETNAMESE_1258 = set("\u0300\u0301\u0303\u0309\u0323ăĂđĐơƠưƯ₫")


class TooManyRows(Exception):
    """A sheet with more rows below its header than the import takes."""


class SheetUnreadable(Exception):
    """The file is not a CSV or XLSX spreadsheet this app can read; the message says why."""

    def __str__(self) -> str:
        return str(self.args[0])


@dataclass
class Table:
    """A sheet's rows as read, the first row being row 1 of the spreadsheet."""

    rows: list[list]  # CSV cells are text; XLSX cells are text, numbers, dates or None
    merged_cells_filled: int = 0  # cells that took the value of their merged range


def read_table(content: bytes | str, filename: str, max_rows: int, max_columns: int) -> Table:
    """The first sheet of an XLSX file, or a CSV file, cut to `max_rows` rows of at most
    `max_columns` cells."""
    if not content:
        raise SheetUnreadable(_l("The file is empty."))
    name = (filename or "").lower()
    if isinstance(content, bytes) and (
        name.endswith((".xlsx", ".xlsm")) or content[:4] == b"PK\x03\x04"
    ):
        return _xlsx_table(content, max_rows, max_columns)
    if isinstance(content, str) or name.endswith((".csv", ".txt")):
        if len(content) > MAX_CSV_BYTES:
            raise SheetUnreadable(
                _l(
                    "This CSV file is larger than %(mb)s MB: split it and import each part.",
                    mb=MAX_CSV_BYTES // 1_000_000,
                )
            )
        text = content if isinstance(content, str) else decode_text(content)
        return Table(
            rows=_csv_rows(
                unicodedata.normalize("NFC", text.removeprefix("\ufeff")), max_rows, max_columns
            )
        )
    raise SheetUnreadable(_l("Choose a CSV or XLSX file."))


def decode_text(content: bytes) -> str:
    """A CSV file's text: UTF-8 if it is, else Windows-1258 when it holds Vietnamese letters
    only that code page has, else Windows-1252."""
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    if b"\x00" in content:  # UTF-16 ("Unicode text") or not text at all
        raise SheetUnreadable(_not_csv())
    try:
        vietnamese = content.decode("cp1258")
    except UnicodeDecodeError:
        vietnamese = None
    if vietnamese is not None and _VIETNAMESE_1258 & set(vietnamese):
        return vietnamese
    try:
        return content.decode("cp1252")
    except UnicodeDecodeError:
        if vietnamese is None:
            raise SheetUnreadable(_not_csv()) from None
        return vietnamese


def _not_csv():
    return _l(
        "This file is not a CSV spreadsheet in UTF-8, Windows-1258 or Windows-1252. "
        "In Excel, save it as “CSV UTF-8 (Comma delimited)” and import it again."
    )


def delimiter_of(text: str) -> str:
    """The delimiter that splits the first lines into the most rows of the same width
    (title lines above a table have one cell whatever the delimiter)."""
    sample = text[:8192].splitlines()[:30]
    best, best_score = ",", (0, 0)
    for delimiter in DELIMITERS:
        try:
            widths = Counter(
                len(row)
                for row in csv.reader(sample, delimiter=delimiter)
                if any(cell.strip() for cell in row)
            )
        except csv.Error:
            continue
        width, rows = max(widths.items(), key=lambda item: (item[1], item[0]), default=(1, 0))
        score = (rows, width) if width > 1 else (0, 0)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _csv_rows(text: str, max_rows: int, max_columns: int) -> list[list]:
    if "\x00" in text:
        raise SheetUnreadable(_not_csv())
    rows = []
    try:
        for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter_of(text)):
            rows.append(row[:max_columns])
            if len(rows) >= max_rows:
                break
    except csv.Error as error:  # e.g. a field longer than the csv module accepts
        raise SheetUnreadable(
            _l("The file is not a readable CSV file (%(error)s).", error=str(error))
        ) from error
    return rows


def _xlsx_table(content: bytes, max_rows: int, max_columns: int) -> Table:
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        if sum(info.file_size for info in archive.infolist()) > MAX_UNPACKED_BYTES:
            raise SheetUnreadable(_l("This spreadsheet is too large to import."))
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        try:
            sheet = book.worksheets[0]
            path = getattr(sheet, "_worksheet_path", "")
            # Checked before a row is read (loading the workbook reads only its index).
            merges = _merged_ranges(archive, path)
            _check_size(_declared_size(archive, path), merges)
            rows = [
                _trimmed(list(row))
                for row in sheet.iter_rows(
                    min_row=1, max_row=max_rows, max_col=max_columns, values_only=True
                )
            ]
        finally:
            book.close()
    except SheetUnreadable:
        raise
    except Exception as error:  # openpyxl and zipfile raise many kinds for a damaged file
        raise SheetUnreadable(_l("This file is not an XLSX spreadsheet.")) from error
    return Table(rows=rows, merged_cells_filled=_spread_merges(rows, merges, max_columns))


def _trimmed(row: list) -> list:
    while row and row[-1] is None:
        row.pop()
    return row


def _declared_size(archive: zipfile.ZipFile, path: str) -> tuple[int, int, int, int] | None:
    """The sheet's <dimension ref="A1:H200"> (read from the head of its XML), or None."""
    if not path:
        return None
    with archive.open(path.lstrip("/")) as source:
        head = source.read(1 << 16)
    match = _DIMENSION.search(head.split(b"<sheetData", 1)[0])
    if match is None:
        return None
    try:
        return range_boundaries(match.group(1).decode("ascii"))
    except (TypeError, ValueError, UnicodeDecodeError):
        return None


def _check_size(declared, merges) -> None:
    """Refuse a sheet that declares, or merges, more than MAX_SHEET_ROWS × MAX_SHEET_COLUMNS."""
    for bounds in ([declared] if declared else []) + merges:
        # "A:C" names whole columns, "2:5" whole rows: their open ends are the sheet's.
        min_col, min_row, max_col, max_row = (
            value or default
            for value, default in zip(bounds, (1, 1, 16_384, 1_048_576), strict=True)
        )
        if max_row > MAX_SHEET_ROWS or max_col > MAX_SHEET_COLUMNS:
            words = {
                "ref": f"{get_column_letter(min_col)}{min_row}:{get_column_letter(max_col)}"
                f"{max_row}",
                "rows": MAX_SHEET_ROWS,
                "columns": MAX_SHEET_COLUMNS,
            }
            if bounds is declared:
                message = _l(
                    "The sheet spans %(ref)s: at most %(rows)s rows and %(columns)s columns can"
                    " be imported. Delete the empty rows and columns below and to the right of"
                    " the table, save and import again.",
                    **words,
                )
            else:
                message = _l(
                    "The sheet merges the cells %(ref)s: at most %(rows)s rows and %(columns)s"
                    " columns can be imported. Unmerge these cells, save and import again.",
                    **words,
                )
            raise SheetUnreadable(message)


def _merged_ranges(archive: zipfile.ZipFile, path: str) -> list[tuple[int, int, int, int]]:
    """The merged ranges of the sheet (min column, min row, max column, max row), read from
    its XML: read-only mode does not give them.

    The `<mergeCell ref="A1:G1"/>` tags are found by a scan of the XML in chunks rather than
    by parsing every cell again: in XML text a "<" is always markup, so nothing else matches.
    """
    if not path:
        return []
    ranges = []
    tail = b""
    with archive.open(path.lstrip("/")) as source:
        while chunk := source.read(1 << 20):
            text = tail + chunk
            end = 0
            for match in _MERGE_CELL.finditer(text):
                # A range that names no cells merges none.
                with contextlib.suppress(TypeError, ValueError, UnicodeDecodeError):
                    ranges.append(range_boundaries(match.group(1).decode("ascii")))
                end = match.end()
            # Keep what a tag cut in two by the chunk's end may have begun.
            tail = text[max(end, len(text) - 200) :]
    return ranges


def _spread_merges(rows: list[list], merges, max_columns: int) -> int:
    """Give every cell of a merged range its top-left cell's value, so a district name merged
    down the "Huyện" column belongs to each of its rows, and a header merged over two columns
    names both. Ranges are clipped to the rows and columns read, and all of them together
    visit no more cells than the table has: a range spanning a whole sheet, or thousands of
    overlapping ones, cost no more than reading the table."""
    filled = 0
    budget = len(rows) * max_columns
    for min_col, min_row, max_col, max_row in merges:
        if min_row > len(rows) or min_col > max_columns:
            continue
        top = rows[min_row - 1]
        value = top[min_col - 1] if min_col <= len(top) else None
        if value is None:
            continue
        last = min(max_col, max_columns)
        for row in rows[min_row - 1 : min(max_row, len(rows))]:
            budget -= last - min_col + 1
            if budget < 0:
                return filled
            if len(row) < last:
                row.extend([None] * (last - len(row)))
            for column in range(min_col - 1, last):
                if row[column] is None:
                    row[column] = value
                    filled += 1
    return filled


def cell_text(value) -> str:
    """A cell as text: 12.0 read as "12", a date as DD/MM/YYYY, nothing as ""."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime):  # a cell's own day as typed, not a stored moment
        return clock.day_text(value.date())
    if isinstance(value, date):
        return clock.day_text(value)
    return clean_text(str(value)).strip()


# The parts every import of a table with a header row shares (the venue registry, citizens'
# reports from the national system).

# How a table heads its commune column (compared folded), for every import: the office's
# own label "Xã, phường, thị trấn" as its screens write it, and the spreadsheets'
# "Xã/phường/thị trấn", "Thị trấn/xã"... A file missing the column is told the first two
# ("commune / xã").
COMMUNE_HEADERS = (
    "commune",
    "xã",
    "ward",
    "phường",
    "thị trấn",
    "xã/phường",
    "phường/xã",
    "xã/thị trấn",
    "thị trấn/xã",
    "xã/phường/thị trấn",
    "xã, phường, thị trấn",
)


def folded_key(text: str) -> str:
    """A header or a name folded, with '_' and '-' read as spaces."""
    return " ".join(fold(text).replace("_", " ").replace("-", " ").split())


def header_and_rows(
    source, filename: str, max_rows: int, max_columns: int
) -> tuple[list[str], list[tuple[int, list]]]:
    """A spreadsheet's first row as text and the non-blank rows below it with their row
    numbers as a spreadsheet shows them (the header is row 1), cells as read. Raises
    SheetUnreadable (an empty file too) and TooManyRows past `max_rows` rows."""
    if hasattr(source, "read"):
        source = source.read()
    table = read_table(source, filename, max_rows + 2, max_columns)
    if not table.rows:
        raise SheetUnreadable(_l("The file is empty."))
    if len(table.rows) > max_rows + 1:
        raise TooManyRows()
    body = [
        (number, cells)
        for number, cells in enumerate(table.rows[1:], start=2)
        if any(cell_text(cell) for cell in cells)
    ]
    return [cell_text(cell) for cell in table.rows[0]], body


def match_columns(
    header: list[str], headers: dict[str, tuple[str, ...]]
) -> tuple[dict[str, int], list[str]]:
    """Each field's column, by its header's spellings (compared folded), and the headers that
    name no field. Two columns for one field are refused."""
    known = {
        folded_key(spelling): name for name, spellings in headers.items() for spelling in spellings
    }
    columns: dict[str, int] = {}
    ignored: list[str] = []
    for index, title in enumerate(header):
        name = known.get(folded_key(title))
        if name is None:
            if title.strip():
                ignored.append(title.strip())
        elif name in columns:
            raise SheetUnreadable(
                _l(
                    "The columns “%(first)s” and “%(second)s” both give the "
                    "same information; keep only one.",
                    first=header[columns[name]].strip(),
                    second=title.strip(),
                )
            )
        else:
            columns[name] = index
    return columns, ignored


def sample_workbook(header: list[str], rows: list[list], sheet_title: str = "Mẫu") -> bytes:
    """An XLSX of one sheet: the header in bold, frozen above the rows, each column wide
    enough for its longest cell. Text is written as text, never a formula, so the file reads
    back exactly as written; numbers stay numbers."""
    book = Workbook()
    sheet = book.active
    sheet.title = sheet_title
    for row_number, cells in enumerate([header, *rows], start=1):
        for column, value in enumerate(cells, start=1):
            cell = sheet.cell(row=row_number, column=column)
            cell.value = value
            if isinstance(value, str):
                cell.data_type = "s"  # "=..." stays text
            if row_number == 1:
                cell.font = Font(bold=True)
    for column in range(1, len(header) + 1):
        longest = max(
            len(str(cells[column - 1] or "")) for cells in [header, *rows] if column <= len(cells)
        )
        sheet.column_dimensions[get_column_letter(column)].width = min(max(longest + 2, 8), 60)
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
