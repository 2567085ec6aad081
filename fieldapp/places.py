"""Names of provinces, districts and communes: matching them as people write them, sorting
them in Vietnamese alphabetical order, and writing them officially ("xã Sơn Hà").

Every import, picker and report asks this module, so "Xã Sơn Hà", "X. Sơn Hà", "xa son ha"
and "SƠN HÀ" are the same commune everywhere, and Đồng Tâm comes after Dân Chủ in every list.
"""

import re
import unicodedata
from collections.abc import Iterable
from typing import TypeVar

from fieldapp.text import fold

# Administrative prefixes as written in full (lower case, with diacritics), longest first
# where one begins another. "Quận", "Xã" or "Huyện" written without diacritics are also
# syllables of names (Quan Sơn, Xà Hồ), so they count as prefixes only in a name typed
# without any diacritics, and matching then tries the whole name first.
FULL_PREFIXES = ("thành phố", "thị trấn", "thị xã", "phường", "huyện", "quận", "tỉnh", "xã")
# Abbreviations are no Vietnamese syllable: always a prefix, with or without the dot.
SHORT_PREFIXES = ("tp", "tx", "tt", "h", "p", "q", "x")
SHORT_PREFIXES_IN_FULL = {
    "tp": "thành phố",
    "tx": "thị xã",
    "tt": "thị trấn",
    "h": "huyện",
    "p": "phường",
    "q": "quận",
    "x": "xã",
}

_SPACES = re.compile(r"\s+")
_AFTER_PREFIX = re.compile(r"[.\s]+")


def _lower(text: str | None) -> str:
    """Lower-case, composed (NFC) text with spaces collapsed."""
    text = unicodedata.normalize("NFC", text or "")
    return _SPACES.sub(" ", text.lower()).strip()


def _prefix_length(text: str, prefix: str) -> int:
    """How much of `text` the prefix and the dots or spaces after it take; 0 if it is not
    there. The name must go on after it."""
    if not text.startswith(prefix):
        return 0
    separator = _AFTER_PREFIX.match(text, len(prefix))
    if separator is None or separator.end() == len(text):
        return 0
    return separator.end()


def _prefix(text: str, unaccented: bool = True) -> tuple[str | None, int]:
    """The prefix a lower-case name begins with, in full ("tt" → "thị trấn"), and how much of
    the name it and the dots or spaces after it take; (None, 0) without one. `unaccented`:
    also "xa", "quan"... in a name typed without diacritics, which may be a syllable of it."""
    typed_without_diacritics = unaccented and text.isascii()
    for prefix in FULL_PREFIXES:
        length = _prefix_length(text, prefix)
        if not length and typed_without_diacritics:
            length = _prefix_length(text, fold(prefix))
        if length:
            return prefix, length
    for prefix in SHORT_PREFIXES:
        length = _prefix_length(text, prefix)
        if length:
            return SHORT_PREFIXES_IN_FULL[prefix], length
    return None, 0


def strip_prefix(name: str | None) -> str:
    """The name without its administrative prefix, lower case: "Thị trấn Sơn Lư" → "sơn lư",
    "TT. Sơn Lư" → "sơn lư", "xa son ha" → "son ha"; "Xà Hồ" and "Quan Sơn" keep theirs."""
    text = _lower(name)
    return text[_prefix(text)[1] :]


def without_prefix(name: str | None) -> str:
    """The name as written, without its administrative prefix and with spaces collapsed, as
    the database keeps it: "Thị trấn Sơn Lư" → "Sơn Lư", "TT. Sơn Lư" → "Sơn Lư", "Huyện
    Quan Sơn" → "Quan Sơn"; "Xà Hồ" keeps its name, and so does a name typed without
    diacritics but for an abbreviation ("quan son" may be Quan Sơn; "x. son ha" → "son ha")."""
    text = _SPACES.sub(" ", unicodedata.normalize("NFC", name or "")).strip()
    lowered = text.lower()
    length = _prefix(lowered, unaccented=False)[1]
    # Lower case has the same length for every Vietnamese letter; not for a few others.
    return text[length:] if len(lowered) == len(text) else lowered[length:]


def name_key(name: str | None) -> str:
    """A place name folded, without its prefix: "Xã Sơn Hà", "X. Sơn Hà", "SƠN HÀ" → "son ha"."""
    return fold(strip_prefix(name))


def _keys_to_try(written: str) -> tuple[str, ...]:
    """The keys a written name may mean, the likelier first. Typed without diacritics,
    "xa ho" is the whole name (Xà Hồ) before "Xã Hồ"; with them, "Xã Hồ" is Hồ."""
    whole, stripped = fold(written), name_key(written)
    if not _lower(written).isascii() and stripped != whole:
        return stripped, whole
    return whole, stripped


Place = TypeVar("Place")


class PlaceIndex:
    """Places (communes, districts, provinces: anything with a `name`) found by a name as
    someone wrote it: with or without prefix, diacritics or capitals."""

    def __init__(self, places: Iterable[Place]):
        index: dict[str, Place] = {}
        clashes = set()
        for place in places:
            for key in {fold(place.name), name_key(place.name)}:
                if key in index and index[key] is not place:
                    clashes.add(key)  # two places answer to it: never guess between them
                index[key] = place
        self._index = {key: place for key, place in index.items() if key not in clashes}

    def find(self, written: str | None) -> Place | None:
        """The place a name means, or None: "xa ho" is Xà Hồ and "quan son" is Quan Sơn
        rather than "Hồ" or "Sơn" with a prefix typed without diacritics."""
        if not written or not written.strip():
            return None
        for key in _keys_to_try(written):
            if key in self._index:
                return self._index[key]
        return None


def places_named(places: Iterable[Place], written: str | None) -> list[Place]:
    """Every place of `places` a written name may mean (several when names repeat, as
    district names do across provinces): those named in full if any, else those named
    without the prefix."""
    places = list(places)
    if not written or not written.strip():
        return []
    for key in _keys_to_try(written):
        found = [p for p in places if key in (fold(p.name), name_key(p.name))]
        if found:
            return found
    return []


# Vietnamese alphabetical order -------------------------------------------------------------

ALPHABET = "aăâbcdđeêfghijklmnoôơpqrstuưvwxyz"  # f, j, w, z only in foreign names
_LETTER_RANK = {letter: rank for rank, letter in enumerate(ALPHABET)}
# Marks that make a letter of its own: ă (breve), â ê ô (circumflex), ơ ư (horn).
_LETTER_MARKS = {"\u0306", "\u0302", "\u031b"}
# Tones in dictionary order: ngang (none), huyền, sắc, hỏi, ngã, nặng.
_TONE_RANK = {"\u0300": 1, "\u0301": 2, "\u0309": 3, "\u0303": 4, "\u0323": 5}


def _syllable_key(syllable: str) -> tuple[tuple[int, ...], int]:
    """The letters of a syllable by their rank in the alphabet, then its tone."""
    letters: list[int] = []
    tone = 0
    for char in syllable:
        if char == "đ":
            letters.append(100 + _LETTER_RANK["đ"])
            continue
        base, *marks = unicodedata.normalize("NFD", char)
        letter = unicodedata.normalize(
            "NFC", base + "".join(m for m in marks if m in _LETTER_MARKS)
        )
        for mark in marks:
            tone = _TONE_RANK.get(mark, tone)
        if letter in _LETTER_RANK:
            letters.append(100 + _LETTER_RANK[letter])
        elif letter.isdigit():
            letters.append(ord(letter) - ord("0"))  # digits before letters
        else:
            letters.append(1000 + ord(letter))
    return tuple(letters), tone


def sort_key(name: str | None) -> tuple:
    """A key that sorts names the Vietnamese way: syllable by syllable, Đ after D, each
    syllable by its letters and then its tone (Sơn Hà, Sơn Lư, Sơn Thủy; Dân Chủ, Đồng Tâm,
    Én). A prefix written in the name ("Xã ", "Thị trấn ") does not count."""
    return tuple(_syllable_key(s) for s in re.split(r"[\s\-]+", strip_prefix(name)) if s)


def in_vietnamese_order(places: Iterable[Place]) -> list[Place]:
    """Places sorted by name in Vietnamese alphabetical order."""
    return sorted(places, key=lambda place: (sort_key(place.name), place.name))


# The word before a unit's name in official writing, by the unit's kind: communes (xa, phuong,
# thi_tran: Commune.kind), districts (huyen, quan, thi_xa, thanh_pho: District.kind) and
# provinces (tinh, thanh_pho: Province.kind).
OFFICIAL_PREFIXES = {
    "xa": "xã",
    "phuong": "phường",
    "thi_tran": "thị trấn",
    "huyen": "huyện",
    "quan": "quận",
    "thi_xa": "thị xã",
    "thanh_pho": "thành phố",
    "tinh": "tỉnh",
}
# The kinds of each level, in the order official lists name them ("quận, huyện, thị xã";
# "huyện, thị xã, thành phố"; "xã, phường, thị trấn").
LEVEL_KINDS = {
    "commune": ("xa", "phuong", "thi_tran"),
    "district": ("quan", "huyen", "thi_xa", "thanh_pho"),
    "province": ("tinh", "thanh_pho"),
}
DEFAULT_KINDS = {"commune": None, "district": "huyen", "province": "tinh"}


def _kind_of_prefix(prefix: str | None, level: str) -> str | None:
    """The kind of unit of `level` a prefix in full says ("quận" → "quan"); None if the
    prefix is none of that level's ("xã" before a district's name)."""
    for kind in LEVEL_KINDS[level]:
        if OFFICIAL_PREFIXES[kind] == prefix:
            return kind
    return None


# A commune's kind as a spreadsheet's column may say it in English.
_COMMUNE_KIND_IN_ENGLISH = {"commune": "xa", "ward": "phuong", "town": "thi_tran"}


def name_and_kind(written: str | None, level: str) -> tuple[str, str | None]:
    """A unit's name as the database keeps it (`without_prefix`) and the kind its prefix
    says at `level` ("commune", "district" or "province"): "Quận Ba Đình" → ("Ba Đình",
    "quan"), "TP. Hà Nội" → ("Hà Nội", "thanh_pho"), "Thị xã Bỉm Sơn" → ("Bỉm Sơn",
    "thi_xa"); the kind is None without a prefix of that level, or with one typed without
    diacritics ("quan son" is Quan Sơn)."""
    prefix = _prefix(_lower(written), unaccented=False)[0]
    return without_prefix(written), _kind_of_prefix(prefix, level)


def commune_kind_of(name: str | None) -> str | None:
    """The kind of commune a name's prefix says: "Xã Sơn Hà" → "xa", "TT. Sơn Lư" →
    "thi_tran", "P. Ba Đình" → "phuong"; None without a commune's prefix, or with one typed
    without diacritics ("xa ho" may be Xà Hồ)."""
    return name_and_kind(name, "commune")[1]


def district_kind_of(name: str | None) -> str:
    """The kind of district a name says: "Quận Ba Đình" → "quan", "TX. Bỉm Sơn" →
    "thi_xa", "Thành phố Thanh Hóa" → "thanh_pho"; "huyen" (the usual one) without such a
    prefix."""
    return name_and_kind(name, "district")[1] or DEFAULT_KINDS["district"]


def commune_kind_named(written: str | None) -> str | None:
    """The kind of commune a word means, as people write it: "xã", "Phường", "thị trấn",
    "TT.", "thi_tran", "ward"; None if it means none."""
    key = fold(written).replace("_", " ").rstrip(".").strip()
    key = fold(SHORT_PREFIXES_IN_FULL.get(key, key))
    for kind in LEVEL_KINDS["commune"]:
        if key == fold(OFFICIAL_PREFIXES[kind]):
            return kind
    return _COMMUNE_KIND_IN_ENGLISH.get(key)


# The centrally run cities are "thành phố Hà Nội"; every other province is "tỉnh Thanh Hóa".
CENTRAL_CITIES = frozenset(
    fold(name) for name in ("Hà Nội", "Hồ Chí Minh", "Hải Phòng", "Đà Nẵng", "Cần Thơ", "Huế")
)


def province_kind_of(name: str | None) -> str:
    """The kind of province a name says: its prefix ("TP. Hà Nội", "Tỉnh Thanh Hóa"), else
    "thanh_pho" for a centrally run city written bare ("Hồ Chí Minh"), else "tinh". What
    imports set `Province.kind` from."""
    said = name_and_kind(name, "province")[1]
    if said is not None:
        return said
    return "thanh_pho" if name_key(name) in CENTRAL_CITIES else DEFAULT_KINDS["province"]


def unit_word(kind: str) -> str:
    """The word of a unit's kind, lower case: "huyện", "quận", "thị xã", "thành phố", "tỉnh";
    "" for an unknown kind."""
    return OFFICIAL_PREFIXES.get(kind, "")


def official_name(name: str, kind: str, capitalised: bool = False) -> str:
    """A unit as letters and posters write it, by its kind: "xã Sơn Hà", "thị trấn Sơn Lư",
    "huyện Quan Sơn", "quận Ba Đình", "thị xã Bỉm Sơn", "tỉnh Thanh Hóa", "thành phố Hà
    Nội"; at the start of a line "Xã Sơn Hà". A kind with no prefix leaves the name alone.
    THE rule for writing a unit: letters, appendices, posters, addresses and the reports'
    headings all ask it."""
    prefix = unit_word(kind)
    if capitalised:
        prefix = prefix[:1].upper() + prefix[1:]
    return f"{prefix} {name}".strip()


def unit_of(unit, capitalised: bool = False) -> str:
    """A commune, district or province (anything with a name and a kind) written by
    `official_name`: the screens' `|unit` filter ("xã Sơn Hà", "quận Ba Đình")."""
    return official_name(unit.name, unit.kind, capitalised)


def commune_kinds_text(kinds: Iterable[str]) -> str:
    """The kinds of a district's communes as letters list them: "xã, thị trấn",
    "phường", "xã, phường, thị trấn" (official order; "xã, thị trấn" when none known)."""
    present = set(kinds)
    words = [OFFICIAL_PREFIXES[k] for k in LEVEL_KINDS["commune"] if k in present]
    return ", ".join(words) or "xã, thị trấn"


# Addresses ----------------------------------------------------------------------------------

_ADDRESS_PARTS = re.compile(r"\s*[,;]\s*")


def _unit_parts(unit: str) -> tuple[str | None, str]:
    """A unit as written ("Thị trấn Sơn Lư", "huyện Quan Sơn", "Thanh Hóa") as its prefix in
    full, lower case (None without one), and its name as written."""
    name = without_prefix(unit)
    prefix = _prefix(_lower(unit), unaccented=False)[0]
    return prefix, name


def _names_unit(part: str, prefix: str | None, key: str) -> bool:
    """Whether a part of an address is the unit itself, with or without its prefix, in any
    case or without diacritics ("Thị Trấn Sơn Lư", "TT. Sơn Lư", "Sơn Lư", "tt son lu")."""
    lowered = _lower(part)
    for unaccented in (False, True):
        written, length = _prefix(lowered, unaccented)
        if fold(lowered[length:]) == key and written in (None, prefix):
            return True
    return False


def _fold_each(text: str) -> str | None:
    """The text folded letter by letter, so its positions are the text's; None if a letter
    folds to more or fewer than one."""
    folded = "".join(fold(char) if char.strip() else " " for char in text)
    return folded if len(folded) == len(text) else None


def _without_unit_at_end(part: str, prefix: str | None, key: str) -> str:
    """A part with the unit written at its end with its prefix cut off ("Khu 1 thị trấn Sơn
    Lư" → "Khu 1"); the part as it was otherwise. Without a prefix a name at the end may be
    the hamlet's own (Bản Sơn Hà), so it stays."""
    part = unicodedata.normalize("NFC", part)
    folded = _fold_each(part)
    if prefix is None or folded is None:
        return part
    words = [fold(prefix)]
    words += [short for short, full in SHORT_PREFIXES_IN_FULL.items() if full == prefix]
    prefixes = "|".join(map(re.escape, words))
    pattern = rf"[\s\-–]+(?:{prefixes})[.\s]+{re.escape(key)}\s*$"
    found = re.search(pattern, folded)
    if found is None or not part[: found.start()].strip():
        return part
    return part[: found.start()].rstrip(" -–")


def address_line(address: str | None, *units: str, capitalised: bool = True) -> str:
    """An address followed by the units it lies in, smallest first, each written once and
    officially: the address's own mention of a unit, in whatever case, with or without its
    prefix, as a part of its own or at the end of one, gives way to the official one after
    the address's other parts ("Khu 1, Thị Trấn Sơn Lư" + "thị trấn Sơn Lư", "huyện Quan
    Sơn", "tỉnh Thanh Hóa" → "Khu 1, thị trấn Sơn Lư, huyện Quan Sơn, tỉnh Thanh Hóa").
    Prefixes are lower case mid-line; the line's first letter is a capital unless
    `capitalised` is False. THE rule for addresses: posters, the inspection PDF and the
    pages all write them with it."""
    wanted = []
    for unit in units:
        if unit and unit.strip():
            prefix, name = _unit_parts(unit)
            wanted.append((prefix, fold(name), f"{prefix} {name}" if prefix else name))
    parts = [part for part in _ADDRESS_PARTS.split((address or "").strip()) if part]
    kept = []
    for part in parts:
        for prefix, key, _ in reversed(wanted):  # "Khu 1 xã Sơn Hà huyện Quan Sơn"
            part = _without_unit_at_end(part, prefix, key)
        if not any(_names_unit(part, prefix, key) for prefix, key, _ in wanted):
            kept.append(_SPACES.sub(" ", part).strip())
    line = ", ".join(kept + [official for _, _, official in wanted])
    return line[:1].upper() + line[1:] if capitalised else line


def full_address(
    address: str | None,
    commune_name: str,
    commune_kind: str,
    district_name: str,
    province_name: str = "",
    district_kind: str = "huyen",
    province_kind: str | None = None,
) -> str:
    """A venue's address followed by its commune, district and province, each written once
    and officially by their kinds: "Bản Na Hồ, xã Sơn Hà, huyện Quan Sơn, tỉnh Thanh Hóa",
    "12 Điện Biên Phủ, phường Điện Biên, quận Ba Đình, thành phố Hà Nội" (`address_line`).
    A province without its kind is written as its name says (`province_kind_of`)."""
    province_kind = province_kind or province_kind_of(province_name)
    return address_line(
        address,
        official_name(commune_name, commune_kind),
        official_name(district_name, district_kind),
        official_name(province_name, province_kind) if province_name else "",
    )
