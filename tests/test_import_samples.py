"""Each import page offers a sample file (fieldapp/import_samples.py): the columns its
importer reads, headed in Vietnamese, with example rows of the user's own district. Every
sample goes through its importer's preview here without a refused row: the test that keeps
the samples and the importers in step."""

import io
import re
from datetime import date, datetime

import lxml.html
import pytest
from openpyxl import load_workbook

from fieldapp import clock, import_samples
from fieldapp.citizens import importer as citizen_importer
from fieldapp.citizens.importer import check_reports
from fieldapp.import_samples import (
    citizen_reports_sample,
    figures_sample,
    venue_registry_sample,
)
from fieldapp.reports.figures import preview_import, read_sheet
from fieldapp.spreadsheets import sample_workbook
from fieldapp.venues.importer import check_venues

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
NOW = datetime(2026, 11, 20, 3, 0)  # UTC: 10:00 in Vietnam, a Friday

# Each import page, its sample's URL, and the roles that may use both.
PAGES = [
    ("/venues/import", "/venues/import/sample", {"admin"}),
    ("/reports/import", "/reports/import/sample", {"supervisor", "admin"}),
    ("/citizen-reports/import", "/citizen-reports/import/sample", {"supervisor", "admin"}),
]


def sheet_rows(content: bytes) -> list[list]:
    book = load_workbook(io.BytesIO(content), read_only=True)
    try:
        return [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]
    finally:
        book.close()


@pytest.fixture
def clock_set(frozen_clock):
    return frozen_clock(NOW)


# The samples, read back by their importers -----------------------------------------------


def test_the_venue_registry_sample_imports_without_a_refused_row(app, quan_son):
    sample = venue_registry_sample(quan_son)
    rows = sheet_rows(sample.content)
    assert rows[0] == [
        "Mã địa điểm",
        "Tên địa điểm",
        "Loại hình",
        "Địa chỉ",
        "Xã, phường, thị trấn",
        "Vĩ độ",
        "Kinh độ",
        "Người liên hệ",
        "Số điện thoại",
        "Nội dung mã QR",
    ]
    # The district's own communes, written officially, one example venue each.
    assert [row[4] for row in rows[1:]] == ["Xã Sơn Hà", "Thị trấn Sơn Lư", "Xã Trung Xuân"]
    report = check_venues(sample.content, quan_son, sample.filename)
    assert report.refused is None and report.ignored_columns == []
    assert [row.action for row in report.rows] == ["create"] * 3, [
        [str(p.message) for p in row.problems] for row in report.rows
    ]
    assert report.rows[1].attributes["venue_type"] == "health_station"


def test_the_venue_sample_takes_the_next_free_codes_and_positions_near_registered_venues(
    app, quan_son, make_venue
):
    make_venue("Chợ Sơn Hà", code="QS-SH-0007", latitude=20.2560, longitude=104.9420)
    sample = venue_registry_sample(quan_son)
    first = sheet_rows(sample.content)[1]
    assert first[0] == "QS-SH-0008"
    assert isinstance(first[5], float) and abs(first[5] - 20.2560) < 0.01
    report = check_venues(sample.content, quan_son, sample.filename)
    assert [row.action for row in report.rows] == ["create"] * 3


def test_the_figures_sample_previews_every_row_accepted(app, quan_son):
    sample = figures_sample(quan_son)
    rows = sheet_rows(sample.content)
    assert rows[0][:5] == [
        "STT",
        "Huyện",
        "Thị trấn/xã",
        "Tổng số địa điểm tạo mã QR",
        "Tổng lượt quét",
    ]
    assert [row[1] for row in rows[1:]] == ["Huyện Quan Sơn"] * 3
    preview = preview_import(
        read_sheet(sample.content, sample.filename),
        quan_son,
        date(2026, 11, 20),
        date(2026, 11, 20),
    )
    assert preview.missing_fields == [] and preview.refused == []
    assert len(preview.accepted) == 3
    assert all(row.figures["installs"] and row.figures["smartphones"] for row in preview.accepted)


def test_the_citizens_sample_imports_without_a_refused_row(app, quan_son, make_venue, clock_set):
    venue = make_venue("Chợ Sơn Hà", code="QS-SH-0001")
    sample = citizen_reports_sample(quan_son)
    rows = sheet_rows(sample.content)
    header = rows[0]
    assert header[0] == "Mã số phản ánh" and "Thời gian phản ánh" in header
    received = [row[header.index("Thời gian phản ánh")] for row in rows[1:]]
    # As the importer asks: DD/MM/YYYY HH:MM, Vietnam's time, in the last days.
    assert received == ["19/11/2026 08:30", "19/11/2026 15:45", "18/11/2026 10:05"]
    report = check_reports(sample.content, quan_son, sample.filename)
    assert report.refused is None and report.ignored_columns == []
    assert [row.action for row in report.rows] == ["create"] * 3, [
        [str(p) for p in row.problems] for row in report.rows
    ]
    assert report.rows[0].venue == venue  # the first by a registered venue's code
    assert {row.problem for row in report.rows} == {"no_qr", "not_checked", "qr_not_working"}


def test_the_citizens_sample_of_a_district_without_venues_names_places(app, quan_son, clock_set):
    sample = citizen_reports_sample(quan_son)
    report = check_reports(sample.content, quan_son, sample.filename)
    assert [row.action for row in report.rows] == ["create"] * 3
    assert all(row.venue is None and row.place for row in report.rows)


def test_a_sample_names_every_column_its_importer_reads(app, quan_son, monkeypatch):
    # A field the importer reads but the sample does not head breaks the sample at once.
    monkeypatch.setitem(citizen_importer.HEADERS, "hotline", ("hotline", "đường dây nóng"))
    with pytest.raises(LookupError):
        citizen_reports_sample(quan_son)


def test_a_sample_heads_its_columns_only_as_its_importer_reads_them(app, quan_son, monkeypatch):
    monkeypatch.setitem(import_samples.VENUE_TITLES, "code", "Số hiệu")
    with pytest.raises(LookupError):
        venue_registry_sample(quan_son)


def test_text_in_a_sample_is_never_a_formula():
    content = sample_workbook(["Tên địa điểm"], [['=HYPERLINK("x")'], [12]])
    assert sheet_rows(content) == [["Tên địa điểm"], ['=HYPERLINK("x")'], [12]]
    book = load_workbook(io.BytesIO(content))
    assert book.active["A2"].data_type == "s"


# The pages and the downloads -------------------------------------------------------------


@pytest.mark.parametrize(("page", "sample", "roles"), PAGES)
def test_each_import_page_links_its_sample(
    client, login, make_user, clock_set, page, sample, roles
):
    login(make_user("office", role=min(roles)))
    tree = lxml.html.fromstring(client.get(page).get_data(as_text=True))
    link = tree.get_element_by_id("import-sample")
    assert link.get("href").startswith(sample)
    assert "download" in link.attrib and "btn" in link.get("class").split()
    response = client.get(link.get("href"))
    assert response.status_code == 200
    assert response.mimetype == XLSX
    assert re.search(
        r"attachment; filename=mau-[a-z-]+\.xlsx", response.headers["Content-Disposition"]
    )
    assert len(sheet_rows(response.data)) == 4  # the header and three examples


@pytest.mark.parametrize(("page", "sample", "roles"), PAGES)
def test_without_the_pages_role_the_sample_is_refused(
    client, login, make_user, page, sample, roles
):
    for role in sorted({"inspector", "supervisor", "admin"} - roles):
        login(make_user(f"no-{role}", role=role))
        assert client.get(page).status_code == 403
        assert client.get(sample).status_code == 403


def test_another_districts_sample_is_not_found(client, login, make_user, other_district, quan_son):
    login(make_user("office", role="admin"))
    assert client.get(f"/venues/import/sample?district={other_district.id}").status_code == 404
    assert client.get(f"/venues/import/sample?district={quan_son.id}").status_code == 200


def test_a_province_supervisor_gets_the_district_chosen(
    client, login, make_user, neighbour_district
):
    login(make_user("tinh", role="supervisor", scope="province"))
    response = client.get(f"/reports/import/sample?district={neighbour_district.id}")
    assert response.status_code == 200
    assert [row[2] for row in sheet_rows(response.data)[1:]] == ["Xã Cẩm Châu"]


def test_the_downloaded_figures_sample_imports_through_the_page(
    client, login, make_user, quan_son, clock_set
):
    login(make_user("office", role="supervisor"))
    content = client.get("/reports/import/sample").data
    day = date(2026, 11, 20)
    data = {"district": quan_son.id, "date": day.isoformat(), "action": "apply"}
    response = client.post(
        "/reports/import",
        data={**data, "file": (io.BytesIO(content), "mau-so-lieu-bao-cao.xlsx")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 303, response.get_data(as_text=True)[:500]


def test_the_downloaded_registry_and_reports_samples_preview_through_their_pages(
    client, login, make_user, make_venue, clock_set
):
    make_venue("Chợ Sơn Hà")
    login(make_user("office", role="admin"))
    for page, sample in (
        ("/venues/import", "/venues/import/sample"),
        ("/citizen-reports/import", "/citizen-reports/import/sample"),
    ):
        content = client.get(sample).data
        response = client.post(
            page,
            data={"file": (io.BytesIO(content), "mau.xlsx")},
            content_type="multipart/form-data",
        )
        body = response.get_data(as_text=True)
        assert response.status_code == 200, body[:500]
        actions = re.findall(r'data-row="\d+" data-action="(\w+)"', body)
        assert actions == ["create"] * 3, (page, actions)


def test_the_clock_decides_the_sample_days(app, quan_son, frozen_clock):
    frozen_clock(datetime(2026, 12, 31, 18, 0))  # 01:00 on 1 January in Vietnam
    assert clock.today() == date(2027, 1, 1)
    rows = sheet_rows(citizen_reports_sample(quan_son).content)
    assert rows[1][0] == "PA-20270101-001" and rows[1][6] == "31/12/2026 08:30"
