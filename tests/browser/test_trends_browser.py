"""The report's trend at phone size: the chart fits, another measure is swapped in by htmx,
the table opens; the district office's home page names the next due date."""

from datetime import date, timedelta

from playwright.sync_api import expect

from fieldapp.extensions import db
from fieldapp.models import Commune, CommuneFigures
from tests.browser.phone import assert_fits_phone, log_in, screenshot

DAYS = [date(2021, 9, 24) + timedelta(days=7 * n) for n in range(8)]


def add_weeks(app):
    with app.app_context():
        for commune in db.session.query(Commune).order_by(Commune.name):
            for n, day in enumerate(DAYS):
                if commune.name == "Mường Mìn" and n == 3:
                    continue  # a week without its figures: a gap
                db.session.add(
                    CommuneFigures(
                        commune=commune,
                        report_date=day,
                        venues_with_qr=100 + 5 * n,
                        scans=1000 + 150 * n * (len(commune.name) % 3 + 1),
                        installs=300 + 20 * n,
                        smartphones=1000,
                    )
                )
        db.session.commit()


def test_the_trend_on_a_phone(phone_without_worker, live_app, add_user):
    add_weeks(live_app)
    add_user("supervisor", "supervisor")
    page = phone_without_worker
    log_in(page, "supervisor")
    expect(page.locator("#report-due")).to_contain_text("Hạn nộp tiếp theo")
    page.goto(f"/reports/1/{DAYS[-1].isoformat()}")
    trends = page.locator("#report-trends")
    expect(trends).to_contain_text("Diễn biến qua 8 kỳ báo cáo gần nhất")
    expect(trends.locator("svg text").first).to_be_visible()
    expect(trends).to_contain_text("12/11")
    assert_fits_phone(page)
    trends.scroll_into_view_if_needed()
    screenshot(page, "30-report-trend")
    page.get_by_label("Xem diễn biến của").select_option(
        label="Tỷ lệ máy đã cài PC-Covid trên số máy điện thoại thông minh"
    )
    expect(page.locator("#report-trends")).to_contain_text("44,0%")  # swapped in by htmx
    assert "trend=install_rate" in page.url
    page.locator("#report-trends summary").click()
    expect(page.locator("#report-trends table")).to_contain_text("Mường Mìn")
    assert_fits_phone(page)
    screenshot(page, "31-report-trend-table")
