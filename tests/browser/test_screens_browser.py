"""At 360 px: the inspector's home (a returned finding first, ten per list and a link to the
rest), the correction form showing the photos it keeps, and the import's figures date
warned of live when it is not the report day (issue 15)."""

import uuid
from datetime import date, timedelta

from playwright.sync_api import expect
from sqlalchemy import select

from fieldapp import clock
from fieldapp.extensions import db
from fieldapp.inspections.photos import Upload
from fieldapp.inspections.service import Position, Submission, submit_finding
from fieldapp.models import Assignment, Commune, User, Venue
from tests.browser.phone import assert_fits_phone, log_in, screenshot, wait_until
from tests.factories import jpeg_bytes

ASSIGNED = 12


def seed_home(app) -> int:
    """A returned finding with a photo, and twelve open assignments, for the inspector."""
    with app.app_context():
        inspector = db.session.scalar(select(User).where(User.username == "inspector"))
        supervisor = db.session.scalar(select(User).where(User.username == "mai"))
        commune = db.session.scalar(select(Commune).where(Commune.name == "Sơn Hà"))
        market = db.session.scalar(select(Venue).where(Venue.code == "QS-SH-0001"))
        answers = {
            "qr_posted": "damaged",
            "qr_matches": "yes",
            "checkin_method": "visitors_scan",
            "staff_assigned": True,
            "staff_name": "Lương Thị Hoa",
            "staff_phone": "0912000111",
        }
        result = submit_finding(
            market,
            inspector,
            Submission(
                str(uuid.uuid4()),
                answers,
                Position(None, None, None),
                uploads=[Upload("ma-qr.jpg", jpeg_bytes((640, 480), (30, 90, 160)))],
            ),
        )
        finding = result.inspection
        finding.review_state = "returned"
        finding.reviewed_by_id = supervisor.id
        finding.reviewed_at = clock.utcnow()
        finding.review_comment = "Chụp rõ mã QR bị rách."
        for n in range(ASSIGNED):
            venue = Venue(
                code=f"QS-SH-1{n:03d}",
                name=f"Cửa hàng tạp hóa số {n + 1}",
                venue_type="shop",
                commune=commune,
                address="Bản Hạ Sơn",
            )
            db.session.add(
                Assignment(
                    venue=venue,
                    inspector_id=inspector.id,
                    created_by_id=supervisor.id,
                    due_date=clock.today() + timedelta(days=n + 1),
                )
            )
        db.session.commit()
        assert len(finding.photos) == 1
        return finding.id


def test_home_and_correction_form_at_phone_size(phone_without_worker, live_app, add_user):
    add_user("mai", "supervisor")
    finding_id = seed_home(live_app)
    page = phone_without_worker
    log_in(page)
    returned, assignments = page.locator("#returned"), page.locator("#assignments")
    expect(returned).to_contain_text("Chụp rõ mã QR bị rách.")
    # The finding to correct comes first, above the assignments.
    assert returned.bounding_box()["y"] < assignments.bounding_box()["y"]
    expect(assignments.locator(".list-link")).to_have_count(10)
    assert_fits_phone(page)
    screenshot(page, "40-home-returned-first")
    assignments.locator("#all-assignments").click()
    page.wait_for_url("**/home/assignments")
    expect(page.locator("#assignments .list-link")).to_have_count(ASSIGNED)
    assert_fits_phone(page)

    page.goto("/")
    returned.get_by_role("link").first.click()
    page.wait_for_url(f"**/inspections/{finding_id}/edit")
    kept = page.locator("#kept-photos img")
    expect(kept).to_have_count(1)
    expect(kept).to_be_visible()
    # The thumbnail is the stored photo, loaded through the photo route (lazily: once seen).
    page.locator("#kept-photos").scroll_into_view_if_needed()
    wait_until(page, "document.querySelector('#kept-photos img').naturalWidth > 0")
    assert page.evaluate("document.querySelector('#kept-photos img').naturalWidth") == 640
    count = page.locator("[data-photo-count]")
    expect(count).to_have_text("Chưa thêm ảnh mới.")
    expect(page.locator("#kept-photos-note")).to_be_visible()
    # Each recorded photo can be ticked off ("Xóa ảnh 1"), a full-size tap target.
    remove = page.get_by_label("Xóa ảnh 1")
    expect(remove).not_to_be_checked()
    assert round(page.locator(".kept-photo-remove").first.bounding_box()["height"]) >= 44
    assert_fits_phone(page)
    screenshot(page, "41-correction-kept-photos")
    picker = page.locator("#field-photos input[type=file]")
    picker.set_input_files({"name": "moi.jpg", "mimeType": "image/jpeg", "buffer": jpeg_bytes()})
    expect(count).to_have_text("Đã chọn 1 ảnh")
    # The new photo shows as a thumbnail with its own "×" (the correction keeps a draft on
    # the phone, as a new inspection does); taking it back says so again.
    page.locator("[data-photo-previews] .photo-remove").click()
    expect(count).to_have_text("Chưa thêm ảnh mới.")


def test_the_import_warns_of_another_weekday_as_it_is_chosen(
    phone_without_worker, live_app, add_user
):
    add_user("mai", "supervisor")
    page = phone_without_worker
    log_in(page, "mai")
    page.goto("/reports/import")
    field = page.get_by_label("Ngày báo cáo")
    default = date.fromisoformat(field.input_value())
    with live_app.app_context():
        today = clock.today()
    assert default.weekday() == 4 and today - timedelta(days=6) <= default <= today  # a Friday
    warning = page.locator("#import-date-warning")
    expect(warning).to_be_hidden()
    field.fill((default - timedelta(days=4)).isoformat())  # a Monday
    expect(warning).to_be_visible()
    expect(warning).to_contain_text("Thứ Sáu")
    assert_fits_phone(page)
    screenshot(page, "42-import-other-weekday")
    field.fill(default.isoformat())
    expect(warning).to_be_hidden()
