"""The office answering a citizen's report at phone size: the supervisor opens the inbox
from the menu (its count of open reports), the report, assigns the inspection, and once the
finding is in, writes the public answer, confirms, and sees the report closed."""

from datetime import timedelta

from playwright.sync_api import expect
from sqlalchemy import select

from fieldapp import clock, storage
from fieldapp.assignments.service import close_for_inspection
from fieldapp.citizens.intake import receive_report
from fieldapp.citizens.service import finding_recorded
from fieldapp.extensions import db
from fieldapp.models import CitizenReport, District, Inspection, User, Venue
from tests.browser.phone import assert_fits_phone, log_in, screenshot, wait_until
from tests.factories import PASSWORD, jpeg_bytes

ANSWER = "Đoàn kiểm tra đã đến chợ ngày 08/12, yêu cầu niêm yết lại mã QR tại cổng chính."


def market_report(live_app, **fields) -> tuple[int, int]:
    """A citizen's report of no QR code at the demo's market, received through intake: its
    id and the market's commune."""
    with live_app.app_context():
        venue = db.session.scalar(select(Venue).where(Venue.code == "QS-SH-0001"))
        report, _joined = receive_report(
            commune=venue.commune, venue=venue, problem="no_qr", **fields
        )
        db.session.commit()
        return report.id, venue.commune_id


def test_the_office_answers_a_report(phone_without_worker, live_app, add_user):
    add_user("supervisor", "supervisor")
    report_id, _commune_id = market_report(
        live_app,
        details="Cổng chợ không có mã QR, <b>không ai</b> nhắc quét.",
        contact_phone="0912 345 678",
    )
    page = phone_without_worker
    log_in(page, "supervisor")
    page.locator("details.menu > summary").click()
    menu_link = page.locator("#menu-citizen-reports")
    expect(menu_link.locator("[data-open-reports]")).to_have_text("1")
    menu_link.click()
    expect(page.locator(f'[data-report="{report_id}"]')).to_contain_text("Chợ Sơn Hà")
    assert_fits_phone(page)
    screenshot(page, "citizen-inbox")

    page.locator(f'[data-report="{report_id}"] a').click()
    expect(page.locator("#report-text")).to_contain_text("<b>không ai</b>")  # as text
    expect(page.locator("#report-phone")).to_have_attribute("href", "tel:0912345678")
    page.locator("#report-assign").click()
    page.locator("#assign-inspector").select_option(label="Lò Văn Thành")
    page.get_by_role("button", name="Giao việc").click()
    expect(page.locator("#report-state")).to_have_attribute("data-state", "checking")

    with live_app.app_context():  # the inspector's finding, recorded as the form does
        report = db.session.get(CitizenReport, report_id)
        inspection = Inspection(
            venue_id=report.venue_id,
            inspector_id=report.assignment.inspector_id,
            uuid="5b1f3c6e-0d7a-4c57-9d1e-6f0a2b9c8e11",
            qr_posted="missing",
            qr_matches="unknown",
            checkin_method="none",
            staff_assigned=False,
            outcome="non_compliant",
        )
        db.session.add(inspection)
        db.session.flush()
        close_for_inspection(inspection)
        finding_recorded(inspection)
        db.session.commit()

    page.reload()
    expect(page.locator("#report-state")).to_have_attribute("data-state", "ready")
    expect(page.locator("#report-finding")).to_have_attribute("data-outcome", "non_compliant")
    assert_fits_phone(page)
    screenshot(page, "citizen-report-ready")

    page.locator("#report-resolve").click()
    page.locator("#close-answer").fill(ANSWER)
    assert_fits_phone(page)
    screenshot(page, "citizen-report-answer")
    page.locator("#close-submit").click()
    expect(page.locator("#report-state")).to_have_attribute("data-state", "resolved")
    expect(page.locator("#report-answer")).to_contain_text(ANSWER)
    assert_fits_phone(page)
    screenshot(page, "citizen-report-resolved")
    with live_app.app_context():
        report = db.session.get(CitizenReport, report_id)
        assert (report.state, report.public_answer) == ("resolved", ANSWER)
        assert report.closed_by_id == db.session.scalar(
            select(User.id).where(User.username == "supervisor")
        )


def test_a_national_account_keeps_the_holiday_list(phone_without_worker, live_app, add_user):
    """The list is national: a national account changes it; a district's admin reads it."""
    add_user("admin", "admin")
    with live_app.app_context():
        national = User(
            username="quoc-gia",
            display_name="Nguyễn Thị Quỳnh",
            role="supervisor",
            scope="country",
            district=db.session.query(District).one(),
        )
        national.set_password(PASSWORD)
        db.session.add(national)
        db.session.commit()
    page = phone_without_worker
    log_in(page, "admin")
    page.goto("/holidays")
    expect(page.locator("#holiday-keeper")).to_be_visible()
    expect(page.locator("#holiday-add")).to_have_count(0)
    assert_fits_phone(page)
    screenshot(page, "holidays-read-only")
    page.context.clear_cookies()
    log_in(page, "quoc-gia")
    page.goto("/holidays")
    page.locator("#holiday-seed").click()
    expect(page.locator('#holiday-list [data-day="2027-01-01"]')).to_contain_text("Tết Dương lịch")
    page.locator("#holiday-day").fill("2026-12-07")
    page.locator("#holiday-name").fill("Nghỉ bù")
    page.get_by_role("button", name="Thêm", exact=True).click()
    expect(page.locator('#holiday-list [data-day="2026-12-07"]')).to_contain_text("Nghỉ bù")
    assert_fits_phone(page)
    screenshot(page, "holidays")
    page.locator('#holiday-list [data-day="2026-12-07"] a').click()
    page.get_by_role("button", name="Xóa ngày nghỉ lễ").click()
    expect(page.locator('#holiday-list [data-day="2026-12-07"]')).to_have_count(0)
    # Back to the confirmation: it says the day was removed, by whom, with the list's link.
    page.go_back()
    expect(page.locator("#holiday-gone-removed")).to_contain_text("Nghỉ bù")
    expect(page.locator("#holiday-gone")).to_contain_text("Nguyễn Thị Quỳnh")
    assert_fits_phone(page)
    screenshot(page, "holiday-removed-back")
    page.locator("#holiday-gone-list").click()
    expect(page.locator("#holiday-list")).to_be_visible()


def test_the_office_enters_a_call_that_joins_a_report_and_sees_both_reporters(
    phone_without_worker, live_app, add_user, tmp_path
):
    """A telephone call typed with "Nhận lúc", about a venue a citizen reported an hour
    before: it joins that report as +1, and the report's page shows both reporters' photos
    and phones, and both receipts in its history."""
    add_user("supervisor", "supervisor")
    with live_app.app_context():
        photo = storage.area("photos")
        photo.put("citizen-reports/first.jpg", jpeg_bytes((640, 480), (30, 120, 200)))
        called = (clock.now() - timedelta(minutes=30)).strftime("%Y-%m-%dT%H:%M")
    report_id, commune_id = market_report(
        live_app, contact_phone="0912345678", photo_path="citizen-reports/first.jpg"
    )
    second_photo = tmp_path / "cong-cho.jpg"
    second_photo.write_bytes(jpeg_bytes((480, 640), (200, 120, 30)))

    page = phone_without_worker
    log_in(page, "supervisor")
    page.goto(f"/citizen-reports/new?commune={commune_id}&q=chợ")
    page.locator('input[name="venue"]').first.check()
    page.locator("#channel").select_option("phone")
    received = page.locator("#received_at")
    expect(received).to_have_attribute("type", "datetime-local")
    assert received.input_value()  # now, by default
    received.fill(called)
    page.get_by_label("Không niêm yết mã QR").check()
    page.locator("#contact_phone").fill("0987 654 321")
    page.locator("#photo").set_input_files(str(second_photo))
    assert_fits_phone(page)
    screenshot(page, "citizen-enter-received-at")
    page.locator("#send-report").click()
    expect(page.locator(".flash-success")).to_contain_text("Đã gộp vào phản ánh đang mở")

    page.goto(f"/citizen-reports/{report_id}")
    expect(page.locator("#report-phone")).to_have_attribute("href", "tel:0912345678")
    join = page.locator("#report-joins [data-join]")
    expect(join).to_have_attribute("data-channel", "phone")
    expect(join.locator("[data-join-phone]")).to_have_attribute("href", "tel:0987654321")
    for image in (page.locator("#report-photo"), join.locator("img[data-join-photo]")):
        image.scroll_into_view_if_needed()
        wait_until(
            page, "image => image.complete && image.naturalWidth > 0", image.element_handle()
        )
    history = page.locator("#audit [data-audit-action]")
    expect(history).to_have_count(2)
    expect(page.locator('[data-audit-action="citizen_report_joined"]')).to_contain_text(
        "Hà Thị Mai"
    )
    expect(page.locator('[data-audit-action="citizen_report_received"]')).to_contain_text(
        "Người dân"
    )
    assert_fits_phone(page)
    screenshot(page, "citizen-report-joined")


def test_answering_before_the_inspection_asks_about_the_assignment(
    phone_without_worker, live_app, add_user
):
    """Answered and closed while its inspection was only assigned, the report left the
    inspector with a visit nobody needed: the office chooses what becomes of it."""
    add_user("supervisor", "supervisor")
    report_id, _commune_id = market_report(live_app)
    page = phone_without_worker
    log_in(page, "supervisor")
    page.goto(f"/citizen-reports/{report_id}")
    page.locator("#report-assign").click()
    page.locator("#assign-inspector").select_option(label="Lò Văn Thành")
    page.get_by_role("button", name="Giao việc").click()
    expect(page.locator("#report-state")).to_have_attribute("data-state", "checking")
    page.locator("#report-resolve").click()
    expect(page.locator("#close-assignment")).to_contain_text("Lò Văn Thành")
    page.locator("#close-answer").fill(ANSWER)
    page.locator("#close-submit").click()
    expect(page.locator("#close-assignment-error")).to_be_visible()
    expect(page.locator("#close-answer")).to_have_value(ANSWER)
    assert_fits_phone(page)
    screenshot(page, "citizen-report-answer-assigned")
    page.locator("#close-assignment input[value=cancel]").check()
    page.locator("#close-submit").click()
    expect(page.locator("#report-state")).to_have_attribute("data-state", "resolved")
    with live_app.app_context():
        report = db.session.get(CitizenReport, report_id)
        assert report.assignment.closed_at is not None
