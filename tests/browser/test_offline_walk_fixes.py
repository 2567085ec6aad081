"""The walk of 1 December 2026, in real Chromium: a correction typed with no signal goes
through the outbox, a finding refused because its venue was closed can be read and sent
again once the venue is reopened, and logging out with findings on the phone warns first."""

from playwright.sync_api import expect

from fieldapp.extensions import db
from fieldapp.models import Venue
from tests.browser.phone import log_in, screenshot, wait_until
from tests.browser.test_offline import (
    add_photo,
    fill_checklist,
    inspections,
    open_form,
    wait_for_outbox,
)


def record_online(page) -> None:
    open_form(page)
    fill_checklist(page)
    add_photo(page)
    page.get_by_role("button", name="Ghi kết quả kiểm tra").click()
    expect(page.get_by_role("status")).to_contain_text("Đã ghi kết quả kiểm tra")


def record_offline(page) -> None:
    open_form(page)
    fill_checklist(page)
    add_photo(page)
    page.context.set_offline(True)
    page.get_by_role("button", name="Ghi kết quả kiểm tra").click()
    expect(page.locator("[data-queued]")).to_be_visible()


def set_venue_open(app, venue_id: int, is_open: bool) -> None:
    with app.app_context():
        db.session.get(Venue, venue_id).is_active = is_open
        db.session.commit()


def test_a_correction_typed_with_no_signal_is_queued_and_sent(phone_without_worker, live_app):
    page = phone_without_worker
    log_in(page)
    record_online(page)
    [finding] = inspections(live_app)
    page.goto(f"/inspections/{finding.id}/edit")
    page.context.set_offline(True)
    page.get_by_label("Ghi chú").fill("Sửa khi không có sóng.")
    page.get_by_role("button", name="Gửi bản sửa").click()
    # Kept on the phone, not Chromium's "no internet" page.
    expect(page.locator("[data-queued]")).to_be_visible()
    expect(page.locator("[data-queued]").locator('a[href^="/inspections/"]')).to_be_visible()
    screenshot(page, "60-correction-queued")
    wait_for_outbox(page, ["sent", "waiting"])
    [unchanged] = inspections(live_app)
    assert unchanged.notes == "Chủ quán đã dán mã mới."
    # Opened again before it is sent, the form says a correction waits on the phone.
    page.context.set_offline(False)
    page.route(
        "**/inspections/*/edit",
        lambda route: (
            route.abort("internetdisconnected")
            if route.request.method == "POST"
            else route.continue_()
        ),
    )
    page.goto(f"/inspections/{finding.id}/edit")
    expect(page.locator("[data-correction-waiting]")).to_be_visible()
    page.unroute("**/inspections/*/edit")

    page.goto("/outbox")
    wait_for_outbox(page, ["sent", "sent"])
    expect(page.locator(".outbox-item").nth(1)).to_contain_text("Bản sửa: Chợ Sơn Hà")
    [corrected] = inspections(live_app)
    assert corrected.id == finding.id
    assert corrected.notes == "Sửa khi không có sóng." and len(corrected.photos) == 1
    assert corrected.review_state == "pending"
    # Reopening the form offers no stale draft.
    page.goto(f"/inspections/{finding.id}/edit")
    expect(page.get_by_label("Ghi chú")).to_have_value("Sửa khi không có sóng.")
    expect(page.locator(".draft-offer")).to_have_count(0)


def test_a_correction_draft_survives_a_reload(phone_without_worker, live_app):
    page = phone_without_worker
    log_in(page)
    record_online(page)
    [finding] = inspections(live_app)
    page.goto(f"/inspections/{finding.id}/edit")
    page.get_by_label("Ghi chú").fill("Đang sửa dở.")
    wait_until(
        page,
        "key => FieldappOutbox.getDraft(key).then(d => !!d && "
        "d.fields.some(f => f[0] === 'notes' && f[1] === 'Đang sửa dở.'))",
        f"correction-{finding.uuid}",
    )
    page.reload()
    page.get_by_role("button", name="Khôi phục bản nháp").click()
    expect(page.get_by_label("Ghi chú")).to_have_value("Đang sửa dở.")
    assert page.locator('[name="uuid"]').input_value() == finding.uuid
    # the new inspection form of the venue does not offer the correction's draft
    page.goto("/venues/1/inspections/new")
    expect(page.locator("[data-gps-status]")).to_contain_text("± 15 m")
    page.wait_for_timeout(300)
    expect(page.locator(".draft-offer")).to_have_count(0)


def test_a_finding_refused_for_a_closed_venue_is_sent_again_once_reopened(
    phone_without_worker, live_app
):
    page = phone_without_worker
    log_in(page)
    record_offline(page)
    set_venue_open(live_app, 1, False)
    page.context.set_offline(False)
    page.goto("/outbox")
    item = page.locator(".outbox-item")
    expect(item.locator("[data-state]")).to_have_text("Bị từ chối")
    expect(item).to_contain_text("đóng cửa")
    # Its answers can be read (and copied), each under its question.
    item.locator("[data-answers] summary").click()
    expect(item.locator("[data-answer='staff_name']")).to_have_text("Lương Thị Hoa")
    expect(item.locator("[data-answer='qr_posted']")).to_have_text("Niêm yết rõ ràng tại lối vào")
    screenshot(page, "61-outbox-venue-closed")
    # Sent again while still closed: refused again, still kept.
    with page.expect_response(lambda r: r.request.method == "POST") as sent:
        item.get_by_role("button", name="Gửi lại").click()
    assert sent.value.status == 409
    expect(item.locator("[data-state]")).to_have_text("Bị từ chối")
    assert inspections(live_app) == []

    set_venue_open(live_app, 1, True)
    page.locator(".outbox-item").get_by_role("button", name="Gửi lại").click()
    expect(page.locator(".outbox-item [data-state]")).to_have_text("Đã gửi")
    [inspection] = inspections(live_app)
    assert inspection.staff_name == "Lương Thị Hoa" and len(inspection.photos) == 1


def test_logging_out_with_a_finding_waiting_warns_and_sends_first(phone_without_worker, live_app):
    page = phone_without_worker
    log_in(page)
    record_offline(page)
    # Back online, but the finding has not gone out yet.
    page.route("**/venues/*/inspections", lambda route: route.abort("internetdisconnected"))
    page.context.set_offline(False)
    page.goto("/outbox")
    wait_for_outbox(page, ["waiting"])
    page.locator("details.menu > summary").click()
    page.get_by_role("button", name="Đăng xuất").click()
    warning = page.locator("#logout-warning")
    expect(warning).to_contain_text("Còn 1 kết quả chưa gửi")
    assert "/login" not in page.url
    screenshot(page, "62-logout-warning")

    page.unroute("**/venues/*/inspections")
    warning.get_by_role("button", name="Gửi ngay").click()
    expect(warning).to_contain_text("Đã gửi hết")
    assert len(inspections(live_app)) == 1
    warning.get_by_role("button", name="Đăng xuất").click()
    page.wait_for_url("**/login?logged_out=1")


def test_logging_out_anyway_keeps_the_finding_on_the_phone(phone_without_worker, live_app):
    page = phone_without_worker
    log_in(page)
    record_offline(page)
    page.route("**/venues/*/inspections", lambda route: route.abort("internetdisconnected"))
    page.context.set_offline(False)
    page.goto("/outbox")
    wait_for_outbox(page, ["waiting"])
    page.locator("details.menu > summary").click()
    page.get_by_role("button", name="Đăng xuất").click()
    page.locator("#logout-warning").get_by_role("button", name="Vẫn đăng xuất").click()
    page.wait_for_url("**/login?logged_out=1")
    wait_for_outbox(page, ["waiting"])
    assert inspections(live_app) == []


def test_a_refused_correction_is_fixed_from_the_outbox(phone_without_worker, live_app):
    page = phone_without_worker
    log_in(page)
    record_online(page)
    [finding] = inspections(live_app)
    page.goto(f"/inspections/{finding.id}/edit")
    page.context.set_offline(True)
    page.get_by_label("Trong đó, số người quét mã").fill("25")  # more than seen: refused
    page.get_by_label("Ghi chú").fill("Sửa lại số người quét.")
    page.get_by_role("button", name="Gửi bản sửa").click()
    expect(page.locator("[data-queued]")).to_be_visible()
    page.context.set_offline(False)
    page.goto("/outbox")
    item = page.locator(".outbox-item").nth(1)
    expect(item.locator("[data-state]")).to_have_text("Bị từ chối")
    expect(item.locator("[data-problem='visitors_scanned']")).to_be_visible()
    item.get_by_role("button", name="Sửa và gửi lại").click()
    page.wait_for_url(f"**/inspections/{finding.id}/edit?fix=*")
    expect(page.locator("#field-visitors_scanned .error")).to_contain_text("Không được lớn hơn")
    expect(page.get_by_label("Ghi chú")).to_have_value("Sửa lại số người quét.")
    page.get_by_label("Trong đó, số người quét mã").fill("8")
    page.get_by_role("button", name="Gửi bản sửa").click()
    page.wait_for_url(f"**/inspections/{finding.id}")
    [corrected] = inspections(live_app)
    assert corrected.visitors_scanned == 8 and corrected.notes == "Sửa lại số người quét."
    page.goto("/outbox")
    expect(page.locator(".outbox-item [data-state]")).to_have_text(["Đã gửi", "Đã gửi"])
