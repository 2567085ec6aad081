"""The admin imports the venue registry at phone size: a spreadsheet from the province in
Windows-1258, its preview row by row, then the import (a job) and its result."""

from playwright.sync_api import expect
from sqlalchemy import select

from fieldapp.extensions import db
from fieldapp.models import Venue
from tests.browser.phone import assert_fits_phone, log_in, screenshot
from tests.factories import cp1258

REGISTRY = (
    "Mã;Tên;Loại hình;Xã;Địa chỉ\n"
    "QS-SH-0100;Nhà văn hóa bản Hạ Sơn;Nhà văn hóa thôn;X. Sơn Hà;Bản Hạ Sơn, xã Sơn Hà\n"
    "QS-SL-0101;Hiệu sách Thị trấn;Nhà sách;TT Sơn Lư;Khu 3, thị trấn Sơn Lư\n"
    "QS-XX-0102;Chợ không rõ xã;market;Xã Không Có;Bản Mờ\n"
)


def test_admin_imports_the_registry(add_user, phone_without_worker, live_app, tmp_path):
    add_user("admin", "admin", "Phạm Văn Đức")
    sheet = tmp_path / "so-dia-diem.csv"
    sheet.write_bytes(cp1258(REGISTRY))
    page = phone_without_worker
    log_in(page, "admin")
    page.goto("/venues/import")
    expect(page.get_by_role("heading", name="Tải danh mục địa điểm lên")).to_be_visible()
    page.get_by_label("Bảng tính").set_input_files(str(sheet))
    page.get_by_role("button", name="Đọc bảng tính").click()
    preview = page.locator("#import-preview")
    expect(preview).to_contain_text("2 địa điểm sẽ được tạo mới")
    expect(preview).to_contain_text("Nhà văn hóa bản Hạ Sơn")  # Windows-1258 read right
    expect(preview.locator(".row-refused")).to_contain_text("QS-XX-0102")
    assert_fits_phone(page)
    screenshot(page, "30-venue-import-preview")
    preview.get_by_role("button", name="Thêm 2, sửa 0").click()
    # The import runs as a job; its page shows the result, and the refused row, why.
    expect(page.get_by_text("đã tạo 2 địa điểm")).to_be_visible()
    expect(page.locator(".import-refused")).to_contain_text(
        "“Xã Không Có” không phải là đơn vị cấp xã"
    )
    assert_fits_phone(page)
    # the reasons wrap: nothing of them is hidden to the right
    refused = page.locator(".import-refused")
    assert refused.evaluate("t => t.scrollWidth <= t.parentElement.clientWidth")
    with live_app.app_context():
        names = set(db.session.scalars(select(Venue.name).where(Venue.code.like("QS-S%-01%"))))
    assert names == {"Nhà văn hóa bản Hạ Sơn", "Hiệu sách Thị trấn"}
