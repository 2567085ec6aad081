"""Editing the weekly letter on a 360 px phone: section 2 of a report date's letter typed on
the report page, saved, shown as edited, kept after a reload; then back to the draft."""

from datetime import date

from playwright.sync_api import expect
from sqlalchemy import select

from fieldapp.extensions import db
from fieldapp.models import Commune, CommuneFigures, LetterEdit
from tests.browser.phone import assert_fits_phone, log_in, screenshot

DAY = date(2026, 11, 27)


def add_figures(app) -> int:
    """A week's national figures for the browser test's three communes; Mường Mìn has no
    scans. Returns the district's id."""
    with app.app_context():
        communes = db.session.scalars(select(Commune).order_by(Commune.id)).all()
        for commune, scans in zip(communes, (7000, 4336, 0), strict=True):
            db.session.add(
                CommuneFigures(commune=commune, report_date=DAY, venues_with_qr=120, scans=scans)
            )
        db.session.commit()
        return communes[0].district_id


def test_editing_section_two_on_the_report_page(phone, live_app, add_user):
    district_id = add_figures(live_app)
    add_user("truong-phong", "supervisor", "Hà Văn Minh")
    page = phone
    log_in(page, "truong-phong")
    page.goto(f"/reports/{district_id}/{DAY.isoformat()}")

    letter = page.locator("#letter")
    section_two = letter.get_by_label("2. Tồn tại, hạn chế")
    expect(section_two).to_contain_text("xã Mường Mìn chưa có lượt quét nào")
    expect(letter.locator(".badge-edited")).to_have_count(0)
    assert_fits_phone(page)

    section_two.fill(
        "Xã Mường Mìn chưa triển khai quét mã QR.\nChợ Sơn Hà chưa bố trí người hướng dẫn."
    )
    letter.get_by_role("button", name="Lưu công văn").click()
    expect(letter.locator("#letter-section-2")).to_contain_text(
        "Chợ Sơn Hà chưa bố trí người hướng dẫn."
    )
    expect(letter.locator("#letter-section-2 .badge-edited")).to_have_text("Đã sửa")
    expect(letter.locator("#letter-edited")).to_contain_text("Đã sửa bởi Hà Văn Minh")
    assert_fits_phone(page)
    screenshot(page, "70-letter-edited")

    page.reload()
    letter = page.locator("#letter")
    expect(letter.get_by_label("2. Tồn tại, hạn chế")).to_have_value(
        "Xã Mường Mìn chưa triển khai quét mã QR.\nChợ Sơn Hà chưa bố trí người hướng dẫn."
    )
    expect(letter.locator("#letter-section-2 .badge-edited")).to_have_text("Đã sửa")

    # The way back to the draft asks first.
    letter.get_by_text("Trở về bản nháp").click()
    page.once("dialog", lambda dialog: dialog.accept())
    letter.get_by_role("button", name="Bỏ nội dung đã sửa, dùng bản nháp").click()
    expect(letter.locator(".badge-edited")).to_have_count(0)
    expect(letter.get_by_label("2. Tồn tại, hạn chế")).to_contain_text(
        "xã Mường Mìn chưa có lượt quét nào"
    )
    with live_app.app_context():
        assert db.session.scalar(select(LetterEdit)) is None


def test_the_template_settings_on_a_phone(phone, live_app, add_user):
    district_id = add_figures(live_app)
    add_user("truong-phong", "supervisor", "Hà Văn Minh")
    page = phone
    log_in(page, "truong-phong")
    page.goto(f"/reports/{district_id}/{DAY.isoformat()}")
    page.locator("#letter").get_by_role("link", name="Mẫu công văn của huyện").click()
    expect(page.get_by_role("heading", name="Mẫu công văn: Quan Sơn")).to_be_visible()
    expect(page.get_by_label("Ký hiệu sau số văn bản")).to_have_value("UBND-VHTT")
    assert_fits_phone(page)
    page.get_by_label("Nhóm thấp: số xã").fill("không")
    page.get_by_label("Họ tên người ký").fill("Lương Văn Thắng")
    page.get_by_role("button", name="Lưu mẫu").click()
    expect(page.get_by_text("Một số nguyên từ 1 đến 50.")).to_be_visible()
    expect(page.get_by_label("Họ tên người ký")).to_have_value("Lương Văn Thắng")
    page.get_by_label("Nhóm thấp: số xã").fill("1")
    page.get_by_role("button", name="Lưu mẫu").click()
    expect(page.get_by_text("Đã lưu mẫu công văn của Quan Sơn.")).to_be_visible()
    screenshot(page, "71-letter-template")
    page.get_by_role("link", name="Báo cáo ngày 27/11/2026").click()
    expect(page.locator("#letter")).to_contain_text("Lương Văn Thắng")
