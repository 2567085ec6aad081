"""The weekly letter at phone size (issue 14): editing section 2 on the report page, the
template settings, and the letter downloaded as DOCX and PDF from the report page, each
read back with the edit in it."""

import io
from datetime import date
from pathlib import Path

import pypdfium2
from docx import Document
from playwright.sync_api import expect
from sqlalchemy import select

from fieldapp.extensions import db
from fieldapp.models import Commune, CommuneFigures, District, LetterEdit
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
    expect(letter.locator("#letter-edited")).to_contain_text("Đã sửa: Hà Văn Minh")
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
    letter.get_by_role("button", name="Dùng lại bản nháp").click()
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
    page.locator("#letter").get_by_role("link", name="Mẫu công văn", exact=True).click()
    expect(page.get_by_role("heading", name="Mẫu công văn: Quan Sơn")).to_be_visible()
    expect(page.get_by_label("Ký hiệu sau số văn bản")).to_have_value("UBND-VHTT")
    assert_fits_phone(page)
    page.get_by_label("Nhóm thấp: số đơn vị cấp xã").fill("không")
    page.get_by_label("Họ tên người ký").fill("Lương Văn Thắng")
    page.get_by_role("button", name="Lưu mẫu").click()
    expect(page.get_by_text("Một số nguyên từ 1 đến 50.")).to_be_visible()
    expect(page.get_by_label("Họ tên người ký")).to_have_value("Lương Văn Thắng")
    page.get_by_label("Nhóm thấp: số đơn vị cấp xã").fill("1")
    page.get_by_role("button", name="Lưu mẫu").click()
    expect(page.get_by_text("Đã lưu mẫu công văn của Quan Sơn.")).to_be_visible()
    screenshot(page, "71-letter-template")
    page.get_by_role("link", name="Báo cáo ngày 27/11/2026").click()
    expect(page.locator("#letter")).to_contain_text("Lương Văn Thắng")


REPORT_DATE = date(2021, 11, 12)
TITLE = "Danh sách chi tiết thống kê tình hình tạo, quét mã QR ngày 12/11/2021"
FIGURES = {"Sơn Hà": (1236, 4336, 301, 1003), "Sơn Lư": (2100, 7000, 601, 2000)}


def add_two_communes_figures(app) -> int:
    with app.app_context():
        for name, (venues, scans, installs, phones) in FIGURES.items():
            commune = db.session.scalar(select(Commune).where(Commune.name == name))
            db.session.add(
                CommuneFigures(
                    commune_id=commune.id,
                    report_date=REPORT_DATE,
                    venues_with_qr=venues,
                    scans=scans,
                    installs=installs,
                    smartphones=phones,
                    source="test",
                )
            )
        db.session.commit()
        return db.session.scalar(select(District.id))


def download(page, label: str):
    with page.expect_download() as waiting:
        page.locator(".export-row").get_by_role("link", name=label, exact=True).click()
    return waiting.value


def test_the_letter_downloads_as_docx_and_pdf(phone_without_worker, live_app, add_user):
    add_user("supervisor", "supervisor")
    district_id = add_two_communes_figures(live_app)
    page = phone_without_worker
    log_in(page, "supervisor")
    page.goto(f"/reports/{district_id}/2021-11-12")
    expect(page.get_by_role("heading", level=1)).to_have_text("Báo cáo tuần: Huyện Quan Sơn")
    exports = page.locator(".export-row")
    expect(exports.get_by_role("link", name="Word", exact=True)).to_be_visible()
    assert_fits_phone(page)
    screenshot(page, "60-report-exports")

    # Section 2 edited on the page goes into both files.
    letter = page.locator("#letter")
    letter.get_by_label("2. Tồn tại, hạn chế").fill("Xã Trung Xuân chưa bố trí người hướng dẫn.")
    letter.get_by_role("button", name="Lưu công văn").click()
    expect(letter.locator("#letter-section-2 .badge-edited")).to_have_text("Đã sửa")

    docx = download(page, "Word")
    assert docx.suggested_filename == "bao-cao-quan-son-2021-11-12.docx"
    document = Document(io.BytesIO(saved(docx)))
    header = document.tables[0].rows[0].cells[0].text
    assert header.split("\n")[:2] == ["ỦY BAN NHÂN DÂN", "HUYỆN QUAN SƠN"]
    assert "Xã Trung Xuân chưa bố trí người hướng dẫn." in [p.text for p in document.paragraphs]
    appendix = document.tables[-1]
    assert [cell.text for cell in appendix.rows[-1].cells][-4:] == [
        "3.336",
        "11.336",
        "902",
        "3.003",
    ]

    pdf = download(page, "PDF")
    assert pdf.suggested_filename == "bao-cao-quan-son-2021-11-12.pdf"
    pages = [p.get_textpage().get_text_range() for p in pypdfium2.PdfDocument(saved(pdf))]
    appendix = "\n".join(pages[1:])
    assert "HUYỆN QUAN SƠN" in pages[0] and TITLE in appendix and "11.336" in appendix
    assert "Xã Trung Xuân chưa bố trí người hướng dẫn." in " ".join(pages).replace("\r\n", " ")


def saved(download) -> bytes:
    return Path(download.path()).read_bytes()


def make_ba_dinh(app) -> int:
    """The browser test's district as quận Ba Đình of thành phố Hà Nội, its communes
    phường, with the week's figures. Returns its id."""
    with app.app_context():
        district = db.session.scalar(select(District))
        district.name, district.kind = "Ba Đình", "quan"
        district.province.name, district.province.kind = "Hà Nội", "thanh_pho"
        for commune, name in zip(
            sorted(district.communes, key=lambda c: c.id),
            ("Điện Biên", "Kim Mã", "Phúc Xá"),
            strict=True,
        ):
            commune.name, commune.kind = name, "phuong"
        db.session.commit()
    return add_figures(app)


def test_a_quan_of_a_thanh_pho_reads_right(phone_without_worker, live_app, add_user):
    add_user("truong-phong", "supervisor", "Hà Văn Minh")
    district_id = make_ba_dinh(live_app)
    page = phone_without_worker
    log_in(page, "truong-phong")
    page.goto(f"/reports/{district_id}/{DAY.isoformat()}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Báo cáo tuần: Quận Ba Đình")
    expect(page.locator(".notice")).to_contain_text("toàn quận có 360 địa điểm")
    appendix = page.locator(".appendix-table")
    expect(appendix.locator("thead")).to_contain_text("Quận")
    expect(appendix.locator("tbody tr").first).to_contain_text("Quận Ba Đình")
    expect(appendix.locator("tbody tr").first).to_contain_text("Phường Điện Biên")
    expect(page.locator("#letter .letter-page")).not_to_contain_text("huyện")
    # the edit form names the parts as the quận's letter does
    expect(
        page.locator("#letter").get_by_label("3.3. Đối với Chủ tịch Ủy ban nhân dân các phường")
    ).to_be_visible()
    assert_fits_phone(page)
    screenshot(page, "75-letter-quan")

    pdf = download(page, "PDF")
    pages = [p.get_textpage().get_text_range() for p in pypdfium2.PdfDocument(saved(pdf))]
    text = " ".join(" ".join(pages).split())
    assert "QUẬN BA ĐÌNH" in text and "Ủy ban nhân dân thành phố Hà Nội" in text
    assert "Quận Ba Đình Phường Điện Biên" in text  # the appendix's first row
    assert "huyện" not in text.lower()
