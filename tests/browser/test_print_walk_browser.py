"""The walk-through's printing and figures items at 360 px: the figures form's refusals and
removal, the trend chart's scale labels inside the chart, undoing "delivered"."""

from datetime import date

from playwright.sync_api import expect
from sqlalchemy import select

from fieldapp.extensions import db
from fieldapp.models import Commune, CommuneFigures, District, Poster, User, Venue
from fieldapp.posters.service import issue_poster
from tests.browser.phone import assert_fits_phone, log_in, screenshot

DAYS = (date(2021, 10, 29), date(2021, 11, 5), date(2021, 11, 12))


def add_figures(live_app, scans_by_day: dict[date, int], installs=None, smartphones=None) -> int:
    """Sơn Hà's figures on these days; the district's id."""
    with live_app.app_context():
        son_ha = db.session.scalar(select(Commune).where(Commune.name == "Sơn Hà"))
        for day, scans in scans_by_day.items():
            db.session.add(
                CommuneFigures(
                    commune=son_ha,
                    report_date=day,
                    venues_with_qr=120,
                    scans=scans,
                    installs=installs,
                    smartphones=smartphones,
                )
            )
        db.session.commit()
        return son_ha.district_id


def test_the_figures_form_refuses_more_installs_than_smartphones_and_removes_as_shown(
    phone, live_app, add_user
):
    add_user("truong.phong", "supervisor")
    district_id = add_figures(live_app, {DAYS[2]: 4336}, installs=300, smartphones=1000)
    with live_app.app_context():
        son_lu = db.session.scalar(select(Commune).where(Commune.name == "Sơn Lư")).id
        son_ha = db.session.scalar(select(Commune).where(Commune.name == "Sơn Hà")).id
    page = phone
    log_in(page, "truong.phong")
    url = f"/reports/{district_id}/{DAYS[2].isoformat()}/figures"
    page.goto(url)
    page.locator(f"#venues_with_qr-{son_lu}").fill("12")
    page.locator(f"#scans-{son_lu}").fill("900")
    page.locator(f"#installs-{son_lu}").fill("50")
    page.locator(f"#smartphones-{son_lu}").fill("10")
    page.get_by_role("button", name="Lưu số liệu").click()
    error = page.locator(f"#installs-{son_lu}-error")
    expect(error).to_contain_text("Sơn Lư")
    expect(error).to_contain_text("50")
    expect(error).to_contain_text("10")
    expect(page.locator(f"#installs-{son_lu}")).to_have_value("50")
    expect(page.locator(f"#installs-{son_lu}")).to_have_attribute("aria-invalid", "true")
    error.scroll_into_view_if_needed()
    screenshot(page, "print-walk-installs-over-smartphones")
    assert_fits_phone(page)

    # Sơn Hà's line comes filled with its figures: ticking "Remove" and saving removes them.
    page.goto(url)
    expect(page.locator(f"#scans-{son_ha}")).to_have_value("4336")
    page.locator(f'input[name="clear-{son_ha}"]').check()
    page.get_by_role("button", name="Lưu số liệu").click()
    # Removing asks first, naming the commune, the date and its figures.
    confirmation = page.locator("#figures-removal")
    expect(confirmation.locator(f'li[data-commune="{son_ha}"]')).to_contain_text("Sơn Hà")
    expect(confirmation.locator(f'li[data-commune="{son_ha}"]')).to_contain_text("4.336")
    assert_fits_phone(page)
    screenshot(page, "print-walk-figures-removal-confirm")
    page.locator("#confirm-removal").click()
    page.wait_for_url(f"**/reports/{district_id}/{DAYS[2].isoformat()}")
    expect(page.get_by_text("Sơn Hà", exact=False).first).to_be_visible()
    with live_app.app_context():
        assert db.session.scalar(select(CommuneFigures)) is None


def test_the_trend_chart_s_scale_labels_stay_inside_the_chart(phone, live_app, add_user):
    add_user("truong.phong", "supervisor")
    district_id = add_figures(live_app, dict(zip(DAYS, (53_187, 70_412, 90_319), strict=True)))
    page = phone
    log_in(page, "truong.phong")
    page.goto(f"/reports/{district_id}/{DAYS[2].isoformat()}")
    chart = page.locator("#report-trends svg")
    chart.scroll_into_view_if_needed()
    outside = chart.evaluate(
        "svg => { const left = svg.getBoundingClientRect().left;"
        " return [...svg.querySelectorAll('text[text-anchor=end]')]"
        "   .filter(t => t.getBoundingClientRect().left < left - 0.5)"
        "   .map(t => t.textContent); }"
    )
    assert outside == []
    expect(chart.locator("text", has_text="100.000")).to_have_count(1)
    screenshot(page, "print-walk-trend-axis")


def test_a_poster_marked_delivered_by_mistake_is_taken_back(phone, live_app, add_user):
    add_user("truong.phong", "supervisor")
    with live_app.app_context():
        venue = db.session.scalar(select(Venue).where(Venue.code == "QS-SH-0001"))
        office = db.session.scalar(select(User).where(User.username == "truong.phong"))
        poster_id = issue_poster(venue, office, "damaged", printed_now=True).id
        db.session.commit()
        assert db.session.scalar(select(District)) is not None
    page = phone
    log_in(page, "truong.phong")
    page.goto("/posters/queue")
    page.locator(f"#to-deliver-{poster_id}").get_by_role("button", name="Đánh dấu đã giao").click()
    delivered = page.locator(f"#delivered-{poster_id}")
    expect(delivered).to_be_visible()
    undo = delivered.get_by_role("button", name="Hoàn tác")
    expect(undo).to_be_visible()
    screenshot(page, "print-walk-delivered-undo")
    assert_fits_phone(page)
    undo.click()
    expect(page.locator(f"#to-deliver-{poster_id}")).to_be_visible()
    expect(page.locator(f"#delivered-{poster_id}")).to_have_count(0)
    with live_app.app_context():
        assert db.session.get(Poster, poster_id).state == "printed"
