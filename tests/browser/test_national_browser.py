"""The national summary on a 360 px phone: from the reports' index to the country, down to a
province and a district, and back up; no page scrolls sideways."""

from datetime import date

from playwright.sync_api import expect
from sqlalchemy import select

from fieldapp.extensions import db
from fieldapp.models import Commune, CommuneFigures, District, Province, User
from tests.browser.phone import assert_fits_phone, log_in, screenshot
from tests.factories import PASSWORD

DAYS = (date(2026, 11, 20), date(2026, 11, 27))


def add_country(app) -> None:
    """Yên Châu (Sơn La) beside the browser test's Quan Sơn, figures for both on two
    Fridays, and a national supervisor."""
    with app.app_context():
        quan_son = db.session.scalar(select(District).where(District.name == "Quan Sơn"))
        yen_chau = District(name="Yên Châu", province=Province(name="Sơn La"))
        for name, kind in (("Chiềng Đông", "xa"), ("Yên Châu", "thi_tran")):
            db.session.add(Commune(name=name, kind=kind, district=yen_chau))
        db.session.flush()
        communes = db.session.scalars(select(Commune).order_by(Commune.id)).all()
        for n, commune in enumerate(communes, start=1):
            for week, day in enumerate(DAYS):
                db.session.add(
                    CommuneFigures(
                        commune=commune,
                        report_date=day,
                        venues_with_qr=100 * n + week,
                        scans=123_456 * n + 1000 * week,
                        installs=900 * n,
                        smartphones=2000 * n,
                    )
                )
        user = User(
            username="quoc-gia",
            display_name="Nguyễn Thị Quỳnh",
            role="supervisor",
            scope="country",
            district=quan_son,
        )
        user.set_password(PASSWORD)
        db.session.add(user)
        db.session.commit()


def test_national_summary_down_to_a_district_and_back(phone, live_app):
    add_country(live_app)
    page = phone
    log_in(page, "quoc-gia")
    expect(page.get_by_text("Toàn quốc: Việt Nam")).to_be_visible()
    page.locator(".menu summary").click()
    page.get_by_role("link", name="Báo cáo tuần").click()
    expect(page.get_by_role("heading", name="Tổng hợp toàn quốc")).to_be_visible()
    assert_fits_phone(page)
    page.locator("#national-days").get_by_role("link").first.click()

    expect(page.get_by_role("heading", name="Báo cáo tuần: Việt Nam")).to_be_visible()
    units = page.locator("#report-units")
    expect(units.get_by_role("link")).to_have_count(2)
    expect(units).to_contain_text("Sơn La")
    assert_fits_phone(page)
    screenshot(page, "60-national-summary")

    units.get_by_role("link", name="Thanh Hóa").click()
    expect(page.get_by_role("heading", name="Báo cáo tuần: Tỉnh Thanh Hóa")).to_be_visible()
    assert_fits_phone(page)
    page.locator("#report-units").get_by_role("link", name="Quan Sơn").click()
    expect(page.get_by_role("heading", name="Báo cáo tuần: Huyện Quan Sơn")).to_be_visible()
    assert_fits_phone(page)
    screenshot(page, "61-national-district")

    page.get_by_role("link", name="Cả tháng 11/2026").click()
    expect(page.get_by_role("heading", name="Báo cáo tháng: Huyện Quan Sơn")).to_be_visible()
    assert_fits_phone(page)
    page.locator(".trail").get_by_role("link", name="Việt Nam").click()
    expect(page.get_by_role("heading", name="Báo cáo tháng: Việt Nam")).to_be_visible()
    expect(page.locator("#report-units").get_by_role("link")).to_have_count(2)
    assert_fits_phone(page)
    screenshot(page, "62-national-month")
