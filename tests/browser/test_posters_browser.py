"""Posters in Chromium at phone size: checking the posted code from the form, and
issuing a replacement from a finding."""

import io
from pathlib import Path

from playwright.sync_api import expect
from sqlalchemy import select

from fieldapp.config import load_config
from fieldapp.extensions import db
from fieldapp.models import Inspection, Poster
from fieldapp.posters.render import register_fonts
from tests.browser.phone import answer, assert_fits_phone, log_in, screenshot
from tests.browser.test_offline import add_photo, fill_checklist, open_form
from tests.test_posters import pdf_bytes, photo_of, raster, text_for


def photo_of_posted_code(payload: str) -> dict:
    register_fonts(Path(load_config()["POSTER_FONT_DIR"]))
    image = photo_of(raster(pdf_bytes([text_for(payload=payload)]), dpi=120), "rotated")
    out = io.BytesIO()
    image.convert("RGB").save(out, "JPEG")
    return {"name": "ma-dang-niem-yet.jpg", "mimeType": "image/jpeg", "buffer": out.getvalue()}


def test_scanning_the_posted_code_answers_the_question(phone_without_worker, live_app):
    page = phone_without_worker
    log_in(page)
    open_form(page)
    fill_checklist(page)
    page.locator("#field-qr_matches").get_by_label("Chưa kiểm tra").check()
    page.get_by_label("Quét mã đang niêm yết").set_input_files(
        photo_of_posted_code("https://qr.example/QS-SH-0001")
    )
    expect(page.locator("#scan-result")).to_contain_text("Đây đúng là mã đã đăng ký")
    expect(page.locator("#field-qr_matches").get_by_label("Đúng mã của địa điểm")).to_be_checked()
    screenshot(page, "13-scan-own-code")
    # A neighbour's code on the door: the answer turns to "no", naming the venue.
    page.get_by_label("Quét mã đang niêm yết").set_input_files(
        photo_of_posted_code("https://qr.example/QS-SL-0002-not-registered")
    )
    expect(page.locator("#scan-result")).to_contain_text("Mã lạ")
    expect(
        page.locator("#field-qr_matches").get_by_label("Không, mã của nơi khác hoặc mã cũ")
    ).to_be_checked()
    add_photo(page)
    page.get_by_role("button", name="Ghi kết quả kiểm tra").click()
    expect(page.get_by_role("status")).to_contain_text("Không đạt")
    with live_app.app_context():
        inspection = db.session.scalar(select(Inspection))
        assert inspection.scan_verdict == "unknown"
        assert inspection.scanned_payload == "https://qr.example/QS-SL-0002-not-registered"


def one_line(page, button) -> bool:
    """The button's label takes one line at this width."""
    return button.evaluate(
        "el => { const s = getComputedStyle(el);"
        " const inner = el.clientHeight - parseFloat(s.paddingTop) - parseFloat(s.paddingBottom);"
        " return inner < 1.5 * parseFloat(s.lineHeight); }"
    )


def test_a_damaged_code_gets_a_replacement_in_the_print_queue(phone_without_worker, live_app):
    page = phone_without_worker
    log_in(page)
    open_form(page)
    fill_checklist(page)
    answer(page, "qr_posted", "Bị hư hỏng hoặc không quét được")
    add_photo(page)
    page.get_by_role("button", name="Ghi kết quả kiểm tra").click()
    page.wait_for_url("**/inspections/*")  # the finding's page, which offers the new poster
    page.locator("#replacement-offer").get_by_role("button", name="Đưa vào hàng chờ in").click()
    expect(page.get_by_role("status")).to_contain_text("QS-SH-0001-v2")
    expect(page.locator("#replacement-issued")).to_contain_text("Đã cấp QS-SH-0001-v2")
    expect(page.locator("#replacement-issued")).to_contain_text("Chờ in")
    expect(page.locator("#replacement-offer")).to_have_count(0)
    page.locator(".back a").click()
    expect(page.locator("#posters")).to_contain_text("QS-SH-0001-v2")
    expect(page.locator("#posters")).to_contain_text("Chờ in")
    screenshot(page, "14-venue-poster-history")
    with live_app.app_context():
        poster = db.session.scalar(select(Poster))
        assert poster.state == "queued" and poster.reason == "damaged"


def test_a_missing_code_offers_the_new_poster_at_once(phone_without_worker, live_app, add_user):
    """At 360 px: saving a finding of a missing code opens the finding's page with the two
    buttons, each on one line; once issued, the inspector and then the supervisor see
    "Đã cấp ..." with its state and no button to issue another."""
    page = phone_without_worker
    add_user("truong-phong", "supervisor", "Hà Văn Minh")
    log_in(page)
    open_form(page)
    fill_checklist(page)
    answer(page, "qr_posted", "Không niêm yết mã QR")
    add_photo(page)
    page.get_by_role("button", name="Ghi kết quả kiểm tra").click()
    page.wait_for_url("**/inspections/*")
    offer = page.locator("#replacement-offer")
    now = offer.get_by_role("button", name="Cấp và in ngay")
    queue = offer.get_by_role("button", name="Đưa vào hàng chờ in")
    expect(now).to_be_visible()
    expect(queue).to_be_visible()
    assert one_line(page, now) and one_line(page, queue)
    assert_fits_phone(page)
    page.locator("#replacement").scroll_into_view_if_needed()
    screenshot(page, "15-offer-after-missing-code")
    queue.click()
    issued = page.locator("#replacement-issued")
    expect(issued).to_contain_text("Đã cấp QS-SH-0001-v2")
    expect(issued).to_have_attribute("data-state", "queued")
    page.go_back()  # the page with the buttons, from the history: a second tap
    page.reload()
    expect(page.locator("#replacement-offer")).to_have_count(0)
    finding_url = page.url

    page.locator("summary").click()
    page.get_by_role("button", name="Đăng xuất").click()
    page.wait_for_url("**/login**")
    log_in(page, "truong-phong")
    page.goto(finding_url)
    expect(page.locator("#replacement-issued")).to_contain_text("Đã cấp QS-SH-0001-v2")
    expect(page.locator("#replacement-offer")).to_have_count(0)
    assert_fits_phone(page)
    page.locator("#replacement").scroll_into_view_if_needed()
    screenshot(page, "15-issued-seen-by-supervisor")
    with live_app.app_context():
        [poster] = db.session.scalars(select(Poster)).all()
        assert poster.reason == "missing" and poster.state == "queued"
