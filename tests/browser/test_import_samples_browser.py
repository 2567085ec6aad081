"""Each import page at phone size offers its sample file as a full tap target; the file the
phone downloads is read back by the same page without a refused row."""

import pytest
from playwright.sync_api import expect

from tests.browser.phone import assert_fits_phone, log_in, screenshot

TAP = 44  # px: the smallest tap target the app allows (WCAG 2.5.5's 44 × 44)

PAGES = [
    ("/venues/import", "70-venue-import-sample"),
    ("/reports/import", "71-figures-import-sample"),
    ("/citizen-reports/import", "72-citizen-import-sample"),
]


@pytest.mark.parametrize(("url", "name"), PAGES, ids=[p[0] for p in PAGES])
def test_the_sample_file_is_a_tap_away_and_reads_back(
    add_user, phone_without_worker, tmp_path, url, name
):
    add_user("admin", "admin", "Phạm Văn Đức")
    page = phone_without_worker
    log_in(page, "admin")
    page.goto(url)
    link = page.locator("#import-sample")
    expect(link).to_be_visible()
    expect(link).to_be_in_viewport()
    box = link.bounding_box()
    assert box["height"] >= TAP and box["width"] >= TAP, box
    assert_fits_phone(page)
    screenshot(page, name)

    with page.expect_download() as started:
        link.click()
    download = started.value
    assert download.suggested_filename.startswith("mau-")
    assert download.suggested_filename.endswith(".xlsx")
    sample = tmp_path / download.suggested_filename
    download.save_as(sample)

    page.get_by_label("Bảng tính").set_input_files(str(sample))
    page.get_by_role("button", name="Đọc bảng tính").click()
    preview = page.locator("#import-preview")
    expect(preview).to_be_visible()
    expect(preview.locator(".row-ok")).to_have_count(3)
    expect(preview.locator(".row-refused")).to_have_count(0)
    expect(page.locator(".error[role=alert]")).to_have_count(0)
    assert_fits_phone(page)
