"""Finding and registering venues."""

import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import joinedload

from fieldapp.access import district_venues
from fieldapp.audit import record_change
from fieldapp.extensions import db
from fieldapp.models import Commune, User, Venue
from fieldapp.text import fold, search_text
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

    Matching is on the folded search key, so diacritics and case do not matter.
    """
    ids = [district_ids] if isinstance(district_ids, int) else list(district_ids)
    terms = search_index.query_terms(query)
    page = max(page, 1)
    offset = (page - 1) * page_size
    stmt = district_venues(ids).where(Venue.is_active.is_(True))
    if commune_id:
        stmt = stmt.where(Venue.commune_id == commune_id)
    if venue_type:
        stmt = stmt.where(Venue.venue_type == venue_type)
    if conditions:
        stmt = stmt.where(*conditions)
    limit = max(SORT_LIMIT, COUNT_CAP) + 1
    if search_index.keys_in_index() and not commune_id and not venue_type and not conditions:
        # PostgreSQL: the index table alone gives the count, the order and a large
        # result's page; the venues are read for the page only.
        # Beyond a district (whose place token keeps the word index's work small), when
        # that many names start with the words, the result is large: no need to ask.
        scope = search_index.search_scope(ids)
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
        candidates = search_index.narrowed(stmt, terms, ids)
        keys = db.session.execute(
            candidates.with_only_columns(
                search_index.rank(terms), Venue.search_key, Venue.id
            ).limit(limit)
        ).all()
        found = len(keys)
        if found > SORT_LIMIT:
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


def find_same_name(commune: Commune, name: str) -> Venue | None:
    """An active venue of the commune whose name folds to the same text."""
    key = fold(name)
    candidates = db.session.scalars(
        select(Venue).where(
            Venue.commune_id == commune.id,
            Venue.is_active.is_(True),
            Venue.search_key.like(f"{search_text(name)}%"),
        )
    )
    return next((v for v in candidates if fold(v.name) == key), None)


def new_venue_code() -> str:
    """A code for a venue registered in the app before the national registry has one."""
    while True:
        code = "APP-" + secrets.token_hex(4).upper()
        if db.session.scalar(select(Venue.id).where(Venue.code == code)) is None:
            return code


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
    """Register a venue found on the spot; refuse a second one of the same name."""
    existing = find_same_name(commune, name)
    if existing is not None:
        raise DuplicateVenue(existing)

    def clean(text: str | None) -> str:
        return (text or "").strip()

    venue = Venue(
        code=clean(code) or new_venue_code(),
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
    db.session.flush()
    record_change(venue, "create", created_by, None)
    return venue


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
