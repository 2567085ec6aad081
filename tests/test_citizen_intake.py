"""receive_report: a tracking code, the due date, the same venue and problem within a day
joining the open report as +1 (what that reporter brought kept), and both in the history."""

from datetime import datetime, timedelta

from fieldapp.audit import entry_heading
from fieldapp.citizens.intake import TRACKING_ALPHABET, receive_report, report_with_source_ref
from fieldapp.citizens.labels import REPORTER_LABELS
from fieldapp.citizens.service import report_history
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


# A report's creation, and each +1, are in its history (fieldapp/audit.py).


def market_report(venue, **fields):
    """A report of no QR code at the venue, received through intake."""
    return receive_report(commune=venue.commune, venue=venue, problem="no_qr", **fields)


def receipts(report) -> list:
    return [
        entry for entry in report_history(report) if entry.action.endswith(("received", "joined"))
    ]


def test_a_citizens_report_is_in_its_history_at_the_servers_time_naming_only_the_channel(
    app, make_venue, frozen_clock
):
    venue = make_venue("Chợ Sơn Hà")
    frozen_clock(datetime(2026, 12, 3, 2, 15))
    report, _ = market_report(venue, contact_phone="0987654321")
    db.session.commit()
    (entry,) = receipts(report)
    assert entry.action == "citizen_report_received" and entry.user_id is None
    assert entry.at == datetime(2026, 12, 3, 2, 15) and entry.address is None
    assert entry.district_id == venue.commune.district_id
    assert entry.details["channel"] == "web"
    assert "0987654321" not in entry.changes + (entry.detail or "")
    assert str(REPORTER_LABELS["web"]) in entry_heading(entry)  # a citizen, by the channel


def test_an_office_report_names_who_entered_it_and_when_it_was_received(
    app, make_venue, make_user, frozen_clock
):
    venue = make_venue("Chợ Sơn Hà")
    supervisor = make_user(username="truongphong", role="supervisor")
    frozen_clock(datetime(2026, 12, 3, 9, 0))
    report, _ = market_report(
        venue, channel="phone", received_at=datetime(2026, 12, 3, 1, 30), entered_by=supervisor
    )
    db.session.commit()
    (entry,) = receipts(report)
    assert entry.user_id == supervisor.id and entry.at == datetime(2026, 12, 3, 9, 0)
    changes = {name: after for name, _before, after in entry.change_list}
    assert changes["received_at"] == "2026-12-03T01:30" and changes["channel"] == "phone"


def test_a_join_keeps_what_the_second_reporter_brought_and_is_in_the_history(
    app, make_venue, make_user, frozen_clock
):
    venue = make_venue("Chợ Sơn Hà")
    supervisor = make_user(username="truongphong", role="supervisor")
    frozen_clock(datetime(2026, 12, 3, 2, 0))
    first, _ = market_report(venue, photo_path="citizen-reports/a.jpg")
    frozen_clock(datetime(2026, 12, 3, 4, 0))
    again, joined = market_report(
        venue,
        channel="hotline",
        contact_phone="0912345678",
        details="Vẫn chưa có mã",
        photo_path="citizen-reports/b.jpg",
        source_ref="QG-77",
        entered_by=supervisor,
    )
    db.session.commit()
    assert joined and again.id == first.id and first.photo_path == "citizen-reports/a.jpg"
    (join,) = first.joins
    assert (join.channel, join.contact_phone, join.photo_path, join.source_ref) == (
        "hotline",
        "0912345678",
        "citizen-reports/b.jpg",
        "QG-77",
    )
    assert join.entered_by_id == supervisor.id and join.details == "Vẫn chưa có mã"
    joined_entry, received_entry = receipts(first)
    assert joined_entry.action == "citizen_report_joined" and joined_entry.user_id == supervisor.id
    assert joined_entry.at == datetime(2026, 12, 3, 4, 0)
    assert "0912345678" not in joined_entry.changes + (joined_entry.detail or "")
    assert received_entry.action == "citizen_report_received"

    assert report_with_source_ref("QG-77").id == first.id
