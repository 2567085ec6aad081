"""Finding and registering venues."""

import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from fieldapp import clock
from fieldapp.access import district_venues
from fieldapp.audit import record_change, record_event
from fieldapp.extensions import db
from fieldapp.models import Commune, User, Venue
from fieldapp.text import clean_text, fold, search_text
from fieldapp.venues import search_index

# The count shown is exact up to this many venues; beyond it, "more than 1,000".
COUNT_CAP = 1000
# Up to this many matching venues the results are sorted whole, in the full order; more
# are read in the order of the search key's index, a page at a time (no sort of a
# province's venues for a one-letter search).
SORT_LIMIT = 1000


@dataclass
class VenueSearch:
    venues: list[Venue]
    total: int  # exact, or COUNT_CAP when total_capped
    page: int
    page_size: int
    total_capped: bool = False  # more than `total` venues match
    # Something was typed, but no letter or digit (`search_index.nothing_to_match`).
    nothing_to_match: bool = False

    @property
    def has_more(self) -> bool:
        if self.total_capped:
            return len(self.venues) == self.page_size  # a full page came back
        return self.page * self.page_size < self.total


def search_venues(
    district_ids: int | list[int],
    query: str = "",
    commune_id: int | None = None,
    venue_type: str | None = None,
    page: int = 1,
    page_size: int = 30,
    conditions: Sequence[ColumnElement[bool]] = (),
) -> VenueSearch:
    """Active venues of the districts whose name, code or address hold every word typed,
    names starting with the words first (the rule: fieldapp/venues/search_index.py), and
    that meet the other conditions on Venue (the list's status filters,
    `fieldapp/venues/filters.py`).

    Matching is on the folded search key, so diacritics and case do not matter. Words with
    no letter or digit (only emoji or punctuation) find nothing (`nothing_to_match`).
    """
    ids = [district_ids] if isinstance(district_ids, int) else list(district_ids)
    terms = search_index.query_terms(query)
    page = max(page, 1)
    if search_index.nothing_to_match(query):
        return VenueSearch([], 0, page, page_size, nothing_to_match=True)
    offset = (page - 1) * page_size
    stmt = district_venues(ids).where(Venue.is_active.is_(True))
    if commune_id:
        stmt = stmt.where(Venue.commune_id == commune_id)
    if venue_type:
        stmt = stmt.where(Venue.venue_type == venue_type)
    if conditions:
        stmt = stmt.where(*conditions)
    limit = max(SORT_LIMIT, COUNT_CAP) + 1
    scope = search_index.search_scope(ids)  # once a search: a province's asks the database
    if search_index.keys_in_index() and not commune_id and not venue_type and not conditions:
        # PostgreSQL: the index table alone gives the count, the order and a large
        # result's page; the venues are read for the page only.
        # Beyond a district (whose place token keeps the word index's work small), when
        # that many names start with the words, the result is large: no need to ask.
        if len(ids) > 1 and search_index.names_starting(terms, scope, limit) == limit:
            keys, found = [], limit
        else:
            keys = search_index.indexed_keys(terms, scope, limit)
            found = len(keys)
        if found > SORT_LIMIT:
            chosen = search_index.indexed_walk(terms, scope, offset, page_size)
    else:
        # One pass over the index's candidates gives the count and, when there are not
        # many, the whole order: (rank, search key, id) of at most SORT_LIMIT rows.
        candidates = search_index.narrowed(stmt, terms, scope)
        keys = db.session.execute(
            candidates.with_only_columns(
                search_index.rank(terms), Venue.search_key, Venue.id
            ).limit(limit)
        ).all()
        found = len(keys)
        if found > SORT_LIMIT:
            # SQLite: a district's or a province's page from the index's table of keys
            # (the scope's rows alone, in key order); the nation's along the venues' key.
            unfiltered = not commune_id and not venue_type and not conditions
            if unfiltered and search_index.walks_in_index(scope):
                chosen = search_index.indexed_walk(terms, scope, offset, page_size)
            else:
                chosen = _walk_in_key_order(
                    search_index.matching(stmt, terms), terms, offset, page_size
                )
    if found <= SORT_LIMIT:
        chosen = [row[2] for row in sorted(keys)[offset : offset + page_size]]
    # The page's venues by id; their district checked here again (a national scope's
    # hundreds of district ids would cost more in SQL than the thirty venues): a venue
    # closed or moved out of the scope between the two reads is left out of the page.
    scope = set(ids)
    loaded = {
        venue.id: venue
        for venue in db.session.scalars(
            select(Venue).where(Venue.id.in_(chosen)).options(joinedload(Venue.commune))
        )
        if venue.commune.district_id in scope and venue.is_active
    }
    venues = [loaded[venue_id] for venue_id in chosen if venue_id in loaded]
    return VenueSearch(venues, min(found, COUNT_CAP), page, page_size, found > COUNT_CAP)


def _walk_in_key_order(stmt, terms: list[str], offset: int, page_size: int) -> list[int]:
    """The ids of a page of a large result, read along the index on the search key
    (`search_index.key_order_parts`): no sort of the whole result."""
    wanted = offset + page_size
    ids: list[int] = []
    for part in search_index.key_order_parts(terms):
        if len(ids) >= wanted:
            break
        walk = stmt if part is None else stmt.where(part)
        ids += db.session.scalars(
            walk.with_only_columns(Venue.id)
            .order_by(Venue.search_key, Venue.id)
            .limit(wanted - len(ids))
        )
    return ids[offset:wanted]


class DuplicateVenue(Exception):
    """A venue of the same name already exists in the commune."""

    def __init__(self, venue: Venue):
        super().__init__(venue.name)
        self.venue = venue


def same_name_key(name: str) -> str:
    """Where to look for a venue of the same name (`same_name`): the name folded (no marks,
    no case, spaces collapsed)."""
    return fold(name)


def same_name(one: str, other: str) -> bool:
    """Whether two venue names of one commune are the same name: equal but for case and
    spaces or where a word's tone mark sits ("Tạp hoá", "Tạp hóa"), or one typed without
    marks that folds to the other ("Cho Son Ha", "Chợ Sơn Hà"). Two written with marks
    differ by them: "Tạp hóa Hoa" is not "Tạp hóa Hòa". The
    form and the registry's import both ask here: one open venue of a name per commune."""
    if _as_written(one) == _as_written(other):
        return True
    unmarked = fold(one) == _lower(one) or fold(other) == _lower(other)
    return unmarked and fold(one) == fold(other)


def _lower(name: str) -> str:
    return " ".join(unicodedata.normalize("NFC", name or "").lower().split())


# Vietnamese tone marks as combining characters: huyền, sắc, ngã, hỏi, nặng.
TONE_MARKS = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}


def _as_written(name: str) -> str:
    """A name lower case, its spaces collapsed, each word's tone mark taken off its vowel
    and put after the word: "hoá" and "hóa", "Thuỷ" and "Thủy" (the old and the new place
    of the mark, both in use) are written alike, "Hoa" and "Hòa" are not."""
    words = []
    for word in (name or "").lower().split():
        letters = unicodedata.normalize("NFD", word)
        tones = "".join(c for c in letters if c in TONE_MARKS)
        base = unicodedata.normalize("NFC", "".join(c for c in letters if c not in TONE_MARKS))
        words.append(base + tones)
    return " ".join(words)


def find_same_name(commune: Commune, name: str) -> Venue | None:
    """An active venue of the commune with the same name (`same_name`)."""
    candidates = db.session.scalars(
        select(Venue).where(
            Venue.commune_id == commune.id,
            Venue.is_active.is_(True),
            Venue.search_key.like(f"{search_text(name)}%"),
        )
    )
    return next((v for v in candidates if same_name(v.name, name)), None)


# A district's venue codes: district letters, commune letters, a number ("QS-SH-0002").
CODE_PATTERN = re.compile(r"^([A-Z]{1,5})-([A-Z]{1,5})-([0-9]{1,6})$")
CODE_ATTEMPTS = 5


class CodeTaken(Exception):
    """The code typed for a new venue was taken by another request at the same moment."""


def _initials(name: str) -> str:
    return "".join(word[0] for word in search_text(name).split() if word[0].isalpha()).upper()


def _codes_of(*conditions) -> list[tuple[str, str, int]]:
    """The parts of the venue codes in the district's pattern among these venues."""
    codes = db.session.scalars(
        select(Venue.code).join(Commune, Venue.commune_id == Commune.id).where(*conditions)
    )
    return [
        (found[1], found[2], int(found[3]))
        for found in (CODE_PATTERN.match(code or "") for code in codes)
        if found
    ]


def venue_code_prefix(commune: Commune) -> str:
    """The first two parts of a commune's venue codes ("QS-SH"): as its registered venues
    have them (the national registry's or the demo's letters), else the district's letters
    and the commune's initials, lengthened from its last word when another commune of the
    district has them."""
    own = Counter((d, c) for d, c, _n in _codes_of(Venue.commune_id == commune.id))
    if own:
        district_letters, commune_letters = own.most_common(1)[0][0]
        return f"{district_letters}-{commune_letters}"
    in_district = _codes_of(Commune.district_id == commune.district_id)
    district_letters = (
        Counter(d for d, _c, _n in in_district).most_common(1)[0][0]
        if in_district
        else _initials(commune.district.name)[:5] or "X"
    )
    taken = {c for _d, c, _n in in_district}
    initials = _initials(commune.name)[:4] or "X"
    last_word = (search_text(commune.name).split() or ["x"])[-1].upper()
    candidates = [initials] + [initials + last_word[1:n] for n in range(2, len(last_word) + 1)]
    letters = next((c for c in candidates if c not in taken and len(c) <= 5), None)
    return f"{district_letters}-{letters or initials[:2] + str(commune.id)[-3:]}"


def next_venue_code(commune: Commune) -> str:
    """The next free code of a commune's pattern: "QS-SH-0042" after "QS-SH-0041".
    Two requests may compute the same one; register_venue retries on the unique code."""
    prefix = venue_code_prefix(commune)
    taken = db.session.scalars(select(Venue.code).where(Venue.code.like(f"{prefix}-%")))
    numbers = [int(found[3]) for found in (CODE_PATTERN.match(code) for code in taken) if found]
    return f"{prefix}-{max(numbers, default=0) + 1:04d}"


def name_from_search(typed: str) -> str:
    """A new venue's name pre-filled from the search text: as typed (its case and accents
    kept), the first letter made a capital when everything was typed in lower case."""
    name = " ".join(clean_text(typed).split())[:255]
    if name and name == name.lower():
        name = name[0].upper() + name[1:]
    return name


def register_venue(
    commune: Commune,
    created_by: User,
    *,
    name: str,
    venue_type: str,
    address: str = "",
    code: str = "",
    contact_name: str = "",
    contact_phone: str = "",
    qr_payload: str = "",
    latitude: float | None = None,
    longitude: float | None = None,
) -> Venue:
    """Register a venue found on the spot; refuse a second one of the same name. Without a
    code typed it gets the next of its commune's pattern (`next_venue_code`).

    It must be the first write of its transaction: when another request takes the same
    code at the same moment, the unique code refuses the insert, the transaction is rolled
    back and the next free code is taken (on PostgreSQL the insert waits for the other
    transaction, on SQLite for the one writer; both then see its code)."""

    def clean(text: str | None) -> str:
        return (text or "").strip()

    for _attempt in range(CODE_ATTEMPTS):
        existing = find_same_name(commune, name)
        if existing is not None:
            raise DuplicateVenue(existing)
        venue = Venue(
            code=clean(code) or next_venue_code(commune),
            name=clean(name),
            venue_type=venue_type,
            address=clean(address),
            commune_id=commune.id,
            contact_name=clean(contact_name),
            contact_phone=clean(contact_phone),
            qr_payload=clean(qr_payload),
            latitude=latitude,
            longitude=longitude,
            created_by_id=created_by.id,
        )
        db.session.add(venue)
        try:
            db.session.flush()
        except IntegrityError:
            db.session.rollback()
            if clean(code):
                raise CodeTaken(code) from None
            continue
        record_change(venue, "create", created_by, None)
        return venue
    raise RuntimeError(f"no free venue code in {commune.name} after {CODE_ATTEMPTS} attempts")


# What an admin may change of a venue from its page (the code stays: posters carry it).
EDITABLE_FIELDS = (
    "name",
    "venue_type",
    "address",
    "commune_id",
    "contact_name",
    "contact_phone",
    "qr_payload",
    "latitude",
    "longitude",
)


class VenueStateRefused(Exception):
    """A venue cannot be closed or reopened as asked (already closed, merged...)."""


def _district_of(venue: Venue) -> int:
    return db.session.get(Commune, venue.commune_id).district_id


def edit_venue(venue: Venue, admin: User, **values) -> dict:
    """Change a venue's details; audited field by field (nothing when nothing changed).
    Refuses a name another open venue of the commune has (DuplicateVenue)."""
    values = {
        name: value.strip() if isinstance(value, str) else value
        for name, value in values.items()
        if name in EDITABLE_FIELDS
    }
    commune = db.session.get(Commune, values.get("commune_id", venue.commune_id))
    name = values.get("name", venue.name)
    if fold(name) != fold(venue.name) or commune.id != venue.commune_id:
        existing = find_same_name(commune, name)
        if existing is not None and existing.id != venue.id:
            raise DuplicateVenue(existing)
    changes = {
        field: [_plain(getattr(venue, field)), _plain(value)]
        for field, value in values.items()
        if getattr(venue, field) != value
    }
    if changes:
        for field, value in values.items():
            setattr(venue, field, value)
        db.session.flush()
        record_event(
            "edit",
            admin,
            entity="venue",
            entity_id=venue.id,
            changes=changes,
            district_id=_district_of(venue),
        )
    return changes


def _plain(value):
    return value if value is None or isinstance(value, (str, int, float, bool)) else str(value)


def close_venue(venue: Venue, admin: User, reason: str) -> None:
    """Close a venue (no longer operating, moved away...): out of search, assignment and
    reports' lists; the reason is kept and shown on its page; audited."""
    reason = " ".join(clean_text(reason).split())
    if not reason:
        raise ValueError("a reason is needed")
    if not venue.is_active:
        raise VenueStateRefused("already closed")
    venue.is_active = False
    venue.closed_reason = reason[:300]
    venue.closed_at = clock.utcnow()
    db.session.flush()
    record_event(
        "venue_closed",
        admin,
        entity="venue",
        entity_id=venue.id,
        changes={"is_active": [True, False], "closed_reason": ["", venue.closed_reason]},
        district_id=_district_of(venue),
    )


def reopen_venue(venue: Venue, admin: User) -> None:
    """Open a closed venue again (closed by mistake, or operating again); audited. A venue
    merged into another stays closed: its inspections are the other one's now."""
    if venue.is_active:
        raise VenueStateRefused("open")
    if venue.merged_into_id is not None:
        raise VenueStateRefused("merged")
    before = venue.closed_reason
    venue.is_active = True
    venue.closed_reason = ""
    venue.closed_at = None
    db.session.flush()
    record_event(
        "venue_reopened",
        admin,
        entity="venue",
        entity_id=venue.id,
        changes={"is_active": [False, True], "closed_reason": [before, ""]},
        district_id=_district_of(venue),
    )


def code_refusal(code: str, district_ids: int | list[int]) -> str | None:
    """Why a new venue of these districts cannot have this code: "here" (a venue of these
    districts has it), "unavailable" (a venue of another district has it: codes are unique,
    but the user is not told that it exists elsewhere), or None when it is free or empty."""
    if not code.strip():
        return None
    district = db.session.scalar(
        select(Commune.district_id)
        .join(Venue, Venue.commune_id == Commune.id)
        .where(Venue.code == code.strip())
    )
    if district is None:
        return None
    ids = district_ids if isinstance(district_ids, list) else [district_ids]
    return "here" if district in ids else "unavailable"
