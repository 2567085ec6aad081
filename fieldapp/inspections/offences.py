"""Repeat offences: how often a venue was found non-compliant and reminded, and how often
citizens reported it lately; the venues to escalate."""

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import case, func, literal_column, select, union_all
from sqlalchemy.orm import joinedload

from fieldapp import clock
from fieldapp.access import covers_every_district
from fieldapp.extensions import db
from fieldapp.models import CitizenReport, Commune, Inspection, Venue

# Citizens' reports count towards escalation when received within this time (an old
# report of a venue since put right says nothing of it now); a rejected one never counts.
REPORTS_WITHIN = timedelta(days=90)
# The office's page lists this many, worst first (a province or the country has thousands).
ESCALATIONS_LISTED = 200


@dataclass
class Offences:
    failed: int = 0  # inspections found non-compliant
    reminded: int = 0  # inspections where the venue was reminded on the spot
    reported: int = 0  # citizens who reported it lately (each report and its "+1"s)


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


@dataclass
class Escalations:
    """The venues to escalate, worst first (at most the limit asked for), and how many there
    are in all."""

    rows: list[tuple[Venue, Offences]]
    total: int


def _escalation_counts(district_ids: list[int], threshold: int):
    """(venue id, times found non-compliant, citizens who reported it lately) of the
    districts' venues at or over the threshold in either, as a subquery.

    Only non-compliant findings are read (index (outcome, venue_id)): a province's or the
    country's other findings are never touched; how often each listed venue was reminded
    is counted afterwards, for those venues only."""
    failed = (
        select(Inspection.venue_id.label("venue_id"), func.count().label("failed"))
        .where(Inspection.outcome == "non_compliant")
        .group_by(Inspection.venue_id)
        .having(func.count() >= threshold)
    )
    reported = select(
        CitizenReport.venue_id.label("venue_id"),
        func.sum(1 + CitizenReport.also_reported).label("reported"),
    )
    if not covers_every_district(district_ids):  # the whole country needs no join
        communes = select(Commune.id).where(Commune.district_id.in_(district_ids))
        failed = failed.join(Venue, Venue.id == Inspection.venue_id).where(
            Venue.commune_id.in_(communes)
        )
        reported = reported.where(CitizenReport.commune_id.in_(communes))
    reported = (
        reported.where(
            CitizenReport.venue_id.is_not(None),
            CitizenReport.state != "rejected",
            CitizenReport.received_at >= clock.utcnow() - REPORTS_WITHIN,
        )
        .group_by(CitizenReport.venue_id)
        .having(func.sum(1 + CitizenReport.also_reported) >= threshold)
    )
    zero = literal_column("0")
    failed, reported = failed.subquery(), reported.subquery()
    # A venue listed for its reports is ranked with its findings too, though fewer.
    failed_of_reported = (
        select(Inspection.venue_id.label("venue_id"), func.count().label("failed"))
        .where(
            Inspection.outcome == "non_compliant",
            Inspection.venue_id.in_(select(reported.c.venue_id)),
        )
        .group_by(Inspection.venue_id)
        .subquery()
    )
    both = union_all(
        select(failed.c.venue_id, failed.c.failed, zero.label("reported")),
        select(reported.c.venue_id, zero.label("failed"), reported.c.reported),
        select(failed_of_reported.c.venue_id, failed_of_reported.c.failed, zero),
    ).subquery()
    return (
        select(
            both.c.venue_id.label("venue_id"),
            # The same count when a venue comes from both of the findings' parts.
            func.max(both.c.failed).label("failed"),
            func.sum(both.c.reported).label("reported"),
        )
        .group_by(both.c.venue_id)
        .subquery()
    )


def venues_to_escalate(
    district_ids: list[int], threshold: int, limit: int | None = None
) -> Escalations:
    """Venues of the districts found non-compliant at least `threshold` times, or reported
    by citizens at least `threshold` times within REPORTS_WITHIN (every report and each "+1"
    joined to it; rejected reports left out), worst first; the first `limit` of them."""
    counts = _escalation_counts(district_ids, threshold)
    listed = db.session.execute(
        # The window's count is taken before the limit: how many there are in all.
        select(Venue, counts.c.failed, counts.c.reported, func.count().over())
        .join(counts, counts.c.venue_id == Venue.id)
        .options(joinedload(Venue.commune))
        .order_by(
            (counts.c.failed + counts.c.reported).desc(), counts.c.failed.desc(), Venue.search_key
        )
        .limit(limit)
    ).all()
    reminded = offence_counts([venue.id for venue, *_counts in listed])
    rows = [
        (venue, Offences(int(failed), reminded.get(venue.id, Offences()).reminded, int(reported)))
        for venue, failed, reported, _total in listed
    ]
    return Escalations(rows, listed[0][3] if listed else 0)
