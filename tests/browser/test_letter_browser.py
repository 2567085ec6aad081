"""The weekly letter downloaded at phone size (issue 14): from the report page, the DOCX and
the PDF, each read back."""

import io
from datetime import date
from pathlib import Path

import pypdfium2
from docx import Document
from playwright.sync_api import expect
from sqlalchemy import select

from fieldapp.extensions import db
from fieldapp.models import Commune, CommuneFigures, District
from tests.browser.phone import assert_fits_phone, log_in, screenshot

REPORT_DATE = date(2021, 11, 12)
TITLE = "Danh sách chi tiết thống kê tình hình tạo, quét mã QR ngày 12/11/2021"
FIGURES = {"Sơn Hà": (1236, 4336, 301, 1003), "Sơn Lư": (2100, 7000, 601, 2000)}


def add_figures(app) -> int:
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
    district_id = add_figures(live_app)
    page = phone_without_worker
    log_in(page, "supervisor")
    page.goto(f"/reports/{district_id}/2021-11-12")
    expect(page.get_by_role("heading", level=1)).to_have_text("Báo cáo tuần: Quan Sơn")
    exports = page.locator(".export-row")
    expect(exports.get_by_role("link", name="Word", exact=True)).to_be_visible()
    assert_fits_phone(page)
    screenshot(page, "60-report-exports")

    docx = download(page, "Word")
    assert docx.suggested_filename == "bao-cao-quan-son-2021-11-12.docx"
    document = Document(io.BytesIO(saved(docx)))
    header = document.tables[0].rows[0].cells[0].text
    assert header.split("\n")[:2] == ["ỦY BAN NHÂN DÂN", "HUYỆN QUAN SƠN"]
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
    assert "HUYỆN QUAN SƠN" in pages[0] and TITLE in pages[-1] and "11.336" in pages[-1]


def saved(download) -> bytes:
    return Path(download.path()).read_bytes()
