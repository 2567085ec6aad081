"""Kinds of district (huyện, quận, thị xã, thành phố) and of province (tỉnh, thành phố), and
the provinces' official order (issue 14): a quận of a centrally run city is written as one
in its letter (PDF, DOCX), its appendix and exports, its posters and its addresses."""

import csv
import io
from datetime import date

import pytest
from docx import Document
from openpyxl import load_workbook

from fieldapp.citizens.labels import commune_with_district
from fieldapp.extensions import db
from fieldapp.letters.compose import letter_for
from fieldapp.models import Commune, CommuneFigures, District, Province, Venue
from fieldapp.places import (
    commune_kinds_text,
    district_kind_of,
    full_address,
    name_and_kind,
    official_name,
    province_kind_of,
)
from fieldapp.places_import import import_places
from fieldapp.posters.render import layout_poster, register_fonts
from fieldapp.posters.service import poster_text
from fieldapp.reports.appendix import appendix_headers, appendix_rows
from fieldapp.reports.exports import (
    CITIZENS_HEADERS,
    NOTE_HEADER,
    export_report,
    report_csv,
    report_xlsx,
)
from fieldapp.reports.figures import apply_import, preview_import, read_sheet
from fieldapp.reports.notice import title
from fieldapp.reports.weekly import (
    district_report,
    national_report,
    province_report,
)
from tests.test_letter_render import docx_text, pdf_pages
from tests.test_posters import FONT_DIR

WEEK_1, WEEK_2 = date(2021, 11, 5), date(2021, 11, 12)
BA_DINH_COMMUNES = (("Điện Biên", 120, 5000), ("Kim Mã", 90, 3000), ("Phúc Xá", 40, 800))


# Names, kinds and how they are written ---------------------------------------------------


@pytest.mark.parametrize(
    ("written", "level", "name", "kind"),
    [
        ("Quận Ba Đình", "district", "Ba Đình", "quan"),
        ("Q. Ba Đình", "district", "Ba Đình", "quan"),
        ("Thị xã Bỉm Sơn", "district", "Bỉm Sơn", "thi_xa"),
        ("TX. Bỉm Sơn", "district", "Bỉm Sơn", "thi_xa"),
        ("Thành phố Thanh Hóa", "district", "Thanh Hóa", "thanh_pho"),
        ("Huyện Quan Sơn", "district", "Quan Sơn", "huyen"),
        ("Quan Sơn", "district", "Quan Sơn", None),
        ("quan son", "district", "quan son", None),  # Quan Sơn typed bare, not a quận
        ("TP. Hà Nội", "province", "Hà Nội", "thanh_pho"),
        ("Tỉnh Thanh Hóa", "province", "Thanh Hóa", "tinh"),
        ("Xã Sơn Hà", "district", "Sơn Hà", None),  # no district's prefix
        ("Phường Điện Biên", "commune", "Điện Biên", "phuong"),
    ],
)
def test_a_name_written_with_its_prefix_says_its_kind(written, level, name, kind):
    assert name_and_kind(written, level) == (name, kind)


def test_kinds_of_districts_and_provinces_by_their_names():
    assert district_kind_of("Quận Ba Đình") == "quan"
    assert district_kind_of("Quan Sơn") == "huyen"
    assert province_kind_of("TP. Hồ Chí Minh") == "thanh_pho"
    assert province_kind_of("Hải Phòng") == "thanh_pho"  # a centrally run city, written bare
    assert province_kind_of("Thanh Hóa") == "tinh"
    assert province_kind_of("Tỉnh Đắk Nông") == "tinh"


def test_units_are_written_by_their_kind():
    assert official_name("Ba Đình", "quan", capitalised=True) == "Quận Ba Đình"
    assert official_name("Bỉm Sơn", "thi_xa", capitalised=True) == "Thị xã Bỉm Sơn"
    assert official_name("Thanh Hóa", "thanh_pho") == "thành phố Thanh Hóa"
    assert full_address(
        "12 Điện Biên Phủ",
        "Điện Biên",
        "phuong",
        "Ba Đình",
        "Hà Nội",
        district_kind="quan",
        province_kind="thanh_pho",
    ) == ("12 Điện Biên Phủ, phường Điện Biên, quận Ba Đình, thành phố Hà Nội")
    assert commune_kinds_text(["phuong", "phuong"]) == "phường"
    assert commune_kinds_text(["thi_tran", "xa"]) == "xã, thị trấn"


# A quận of a thành phố ---------------------------------------------------------------------


@pytest.fixture
def ba_dinh(app):
    """Quận Ba Đình of thành phố Hà Nội, three phường with two weeks of figures."""
    district = District(
        name="Ba Đình", kind="quan", province=Province(name="Hà Nội", kind="thanh_pho")
    )
    for order, (name, venues, scans) in enumerate(BA_DINH_COMMUNES, start=1):
        commune = Commune(name=name, kind="phuong", district=district, sheet_order=order)
        db.session.add(commune)
        for day, share in ((WEEK_1, 0.9), (WEEK_2, 1)):
            db.session.add(
                CommuneFigures(
                    commune=commune,
                    report_date=day,
                    venues_with_qr=int(venues * share),
                    scans=int(scans * share),
                )
            )
    db.session.commit()
    return district


def test_a_quans_letter_names_it_a_quan_of_a_thanh_pho(ba_dinh):
    letter = letter_for(district_report(ba_dinh, WEEK_2), ba_dinh)
    assert (letter.issuer_parent, letter.issuer) == ("ỦY BAN NHÂN DÂN", "QUẬN BA ĐÌNH")
    assert letter.subject.endswith("trên địa bàn quận tính đến 12/11/2021")
    assert letter.place_date == "Ba Đình, ngày 12 tháng 11 năm 2021"
    assert letter.opening.startswith("Thực hiện chỉ đạo của Ủy ban nhân dân thành phố Hà Nội")
    assert "Ủy ban nhân dân quận thông báo" in letter.opening
    assert "- Đảng ủy, Ủy ban nhân dân các phường." in letter.recipients
    section_one = " ".join(p.text for p in letter.sections[0].paragraphs)
    assert "Tính đến ngày 12/11/2021, toàn quận có 250 địa điểm" in section_one
    assert "huyện" not in section_one
    headings = [s.title for s in letter.sections[2].subsections]
    assert headings == [
        "Đối với Thủ trưởng các phòng, ban, ngành, đơn vị cấp quận",
        "Đối với Trung tâm Văn hóa - Thông tin quận",
        "Đối với Chủ tịch Ủy ban nhân dân các phường",
    ]
    assert "UBND quận" in " ".join(letter.copies_to)
    assert "một số phường chưa đăng nhập hệ thống" in " ".join(
        p.text for p in letter.sections[1].paragraphs
    )


def test_a_quans_appendix_and_title(ba_dinh):
    report = district_report(ba_dinh, WEEK_2)
    assert appendix_headers(report)[:3] == ("STT", "Quận", "Xã, phường, thị trấn")
    assert appendix_rows(report)[0][:3] == (1, "Quận Ba Đình", "Phường Điện Biên")
    assert "trên địa bàn quận Ba Đình tính đến ngày 12/11/2021" in title(report)
    assert report.area_heading == "Quận Ba Đình"


def test_a_quans_letter_pdf_and_docx_read_back(app, ba_dinh):
    report = district_report(ba_dinh, WEEK_2)
    pages = [
        " ".join(page.split())
        for page in pdf_pages(export_report(report, "pdf", app.config, ba_dinh))
    ]
    text = " ".join(pages)
    assert "QUẬN BA ĐÌNH" in pages[0]
    assert "địa bàn quận" in pages[0]
    assert "Ủy ban nhân dân thành phố Hà Nội" in pages[0]
    assert "Quận Ba Đình" in text and "Phường Điện Biên" in text
    assert "HUYỆN" not in text and "Huyện Ba Đình" not in text
    paragraphs = docx_text(Document(io.BytesIO(export_report(report, "docx", app.config, ba_dinh))))
    assert "QUẬN BA ĐÌNH" in paragraphs
    assert "Quận Ba Đình" in paragraphs and "Phường Kim Mã" in paragraphs
    assert not any("HUYỆN" in p or "huyện Ba Đình" in p for p in paragraphs)


def test_a_poster_and_an_address_in_a_quan(app, ba_dinh):
    venue = Venue(
        code="BD-00001",
        name="Chợ Long Biên",
        venue_type="market",
        commune=next(c for c in ba_dinh.communes if c.name == "Điện Biên"),
        address="12 Điện Biên Phủ, P. Điện Biên",
        qr_payload="PCCOVID|BD-00001",
    )
    db.session.add(venue)
    db.session.commit()
    assert venue.full_address == (
        "12 Điện Biên Phủ, phường Điện Biên, quận Ba Đình, thành phố Hà Nội"
    )
    register_fonts(FONT_DIR)
    layout = layout_poster(poster_text(venue, app.config["POSTER_ISSUER"]))
    lines = " ".join(line.text for line in layout.lines)
    assert "PHÒNG VĂN HÓA VÀ THÔNG TIN QUẬN BA ĐÌNH" in lines
    assert "phường Điện Biên, quận Ba Đình, thành phố Hà Nội" in lines
    assert "huyện" not in lines.lower()


def test_a_thanh_phos_summary_letter(app, ba_dinh):
    hanoi = ba_dinh.province
    soc_son = District(name="Sóc Sơn", kind="huyen", province=hanoi)
    db.session.add(Commune(name="Minh Phú", kind="xa", district=soc_son))
    db.session.commit()
    report = province_report(hanoi, WEEK_2)
    assert [(row.name, row.kind) for row in report.rows] == [
        ("Ba Đình", "quan"),
        ("Sóc Sơn", "huyen"),
    ]
    assert appendix_headers(report)[1] == "Quận, huyện"
    assert [row[1] for row in appendix_rows(report)[:2]] == ["Quận Ba Đình", "Huyện Sóc Sơn"]
    letter = letter_for(report)
    assert letter.issuer == "THÀNH PHỐ HÀ NỘI"
    assert letter.subject.endswith("trên địa bàn thành phố tính đến 12/11/2021")
    assert "- Ủy ban nhân dân các quận, huyện." in letter.recipients
    section_one = " ".join(p.text for p in letter.sections[0].paragraphs)
    assert "toàn thành phố có 250 địa điểm" in section_one
    # Sóc Sơn has no figures: the sum is partial, of a quận and a huyện
    assert "(1/2 đơn vị có số liệu)" in section_one


# Where kinds are set -----------------------------------------------------------------------


def test_the_places_import_sets_kinds_from_the_prefixes(app):
    plan = import_places(
        "province,district,commune\n"
        "TP. Hà Nội,Quận Ba Đình,Phường Điện Biên\n"
        "Thanh Hóa,Thị xã Bỉm Sơn,Phường Ba Đình\n"
        "Thanh Hóa,Quan Sơn,Xã Sơn Hà\n"
        "Hồ Chí Minh,TP. Thủ Đức,Phường An Khánh\n"
    )
    assert plan.ok, plan.problems
    db.session.commit()
    kinds = {d.name: (d.kind, d.province.name, d.province.kind) for d in District.query}
    assert kinds == {
        "Ba Đình": ("quan", "Hà Nội", "thanh_pho"),
        "Bỉm Sơn": ("thi_xa", "Thanh Hóa", "tinh"),
        "Quan Sơn": ("huyen", "Thanh Hóa", "tinh"),
        "Thủ Đức": ("thanh_pho", "Hồ Chí Minh", "thanh_pho"),
    }
    # A registered district written again with its prefix takes the kind it says.
    import_places("province,district,commune\nThanh Hóa,Quận Quan Sơn,Xã Trung Xuân\n")
    db.session.commit()
    assert db.session.scalar(db.select(District.kind).where(District.name == "Quan Sơn")) == (
        "quan"
    )


def test_a_figures_sheet_naming_the_quan_sets_its_kind(app, ba_dinh):
    ba_dinh.kind = "huyen"  # as registered before kinds existed
    db.session.commit()
    sheet = (
        "STT,Quận/huyện,Xã/phường,Tổng số địa điểm tạo mã QR,Tổng lượt quét\n"
        "1,Quận Ba Đình,Phường Điện Biên,130,5200\n"
        "2,Quận Ba Đình,Phường Kim Mã,95,3100\n"
        ",,Cộng toàn quận,225,8300\n"
    )
    day = date(2021, 11, 19)
    preview = preview_import(read_sheet(sheet.encode(), "x.csv"), ba_dinh, day, day)
    assert [row.skipped != "" for row in preview.rows] == [False, False, True]
    assert apply_import(preview, None, "x.csv") == 2
    db.session.commit()
    assert ba_dinh.kind == "quan"


# The provinces' official order -------------------------------------------------------------


def test_the_national_summary_lists_provinces_in_the_official_order(app):
    for name in ("Thanh Hóa", "An Giang", "Hà Nội", "Bắc Ninh", "Sơn La"):
        province = Province(name=name, kind=province_kind_of(name))
        db.session.add(Commune(name="A", kind="xa", district=District(name="B", province=province)))
    db.session.commit()
    assert [r.name for r in national_report(WEEK_2).rows] == [
        "An Giang",
        "Bắc Ninh",
        "Hà Nội",
        "Sơn La",
        "Thanh Hóa",
    ]
    orders = {"Hà Nội": 1, "Thanh Hóa": 26, "Sơn La": 14}
    for province in Province.query:
        province.sheet_order = orders.get(province.name)
    db.session.commit()
    rows = national_report(WEEK_2).rows
    assert [r.name for r in rows] == ["Hà Nội", "Sơn La", "Thanh Hóa", "An Giang", "Bắc Ninh"]
    assert [r.kind for r in rows][:2] == ["thanh_pho", "tinh"]


def test_a_national_places_file_sets_the_provinces_order_and_a_provinces_file_does_not(app):
    import_places("province,district,commune\nThanh Hóa,Quan Sơn,Xã Sơn Hà\n")
    db.session.commit()
    assert Province.query.one().sheet_order is None
    import_places(
        "province,district,commune\n"
        "Hà Nội,Quận Ba Đình,Phường Điện Biên\n"
        "Sơn La,Yên Châu,Xã Chiềng Đông\n"
        "Thanh Hóa,Quan Sơn,Xã Sơn Hà\n"
    )
    db.session.commit()
    orders = {p.name: p.sheet_order for p in Province.query}
    assert orders == {"Hà Nội": 1, "Sơn La": 2, "Thanh Hóa": 3}


# The exports: the partial note and the citizens' reports ---------------------------------


@pytest.fixture
def hanoi_partial(ba_dinh):
    """Hà Nội with Ba Đình's figures and two districts without any."""
    for name in ("Hoàn Kiếm", "Đống Đa"):
        district = District(name=name, kind="quan", province=ba_dinh.province)
        db.session.add(Commune(name="X", kind="phuong", district=district))
    db.session.commit()
    return province_report(ba_dinh.province, WEEK_2)


def test_the_csv_says_a_province_total_is_partial(hanoi_partial):
    rows = list(csv.reader(io.StringIO(report_csv(hanoi_partial).decode("utf-8-sig"))))
    assert rows[0][-1] == NOTE_HEADER
    assert rows[-1][0] == "Tổng cộng"
    assert rows[-1][-1] == "(1/3 quận có số liệu)"
    assert [row[-1] for row in rows[1:-1]] == ["", "", ""]  # each district is whole or blank


def test_the_xlsx_says_a_province_total_is_partial(hanoi_partial):
    sheet = load_workbook(io.BytesIO(report_xlsx(hanoi_partial)))["Phụ lục"]
    header = [cell.value for cell in sheet[4]]
    total = [cell.value for cell in sheet[sheet.max_row]]
    assert header[-1] == NOTE_HEADER
    assert total[0] == "Tổng cộng" and total[-1] == "(1/3 quận có số liệu)"


def test_the_countrys_exports_say_which_provinces_are_partial(app, hanoi_partial):
    country = national_report(WEEK_2)
    rows = list(csv.reader(io.StringIO(report_csv(country).decode("utf-8-sig"))))
    assert rows[1][1] == "Thành phố Hà Nội"
    assert rows[1][-1] == rows[-1][-1] == "(1/3 quận có số liệu)"


def test_a_whole_sum_has_no_note_column(ba_dinh):
    report = province_report(ba_dinh.province, WEEK_2)
    assert NOTE_HEADER not in next(csv.reader(io.StringIO(report_csv(report).decode("utf-8-sig"))))


def test_the_csv_has_each_units_citizens_reports_as_the_xlsx(ba_dinh):
    report = district_report(ba_dinh, WEEK_2)
    counts = {"Điện Biên": (4, 2, 1, 1), "Kim Mã": (1, 1, 0, 0)}
    for row in report.rows:
        received, on_time, closed_late, overdue = counts.get(row.name, (0, 0, 0, 0))
        row.citizens.received, row.citizens.on_time = received, on_time
        row.citizens.closed_late, row.citizens.overdue = closed_late, overdue
        report.total.citizens.add(row.citizens)
    rows = list(csv.reader(io.StringIO(report_csv(report).decode("utf-8-sig"))))
    assert tuple(rows[0][-3:]) == CITIZENS_HEADERS
    assert [(row[2], row[-3:]) for row in rows[1:]] == [
        ("Phường Điện Biên", ["4", "2", "2"]),
        ("Phường Kim Mã", ["1", "1", "0"]),
        ("Phường Phúc Xá", ["0", "0", "0"]),
        ("", ["5", "3", "2"]),
    ]
    found = load_workbook(io.BytesIO(report_xlsx(report)))["Kiểm tra"]
    headers = [cell.value for cell in found[2]]
    start = headers.index(CITIZENS_HEADERS[0])
    assert tuple(headers[start : start + 3]) == CITIZENS_HEADERS
    xlsx = [[cell.value for cell in line][start : start + 3] for line in found.iter_rows(3, 6)]
    assert [[str(v) for v in line] for line in xlsx] == [row[-3:] for row in rows[1:]]


def test_flask_import_places_sets_and_says_the_kinds(app, tmp_path):
    path = tmp_path / "places.csv"
    path.write_text("province,district,commune\nTP. Hà Nội,Quận Ba Đình,Phường Điện Biên\n")
    runner = app.test_cli_runner()
    dry = runner.invoke(args=["import-places", str(path), "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "province thành phố Hà Nội" in dry.output
    assert "district quận Ba Đình (Hà Nội)" in dry.output
    done = runner.invoke(args=["import-places", str(path)])
    assert done.exit_code == 0, done.output
    district = District.query.one()
    assert (district.kind, district.province.kind) == ("quan", "thanh_pho")


def test_flask_import_places_again_with_prefixes_sets_the_kinds(app, tmp_path):
    path = tmp_path / "places.csv"
    path.write_text("province,district,commune\nThanh Hóa,Bỉm Sơn,Phường Ba Đình\n")
    runner = app.test_cli_runner()
    assert runner.invoke(args=["import-places", str(path)]).exit_code == 0
    assert District.query.one().kind == "huyen"
    path.write_text("province,district,commune\nThanh Hóa,Thị xã Bỉm Sơn,Phường Ba Đình\n")
    again = runner.invoke(args=["import-places", str(path)])
    assert "Nothing to create" in again.output
    db.session.expire_all()
    assert District.query.one().kind == "thi_xa"


def test_the_venue_page_and_the_office_lists_write_the_quan(client, login, make_user, ba_dinh):
    """The screens write units by the same rule (the `|unit` filter, `commune_with_district`):
    "Phường Điện Biên, quận Ba Đình", never a bare name or "huyện"."""
    venue = Venue(
        code="BD-00002",
        name="Nhà hàng Hồ Tây",
        venue_type="restaurant",
        commune=next(c for c in ba_dinh.communes if c.name == "Điện Biên"),
    )
    db.session.add(venue)
    db.session.commit()
    login(make_user("ba-dinh", role="supervisor", district=ba_dinh))
    page = client.get(f"/venues/{venue.id}").get_data(as_text=True)
    assert "Phường Điện Biên, quận Ba Đình" in page
    assert commune_with_district(venue.commune) == "Phường Điện Biên — quận Ba Đình"


def test_the_pages_say_a_partial_total_with_the_districts_kind(
    client, login, make_user, ba_dinh, hanoi_partial
):
    """The report page writes the partial note as the letter and the exports do, with the
    kind of the districts ("quận"); in English, "districts"."""
    province = ba_dinh.province
    login(make_user("ca-nuoc", role="supervisor", scope="country"))
    url = f"/reports/province/{province.id}/{WEEK_2.isoformat()}"
    page = client.get(url).get_data(as_text=True)
    assert "(1/3 quận có số liệu)" in page and "huyện có số liệu" not in page
    switched = client.post("/account/language", data={"locale": "en"})
    assert switched.status_code == 303, switched.get_data(as_text=True)[:300]
    assert "(1/3 districts with figures)" in client.get(url).get_data(as_text=True)
