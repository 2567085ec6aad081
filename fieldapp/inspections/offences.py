"""Repeat offences: how often a venue was found non-compliant and reminded, and how often
citizens reported it lately; the venues to escalate."""

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import case, func, or_, select

from fieldapp import clock
from fieldapp.extensions import db
from fieldapp.models import CitizenReport, Commune, Inspection, Venue

# Citizens' reports count towards escalation when received within this time (an old
# report of a venue since put right says nothing of it now); a rejected one never counts.
REPORTS_WITHIN = timedelta(days=90)


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


def venues_to_escalate(district_ids: list[int], threshold: int) -> list[tuple[Venue, Offences]]:
    """Venues of a district found non-compliant at least `threshold` times, or reported by
    citizens at least `threshold` times within REPORTS_WITHIN (every report and each "+1"
    joined to it; rejected reports left out), worst first."""
    failed_count = func.sum(case((Inspection.outcome == "non_compliant", 1), else_=0))
    reminded_count = func.sum(case((Inspection.actions.like("%reminder%"), 1), else_=0))
    findings = (
        select(
            Inspection.venue_id.label("venue_id"),
            failed_count.label("failed"),
            reminded_count.label("reminded"),
        )
        .join(Venue, Venue.id == Inspection.venue_id)
        .join(Commune, Commune.id == Venue.commune_id)
        .where(Commune.district_id.in_(district_ids))
        .group_by(Inspection.venue_id)
        .subquery()
    )
    reports = (
        select(
            CitizenReport.venue_id.label("venue_id"),
            func.sum(1 + CitizenReport.also_reported).label("reported"),
        )
        .join(Commune, Commune.id == CitizenReport.commune_id)
        .where(
            Commune.district_id.in_(district_ids),
            CitizenReport.venue_id.is_not(None),
            CitizenReport.state != "rejected",
            CitizenReport.received_at >= clock.utcnow() - REPORTS_WITHIN,
        )
        .group_by(CitizenReport.venue_id)
        .subquery()
    )
    failed = func.coalesce(findings.c.failed, 0)
    reported = func.coalesce(reports.c.reported, 0)
    rows = db.session.execute(
        select(Venue, failed, func.coalesce(findings.c.reminded, 0), reported)
        .outerjoin(findings, findings.c.venue_id == Venue.id)
        .outerjoin(reports, reports.c.venue_id == Venue.id)
        .where(
            or_(findings.c.venue_id.is_not(None), reports.c.venue_id.is_not(None)),
            or_(failed >= threshold, reported >= threshold),
        )
        .order_by((failed + reported).desc(), failed.desc(), Venue.search_key)
    )
    return [(venue, Offences(f, r, n)) for venue, f, r, n in rows]
