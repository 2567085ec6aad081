"""One submission path: new findings, replays, conflicts and corrections, from the form,
the outbox and the demo data, all through inspections.service.submit_finding."""

import io
import uuid
from datetime import date

import pytest
from sqlalchemy import func, select

from fieldapp import demo
from fieldapp.extensions import db
from fieldapp.inspections import routes, service
from fieldapp.inspections.photos import Upload
from fieldapp.inspections.service import Position, Submission, submit_finding
from fieldapp.models import Assignment, AuditEntry, Inspection
from tests.factories import inspection_answers, jpeg_bytes

ANSWERS = {
    "qr_posted": "damaged",
    "qr_matches": "yes",
    "checkin_method": "visitors_scan",
    "staff_assigned": True,
    "staff_name": "Lò Văn Hùng",
    "staff_phone": "0912345678",
    "actions": ["reminder"],
}
AT_THE_VENUE = Position(20.2560, 104.9420, 12)


@pytest.fixture
def venue(make_venue):
    return make_venue("Chợ Sơn Hà", latitude=20.2560, longitude=104.9420)


def photo(color=(200, 30, 30)) -> Upload:
    return Upload("poster.jpg", jpeg_bytes(color=color))


def test_a_finding_is_recorded_with_no_request(app, make_user, venue):
    """The service needs the settings, not a request: outcome, verdict, assignment, audit."""
    inspector = make_user()
    supervisor = make_user("supervisor", role="supervisor")
    db.session.add(
        Assignment(
            venue_id=venue.id,
            inspector_id=inspector.id,
            due_date=date(2099, 1, 1),
            created_by_id=supervisor.id,
        )
    )
    db.session.commit()
    submission = Submission(
        str(uuid.uuid4()),
        dict(ANSWERS, scanned_payload=venue.qr_payload),
        AT_THE_VENUE,
        uploads=[photo()],
    )
    result = submit_finding(venue, inspector, submission)
    assert result.status == "created"
    inspection = result.inspection
    assert (inspection.outcome, inspection.reason_list) == ("needs_improvement", ["qr_damaged"])
    assert inspection.scan_verdict == "own" and inspection.gps_warnings == ""
    assert inspection.actions == "reminder" and len(inspection.photos) == 1
    assert db.session.scalar(select(Assignment)).inspection_id == inspection.id
    assert db.session.scalar(select(AuditEntry.action)) == "create"
    assert venue.last_outcome == "needs_improvement"


def test_replay_conflict_and_correction(app, make_user, venue):
    inspector = make_user()
    uid = str(uuid.uuid4())
    first = submit_finding(
        venue, inspector, Submission(uid, ANSWERS, AT_THE_VENUE, uploads=[photo()])
    )
    replay = submit_finding(
        venue, inspector, Submission(uid, ANSWERS, AT_THE_VENUE, uploads=[photo()])
    )
    assert (first.status, replay.status) == ("created", "exists")
    assert replay.inspection.id == first.inspection.id
    changed = submit_finding(
        venue,
        inspector,
        Submission(uid, dict(ANSWERS, qr_posted="hidden"), AT_THE_VENUE, uploads=[photo()]),
    )
    assert changed.status == "conflict" and first.inspection.qr_posted == "damaged"
    refused = submit_finding(venue, inspector, Submission(uid, None, AT_THE_VENUE))
    assert refused.status == "conflict"

    first.inspection.review_state = "returned"
    corrected = submit_finding(
        venue,
        inspector,
        Submission(
            None, dict(ANSWERS, qr_posted="visible"), AT_THE_VENUE, uploads=[photo((0, 0, 200))]
        ),
        correcting=first.inspection,
    )
    assert corrected.status == "updated"
    assert first.inspection.outcome == "compliant" and first.inspection.review_state == "pending"
    assert len(first.inspection.photos) == 2
    assert db.session.scalar(select(func.count()).select_from(Inspection)) == 1

    other = make_user("inspector2")
    with pytest.raises(service.InspectionLocked):
        submit_finding(
            venue, other, Submission(None, ANSWERS, AT_THE_VENUE), correcting=first.inspection
        )


def test_a_new_finding_needs_a_photo_unless_the_caller_says_not(app, make_user, venue):
    inspector = make_user()
    refused = submit_finding(venue, inspector, Submission(str(uuid.uuid4()), ANSWERS, AT_THE_VENUE))
    assert refused.status == "invalid"
    assert refused.photo_errors == ["Chụp ít nhất một ảnh mã QR niêm yết hoặc lối vào."]
    demo = submit_finding(
        venue,
        inspector,
        Submission(str(uuid.uuid4()), ANSWERS, AT_THE_VENUE),
        photos_required=False,
    )
    assert demo.status == "created" and demo.inspection.photos == []


def test_the_demo_data_goes_through_the_submission_service(app, monkeypatch):

    calls = []

    def counting(*args, **kwargs):
        calls.append(kwargs)
        return submit_finding(*args, **kwargs)

    monkeypatch.setattr(demo, "submit_finding", counting)
    summary = demo.seed_demo()
    assert len(calls) == summary.inspections > 0
    assert all(call["received_at"] is not None for call in calls)


def test_the_correction_lives_with_the_inspections(app):
    rules = {rule.rule: rule.endpoint for rule in app.url_map.iter_rules()}
    assert rules["/inspections/<int:inspection_id>/edit"] == "inspections.edit"
    assert not any(endpoint == "reviews.edit" for endpoint in rules.values())


def test_the_outbox_and_the_form_share_the_path(client, login, venue, monkeypatch):
    """Both kinds of post reach submit_finding; only the outbox sends all its photos."""

    seen = []

    def spy(venue, inspector, submission, **kwargs):
        seen.append(submission.sends_all_photos)
        return submit_finding(venue, inspector, submission, **kwargs)

    monkeypatch.setattr(routes, "submit_finding", spy)
    login()
    for headers in ({}, {"Accept": "application/json"}):
        client.post(
            f"/venues/{venue.id}/inspections",
            data=inspection_answers(photos=(io.BytesIO(jpeg_bytes()), "a.jpg")),
            headers=headers,
            content_type="multipart/form-data",
        )
    assert seen == [False, True]
