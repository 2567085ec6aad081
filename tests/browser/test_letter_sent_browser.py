"""Marking the weekly letter as sent on a phone (360 px): the button beside the letter's
exports, the confirmation that says what will be recorded, the mark (who, when) and its
undo, which asks too; "No, go back" changes nothing."""

from playwright.sync_api import expect
from sqlalchemy import select

from fieldapp.extensions import db
from fieldapp.models import AuditEntry
from tests.browser.phone import assert_fits_phone, log_in, screenshot
from tests.browser.test_letter_browser import DAY, add_figures


def _actions(app) -> list[str]:
    with app.app_context():
        query = select(AuditEntry.action).where(AuditEntry.action.like("letter_%sent"))
        return list(db.session.scalars(query.order_by(AuditEntry.id)))


def test_marking_the_letter_sent_and_undoing_it(phone, live_app, add_user):
    district_id = add_figures(live_app)
    add_user("truong-phong", "supervisor", "Hà Văn Minh")
    page = phone
    log_in(page, "truong-phong")
    page.goto(f"/reports/{district_id}/{DAY.isoformat()}")

    sent = page.locator("#letter-sent")
    expect(sent).to_have_attribute("data-sent", "no")
    button = sent.get_by_role("button", name="Đánh dấu đã gửi")
    button.scroll_into_view_if_needed()
    expect(page.locator("#letter-export-pdf")).to_be_visible()  # beside the exports
    screenshot(page, "75-letter-not-sent")
    button.click()

    # The confirmation, in place: what will be recorded; nothing is yet.
    expect(sent).to_have_attribute("data-confirm", "sent")
    expect(sent).to_contain_text("Đánh dấu công văn ngày 27/11/2026 là đã gửi lên tỉnh?")
    expect(sent.locator("#letter-sent-confirm")).to_have_text("Xác nhận đã gửi")
    expect(sent.locator("#letter-sent-cancel")).to_have_text("Không, quay lại")
    assert _actions(live_app) == []
    assert_fits_phone(page)
    screenshot(page, "76-letter-sent-confirm")
    sent.locator("#letter-sent-cancel").click()
    expect(sent).to_have_attribute("data-sent", "no")
    assert _actions(live_app) == []

    sent.get_by_role("button", name="Đánh dấu đã gửi").click()
    sent.locator("#letter-sent-confirm").click()
    expect(sent).to_have_attribute("data-sent", "yes")
    expect(sent.locator("#letter-sent-mark")).to_contain_text("Đã gửi: Hà Văn Minh, ngày ")
    expect(sent.locator("#letter-unmark-sent")).to_have_text("Hủy đánh dấu")
    assert _actions(live_app) == ["letter_sent"]
    assert_fits_phone(page)
    screenshot(page, "77-letter-sent")

    # The mark stays on the page after a reload, and its undo asks first too.
    page.reload()
    sent = page.locator("#letter-sent")
    expect(sent).to_have_attribute("data-sent", "yes")
    sent.locator("#letter-unmark-sent").click()
    expect(sent).to_have_attribute("data-confirm", "undo")
    expect(sent).to_contain_text("Đã gửi: Hà Văn Minh")
    assert_fits_phone(page)
    screenshot(page, "78-letter-unsent-confirm")
    sent.locator("#letter-sent-confirm").click()
    expect(sent).to_have_attribute("data-sent", "no")
    assert _actions(live_app) == ["letter_sent", "letter_unsent"]
