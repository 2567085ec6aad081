"""Section 1 of the letter and addresses, worded as the district letters word them (issue 14,
"Wording, as the letters write it"): each sentence, the groups, the install change, the
findings, and every unit of an address written once on posters, PDFs and pages."""

import re
from datetime import date
from decimal import Decimal

import pypdfium2
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fieldapp.extensions import db
from fieldapp.letters.letter import Paragraph
from fieldapp.models import CommuneFigures
from fieldapp.places import address_line, full_address, official_name
from fieldapp.reports.findings import Findings, counted_note
from fieldapp.reports.notice import (
    GroupRule,
    group_text,
    high_group,
    low_group,
    low_installs_group,
    section_one,
    unit_list,
    vn_percent,
)
from fieldapp.reports.weekly import ReportRow, WeeklyReport, district_report, province_report
from fieldapp.text import fold
from tests.factories import commune_named

WEEK_1, WEEK_2 = date(2021, 11, 5), date(2021, 11, 12)
SCANS = "Về cài đặt và quét mã QR:"
INSTALLS = "Về tình hình triển khai cài đặt ứng dụng PC-Covid:"
CHECKS = "Về kết quả kiểm tra thực tế:"


# Reports built by hand: the wording of every case without a database ----------------------


def row(name, scans, kind="xa", installs=None, smartphones=None, **changes) -> ReportRow:
    return ReportRow(
        name=name,
        district_name="Quan Sơn",
        kind=kind,
        has_figures=True,
        venues_with_qr=10,
        scans=scans,
        installs=installs,
        smartphones=smartphones,
        **changes,
    )


def report(rows, level="district", previous=WEEK_1, month=None, findings=None, **total_changes):
    """A report of these rows; the total sums them, its changes are given."""
    with_installs = [r for r in rows if r.installs is not None]
    total = ReportRow(
        name="",
        district_name="",
        has_figures=any(r.has_figures for r in rows),
        venues_with_qr=sum(r.venues_with_qr or 0 for r in rows) if rows else None,
        scans=sum(r.scans or 0 for r in rows) if rows else None,
        installs=sum(r.installs for r in with_installs) if with_installs else None,
        smartphones=sum(r.smartphones for r in with_installs) if with_installs else None,
        findings=findings or Findings(),
        **total_changes,
    )
    return WeeklyReport(
        level=level,
        area_name={"district": "Quan Sơn", "province": "Thanh Hóa", "country": "Việt Nam"}[level],
        province_name="Thanh Hóa",
        report_date=WEEK_2,
        previous_date=previous,
        period_start=date(2021, 11, 6),
        rows=rows,
        total=total,
        month=month,
    )


def texts(paragraphs: list[Paragraph]) -> list[str]:
    return [f"{p.heading} {p.text}".strip() for p in paragraphs]


def paragraph(paragraphs: list[Paragraph], heading: str) -> str:
    return next(p.text for p in paragraphs if p.heading == heading)


QUAN_SON = [
    row("Sơn Hà", 7000, installs=300, smartphones=1000),
    row("Sơn Lư", 6000, kind="thi_tran", installs=601, smartphones=2000),
    row("Trung Xuân", 4336, installs=100, smartphones=400),
    row("Na Mèo", 900, installs=20, smartphones=400),
    row("Mường Mìn", 0, installs=0, smartphones=300),
]


def test_the_scans_sentence_names_the_unit_of_each_change():
    week = report(
        QUAN_SON,
        compared=True,
        venues_delta=58,
        scans_delta=1150,
    )
    assert paragraph(section_one(week, GroupRule()), SCANS) == (
        "Tính đến ngày 12/11/2021, toàn huyện có 50 địa điểm đã tạo mã QR (tăng 58 địa điểm "
        "so với ngày 05/11/2021); tổng số lượt quét mã QR là 18.236 lượt (tăng 1.150 lượt so "
        "với ngày 05/11/2021)."
    )


def test_falls_no_change_and_nothing_to_compare_with():
    down = report(QUAN_SON, compared=True, venues_delta=-3, scans_delta=0)
    text = paragraph(section_one(down, GroupRule()), SCANS)
    assert "(giảm 3 địa điểm so với ngày 05/11/2021)" in text
    assert "18.236 lượt (không thay đổi so với ngày 05/11/2021)." in text
    first = report(QUAN_SON, previous=None)
    text = paragraph(section_one(first, GroupRule()), SCANS)
    assert "(" not in text and "so với" not in text


def test_the_high_and_low_groups_as_the_letters_word_them():
    lines = texts(section_one(report(QUAN_SON), GroupRule()))
    assert lines[1] == "Các đơn vị có lượt quét cao như: xã Sơn Hà, thị trấn Sơn Lư, xã Trung Xuân."
    assert lines[2] == (
        "Một số đơn vị có lượt quét thấp và không quét gồm các xã: Na Mèo, Mường Mìn."
    )


def test_the_low_group_includes_a_tie_at_its_last_place_and_every_unit_without_scans():
    rows = [
        row("A", 9000),
        row("B", 8000),
        row("C", 100),
        row("D", 200),
        row("E", 200),
        row("F", 0),
        row("G", 0),
    ]
    low = low_group(report(rows), GroupRule(low_count=3))
    assert [r.name for r in low] == ["C", "F", "G"]  # 0, 0, 100: the three lowest
    low = low_group(report(rows), GroupRule(low_count=4))
    assert [r.name for r in low] == ["C", "D", "E", "F", "G"]  # the tie at 200 joins both
    low = low_group(report(rows), GroupRule(low_count=1))
    assert [r.name for r in low] == ["F", "G"]  # the tie at 0
    low = low_group(report(rows), GroupRule(low_count=0))
    assert [r.name for r in low] == ["F", "G"]  # no scans: always named


def test_a_low_group_of_units_without_scans_only_and_of_mixed_kinds():
    rows = [row("Sơn Hà", 5000), row("Sơn Lư", 0, kind="thi_tran"), row("Na Mèo", 0)]
    lines = texts(section_one(report(rows), GroupRule(low_count=0)))
    assert "Một số đơn vị không có lượt quét gồm: thị trấn Sơn Lư, xã Na Mèo." in lines
    mixed = [row("Sơn Hà", 5000), row("Sơn Lư", 10, kind="thi_tran"), row("Na Mèo", 0)]
    lines = texts(section_one(report(mixed), GroupRule()))
    assert "Một số đơn vị có lượt quét thấp và không quét gồm: thị trấn Sơn Lư, xã Na Mèo." in lines
    one = [row("Sơn Hà", 5000), row("Sơn Lư", 4000, kind="thi_tran"), row("Na Mèo", 10)]
    assert "Đơn vị có lượt quét thấp: xã Na Mèo." in texts(section_one(report(one), GroupRule()))


def test_units_all_alike_make_empty_groups_and_no_group_sentence():
    rows = [row("Sơn Hà", 500), row("Sơn Lư", 500, kind="thi_tran")]
    week = report(rows)
    assert high_group(week, GroupRule()) == [] and low_group(week, GroupRule()) == []
    lines = texts(section_one(week, GroupRule()))
    assert not any("lượt quét cao" in line or "lượt quét thấp" in line for line in lines)
    assert len([line for line in lines if line.startswith(SCANS)]) == 1


def test_the_high_group_at_or_above_a_threshold_and_never_low_too():
    week = report(QUAN_SON)
    assert unit_list(high_group(week, GroupRule(high_threshold=6000))) == (
        "xã Sơn Hà, thị trấn Sơn Lư"
    )
    assert unit_list(high_group(week, GroupRule(high_threshold=7001))) == ""
    high = high_group(week, GroupRule(high_threshold=900))
    low = low_group(week, GroupRule(high_threshold=900))
    assert [r.name for r in low] == ["Mường Mìn"] and not set(map(id, high)) & set(map(id, low))
    single = texts(section_one(week, GroupRule(high_threshold=7000)))
    assert "Đơn vị có lượt quét cao: xã Sơn Hà." in single


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        (
            {"installs_compared": True, "installs_delta": 168},
            " (tăng 168 máy so với ngày 05/11/2021).",
        ),
        (
            {"installs_compared": True, "installs_delta": -1200},
            " (giảm 1.200 máy so với ngày 05/11/2021).",
        ),
        (
            {"installs_compared": True, "installs_delta": 0},
            " (không thay đổi so với ngày 05/11/2021).",
        ),
        ({}, "."),  # no installs in the previous figures: nothing to compare with
    ],
)
def test_the_install_sentence_in_the_letters_order_with_its_change(changes, words):
    rows = [row("Sơn Hà", 9000, installs=5554, smartphones=18510)]
    text = paragraph(section_one(report(rows, **changes), GroupRule()), INSTALLS)
    assert text == (
        "Toàn huyện có 5.554/18.510 máy điện thoại thông minh đã cài đặt PC-Covid, đạt 30,0%"
        + words
    )


def test_the_communes_low_in_installs_are_the_lowest_rates_below_the_areas_own():
    week = report(QUAN_SON)  # 1.021/4.100 = 24,9%
    assert [r.name for r in low_installs_group(week, GroupRule(low_count=1))] == ["Mường Mìn"]
    assert [r.name for r in low_installs_group(week, GroupRule())] == ["Na Mèo", "Mường Mìn"]
    lines = texts(section_one(week, GroupRule()))
    assert "Một số đơn vị có tỷ lệ cài đặt thấp gồm các xã: Na Mèo (5,0%), Mường Mìn (0%)." in (
        lines
    )
    without = report([row("Sơn Hà", 10), row("Na Mèo", 20)])
    assert low_installs_group(without, GroupRule()) == []
    assert not any(p.heading == INSTALLS for p in section_one(without, GroupRule()))


def test_findings_as_counts_with_shares_and_zero_items_left_out():
    found = Findings(
        venues_inspected=30,
        qr_visible=28,
        staff_assigned=0,
        compliant=30,
        visitors_observed=200,
        visitors_scanned=180,
        posters_issued=0,
    )
    text = paragraph(section_one(report(QUAN_SON, findings=found), GroupRule()), CHECKS)
    assert text == (
        "Kiểm tra 30 địa điểm từ ngày 06/11/2021 đến ngày 12/11/2021: 28/30 địa điểm (93,3%) "
        "niêm yết mã QR công khai, rõ ràng; 30/30 địa điểm (100%) đạt yêu cầu; 180/200 lượt "
        "người ra vào được quan sát (90,0%) có quét mã. " + counted_note()
    )
    assert "hướng dẫn" not in text and "thay thế" not in text and "100,0%" not in text
    posters = Findings(venues_inspected=4, staff_assigned=1, posters_issued=3)
    text = paragraph(section_one(report(QUAN_SON, findings=posters), GroupRule()), CHECKS)
    assert text.endswith(
        ": 1/4 địa điểm (25,0%) có người hướng dẫn quét mã; cấp 3 mã QR thay thế. " + counted_note()
    )
    nothing = Findings(venues_inspected=5)
    text = paragraph(section_one(report(QUAN_SON, findings=nothing), GroupRule()), CHECKS)
    assert text == "Kiểm tra 5 địa điểm từ ngày 06/11/2021 đến ngày 12/11/2021. " + counted_note()
    none = paragraph(section_one(report(QUAN_SON), GroupRule()), CHECKS)
    assert none == "Không có kết quả kiểm tra nào từ ngày 06/11/2021 đến ngày 12/11/2021."


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (Decimal(100), "100%"),
        (Decimal("100.0"), "100%"),
        (Decimal(0), "0%"),
        (Decimal("99.9"), "99,9%"),
        (Decimal("0.1"), "0,1%"),
        (Decimal(30), "30,0%"),
        (None, "—"),
    ],
)
def test_all_or_none_is_a_whole_percentage(value, text):
    assert vn_percent(value) == text


def test_a_provinces_section_one_names_districts():
    districts = [
        row("Quan Sơn", 18000, kind="huyen"),
        row("Cẩm Thủy", 12000, kind="huyen"),
        row("Mường Lát", 300, kind="huyen"),
        row("Quan Hóa", 0, kind="huyen"),
    ]
    lines = texts(section_one(report(districts, level="province"), GroupRule()))
    assert lines[0].startswith(f"{SCANS} Tính đến ngày 12/11/2021, toàn tỉnh có 40 địa điểm")
    assert lines[1] == "Các đơn vị có lượt quét cao như: huyện Quan Sơn, huyện Cẩm Thủy."
    assert lines[2] == (
        "Một số đơn vị có lượt quét thấp và không quét gồm các huyện: Mường Lát, Quan Hóa."
    )


def test_the_countrys_section_one_names_provinces_and_cities():
    provinces = [
        row("Hà Nội", 90000, kind="thanh_pho"),
        row("Thanh Hóa", 50000, kind="tinh"),
        row("Sơn La", 100, kind="tinh"),
        row("Cần Thơ", 0, kind="thanh_pho"),
    ]
    lines = texts(section_one(report(provinces, level="country"), GroupRule()))
    assert lines[0].startswith(f"{SCANS} Tính đến ngày 12/11/2021, cả nước có")
    assert lines[1] == "Các đơn vị có lượt quét cao như: thành phố Hà Nội, tỉnh Thanh Hóa."
    assert lines[2] == (
        "Một số đơn vị có lượt quét thấp và không quét gồm: tỉnh Sơn La, thành phố Cần Thơ."
    )


def test_a_months_section_one():
    found = Findings(venues_inspected=2, compliant=1)
    week = report(QUAN_SON, month=date(2021, 11, 1), findings=found, compared=True, scans_delta=5)
    paragraphs = section_one(week, GroupRule())
    assert paragraph(paragraphs, SCANS).startswith("Tính đến hết tháng 11/2021, toàn huyện có")
    assert paragraph(paragraphs, CHECKS) == (
        "Kiểm tra 2 địa điểm trong tháng 11/2021: 1/2 địa điểm (50,0%) đạt yêu cầu. "
        + counted_note()
    )


def test_without_figures_section_one_says_so():
    empty = report([ReportRow(name="Sơn Hà", district_name="Quan Sơn", kind="xa")])
    assert texts(section_one(empty, GroupRule()))[0] == (
        "Chưa có số liệu của hệ thống quốc gia cho ngày 12/11/2021."
    )
    month = report([], month=date(2021, 11, 1))
    assert texts(section_one(month, GroupRule()))[0] == (
        "Chưa có số liệu của hệ thống quốc gia cho tháng 11/2021."
    )


def test_group_text_with_a_note_per_unit():
    rows = [row("Na Mèo", 1), row("Sơn Lư", 2, kind="thi_tran")]
    assert group_text(rows, "có tỷ lệ cài đặt thấp", lambda r: f"{r.scans}%") == (
        "Một số đơn vị có tỷ lệ cài đặt thấp gồm: xã Na Mèo (1%), thị trấn Sơn Lư (2%)"
    )


# From the database: both engines ------------------------------------------------------------


def add_figures(commune, day, scans, installs=None, smartphones=None):
    db.session.add(
        CommuneFigures(
            commune_id=commune.id,
            report_date=day,
            venues_with_qr=10,
            scans=scans,
            installs=installs,
            smartphones=smartphones,
        )
    )


@pytest.mark.parametrize(
    ("before", "now", "change", "words"),
    [
        (100, 268, 168, "tăng 168 máy"),
        (300, 250, -50, "giảm 50 máy"),
        (250, 250, 0, "không thay đổi"),
        (None, 250, None, None),
    ],
)
def test_the_install_change_since_the_previous_report(quan_son, before, now, change, words):
    son_ha, na = commune_named(quan_son, "Sơn Hà"), commune_named(quan_son, "Sơn Lư")
    add_figures(son_ha, WEEK_1, 100, before, 1000 if before is not None else None)
    add_figures(son_ha, WEEK_2, 120, now, 1000)
    add_figures(na, WEEK_1, 100)  # no installs either week: changes nothing
    add_figures(na, WEEK_2, 130)
    db.session.commit()
    week = district_report(quan_son, WEEK_2)
    assert week.total.installs_change == change
    assert week.total.scans_change == 50
    text = paragraph(section_one(week, GroupRule()), INSTALLS)
    if words is None:
        assert text.endswith("đạt 25,0%.") and "so với" not in text
    else:
        assert f"({words} so với ngày 05/11/2021)" in text


def test_a_provinces_install_change_adds_its_districts(quan_son, neighbour_district):
    son_ha, cam_chau = commune_named(quan_son, "Sơn Hà"), neighbour_district.communes[0]
    add_figures(son_ha, WEEK_1, 100, 100, 1000)
    add_figures(son_ha, WEEK_2, 100, 150, 1000)
    add_figures(cam_chau, WEEK_1, 100, 400, 1000)
    add_figures(cam_chau, WEEK_2, 100, 420, 1000)
    db.session.commit()
    week = province_report(quan_son.province, WEEK_2)
    assert week.total.installs_change == 70
    assert "(tăng 70 máy so với ngày 05/11/2021)" in paragraph(
        section_one(week, GroupRule()), INSTALLS
    )


def test_the_report_page_shows_section_one_with_its_lead_ins(client, login, make_user, quan_son):
    login(make_user("supervisor", role="supervisor"))
    son_ha, son_lu = commune_named(quan_son, "Sơn Hà"), commune_named(quan_son, "Sơn Lư")
    add_figures(son_ha, WEEK_1, 1000, 100, 1000)
    add_figures(son_ha, WEEK_2, 3000, 268, 1000)
    add_figures(son_lu, WEEK_2, 0, 10, 1000)
    db.session.commit()
    html = client.get(f"/reports/{quan_son.id}/2021-11-12").get_data(as_text=True)
    assert f"<strong>{SCANS}</strong> Tính đến ngày 12/11/2021" in html
    assert f"<strong>{INSTALLS}</strong> Toàn huyện có 278/2.000" in html
    assert "Đơn vị không có lượt quét: thị trấn Sơn Lư." in html
    assert "(tăng 168 máy so với ngày 05/11/2021)" in html


# Addresses: each unit once ------------------------------------------------------------------

UNITS = ("thị trấn Sơn Lư", "huyện Quan Sơn", "tỉnh Thanh Hóa")


@pytest.mark.parametrize(
    ("address", "line"),
    [
        (  # the poster of the issue
            "Khu 1, thị trấn Sơn Lư, Thị trấn Sơn Lư, huyện Quan Sơn, Thanh Hóa",
            "Khu 1, thị trấn Sơn Lư, huyện Quan Sơn, tỉnh Thanh Hóa",
        ),
        ("Khu 1", "Khu 1, thị trấn Sơn Lư, huyện Quan Sơn, tỉnh Thanh Hóa"),
        ("", "Thị trấn Sơn Lư, huyện Quan Sơn, tỉnh Thanh Hóa"),
        (None, "Thị trấn Sơn Lư, huyện Quan Sơn, tỉnh Thanh Hóa"),
        ("Khu 1, Sơn Lư", "Khu 1, thị trấn Sơn Lư, huyện Quan Sơn, tỉnh Thanh Hóa"),
        (
            "Khu 1, TT. Sơn Lư, H. Quan Sơn",
            "Khu 1, thị trấn Sơn Lư, huyện Quan Sơn, tỉnh Thanh Hóa",
        ),
        ("Khu 1 thị trấn Sơn Lư", "Khu 1, thị trấn Sơn Lư, huyện Quan Sơn, tỉnh Thanh Hóa"),
        ("Khu 1 - TT Sơn Lư", "Khu 1, thị trấn Sơn Lư, huyện Quan Sơn, tỉnh Thanh Hóa"),
        (
            "Khu 1 thị trấn Sơn Lư huyện Quan Sơn",
            "Khu 1, thị trấn Sơn Lư, huyện Quan Sơn, tỉnh Thanh Hóa",
        ),
        (
            "Khu 1, Thị trấn Sơn Lư huyện Quan Sơn tỉnh Thanh Hóa",
            "Khu 1, thị trấn Sơn Lư, huyện Quan Sơn, tỉnh Thanh Hóa",
        ),
        ("khu 1, tt son lu, quan son", "Khu 1, thị trấn Sơn Lư, huyện Quan Sơn, tỉnh Thanh Hóa"),
        ("KHU 1, THỊ TRẤN SƠN LƯ", "KHU 1, thị trấn Sơn Lư, huyện Quan Sơn, tỉnh Thanh Hóa"),
        ("Khu 1, tỉnh Thanh Hóa", "Khu 1, thị trấn Sơn Lư, huyện Quan Sơn, tỉnh Thanh Hóa"),
        ("  Khu 1 ,,  ; Sơn Lư ", "Khu 1, thị trấn Sơn Lư, huyện Quan Sơn, tỉnh Thanh Hóa"),
        (  # a hamlet named like the commune, without a prefix, stays the hamlet's name
            "Bản Sơn Lư",
            "Bản Sơn Lư, thị trấn Sơn Lư, huyện Quan Sơn, tỉnh Thanh Hóa",
        ),
        (  # another commune's name is the address's own (a mistake to see, not to hide)
            "Khu 1, xã Sơn Hà",
            "Khu 1, xã Sơn Hà, thị trấn Sơn Lư, huyện Quan Sơn, tỉnh Thanh Hóa",
        ),
    ],
)
def test_an_address_names_each_unit_once(address, line):
    assert address_line(address, *UNITS) == line


def test_full_address_writes_units_officially():
    assert full_address("Bản Na Hồ, Sơn Hà", "Sơn Hà", "xa", "Quan Sơn", "Thanh Hóa") == (
        "Bản Na Hồ, xã Sơn Hà, huyện Quan Sơn, tỉnh Thanh Hóa"
    )
    assert full_address("12 Lê Lợi", "Phúc Xá", "phuong", "Ba Đình", "Hà Nội").endswith(
        "phường Phúc Xá, huyện Ba Đình, thành phố Hà Nội"
    )
    assert full_address("Bản Na Hồ", "Sơn Hà", "xa", "Quan Sơn") == (
        "Bản Na Hồ, xã Sơn Hà, huyện Quan Sơn"
    )
    assert address_line("", "Xã Sơn Hà", "huyện Quan Sơn", capitalised=False) == (
        "xã Sơn Hà, huyện Quan Sơn"
    )


HAMLETS = ("Bản Na Hồ", "Khu 1", "Thôn Đông", "Tổ 3, Khu 2", "Số 12 Lê Lợi")
# How people write each unit in an address: in full, capitalised, upper case, abbreviated,
# without the prefix, without diacritics.
WRITTEN = {
    0: ("xã Sơn Hà", "Xã Sơn Hà", "XÃ SƠN HÀ", "X. Sơn Hà", "Sơn Hà", "xa son ha", "Xã sơn hà"),
    1: ("huyện Quan Sơn", "Huyện Quan Sơn", "H. Quan Sơn", "Quan Sơn", "huyen quan son"),
    2: ("tỉnh Thanh Hóa", "Tỉnh Thanh Hóa", "Thanh Hóa", "THANH HÓA", "tinh thanh hoa"),
}
OFFICIAL = ("xã Sơn Hà", "huyện Quan Sơn", "tỉnh Thanh Hóa")


@settings(max_examples=150, deadline=None)
@given(
    hamlet=st.sampled_from(HAMLETS),
    mentions=st.lists(
        st.integers(0, 2).flatmap(lambda level: st.sampled_from(WRITTEN[level])), max_size=5
    ),
    separator=st.sampled_from([", ", ",", " , ", "; "]),
)
def test_any_mention_of_the_units_gives_each_unit_once(hamlet, mentions, separator):
    address = separator.join([hamlet, *mentions])
    line = address_line(address, *OFFICIAL)
    assert line == f"{hamlet}, xã Sơn Hà, huyện Quan Sơn, tỉnh Thanh Hóa"
    for official in OFFICIAL:
        name = official.split(" ", 1)[1]
        assert len(re.findall(fold(name), fold(line))) == 1
    assert address_line(line, *OFFICIAL) == line  # written once stays written once


def test_the_poster_writes_the_address_once(client, login, make_venue, quan_son):
    login()
    son_lu = commune_named(quan_son, "Sơn Lư")
    venue = make_venue(
        "Chợ Sơn Lư",
        commune=son_lu,
        address="Khu 1, thị trấn Sơn Lư, Thị trấn Sơn Lư, huyện Quan Sơn, Thanh Hóa",
    )
    response = client.get(f"/venues/{venue.id}/poster.pdf")
    assert response.status_code == 200
    page = pypdfium2.PdfDocument(response.data)[0]
    text = re.sub(r"\s+", " ", page.get_textpage().get_text_range())
    assert "Khu 1, thị trấn Sơn Lư, huyện Quan Sơn, tỉnh Thanh Hóa" in text
    assert "Thị trấn Sơn Lư" not in text and text.count("Sơn Lư, huyện") == 1


def test_the_inspection_pdf_and_the_venue_page_write_the_address_once(
    client, login, make_venue, record_finding, quan_son
):
    login(username="inspector", role="inspector")
    venue = make_venue("Trạm Y tế", venue_type="health_station", address="Bản Na Hồ, Sơn Hà")
    inspection = record_finding(venue)
    login(username="supervisor", role="supervisor")
    response = client.get(f"/inspections/{inspection.id}.pdf")
    assert response.status_code == 200
    document = pypdfium2.PdfDocument(response.data)
    text = " ".join(document[i].get_textpage().get_text_range() for i in range(len(document)))
    text = re.sub(r"\s+", " ", text)
    assert "Bản Na Hồ, xã Sơn Hà, huyện Quan Sơn, tỉnh Thanh Hóa" in text
    assert "Sơn Hà, Sơn Hà" not in text and "xã Sơn Hà, Sơn Hà" not in text
    page = client.get(f"/venues/{venue.id}").get_data(as_text=True)
    assert "Bản Na Hồ, xã Sơn Hà, huyện Quan Sơn, tỉnh Thanh Hóa" in page


def test_official_names_of_provinces():
    assert official_name("Thanh Hóa", "tinh") == "tỉnh Thanh Hóa"
    assert official_name("Hồ Chí Minh", "thanh_pho") == "thành phố Hồ Chí Minh"
    assert official_name("Cần Thơ", "thanh_pho", capitalised=True) == "Thành phố Cần Thơ"
