"""The audit trail's filters on a 360 px phone (walk of 01/12/2026, item 12): each has a
label one can see, and no choice is cut."""

from tests.browser.phone import assert_fits_phone, log_in, screenshot

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
    for select in ("#audit-user", "#audit-action", "#audit-entity"):
        count = phone.locator(f"{select} option").count()
        for index in range(count):
            phone.locator(select).evaluate("(s, i) => { s.selectedIndex = i; }", index)
            assert phone.evaluate(SELECTS_CUT) == [], (select, index)
    phone.locator("#audit-user").select_option(label="Nguyễn Thị Hồng Nhung (mai)")
    phone.locator("#audit-action").select_option("login_limited")
    phone.locator("#audit-entity").select_option("session")
    phone.get_by_role("button", name="Lọc").click()
    phone.wait_for_url("**/audit?*")
    assert phone.locator("#audit-action").input_value() == "login_limited"
    assert phone.evaluate(SELECTS_CUT) == []
    screenshot(phone, "accounts-audit-filters-chosen")
