"""The weekly report at phone size: import a spreadsheet through its preview, map the column
whose header was not recognised, and open the report."""

from playwright.sync_api import expect
from sqlalchemy import select

from fieldapp.extensions import db
from fieldapp.models import User
from tests.browser.phone import assert_fits_phone, log_in, screenshot
from tests.factories import PASSWORD

# A header with a typo ("qét") the app cannot recognise, and a commune it does not know.
SPREADSHEET = (
    "STT,Huyện,Thị trấn /xã,Tổng số địa điểm tạo mã QR,Tổng lượt qét,Số người cài PC-Covid,"
    "Số điện thoại thông minh\n"
    """1,Quan Sơn,Xã Sơn Hà,"1.236","4.336",301,1003
2,Quan Sơn,Thị trấn Sơn Lư,"2.100","7.000",601,2000
3,Quan Sơn,Xã Mường Mìn,900,"1.250",90,500
4,Quan Sơn,Xã Na Mèo,300,900,,
,,Tổng cộng,"4.536","13.486",,
"""
)


def add_supervisor(app):
    with app.app_context():
        inspector = db.session.scalar(select(User).where(User.username == "inspector"))
        supervisor = User(
            username="supervisor",
            display_name="Hà Thị Mai",
            role="supervisor",
            district_id=inspector.district_id,
        )
        supervisor.set_password(PASSWORD)
        db.session.add(supervisor)
        db.session.commit()


def test_import_preview_mapping_and_report(phone_without_worker, live_app, tmp_path):
    add_supervisor(live_app)
    sheet = tmp_path / "so-lieu-tuan.csv"
    sheet.write_text(SPREADSHEET, encoding="utf-8")
    page = phone_without_worker
    log_in(page, "supervisor")
    page.locator(".menu summary").click()
    page.get_by_role("link", name="Báo cáo tuần").click()
    expect(page.get_by_text("Chưa có số liệu.")).to_be_visible()
    page.get_by_role("link", name="Tải bảng tính số liệu lên").click()
    page.get_by_label("Ngày báo cáo").fill("2021-11-12")
    page.get_by_label("Bảng tính").set_input_files(str(sheet))
    page.get_by_role("button", name="Đọc bảng tính").click()

    preview = page.locator("#import-preview")
    expect(preview).to_contain_text("Một số tiêu đề cột không nhận ra được")
    expect(preview).to_contain_text("Chưa lưu được gì")
    screenshot(page, "20-import-unmapped")
    page.get_by_label("Tổng lượt quét *").select_option(label="Tổng lượt qét")
    expect(preview).to_contain_text("3 dòng sẽ được lưu")  # swapped in by htmx
    expect(preview).to_contain_text("Xã Na Mèo không khớp với đơn vị cấp xã nào của Quan Sơn")
    expect(preview.locator("tr.row-ok")).to_have_count(3)
    screenshot(page, "21-import-mapped")
    page.get_by_role("button", name="Lưu 3 dòng").click()

    expect(page.get_by_role("status")).to_contain_text(
        "Đã lưu số liệu từ bảng tính của 3 đơn vị cấp xã cho ngày 12/11/2021"
    )
    expect(page.get_by_role("heading", level=1)).to_have_text("Báo cáo tuần: Huyện Quan Sơn")
    notice = page.locator(".notice")
    expect(notice).to_contain_text("tổng số lượt quét mã QR là 12.586 lượt.")
    expect(notice.locator("strong").first).to_have_text("Về cài đặt và quét mã QR:")
    expect(notice).to_contain_text("Đơn vị có lượt quét thấp: xã Mường Mìn.")
    expect(page.locator(".appendix-table tbody tr")).to_have_count(4)
    screenshot(page, "22-report")
    page.get_by_label("Chỉ số").select_option(
        label="Tỷ lệ máy đã cài PC-Covid trên số máy điện thoại thông minh"
    )
    expect(page.locator("#report-chart")).to_contain_text("30,1%")
    assert "measure=install_rate" in page.url
    assert_fits_phone(page)
    screenshot(page, "23-report-chart")


def test_the_figures_form_of_a_date_to_come_says_which_date_to_use(phone, live_app):
    add_supervisor(live_app)
    page = phone
    log_in(page, "supervisor")
    district_id = _district_id(live_app)
    page.goto(f"/reports/figures?district={district_id}&date=2030-01-01")
    refused = page.locator("#figures-future-date")
    expect(refused).to_contain_text("01/01/2030")
    expect(page.locator("input[name^=venues_with_qr]")).to_have_count(0)
    assert_fits_phone(page)
    screenshot(page, "24-figures-date-to-come")
    page.locator("#latest-figures").click()
    expect(page.locator("input[name^=venues_with_qr]").first).to_be_visible()


def _district_id(app) -> int:
    with app.app_context():
        return db.session.scalar(select(User.district_id).where(User.username == "supervisor"))
