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
from tests.browser.phone import answer, log_in, screenshot
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


def test_a_damaged_code_gets_a_replacement_in_the_print_queue(phone_without_worker, live_app):
    page = phone_without_worker
    log_in(page)
    open_form(page)
    fill_checklist(page)
    answer(page, "qr_posted", "Bị hư hỏng hoặc không quét được")
    add_photo(page)
    page.get_by_role("button", name="Ghi kết quả kiểm tra").click()
    page.locator(".history").get_by_role("link").first.click()
    page.get_by_role("button", name="Cấp, đưa vào hàng chờ in").click()
    expect(page.get_by_role("status")).to_contain_text("QS-SH-0001-v2")
    expect(page.locator("#posters")).to_contain_text("QS-SH-0001-v2")
    expect(page.locator("#posters")).to_contain_text("Chờ in")
    screenshot(page, "14-venue-poster-history")
    with live_app.app_context():
        poster = db.session.scalar(select(Poster))
        assert poster.state == "queued" and poster.reason == "damaged"
