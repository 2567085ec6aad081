"""The audit trail's filters on a 360 px phone (walk of 01/12/2026, item 12): each has a
label one can see, and no choice is cut."""

from playwright.sync_api import expect
from sqlalchemy import select

from fieldapp.extensions import db
from fieldapp.models import User
from tests.browser.phone import assert_fits_phone, log_in, screenshot
from tests.factories import PASSWORD

# Each select of the audit's filters: cut when its box scrolls, or when its chosen option,
# measured in the select's own font, is wider than the room the select gives it (its width
# less its padding and the arrow).
SELECTS_CUT = """() => [...document.querySelectorAll('#audit-filters select')].map((select) => {
  const style = getComputedStyle(select);
  const probe = document.createElement('span');
  probe.style.font = style.font;
  probe.style.whiteSpace = 'pre';
  probe.style.position = 'absolute';
  probe.textContent = select.selectedOptions[0].text;
  document.body.appendChild(probe);
  const width = probe.getBoundingClientRect().width;
  probe.remove();
  const padding = parseFloat(style.paddingLeft) + parseFloat(style.paddingRight);
  const room = select.clientWidth - padding - 20;
  const cut = select.scrollWidth > select.clientWidth || width > room;
  return cut ? select.selectedOptions[0].text : null;
}).filter(Boolean)"""

# Every control of the filters with the text of its visible label (none: not labelled where
# one can see it), and whether it lies within the screen's width.
LABELS = """() => [...document.querySelectorAll('#audit-filters select, #audit-filters input')]
  .filter((control) => control.type !== 'hidden')
  .map((control) => {
    const label = document.querySelector(`label[for="${control.id}"]`);
    const box = label && label.getBoundingClientRect();
    const seen = box && box.width > 0 && box.height > 0 && label.innerText.trim();
    const right = control.getBoundingClientRect().right;
    return {name: control.name, label: seen || null, within: right <= window.innerWidth};
  })"""


def test_the_audit_filters_are_labelled_and_fit_the_phone(phone, live_app, add_user):
    add_user("admin", "admin", "Phạm Văn Đức")
    add_user("mai", "supervisor", "Nguyễn Thị Hồng Nhung")
    log_in(phone, "admin")
    phone.goto("/audit")
    controls = phone.evaluate(LABELS)
    assert {control["name"] for control in controls} >= {"user", "action", "entity", "record"}
    for control in controls:
        assert control["label"] and control["within"], control
    assert phone.evaluate(SELECTS_CUT) == []  # "Tất cả người dù…", "Tất cả thao tá…"
    assert_fits_phone(phone)
    screenshot(phone, "accounts-audit-filters")
    # Every choice of each list reads in full once chosen (the longest action is "Từ chối
    # đăng nhập: thử quá nhiều lần").
    for chosen in ("#audit-user", "#audit-action", "#audit-entity"):
        count = phone.locator(f"{chosen} option").count()
        for index in range(count):
            phone.locator(chosen).evaluate("(s, i) => { s.selectedIndex = i; }", index)
            assert phone.evaluate(SELECTS_CUT) == [], (chosen, index)
    phone.locator("#audit-user").select_option(label="Nguyễn Thị Hồng Nhung (mai)")
    phone.locator("#audit-action").select_option("login_limited")
    phone.locator("#audit-entity").select_option("session")
    phone.get_by_role("button", name="Lọc").click()
    phone.wait_for_url("**/audit?*")
    assert phone.locator("#audit-action").input_value() == "login_limited"
    assert phone.evaluate(SELECTS_CUT) == []
    screenshot(phone, "accounts-audit-filters-chosen")


# Every button of a page, measured: its label on one line within the button.
BUTTONS_WRAPPED = """() => [...document.querySelectorAll('main .btn')]
  .filter((el) => el.offsetParent !== null)
  .filter((el) => {
    const lines = el.getClientRects().length;
    const style = getComputedStyle(el);
    const line = parseFloat(style.lineHeight) || parseFloat(style.fontSize) * 1.3;
    const text = el.innerText.trim();
    const range = document.createRange();
    range.selectNodeContents(el);
    const height = range.getBoundingClientRect().height;
    return lines > 1 || height > line * 1.6 || el.scrollWidth > el.clientWidth || !text;
  })
  .map((el) => el.innerText)"""


def test_a_reset_is_confirmed_and_a_post_only_address_has_a_way_back(phone, live_app, add_user):
    add_user("admin", "admin", "Phạm Văn Đức")
    add_user("lan", "inspector", "Hà Thị Lan")
    log_in(phone, "admin")
    phone.goto("/users/new")
    assert phone.locator("#scope option").all_inner_texts() == ["Huyện của mình"]
    screenshot(phone, "accounts-new-user")
    phone.goto("/users")
    phone.get_by_role("link", name="Hà Thị Lan").click()
    phone.locator("#reset-password").click()
    confirm = phone.locator("#confirm-reset")
    confirm.wait_for()
    assert "data-one-time-password" not in phone.content()
    assert phone.evaluate(BUTTONS_WRAPPED) == []
    screenshot(phone, "accounts-reset-confirm")
    confirm.click()
    phone.locator("[data-one-time-password]").wait_for()
    # The one-time page's address opened again (as from the history): the app's own 405.
    phone.goto(phone.url)
    assert phone.locator(".error-status").inner_text() == "405"
    phone.get_by_role("link", name="Về trang chủ").click()
    phone.wait_for_url("**/")
    phone.goto("/logout")
    assert phone.locator(".error-status").inner_text() == "405"
    assert_fits_phone(phone)
    screenshot(phone, "accounts-405")


def test_a_locked_account_is_told_so_on_the_phone(phone, live_app, add_user):
    add_user("lan", "inspector", "Hà Thị Lan")
    with live_app.app_context():
        user = db.session.scalar(select(User).where(User.username == "lan"))
        user.is_enabled = False
        db.session.commit()
    phone.goto("/login")
    phone.get_by_label("Tên đăng nhập").fill("lan")
    phone.get_by_label("Mật khẩu").fill(PASSWORD)
    phone.get_by_role("button", name="Đăng nhập").click()
    expect(phone.locator(".flash-error")).to_have_text(
        "Tài khoản đã bị khóa. Hãy liên hệ quản trị viên của huyện."
    )
    screenshot(phone, "accounts-locked-login")
