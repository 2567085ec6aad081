"""Citizens' reports in the weekly report at phone size (issue 16): the findings table's
three columns (received, resolved on time, late in red) and the letter's section 2 naming
the commune with a report past its deadline."""

from datetime import date, time

from playwright.sync_api import expect
from sqlalchemy import select

from fieldapp import clock
from fieldapp.citizens.deadlines import due_date_for
from fieldapp.extensions import db
from fieldapp.models import CitizenReport, Commune
from tests.browser.phone import assert_fits_phone, log_in, screenshot
from tests.browser.test_letter_browser import DAY, add_figures


def add_reports(app) -> None:
    """In the week to 27/11/2026: Sơn Hà's report still open past its due date (26/11);
    Sơn Lư's answered on time, with one +1."""
    with app.app_context():
        communes = {c.name: c for c in db.session.scalars(select(Commune))}
        for code, name, day, closed, also in (
            ("BROWSER1", "Sơn Hà", date(2026, 11, 23), None, 0),
            ("BROWSER2", "Sơn Lư", date(2026, 11, 24), date(2026, 11, 25), 1),
        ):
            received = clock.at_vietnam_time(day, time(9))
            db.session.add(
                CitizenReport(
                    tracking_code=code,
                    commune_id=communes[name].id,
                    problem="no_qr",
                    received_at=received,
                    due_date=due_date_for(received),
                    closed_at=clock.at_vietnam_time(closed, time(15)) if closed else None,
                    state="resolved" if closed else "new",
                    also_reported=also,
                )
            )
        db.session.commit()


def test_the_report_shows_citizens_reports_and_the_letter_names_the_late_commune(
    phone, live_app, add_user
):
    district_id = add_figures(live_app)
    add_reports(live_app)
    add_user("truong-phong", "supervisor", "Hà Văn Minh")
    page = phone
    log_in(page, "truong-phong")
    page.goto(f"/reports/{district_id}/{DAY.isoformat()}")

    table = page.locator(".findings-table")
    expect(table.locator('th[data-citizens="late"]')).to_have_text("Quá hạn")
    son_ha = table.locator("tbody tr", has=page.locator("th", has_text="Sơn Hà"))
    expect(son_ha.locator('td[data-citizens="received"]')).to_have_text("1")
    late = son_ha.locator('td[data-citizens="late"]')
    expect(late).to_have_text("1")
    expect(late).to_have_class("late-text")
    son_lu = table.locator("tbody tr", has=page.locator("th", has_text="Sơn Lư"))
    expect(son_lu.locator('td[data-citizens="received"]')).to_have_text("1 (+1)")
    expect(son_lu.locator('td[data-citizens="on_time"]')).to_have_text("1")
    expect(page.locator("#citizens-note")).to_be_visible()

    letter = page.locator("#letter")
    expect(letter.get_by_label("2. Tồn tại, hạn chế")).to_contain_text(
        "Đơn vị cấp xã còn phản ánh của người dân quá hạn chưa xử lý: xã Sơn Hà."
    )

    region = page.locator("#findings-scroll")
    region.evaluate("box => { box.scrollLeft = box.scrollWidth; }")
    region.scroll_into_view_if_needed()
    assert_fits_phone(page)
    screenshot(page, "160-report-citizens-columns")
