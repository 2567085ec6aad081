"""A supervisor imports the national system's citizens' reports at phone size: the
preview row by row (new, +1, refused with its reason), then the import."""

from playwright.sync_api import expect
from sqlalchemy import select

from fieldapp.extensions import db
from fieldapp.models import CitizenReport
from tests.browser.phone import assert_fits_phone, log_in, screenshot

# Times long past, whatever the clock of the machine running the test says.
EXPORT = (
    "Mã phản ánh;Mã địa điểm;Tên địa điểm;Xã;Loại;Nội dung;Thời gian;Số điện thoại\n"
    "PA-0001;QS-SH-0001;;;Không có mã QR;Cổng chợ không có mã QR;28/11/2025 08:15;0912345678\n"
    "PA-0002;QS-SH-0001;;;Không có mã QR;;28/11/2025 17:40;\n"
    "PA-0003;;Quán cà phê Bản Bơ;Mường Mìn;Không kiểm tra quét mã;;29/11/2025 20:30;\n"
    "PA-0004;QS-SL-0002;;;Bán hàng không đúng giá;;30/11/2025 10:00;\n"
)


def test_supervisor_imports_citizens_reports(add_user, phone_without_worker, live_app, tmp_path):
    add_user("mai", "supervisor", "Hà Thị Mai")
    sheet = tmp_path / "phan-anh.csv"
    sheet.write_text(EXPORT, encoding="utf-8")
    page = phone_without_worker
    log_in(page, "mai")
    page.goto("/citizen-reports/import")
    page.get_by_label("Bảng tính").set_input_files(str(sheet))
    page.get_by_role("button", name="Đọc bảng tính").click()
    preview = page.locator("#import-preview")
    expect(preview.locator('[data-row="2"]')).to_have_attribute("data-action", "create")
    expect(preview.locator('[data-row="3"]')).to_have_attribute("data-action", "join")
    expect(preview.locator('[data-row="4"]')).to_have_attribute("data-action", "create")
    expect(preview.locator('[data-row="5"].row-refused')).to_contain_text("Bán hàng không đúng giá")
    assert_fits_phone(page)
    screenshot(page, "60-citizen-import-preview")
    preview.get_by_role("button", name="Nhập 3 phản ánh").click()
    expect(page.locator(".flash-success")).to_be_visible()
    assert_fits_phone(page)
    screenshot(page, "61-citizen-import-done")
    with live_app.app_context():
        reports = db.session.scalars(select(CitizenReport).order_by(CitizenReport.id)).all()
        assert [(r.source_ref, r.also_reported) for r in reports] == [
            ("PA-0001", 1),
            ("PA-0003", 0),
        ]
