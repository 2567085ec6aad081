"""Closing a citizen's report while its inspection is only assigned (the office says what
becomes of the assignment), a due date beyond planning refused, and the report's history
naming the assignment, the finding and the venue instead of their numbers."""

from datetime import timedelta

import lxml.html
import pytest
from sqlalchemy import select, update

from fieldapp import clock
from fieldapp.assignments.service import assign as assign_venues
from fieldapp.audit import field_label, field_value
from fieldapp.citizens.intake import receive_report
from fieldapp.citizens.service import ReportRefused, assign_inspection, resolve
from fieldapp.extensions import db
from fieldapp.models import Assignment, AuditEntry, CitizenReport


@pytest.fixture
def report(app, make_venue):
    venue = make_venue("Chợ Sơn Hà")
    made, _joined = receive_report(commune=venue.commune, venue=venue, problem="no_qr")
    db.session.commit()
    return made


@pytest.fixture
def boss(login, make_user):
    return login(make_user("truong-phong", role="supervisor", display_name="Hà Thị Mai"))


@pytest.fixture
def inspector(make_user):
    return make_user("can-bo", display_name="Lò Văn Thành")


def assign(client, report, inspector, days=7):
    due = clock.today() + timedelta(days=days)
    return client.post(
        f"/citizen-reports/{report.id}/assign",
        data={"inspector": inspector.id, "due": due.isoformat(), "note": ""},
    )


def fresh(report) -> CitizenReport:
    db.session.expire_all()
    return db.session.get(CitizenReport, report.id)


@pytest.mark.parametrize(("action", "field"), [("resolve", "answer"), ("reject", "reason")])
def test_closing_while_the_inspection_is_only_assigned_asks_what_becomes_of_it(
    client, boss, inspector, report, action, field
):
    assert assign(client, report, inspector).status_code == 303
    page = client.get(f"/citizen-reports/{report.id}/{action}").get_data(as_text=True)
    (choices,) = lxml.html.fromstring(page).xpath('//*[@id="close-assignment"]')
    assert "Lò Văn Thành" in choices.text_content()
    assert {i.get("value") for i in choices.xpath(".//input")} == {"cancel", "keep"}

    text = "Đã kiểm tra, yêu cầu chợ niêm yết lại mã QR."
    refused = client.post(f"/citizen-reports/{report.id}/{action}", data={field: text})
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert 'id="close-assignment-error"' in html and text in html  # the text is kept
    assert fresh(report).state == "checking"

    done = client.post(
        f"/citizen-reports/{report.id}/{action}", data={field: text, "assignment": "cancel"}
    )
    assert done.status_code == 303
    closed = fresh(report)
    assert closed.state == ("resolved" if action == "resolve" else "rejected")
    assert closed.assignment.closed_at is not None and closed.assignment.inspection_id is None
    actions = db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert "assignment_cancelled" in actions  # on the venue's trail: it left the list
    history = client.get(f"/citizen-reports/{report.id}").get_data(as_text=True)
    assert "Lò Văn Thành" in history


def test_the_assignment_may_be_kept_open_and_the_trail_says_so(client, boss, inspector, report):
    """A venue's assignment the report followed is still work to do: the office keeps it."""
    assign(client, report, inspector)
    response = client.post(
        f"/citizen-reports/{report.id}/resolve", data={"answer": "Đã nhắc.", "assignment": "keep"}
    )
    assert response.status_code == 303
    closed = fresh(report)
    assert closed.state == "resolved" and closed.assignment.closed_at is None
    entry = db.session.scalar(
        select(AuditEntry).where(AuditEntry.action == "citizen_report_resolved")
    )
    assert entry.details["assignment_kept"] == closed.assignment_id


def test_once_its_finding_is_recorded_nothing_is_asked(
    client, login, boss, inspector, report, post_finding
):
    assign(client, report, inspector)
    login(inspector)
    assert post_finding(report.venue, qr_posted="missing").status_code == 303
    login(boss)
    response = client.post(
        f"/citizen-reports/{report.id}/resolve",
        data={"answer": "Đã kiểm tra.", "assignment": "cancel"},
    )
    # The report is ready now, its finding is there: no assignment left open, it closes.
    assert response.status_code == 303
    closed = fresh(report)
    assert closed.state == "resolved" and closed.assignment.inspection_id is not None


def test_a_report_without_an_open_assignment_closes_as_before(client, boss, report):
    page = client.get(f"/citizen-reports/{report.id}/resolve").get_data(as_text=True)
    assert 'id="close-assignment"' not in page
    response = client.post(f"/citizen-reports/{report.id}/resolve", data={"answer": "Đã nhắc."})
    assert response.status_code == 303 and fresh(report).state == "resolved"


def test_a_due_date_beyond_a_year_is_refused_and_kept(client, boss, inspector, report):
    far = clock.today() + timedelta(days=clock.PLANNED_DAYS_AHEAD + 1)
    response = client.post(
        f"/citizen-reports/{report.id}/assign",
        data={"inspector": inspector.id, "due": far.isoformat(), "note": "xa"},
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert f'value="{far.isoformat()}"' in page
    # the one refusal of a day beyond planning (clock.planning_refusal), naming the last day
    latest = clock.day_text(clock.latest_planned_day())
    assert f"Ngày quá xa: chọn ngày không muộn hơn {latest}." in page
    assert fresh(report).state == "new"
    assert db.session.scalar(select(Assignment.id)) is None
    assert assign(client, report, inspector, days=clock.PLANNED_DAYS_AHEAD).status_code == 303


def test_the_history_names_the_assignment_not_its_number(client, boss, inspector, report):
    """ "Số việc giao: — → 17" read as 17 assignments: the inspector and due date instead."""
    assign(client, report, inspector)
    assignment = fresh(report).assignment
    html = client.get(f"/citizen-reports/{report.id}").get_data(as_text=True)
    (audit,) = lxml.html.fromstring(html).xpath('//*[@id="audit"]')
    text = " ".join(audit.text_content().split())
    due = clock.day_text(assignment.due_date)
    assert f"Lò Văn Thành, hạn {due}" in text
    assert "Số việc giao" not in text
    assert audit.xpath(f'.//a[@href="/venues/{assignment.venue_id}"]')


def test_a_finding_recorded_while_the_page_was_open_stops_the_closing(app, boss, inspector, report):
    """The page offered to cancel the assignment; its finding arrived before the post: the
    report is ready now, and the office reads the finding before answering."""
    today = clock.today()
    assignment = assign_inspection(report, inspector, today, "", boss, today)
    db.session.commit()
    # Another request records the finding (the session's objects still say "open").
    unseen = {"synchronize_session": False}
    db.session.execute(
        update(Assignment).where(Assignment.id == assignment.id).values(closed_at=clock.utcnow()),
        execution_options=unseen,
    )
    db.session.execute(
        update(CitizenReport).where(CitizenReport.id == report.id).values(state="ready"),
        execution_options=unseen,
    )
    assert assignment.closed_at is None and report.state == "checking"
    with pytest.raises(ReportRefused) as refused:
        resolve(report, "Đã kiểm tra.", boss, "cancel")
    assert refused.value.reason == "finding_arrived"
    assert report.state == "ready" and report.closed_at is None


def test_an_assignment_in_a_venues_trail_reads_as_its_number_not_a_count(app):
    assert field_label("assignment", "venue") == "Việc giao kiểm tra"
    assert field_value("assignment", 17, "venue") == "số 17"  # gone: its number
    # A report's assignment gone from the database: its number, never a bare "17".
    assert field_value("assignment_id", 999, "citizen_report") == "số 999"
    assert field_value("venue_id", 999, "citizen_report") == "số 999"


def test_a_closed_report_says_whether_its_assignment_was_cancelled_or_reassigned(
    client, boss, inspector, report, make_user
):
    assert assign(client, report, inspector).status_code == 303
    client.post(
        f"/citizen-reports/{report.id}/resolve",
        data={"answer": "Đã kiểm tra.", "assignment": "cancel"},
    )
    page = lxml.html.fromstring(client.get(f"/citizen-reports/{report.id}").data)
    (said,) = page.xpath('//*[@id="report-check"]//*[@data-assignment-ending]')
    assert said.get("data-assignment-ending") == "cancelled"
    assert "Hà Thị Mai" in said.text_content()

    # Another report of a venue whose assignment was then given to someone else.
    other, _joined = receive_report(commune=report.commune, venue=report.venue, problem="qr_broken")
    db.session.commit()
    assert assign(client, other, inspector).status_code == 303
    old = fresh(other).assignment
    second = make_user("can-bo-2", display_name="Lường Thị Hoa")
    boss_user = db.session.get(type(second), boss.id)
    assign_venues(
        [old.venue], second, old.due_date, "", boss_user, clock.today(), replacing=[old.id]
    )
    db.session.commit()
    page = lxml.html.fromstring(client.get(f"/citizen-reports/{other.id}").data)
    (said,) = page.xpath('//*[@id="report-check"]//*[@data-assignment-ending]')
    assert said.get("data-assignment-ending") == "reassigned"
    assert "Lường Thị Hoa" in said.text_content()
