"""Accounts at phone size: the admin creates an account, the new user replaces the one-time
password at their first log-in."""

from playwright.sync_api import expect
from sqlalchemy import select

from fieldapp.extensions import db
from fieldapp.models import User
from tests.browser.phone import assert_fits_phone, screenshot
from tests.factories import PASSWORD


def assert_big_tap_targets(page) -> None:
    """Every button and form control of the page's content is at least 44 px tall."""
    controls = "main button, main .btn, main input:not([type=hidden]), main select"
    heights = page.evaluate(
        "s => Array.from(document.querySelectorAll(s))"
        ".map(e => [e.textContent.trim() || e.name, e.getBoundingClientRect().height])",
        controls,
    )
    small = [(name, height) for name, height in heights if height < 44]
    assert not small, small


def type_log_in(page, username, password) -> None:
    page.goto("/login")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(password)
    page.get_by_role("button", name="Đăng nhập").click()


def test_admin_creates_an_account_whose_user_chooses_a_password(
    add_user, phone_without_worker, live_app
):
    add_user("it.officer", "admin", "Phạm Văn Đức")
    page = phone_without_worker
    type_log_in(page, "it.officer", PASSWORD)
    page.wait_for_url("**/")
    page.locator("summary").click()
    page.get_by_role("link", name="Tài khoản").click()
    expect(page.get_by_role("heading", name="Tài khoản")).to_be_visible()
    expect(page.get_by_text("Lò Văn Thành")).to_be_visible()
    page.get_by_role("link", name="Tạo tài khoản").click()
    page.get_by_label("Tên đăng nhập").fill("lan.ha")
    page.get_by_label("Họ và tên").fill("Hà Thị Lan")
    assert_fits_phone(page)
    assert_big_tap_targets(page)
    page.get_by_role("button", name="Tạo tài khoản").click()
    expect(page.get_by_role("heading", name="Đã tạo tài khoản")).to_be_visible()
    one_time = page.locator("[data-one-time-password]").inner_text().strip()
    assert len(one_time) == 16
    assert_fits_phone(page)
    screenshot(page, "40-account-one-time-password")

    page.locator("summary").click()
    page.get_by_role("button", name="Đăng xuất").click()
    page.wait_for_url("**/login**")
    type_log_in(page, "lan.ha", one_time)
    page.wait_for_url("**/account/password")
    expect(page.get_by_text("Hãy chọn mật khẩu của riêng bạn")).to_be_visible()
    assert_fits_phone(page)
    assert_big_tap_targets(page)
    page.get_by_label("Mật khẩu hiện tại").fill(one_time)
    page.get_by_label("Mật khẩu mới", exact=True).fill("hoa ban no tren doi")
    page.get_by_label("Nhập lại mật khẩu mới").fill("hoa ban no tren doi")
    page.get_by_role("button", name="Đổi mật khẩu").click()
    expect(page.get_by_text("Đã đổi mật khẩu")).to_be_visible()
    with live_app.app_context():
        user = db.session.scalar(select(User).where(User.username == "lan.ha"))
        assert not user.must_change_password and user.check_password("hoa ban no tren doi")
