"""receive_report: a tracking code, the due date, and the same venue and problem within a
day joining the open report as +1."""

from datetime import datetime, timedelta

from fieldapp.citizens.intake import TRACKING_ALPHABET, receive_report
from fieldapp.extensions import db


def test_a_report_gets_a_tracking_code_and_a_due_date(app, make_venue):
    venue = make_venue("Chợ Sơn Hà")
    report, joined = receive_report(
        commune=venue.commune, venue=venue, problem="no_qr", received_at=datetime(2026, 12, 3, 2)
    )
    db.session.commit()
    assert not joined and report.state == "new" and report.also_reported == 0
    assert len(report.tracking_code) == 8 and set(report.tracking_code) <= set(TRACKING_ALPHABET)
    assert report.due_date.isoformat() == "2026-12-08"


def test_the_same_venue_and_problem_within_a_day_joins_the_open_report(app, make_venue):
    venue = make_venue("Chợ Sơn Hà")
    first_at = datetime(2026, 12, 3, 2)

    def report(problem, hours):
        return receive_report(
            commune=venue.commune,
            venue=venue,
            problem=problem,
            received_at=first_at + timedelta(hours=hours),
        )

    first, _ = report("no_qr", 0)
    again, joined = report("no_qr", 5)
    assert joined and again.id == first.id and first.also_reported == 1
    other, joined = report("not_checked", 0)
    assert not joined and other.id != first.id
    later, joined = report("no_qr", 48)
    assert not joined and later.id != first.id
    first.state = "resolved"
    # The first is closed and the later one is two days on: a new report.
    after_close, joined = report("no_qr", 6)
    assert not joined and after_close.id not in (first.id, later.id)
