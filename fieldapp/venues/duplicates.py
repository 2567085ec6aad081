"""Likely duplicate venues, and merging or dismissing them so nothing is counted twice."""

from dataclasses import dataclass

from sqlalchemy import func, select

from fieldapp.access import district_venues
from fieldapp.audit import record_change, snapshot
from fieldapp.extensions import db
from fieldapp.geo import distance_m, grid_cell
from fieldapp.models import Assignment, DuplicateDismissal, Inspection, Poster, User, Venue
from fieldapp.text import fold, search_text

NEAR_M = 20
# About 22 m of latitude: neighbours closer than NEAR_M fall in the same or an adjacent cell.
CELL_DEGREES = 0.0002


# Words that say what kind of place it is, not which one: two shops 12 m apart share them.
GENERIC_WORDS = frozenset(
    {"cua", "hang", "tap", "hoa", "quan", "cafe", "ca", "phe", "nha", "nghi", "cho"}
    | {"truong", "thon", "ban", "xa", "khu", "co", "so", "cong", "ty", "tnhh", "sieu"}
    | {"thi", "mini", "van", "tram", "y", "te", "nuoc", "an", "uong"}
)


@dataclass
class DuplicatePair:
    first: Venue
    second: Venue
    same_name: bool
    distance_m: float | None


def similar_names(a: str, b: str) -> bool:
    """Whether two venue names may name one place: the same once folded (accents, case and
    spaces ignored), one holding the other's words, or more than half of their words shared
    beyond the generic ones ("cửa hàng", "tạp hóa", "quán"...). Two different shops side by
    side ("Quán nước cổng chợ", "Chợ Sơn Hà") are not similar."""
    folded_a, folded_b = fold(a), fold(b)
    if folded_a == folded_b:
        return True
    words_a, words_b = set(search_text(a).split()), set(search_text(b).split())
    if not words_a or not words_b:
        return False
    if words_a <= words_b or words_b <= words_a:
        return True
    own_a, own_b = words_a - GENERIC_WORDS, words_b - GENERIC_WORDS
    if not own_a or not own_b:
        return False
    return 2 * len(own_a & own_b) > len(own_a | own_b)


def _same_name(a: Venue, b: Venue) -> bool:
    """The same folded name in one commune."""
    return a.commune_id == b.commune_id and fold(a.name) == fold(b.name)


def _near_and_similar(a: Venue, b: Venue) -> bool:
    """Within NEAR_M of each other, with similar names."""
    return (
        a.has_position
        and b.has_position
        and distance_m(a.latitude, a.longitude, b.latitude, b.longitude) <= NEAR_M
        and similar_names(a.name, b.name)
    )


def _dismissed(a: Venue, b: Venue) -> bool:
    low, high = sorted((a.id, b.id))
    return (
        db.session.scalar(
            select(DuplicateDismissal.id).where(
                DuplicateDismissal.first_id == low, DuplicateDismissal.second_id == high
            )
        )
        is not None
    )


def is_listed_pair(a: Venue, b: Venue) -> bool:
    """Whether the duplicates screen offers these two venues as a pair (`likely_duplicates`'
    rule for one pair): both open, not kept apart, the same name in a commune or near with
    similar names."""
    return (
        a.is_active
        and b.is_active
        and (_same_name(a, b) or _near_and_similar(a, b))
        and not _dismissed(a, b)
    )


def likely_duplicates(district_ids: int | list[int]) -> list[DuplicatePair]:
    """Open venues of a district with the same folded name in a commune, or within 20 m
    of each other with similar names (`similar_names`): distance alone flags nothing."""
    venues = list(
        db.session.scalars(
            district_venues(district_ids).where(Venue.is_active.is_(True)).order_by(Venue.id)
        )
    )
    dismissed = {(d.first_id, d.second_id) for d in db.session.scalars(select(DuplicateDismissal))}
    pairs: dict[tuple[int, int], DuplicatePair] = {}

    def add(a: Venue, b: Venue, same_name: bool):
        first, second = (a, b) if a.id < b.id else (b, a)
        key = (first.id, second.id)
        if key in dismissed:
            return
        distance = (
            distance_m(a.latitude, a.longitude, b.latitude, b.longitude)
            if a.has_position and b.has_position
            else None
        )
        pair = pairs.get(key)
        if pair is None:
            pairs[key] = DuplicatePair(first, second, same_name, distance)
        else:
            pair.same_name = pair.same_name or same_name

    by_name: dict[tuple[int, str], list[Venue]] = {}
    for venue in venues:
        by_name.setdefault((venue.commune_id, fold(venue.name)), []).append(venue)
    for group in by_name.values():
        for i, a in enumerate(group):
            for b in group[i + 1 :]:
                add(a, b, True)

    cells: dict[tuple[int, int], list[Venue]] = {}
    for venue in venues:
        if venue.has_position:
            cell = grid_cell(venue.latitude, venue.longitude, CELL_DEGREES)
            cells.setdefault(cell, []).append(venue)
    for (row, col), members in cells.items():
        neighbours = [
            v for dr in (-1, 0, 1) for dc in (-1, 0, 1) for v in cells.get((row + dr, col + dc), [])
        ]
        for a in members:
            for b in neighbours:
                if a.id < b.id and _near_and_similar(a, b):
                    add(a, b, _same_name(a, b))
    return sorted(pairs.values(), key=lambda p: (p.first.search_key, p.second.id))


@dataclass
class VenueSummary:
    """What the duplicates screen shows of each venue of a pair, to compare them."""

    inspections: int
    last_inspected_at: object  # datetime | None
    last_outcome: str | None


def summaries(pairs: list[DuplicatePair]) -> dict[int, VenueSummary]:
    """Each listed venue's number of inspections and its newest one, in one query."""
    ids = {v.id for pair in pairs for v in (pair.first, pair.second)}
    if not ids:
        return {}
    counts = dict(
        db.session.execute(
            select(Inspection.venue_id, func.count())
            .where(Inspection.venue_id.in_(ids))
            .group_by(Inspection.venue_id)
        ).all()
    )
    return {
        pair_venue.id: VenueSummary(
            counts.get(pair_venue.id, 0), pair_venue.last_inspected_at, pair_venue.last_outcome
        )
        for pair in pairs
        for pair_venue in (pair.first, pair.second)
    }


def merge_effects(drop: Venue) -> dict[str, int]:
    """What merging this venue into another moves: its inspections, posters and open
    assignments (told on the confirmation before anything moves)."""

    def count(model, *conditions) -> int:
        return db.session.scalar(select(func.count()).select_from(model).where(*conditions)) or 0

    return {
        "inspections": count(Inspection, Inspection.venue_id == drop.id),
        "posters": count(Poster, Poster.venue_id == drop.id),
        "assignments": count(
            Assignment, Assignment.venue_id == drop.id, Assignment.closed_at.is_(None)
        ),
    }


def dismiss(first: Venue, second: Venue, admin: User) -> None:
    """Record that two venues are different places."""
    low, high = sorted((first.id, second.id))
    exists = db.session.scalar(
        select(DuplicateDismissal.id).where(
            DuplicateDismissal.first_id == low, DuplicateDismissal.second_id == high
        )
    )
    if exists is None:
        db.session.add(DuplicateDismissal(first_id=low, second_id=high, dismissed_by_id=admin.id))
        db.session.flush()


class MergeRefused(Exception):
    """Nothing was merged; `reason` names the message to show."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def merge_refusal(keep: Venue, drop: Venue, district_ids: list[int]) -> str | None:
    """Why these two venues may not be merged (None when they may): the same venue; the one
    dropped already closed or merged ("drop_closed"); the one kept closed or merged
    ("keep_closed": an open venue would point to a closed one, with no way back); venues of
    two districts ("other_district"), or not both in the user's area ("outside_area").
    A pair the duplicates screen does not offer may still be merged (`is_listed_pair`: the
    confirmation says so)."""
    if keep.id == drop.id:
        return "same"
    if keep.commune.district_id not in district_ids or drop.commune.district_id not in (
        district_ids
    ):
        return "outside_area"
    if keep.commune.district_id != drop.commune.district_id:
        return "other_district"
    if not drop.is_active or drop.merged_into_id is not None:
        return "drop_closed"
    if not keep.is_active or keep.merged_into_id is not None:
        return "keep_closed"
    return None


def merge(keep: Venue, drop: Venue, admin: User) -> int:
    """Move the duplicate's inspections and open assignments to the venue kept, and close it
    (refused as `merge_refusal` says: MergeRefused).

    Its posters stay with it as history (their serials carry its code).
    """
    refusal = merge_refusal(keep, drop, admin.district_ids)
    if refusal is not None:
        raise MergeRefused(refusal)
    before_keep, before_drop = snapshot(keep), snapshot(drop)
    moved = db.session.scalars(select(Inspection).where(Inspection.venue_id == drop.id)).all()
    for inspection in moved:
        inspection.venue_id = keep.id
    for assignment in db.session.scalars(
        select(Assignment).where(Assignment.venue_id == drop.id, Assignment.closed_at.is_(None))
    ):
        assignment.venue_id = keep.id
    for field in (
        "latitude",
        "longitude",
        "contact_name",
        "contact_phone",
        "qr_payload",
        "address",
    ):
        if not getattr(keep, field) and getattr(drop, field):
            setattr(keep, field, getattr(drop, field))  # fill what the kept record lacked
    drop.is_active = False
    drop.merged_into_id = keep.id
    db.session.flush()
    newest = db.session.scalar(
        select(Inspection)
        .where(Inspection.venue_id == keep.id)
        .order_by(Inspection.server_time.desc(), Inspection.id.desc())
        .limit(1)
    )
    if newest is not None:
        keep.last_outcome, keep.last_inspected_at = newest.outcome, newest.server_time
        keep.reinspection_due = newest.reinspection_due
    record_change(keep, "edit", admin, before_keep)
    record_change(drop, "delete", admin, before_drop)
    db.session.flush()
    return len(moved)
