"""On a phone (360 px): a letter with no figures says why it cannot be marked as sent; once
a letter is sent, the figures form and the removal's confirmation say so; the phone's Back
from the removal's confirmation shows the figures as typed."""

from datetime import timedelta

from playwright.sync_api import expect
from sqlalchemy import select

from fieldapp.extensions import db
from fieldapp.models import Commune, District, User
from tests.browser.phone import assert_fits_phone, log_in, screenshot
from tests.browser.test_letter_browser import DAY, add_figures
from tests.factories import PASSWORD


def _commune_ids(app) -> list[int]:
    with app.app_context():
        return list(db.session.scalars(select(Commune.id).order_by(Commune.id)))


def test_a_letter_without_figures_says_why_it_cannot_be_sent(phone, live_app, add_user):
    district_id = add_figures(live_app)
    add_user("truong-phong", "supervisor", "Hà Văn Minh")
    page = phone
    log_in(page, "truong-phong")
    page.goto(f"/reports/{district_id}/{(DAY - timedelta(days=1)).isoformat()}")
    sent = page.locator("#letter-sent")
    sent.scroll_into_view_if_needed()
    expect(sent.locator("#letter-sent-refused")).to_be_visible()
    expect(sent.locator("#letter-mark-sent")).to_be_disabled()
    assert_fits_phone(page)
    screenshot(page, "letters3-no-figures-not-sendable")


def test_sent_figures_warn_and_back_keeps_what_was_typed(phone, live_app, add_user):
    district_id = add_figures(live_app)
    first, second, _third = _commune_ids(live_app)
    add_user("truong-phong", "supervisor", "Hà Văn Minh")
    page = phone
    log_in(page, "truong-phong")
    page.goto(f"/reports/{district_id}/{DAY.isoformat()}")
    sent = page.locator("#letter-sent")
    sent.get_by_role("button", name="Đánh dấu đã gửi").click()
    sent.locator("#letter-sent-confirm").click()
    expect(sent).to_have_attribute("data-sent", "yes")

    form_url = f"/reports/{district_id}/{DAY.isoformat()}/figures"
    page.goto(form_url)
    warning = page.locator("#figures-sent-warning")
    expect(warning).to_contain_text("Hà Văn Minh")
    assert_fits_phone(page)
    screenshot(page, "letters3-figures-sent-warning")

    page.fill(f"#scans-{second}", "8800")
    page.check(f"input[name='clear-{first}']")
    page.get_by_role("button", name="Lưu số liệu").click()
    expect(page.locator("#figures-removal")).to_be_visible()
    expect(page.locator("#figures-sent-warning")).to_be_visible()
    assert_fits_phone(page)
    screenshot(page, "letters3-removal-sent-warning")

    page.go_back()
    expect(page.locator("#figures-restored")).to_be_visible()
    expect(page.locator(f"#scans-{second}")).to_have_value("8800")
    expect(page.locator(f"input[name='clear-{first}']")).to_be_checked()
    screenshot(page, "letters3-back-keeps-typed")

    # Saved and removed: the province's deadlines page shows the letter as sent with the
    # figures changed after.
    page.get_by_role("button", name="Lưu số liệu").click()
    page.locator("#confirm-removal").click()
    expect(page.locator("#figures-removal")).to_have_count(0)
    with live_app.app_context():
        district = db.session.get(District, district_id)
        user = User(
            username="tinh",
            display_name="Trịnh Văn Tỉnh",
            role="supervisor",
            district=district,
            scope="province",
        )
        user.set_password(PASSWORD)
        db.session.add(user)
        db.session.commit()
        province_id = district.province_id
    page.context.clear_cookies()
    log_in(page, "tinh")
    page.goto(f"/reports/province/{province_id}/deadlines")
    week = page.locator(f"#due-{DAY.isoformat()}")
    changed = week.locator('[data-figures-changed="yes"]')
    expect(changed).to_have_count(1)
    if not changed.is_visible():
        week.locator("summary").first.click()
    changed.scroll_into_view_if_needed()
    expect(changed).to_contain_text("Số liệu đã sửa sau khi gửi")
    assert_fits_phone(page)
    screenshot(page, "letters3-deadlines-changed-after-sent")
