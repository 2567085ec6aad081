"""The province's deadlines at phone size: who is late, in red; changing the report time."""

from datetime import timedelta

from playwright.sync_api import expect

from fieldapp import clock
from fieldapp.extensions import db
from fieldapp.models import Commune, CommuneFigures, District, User
from fieldapp.reports.deadlines import DueRule
from tests.browser.phone import assert_fits_phone, log_in, screenshot
from tests.factories import PASSWORD


def test_the_province_sees_who_is_late(phone_without_worker, live_app):
    with live_app.app_context():
        quan_son = db.session.query(District).one()
        neighbour = District(name="Cẩm Thủy", province=quan_son.province)
        db.session.add(Commune(name="Cẩm Châu", district=neighbour))
        last_due = DueRule().next_due(clock.utcnow()) - timedelta(days=7)
        for commune in quan_son.communes:
            db.session.add(
                CommuneFigures(commune=commune, report_date=last_due, venues_with_qr=1, scans=2)
            )
        user = User(
            username="tinh",
            display_name="Trịnh Văn Tỉnh",
            role="supervisor",
            district=quan_son,
            scope="province",
        )
        user.set_password(PASSWORD)
        db.session.add(user)
        db.session.commit()
    page = phone_without_worker
    log_in(page, "tinh")
    page.get_by_role("link", name="Hạn nộp báo cáo của các huyện").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Hạn nộp báo cáo: Thanh Hóa")
    week = page.locator(f"#due-{last_due.isoformat()}")
    expect(week).to_contain_text("2 huyện trễ hạn")
    expect(week.locator("li.deadline-late")).to_have_count(2)
    expect(week).to_contain_text("Chưa xuất công văn")
    assert_fits_phone(page)
    screenshot(page, "32-deadlines")
    page.get_by_role("link", name="Thay đổi").click()
    page.get_by_label("Thứ trong tuần").select_option(label="Thứ Hai")
    page.get_by_label("Giờ").fill("08:30")
    page.get_by_role("button", name="Lưu").click()
    expect(page.get_by_role("status")).to_contain_text("Thứ Hai hằng tuần, lúc 08:30")
    expect(page.locator(".deadline-week summary").first).to_contain_text("Thứ Hai")
