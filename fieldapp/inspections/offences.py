"""Repeat offences: how often a venue was found non-compliant and reminded."""

from dataclasses import dataclass

from sqlalchemy import case, func, select

from fieldapp.extensions import db
from fieldapp.models import Commune, Inspection, Venue


@dataclass
class Offences:
    failed: int = 0  # inspections found non-compliant
    reminded: int = 0  # inspections where the venue was reminded on the spot


def offence_counts(venue_ids: list[int]) -> dict[int, Offences]:
    """How often each venue was found non-compliant and reminded."""
    if not venue_ids:
        return {}
    rows = db.session.execute(
        select(
            Inspection.venue_id,
            func.sum(case((Inspection.outcome == "non_compliant", 1), else_=0)),
            func.sum(case((Inspection.actions.like("%reminder%"), 1), else_=0)),
        )
        .where(Inspection.venue_id.in_(venue_ids))
        .group_by(Inspection.venue_id)
    )
    return {venue_id: Offences(failed or 0, reminded or 0) for venue_id, failed, reminded in rows}


def venues_to_escalate(district_ids: list[int], threshold: int) -> list[tuple[Venue, Offences]]:
    """Venues of a district found non-compliant at least `threshold` times, worst first."""
    failed = func.sum(case((Inspection.outcome == "non_compliant", 1), else_=0))
    reminded = func.sum(case((Inspection.actions.like("%reminder%"), 1), else_=0))
    rows = db.session.execute(
        select(Venue, failed, reminded)
        .join(Inspection, Inspection.venue_id == Venue.id)
        .join(Venue.commune)
        .where(Commune.district_id.in_(district_ids))
        .group_by(Venue.id)
        .having(failed >= threshold)
        .order_by(failed.desc(), Venue.search_key)
    )
    return [(venue, Offences(f, r)) for venue, f, r in rows]
