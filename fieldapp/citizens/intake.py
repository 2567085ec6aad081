"""Receiving a citizen's report: the one place a report is created (the public form, the
office's form for telephone and hotline reports, the national system's import)."""

import secrets
from datetime import datetime, timedelta

from sqlalchemy import select

from fieldapp import clock
from fieldapp.citizens.deadlines import due_date_for
from fieldapp.extensions import db
from fieldapp.models import CitizenReport, Commune, User, Venue
from fieldapp.models.citizen_report import OPEN_STATES

# Tracking codes: no 0/O, 1/I/L, so one read aloud over the telephone is typed right.
TRACKING_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
TRACKING_LENGTH = 8
# The same venue and problem reported again within this time joins the open report (+1).
JOIN_WITHIN = timedelta(days=1)


def new_tracking_code() -> str:
    while True:
        code = "".join(secrets.choice(TRACKING_ALPHABET) for _ in range(TRACKING_LENGTH))
        if db.session.scalar(select(CitizenReport.id).filter_by(tracking_code=code)) is None:
            return code


def open_report_to_join(venue: Venue, problem: str, at: datetime) -> CitizenReport | None:
    """The open report of the same venue and problem received within a day, if any."""
    return db.session.scalar(
        select(CitizenReport)
        .where(
            CitizenReport.venue_id == venue.id,
            CitizenReport.problem == problem,
            CitizenReport.state.in_(OPEN_STATES),
            # Either side: an import may bring reports older than those already here.
            CitizenReport.received_at.between(at - JOIN_WITHIN, at + JOIN_WITHIN),
        )
        .order_by(CitizenReport.received_at)
        .limit(1)
    )


def receive_report(
    *,
    commune: Commune,
    venue: Venue | None = None,
    place: str = "",
    problem: str,
    details: str = "",
    contact_phone: str = "",
    channel: str = "web",
    photo_path: str = "",
    received_at: datetime | None = None,
    source_ref: str | None = None,
    entered_by: User | None = None,
) -> tuple[CitizenReport, bool]:
    """Record a report (the caller has checked its fields) and return it, with whether it
    joined an open report of the same venue and problem as "+1" instead of a new one. The
    caller commits."""
    received_at = received_at or clock.utcnow()
    if venue is not None:
        joined = open_report_to_join(venue, problem, received_at)
        if joined is not None:
            joined.also_reported += 1
            return joined, True
    report = CitizenReport(
        tracking_code=new_tracking_code(),
        commune_id=commune.id,
        venue_id=venue.id if venue is not None else None,
        place=place,
        problem=problem,
        details=details,
        contact_phone=contact_phone,
        channel=channel,
        photo_path=photo_path,
        received_at=received_at,
        due_date=due_date_for(received_at),
        source_ref=source_ref,
        entered_by_id=entered_by.id if entered_by is not None else None,
    )
    db.session.add(report)
    db.session.flush()
    return report, False
