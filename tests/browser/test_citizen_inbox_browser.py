"""The office answering a citizen's report at phone size: the supervisor opens the inbox
from the menu (its count of open reports), the report, assigns the inspection, and once the
finding is in, writes the public answer, confirms, and sees the report closed."""

from playwright.sync_api import expect
from sqlalchemy import select

from fieldapp.assignments.service import close_for_inspection
from fieldapp.citizens.intake import receive_report
from fieldapp.citizens.service import finding_recorded
from fieldapp.extensions import db
from fieldapp.models import CitizenReport, Inspection, User, Venue
from tests.browser.phone import assert_fits_phone, log_in, screenshot

ANSWER = "Đoàn kiểm tra đã đến chợ ngày 08/12, yêu cầu niêm yết lại mã QR tại cổng chính."


def test_the_office_answers_a_report(phone_without_worker, live_app, add_user):
    add_user("supervisor", "supervisor")
    with live_app.app_context():
        venue = db.session.scalar(select(Venue).where(Venue.code == "QS-SH-0001"))
        report, _joined = receive_report(
            commune=venue.commune,
            venue=venue,
            problem="no_qr",
            details="Cổng chợ không có mã QR, <b>không ai</b> nhắc quét.",
            contact_phone="0912 345 678",
        )
        db.session.commit()
        report_id = report.id
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


def test_an_admin_keeps_the_holiday_list(phone_without_worker, live_app, add_user):
    add_user("admin", "admin")
    page = phone_without_worker
    log_in(page, "admin")
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
