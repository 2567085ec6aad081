"""A citizen reports a venue on a 360 px phone, without an account: from the poster's second
code (/p/<code>) or the general form, then follows the report with its tracking code."""

import io
import re

import pytest
from PIL import Image
from playwright.sync_api import expect
from sqlalchemy import select

from fieldapp.extensions import db
from fieldapp.models import CitizenReport
from tests.browser.phone import assert_fits_phone, log_in, screenshot


def photo() -> dict:
    out = io.BytesIO()
    Image.new("RGB", (1200, 900), (180, 40, 40)).save(out, "JPEG", quality=85)
    return {"name": "cong-cho.jpg", "mimeType": "image/jpeg", "buffer": out.getvalue()}


def test_a_citizen_reports_from_the_posters_code_and_follows_it(phone):
    page = phone
    page.goto("/p/QS-SH-0001")
    expect(page.locator("#reported-venue")).to_contain_text("Chợ Sơn Hà")
    expect(page.locator("#reported-venue")).to_contain_text("Bản Hạ Sơn")
    expect(page.locator(".menu")).to_have_count(0)  # no officials' menu
    assert_fits_phone(page)
    page.locator("#field-problem input[value=no_qr]").check()
    page.locator("#details").fill("Cổng chợ không có mã QR, khách vào không quét.")
    page.locator("#photo").set_input_files(photo())
    page.locator("#contact_phone").fill("0912 345 678")
    screenshot(page, "citizen-report-venue")
    page.locator("#send-report").click()

    page.wait_for_url(re.compile(r"/phan-anh/[2-9A-Z]{8}$"))
    code = page.url.rsplit("/", 1)[1]
    expect(page.locator("#flash-1")).to_contain_text(code)
    expect(page.locator("#tracking")).to_have_attribute("data-state", "new")
    expect(page.locator("#tracking-due")).to_have_text(re.compile(r"\d\d/\d\d/\d{4}"))
    page_text = page.locator("main").inner_text()
    assert "0912" not in page_text and "Lò Văn Thành" not in page_text
    assert_fits_phone(page)
    screenshot(page, "citizen-report-tracking")

    # Later, from another visit: the code typed by hand, in lower case.
    page.goto("/phan-anh/tra-cuu")
    page.locator("#lookup-code").fill(code.lower())
    page.locator("#lookup-form button[type=submit]").click()
    page.wait_for_url(f"**/phan-anh/{code}")
    expect(page.locator("#flash-1")).to_have_count(0)
    expect(page.locator("#tracking")).to_have_attribute("data-state", "new")


@pytest.mark.parametrize("language", ["vi", "en"])
def test_the_photo_is_kept_when_the_form_comes_back_with_a_message(phone, live_app, language):
    page = phone
    page.goto("/p/qs-sh-0001")  # the poster's code typed on a phone's keyboard
    page.wait_for_url("**/p/QS-SH-0001")
    if language == "en":
        page.get_by_role("button", name="English").click()
        expect(page.locator("html")).to_have_attribute("lang", "en")
    page.locator("#photo").set_input_files(photo())
    page.locator("#details").fill("Mã QR bị che.")
    page.locator("#send-report").click()  # no problem chosen
    expect(page.locator("#field-problem .error")).to_be_visible()
    held = page.locator("#held-photo")
    expect(held.locator("img")).to_be_visible()
    assert held.locator("img").evaluate("img => img.complete && img.naturalWidth > 0")
    expect(held).to_contain_text("sent with the report" if language == "en" else "gửi kèm")
    expect(page.locator("#details")).to_have_value("Mã QR bị che.")
    assert_fits_phone(page)
    screenshot(page, f"citizen-report-photo-kept-{language}")
    page.locator("#field-problem input[value=no_qr]").check()
    page.locator("#send-report").click()
    page.wait_for_url(re.compile(r"/phan-anh/[2-9A-Z]{8}$"))
    with live_app.app_context():
        (report,) = db.session.scalars(select(CitizenReport))
        assert report.photo_path.endswith(".jpg") and report.details == "Mã QR bị che."
    # Back: the form shown again was a GET (post/redirect/get), so no "Confirm Form
    # Resubmission": a fresh form, nothing sent twice.
    page.go_back()
    expect(page).to_have_url(re.compile(r"/p/QS-SH-0001\?draft="))
    expect(page.locator("#send-report")).to_be_visible()
    expect(page.locator("#details")).to_have_value("")
    with live_app.app_context():
        assert len(db.session.scalars(select(CitizenReport)).all()) == 1


def test_a_citizen_finds_the_venue_by_typing_without_accents(phone):
    page = phone
    page.goto("/phan-anh")
    page.locator("#where-district").select_option(label="Quan Sơn (Thanh Hóa)")
    page.locator("#where-next").click()
    page.locator("#where-commune").select_option(label="Sơn Hà")
    page.locator("#where-next").click()
    # An emoji alone lists nothing and says what to type.
    page.locator("#where-q").fill("😀")
    expect(page.locator("#no-venue-found")).to_contain_text("Chưa có chữ hoặc số để tìm")
    expect(page.locator("#venue-results input[name=venue]")).to_have_count(0)
    assert_fits_phone(page)
    # htmx lists the venues as the words are typed.
    with page.expect_response(
        lambda response: "q=cho+son" in response.url or "q=cho%20son" in response.url
    ):
        page.locator("#where-q").fill("cho son")
    expect(page.locator("#venue-results")).to_contain_text("Chợ Sơn Hà")
    page.locator("#venue-results").get_by_text("Chợ Sơn Hà").click()
    page.locator("#field-problem input[value=not_checked]").check()
    assert_fits_phone(page)
    screenshot(page, "citizen-report-general")
    page.locator("#send-report").click()
    page.wait_for_url(re.compile(r"/phan-anh/[2-9A-Z]{8}$"))
    expect(page.locator("#tracking")).to_have_attribute("data-state", "new")

    # English, without an account.
    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("#tracking-state")).to_have_text("Received: the office will check it")


def test_the_office_enters_a_telephone_report(phone, add_user):
    add_user("truongphong", "supervisor")
    page = phone
    log_in(page, "truongphong")
    page.goto("/citizen-reports/new")
    page.locator("#where-commune").select_option(label="Sơn Lư")
    page.locator("#where-next").click()
    with page.expect_response(lambda response: "q=truong" in response.url):
        page.locator("#where-q").fill("truong")
    page.locator("#venue-results").get_by_text("Trường Tiểu học thị trấn Sơn Lư").click()
    page.locator("#channel").select_option("phone")
    page.locator("#field-problem input[value=qr_not_working]").check()
    page.locator("#contact_phone").fill("0987654321")
    assert_fits_phone(page)
    screenshot(page, "citizen-report-office")
    page.locator("#send-report").click()
    page.wait_for_url("**/citizen-reports/new")
    expect(page.locator(".flash-success")).to_contain_text(re.compile(r"[2-9A-Z]{8}"))
