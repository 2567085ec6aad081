"""The inspection form: recording, validation, idempotency, preview, access."""

import io
import re
import uuid
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import func, select

from fieldapp import clock
from fieldapp.extensions import db
from fieldapp.home import routes as home_routes
from fieldapp.home.routes import RECENT_COUNT, recent_inspections
from fieldapp.inspections import service
from fieldapp.models import Inspection, InspectionPhoto
from tests.factories import inspection_answers, jpeg_bytes

# A re-inspection date within the planning horizon (clock.beyond_planning).
SOON = clock.today() + timedelta(days=60)


@pytest.fixture
def venue(make_venue):
    return make_venue("Chợ Sơn Hà", latitude=20.2560, longitude=104.9420)


def count_inspections() -> int:
    return db.session.scalar(select(func.count()).select_from(Inspection))


def test_form_page_has_the_checklist(client, login, venue):
    login()
    page = client.get(f"/venues/{venue.id}/inspections/new").get_data(as_text=True)
    for text in ("Mã QR có được niêm yết không?", 'capture="environment"', 'name="uuid"'):
        assert text in page
    assert "risk_assessment_done" not in page


def test_enterprises_are_asked_about_the_risk_self_assessment(client, login, make_venue):
    login()
    company = make_venue("Công ty TNHH Lâm sản Quan Sơn", venue_type="enterprise")
    page = client.get(f"/venues/{company.id}/inspections/new").get_data(as_text=True)
    assert 'name="risk_assessment_done"' in page


def test_each_form_gets_its_own_uuid(client, login, venue):
    login()

    pattern = r'name="uuid" type="hidden" value="([0-9a-f-]{36})"'
    first = re.search(
        pattern, client.get(f"/venues/{venue.id}/inspections/new").get_data(as_text=True)
    )
    second = re.search(
        pattern, client.get(f"/venues/{venue.id}/inspections/new").get_data(as_text=True)
    )
    assert first and second and first.group(1) != second.group(1)


def test_record_a_compliant_inspection(client, login, venue, app):
    user = login()
    answers = inspection_answers()
    response = client.post(
        f"/venues/{venue.id}/inspections", data=answers, content_type="multipart/form-data"
    )
    assert response.status_code == 303
    inspection = db.session.scalar(select(Inspection))
    assert response.headers["Location"] == f"/venues/{venue.id}"
    assert inspection.uuid == answers["uuid"]
    assert inspection.inspector_id == user.id
    assert inspection.outcome == "compliant"
    assert inspection.staff_name == "Lò Văn Hùng"
    assert inspection.visitors_scanned == 9
    assert inspection.device_time.hour == 1  # 08:30 +07:00 stored as UTC
    assert inspection.gps_warnings == ""
    assert inspection.gps_distance_m < 1
    assert venue.last_outcome == "compliant"
    [photo] = inspection.photos
    stored = Path(app.config["UPLOAD_FOLDER"]) / photo.path
    with Image.open(stored) as image:
        assert image.size == (800, 600) == (photo.width, photo.height)
        assert image.format == "JPEG"

    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Đã ghi kết quả kiểm tra" in page
    assert f'id="inspection-{inspection.id}"' in page
    assert "Đạt yêu cầu" in page


def test_stored_outcome_is_the_rule_s(post_finding, client, login, venue):
    login()
    post_finding(venue, qr_posted="damaged", staff_assigned="no", staff_name="", staff_phone="")
    inspection = db.session.scalar(select(Inspection))
    assert inspection.outcome == "needs_improvement"
    assert inspection.reason_list == ["qr_damaged", "no_staff"]
    assert inspection.staff_name == ""


def test_large_photos_are_downscaled(post_finding, client, login, venue, app):
    login()
    post_finding(venue, photos=(io.BytesIO(jpeg_bytes((3200, 2400))), "big.jpg"))
    photo = db.session.scalar(select(InspectionPhoto))
    assert (photo.width, photo.height) == (1600, 1200)


def test_resubmitting_the_same_uuid_records_once(post_finding, client, login, venue):
    login()
    uid = str(uuid.uuid4())
    first = post_finding(venue, uuid=uid)
    second = post_finding(venue, uuid=uid)
    assert first.status_code == second.status_code == 303
    assert count_inspections() == 1
    assert db.session.scalar(select(func.count()).select_from(InspectionPhoto)) == 1
    assert "đã được ghi trước đó" in client.get(second.headers["Location"]).get_data(as_text=True)


def test_a_uuid_of_another_venue_is_a_conflict(post_finding, client, login, venue, make_venue):
    login()
    uid = str(uuid.uuid4())
    post_finding(venue, uuid=uid)
    other = make_venue("Trạm Y tế xã Sơn Hà", venue_type="health_station")
    assert post_finding(other, uuid=uid).status_code == 409
    assert count_inspections() == 1


def test_missing_answers_are_reported_and_typed_text_kept(post_finding, client, login, venue):
    login()
    response = post_finding(
        venue, qr_posted=None, checkin_method=None, notes="Chủ quán hẹn dán lại mã"
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert page.count("Chọn một câu trả lời.") == 2
    assert "Chủ quán hẹn dán lại mã" in page
    assert 'value="Lò Văn Hùng"' in page
    assert count_inspections() == 0


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"visitors_observed": "5", "visitors_scanned": "6"}, "Không được lớn hơn số người vào"),
        ({"visitors_observed": "-1"}, "Nhập số từ 0 trở lên"),
        ({"staff_total": "3", "staff_with_app": "4"}, "Không được lớn hơn tổng số nhân viên"),
        ({"staff_name": ""}, "Nhập tên người được phân công"),
        ({"staff_phone": "12ab"}, "Nhập số điện thoại"),
        ({"visitors_observed": "nhiều"}, "Giá trị không phải là số nguyên."),
        ({"reinspection_due": "2000-01-01"}, "Ngày này đã qua"),
        ({"actions": "reinspection_scheduled"}, "Nhập ngày kiểm tra lại"),
        ({"qr_posted": "bogus"}, "Chọn một câu trả lời."),
    ],
)
def test_bad_answers_get_a_clear_message(post_finding, client, login, venue, overrides, message):
    login()
    response = post_finding(venue, **overrides)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert count_inspections() == 0


def test_a_file_that_is_not_a_photo_is_refused(post_finding, client, login, venue):
    login()
    response = post_finding(venue, photos=(io.BytesIO(b"%PDF-1.4 not an image"), "report.pdf"))
    assert response.status_code == 422
    assert "report.pdf không phải là ảnh" in response.get_data(as_text=True)
    assert count_inspections() == 0


def test_a_photo_over_the_limit_is_refused(post_finding, client, login, venue, app):
    app.config["MAX_PHOTO_BYTES"] = 1000
    login()
    response = post_finding(venue)
    assert response.status_code == 422
    assert "poster.jpg lớn hơn" in response.get_data(as_text=True)


def test_an_upload_over_the_request_limit_gets_a_page(post_finding, client, login, venue, app):
    app.config["MAX_CONTENT_LENGTH"] = 2000
    login()
    response = post_finding(venue, photos=(io.BytesIO(jpeg_bytes((400, 400))), "a.jpg"))
    assert response.status_code == 413
    assert "<html" in response.get_data(as_text=True)


def test_a_photo_is_required(post_finding, client, login, venue):
    login()
    response = post_finding(venue, photos=None)
    assert response.status_code == 422
    assert "Chụp ít nhất một ảnh" in response.get_data(as_text=True)


def test_photos_sent_with_a_rejected_form_are_kept(post_finding, client, login, venue):
    login()
    uid = str(uuid.uuid4())
    rejected = post_finding(venue, uuid=uid, qr_posted=None)
    assert rejected.status_code == 422
    assert "Đã nhận 1 ảnh" in rejected.get_data(as_text=True)
    accepted = post_finding(venue, uuid=uid, photos=None)
    assert accepted.status_code == 303
    assert len(db.session.scalar(select(Inspection)).photos) == 1


def test_gps_warnings_are_recorded(post_finding, client, login, venue):
    login()
    post_finding(venue, latitude="20.2700", longitude="104.9420", gps_accuracy="150")
    inspection = db.session.scalar(select(Inspection))
    assert inspection.warning_list == ["low_accuracy", "far_from_venue"]
    assert 1500 < inspection.gps_distance_m < 1600


def test_no_gps_fix_is_recorded_as_a_warning(post_finding, client, login, venue):
    login()
    post_finding(venue, latitude=None, longitude=None, gps_accuracy=None)
    assert db.session.scalar(select(Inspection)).warning_list == ["no_fix"]


def test_preview_shows_the_outcome_before_submitting(client, login, venue):
    login()
    answers = inspection_answers(checkin_method="none", gps_accuracy="500")
    del answers["photos"]
    response = client.post(
        f"/venues/{venue.id}/inspections/preview", data=answers, headers={"HX-Request": "true"}
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<html" not in body
    assert 'id="outcome-preview"' in body
    assert "Không đạt" in body and "Không có ai kiểm soát việc quét mã" in body
    assert "Độ chính xác GPS kém hơn 100 m" in body
    assert count_inspections() == 0


def test_preview_waits_for_the_key_answers(client, login, venue):
    login()
    body = client.post(
        f"/venues/{venue.id}/inspections/preview",
        data={"qr_posted": "visible"},
        headers={"HX-Request": "true"},
    ).get_data(as_text=True)
    assert "Trả lời các câu hỏi" in body


def test_inspection_detail_shows_every_answer_and_photo(post_finding, client, login, venue):
    login()
    post_finding(
        venue, actions=["reminder", "reinspection_scheduled"], reinspection_due=SOON.isoformat()
    )
    inspection = db.session.scalar(select(Inspection))
    page = client.get(f"/inspections/{inspection.id}").get_data(as_text=True)
    for text in (
        "Lò Văn Hùng",
        "0912345678",
        "9 / 10",
        SOON.strftime("%d/%m/%Y"),
        "Đã nhắc nhở",
        "Mã QR dán ở cửa chính.",
    ):
        assert text in page, text
    photo_url = f"/photos/{inspection.photos[0].path}"
    assert photo_url in page
    photo = client.get(photo_url)
    assert photo.status_code == 200 and photo.mimetype == "image/jpeg"
    assert venue.reinspection_due == SOON


@pytest.fixture
def foreign(post_finding, client, login, venue, make_user, other_district, make_venue):
    """An inspection in Yên Châu, then the Quan Sơn inspector logged in."""
    yen_chau_user = make_user("yc-inspector", district=other_district)
    yen_chau_venue = make_venue("Chợ Chiềng Đông", commune=other_district.communes[0])
    login(yen_chau_user)
    post_finding(yen_chau_venue)
    client.post("/logout")
    login()
    return db.session.scalar(select(Inspection))


def test_another_district_s_records_are_not_found(post_finding, client, foreign):
    venue_id = foreign.venue_id
    assert client.get(f"/venues/{venue_id}/inspections/new").status_code == 404
    assert post_finding(foreign.venue).status_code == 404
    assert client.post(f"/venues/{venue_id}/inspections/preview").status_code == 404
    assert client.get(f"/inspections/{foreign.id}").status_code == 404
    assert client.get(f"/photos/{foreign.photos[0].path}").status_code == 404
    assert count_inspections() == 1


def test_admins_do_not_record_inspections(post_finding, client, login, venue):
    login(username="admin", role="admin")
    assert client.get(f"/venues/{venue.id}/inspections/new").status_code == 403
    assert post_finding(venue).status_code == 403


def test_supervisors_may_record(post_finding, client, login, venue):
    login(username="supervisor", role="supervisor")
    assert post_finding(venue).status_code == 303


def test_a_closed_venue_cannot_be_inspected(post_finding, client, login, make_venue):
    login()
    closed = make_venue("Nhà nghỉ cũ", is_active=False)
    assert client.get(f"/venues/{closed.id}/inspections/new").status_code == 409
    assert post_finding(closed).status_code == 409


def test_missing_uuid_is_refused(post_finding, client, login, venue):
    login()
    response = post_finding(venue, uuid="../../etc")
    assert response.status_code == 422
    assert count_inspections() == 0


def test_home_lists_recent_inspections_and_venues_due(post_finding, client, login, venue):
    login()
    post_finding(venue, actions=["reinspection_scheduled"], reinspection_due=SOON.isoformat())
    page = client.get("/").get_data(as_text=True)
    assert "Chợ Sơn Hà" in page
    assert SOON.strftime("%d/%m/%Y") in page


def test_findings_of_the_same_moment_are_listed_last_recorded_first(
    record_finding, client, login, venue, frozen_clock
):
    """The home page, the venue page and the venue's history: findings stored at the same
    moment are in one order, the last recorded first (PostgreSQL returns equal rows in
    any order unless told)."""
    frozen_clock(datetime(2021, 11, 12, 2, 30))
    user = login()
    recorded = [record_finding(venue, notes=f"Lần {n}") for n in range(6)]
    newest_first = [inspection.id for inspection in reversed(recorded)]
    assert [i.id for i in recent_inspections(user)] == newest_first[:RECENT_COUNT]
    db.session.expire_all()
    assert [i.id for i in venue.inspections] == newest_first
    page = client.get(f"/venues/{venue.id}").get_data(as_text=True)
    linked = [int(n) for n in re.findall(r'href="/inspections/(\d+)"', page)]
    assert list(dict.fromkeys(linked)) == newest_first


def test_an_inspectors_home_lists_their_findings_in_the_district_only(
    record_finding, client, login, make_venue, other_district, monkeypatch
):
    """The home page reads an inspector's newest findings first and checks the district
    after; when those newest are all of a venue since moved to another district, it reads
    on and still lists the ones in the district, newest first."""
    monkeypatch.setattr(home_routes, "OWN_LOOKAHEAD", 3)
    user = login()
    here, moved = make_venue("Chợ Sơn Hà"), make_venue("Quán Bản Lát", code="QS-MOVED")
    kept = [record_finding(here).id for _ in range(4)]
    gone = [record_finding(moved).id for _ in range(4)]
    assert [i.id for i in recent_inspections(user)] == (kept + gone)[::-1][:RECENT_COUNT]
    moved.commune = other_district.communes[0]
    db.session.commit()
    assert [i.id for i in recent_inspections(user)] == kept[::-1]
    monkeypatch.setattr(home_routes, "OWN_LOOKAHEAD", 50)
    assert [i.id for i in recent_inspections(user)] == kept[::-1]


def test_a_uuid_stored_by_a_concurrent_request_returns_the_first(
    app, make_user, venue, monkeypatch
):
    """Two posts racing past the look-up: the unique UUID makes the second one return
    the first inspection instead of failing or doubling."""

    inspector = make_user()
    uid = str(uuid.uuid4())
    answers = {
        "qr_posted": "visible",
        "qr_matches": "yes",
        "checkin_method": "both",
        "staff_assigned": False,
    }
    nowhere = service.Position(None, None, None)
    first, created = service.record_inspection(
        venue, inspector, uid, answers, None, nowhere, service.GpsCheck(None, []), []
    )
    db.session.commit()
    assert created

    real_lookup = service.existing_inspection
    calls = []

    def lookup_that_misses_once(inspection_uuid):
        calls.append(inspection_uuid)
        return None if len(calls) == 1 else real_lookup(inspection_uuid)

    monkeypatch.setattr(service, "existing_inspection", lookup_that_misses_once)
    again, created = service.record_inspection(
        venue, inspector, uid, answers, None, nowhere, service.GpsCheck(None, []), []
    )
    assert not created
    assert again.id == first.id
    assert len(calls) == 2
    assert count_inspections() == 1


def test_with_no_code_posted_the_own_code_question_is_skipped(post_finding, client, login, venue):
    login()
    response = post_finding(
        venue,
        qr_posted="missing",
        qr_matches=None,
        checkin_method="staff_scan",
        qr_size_ok=None,
    )
    assert response.status_code == 303
    inspection = db.session.scalar(select(Inspection))
    assert inspection.qr_matches == "not_checked"
    assert inspection.outcome == "needs_improvement"


def test_venue_page_flags_an_overdue_re_inspection(client, login, venue):

    login()
    venue.reinspection_due = clock.today() - timedelta(days=3)
    db.session.commit()
    page = client.get(f"/venues/{venue.id}").get_data(as_text=True)
    assert "Quá hạn kiểm tra lại từ" in page
