"""The weekly report: importing the national figures, the report's numbers, exports, access."""

import csv
import io
import os
import time
import uuid
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pypdfium2
import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from fieldapp import clock
from fieldapp.extensions import db
from fieldapp.models import CommuneFigures, Inspection, Poster
from fieldapp.places import name_key
from fieldapp.reports import exports
from fieldapp.reports.figures import (
    BadCount,
    check_typed_figures,
    field_name,
    guess_columns,
    header_field,
    parse_count,
    preview_import,
    read_sheet,
)
from fieldapp.reports.notice import notice_lines, vn_percent
from fieldapp.reports.rollups import rebuild_rollups
from fieldapp.reports.weekly import district_report, percent
from tests.factories import commune_named

FIXTURES = Path(__file__).parent / "fixtures" / "figures"
WEEK_1 = date(2021, 11, 5)
WEEK_2 = date(2021, 11, 12)


def week_2_xlsx() -> bytes:
    """The week after: a merged title, the district merged down its column, a blank row,
    a total row, and numbers both typed and as text."""
    book = Workbook()
    sheet = book.active
    sheet.append(["BÁO CÁO SỐ LIỆU TẠO MÃ QR VÀ LƯỢT QUÉT ĐẾN NGÀY 12/11/2021"])
    sheet.merge_cells("A1:G1")
    sheet.append([])
    sheet.append(
        [
            "STT",
            "Huyện",
            "Thị trấn /xã",
            "Tổng số địa điểm tạo mã QR",
            "Tổng lượt quét",
            "Số người cài PC-Covid",
            "Số điện thoại thông minh",
        ]
    )
    sheet.append([1, "Quan Sơn", "Xã Sơn Hà", 1236, 7000, 301, 1003])
    sheet.append([2, None, "Thị trấn Sơn Lư", "2.100", "7.000", 601, 2000])
    sheet.append([])
    sheet.append([3, None, "xa trung xuan", 1000, "4,336", 100, 400])
    sheet.merge_cells("B4:B7")
    sheet.append([None, None, "Tổng cộng", 4336, 18336, None, None])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def count_figures() -> int:
    return db.session.scalar(select(func.count()).select_from(CommuneFigures))


@pytest.fixture
def supervisor(login, make_user):
    return login(make_user("supervisor", role="supervisor"))


def upload(client, content: bytes, name: str, day: date, district, **extra):
    data = {
        "district": district.id,
        "date": day.isoformat(),
        "file": (io.BytesIO(content), name),
        **extra,
    }
    return client.post("/reports/import", data=data, content_type="multipart/form-data")


def token_of(page: str) -> str:
    marker = 'name="token" value="'
    start = page.index(marker) + len(marker)
    return page[start : page.index('"', start)]


def import_both_weeks(client, quan_son):
    for content, name, day in (
        (
            FIXTURES.joinpath("quan_son_2021-11-05.csv").read_bytes(),
            "quan_son_2021-11-05.csv",
            WEEK_1,
        ),
        (week_2_xlsx(), "quan_son_2021-11-12.xlsx", WEEK_2),
    ):
        preview = upload(client, content, name, day, quan_son)
        assert preview.status_code == 200, preview.get_data(as_text=True)
        applied = client.post(
            "/reports/import",
            data={
                "token": token_of(preview.get_data(as_text=True)),
                "district": quan_son.id,
                "date": day.isoformat(),
                "source": name,
                "action": "apply",
            },
        )
        assert applied.status_code == 303, applied.get_data(as_text=True)


# Reading spreadsheets -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("Tổng số địa điểm tạo mã QR", "venues_with_qr"),
        ("Tổng lượt quét", "scans"),
        ("Thị trấn /xã", "commune"),
        ("Huyện", "district"),
        ("STT", None),
        ("TỔNG LƯỢT QUÉT (lượt)", "scans"),
        ("tong so dia diem tao ma QR code", "venues_with_qr"),
        ("Số người cài PC-Covid", "installs"),
        ("Số điện thoại thông minh", "smartphones"),
        ("Tổng lượt qét", None),
        ("Xã/Phường/Thị trấn", "commune"),
    ],
)
def test_headers_are_recognised_by_their_words(header, field):
    assert header_field(header) == field


def test_two_headers_claiming_one_field_leave_it_to_the_user():
    assert guess_columns(["Xã", "Tổng lượt quét", "Lượt quét tuần trước"]) == {"commune": 0}


@pytest.mark.parametrize(
    ("written", "number"),
    [
        ("4.336", 4336),
        ("4,336", 4336),
        ("4 336", 4336),
        (4336, 4336),
        (4336.0, 4336),
        ("1.234.567", 1234567),
        ("0", 0),
        ("", None),
        ("-", None),
        (None, None),
    ],
)
def test_counts_as_spreadsheets_write_them(written, number):
    assert parse_count(written) == number


@pytest.mark.parametrize("written", ["-5", -5, "4,5", "12.5", 4.5, "abc", "1.23", "٤٣", True])
def test_counts_that_are_not_whole_numbers_of_zero_or_more(written):
    with pytest.raises(BadCount):
        parse_count(written)


@pytest.mark.parametrize("name", ["Xã Sơn Hà", "xa son ha", "SƠN HÀ", "X. Sơn Hà", "  Sơn  Hà "])
def test_commune_names_ignore_prefix_case_and_accents(name):
    assert name_key(name) == "son ha"


def test_xlsx_merged_cells_and_title_rows(quan_son):
    sheet = read_sheet(week_2_xlsx(), "week.xlsx")
    assert sheet.header_row == 3
    preview = preview_import(sheet, quan_son, WEEK_2, WEEK_2)
    assert [row.commune.name for row in preview.accepted] == ["Sơn Hà", "Sơn Lư", "Trung Xuân"]
    assert [row.figures["scans"] for row in preview.accepted] == [7000, 7000, 4336]
    assert preview.rows[-1].skipped and not preview.refused  # the total row; the blank one is gone


# Importing through the preview ---------------------------------------------------------------


def test_import_previews_then_applies(client, supervisor, quan_son):
    content = FIXTURES.joinpath("quan_son_2021-11-05.csv").read_bytes()
    preview = upload(client, content, "tuan-1.csv", WEEK_1, quan_son)
    page = preview.get_data(as_text=True)
    assert preview.status_code == 200
    assert "3 dòng sẽ được lưu" in page and "→ Sơn Lư" in page and "10.000" in page
    assert count_figures() == 0  # nothing until applied
    applied = client.post(
        "/reports/import",
        data={
            "token": token_of(page),
            "district": quan_son.id,
            "date": WEEK_1.isoformat(),
            "source": "tuan-1.csv",
            "action": "apply",
        },
        follow_redirects=True,
    )
    saved = "Đã lưu số liệu từ bảng tính của 3 đơn vị cấp xã cho ngày 05/11/2021"
    assert saved in applied.get_data(as_text=True)
    son_lu = db.session.scalar(
        select(CommuneFigures).where(
            CommuneFigures.commune_id == commune_named(quan_son, "Sơn Lư").id
        )
    )
    assert (
        son_lu.venues_with_qr,
        son_lu.scans,
        son_lu.installs,
        son_lu.smartphones,
        son_lu.report_date,
        son_lu.source,
    ) == (2000, 10000, 500, 1500, WEEK_1, "tuan-1.csv")


MESSY = """BÁO CÁO TUẦN
STT;Huyện;Tên xã;Tổng số địa điểm tạo mã QR;Tổng lượt qét (lượt)
1;Quan Sơn;Xã Sơn Hà;1.200;4.336
2;Quan Sơn;Xã Sơn Hà;1.200;4.336
3;Quan Sơn;Xã Na Mèo;300;900
4;Quan Sơn;Thị trấn Sơn Lư;-20;800
5;Yên Châu;Xã Trung Xuân;10;10
;;;;
6;Quan Sơn;Trung Xuân;"1,000";abc
"""


def test_messy_spreadsheet_needs_a_column_mapped_and_refuses_bad_rows(client, supervisor, quan_son):
    preview = upload(client, MESSY.encode(), "tuan.csv", WEEK_1, quan_son)
    page = preview.get_data(as_text=True)
    assert "Một số tiêu đề cột không nhận ra được" in page and "Tổng lượt quét" in page
    assert "Chưa lưu được gì" in page
    remapped = client.post(
        "/reports/import",
        headers={"HX-Request": "true"},
        data={
            "token": token_of(page),
            "district": quan_son.id,
            "date": WEEK_1.isoformat(),
            "mapped": "1",
            "map-district": "1",
            "map-commune": "2",
            "map-venues_with_qr": "3",
            "map-scans": "4",
        },
    )
    fragment = remapped.get_data(as_text=True)
    assert remapped.status_code == 200 and "<html" not in fragment
    assert "Sơn Hà cũng có ở dòng 4" in fragment and "Sơn Hà cũng có ở dòng 3" in fragment
    assert "Xã Na Mèo không khớp với đơn vị cấp xã nào của Quan Sơn" in fragment
    assert "“-20” không phải là số nguyên không âm" in fragment
    assert "thuộc Yên Châu, không phải Quan Sơn" in fragment
    assert "“abc” không phải là số nguyên không âm" in fragment
    assert "0 dòng sẽ được lưu" in fragment and "6 bị từ chối" in fragment
    refused = client.post(
        "/reports/import",
        data={
            "token": token_of(fragment),
            "district": quan_son.id,
            "date": WEEK_1.isoformat(),
            "mapped": "1",
            "map-district": "1",
            "map-commune": "2",
            "map-venues_with_qr": "3",
            "map-scans": "4",
            "action": "apply",
        },
    )
    assert refused.status_code == 422 and count_figures() == 0


def test_future_report_date_imports_nothing(client, supervisor, quan_son):
    content = FIXTURES.joinpath("quan_son_2021-11-05.csv").read_bytes()
    tomorrow = clock.today() + timedelta(days=2)
    preview = upload(client, content, "tuan.csv", tomorrow, quan_son)
    assert preview.status_code == 422
    assert "nằm trong tương lai" in preview.get_data(as_text=True)
    applied = client.post(
        "/reports/import",
        data={
            "token": token_of(preview.get_data(as_text=True)),
            "district": quan_son.id,
            "date": tomorrow.isoformat(),
            "action": "apply",
        },
    )
    assert applied.status_code == 422 and count_figures() == 0


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"", "empty.csv", "Tệp trống"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "photo.png", "Hãy chọn tệp CSV hoặc XLSX"),
        (b"PK\x03\x04broken", "broken.xlsx", "không phải là bảng tính XLSX"),
    ],
)
def test_files_that_are_not_spreadsheets(client, supervisor, quan_son, content, name, message):
    response = upload(client, content, name, WEEK_1, quan_son)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)


def test_no_file_or_no_date_keeps_the_form(client, supervisor, quan_son):
    response = client.post("/reports/import", data={"district": quan_son.id, "date": "2021-11-05"})
    assert response.status_code == 422 and "Hãy chọn bảng tính cần tải lên" in response.get_data(
        as_text=True
    )
    response = client.post(
        "/reports/import",
        data={"district": quan_son.id, "date": "ngày 5"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422 and 'value="ngày 5"' in response.get_data(as_text=True)


def test_reimporting_a_date_replaces_never_doubles(client, supervisor, quan_son):
    import_both_weeks(client, quan_son)
    assert count_figures() == 6
    changed = FIXTURES.joinpath("quan_son_2021-11-05.csv").read_text().replace("4.000", "4.100")
    preview = upload(client, changed.encode(), "sua.csv", WEEK_1, quan_son)
    assert "3 thay cho số liệu đã nhập" in preview.get_data(as_text=True)
    client.post(
        "/reports/import",
        data={
            "token": token_of(preview.get_data(as_text=True)),
            "district": quan_son.id,
            "date": WEEK_1.isoformat(),
            "action": "apply",
        },
    )
    assert count_figures() == 6
    assert district_report(quan_son, WEEK_1).total.scans == 17100


# The report's numbers ------------------------------------------------------------------------


def test_report_totals_changes_extremes_and_rates(client, supervisor, quan_son):
    import_both_weeks(client, quan_son)
    report = district_report(quan_son, WEEK_2)
    assert report.previous_date == WEEK_1
    assert (report.total.venues_with_qr, report.total.scans) == (4336, 18336)
    assert (report.total.venues_change, report.total.scans_change) == (136, 1336)
    assert [r.name for r in report.highest] == ["Sơn Hà", "Sơn Lư"]  # a tie, both named
    assert [r.name for r in report.lowest] == ["Trung Xuân"]
    son_lu = next(r for r in report.rows if r.name == "Sơn Lư")
    # 601 / 2000 = 30.05 %: half up gives 30.1 where binary floats give 30.0.
    assert son_lu.install_rate == Decimal("30.1") and vn_percent(son_lu.install_rate) == "30,1%"
    assert report.total.install_rate == Decimal("29.4")  # 1002 / 3403
    heading, *groups = notice_lines(report)[:3]
    assert heading == (
        "Về cài đặt và quét mã QR: Tính đến ngày 12/11/2021, toàn huyện có 4.336 địa điểm đã "
        "tạo mã QR (tăng 136 địa điểm so với ngày 05/11/2021); tổng số lượt quét mã QR là "
        "18.336 lượt (tăng 1.336 lượt so với ngày 05/11/2021)."
    )
    assert groups == [
        "Các đơn vị có lượt quét cao như: xã Sơn Hà, thị trấn Sơn Lư.",
        "Đơn vị có lượt quét thấp: xã Trung Xuân.",
    ]
    assert notice_lines(report)[3] == (
        "Về tình hình triển khai cài đặt ứng dụng PC-Covid: Toàn huyện có 1.002/3.403 máy "
        "điện thoại thông minh đã cài đặt PC-Covid, đạt 29,4% (tăng 102 máy so với ngày "
        "05/11/2021)."
    )


def test_percent_rounds_half_up_to_one_decimal():
    assert percent(1, 3) == Decimal("33.3") and percent(2, 3) == Decimal("66.7")
    assert percent(1, 2000) == Decimal("0.1") and percent(0, 5) == Decimal("0.0")
    assert percent(3, 0) is None and percent(None, 5) is None


def _finding(venue, inspector, when: datetime, **answers):
    values = {
        "qr_posted": "visible",
        "qr_matches": "yes",
        "checkin_method": "visitors_scan",
        "staff_assigned": True,
        "outcome": "compliant",
        "visitors_observed": 10,
        "visitors_scanned": 8,
    }
    values.update(answers)
    db.session.add(
        Inspection(
            uuid=str(uuid.uuid4()),
            venue_id=venue.id,
            inspector_id=inspector.id,
            server_time=when,
            **values,
        )
    )


def test_findings_of_the_period_per_commune(client, supervisor, quan_son, make_venue, make_user):
    import_both_weeks(client, quan_son)
    inspector = make_user("inspector")
    market, shop = make_venue("Chợ Sơn Hà"), make_venue("Quán Sơn Hà")
    school = make_venue("Trường Trung Xuân", commune=commune_named(quan_son, "Trung Xuân"))
    in_week_2 = datetime(2021, 11, 8, 3)  # 10:00 in Vietnam on 08/11
    _finding(market, inspector, in_week_2 - timedelta(days=1))  # then again, worse:
    _finding(
        market,
        inspector,
        in_week_2,
        qr_posted="hidden",
        staff_assigned=False,
        outcome="non_compliant",
        visitors_observed=10,
        visitors_scanned=2,
    )
    _finding(shop, inspector, in_week_2)
    _finding(school, inspector, datetime(2021, 11, 1, 3))  # week 1
    # 23:30 on 12/11 in Vietnam is 16:30 UTC: still the report's day.
    _finding(
        school,
        inspector,
        datetime(2021, 11, 12, 16, 30),
        outcome="needs_improvement",
        visitors_observed=None,
        visitors_scanned=None,
    )
    db.session.add(
        Poster(
            venue_id=market.id,
            version=2,
            serial="QS-1-v2",
            payload="x",
            reason="damaged",
            issued_by_id=inspector.id,
            issued_at=in_week_2,
        )
    )
    db.session.commit()
    report = district_report(quan_son, WEEK_2)
    son_ha = next(r for r in report.rows if r.name == "Sơn Hà").findings
    assert report.period_start == date(2021, 11, 6)
    assert (
        son_ha.venues_inspected,
        son_ha.qr_visible,
        son_ha.staff_assigned,
        son_ha.compliant,
        son_ha.posters_issued,
    ) == (2, 1, 1, 1, 1)  # the market counts once, by its latest
    assert son_ha.scan_rate == Decimal("50.0")  # (2 + 8) / (10 + 10)
    trung_xuan = next(r for r in report.rows if r.name == "Trung Xuân")
    assert trung_xuan.findings.venues_inspected == 1 and trung_xuan.findings.scan_rate is None
    assert trung_xuan.finding_change("compliant_share") == Decimal("-100.0")
    assert report.total.findings.venues_inspected == 3


def test_report_page_chart_and_appendix(client, supervisor, quan_son):
    import_both_weeks(client, quan_son)
    page = client.get(f"/reports/{quan_son.id}/2021-11-12")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "tính đến ngày 12/11/2021" in html and "18.336" in html and "29,4%" in html
    for header in ("STT", "Huyện", "Thị trấn/xã", "Tổng số địa điểm tạo mã QR", "Tổng lượt quét"):
        assert f'<th scope="col">{header}</th>' in html
    assert "<td>Tổng cộng</td>" in html
    assert html.count("<rect ") == 3
    chart = client.get(
        f"/reports/{quan_son.id}/2021-11-12?measure=install_rate", headers={"HX-Request": "true"}
    )
    fragment = chart.get_data(as_text=True)
    assert fragment.startswith('<figure id="report-chart"') and "30,1%" in fragment
    assert client.get(f"/reports/{quan_son.id}/2021-11-12?measure=nonsense").status_code == 200


def test_report_without_figures_says_so(client, supervisor, quan_son):
    page = client.get(f"/reports/{quan_son.id}/2021-11-12").get_data(as_text=True)
    assert "Chưa có số liệu của hệ thống quốc gia cho ngày 12/11/2021." in page
    assert client.get(f"/reports/{quan_son.id}/2021-13-45").status_code == 404


def test_index_lists_report_dates_and_has_an_empty_state(client, supervisor, quan_son):
    assert "Chưa có số liệu" in client.get("/reports").get_data(as_text=True)
    import_both_weeks(client, quan_son)
    page = client.get("/reports").get_data(as_text=True)
    assert page.index("12/11/2021") < page.index("05/11/2021")
    assert f"/reports/{quan_son.id}/2021-11-12" in page


def test_index_lists_the_districts_of_a_date_in_vietnamese_order(
    client, login, make_user, quan_son, neighbour_district
):
    """Quan Sơn's figures were saved first; the index still names Cẩm Thủy first, on
    both engines (the query alone gave the database's order of equal dates)."""
    for district in (quan_son, neighbour_district):
        db.session.add(
            CommuneFigures(
                commune_id=district.communes[0].id,
                report_date=date(2021, 11, 12),
                venues_with_qr=10,
                scans=100,
                source="test",
            )
        )
    db.session.commit()
    login(make_user("tinh", role="supervisor", scope="province"))
    page = client.get("/reports").get_data(as_text=True)
    cam_thuy = page.index(f"/reports/{neighbour_district.id}/2021-11-12")
    assert cam_thuy < page.index(f"/reports/{quan_son.id}/2021-11-12")


# Exports -------------------------------------------------------------------------------------


def test_csv_export_has_a_bom_and_the_official_columns(client, supervisor, quan_son):
    import_both_weeks(client, quan_son)
    response = client.get(f"/reports/{quan_son.id}/2021-11-12.csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="bao-cao-quan-son-2021-11-12.csv"' in response.headers["Content-Disposition"]
    assert response.data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0][:5] == [
        "STT",
        "Huyện",
        "Thị trấn/xã",
        "Tổng số địa điểm tạo mã QR",
        "Tổng lượt quét",
    ]
    # then the installs, and each unit's citizens' reports, as the XLSX heads them
    assert rows[0][5:] == [
        "Số máy đã cài PC-Covid",
        "Số máy điện thoại thông minh",
        "Số địa điểm được kiểm tra",
        "Niêm yết mã QR rõ ràng (%)",
        "Có người hướng dẫn quét (%)",
        "Đạt yêu cầu (%)",
        "Tỷ lệ quét quan sát (%)",
        "Bản in mã QR mới đã cấp",
        "Phản ánh tiếp nhận",
        "Giải quyết đúng hạn",
        "Quá hạn",
    ]
    assert rows[1] == [
        "1",
        "Huyện Quan Sơn",
        "Xã Sơn Hà",
        "1236",
        "7000",
        "301",
        "1003",
        # no finding at Sơn Hà this week: none inspected, no share, no poster
        "0",
        "",
        "",
        "",
        "",
        "0",
        "0",
        "0",
        "0",
    ]
    assert rows[-1][:5] == ["Tổng cộng", "", "", "4336", "18336"]


def test_xlsx_export_reads_back(client, supervisor, quan_son):
    import_both_weeks(client, quan_son)
    response = client.get(f"/reports/{quan_son.id}/2021-11-12.xlsx")
    book = load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == ["Phụ lục", "Kiểm tra"]
    sheet = book["Phụ lục"]
    assert "tính đến ngày 12/11/2021" in sheet["A2"].value
    assert [c.value for c in sheet[4]][:5] == [
        "STT",
        "Huyện",
        "Thị trấn/xã",
        "Tổng số địa điểm tạo mã QR",
        "Tổng lượt quét",
    ]
    assert [c.value for c in sheet[6]] == [
        2,
        "Huyện Quan Sơn",
        "Thị trấn Sơn Lư",
        2100,
        7000,
        601,
        2000,
    ]
    assert sheet["E6"].number_format == "#,##0"
    assert [c.value for c in sheet[8]][:5] == ["Tổng cộng", None, None, 4336, 18336]
    # The findings' sheet is a table to print as well: headers readable, total bold.
    found = book["Kiểm tra"]
    assert found["B2"].value == "Số địa điểm được kiểm tra"
    assert found["B2"].alignment.wrap_text and found["B2"].font.bold
    assert all(found.column_dimensions[c].width >= 14 for c in "ABCDEFGHIJ")
    total = next(r for r in found.iter_rows(min_row=3) if r[0].value == "Tổng cộng")
    assert total[0].font.bold and total[1].border.bottom.style == "thin"
    notes = [r[0] for r in found.iter_rows(min_row=total[0].row + 1) if r[0].value]
    assert len(notes) == 2 and all(note.alignment.wrap_text for note in notes)
    merged = {str(m) for m in found.merged_cells.ranges}
    assert all(f"A{note.row}:J{note.row}" in merged for note in notes)


def test_pdf_export_is_the_dated_letter(client, supervisor, quan_son):

    import_both_weeks(client, quan_son)
    response = client.get(f"/reports/{quan_son.id}/2021-11-12.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    pdf = pypdfium2.PdfDocument(response.data)
    text = "".join(page.get_textpage().get_text_range() for page in pdf)
    for expected in (
        "ỦY BAN NHÂN DÂN HUYỆN QUAN SƠN",
        "tính đến 12/11/2021",
        "Kính gửi:",
        "tăng 1.336 lượt so với ngày 05/11/2021",
        "Danh sách chi tiết thống kê tình hình tạo, quét mã QR ngày 12/11/2021",
        "18.336",
        "29,4%",
    ):
        assert expected in text.replace("\r\n", " ").replace("\n", " "), expected


# Typing figures in ---------------------------------------------------------------------------


def test_manual_entry_validates_and_keeps_what_was_typed(client, supervisor, quan_son):
    son_ha, son_lu = commune_named(quan_son, "Sơn Hà"), commune_named(quan_son, "Sơn Lư")
    url = f"/reports/{quan_son.id}/2021-11-05/figures"
    assert client.get(url).status_code == 200
    bad = client.post(
        url,
        data={
            f"venues_with_qr-{son_ha.id}": "1.200",
            f"scans-{son_ha.id}": "-4",
            f"venues_with_qr-{son_lu.id}": "7",
        },
    )
    page = bad.get_data(as_text=True)
    assert bad.status_code == 422 and count_figures() == 0
    assert 'value="1.200"' in page and 'value="-4"' in page
    assert "Nhập số nguyên không âm" in page and "Bắt buộc khi đơn vị có số liệu" in page
    good = client.post(
        url,
        data={
            f"venues_with_qr-{son_ha.id}": "1.200",
            f"scans-{son_ha.id}": "4.336",
            f"installs-{son_ha.id}": "",
            f"smartphones-{son_ha.id}": "",
        },
    )
    assert good.status_code == 303 and count_figures() == 1
    assert district_report(quan_son, WEEK_1).total.scans == 4336
    assert 'value="4336"' in client.get(url).get_data(as_text=True)
    future = (clock.today() + timedelta(days=3)).isoformat()
    late = client.post(
        f"/reports/{quan_son.id}/{future}/figures",
        data={f"venues_with_qr-{son_ha.id}": "1", f"scans-{son_ha.id}": "1"},
    )
    assert late.status_code == 422 and count_figures() == 1


def test_the_figures_form_of_a_date_to_come_is_refused_before_anything_is_typed(
    client, supervisor, quan_son, frozen_clock
):
    # Wednesday 02/12/2026 in Vietnam: the report day (Friday) before it is 27/11/2026.
    frozen_clock(datetime(2026, 12, 1, 20, 0))
    next_friday = date(2026, 12, 4)
    opened = client.get(f"/reports/{quan_son.id}/{next_friday}/figures")
    page = opened.get_data(as_text=True)
    assert opened.status_code == 404 and 'id="figures-future-date"' in page
    assert "04/12/2026" in page and 'name="venues_with_qr-' not in page
    latest = f"/reports/{quan_son.id}/2026-11-27/figures"
    assert f'id="latest-figures" href="{latest}"' in page
    assert client.get(latest).status_code == 200
    # The picker leads to the same refusal.
    picked = client.get(
        f"/reports/figures?district={quan_son.id}&date=2030-01-01", follow_redirects=True
    )
    assert picked.status_code == 404 and 'id="figures-future-date"' in picked.get_data(as_text=True)
    # Today is not refused.
    assert client.get(f"/reports/{quan_son.id}/2026-12-02/figures").status_code == 200


# Access ---------------------------------------------------------------------------------------

REPORT_URLS = [
    "/reports/{d}/2021-11-12",
    "/reports/{d}/2021-11-12.csv",
    "/reports/{d}/2021-11-12.xlsx",
    "/reports/{d}/2021-11-12.pdf",
    "/reports/{d}/2021-11-12/figures",
]


@pytest.mark.parametrize("url", [*REPORT_URLS, "/reports", "/reports/import"])
def test_inspectors_get_no_reports(client, login, quan_son, url):
    login()
    assert client.get(url.format(d=quan_son.id)).status_code == 403


@pytest.mark.parametrize("url", REPORT_URLS)
def test_another_district_s_report_is_not_found(
    client, login, make_user, quan_son, other_district, neighbour_district, url
):
    login(make_user("yc", role="supervisor", district=other_district))
    assert client.get(url.format(d=quan_son.id)).status_code == 404
    client.post("/logout")
    login(make_user("ct", role="supervisor", district=neighbour_district))
    assert client.get(url.format(d=quan_son.id)).status_code == 404
    assert client.get("/reports/province/2021-11-12").status_code == 403


def test_import_into_another_district_is_refused(
    client, login, make_user, quan_son, other_district
):
    login(make_user("yc", role="supervisor", district=other_district))
    content = FIXTURES.joinpath("quan_son_2021-11-05.csv").read_bytes()
    response = upload(client, content, "x.csv", WEEK_1, quan_son)
    assert response.status_code == 422 and count_figures() == 0


def test_province_report_has_one_row_per_district(
    client, supervisor, login, make_user, quan_son, neighbour_district
):
    import_both_weeks(client, quan_son)
    client.post("/logout")
    login(make_user("tinh", role="supervisor", district=neighbour_district, scope="province"))
    page = client.get("/reports/province/2021-11-12")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "tỉnh Thanh Hóa tính đến ngày 12/11/2021" in html
    assert "Tính đến ngày 12/11/2021, toàn tỉnh có 4.336 địa điểm đã tạo mã QR" in html
    assert "lượt quét thấp" not in html  # one district with figures: no groups
    rows = list(
        csv.reader(
            io.StringIO(client.get("/reports/province/2021-11-12.csv").data.decode("utf-8-sig"))
        )
    )
    assert rows[0][:4] == ["STT", "Huyện", "Tổng số địa điểm tạo mã QR", "Tổng lượt quét"]
    assert [row[1] for row in rows[1:-1]] == ["Huyện Cẩm Thủy", "Huyện Quan Sơn"]
    assert rows[2][:4] == ["2", "Huyện Quan Sơn", "4336", "18336"] and rows[1][2:4] == ["", ""]
    # and each district's own report, too
    assert client.get(f"/reports/{quan_son.id}/2021-11-12").status_code == 200


# Found in review ---------------------------------------------------------------------------


def _type_in(client, district, day, scans: dict):
    data = {}
    for commune in district.communes:
        if commune.name in scans:
            data[f"venues_with_qr-{commune.id}"] = "10"
            data[f"scans-{commune.id}"] = str(scans[commune.name])
    return client.post(f"/reports/{district.id}/{day}/figures", data=data)


def test_uneven_reporting_compares_each_commune_with_its_own_previous_figures(
    client, supervisor, quan_son
):
    every = {"Sơn Hà": 1000, "Sơn Lư": 1000, "Trung Xuân": 1000}
    _type_in(client, quan_son, "2021-11-05", every)
    _type_in(client, quan_son, "2021-11-10", {"Sơn Hà": 1050})  # one commune, mid-week
    _type_in(client, quan_son, "2021-11-12", dict.fromkeys(every, 1100))
    report = district_report(quan_son, WEEK_2)
    assert report.total.scans_change == 250  # 50 + 100 + 100, not 3300 - 1050
    assert report.previous_date == WEEK_1 and report.period_start == date(2021, 11, 6)


def test_communes_whose_names_look_like_totals_and_prefixed_district_names(
    client, supervisor, quan_son
):
    for name in ("Cộng Hòa", "Tông Lạnh", "Xà Hồ"):
        db.session.add(
            commune_named(quan_son, "Sơn Hà").__class__(name=name, kind="xa", district=quan_son)
        )
    db.session.commit()
    sheet = (
        "STT,Huyện,Xã,Tổng số địa điểm tạo mã QR,Tổng lượt quét\n"
        "1,Huyện Quan Sơn,Xã Cộng Hòa,1,2\n2,huyen quan son,Tông Lạnh,3,4\n"
        "3,Quan Sơn,Xã Xà Hồ,5,6\n,,Cộng,9,12\n"
    )
    preview = preview_import(read_sheet(sheet.encode(), "x.csv"), quan_son, WEEK_1, WEEK_1)
    assert [row.commune.name for row in preview.accepted] == ["Cộng Hòa", "Tông Lạnh", "Xà Hồ"]
    assert preview.rows[-1].skipped and not preview.refused


@pytest.mark.parametrize(
    "content",
    [
        b"Xa,Tong so dia diem tao ma QR,Tong luot quet\r1,Son Ha,1,2\r",
        b'Xa,Tong so dia diem tao ma QR,Tong luot quet\n"Son\rHa",1,2\n',
        b"Xa,Tong luot quet\n" + b"x" * 200_000 + b",1\n",
    ],
)
def test_odd_csv_files_never_fail_the_request(client, supervisor, quan_son, content):
    assert upload(client, content, "odd.csv", WEEK_1, quan_son).status_code in (200, 422)


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "2019-12-31"])
def test_implausible_report_dates_are_not_found(client, supervisor, quan_son, day):
    assert client.get(f"/reports/{quan_son.id}/{day}").status_code == 404
    assert client.get(f"/reports/{quan_son.id}/{day}.csv").status_code == 404
    response = upload(client, b"x", "x.csv", date(2021, 1, 1), quan_son, date="1/1/1")
    assert response.status_code == 422 and count_figures() == 0


def test_previews_never_imported_are_forgotten_after_a_day(app, client, supervisor, quan_son):

    content = FIXTURES.joinpath("quan_son_2021-11-05.csv").read_bytes()
    first = upload(client, content, "a.csv", WEEK_1, quan_son)
    folder = Path(app.config["FIGURES_UPLOAD_FOLDER"])
    (old,) = folder.iterdir()
    two_days_ago = time.time() - 2 * 24 * 3600
    os.utime(old, (two_days_ago, two_days_ago))
    upload(client, content, "b.csv", WEEK_1, quan_son)
    assert not old.exists() and len(list(folder.iterdir())) == 1
    expired = client.post(
        "/reports/import",
        data={
            "token": token_of(first.get_data(as_text=True)),
            "district": quan_son.id,
            "date": WEEK_1.isoformat(),
            "action": "apply",
        },
    )
    assert expired.status_code == 422 and "không còn; hãy chọn lại" in expired.get_data(
        as_text=True
    )


def pdf_text(content: bytes) -> str:

    return "".join(page.get_textpage().get_text_range() for page in pypdfium2.PdfDocument(content))


def test_the_pages_and_the_command_export_the_same_file(
    app, client, supervisor, quan_son, tmp_path
):
    import_both_weeks(client, quan_son)
    runner = app.test_cli_runner()
    for fmt in ("csv", "pdf"):
        output = tmp_path / f"report.{fmt}"
        result = runner.invoke(
            args=[
                "report",
                "--district",
                "Quan Sơn",
                "--date",
                "12/11/2021",
                "--format",
                fmt,
                "-o",
                str(output),
            ]
        )
        assert result.exit_code == 0, result.output
        downloaded = client.get(f"/reports/{quan_son.id}/2021-11-12.{fmt}").data
        if fmt == "csv":
            assert downloaded == output.read_bytes()
        else:  # a PDF carries its creation time: compare the text both hold
            assert pdf_text(downloaded) == pdf_text(output.read_bytes())
            assert "HUYỆN QUAN SƠN" in pdf_text(downloaded)


def test_typed_figures_are_checked_without_a_request(quan_son):

    son_ha, son_lu = (commune_named(quan_son, n) for n in ("Sơn Hà", "Sơn Lư"))
    typed = check_typed_figures(
        [son_ha, son_lu],
        {},
        {
            field_name("venues_with_qr", son_ha): "1.200",
            field_name("scans", son_ha): "4.336",
            field_name("venues_with_qr", son_lu): "12",
        },
        WEEK_1,
        WEEK_1,
    )
    assert typed.entries[son_ha]["scans"] == 4336
    assert list(typed.errors) == [field_name("scans", son_lu)]
    future = check_typed_figures([son_ha], {}, {}, WEEK_2, WEEK_1)
    assert "date" in future.errors and not future.entries


def test_exports_write_formula_like_names_as_text(client, supervisor, quan_son):
    """A commune named "=1+1" or "@SUM(A1)" is text in the CSV and XLSX, never a formula;
    the figures stay numbers. (Their kind unknown, the appendix writes them bare.)"""
    import_both_weeks(client, quan_son)
    hostile = {"Sơn Hà": "=1+1", "Sơn Lư": "@SUM(A1)", "Trung Xuân": "-2+3"}
    for commune in quan_son.communes:
        commune.name = hostile.get(commune.name, commune.name)
        commune.kind = ""
    db.session.commit()

    rows = list(
        csv.reader(
            io.StringIO(
                client.get(f"/reports/{quan_son.id}/2021-11-12.csv").data.decode("utf-8-sig")
            )
        )
    )
    names = {row[2] for row in rows[1:]}
    assert {"'=1+1", "'@SUM(A1)", "'-2+3"} <= names
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)
    (son_ha,) = [row for row in rows if row[2] == "'=1+1"]
    assert son_ha[3:5] == ["1236", "7000"]

    book = load_workbook(io.BytesIO(client.get(f"/reports/{quan_son.id}/2021-11-12.xlsx").data))
    cells = [cell for sheet in book for line in sheet.iter_rows() for cell in line]
    assert not [cell.coordinate for cell in cells if cell.data_type == "f"]
    named = {cell.value: cell for cell in cells if cell.value in ("'=1+1", "'@SUM(A1)", "'-2+3")}
    assert set(named) == {"'=1+1", "'@SUM(A1)", "'-2+3"}
    assert all(cell.data_type == "s" for cell in named.values())
    (line,) = [line for line in book["Phụ lục"].iter_rows() if line[2].value == "'=1+1"]
    assert [line[3].value, line[4].value] == [1236, 7000] and line[3].data_type == "n"


def test_only_text_that_starts_like_a_formula_is_marked():
    assert [exports.sheet_cell(v) for v in ("\tx", "\rx", "+84", "Sơn Hà", "a=b", 5, -3, None)] == [
        "'\tx",
        "'\rx",
        "'+84",
        "Sơn Hà",
        "a=b",
        5,
        -3,
        None,
    ]


def test_an_empty_figures_form_deletes_nothing(client, supervisor, quan_son):
    """An empty "enter figures" form used to delete every commune's figures of the date,
    commit, then answer 500: now it is refused and nothing changes."""
    every = {"Sơn Hà": 1000, "Sơn Lư": 2000, "Trung Xuân": 3000}
    assert _type_in(client, quan_son, "2021-11-05", every).status_code == 303
    response = client.post(f"/reports/{quan_son.id}/2021-11-05/figures", data={})
    assert response.status_code == 422
    assert "Hãy nhập số liệu của ít nhất một đơn vị cấp xã" in response.get_data(as_text=True)
    db.session.expire_all()
    assert count_figures() == 3


def test_a_blank_commune_keeps_its_figures_and_removing_them_is_explicit(
    client, supervisor, quan_son
):
    _type_in(client, quan_son, "2021-11-05", {"Sơn Hà": 1000, "Sơn Lư": 2000})
    son_lu = commune_named(quan_son, "Sơn Lư")
    url = f"/reports/{quan_son.id}/2021-11-05/figures"
    assert f'name="clear-{son_lu.id}"' in client.get(url).get_data(as_text=True)
    # Sơn Hà typed again, Sơn Lư left blank: Sơn Lư keeps its figures.
    kept = _type_in(client, quan_son, "2021-11-05", {"Sơn Hà": 1100})
    assert kept.status_code == 303
    assert district_report(quan_son, WEEK_1).total.scans == 3100
    # Removing is ticked per commune; figures typed on a line ticked for removal are refused.
    both = client.post(
        url,
        data={
            f"clear-{son_lu.id}": "1",
            f"venues_with_qr-{son_lu.id}": "1",
            f"scans-{son_lu.id}": "1",
        },
    )
    assert both.status_code == 422 and count_figures() == 2
    removal = {f"clear-{son_lu.id}": "1", "confirm_removal": str(son_lu.id)}
    removed = client.post(url, data=removal, follow_redirects=True)
    assert removed.status_code == 200
    assert "Đã xóa số liệu của: Sơn Lư." in removed.get_data(as_text=True)
    db.session.expire_all()
    assert count_figures() == 1
    assert district_report(quan_son, WEEK_1).total.scans == 1100


def test_the_csv_has_each_units_findings_as_the_xlsx(
    client, supervisor, quan_son, make_venue, make_user
):
    """The CSV is the one table a tool reads: the findings of the week are in it too, the
    shares with one decimal, the same numbers as the XLSX's findings sheet."""
    import_both_weeks(client, quan_son)
    venue = make_venue()
    add = make_user("canbo", role="inspector")
    db.session.add(
        Inspection(
            uuid=str(uuid.uuid4()),
            venue_id=venue.id,
            inspector_id=add.id,
            server_time=datetime(2021, 11, 10, 3, 0),
            qr_posted="visible",
            qr_matches="yes",
            checkin_method="visitors_scan",
            staff_assigned=False,
            outcome="needs_improvement",
            visitors_observed=3,
            visitors_scanned=2,
        )
    )
    db.session.commit()
    rebuild_rollups()
    rows = list(
        csv.reader(
            io.StringIO(
                client.get(f"/reports/{quan_son.id}/2021-11-12.csv").data.decode("utf-8-sig")
            )
        )
    )
    son_ha = dict(zip(rows[0], next(r for r in rows if r[2] == "Xã Sơn Hà"), strict=True))
    assert son_ha["Số địa điểm được kiểm tra"] == "1"
    assert son_ha["Niêm yết mã QR rõ ràng (%)"] == "100.0"
    assert son_ha["Có người hướng dẫn quét (%)"] == "0.0"
    assert son_ha["Tỷ lệ quét quan sát (%)"] == "66.7"
    found = load_workbook(io.BytesIO(client.get(f"/reports/{quan_son.id}/2021-11-12.xlsx").data))[
        "Kiểm tra"
    ]
    xlsx = {line[0].value: [c.value for c in line] for line in found.iter_rows(min_row=3)}
    assert xlsx["Xã Sơn Hà"][1] == 1 and round(xlsx["Xã Sơn Hà"][5], 1) == 66.7
