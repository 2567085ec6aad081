"""Place names: one matcher for every import, one Vietnamese order for every list."""

from datetime import date

import pytest

from fieldapp.extensions import db
from fieldapp.models import Commune
from fieldapp.places import (
    PlaceIndex,
    full_address,
    in_vietnamese_order,
    name_key,
    official_name,
    places_named,
    sort_key,
)
from fieldapp.reports.figures import preview_import, read_sheet
from fieldapp.venues.importer import import_venues

REPORT_DATE = date(2021, 11, 5)


@pytest.mark.parametrize(
    ("written", "key"),
    [
        ("Xã Sơn Hà", "son ha"),
        ("X. Sơn Hà", "son ha"),
        ("X.Sơn Hà", "son ha"),
        ("x son ha", "son ha"),
        ("xa son ha", "son ha"),
        ("XÃ SƠN HÀ", "son ha"),
        ("  Sơn   Hà ", "son ha"),
        ("Phường Ba Đình", "ba dinh"),
        ("P. Ba Đình", "ba dinh"),
        ("phuong ba dinh", "ba dinh"),
        ("Thị trấn Sơn Lư", "son lu"),
        ("TT. Sơn Lư", "son lu"),
        ("TT Sơn Lư", "son lu"),
        ("thi tran son lu", "son lu"),
        ("Thị xã Bỉm Sơn", "bim son"),
        ("TX. Bỉm Sơn", "bim son"),
        ("thi xa bim son", "bim son"),
        ("Huyện Quan Sơn", "quan son"),
        ("H. Quan Sơn", "quan son"),
        ("Quận Ba Đình", "ba dinh"),
        ("Q. Ba Đình", "ba dinh"),
        ("Thành phố Thanh Hóa", "thanh hoa"),
        ("TP. Thanh Hóa", "thanh hoa"),
        ("Tỉnh Thanh Hóa", "thanh hoa"),
        # Written with diacritics, "Xà" and "Quan" are syllables of the name, not "Xã" or "Quận".
        ("Xà Hồ", "xa ho"),
        ("Quan Sơn", "quan son"),
        ("Xã", "xa"),
    ],
)
def test_prefixes_are_dropped_whatever_their_spelling(written, key):
    assert name_key(written) == key


class Place:
    def __init__(self, name):
        self.name = name


def test_a_name_typed_without_diacritics_means_the_whole_name_first():
    xa_ho, ho, quan_son, son = (Place(n) for n in ("Xà Hồ", "Hồ", "Quan Sơn", "Sơn"))
    index = PlaceIndex([xa_ho, ho, quan_son, son])
    assert index.find("xa ho") is xa_ho and index.find("Xã Hồ") is ho
    assert index.find("quan son") is quan_son and index.find("Quận Sơn") is son
    assert index.find("Huyện Quan Sơn") is quan_son and index.find("") is None


def test_a_name_two_places_answer_to_is_never_guessed():
    index = PlaceIndex([Place("Sơn Hà"), Place("Xã Sơn Hà")])
    assert index.find("son ha") is None
    assert [p.name for p in places_named([Place("Sơn Hà"), Place("Sơn Hà")], "son ha")] == [
        "Sơn Hà",
        "Sơn Hà",
    ]


VARIANTS = {
    "Sơn Hà": [
        "Xã Sơn Hà",
        "X. Sơn Hà",
        "x son ha",
        "P. Sơn Hà",
        "Phường Sơn Hà",
        "SƠN HÀ",
        "  Sơn  Hà ",
    ],
    "Sơn Lư": [
        "Thị trấn Sơn Lư",
        "TT. Sơn Lư",
        "TT Sơn Lư",
        "thi tran son lu",
        "Thị xã Sơn Lư",
        "TX. Sơn Lư",
    ],
    "Trung Xuân": ["trung xuan", "Xa Trung Xuan"],
}


@pytest.mark.parametrize(
    ("commune", "written"),
    [(commune, written) for commune, variants in VARIANTS.items() for written in variants],
)
def test_venue_and_figures_imports_match_prefix_variants_alike(app, quan_son, commune, written):
    venues = import_venues(f"code,name,commune\nQS-1,Chợ,{written}\n", quan_son)
    assert [v.commune.name for v in venues.venues] == [commune], venues.problems
    sheet = read_sheet(
        f"Xã,Tổng số địa điểm tạo mã QR,Tổng lượt quét\n{written},1,2\n".encode(), "x.csv"
    )
    figures = preview_import(sheet, quan_son, REPORT_DATE, REPORT_DATE)
    assert [row.commune.name for row in figures.accepted] == [commune]


@pytest.mark.parametrize(
    "district", ["Huyện Quan Sơn", "H. Quan Sơn", "quan son", "huyen quan son", "QUAN SƠN"]
)
def test_figures_import_matches_the_district_column_with_or_without_prefix(quan_son, district):
    sheet = read_sheet(
        f"Huyện,Xã,Tổng số địa điểm tạo mã QR,Tổng lượt quét\n{district},Sơn Hà,1,2\n".encode(),
        "x.csv",
    )
    preview = preview_import(sheet, quan_son, REPORT_DATE, REPORT_DATE)
    assert len(preview.accepted) == 1 and not preview.refused


def test_vietnamese_alphabetical_order():
    names = [
        "Én",
        "Sơn Thủy",
        "Na Mèo",
        "Đồng Tâm",
        "Sơn Lư",
        "Mường Mìn",
        "Dân Chủ",
        "Sơn Hà",
        "Đa Lộc",
        "Dương Hòa",
        "Sơn Điện",
        "Ăn Sơn",
        "An Sơn",
        "Ấn Sơn",
        "Sơn",
    ]
    assert in_name_order(names) == [
        "An Sơn",
        "Ăn Sơn",
        "Ấn Sơn",
        "Dân Chủ",
        "Dương Hòa",
        "Đa Lộc",
        "Đồng Tâm",
        "Én",
        "Mường Mìn",
        "Na Mèo",
        "Sơn",
        "Sơn Điện",
        "Sơn Hà",
        "Sơn Lư",
        "Sơn Thủy",
    ]


def test_tones_come_after_the_base_letters_in_dictionary_order():
    # ngang, huyền, sắc, hỏi, ngã, nặng; a longer syllable after every tone of a shorter one.
    assert in_name_order(["mai", "mạ", "mã", "mả", "má", "mà", "ma"]) == [
        "ma",
        "mà",
        "má",
        "mả",
        "mã",
        "mạ",
        "mai",
    ]


def test_prefixes_and_capitals_do_not_change_the_order():
    assert in_name_order(["Xã Trung Xuân", "thị trấn Sơn Lư", "SƠN HÀ"]) == [
        "SƠN HÀ",
        "thị trấn Sơn Lư",
        "Xã Trung Xuân",
    ]
    assert [p.name for p in in_vietnamese_order([Place("Đồng Tâm"), Place("Dân Chủ")])] == [
        "Dân Chủ",
        "Đồng Tâm",
    ]


@pytest.fixture
def more_communes(quan_son):
    for name in ("Én", "Đồng Tâm", "Dân Chủ", "Đa Lộc", "Dương Hòa"):
        db.session.add(Commune(name=name, kind="xa", district=quan_son))
    db.session.commit()


EXPECTED = ["Dân Chủ", "Dương Hòa", "Đa Lộc", "Đồng Tâm", "Én", "Sơn Hà", "Sơn Lư", "Trung Xuân"]


@pytest.mark.parametrize(
    ("url", "role"),
    [
        ("/venues", "inspector"),
        ("/venues/new", "inspector"),
        ("/inspections", "supervisor"),
        ("/assignments", "supervisor"),
        ("/posters/queue", "supervisor"),
    ],
)
def test_every_commune_picker_lists_in_vietnamese_order(client, login, more_communes, url, role):
    login(username=role, role=role)
    response = client.get(url)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    positions = [page.index(f">{name}</option>") for name in EXPECTED]
    assert positions == sorted(positions)


def test_manual_figures_form_lists_communes_in_the_official_order(
    client, login, quan_son, more_communes
):
    """As the report's rows (fieldapp/reports/weekly.py, `official_order`): never imported,
    so by kind (the thị trấn before the xã), then in Vietnamese order."""
    login(username="supervisor", role="supervisor")
    page = client.get(f"/reports/{quan_son.id}/2021-11-05/figures").get_data(as_text=True)
    official = ["Sơn Lư"] + [name for name in EXPECTED if name != "Sơn Lư"]
    positions = [page.index(f'<legend class="label">{name}') for name in official]
    assert positions == sorted(positions)


def in_name_order(names):
    return sorted(names, key=lambda name: (sort_key(name), name))


def test_units_written_officially():
    assert official_name("Sơn Hà", "xa") == "xã Sơn Hà"
    assert official_name("Sơn Lư", "thi_tran", capitalised=True) == "Thị trấn Sơn Lư"
    assert official_name("Quan Sơn", "huyen") == "huyện Quan Sơn"
    assert official_name("Ba Đình", "quan") == "quận Ba Đình"
    assert official_name("Bỉm Sơn", "thi_xa", capitalised=True) == "Thị xã Bỉm Sơn"
    assert official_name("Thanh Hóa", "tinh") == "tỉnh Thanh Hóa"
    assert official_name("Hà Nội", "thanh_pho") == "thành phố Hà Nội"


def test_a_full_address_names_the_commune_and_district_once():
    assert (
        full_address("Bản Na Hồ, xã Sơn Hà", "Sơn Hà", "xa", "Quan Sơn")
        == "Bản Na Hồ, xã Sơn Hà, huyện Quan Sơn"
    )
    assert full_address("Khu 2", "Sơn Lư", "thi_tran", "Quan Sơn") == (
        "Khu 2, thị trấn Sơn Lư, huyện Quan Sơn"
    )
    assert full_address("", "Sơn Hà", "xa", "Quan Sơn") == "Xã Sơn Hà, huyện Quan Sơn"
