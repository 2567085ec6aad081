"""Whole tasks walked on the phone as the users do them (session 18's walk): what they found
wrong, checked where a person sees it."""

from playwright.sync_api import expect
from sqlalchemy import select

from fieldapp.extensions import db
from fieldapp.models import Commune, User
from tests.browser.phone import log_in, screenshot
from tests.browser.test_offline import (
    add_photo,
    fill_checklist,
    inspections,
    open_form,
    wait_for_outbox,
)

# Every label in the menu, measured: its text fits inside the button, and a count beside a
# label stands apart from it.
MENU_MEASURES = """() => [...document.querySelectorAll('.menu-body a, .menu-body button')]
  .filter((el) => el.offsetParent !== null)
  .map((el) => {
    const text = [...el.childNodes].find((n) => n.nodeType === 3 && n.textContent.trim());
    const count = el.querySelector('.count');
    let gap = null;
    if (text && count) {
      const range = document.createRange();
      range.selectNodeContents(text);
      gap = count.getBoundingClientRect().left - range.getBoundingClientRect().right;
    }
    return {label: el.innerText, overflow: el.scrollWidth - el.clientWidth, gap};
  })"""


def test_the_menu_labels_fit_the_phone_and_counts_stand_apart(phone, live_app, add_user):
    add_user("supervisor", "supervisor")
    log_in(phone, "supervisor")
    phone.locator(".menu summary").click()
    screenshot(phone, "walk-menu-supervisor")
    buttons = phone.evaluate(MENU_MEASURES)
    assert any("Bản in mã QR" in button["label"] for button in buttons)
    for button in buttons:
        assert button["overflow"] <= 0, button
    gaps = [button["gap"] for button in buttons if button["gap"] is not None]
    assert gaps, "the citizens' reports count is in the menu"
    assert all(gap >= 3 for gap in gaps), buttons


def test_an_import_preview_says_its_table_scrolls_sideways(
    add_user, phone_without_worker, live_app, tmp_path
):
    add_user("admin", "admin", "Phạm Văn Đức")
    sheet = tmp_path / "dia-diem.csv"
    sheet.write_text(
        "Mã,Tên,Loại hình,Địa chỉ,Xã/phường/thị trấn,Người liên hệ\n"
        "QS-SH-0100,Nhà văn hóa bản Hạ Sơn,Nhà văn hóa thôn,Bản Hạ Sơn,Sơn Hà,Vi Văn Hạ\n"
    )
    page = phone_without_worker
    log_in(page, "admin")
    page.goto("/venues/import")
    page.get_by_label("Bảng tính").set_input_files(str(sheet))
    page.get_by_role("button", name="Đọc bảng tính").click()
    table = page.locator("#import-preview .table-scroll")
    # The venue's name is out of sight at 360 px: the hint tells the admin to swipe for it.
    assert table.evaluate("t => t.scrollWidth > t.clientWidth")
    assert page.get_by_text("Vuốt ngang để xem thêm cột").is_visible()
    screenshot(page, "walk-venue-import-preview")


OUTCOME_LABELS_VI = {
    "compliant": "Đạt yêu cầu",
    "needs_improvement": "Cần khắc phục",
    "non_compliant": "Không đạt",
}


def test_the_form_says_sent_once_its_queued_finding_has_gone(phone_without_worker, live_app):
    """Recorded with no signal, the form said "saved on this phone and will be sent" and
    went on saying it after the finding had been sent."""
    page = phone_without_worker
    log_in(page)
    open_form(page)
    fill_checklist(page)
    add_photo(page)
    page.context.set_offline(True)
    page.get_by_role("button", name="Ghi kết quả kiểm tra").click()
    notice = page.locator("[data-queued]")
    expect(notice).to_contain_text("Không có sóng")
    assert inspections(live_app) == []
    page.context.set_offline(False)  # the `online` event sends the outbox
    wait_for_outbox(page, ["sent"])
    expect(notice).to_contain_text("Đã gửi")
    expect(notice).not_to_contain_text("Không có sóng")
    [finding] = inspections(live_app)
    outcome = page.locator("#outcome-preview")
    expect(outcome).not_to_contain_text("Không có sóng")
    expect(outcome).to_have_text(OUTCOME_LABELS_VI[finding.outcome])
    screenshot(page, "walk-queued-then-sent")


# Each filter's chosen option, measured in the select's own font against the room the select
# gives it (its width less its padding and the arrow).
CHOICES_CUT = """() => [...document.querySelectorAll('.filter-row select')].map((select) => {
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
  return width > room ? select.selectedOptions[0].text : null;
}).filter(Boolean)"""


def test_the_venue_lists_filters_show_their_choice_in_full(phone, live_app, add_user):
    add_user("supervisor", "supervisor")
    log_in(phone, "supervisor")
    phone.goto("/venues?type=public_transport&status=never&outcome=needs_improvement")
    assert phone.locator("#venue-type").input_value() == "public_transport"
    assert phone.evaluate(CHOICES_CUT) == []  # "Phương tiện vận tải c…", "Chưa kiểm tra l…"
    phone.goto("/venues")
    assert phone.evaluate(CHOICES_CUT) == []  # "Tất cả loại hìn…", "Tất cả tình trạ…"
    screenshot(phone, "walk-venue-filters")


def test_the_figures_preview_says_its_table_scrolls_sideways(
    phone_without_worker, live_app, add_user, tmp_path
):
    """The registry's and the reports' previews said so; the figures' preview did not."""
    add_user("mai", "supervisor")
    sheet = tmp_path / "so-lieu.csv"
    sheet.write_text(
        "Xã,Số địa điểm tạo mã QR,Tổng lượt quét,Số máy đã cài PC-Covid,"
        "Số máy điện thoại thông minh\nSơn Hà,20,3427,606,1724\nSơn Lư,37,18618,685,1601\n"
    )
    page = phone_without_worker
    log_in(page, "mai")
    page.goto("/reports/import")
    page.get_by_label("Bảng tính").set_input_files(str(sheet))
    page.get_by_role("button", name="Đọc bảng tính").click()
    scroller = page.locator(".table-scroll:has(.preview-table)")
    expect(scroller).to_be_visible()
    assert scroller.evaluate("t => t.scrollWidth > t.clientWidth")
    expect(scroller.get_by_text("Vuốt ngang để xem thêm cột")).to_be_visible()
    screenshot(page, "walk-figures-preview")


def test_the_logs_filters_show_their_choice_in_full(phone, live_app, add_user):
    """Two to a row, "Phương tiện vận tải công cộng" read "Phương tiện vậ", "Đã trả lại để sửa"
    "Đã trả lại để s", "Tất cả trạng thái duyệt" "Tất cả trạng thá"."""
    add_user("supervisor", "supervisor")
    log_in(phone, "supervisor")
    phone.goto("/inspections?type=public_transport&review=returned&photos=with")
    assert phone.locator("#log-type").input_value() == "public_transport"
    assert phone.evaluate(CHOICES_CUT) == []
    phone.goto("/inspections")
    phone.locator(".filters-fold > summary").click()  # "Lọc", folded when nothing is set
    assert phone.evaluate(CHOICES_CUT) == []
    screenshot(phone, "walk-log-filters")


def test_a_province_users_commune_filter_shows_the_district_in_full(phone, live_app, add_user):
    """Half a row cut "Mường Mìn · Quan Sơn" to "Mường Mìn · Q": the district, which tells
    two communes of one name apart, was the part lost."""
    add_user("tinh", "supervisor")
    with live_app.app_context():
        db.session.scalar(select(User).where(User.username == "tinh")).scope = "province"
        db.session.commit()
        chosen = db.session.scalar(select(Commune.id).where(Commune.name == "Mường Mìn"))
    log_in(phone, "tinh")
    phone.goto(f"/venues?commune={chosen}&type=public_transport")
    assert phone.locator("#venue-commune option:checked").inner_text() == "Mường Mìn · Quan Sơn"
    assert phone.evaluate(CHOICES_CUT) == []
    screenshot(phone, "walk-province-venue-filters")
