"""Registering a province's districts and communes from a CSV or XLSX spreadsheet.

One row per commune: province, district, commune and the commune's kind (xã, phường or thị
trấn), which may instead be written before its name ("Xã Sơn Hà", "TT. Sơn Lư"). Every row is
checked before anything is written; one bad row refuses the whole file, with each problem by
its row number as a spreadsheet shows it (the header is row 1). Places already registered
are reused, matched as everywhere else by fieldapp/places.py ("Xã Sơn Hà" is Sơn Hà), so a
second import creates nothing. The caller commits.

The messages are English: this is the IT officer's command-line tool.
"""

import re
from dataclasses import dataclass, field

from sqlalchemy import select

from fieldapp.extensions import db
from fieldapp.models import Commune, District, Province
from fieldapp.models.unit import COMMUNE_KINDS
from fieldapp.places import (
    OFFICIAL_PREFIXES,
    commune_kind_named,
    commune_kind_of,
    name_and_kind,
    places_named,
    province_kind_of,
    without_prefix,
)
from fieldapp.spreadsheets import COMMUNE_HEADERS, SheetUnreadable, cell_text, read_table
from fieldapp.text import fold

# Header spellings accepted for each column (English, then Vietnamese); compared folded.
HEADERS = {
    "province": ("province", "tỉnh", "tỉnh/thành phố", "tỉnh/tp", "tỉnh, thành phố"),
    "district": (
        "district",
        "huyện",
        "quận/huyện",
        "huyện/thị xã",
        "huyện/thị xã/thành phố",
        "huyện/thị xã/tp",
        "quận/huyện/thị xã",
    ),
    "commune": COMMUNE_HEADERS,
    "kind": ("kind", "type", "loại", "cấp", "loại đơn vị"),
}
REQUIRED = ("province", "district", "commune")
MAX_NAME_LENGTH = 100  # the name columns of province, district and commune
MAX_ROWS = 20_000  # a province has a few hundred communes
MAX_COLUMNS = 60


@dataclass
class RowProblem:
    row: int  # as a spreadsheet numbers it: the header is row 1
    message: str


@dataclass
class PlannedPlace:
    """A province, district or commune of the file: the registered one it is, or one to
    create."""

    name: str  # the registered name, else as the file first writes it, without its prefix
    row: int  # the first row that names it
    existing: Province | District | Commune | None = None
    # communes: xa, phuong or thi_tran; districts and provinces: the kind their name's
    # prefix says ("Quận Ba Đình": quan, "TP. Hà Nội": thanh_pho), None without one
    kind: str | None = None
    parent: "PlannedPlace | None" = None
    children: list["PlannedPlace"] = field(default_factory=list)
    created: Province | District | Commune | None = None

    @property
    def registered(self) -> Province | District | Commune | None:
        return self.existing or self.created


@dataclass
class PlacesImport:
    """What a file holds and what importing it does."""

    provinces: list[PlannedPlace] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)
    refused: str | None = None  # why the whole file cannot be read, if it cannot
    applied: bool = False

    @property
    def ok(self) -> bool:
        return self.refused is None and not self.problems

    def _places(self, level: int) -> list[PlannedPlace]:
        places = self.provinces
        for _ in range(level):
            places = [child for place in places for child in place.children]
        return places

    @property
    def all_provinces(self) -> list[PlannedPlace]:
        return self._places(0)

    @property
    def all_districts(self) -> list[PlannedPlace]:
        return self._places(1)

    @property
    def all_communes(self) -> list[PlannedPlace]:
        return self._places(2)

    def new(self, places: list[PlannedPlace]) -> list[PlannedPlace]:
        """Those of `places` not registered before this import."""
        return [place for place in places if place.existing is None]


def kind_name(kind: str) -> str:
    """A commune kind in Vietnamese: xã, phường, thị trấn."""
    return OFFICIAL_PREFIXES[kind]


def header_key(text: str) -> str:
    """A header folded, "_" and "-" read as spaces, no spaces around "/"."""
    folded = " ".join(fold(text).replace("_", " ").replace("-", " ").split())
    return re.sub(r"\s*/\s*", "/", folded)


def _columns(header: list[str]) -> dict[str, int]:
    known = {
        header_key(spelling): name for name, spellings in HEADERS.items() for spelling in spellings
    }
    columns: dict[str, int] = {}
    for index, title in enumerate(header):
        name = known.get(header_key(title))
        if name is None:
            continue
        if name in columns:
            raise SheetUnreadable(
                f"The columns “{header[columns[name]].strip()}” and “{title.strip()}” both "
                f"give the {name}; keep only one."
            )
        columns[name] = index
    missing = [name for name in REQUIRED if name not in columns]
    if missing:
        expected = ", ".join(" / ".join(HEADERS[name][:2]) for name in missing)
        raise SheetUnreadable(
            f"The file has no column for: {expected}. The first row must name the columns "
            "(province, district, commune and kind)."
        )
    return columns


def _rows(source: bytes | str, filename: str) -> tuple[dict[str, int], list[tuple[int, list]]]:
    """The columns and the non-blank rows, as text, with their spreadsheet row numbers."""
    table = read_table(source, filename, MAX_ROWS + 2, MAX_COLUMNS)
    rows = [[cell_text(cell) for cell in row] for row in table.rows]
    if not rows:
        raise SheetUnreadable("The file is empty.")
    if len(rows) > MAX_ROWS + 1:
        raise SheetUnreadable(f"The file has more than {MAX_ROWS} rows: split it.")
    columns = _columns(rows[0])
    body = [
        (number, cells)
        for number, cells in enumerate(rows[1:], start=2)
        if any(cell.strip() for cell in cells)
    ]
    if not body:
        raise SheetUnreadable("The file has a header but no communes.")
    return columns, body


def _registered(candidates, written: str, what: str, where: str) -> tuple[object, str | None]:
    """The registered place a name means among `candidates`, or None; or why it cannot tell."""
    found = places_named(candidates, written)
    if len(found) > 1:
        names = ", ".join(place.name for place in found)
        return None, f"“{written}” may be any of the {what} {names}{where}: write it in full."
    return (found[0] if found else None), None


def _planned(places: list[PlannedPlace], written: str) -> PlannedPlace | None:
    """The place met on an earlier row that a name means ("Xã Sơn Hà" is Sơn Hà)."""
    found = places_named(places, written)
    return found[0] if found else None


def _name(existing, written: str) -> str:
    return existing.name if existing is not None else written


def check_places(source: bytes | str, filename: str = "places.csv") -> PlacesImport:
    """Read a file of places (bytes or text; CSV or XLSX) and decide, for each province,
    district and commune it names, whether it is registered or will be created. Nothing is
    written."""
    plan = PlacesImport()
    try:
        columns, body = _rows(source, filename)
    except SheetUnreadable as error:
        plan.refused = str(error)
        return plan
    provinces = list(db.session.scalars(select(Province)))

    for number, cells in body:

        def cell(name: str, cells=cells) -> str:
            index = columns.get(name)
            return cells[index].strip() if index is not None and index < len(cells) else ""

        def refuse(message: str, number=number) -> None:
            plan.problems.append(RowProblem(number, message))

        written = {name: cell(name) for name in HEADERS}
        names = {name: without_prefix(written[name]) for name in REQUIRED}
        problems_before = len(plan.problems)
        for level in REQUIRED:
            if not names[level]:
                refuse(f"The {level} is empty.")
            elif len(names[level]) > MAX_NAME_LENGTH:
                refuse(f"The {level} is longer than {MAX_NAME_LENGTH} characters.")
        kind = commune_kind_of(written["commune"])
        if written["kind"]:
            said = commune_kind_named(written["kind"])
            if said is None:
                refuse(
                    f"“{written['kind']}” is not a kind of commune: write xã, phường or thị trấn."
                )
            elif kind is not None and said != kind:
                refuse(
                    f"The commune is written “{written['commune']}” but its kind is "
                    f"{kind_name(said)}."
                )
            kind = said
        if len(plan.problems) > problems_before:
            continue

        # The province.
        province = _planned(plan.provinces, written["province"])
        if province is None:
            existing, problem = _registered(provinces, written["province"], "provinces", "")
            if problem:
                refuse(problem)
                continue
            said = name_and_kind(written["province"], "province")[1]
            province = PlannedPlace(_name(existing, names["province"]), number, existing, said)
            plan.provinces.append(province)

        # The district, under one province only.
        elsewhere = _planned(plan.all_districts, written["district"])
        if elsewhere is not None and elsewhere.parent is not province:
            refuse(
                f"The district {elsewhere.name} is under {elsewhere.parent.name} on row "
                f"{elsewhere.row} and under {province.name} here."
            )
            continue
        district = elsewhere
        if district is None:
            existing = None
            if province.existing is not None:
                existing, problem = _registered(
                    province.existing.districts,
                    written["district"],
                    "districts",
                    f" of {province.name}",
                )
                if problem:
                    refuse(problem)
                    continue
            district = PlannedPlace(
                _name(existing, names["district"]),
                number,
                existing,
                kind=name_and_kind(written["district"], "district")[1],
                parent=province,
            )
            province.children.append(district)

        # The commune.
        commune = _planned(district.children, written["commune"])
        if commune is not None:
            if kind is not None and commune.kind is not None and kind != commune.kind:
                refuse(
                    f"{commune.name} is a {kind_name(commune.kind)} on row {commune.row} and "
                    f"a {kind_name(kind)} here."
                )
            elif commune.kind is None:
                commune.kind = kind
            continue
        existing = None
        if district.existing is not None:
            existing, problem = _registered(
                district.existing.communes,
                written["commune"],
                "communes",
                f" of {district.name}",
            )
            if problem:
                refuse(problem)
                continue
        if existing is not None and kind is not None and existing.kind != kind:
            refuse(
                f"{existing.name} ({district.name}) is registered as a "
                f"{kind_name(existing.kind)}, not a {kind_name(kind)}."
            )
            continue
        district.children.append(
            PlannedPlace(
                _name(existing, names["commune"]),
                number,
                existing,
                kind=existing.kind if existing is not None else kind,
                parent=district,
            )
        )

    for commune in plan.new(plan.all_communes):
        if commune.kind not in COMMUNE_KINDS:
            plan.problems.append(
                RowProblem(
                    commune.row,
                    f"Is {commune.name} a xã, a phường or a thị trấn? Say it in the kind "
                    f"column or before its name (“Xã {commune.name}”).",
                )
            )
    plan.problems.sort(key=lambda problem: problem.row)
    return plan


def apply_places(plan: PlacesImport) -> PlacesImport:
    """Create the provinces, districts and communes the plan lacks; write nothing if any row
    was refused. The caller commits."""
    if not plan.ok or plan.applied:
        return plan
    for province in plan.new(plan.all_provinces):
        province.created = Province(
            name=province.name, kind=province.kind or province_kind_of(province.name)
        )
    for district in plan.new(plan.all_districts):
        district.created = District(
            name=district.name, kind=district.kind or "huyen", province=district.parent.registered
        )
    # A registered district or province written with its prefix ("Quận Ba Đình") takes the
    # kind the prefix says.
    for place in plan.all_provinces + plan.all_districts:
        if place.existing is not None and place.kind and place.existing.kind != place.kind:
            place.existing.kind = place.kind
    for commune in plan.new(plan.all_communes):
        commune.created = Commune(
            name=commune.name, kind=commune.kind, district=commune.parent.registered
        )
    db.session.add_all(
        place.created
        for place in plan.all_provinces + plan.all_districts + plan.all_communes
        if place.created is not None
    )
    # A province's file lists its districts in the official order: the reports follow it
    # (fieldapp/reports/weekly.py's official_order).
    for province in plan.all_provinces:
        for order, district in enumerate(province.children, start=1):
            district.registered.sheet_order = order
    # A national file (more than one province) lists the provinces in the official order
    # too; a single province's file says nothing of it.
    if len(plan.all_provinces) > 1:
        for order, province in enumerate(plan.all_provinces, start=1):
            province.registered.sheet_order = order
    db.session.flush()
    plan.applied = True
    return plan


def import_places(source: bytes | str, filename: str = "places.csv") -> PlacesImport:
    """Check every row of a file of places, then create what is missing, or nothing."""
    return apply_places(check_places(source, filename))
