"""Finding and registering venues."""

import secrets
from dataclasses import dataclass

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import contains_eager

from fieldapp.access import district_venues
from fieldapp.audit import record_change
from fieldapp.extensions import db
from fieldapp.models import Commune, User, Venue
from fieldapp.text import fold, search_terms, search_text


@dataclass
class VenueSearch:
    venues: list[Venue]
    total: int
    page: int
    page_size: int

    @property
    def has_more(self) -> bool:
        return self.page * self.page_size < self.total


def search_venues(
    district_ids: int | list[int],
    query: str = "",
    commune_id: int | None = None,
    venue_type: str | None = None,
    page: int = 1,
    page_size: int = 30,
) -> VenueSearch:
    """Active venues of a district whose name, code or address hold every word typed.

    Matching is on the folded search key, so diacritics and case do not matter.
    """
    stmt = district_venues(district_ids).where(Venue.is_active.is_(True))
    terms = search_terms(query)
    for term in terms:
        # A word typed matches the start of a word ("ha" finds "Hà", not "khách"),
        # or any part of the venue code.
        stmt = stmt.where(
            or_(
                Venue.search_key.like(f"{term}%"),
                Venue.search_key.like(f"% {term}%"),
                func.lower(Venue.code).like(f"%{term}%"),
            )
        )
    if commune_id:
        stmt = stmt.where(Venue.commune_id == commune_id)
    if venue_type:
        stmt = stmt.where(Venue.venue_type == venue_type)
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery()))
    page = max(page, 1)
    phrase = " ".join(terms)
    # Names that begin with what was typed first, then names holding it as a phrase.
    relevance = (
        case(
            (Venue.search_key.like(f"{phrase}%"), 0),
            (Venue.search_key.like(f"% {phrase}%"), 1),
            else_=2,
        )
        if terms
        else None
    )
    order = [relevance] if relevance is not None else []
    venues = db.session.scalars(
        stmt.options(contains_eager(Venue.commune))
        .order_by(*order, Venue.search_key, Venue.id)
        .limit(page_size)
        .offset((page - 1) * page_size)
    ).all()
    return VenueSearch(list(venues), total, page, page_size)


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
