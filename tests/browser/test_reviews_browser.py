"""Reviewing at phone size: the supervisor filters the log, approves one finding and
returns another; the inspector corrects the returned one and sends it back."""

import re
import uuid

from playwright.sync_api import expect
from sqlalchemy import select

from fieldapp.extensions import db
from fieldapp.inspections.service import Position, Submission, submit_finding
from fieldapp.models import Inspection, User, Venue
from tests.browser.phone import assert_fits_phone, forget_login, log_in, screenshot
from tests.factories import PASSWORD, jpeg_bytes


def seed_findings(app):
    with app.app_context():
        inspector = db.session.scalar(select(User).where(User.username == "inspector"))
        supervisor = User(
            username="supervisor",
            display_name="Hà Thị Mai",
            role="supervisor",
            district_id=inspector.district_id,
        )
        supervisor.set_password(PASSWORD)
        db.session.add(supervisor)
        for code, qr_posted in (("QS-SH-0001", "visible"), ("QS-SL-0002", "damaged")):
            venue = db.session.scalar(select(Venue).where(Venue.code == code))
            answers = {
                "qr_posted": qr_posted,
                "qr_matches": "yes",
                "checkin_method": "visitors_scan",
                "staff_assigned": True,
                "staff_name": "Lương Thị Hoa",
                "staff_phone": "0912000111",
            }
            submit_finding(
                venue,
                inspector,
                Submission(str(uuid.uuid4()), answers, Position(None, None, None)),
                photos_required=False,
            )
        db.session.commit()


def test_review_round_trip(phone_without_worker, live_app):
    seed_findings(live_app)
    page = phone_without_worker
    log_in(page, "supervisor")
    expect(page.get_by_role("link", name="2 kết quả chờ bạn duyệt")).to_be_visible()
    page.goto("/inspections")
    page.locator("#log-filters summary").click()  # "Lọc": the filters are folded on a phone
    page.locator("#log-commune").select_option(label="Sơn Lư")
    results = page.locator("#log-results")
    expect(results).to_contain_text("1 lần kiểm tra")
    expect(results).to_contain_text("Trường Tiểu học thị trấn Sơn Lư")
    assert "commune=" in page.url  # the filter is in the address, to share or bookmark
    assert_fits_phone(page)
    screenshot(page, "15-log-filtered")
    results.get_by_role("link").first.click()
    page.get_by_role("button", name="Trả lại cho cán bộ kiểm tra").click()
    expect(page.locator("#field-comment .error")).to_have_text("Ghi rõ cán bộ kiểm tra cần sửa gì.")
    page.get_by_label("Cán bộ kiểm tra cần sửa gì?").fill(
        "Mã hư hỏng nhưng chưa có ảnh, chụp bổ sung."
    )
    page.get_by_role("button", name="Trả lại cho cán bộ kiểm tra").click()
    expect(page.get_by_role("status")).to_contain_text("Đã trả lại cho Lò Văn Thành")

    page.goto("/inspections?review=pending")
    page.locator("#log-results").get_by_role("link", name="Chợ Sơn Hà").click()
    finding_url = page.url
    page.get_by_role("link", name="Duyệt", exact=True).click()
    confirm = page.locator("#confirm-approval")  # nothing approved before it is confirmed
    expect(confirm.get_by_role("button", name="Đồng ý duyệt")).to_be_visible()
    assert_fits_phone(page)
    screenshot(page, "16-approve-confirm")
    confirm.get_by_role("button", name="Đồng ý duyệt").click()
    # No other finding awaits review (the other one is back with its inspector): the queue.
    page.wait_for_url("**/inspections?review=pending")
    expect(page.get_by_role("status")).to_contain_text("Đã duyệt")
    page.goto(finding_url)
    expect(page.locator("#audit")).to_contain_text("Duyệt")
    screenshot(page, "16-approved")

    forget_login(page)
    log_in(page)
    returned = page.locator(".returned")
    expect(returned).to_contain_text("Mã hư hỏng nhưng chưa có ảnh")
    returned.get_by_role("link").click()
    expect(page.get_by_role("heading", name="Sửa kết quả kiểm tra")).to_be_visible()
    expect(page.get_by_label("Họ tên người được phân công")).to_have_value("Lương Thị Hoa")
    page.get_by_label("Ghi chú").fill("Đã chụp bổ sung ảnh mã hư hỏng.")
    page.locator("#field-photos input[type=file]").set_input_files(
        {"name": "ma-hu.jpg", "mimeType": "image/jpeg", "buffer": jpeg_bytes()}
    )
    screenshot(page, "17-correction")
    page.get_by_role("button", name="Gửi bản sửa").click()
    expect(page.get_by_role("status")).to_contain_text("Đã gửi bản sửa để duyệt")
    with live_app.app_context():
        corrected = db.session.scalar(select(Inspection).where(Inspection.qr_posted == "damaged"))
        assert corrected.review_state == "pending"
        assert corrected.notes == "Đã chụp bổ sung ảnh mã hư hỏng."
        assert len(corrected.photos) == 1


def test_map_shows_the_venues_with_no_tile_server(phone_without_worker, live_app):
    page = phone_without_worker
    log_in(page)
    page.goto("/map")
    markers = page.locator("#venue-map path.leaflet-interactive")
    expect(markers).to_have_count(1)  # the one venue with a registered position
    markers.first.dispatch_event("click")
    expect(page.locator(".map-popup strong")).to_have_text("Chợ Sơn Hà")
    expect(page.locator(".leaflet-popup-content a")).to_have_attribute(
        "href", re.compile(r"^/venues/\d+$")
    )
    screenshot(page, "18-map")
