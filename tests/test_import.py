"""Importing venues from CSV: reading the file, checking rows, writing only whole rows."""

import io

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from fieldapp.extensions import db
from fieldapp.models import VENUE_TYPES, Venue
from fieldapp.places import name_key
from fieldapp.venues.importer import (
    VIETNAMESE_TYPE_NAMES,
    folded_key,
    import_venues,
    venue_type_names,
)


def venue_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Venue))


def problems(report) -> list[tuple[int, str]]:
    return [(p.row, p.problem) for p in report.problems]


@pytest.mark.parametrize(
    "source",
    [
        "code,name,commune\nQS-1,Chợ Sơn Hà,Sơn Hà\n",
        "code,name,commune\nQS-1,Chợ Sơn Hà,Sơn Hà\n".encode(),
        "\ufeffcode,name,commune\nQS-1,Chợ Sơn Hà,Sơn Hà\n".encode(),
        io.BytesIO("\ufeffcode,name,commune\r\nQS-1,Chợ Sơn Hà,Sơn Hà\r\n".encode()),
        io.StringIO("\ufeffcode,name,commune\nQS-1,Chợ Sơn Hà,Sơn Hà\n"),
    ],
    ids=["text", "bytes", "bytes-bom", "binary-stream-crlf", "text-stream-bom"],
)
def test_import_reads_text_bytes_and_streams(quan_son, source):
    report = import_venues(source, quan_son)
    assert report.ok
    assert [(v.code, v.name, v.commune.name, v.venue_type) for v in report.venues] == [
        ("QS-1", "Chợ Sơn Hà", "Sơn Hà", "other")
    ]
    assert venue_count() == 1


def test_import_refuses_a_file_that_is_not_utf8(app, quan_son):
    # Excel's "Unicode Text" is UTF-16: the message tells how to save UTF-8 instead.
    report = import_venues("code,name,commune\nQS-1,Chợ Sơn Hà,Sơn Hà\n".encode("utf-16"), quan_son)
    # Messages are translated when shown, in the reader's language: here English.
    with force_locale("en"):
        assert "UTF-8" in str(report.refused)
    assert venue_count() == 0


@pytest.mark.parametrize("text", ["", "code,name,commune\n\n,,\n"])
def test_import_refuses_an_empty_file(quan_son, text):
    report = import_venues(text, quan_son)
    assert report.refused is not None and not report.venues


def test_import_refuses_two_columns_for_one_field(app, quan_son):
    report = import_venues("code,name,Tên,commune\nQS-1,A,B,Sơn Hà\n", quan_son)
    with force_locale("en"):
        assert "“name” and “Tên”" in str(report.refused)
    assert venue_count() == 0


def test_import_checks_every_row_and_writes_only_whole_rows(quan_son, make_venue):
    make_venue("Cửa hàng cũ", code="QS-TAKEN")
    text = (
        "code,name,type,commune,latitude,longitude,contact phone\n"
        "QS-1,Chợ Sơn Hà,market,Sơn Hà,20.24,104.9,0912345678\n"
        ",Không mã,shop,Sơn Hà,,,\n"
        "QS-TAKEN,Đã có,shop,Sơn Hà,,,\n"
        "QS-3,,unknown,Mường Xén,,,\n"
        "QS-4,Vĩ độ sai,shop,Sơn Hà,95,104.9,\n"
        "QS-5,Thiếu kinh độ,shop,Sơn Hà,20.2,,\n"
        "QS-6,Số dài,shop,Sơn Hà,,,0912 345 678 / 0987 654 321\n"
        ",,,,,,\n"
        "QS-7,Nhà sách Quan Sơn,bookshop,Sơn Lư,,,\n"
    )
    report = import_venues(text, quan_son)
    assert problems(report) == [
        (3, "missing_code"),
        (4, "code_exists"),
        (5, "missing_name"),
        (5, "unknown_commune"),
        (5, "unknown_type"),
        (6, "bad_number"),
        (7, "half_position"),
        (8, "bad_phone"),
        (8, "too_long"),
    ]
    assert report.refused_rows == [3, 4, 5, 6, 7, 8]
    assert [v.code for v in report.venues] == ["QS-1", "QS-7"]
    db.session.commit()
    assert sorted(db.session.scalars(select(Venue.code))) == ["QS-1", "QS-7", "QS-TAKEN"]
    assert db.session.scalar(select(Venue.name).where(Venue.code == "QS-TAKEN")) == "Cửa hàng cũ"


def test_import_refuses_every_row_sharing_a_code(quan_son):
    report = import_venues(
        "code,name,commune\nQS-1,A,Sơn Hà\nQS-2,B,Sơn Hà\nQS-1,C,Sơn Lư\n", quan_son
    )
    assert problems(report) == [(2, "duplicate_code"), (4, "duplicate_code")]
    assert [v.code for v in report.venues] == ["QS-2"]


def test_import_refuses_a_second_venue_of_a_name_in_a_commune(quan_son, make_venue):
    """As the form does: a registry sent again with new codes must not double every venue."""
    make_venue("Thư viện xã Sơn Hà", code="QS-SH-0302")
    report = import_venues(
        "code,name,commune\n"
        "QS-SH-0601,Thu vien xa Son Ha,Sơn Hà\n"  # the same name, typed without marks
        "QS-SH-0302,Thư viện xã Sơn Hà,Sơn Hà\n"  # the venue itself: not a second one
        "QS-SL-0001,Chợ mới,Sơn Lư\n"
        "QS-SL-0002,Chợ Mới,Sơn Lư\n"  # twice in the file
        "QS-SH-0603,Chợ mới,Sơn Hà\n",  # another commune may have that name
        quan_son,
        update=True,
    )
    assert problems(report) == [(2, "same_name"), (5, "same_name")]
    with force_locale("vi"):
        said = [str(p.message) for p in report.problems]
    assert "Sơn Hà đã có địa điểm tên “Thư viện xã Sơn Hà” (QS-SH-0302)" in said[0]
    assert "“Chợ mới” của Sơn Lư cũng có ở dòng 4" in said[1]  # the earlier row's name
    assert sorted(v.code for v in report.venues) == ["QS-SH-0603", "QS-SL-0001"]


def test_names_written_with_marks_differ_by_them(quan_son, make_venue):
    """ "Tạp hóa Hoa" and "Tạp hóa Hòa" are two shops; "Tap hoa Hoa", typed without marks,
    is taken for whichever it folds to."""
    make_venue("Tạp hóa Hoa", code="QS-SH-0001")
    report = import_venues(
        "code,name,commune\nQS-SH-0002,Tạp hóa Hòa,Sơn Hà\nQS-SH-0003,Tap hoa Hoa,Sơn Hà\n",
        quan_son,
    )
    assert problems(report) == [(3, "same_name")]
    assert [v.code for v in report.venues] == ["QS-SH-0002"]


def test_where_the_tone_mark_sits_does_not_make_another_name(quan_son, make_venue):
    """ "hoá"/"hóa", "Thuỷ"/"Thủy": the old and the new place of the mark, both typed today."""
    make_venue("Nhà văn hóa khu 1", code="QS-SH-0051")
    report = import_venues(
        "code,name,commune\n"
        "QS-SH-0052,Nhà văn hoá khu 1,Sơn Hà\n"
        "QS-SH-0053,Quán Thuỷ,Sơn Hà\n"
        "QS-SH-0054,Quán Thủy,Sơn Hà\n",
        quan_son,
    )
    assert problems(report) == [(2, "same_name"), (4, "same_name")]


@pytest.mark.parametrize(
    ("cell", "stored", "refused"),
    [
        ("0912abc", None, True),  # the form refuses it: so does the import
        ("12345", None, True),
        ("912333555", "0912333555", False),  # Excel dropped the 0 of 0912 333 555
        ("2373880123", "02373880123", False),  # a landline with its area code
        ("84912333555", "84912333555", False),  # with the country code
        ("842123456", "0842123456", False),  # 0842 123 456, a Vinaphone number, not +84
        ("0912 333 555", "0912 333 555", False),
        ("", "", False),
    ],
)
def test_import_checks_phones_as_the_form_does(quan_son, cell, stored, refused):
    report = import_venues(f"code,name,commune,contact phone\nQS-1,Chợ,Sơn Hà,{cell}\n", quan_son)
    assert (problems(report) == [(2, "bad_phone")]) is refused
    if not refused:
        assert report.venues[0].contact_phone == stored


def test_import_lists_the_columns_it_ignores(quan_son):
    report = import_venues("code,name,commune,Ghi chú\nQS-1,A,Sơn Hà,x\n", quan_son)
    assert report.ok and report.ignored_columns == ["Ghi chú"]


@pytest.mark.parametrize("written", ["Xã Sơn Hà", "son ha", "SƠN HÀ", "  Sơn  Hà ", "xa son ha"])
def test_commune_names_match_without_prefix_case_or_diacritics(written):
    assert name_key(written) == "son ha"


@pytest.mark.parametrize(
    ("written", "code"),
    [
        ("market", "market"),
        ("Chợ", "market"),
        ("cho", "market"),
        ("Market", "market"),
        ("health_station", "health_station"),
        ("Commune health station", "health_station"),
        ("Trạm Y tế", "health_station"),
        ("mini-supermarket", "mini_supermarket"),
        ("Siêu thị mini", "mini_supermarket"),
        ("Nhà văn hóa thôn", "village_cultural_house"),
        ("nha van hoa", "village_cultural_house"),
        ("Cơ sở lưu trú du lịch", "tourist_accommodation"),
        ("Phương tiện vận tải công cộng", "public_transport"),
        ("Sân bóng đá", "football_ground"),
    ],
)
def test_venue_types_are_read_from_codes_english_and_vietnamese_names(app, written, code):
    assert venue_type_names()[folded_key(written)] == code


def test_every_venue_type_has_a_vietnamese_name():
    assert set(VIETNAMESE_TYPE_NAMES) == set(VENUE_TYPES)
