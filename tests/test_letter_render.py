"""The letter laid out (issue 14): the PDF and the DOCX read back, the downloads from the
report pages and from `flask report`."""

import dataclasses
import io
from datetime import date, timedelta
from pathlib import Path

import pypdfium2
import pytest
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Mm
from sqlalchemy import select

from fieldapp.extensions import db
from fieldapp.letters.compose import letter_for
from fieldapp.letters.docx import letter_docx
from fieldapp.letters.letter import Paragraph, Section
from fieldapp.letters.pdf import letter_pdf
from fieldapp.models import Commune, CommuneFigures
from fieldapp.models.audit import AuditEntry
from fieldapp.reports.chart import bar_chart
from fieldapp.reports.weekly import district_report
from tests.test_reports import WEEK_2, import_both_weeks

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
TITLE = "Danh sách chi tiết thống kê tình hình tạo, quét mã QR ngày 12/11/2021"


@pytest.fixture
def supervisor(login, make_user):
    return login(make_user("supervisor", role="supervisor"))


@pytest.fixture
def report(client, supervisor, quan_son):
    import_both_weeks(client, quan_son)
    return district_report(quan_son, WEEK_2)


@pytest.fixture
def letter(report, quan_son):
    """The district's letter with every part filled in: headings, a subsection, a closing,
    the signer's name."""
    composed = letter_for(report, quan_son)
    sections = (
        composed.sections[0],
        Section("2", "Tồn tại, hạn chế", (Paragraph("Xã Trung Xuân còn ít lượt quét."),)),
        Section(
            "3",
            "Chỉ đạo thực hiện",
            subsections=(
                Section(
                    "3.1",
                    "Đối với Ủy ban nhân dân các xã, thị trấn",
                    (Paragraph("tăng cường tuyên truyền.", heading="Tuyên truyền:"),),
                ),
            ),
        ),
    )
    return dataclasses.replace(
        composed,
        sections=sections,
        closing="Ủy ban nhân dân huyện yêu cầu các đơn vị nghiêm túc thực hiện./.",
        signer_name="Nguyễn Văn An",
    )


def docx_text(document) -> list[str]:
    """Every paragraph of the body, the tables' cells included, in their order."""
    return [
        "".join(t.text or "" for t in block.iter(qn("w:t")))
        for block in document.element.body.iter(qn("w:p"))
    ]


def pdf_pages(content: bytes) -> list[str]:
    pdf = pypdfium2.PdfDocument(content)
    return [
        page.get_textpage().get_text_range().replace("\r\n", "\n").replace("\r", "\n")
        for page in pdf
    ]


def char_box(content: bytes, page_index: int, text: str) -> tuple[float, ...]:
    """The box (left, bottom, right, top) of `text` on a page: its first and last letters'."""
    page = pypdfium2.PdfDocument(content)[page_index]
    textpage = page.get_textpage()
    found = textpage.search(text, match_case=True).get_next()
    assert found is not None, text
    start, count = found
    left, bottom, _, top = textpage.get_charbox(start)
    _, _, right, _ = textpage.get_charbox(start + count - 1)
    return left, bottom, right, top


# The DOCX -------------------------------------------------------------------------------------


def test_docx_is_a4_with_the_decrees_margins_and_times_new_roman(letter):
    document = Document(io.BytesIO(letter_docx(letter)))
    section = document.sections[0]
    sizes = (section.page_width, section.page_height)
    assert [round(length.mm) for length in sizes] == [210, 297]
    margins = (section.top_margin, section.bottom_margin, section.left_margin)
    assert [round(length.mm) for length in margins] == [20, 20, 30]
    assert round(section.right_margin.mm) == 15
    normal = document.styles["Normal"]
    assert normal.font.name == "Times New Roman" and normal.font.size.pt == 14
    fonts = normal.element.rPr.find(qn("w:rFonts"))
    assert {fonts.get(qn(f"w:{s}")) for s in ("ascii", "hAnsi", "eastAsia", "cs")} == {
        "Times New Roman"
    }
    assert normal.paragraph_format.alignment == WD_ALIGN_PARAGRAPH.JUSTIFY
    assert normal.paragraph_format.first_line_indent > Mm(10)


def test_docx_header_is_a_borderless_two_column_table(letter):
    document = Document(io.BytesIO(letter_docx(letter)))
    header = document.tables[0]
    (issuer, nation), (number, place) = (list(row.cells) for row in header.rows)
    assert issuer.text.split("\n")[:2] == ["ỦY BAN NHÂN DÂN", "HUYỆN QUAN SƠN"]
    assert [run.bold for run in issuer.paragraphs[1].runs] == [True]
    assert nation.text.split("\n")[:2] == [
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
    ]
    assert number.paragraphs[0].text == letter.number
    assert number.paragraphs[1].text.startswith("V/v thông báo kết quả")
    assert number.paragraphs[1].runs[0].font.size.pt == 12
    assert place.paragraphs[0].text == "Quan Sơn, ngày 12 tháng 11 năm 2021"
    assert place.paragraphs[0].runs[0].italic
    borders = header._tbl.tblPr.find(qn("w:tblBorders"))
    assert {edge.get(qn("w:val")) for edge in borders} == {"nil"}
    # the short rules under the issuing body and the motto
    assert len(list(issuer._tc.iter(qn("w:pBdr")))) == 1
    assert len(list(nation._tc.iter(qn("w:pBdr")))) == 1


def test_docx_has_the_letters_parts_in_order(letter):
    document = Document(io.BytesIO(letter_docx(letter)))
    texts = docx_text(document)
    order = [
        "Kính gửi:",
        "- Thủ trưởng các phòng, ban, ngành, đơn vị cấp huyện;",
        letter.opening,
        "1. Kết quả thực hiện",
        *(
            f"{paragraph.heading} {paragraph.text}" if paragraph.heading else paragraph.text
            for paragraph in letter.sections[0].paragraphs
        ),
        "2. Tồn tại, hạn chế",
        "Xã Trung Xuân còn ít lượt quét.",
        "3. Chỉ đạo thực hiện",
        "3.1. Đối với Ủy ban nhân dân các xã, thị trấn",
        "Tuyên truyền: tăng cường tuyên truyền.",
        letter.closing,
        "Nơi nhận:",
        "- Lưu: VT, VHTT.",
        "KT. CHỦ TỊCH",
        "PHÓ CHỦ TỊCH",
        "Nguyễn Văn An",
        TITLE,
    ]
    positions = [texts.index(text) for text in order]
    assert positions == sorted(positions)
    lead_in = next(p for p in document.paragraphs if p.text.startswith("Tuyên truyền:"))
    assert [run.bold for run in lead_in.runs][:1] == [True]
    assert not lead_in.runs[-1].bold
    # section 1 names the groups and the numbers as the report does
    body = "\n".join(texts)
    for name in ("Sơn Hà", "Sơn Lư", "Trung Xuân"):
        assert name in body
    for number in ("4.336", "18.336"):
        assert number in body


def test_docx_signature_beside_the_copies_and_the_appendix_on_a_new_page(letter):
    document = Document(io.BytesIO(letter_docx(letter)))
    signature = document.tables[-2]
    copies, signer = signature.rows[0].cells
    assert copies.paragraphs[0].text == "Nơi nhận:"
    assert copies.paragraphs[0].runs[0].bold and copies.paragraphs[0].runs[0].italic
    assert copies.paragraphs[1].runs[0].font.size.pt == 11
    assert copies.paragraphs[1].alignment == WD_ALIGN_PARAGRAPH.LEFT
    assert [p.text for p in signer.paragraphs if p.text] == [
        "KT. CHỦ TỊCH",
        "PHÓ CHỦ TỊCH",
        "Nguyễn Văn An",
    ]
    assert signature.rows[0]._tr.trPr.find(qn("w:cantSplit")) is not None
    (title,) = [p for p in document.paragraphs if p.text == TITLE]
    assert title.paragraph_format.page_break_before
    assert title.alignment == WD_ALIGN_PARAGRAPH.CENTER and title.runs[0].bold
    # the title comes after the signature block, right before the appendix's table
    body = list(document.element.body)
    assert body.index(signature._tbl) < body.index(title._p) < body.index(document.tables[-1]._tbl)


def test_docx_appendix_table(letter):
    table = Document(io.BytesIO(letter_docx(letter))).tables[-1]
    header = table.rows[0]
    assert [cell.text for cell in header.cells] == list(letter.appendix_headers)
    assert header._tr.trPr.find(qn("w:tblHeader")) is not None
    assert [cell.text for cell in table.rows[1].cells] == [
        "1",
        "Huyện Quan Sơn",
        "Xã Sơn Hà",
        "1.236",
        "7.000",
        "301",
        "1.003",
    ]
    assert table.rows[3].cells[2].text == "Xã Trung Xuân"
    assert table.rows[2].cells[2].text == "Thị trấn Sơn Lư"
    total = table.rows[-1]
    first = total._tr.tc_lst[0]
    assert first.grid_span == 3 and len(total._tr.tc_lst) == 5
    assert [cell.text for cell in total.cells] == [
        "Tổng cộng",
        "Tổng cộng",
        "Tổng cộng",
        "4.336",
        "18.336",
        "1.002",
        "3.403",
    ]
    for row in table.rows[1:]:
        for cell in row.cells[3:]:
            assert cell.paragraphs[0].alignment == WD_ALIGN_PARAGRAPH.RIGHT, cell.text
    assert all(run.bold for cell in total.cells for run in cell.paragraphs[0].runs)
    style = table.rows[1].cells[1].paragraphs[0].style
    assert style.name == "Bảng" and style.font.size.pt == 12


# The PDF --------------------------------------------------------------------------------------


def test_pdf_has_every_part_and_the_appendix_on_its_own_page(app, letter, report):
    content = letter_pdf(letter, Path(app.config["LETTER_FONT_DIR"]), bar_chart(report, "scans"))
    assert b"Tinos" in content
    pages = pdf_pages(content)
    (appendix_page,) = [i for i, page in enumerate(pages) if TITLE in page]
    letter_text = " ".join(pages[:appendix_page]).replace("\n", " ")
    for part in (
        "ỦY BAN NHÂN DÂN",
        "HUYỆN QUAN SƠN",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "Quan Sơn, ngày 12 tháng 11 năm 2021",
        "Kính gửi:",
        "1. Kết quả thực hiện",
        "2. Tồn tại, hạn chế",
        "Xã Trung Xuân còn ít lượt quét.",
        "3.1. Đối với Ủy ban nhân dân các xã, thị trấn",
        "Tuyên truyền: tăng cường tuyên truyền.",
        "nghiêm túc thực hiện./.",
        "Nơi nhận:",
        "KT. CHỦ TỊCH",
        "PHÓ CHỦ TỊCH",
        "Nguyễn Văn An",
    ):
        assert part in letter_text, part
    assert "Tổng cộng" not in letter_text
    # the appendix page starts with its title (after the page's number, at the top)
    lines = [line.strip() for line in pages[appendix_page].split("\n") if line.strip()]
    assert lines[0] == str(appendix_page + 1) and lines[1] == TITLE
    appendix = pages[appendix_page]
    assert "Tổng cộng" in appendix and "Tổn\n" not in appendix
    for text in ("Huyện Quan Sơn", "Xã Sơn Hà", "Thị trấn Sơn Lư", "4.336", "18.336", "3.403"):
        assert text in appendix, text
    assert "Biểu đồ tổng lượt quét theo đơn vị" in appendix


def test_pdf_numbers_right_aligned_and_signature_at_the_lower_right(app, letter):
    content = letter_pdf(letter, Path(app.config["LETTER_FONT_DIR"]))
    pages = pdf_pages(content)
    appendix = next(i for i, page in enumerate(pages) if TITLE in page)
    installs = [char_box(content, appendix, text) for text in ("301", "601", "1.002")]
    rights, lefts = [box[2] for box in installs], [box[0] for box in installs]
    assert max(rights) - min(rights) < 0.5
    assert lefts[2] < lefts[0] - 3  # not left-aligned: the total "1.002" is wider
    signing = next(i for i, page in enumerate(pages) if "PHÓ CHỦ TỊCH" in page)
    width = pypdfium2.PdfDocument(content)[signing].get_width()
    copies = char_box(content, signing, "Nơi nhận:")
    signer = char_box(content, signing, "PHÓ CHỦ TỊCH")
    assert copies[2] < width / 2 < signer[0]
    assert abs(copies[3] - signer[3]) < 30  # side by side


def test_a_long_appendix_repeats_its_header_on_each_page(app, letter):
    row = letter.appendix_rows[0]
    rows = (*((n, *row[1:]) for n in range(1, 80)), letter.appendix_rows[-1])
    long = dataclasses.replace(letter, appendix_rows=rows)
    pages = pdf_pages(letter_pdf(long, Path(app.config["LETTER_FONT_DIR"])))
    start = next(i for i, page in enumerate(pages) if TITLE in page)
    assert len(pages) - start >= 2
    for page in pages[start:]:
        assert "Tổng lượt" in page
    assert "Tổng cộng" in pages[-1]


# The downloads --------------------------------------------------------------------------------


@pytest.mark.parametrize(("fmt", "content_type"), [("docx", DOCX_TYPE), ("pdf", "application/pdf")])
def test_the_report_page_downloads_the_letter(client, report, quan_son, fmt, content_type):
    page = client.get(f"/reports/{quan_son.id}/2021-11-12").get_data(as_text=True)
    assert f'href="/reports/{quan_son.id}/2021-11-12.{fmt}"' in page
    response = client.get(f"/reports/{quan_son.id}/2021-11-12.{fmt}")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == content_type
    disposition = response.headers["Content-Disposition"]
    assert disposition == f'attachment; filename="bao-cao-quan-son-2021-11-12.{fmt}"'
    if fmt == "docx":
        text = "\n".join(docx_text(Document(io.BytesIO(response.data))))
    else:
        text = "\n".join(pdf_pages(response.data))
    assert "HUYỆN QUAN SƠN" in text and TITLE in text and "18.336" in text
    (entry,) = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "export"))
    assert entry.details["format"] == fmt and entry.district_id == quan_son.id


def test_a_districts_letter_pdf_ends_on_its_trend(client, report, quan_son):
    """After the appendix and its bar chart, the trend of the district's scans over its
    report dates (fieldapp/reports/trends.py), dated as the letters date them."""
    pages = pdf_pages(client.get(f"/reports/{quan_son.id}/2021-11-12.pdf").data)
    after = "\n".join(pages[next(i for i, page in enumerate(pages) if TITLE in page) :])
    assert after.index("Biểu đồ tổng lượt quét") < after.index("Diễn biến tổng lượt quét")
    trend = after[after.index("Diễn biến tổng lượt quét qua các kỳ báo cáo") :]
    assert "05/11" in trend and "12/11" in trend and "Tổng cộng: 18.336" in trend


def test_a_large_districts_trend_is_scaled_to_its_page(client, supervisor, quan_son):
    """Forty communes make the trend's small charts taller than a page: the PDF scales the
    drawing down to fit instead of failing."""
    days = [date(2021, 11, 12) - timedelta(days=7 * n) for n in range(4)]
    for n in range(40):
        commune = Commune(name=f"Xã Thử {n:02d}", kind="xa", district=quan_son)
        db.session.add(commune)
        for k, day in enumerate(days):
            db.session.add(
                CommuneFigures(
                    commune=commune, report_date=day, venues_with_qr=10 + n, scans=100 * n - k
                )
            )
    db.session.commit()
    response = client.get(f"/reports/{quan_son.id}/2021-11-12.pdf")
    assert response.status_code == 200
    pages = pdf_pages(response.data)
    assert "Diễn biến tổng lượt quét qua các kỳ báo cáo" in pages[-1]
    assert "Thử 39" in pages[-1]


def test_a_months_letter_downloads(client, report, quan_son):
    response = client.get(f"/reports/{quan_son.id}/month/2021-11.docx")
    assert response.status_code == 200 and response.headers["Content-Type"] == DOCX_TYPE
    assert 'filename="bao-cao-quan-son-2021-11.docx"' in response.headers["Content-Disposition"]
    assert "Tổng cộng" in docx_text(Document(io.BytesIO(response.data)))


def test_a_provinces_letter_is_issued_in_the_provinces_name(
    client, login, make_user, quan_son, neighbour_district
):
    login(make_user("super", role="supervisor"))
    import_both_weeks(client, quan_son)
    client.post("/logout")
    login(make_user("tinh", role="supervisor", district=neighbour_district, scope="province"))
    response = client.get("/reports/province/2021-11-12.docx")
    assert response.status_code == 200
    document = Document(io.BytesIO(response.data))
    assert document.tables[0].rows[0].cells[0].text.split("\n")[1] == "TỈNH THANH HÓA"
    table = document.tables[-1]
    assert [cell.text for cell in table.rows[2].cells][:4] == [
        "2",
        "Huyện Quan Sơn",
        "4.336",
        "18.336",
    ]
    assert table.rows[-1]._tr.tc_lst[0].grid_span == 2
    pdf = client.get("/reports/province/2021-11-12.pdf")
    assert pdf.status_code == 200 and "TỈNH THANH HÓA" in pdf_pages(pdf.data)[0]
    # the province's trend, one small chart per district, after the appendix
    trend = pdf_pages(pdf.data)[-1]
    assert "Diễn biến tổng lượt quét qua các kỳ báo cáo" in trend and "Quan Sơn" in trend


def test_a_report_without_figures_still_has_its_letter(client, supervisor, quan_son):
    for fmt in ("docx", "pdf"):
        response = client.get(f"/reports/{quan_son.id}/2021-11-05.{fmt}")
        assert response.status_code == 200, fmt
    pages = pdf_pages(response.data)
    assert TITLE.replace("12/11", "05/11") in pages[-1] and "Biểu đồ" not in pages[-1]


@pytest.mark.parametrize("fmt", ["docx", "pdf"])
def test_flask_report_writes_the_letter(app, report, quan_son, tmp_path, fmt):
    output = tmp_path / f"letter.{fmt}"
    result = app.test_cli_runner().invoke(
        args=["report", "--date", "12/11/2021", "--format", fmt, "-o", str(output)]
    )
    assert result.exit_code == 0, result.output
    if fmt == "docx":
        texts = docx_text(Document(io.BytesIO(output.read_bytes())))
        assert "HUYỆN QUAN SƠN" in texts and TITLE in texts
    else:
        pages = pdf_pages(output.read_bytes())
        assert "HUYỆN QUAN SƠN" in pages[0] and TITLE in "".join(pages[1:])
    (entry,) = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "export"))
    assert entry.details["format"] == fmt and entry.district_id == quan_son.id
