"""The second walk of 1 December 2026, in real Chromium at 360 px: a correction and its
finding open with no signal, a stale correction's draft is sent on the finding as it is
now, a finding with no photo is not queued, and logging out with no signal (or with refused
findings on the phone) says what is true."""

from datetime import datetime

from playwright.sync_api import expect

from fieldapp.extensions import db
from fieldapp.models import Inspection
from tests.browser.phone import assert_fits_phone, log_in, screenshot, wait_until
from tests.browser.test_offline import (
    add_photo,
    fill_checklist,
    inspections,
    open_form,
    outbox_states,
    wait_for_outbox,
)
from tests.browser.test_offline_walk_fixes import record_online

CACHED = "url => caches.open('pages-v1').then(c => c.match(url)).then(hit => !!hit)"


def open_menu_and_log_out(page) -> None:
    page.locator("details.menu > summary").click()
    page.get_by_role("button", name="Đăng xuất").click()


def test_a_correction_and_its_finding_open_with_no_signal(phone, live_app):
    page = phone
    log_in(page)
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    wait_until(page, "navigator.serviceWorker.controller !== null")
    record_online(page)
    [finding] = inspections(live_app)
    page.goto(f"/inspections/{finding.id}")
    # Opened with signal, the finding keeps its correction form for later, and the other way.
    for url in (f"/inspections/{finding.id}", f"/inspections/{finding.id}/edit"):
        wait_until(page, CACHED, url)

    page.context.set_offline(True)
    page.goto(f"/inspections/{finding.id}/edit")
    expect(page.locator("[data-correction-form]")).to_be_visible()
    page.get_by_label("Ghi chú").fill("Sửa khi mất sóng, mở lại.")
    page.get_by_role("button", name="Gửi bản sửa").click()
    expect(page.locator("[data-queued]")).to_be_visible()
    # The queued notice's link to the finding opens it from the phone, not "never saved".
    page.locator("[data-queued]").locator(f'a[href="/inspections/{finding.id}"]').click()
    page.wait_for_url(f"**/inspections/{finding.id}")
    expect(page.locator("[data-prefetch-finding]")).to_be_visible()
    expect(page.get_by_role("heading", name="Không có sóng")).to_have_count(0)
    # Reopened (a reload, Back), the form says a correction waits on the phone.
    page.goto(f"/inspections/{finding.id}/edit")
    expect(page.locator("[data-correction-waiting]")).to_be_visible()
    expect(page.get_by_role("heading", name="Không có sóng")).to_have_count(0)
    assert_fits_phone(page)
    screenshot(page, "70-correction-reopened-offline")

    page.context.set_offline(False)
    page.goto("/outbox")
    wait_for_outbox(page, ["sent", "sent"])
    [corrected] = inspections(live_app)
    assert corrected.notes == "Sửa khi mất sóng, mở lại."


def test_a_stale_correction_draft_is_sent_on_the_finding_as_it_is_now(
    phone_without_worker, live_app
):
    page = phone_without_worker
    log_in(page)
    record_online(page)
    [finding] = inspections(live_app)
    edit = f"/inspections/{finding.id}/edit"
    other = page.context.new_page()
    other.goto(edit)
    page.goto(edit)
    page.get_by_label("Ghi chú").fill("Sửa ở thẻ A.")
    page.get_by_role("button", name="Gửi bản sửa").click()
    page.wait_for_url(f"**/inspections/{finding.id}")

    # Tab B still shows the finding as it was: refused as stale, its input kept.
    other.get_by_label("Trong đó, số người quét mã").fill("7")
    other.get_by_label("Ghi chú").fill("Sửa ở thẻ B.")
    other.get_by_role("button", name="Gửi bản sửa").click()
    expect(other.locator("[data-client-error]").first).to_be_visible()
    wait_for_outbox(other, ["sent", "sent", "refused"])
    other.close()

    # Reopened later: the refused entry is not "waiting", and the draft goes on the finding
    # as it is now (its version), so it is accepted.
    page.goto(edit)
    expect(page.locator("[data-correction-refused]")).to_be_visible()
    expect(page.locator("[data-correction-waiting]")).to_have_count(0)
    current = page.locator('[name="version"]').input_value()
    page.get_by_role("button", name="Khôi phục bản nháp").click()
    expect(page.get_by_label("Ghi chú")).to_have_value("Sửa ở thẻ B.")
    expect(page.locator("[data-restored-current]")).to_be_visible()
    assert page.locator('[name="version"]').input_value() == current
    assert_fits_phone(page)
    screenshot(page, "71-stale-draft-restored")
    page.get_by_role("button", name="Gửi bản sửa").click()
    page.wait_for_url(f"**/inspections/{finding.id}")
    [corrected] = inspections(live_app)
    assert corrected.notes == "Sửa ở thẻ B." and corrected.visitors_scanned == 7
    wait_for_outbox(page, ["sent", "sent", "sent"])


def test_a_stale_correction_is_fixed_from_the_outbox(phone_without_worker, live_app):
    page = phone_without_worker
    log_in(page)
    record_online(page)
    [finding] = inspections(live_app)
    edit = f"/inspections/{finding.id}/edit"
    page.goto(edit)
    page.context.set_offline(True)
    page.get_by_label("Ghi chú").fill("Sửa khi mất sóng.")
    page.get_by_role("button", name="Gửi bản sửa").click()
    expect(page.locator("[data-queued]")).to_be_visible()
    # Meanwhile the finding is corrected on another phone: the queued one is now stale.
    with live_app.app_context():
        inspection = db.session.get(Inspection, finding.id)
        inspection.notes = "Sửa trên máy khác."
        inspection.updated_at = datetime(2026, 12, 1, 12, 0)
        db.session.commit()
    page.context.set_offline(False)
    page.goto("/outbox")
    wait_for_outbox(page, ["sent", "refused"])
    item = page.locator(".outbox-item").nth(1)
    item.get_by_role("button", name="Sửa và gửi lại").click()
    page.wait_for_url(f"**{edit}?fix=*")
    expect(page.get_by_label("Ghi chú")).to_have_value("Sửa khi mất sóng.")
    expect(page.locator("[data-restored-current]")).to_be_visible()
    page.get_by_role("button", name="Gửi bản sửa").click()
    page.wait_for_url(f"**/inspections/{finding.id}")
    [corrected] = inspections(live_app)
    assert corrected.notes == "Sửa khi mất sóng."
    wait_for_outbox(page, ["sent", "sent"])


def test_with_no_signal_a_finding_without_its_photo_is_not_queued(phone_without_worker, live_app):
    page = phone_without_worker
    log_in(page)
    open_form(page)
    fill_checklist(page)
    page.context.set_offline(True)
    page.get_by_role("button", name="Ghi kết quả kiểm tra").click()
    # The server's own words, while the inspector can still photograph the entrance.
    expect(page.locator("#field-photos .error")).to_contain_text("Chụp ít nhất một ảnh")
    expect(page.locator("[data-queued]")).to_have_count(0)
    assert outbox_states(page) == []
    assert_fits_phone(page)
    screenshot(page, "72-offline-photo-required")
    add_photo(page)
    page.get_by_role("button", name="Ghi kết quả kiểm tra").click()
    expect(page.locator("[data-queued]")).to_be_visible()
    assert outbox_states(page) == ["waiting"]


def test_logging_out_with_no_signal_says_it_needs_signal(phone_without_worker, live_app):
    page = phone_without_worker
    log_in(page)
    open_form(page)
    fill_checklist(page)
    add_photo(page)
    page.context.set_offline(True)
    page.get_by_role("button", name="Ghi kết quả kiểm tra").click()
    expect(page.locator("[data-queued]")).to_be_visible()
    form_url = page.url

    open_menu_and_log_out(page)
    warning = page.locator("#logout-warning")
    expect(warning.locator("[data-logout-waiting]")).to_contain_text("Còn 1 kết quả chưa gửi")
    warning.get_by_role("button", name="Gửi ngay").click()
    expect(warning.locator("[data-logout-waiting]")).to_contain_text("Không có sóng")
    warning.get_by_role("button", name="Vẫn đăng xuất").click()
    # Not Chromium's error page, and not a logout that did not happen: the truth, here.
    expect(warning.locator("[data-logout-offline]")).to_be_visible()
    assert page.url == form_url
    assert_fits_phone(page)
    screenshot(page, "73-logout-needs-signal")

    # With signal it logs out; the finding waits on the phone for this inspector.
    page.route("**/venues/*/inspections", lambda route: route.abort("internetdisconnected"))
    page.context.set_offline(False)
    warning.get_by_role("button", name="Vẫn đăng xuất").click()
    page.wait_for_url("**/login?logged_out=1")
    page.goto("/")
    assert "/login" in page.url  # the session really ended


def test_logging_out_with_nothing_waiting_and_no_signal_keeps_the_user_here(
    phone_without_worker, live_app
):
    page = phone_without_worker
    log_in(page)
    page.goto("/outbox")
    page.context.set_offline(True)
    open_menu_and_log_out(page)
    expect(page.locator("#logout-warning [data-logout-offline]")).to_be_visible()
    assert page.url.endswith("/outbox")
    page.context.set_offline(False)
    page.get_by_role("button", name="Đăng xuất").click()  # the menu is still open
    page.wait_for_url("**/login?logged_out=1")


def test_logging_out_on_a_stalled_link_shows_it_is_checking(phone_without_worker, live_app):
    """Asking whether there is signal can take the network's whole timeout: the button says
    it is checking and takes no second tap, then says the truth."""
    page = phone_without_worker
    log_in(page)
    page.goto("/outbox")
    page.wait_for_load_state("networkidle")  # the page's own look for signal is done
    held = []
    page.route("**/account/csrf-token", lambda route: held.append(route))  # no answer yet
    open_menu_and_log_out(page)
    button = page.locator("[data-logout-form] button[type=submit]")
    expect(button).to_have_text("Đang kiểm tra sóng…")
    expect(button).to_be_disabled()
    expect(button).to_have_attribute("aria-busy", "true")
    for _ in range(100):  # the stalled request reaches the route a moment later
        if held:
            break
        page.wait_for_timeout(50)
    for route in held:
        route.abort("internetdisconnected")
    expect(page.locator("#logout-warning [data-logout-offline]")).to_be_visible()
    expect(button).to_have_text("Đăng xuất")
    expect(button).to_be_enabled()
    assert page.url.endswith("/outbox")


def test_the_logout_warning_names_refused_findings_apart(phone_without_worker, live_app):
    page = phone_without_worker
    log_in(page)
    open_form(page)
    fill_checklist(page, scanned="25")  # more scanned than seen: the server refuses it
    add_photo(page)
    page.context.set_offline(True)
    page.get_by_role("button", name="Ghi kết quả kiểm tra").click()
    expect(page.locator("[data-queued]")).to_be_visible()
    page.context.set_offline(False)
    page.goto("/outbox")
    wait_for_outbox(page, ["refused"])

    open_menu_and_log_out(page)
    warning = page.locator("#logout-warning")
    expect(warning.locator("[data-logout-refused]")).to_contain_text("1 kết quả bị từ chối")
    expect(warning.locator("[data-logout-waiting]")).to_be_hidden()
    expect(warning.get_by_role("button", name="Gửi ngay")).to_be_hidden()
    expect(warning.locator('a[href="/outbox"]')).to_be_visible()
    assert_fits_phone(page)
    screenshot(page, "74-logout-refused")
    warning.get_by_role("button", name="Vẫn đăng xuất").click()
    page.wait_for_url("**/login?logged_out=1")
    assert inspections(live_app) == []
