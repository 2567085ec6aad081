"""Problems a users' walk-through found after issues 14 to 16: the deadlines page's count of
late districts, a commune's name in every export, the date of the office's answer on the
public tracking page, how long ago the inbox received a report."""

import csv
import io
import re
from datetime import date, datetime, timedelta

import docx
import pypdfium2
from flask_babel import refresh
from openpyxl import load_workbook
from sqlalchemy import select

from fieldapp.citizens.intake import receive_report
from fieldapp.citizens.service import reject, resolve
from fieldapp.extensions import db
from fieldapp.letters.sending import mark_sent
from fieldapp.models import AuditEntry, CitizenReport, Commune, CommuneFigures, District
from fieldapp.reports.deadlines import province_deadlines
from fieldapp.reports.exports import export_report, record_export
from fieldapp.reports.weekly import district_report, province_report
from tests.factories import district_supervisor

FRIDAY = date(2021, 11, 12)  # due at 16:00 in Vietnam, 09:00 UTC
AFTER_DEADLINE = datetime(2021, 11, 13, 3, 0)  # Saturday 10:00 in Vietnam


# 1. The deadlines page counts every district that missed the deadline ----------------------


def _figures(district, day):
    for commune in district.communes:
        db.session.add(
            CommuneFigures(commune=commune, report_date=day, venues_with_qr=10, scans=100)
        )


def _export(district, day, fmt, at: datetime):
    """The district's letter exported and marked as sent at a moment (an export alone is
    not sent: tests/test_letter_sent.py)."""
    record_export(district_report(district, day), fmt, district_supervisor(district), district.id)
    mark_sent(district, day, district_supervisor(district))
    db.session.flush()
    for entry in db.session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(2)):
        entry.at = at


def _four_districts(quan_son, neighbour_district):
    """Quan Sơn sends on time, Cẩm Thủy sends late, Bá Thước sends nothing; Mường Lát sent
    next week's letter early (not yet due)."""
    ba_thuoc = District(name="Bá Thước", province=quan_son.province)
    db.session.add(Commune(name="Lũng Niêm", kind="xa", district=ba_thuoc))
    muong_lat = District(name="Mường Lát", province=quan_son.province)
    db.session.add(Commune(name="Tam Chung", kind="xa", district=muong_lat))
    db.session.flush()
    _figures(quan_son, FRIDAY)
    _export(quan_son, FRIDAY, "pdf", datetime(2021, 11, 12, 9, 0))  # 16:00 sharp: on time
    _figures(neighbour_district, FRIDAY)
    _export(neighbour_district, FRIDAY, "docx", datetime(2021, 11, 12, 17, 30))  # 00:30 Sat
    next_friday = FRIDAY + timedelta(days=7)
    _figures(muong_lat, FRIDAY)
    _export(muong_lat, FRIDAY, "pdf", datetime(2021, 11, 12, 8, 0))
    _figures(muong_lat, next_friday - timedelta(days=1))
    _export(muong_lat, next_friday - timedelta(days=1), "pdf", AFTER_DEADLINE)
    db.session.commit()


def test_a_district_that_sent_its_letter_late_is_counted_late(quan_son, neighbour_district):
    _four_districts(quan_son, neighbour_district)
    table = province_deadlines(quan_son.province, AFTER_DEADLINE, count=2)
    states = {row.district.name: row.weeks[1].state for row in table.districts}
    assert states == {
        "Bá Thước": "late",
        "Cẩm Thủy": "done_late",
        "Mường Lát": "on_time",
        "Quan Sơn": "on_time",
    }
    assert [d.name for d in table.late(FRIDAY)] == ["Bá Thước", "Cẩm Thủy"]
    # Next week's letter is not yet due: nobody is late for it, whoever sent it already.
    assert {row.weeks[0].state for row in table.districts} == {"open", "on_time"}
    assert table.late(FRIDAY + timedelta(days=7)) == []


def test_the_deadlines_page_says_how_many_districts_are_late(
    client, login, make_user, quan_son, neighbour_district, frozen_clock
):
    _four_districts(quan_son, neighbour_district)
    frozen_clock(AFTER_DEADLINE)
    login(make_user("tinh", role="supervisor", scope="province"))
    html = client.get(f"/reports/province/{quan_son.province_id}/deadlines").get_data(as_text=True)
    this_week = html.split(f'id="due-{FRIDAY.isoformat()}"')[1].split("</details>")[0]
    next_week = html.split(f'id="due-{(FRIDAY + timedelta(days=7)).isoformat()}"')[1]
    next_week = next_week.split("</details>")[0]
    assert "2 huyện trễ hạn" in this_week
    assert this_week.count('class="deadline-late"') == 1
    assert this_week.count('class="deadline-done_late"') == 1
    assert "trễ hạn" not in next_week.split("</summary>")[0]


# 2. A commune is written with its kind in every export, as the appendix writes it ----------


def _sheet_column(sheet, column: int) -> list:
    return [line[column] for line in sheet.iter_rows(values_only=True) if len(line) > column]


def test_every_export_writes_a_commune_with_its_kind(app, quan_son):
    _figures(quan_son, FRIDAY)
    db.session.commit()
    report = district_report(quan_son, FRIDAY)
    book = load_workbook(io.BytesIO(export_report(report, "xlsx", app.config, quan_son)))
    assert "Thị trấn Sơn Lư" in _sheet_column(book["Phụ lục"], 2)  # the appendix
    findings = _sheet_column(book["Kiểm tra"], 0)
    assert {"Thị trấn Sơn Lư", "Xã Sơn Hà", "Xã Trung Xuân", "Tổng cộng"} <= set(findings)
    assert "Sơn Lư" not in findings and "Sơn Hà" not in findings

    text = export_report(report, "csv", app.config, quan_son).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][2] == "Thị trấn/xã"
    assert {row[2] for row in rows[1:4]} == {"Xã Sơn Hà", "Thị trấn Sơn Lư", "Xã Trung Xuân"}

    letter = docx.Document(io.BytesIO(export_report(report, "docx", app.config, quan_son)))
    cells = {cell.text for table in letter.tables for row in table.rows for cell in row.cells}
    assert "Thị trấn Sơn Lư" in cells and "Sơn Lư" not in cells

    pdf = pypdfium2.PdfDocument(export_report(report, "pdf", app.config, quan_son))
    pages = " ".join(page.get_textpage().get_text_range() for page in pdf)
    assert "Thị trấn Sơn Lư" in pages.replace("\r\n", " ").replace("\n", " ")


def test_a_provinces_findings_sheet_writes_its_districts_with_their_kind(app, quan_son):
    _figures(quan_son, FRIDAY)
    db.session.commit()
    report = province_report(quan_son.province, FRIDAY)
    book = load_workbook(io.BytesIO(export_report(report, "xlsx", app.config)))
    assert "Huyện Quan Sơn" in _sheet_column(book["Phụ lục"], 1)
    assert "Huyện Quan Sơn" in _sheet_column(book["Kiểm tra"], 0)
    assert "Quan Sơn" not in _sheet_column(book["Kiểm tra"], 0)


# 3. The public tracking page says the day the office answered ------------------------------


def test_the_tracking_page_says_when_the_office_answered(
    client, make_venue, make_user, frozen_clock
):
    supervisor = make_user("hathimai", role="supervisor", display_name="Hà Thị Mai")
    venue = make_venue("Chợ Sơn Hà")
    frozen_clock(datetime(2026, 12, 3, 2))
    answered, _joined = receive_report(commune=venue.commune, venue=venue, problem="no_qr")
    rejected, _joined = receive_report(commune=venue.commune, venue=venue, problem="other")
    waiting, _joined = receive_report(commune=venue.commune, venue=venue, problem="not_checked")
    db.session.commit()

    page = client.get(f"/phan-anh/{waiting.tracking_code}").get_data(as_text=True)
    assert 'id="tracking-answered"' not in page and "Trả lời ngày" not in page

    # 00:30 on the 9th in Vietnam is still the 8th in UTC: the page says the 9th.
    frozen_clock(datetime(2026, 12, 8, 17, 30))
    resolve(answered, "Đã kiểm tra, địa điểm đã niêm yết lại.", supervisor)
    frozen_clock(datetime(2026, 12, 8, 3, 0))
    reject(rejected, "Địa điểm đã ngừng hoạt động.", supervisor)
    db.session.commit()
    frozen_clock(datetime(2026, 12, 10, 3, 0))
    page = client.get(f"/phan-anh/{answered.tracking_code}").get_data(as_text=True)
    assert re.search(r'id="tracking-answered">\s*Trả lời ngày 09/12/2026\s*<', page)
    page = client.get(f"/phan-anh/{rejected.tracking_code}").get_data(as_text=True)
    assert re.search(r'id="tracking-answered">\s*Trả lời ngày 08/12/2026\s*<', page)
    page = client.get(f"/phan-anh/{waiting.tracking_code}").get_data(as_text=True)
    assert 'id="tracking-answered"' not in page and "Trả lời ngày" not in page


# 4. How long ago the inbox received a report ----------------------------------------------

MONDAY = datetime(2026, 12, 7, 3, 0)  # 10:00 in Vietnam


def _ages(page: str) -> dict[str, str]:
    """Each row's venue and the words of its age."""
    found = re.findall(
        r'<span class="list-title">([^<]+).*?<span class="report-age" data-age="\d+">([^<]+)<',
        page,
        re.DOTALL,
    )
    return {venue.strip(): words.strip() for venue, words in found}


def test_the_inbox_says_how_long_ago_a_report_came(
    client, login, make_user, make_venue, frozen_clock
):
    venues = {name: make_venue(name) for name in ("Chợ A", "Chợ B", "Chợ C", "Chợ D")}
    # Sunday 23:30 in Vietnam, Monday 00:30 there (Sunday in UTC), a week before, two weeks.
    for name, moment in (
        ("Chợ A", datetime(2026, 12, 6, 16, 30)),
        ("Chợ B", datetime(2026, 12, 6, 17, 30)),
        ("Chợ C", MONDAY - timedelta(days=7)),
        ("Chợ D", MONDAY - timedelta(days=1, hours=-1)),
    ):
        frozen_clock(moment)
        venue = venues[name]
        receive_report(commune=venue.commune, venue=venue, problem="no_qr")
    db.session.commit()
    frozen_clock(MONDAY)
    login(make_user("truong-phong", role="supervisor"))
    assert _ages(client.get("/citizen-reports").get_data(as_text=True)) == {
        "Chợ A": "Nhận hôm qua",
        "Chợ B": "Nhận hôm nay",
        "Chợ C": "Nhận cách đây 7 ngày",
        "Chợ D": "Nhận hôm qua",
    }
    login(make_user("manager", role="supervisor", locale="en"))
    refresh()  # the test's app context outlives its requests: forget the first one's language
    assert _ages(client.get("/citizen-reports").get_data(as_text=True)) == {
        "Chợ A": "Received yesterday",
        "Chợ B": "Received today",
        "Chợ C": "Received 7 days ago",
        "Chợ D": "Received yesterday",
    }
    report = db.session.scalars(select(CitizenReport).where(CitizenReport.venue == venues["Chợ C"]))
    page = client.get(f"/citizen-reports/{report.one().id}").get_data(as_text=True)
    assert re.search(r'class="report-age" data-age="7">Received 7 days ago<', page)
