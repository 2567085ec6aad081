"""Working with no signal, in real Chromium: drafts, the outbox, and not one finding
lost or doubled."""

import io
from pathlib import Path

from PIL import Image
from playwright.sync_api import expect
from sqlalchemy import select

from fieldapp.extensions import db
from fieldapp.models import Inspection
from tests.browser.phone import answer, log_in, screenshot, wait_until


def photo(size=(2400, 1800), color=(30, 90, 160), name="ma-qr.jpg") -> dict:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "JPEG", quality=90)
    return {"name": name, "mimeType": "image/jpeg", "buffer": out.getvalue()}


USER = "Number(document.body.dataset.userId)"


def fill_checklist(page, scanned="9", notes="Chủ quán đã dán mã mới.") -> None:
    answer(page, "qr_posted", "Niêm yết rõ ràng tại lối vào")
    answer(page, "qr_matches", "Đúng mã của địa điểm")
    answer(page, "checkin_method", "Khách quét mã niêm yết")
    answer(page, "staff_assigned", "Có")
    page.get_by_label("Họ tên người được phân công").fill("Lương Thị Hoa")
    page.get_by_label("Số điện thoại của người đó").fill("0912000111")
    page.get_by_label("Số người vào (quan sát được)").fill("10")
    page.get_by_label("Trong đó, số người quét mã").fill(scanned)
    page.get_by_label("Ghi chú").fill(notes)


def add_photo(page, picture=None) -> None:
    page.get_by_label("Ảnh mã QR niêm yết và lối vào").set_input_files(picture or photo())
    expect(page.locator("[data-photo-count]")).to_have_text("Đã chọn 1 ảnh")


def open_form(page, venue_name="Chợ Sơn Hà") -> None:
    page.goto("/venues?q=" + venue_name)
    page.locator("#venue-results").get_by_role("link", name=venue_name).click()
    page.get_by_role("link", name="Bắt đầu kiểm tra").click()
    expect(page.locator("[data-gps-status]")).to_contain_text("± 15 m")


def outbox_states(page) -> list:
    return page.evaluate("FieldappOutbox.items(null).then(l => l.map(i => i.state))")


def wait_for_outbox(page, states: list) -> None:
    wait_until(
        page,
        "expected => FieldappOutbox.items(null).then(l => "
        "JSON.stringify(l.map(i => i.state)) === JSON.stringify(expected))",
        states,
    )


def inspections(app) -> list[Inspection]:
    with app.app_context():
        found = db.session.scalars(select(Inspection)).all()
        for inspection in found:
            assert inspection.photos is not None  # loaded before the session closes
        return found


def test_offline_visit_is_sent_once_when_the_signal_returns(phone, live_app):
    page = phone
    context = page.context
    log_in(page)
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")  # installed and active
    page.goto("/venues?q=son+ha")
    wait_until(page, "navigator.serviceWorker.controller !== null")
    # The search results are kept for later: the venue page and its form.
    for url in ("/venues/1", "/venues/1/inspections/new"):
        wait_until(
            page, "url => caches.open('pages-v1').then(c => c.match(url)).then(hit => !!hit)", url
        )

    context.set_offline(True)
    page.goto("/venues/1")  # from the phone's cache
    expect(page.get_by_role("heading", name="Chợ Sơn Hà")).to_be_visible()
    page.get_by_role("link", name="Bắt đầu kiểm tra").click()
    fill_checklist(page)
    add_photo(page)
    page.get_by_role("button", name="Ghi kết quả kiểm tra").click()
    expect(page.locator("[data-queued]")).to_contain_text("Không có sóng")
    expect(page.locator("[data-outbox-count]")).to_have_text("1")
    screenshot(page, "10-queued-offline")
    # The photo left the camera at 2400 px and waits on the phone at 1600 px.
    size = page.evaluate(
        "FieldappOutbox.items(null).then(l => createImageBitmap(l[0].photos[0].blob))"
        ".then(b => [b.width, b.height])"
    )
    assert size == [1600, 1200]
    assert inspections(live_app) == []
    page.close()

    context.set_offline(False)
    again = context.new_page()
    again.goto("/")
    wait_for_outbox(again, ["sent"])
    expect(again.locator("[data-outbox-badge]")).to_be_hidden()
    [inspection] = inspections(live_app)
    assert inspection.staff_name == "Lương Thị Hoa"
    assert inspection.visitors_scanned == 9
    [stored] = inspection.photos
    with Image.open(Path(live_app.config["UPLOAD_FOLDER"]) / stored.path) as image:
        assert image.size == (1600, 1200)
        assert image.getpixel((800, 600))[2] > 120  # the blue poster, intact


def test_a_submission_cut_after_the_server_got_it_is_not_doubled(phone_without_worker, live_app):
    page = phone_without_worker
    log_in(page)
    open_form(page)
    fill_checklist(page)
    add_photo(page)
    received = []

    def cut_after_delivery(route):
        received.append(route.fetch())  # the server receives and records it...
        route.abort("internetdisconnected")  # ...but the answer never reaches the phone

    page.route("**/venues/*/inspections", cut_after_delivery)
    page.get_by_role("button", name="Ghi kết quả kiểm tra").click()
    expect(page.locator("[data-queued]")).to_be_visible()
    assert received[0].status == 201
    assert len(inspections(live_app)) == 1
    wait_for_outbox(page, ["waiting"])

    page.unroute("**/venues/*/inspections")
    page.evaluate("window.dispatchEvent(new Event('online'))")
    wait_for_outbox(page, ["sent"])
    message = page.evaluate("FieldappOutbox.items(null).then(l => l[0].message)")
    assert message == "Kết quả này đã được ghi trước đó."
    [inspection] = inspections(live_app)
    assert len(inspection.photos) == 1


def test_a_double_tap_records_once(phone_without_worker, live_app):
    page = phone_without_worker
    log_in(page)
    open_form(page)
    fill_checklist(page)
    add_photo(page)
    page.get_by_role("button", name="Ghi kết quả kiểm tra").dblclick()
    expect(page.get_by_role("status")).to_contain_text("Đã ghi kết quả kiểm tra")
    assert len(inspections(live_app)) == 1
    # Two tabs sending the same draft: the second gets the first back.
    page.evaluate("""() => FieldappOutbox.items(null).then(l => {
        const copy = Object.assign({}, l[0], {state: 'waiting', photos: []});
        return FieldappOutbox.saveItem(copy); })""")
    page.evaluate("FieldappOutbox.flush()")
    wait_for_outbox(page, ["sent"])
    assert len(inspections(live_app)) == 1


def test_a_reload_while_filling_brings_the_draft_back(phone_without_worker, live_app):
    page = phone_without_worker
    log_in(page)
    open_form(page)
    fill_checklist(page, notes="Đang kiểm tra dở, điện thoại tắt màn hình.")
    answer(page, "paper_fallback", "Không")
    page.locator("#field-actions").get_by_label("Đã nhắc nhở địa điểm").check()
    add_photo(page)
    uuid = page.locator('[name="uuid"]').input_value()
    wait_until(
        page,
        f"FieldappOutbox.latestDraft({USER}, 1).then(d => !!d && d.photos.length === 1"
        " && d.fields.some(f => f[0] === 'notes' && f[1].includes('tắt màn hình')))",
    )
    page.reload()
    # Tapping the new form before answering the offer must not overwrite the draft.
    answer(page, "qr_posted", "Không niêm yết mã QR")
    page.wait_for_timeout(600)
    page.get_by_role("button", name="Khôi phục bản nháp").click()

    assert page.locator('[name="uuid"]').input_value() == uuid
    expect(
        page.locator("#field-qr_posted").get_by_label("Niêm yết rõ ràng tại lối vào")
    ).to_be_checked()
    expect(page.locator("#field-qr_matches").get_by_label("Đúng mã của địa điểm")).to_be_checked()
    expect(
        page.locator("#field-checkin_method").get_by_label("Khách quét mã niêm yết")
    ).to_be_checked()
    expect(page.locator("#field-staff_assigned").get_by_label("Có", exact=True)).to_be_checked()
    expect(page.locator("#field-paper_fallback").get_by_label("Không", exact=True)).to_be_checked()
    expect(page.locator("#field-actions").get_by_label("Đã nhắc nhở địa điểm")).to_be_checked()
    expect(page.get_by_label("Họ tên người được phân công")).to_have_value("Lương Thị Hoa")
    expect(page.get_by_label("Số điện thoại của người đó")).to_have_value("0912000111")
    expect(page.get_by_label("Số người vào (quan sát được)")).to_have_value("10")
    expect(page.get_by_label("Trong đó, số người quét mã")).to_have_value("9")
    expect(page.get_by_label("Ghi chú")).to_have_value("Đang kiểm tra dở, điện thoại tắt màn hình.")
    expect(page.locator("[data-photo-count]")).to_have_text("Đã chọn 1 ảnh")
    expect(page.locator("#outcome-preview")).to_contain_text("Cần khắc phục")
    screenshot(page, "11-draft-restored")

    page.get_by_role("button", name="Ghi kết quả kiểm tra").click()
    expect(page.get_by_role("status")).to_contain_text("Đã ghi kết quả kiểm tra")
    [inspection] = inspections(live_app)
    assert inspection.uuid == uuid and inspection.paper_fallback is False
    assert page.evaluate(f"FieldappOutbox.latestDraft({USER}, 1)") is None
    page.go_back()  # Back does not lead to the sent form
    expect(page.get_by_role("button", name="Ghi kết quả kiểm tra")).to_have_count(0)


def test_a_refused_finding_waits_in_the_outbox_to_be_fixed(phone_without_worker, live_app):
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
    item = page.locator(".outbox-item")
    expect(item.locator("[data-state]")).to_have_text("Bị từ chối")
    expect(item).to_contain_text("Không được lớn hơn số người vào (quan sát được)")
    # The error names its question, not its field code.
    problem = item.locator("[data-problem='visitors_scanned']")
    expect(problem).to_contain_text(": Không được lớn hơn")
    expect(problem).not_to_contain_text("visitors_scanned")
    expect(page.locator("[data-outbox-count]")).to_have_text("1")
    screenshot(page, "12-outbox-refused")
    assert inspections(live_app) == []

    item.get_by_role("button", name="Sửa và gửi lại").click()
    expect(page.locator("#field-visitors_scanned .error")).to_contain_text("Không được lớn hơn")
    expect(page.get_by_label("Ghi chú")).to_have_value("Chủ quán đã dán mã mới.")
    expect(page.locator("[data-photo-count]")).to_have_text("Đã chọn 1 ảnh")
    page.get_by_label("Trong đó, số người quét mã").fill("8")
    page.get_by_role("button", name="Ghi kết quả kiểm tra").click()
    expect(page.get_by_role("status")).to_contain_text("Đã ghi kết quả kiểm tra")
    [inspection] = inspections(live_app)
    assert inspection.visitors_scanned == 8 and len(inspection.photos) == 1
    page.goto("/outbox")
    expect(page.locator(".outbox-item [data-state]")).to_have_text("Đã gửi")
    expect(page.locator("[data-outbox-badge]")).to_be_hidden()


def test_an_expired_login_keeps_the_finding_until_the_inspector_logs_in(
    phone_without_worker, live_app
):
    page = phone_without_worker
    log_in(page)
    open_form(page)
    fill_checklist(page)
    add_photo(page)
    page.context.set_offline(True)
    page.get_by_role("button", name="Ghi kết quả kiểm tra").click()
    expect(page.locator("[data-queued]")).to_be_visible()
    page.context.clear_cookies()  # the session expired while the phone was offline
    page.context.set_offline(False)

    page.evaluate("window.dispatchEvent(new Event('online'))")
    wait_for_outbox(page, ["login"])
    page.goto("/login?next=/outbox")
    page.get_by_label("Tên đăng nhập").fill("inspector")
    page.get_by_label("Mật khẩu").fill("test-password")
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url("**/outbox")
    expect(page.locator(".outbox-item [data-state]")).to_have_text("Đã gửi")
    [inspection] = inspections(live_app)
    assert inspection.staff_name == "Lương Thị Hoa" and len(inspection.photos) == 1


def test_a_finding_answered_429_waits_and_is_sent_later(phone_without_worker, live_app):
    page = phone_without_worker
    log_in(page)
    open_form(page)
    fill_checklist(page)
    add_photo(page)
    page.context.set_offline(True)
    page.get_by_role("button", name="Ghi kết quả kiểm tra").click()
    expect(page.locator("[data-queued]")).to_be_visible()
    page.context.set_offline(False)

    def too_many(route):
        route.fulfill(
            status=429,
            headers={"Retry-After": "30"},
            content_type="application/json",
            body='{"status": "limited", "retry_after": 30, "message": "Thử lại sau 1 phút."}',
        )

    page.route("**/venues/*/inspections", too_many)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    wait_until(page, "FieldappOutbox.items(null).then(l => l[0].attempts >= 1)")
    wait_for_outbox(page, ["waiting"])  # kept to send again, not refused
    assert inspections(live_app) == []

    page.unroute("**/venues/*/inspections")
    page.evaluate("window.dispatchEvent(new Event('online'))")
    wait_for_outbox(page, ["sent"])
    assert len(inspections(live_app)) == 1
