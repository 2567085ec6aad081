"""The reviewer's walk through the letters (2026-12-01): who counts as having sent a
district's letter, future report dates, the low group's wording, the province's and the
ministry's letters, the warnings before export and the export buttons beside the letter."""

import io
from datetime import date, datetime

import pypdfium2
import pytest
from docx import Document
from sqlalchemy import func, select

from fieldapp.extensions import db
from fieldapp.letters.compose import letter_for
from fieldapp.letters.service import (
    cites_request,
    draft_section_three,
    draft_section_two,
    form_values,
    settings_for,
)
from fieldapp.models import AuditEntry, CommuneFigures, LetterEdit
from fieldapp.reports.deadlines import province_deadlines
from fieldapp.reports.notice import GroupRule, section_one
from fieldapp.reports.weekly import national_report, province_report
from tests.test_letter_wording import report as report_of
from tests.test_letter_wording import row

FRIDAY = date(2021, 11, 12)  # due at 16:00 in Vietnam, 09:00 UTC
BEFORE_DEADLINE = datetime(2021, 11, 12, 8, 0)  # 15:00 in Vietnam
AFTER_DEADLINE = datetime(2021, 11, 13, 3, 0)  # Saturday 10:00 in Vietnam


def figures(district, day, scans=(100, 200, 300)):
    for commune, count in zip(district.communes, scans, strict=False):
        db.session.add(
            CommuneFigures(commune=commune, report_date=day, venues_with_qr=10, scans=count)
        )
    db.session.commit()


def week_of(district):
    table = province_deadlines(district.province, AFTER_DEADLINE, count=2)
    return next(row for row in table.districts if row.district.id == district.id).weeks[1]


# 1. Only the district's own users send its letter -----------------------------------------


@pytest.mark.parametrize("fmt", ["pdf", "docx"])
def test_a_province_or_national_download_is_not_the_districts_letter(
    client, login, make_user, quan_son, frozen_clock, fmt
):
    figures(quan_son, FRIDAY)
    frozen_clock(BEFORE_DEADLINE)
    login(make_user("tinh", role="supervisor", scope="province"))
    assert client.get(f"/reports/{quan_son.id}/{FRIDAY}.{fmt}").status_code == 200
    login(make_user("bo", role="supervisor", scope="country"))
    assert client.get(f"/reports/{quan_son.id}/{FRIDAY}.{fmt}").status_code == 200
    week = week_of(quan_son)
    assert (week.is_exported, week.is_sent, week.state) == (False, False, "late")


def test_the_districts_supervisor_download_is_exported_not_sent(
    client, login, make_user, quan_son, neighbour_district, frozen_clock
):
    figures(quan_son, FRIDAY)
    frozen_clock(BEFORE_DEADLINE)
    # A supervisor of another district of the province does not export Quan Sơn's either.
    login(make_user("camthuy", role="supervisor", district=neighbour_district, scope="province"))
    client.get(f"/reports/{quan_son.id}/{FRIDAY}.pdf")
    assert not week_of(quan_son).is_exported
    login(make_user("huyen", role="supervisor"))
    assert client.get(f"/reports/{quan_son.id}/{FRIDAY}.pdf").status_code == 200
    week = week_of(quan_son)
    # Downloaded to check it: exported, not sent, so late once the deadline passed.
    assert (week.is_exported, week.exported_at, week.is_sent) == (True, BEFORE_DEADLINE, False)
    assert week.state == "late"


def test_the_deadlines_page_says_not_exported_after_the_provinces_download(
    client, login, make_user, quan_son, frozen_clock
):
    figures(quan_son, FRIDAY)
    frozen_clock(BEFORE_DEADLINE)
    login(make_user("tinh", role="supervisor", scope="province"))
    client.get(f"/reports/{quan_son.id}/{FRIDAY}.docx")
    frozen_clock(AFTER_DEADLINE)
    page = client.get(f"/reports/province/{quan_son.province_id}/deadlines").get_data(as_text=True)
    section = page.split(f'id="due-{FRIDAY.isoformat()}"')[1].split("</details>")[0]
    assert "deadline-late" in section and "deadline-on_time" not in section


# 9. A report date still to come; a date without national figures --------------------------

TODAY = datetime(2021, 11, 20, 3, 0)  # Saturday 20/11/2021, 10:00 in Vietnam
TOMORROW = date(2021, 11, 21)


@pytest.fixture
def district_office(client, login, make_user, quan_son, frozen_clock):
    frozen_clock(TODAY)
    return login(make_user("huyen", role="supervisor"))


@pytest.mark.parametrize(
    "path",
    [
        "/reports/{d}/{day}",
        "/reports/{d}/{day}.pdf",
        "/reports/{d}/{day}.docx",
        "/reports/{d}/{day}.csv",
        "/letters/{d}/{day}",
        "/reports/{d}/2099-01-01",
    ],
)
def test_a_future_report_date_is_not_found_with_the_reason(client, district_office, quan_son, path):
    response = client.get(path.format(d=quan_son.id, day=TOMORROW.isoformat()))
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert "so với ngày" not in page
    assert 'id="future-date"' in page


def test_the_provinces_and_the_countrys_future_report_is_not_found(
    client, login, make_user, quan_son, frozen_clock
):
    frozen_clock(TODAY)
    login(make_user("bo", role="supervisor", scope="country"))
    province = quan_son.province_id
    for path in (
        f"/reports/province/{province}/{TOMORROW}",
        f"/reports/province/{province}/{TOMORROW}.pdf",
        f"/reports/country/{TOMORROW}",
        f"/reports/country/{TOMORROW}.docx",
    ):
        assert client.get(path).status_code == 404, path
    assert client.get(f"/reports/province/{province}/{TODAY.date()}").status_code == 200


def test_a_letter_edit_for_a_future_date_is_refused_and_nothing_saved(
    client, district_office, quan_son
):
    form = {
        "number": "12",
        "section_two": "Xã Sơn Hà còn thấp.",
        "offices_instructions": "a",
        "centre_instructions": "b",
        "communes_instructions": "c",
    }
    for path in (f"/letters/{quan_son.id}/{TOMORROW}", f"/letters/{quan_son.id}/{TOMORROW}/draft"):
        response = client.post(path, data=form)
        assert response.status_code == 404, path
    assert db.session.scalar(select(func.count()).select_from(LetterEdit)) == 0
    assert not db.session.scalar(
        select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "letter_edited")
    )
    # Today's letter is saved as before.
    response = client.post(f"/letters/{quan_son.id}/{TODAY.date()}", data=form)
    assert response.status_code == 303
    assert db.session.scalar(select(func.count()).select_from(LetterEdit)) == 1


def test_a_letter_without_national_figures_warns_before_its_exports(
    client, district_office, quan_son
):
    day = TODAY.date()
    page = client.get(f"/letters/{quan_son.id}/{day}").get_data(as_text=True)
    assert 'data-warning="no-figures"' in page
    assert page.index('data-warning="no-figures"') < page.index('id="letter-exports"')
    # The export still works: an office may need it.
    assert client.get(f"/reports/{quan_son.id}/{day}.pdf").status_code == 200
    figures(quan_son, day)
    page = client.get(f"/letters/{quan_son.id}/{day}").get_data(as_text=True)
    assert 'data-warning="no-figures"' not in page


# 10. The low group's wording follows the figures ------------------------------------------


def letter_low_texts(rows, quan_son):
    """Section 1's low group sentence, section 2's first paragraph and 3.3's last one."""
    report = report_of(rows)
    rule = GroupRule()
    one = [p.text for p in section_one(report, rule) if "lượt quét" in p.text and not p.heading]
    two = draft_section_two(report, rule)[0].text
    three = draft_section_three(report, rule, settings_for(quan_son), quan_son)[-1]
    return one[-1], two, three.paragraphs[-1].text


def test_low_scans_only_never_say_no_scans(quan_son):
    one, two, three = letter_low_texts(
        [row("Sơn Hà", 900), row("Sơn Lư", 6000, kind="thi_tran"), row("Trung Xuân", 7000)],
        quan_son,
    )
    assert "có lượt quét thấp" in one and "không quét" not in one
    assert two == "Đơn vị có lượt quét thấp: xã Sơn Hà."
    assert "không quét" not in two and "chưa có lượt quét" not in two
    assert "lượt quét mã QR thấp." in three and "không quét" not in three


def test_no_scans_only_never_say_low(quan_son):
    one, two, three = letter_low_texts(
        [row("Sơn Hà", 0), row("Sơn Lư", 6000, kind="thi_tran"), row("Trung Xuân", 6000)],
        quan_son,
    )
    assert "thấp" not in one
    assert two == "Đến nay, xã Sơn Hà chưa có lượt quét nào."
    assert "thấp" not in three and "chưa có lượt quét mã QR" in three


def test_low_and_no_scans_say_both(quan_son):
    one, two, three = letter_low_texts(
        [
            row("Sơn Hà", 0),
            row("Na Mèo", 300),
            row("Sơn Lư", 6000, kind="thi_tran"),
            row("Trung Xuân", 7000),
        ],
        quan_son,
    )
    assert "có lượt quét thấp và không quét" in one
    assert "có lượt quét thấp và không quét gồm: xã Sơn Hà, xã Na Mèo." in two
    assert "Trong đó, xã Sơn Hà chưa có lượt quét nào." in two
    assert "lượt quét mã QR thấp và không quét." in three


# 5. The province's and the ministry's letters in their own words --------------------------


@pytest.fixture
def two_districts(quan_son, neighbour_district):
    """Figures for both districts of Thanh Hóa: Cẩm Thủy low, without a scan."""
    figures(quan_son, FRIDAY, scans=(4000, 5000, 6000))
    figures(neighbour_district, FRIDAY, scans=(0,))
    return quan_son.province


def all_texts(letter) -> str:
    lines = [letter.issuer_parent, letter.issuer, letter.number, letter.opening, letter.closing]
    lines += [*letter.recipients, *letter.copies_to, letter.signer_authority, letter.signer_title]
    for section in letter.sections:
        lines += [section.title, *(p.text for p in section.paragraphs)]
        for sub in section.subsections:
            lines += [sub.title, *(p.text for p in sub.paragraphs)]
    return "\n".join(lines)


def sections_filled(letter):
    """Sections 2 and 3 have text: no empty heading, no empty paragraph."""
    two, three = letter.sections[1], letter.sections[2]
    assert two.paragraphs and all(p.text.strip() for p in two.paragraphs)
    parts = [*three.paragraphs, *(p for sub in three.subsections for p in sub.paragraphs)]
    assert parts and all(p.text.strip() for p in parts)
    assert all(sub.paragraphs for sub in three.subsections)


def test_the_provinces_letter_in_the_provinces_words(app, two_districts):
    letter = letter_for(province_report(two_districts, FRIDAY))
    assert (letter.issuer_parent, letter.issuer) == ("ỦY BAN NHÂN DÂN", "TỈNH THANH HÓA")
    assert letter.number.endswith("/UBND-VX")
    assert (letter.signer_authority, letter.signer_title) == ("KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH")
    assert letter.copies_to[0] == "- Như trên;" and letter.copies_to[-1] == "- Lưu: VT, VX."
    assert "VHTT" not in all_texts(letter)
    sections_filled(letter)
    two = "\n".join(p.text for p in letter.sections[1].paragraphs)
    assert "Đến nay, huyện Cẩm Thủy chưa có lượt quét nào." in two and "thấp" not in two
    three = all_texts(letter).split("Chỉ đạo thực hiện")[1]
    assert "Ủy ban nhân dân huyện Cẩm Thủy" in three and "chưa có lượt quét mã QR" in three
    assert "cấp xã" not in two  # its units are districts


def test_the_ministrys_letter_in_the_ministrys_words(app, two_districts, other_district):
    figures(other_district, FRIDAY, scans=(0,))  # Sơn La: no scans
    letter = letter_for(national_report(FRIDAY))
    assert letter.issuer_parent == ""
    assert letter.issuer.splitlines() == ["BỘ THÔNG TIN", "VÀ TRUYỀN THÔNG"]
    assert letter.number.endswith("/BTTTT-THH")
    assert (letter.signer_authority, letter.signer_title) == ("KT. BỘ TRƯỞNG", "THỨ TRƯỞNG")
    assert letter.copies_to[-1] == "- Lưu: VT, THH."
    texts = all_texts(letter)
    assert "VHTT" not in texts and "CHỦ TỊCH" not in texts
    sections_filled(letter)
    two = "\n".join(p.text for p in letter.sections[1].paragraphs)
    assert "Đến nay, tỉnh Sơn La chưa có lượt quét nào." in two and "Thanh Hóa" not in two
    three = letter.sections[2].subsections[0].paragraphs[-1].text  # to the provinces
    assert three.startswith("Đề nghị Ủy ban nhân dân tỉnh Sơn La")
    # Another ministry, named by the setting: its own code; a short name stays on one line.
    app.config["NATIONAL_REPORT_ISSUER"] = "Bộ Y tế"
    other = letter_for(national_report(FRIDAY))
    assert other.issuer == "BỘ Y TẾ" and other.number.endswith("/BYT")


def pdf_lines(content: bytes) -> list[str]:
    document = pypdfium2.PdfDocument(content)
    text = "\n".join(page.get_textpage().get_text_range() for page in document)
    return [line.strip() for line in text.replace("\r", "").split("\n")]


def docx_text(content: bytes) -> str:
    document = Document(io.BytesIO(content))
    cells = [
        paragraph.text
        for table in document.tables
        for row in table.rows
        for cell in row.cells
        for paragraph in cell.paragraphs
    ]
    return "\n".join([*(p.text for p in document.paragraphs), *cells])


def test_the_province_and_ministry_letters_read_back(client, login, make_user, two_districts):
    login(make_user("bo", role="supervisor", scope="country"))
    province = client.get(f"/reports/province/{two_districts.id}/{FRIDAY}.pdf").data
    lines = pdf_lines(province)
    assert any(line.endswith("/UBND-VX") for line in lines)
    assert "- Lưu: VT, VX." in lines and not any("VHTT" in line for line in lines)
    assert "2. Tồn tại, hạn chế" in lines
    after_two = lines[lines.index("2. Tồn tại, hạn chế") + 1]
    assert after_two and not after_two.startswith("3.")
    country = pdf_lines(client.get(f"/reports/country/{FRIDAY}.pdf").data)
    assert "BỘ THÔNG TIN" in country and "VÀ TRUYỀN THÔNG" in country
    assert "THÔNG" not in country  # never a word left alone on the issuer's second line
    assert "KT. BỘ TRƯỞNG" in country and "THỨ TRƯỞNG" in country
    word = docx_text(client.get(f"/reports/country/{FRIDAY}.docx").data)
    assert "BỘ THÔNG TIN\nVÀ TRUYỀN THÔNG" in word and "/BTTTT-THH" in word
    assert "VHTT" not in word and "- Lưu: VT, THH." in word


# 8. No signer's name, no request cited: said before export --------------------------------


@pytest.mark.parametrize(
    ("opening", "cites"),
    [
        ("Thực hiện Văn bản số 1234/UBND-VX ngày 05/11/2021 của Ủy ban nhân dân tỉnh", True),
        ("Thực hiện Công văn số 56 ngày 5/11/2021, Ủy ban nhân dân huyện thông báo", True),
        ("Thực hiện chỉ đạo của Ủy ban nhân dân tỉnh Thanh Hóa về việc ...", False),
        ("Thực hiện Văn bản số 1234/UBND-VX của Ủy ban nhân dân tỉnh", False),  # no date
        ("Thực hiện chỉ đạo ngày 05/11/2021 của Ủy ban nhân dân tỉnh", False),  # no number
    ],
)
def test_an_opening_cites_a_request_by_number_and_date(opening, cites):
    assert cites_request(opening) is cites


def test_the_letter_warns_while_the_signer_and_the_request_are_missing(
    client, district_office, quan_son
):
    day = TODAY.date()
    figures(quan_son, day)
    page = client.get(f"/letters/{quan_son.id}/{day}").get_data(as_text=True)
    assert 'data-warning="no-signer"' in page and 'data-warning="no-request"' in page
    assert page.index('data-warning="no-signer"') < page.index('id="letter-exports"')
    values = form_values(settings_for(quan_son))
    values["signer_name"] = "Lương Văn Thắng"
    response = client.post(f"/letters/{quan_son.id}/template", data=values)
    assert response.status_code == 303
    page = client.get(f"/letters/{quan_son.id}/{day}").get_data(as_text=True)
    assert 'data-warning="no-signer"' not in page and 'data-warning="no-request"' in page
    values["opening"] = (
        "Thực hiện Văn bản số 1234/UBND-VX ngày 05/11/2021 của Ủy ban nhân dân tỉnh Thanh Hóa, "
        "Ủy ban nhân dân huyện thông báo kết quả thực hiện như sau:"
    )
    client.post(f"/letters/{quan_son.id}/template", data=values)
    page = client.get(f"/letters/{quan_son.id}/{day}").get_data(as_text=True)
    assert 'id="letter-warnings"' not in page and "data-warning=" not in page


# 18. The export buttons beside the letter, where "Lưu công văn" lands ---------------------


def test_after_saving_the_letter_its_export_buttons_are_next_to_the_save_button(
    client, district_office, quan_son
):
    day = TODAY.date()
    figures(quan_son, day)
    form = {
        "number": "",
        "section_two": "Xã Sơn Hà còn thấp.",
        "offices_instructions": "a",
        "centre_instructions": "b",
        "communes_instructions": "c",
    }
    response = client.post(
        f"/letters/{quan_son.id}/{day}", data=form, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    fragment = response.get_data(as_text=True)
    exports = fragment.split('id="letter-exports"')[1].split("</nav>")[0]
    assert fragment.index('type="submit" class="btn btn-primary btn-block"') < fragment.index(
        'id="letter-exports"'
    )
    for fmt in ("pdf", "docx"):
        url = f"/reports/{quan_son.id}/{day.isoformat()}.{fmt}"
        assert f'id="letter-export-{fmt}" href="{url}"' in exports
        download = client.get(url)
        assert download.status_code == 200 and download.data
