"""The letter at phone size after the reviewer's walk (2026-12-01): what to check before
exporting is said at the top of the letter, and after "Lưu công văn" the letter's own
export buttons are on the screen, not 4,000 px above."""

from datetime import date

from playwright.sync_api import expect

from tests.browser.phone import assert_fits_phone, log_in, screenshot
from tests.browser.test_letter_browser import add_figures

DAY = date(2026, 11, 27)


def test_saving_the_letter_lands_next_to_its_export_buttons(phone, live_app, add_user):
    district_id = add_figures(live_app)
    add_user("truong-phong", "supervisor", "Hà Văn Minh")
    page = phone
    log_in(page, "truong-phong")
    page.goto(f"/reports/{district_id}/{DAY.isoformat()}")

    letter = page.locator("#letter")
    warnings = letter.locator("#letter-warnings")
    expect(warnings.locator('[data-warning="no-signer"]')).to_contain_text("người ký")
    expect(warnings.locator('[data-warning="no-request"]')).to_be_visible()
    warnings.scroll_into_view_if_needed()
    screenshot(page, "walk-letter-warnings")

    letter.get_by_label("2. Tồn tại, hạn chế").fill("Xã Mường Mìn chưa triển khai quét mã QR.")
    letter.get_by_role("button", name="Lưu công văn").click()
    expect(letter.locator("#letter-section-2 .badge-edited")).to_have_text("Đã sửa")
    pdf = letter.locator("#letter-export-pdf")
    expect(pdf).to_have_text("Xuất công văn (PDF)")
    expect(pdf).to_be_in_viewport()
    expect(letter.locator("#letter-export-docx")).to_be_in_viewport()
    assert_fits_phone(page)
    screenshot(page, "walk-letter-saved")

    with page.expect_download() as download:
        letter.locator("#letter-export-docx").click()
    assert download.value.suggested_filename.endswith(f"{DAY.isoformat()}.docx")
