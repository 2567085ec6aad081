"""Importing citizens' reports from the national system: the columns, each row's fate
(created, +1, imported before, refused with its reason), the district check, and the
preview and confirmation of the web import."""

import contextlib
import io
import json
import re
from datetime import datetime
from pathlib import Path

import lxml.html
import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from fieldapp.citizens.importer import MAX_BYTES, apply_import, check_reports
from fieldapp.citizens.intake import receive_report
from fieldapp.extensions import db
from fieldapp.models import AuditEntry, CitizenReport, NationalReportRef, Venue
from tests.factories import commune_named

FIXTURE = Path(__file__).parent / "fixtures" / "national_reports.csv"
NOW = datetime(2026, 12, 1, 3, 0)  # UTC: 10:00 in Vietnam
URL = "/citizen-reports/import"


@pytest.fixture
def venues(app, quan_son, other_district, make_venue, frozen_clock):
    frozen_clock(NOW)
    market = make_venue("Chợ Sơn Hà", code="QS-SH-0001")
    station = make_venue(
        "Trạm Y tế thị trấn Sơn Lư",
        code="QS-SL-0002",
        venue_type="health_station",
        commune=commune_named(quan_son, "Sơn Lư"),
    )
    elsewhere = make_venue(
        "Chợ Chiềng Đông", code="YC-CD-0001", commune=commune_named(other_district, "Chiềng Đông")
    )
    return market, station, elsewhere


def actions(report) -> dict[int, str]:
    return {row.number: row.action for row in report.rows}


def reasons(report, number) -> str:
    row = next(row for row in report.rows if row.number == number)
    return " ".join(str(problem) for problem in row.problems)


def report_count() -> int:
    return db.session.scalar(select(func.count()).select_from(CitizenReport))


def as_xlsx(csv_text: str, moments_as_cells: bool = True) -> bytes:
    """The fixture as the national system's XLSX: times as real date-time cells."""
    book = Workbook()
    sheet = book.active
    for index, line in enumerate(csv_text.splitlines()):
        cells = line.split(",")
        if index and moments_as_cells:
            with contextlib.suppress(ValueError):  # 31/11 stays text
                cells[6] = datetime.strptime(cells[6], "%d/%m/%Y %H:%M")
        sheet.append(cells)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


EXPECTED = {
    2: "create",
    3: "join",  # the same venue and problem nine hours later: +1 to row 2
    4: "create",  # the venue found by its name in its commune
    5: "create",  # a place not in the registry
    6: "refuse",  # a problem the app does not know
    7: "refuse",  # another district's commune
    8: "refuse",  # 31/11 is no day
    9: "refuse",  # the reference of row 2 again
    10: "refuse",  # another district's venue code
}


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_each_row_is_mapped_or_refused_with_its_reason(app, quan_son, venues, kind):
    market, station, _elsewhere = venues
    text = FIXTURE.read_text(encoding="utf-8")
    content, name = (text.encode(), "pa.csv") if kind == "csv" else (as_xlsx(text), "pa.xlsx")
    report = check_reports(content, quan_son, name)
    assert report.refused is None
    assert actions(report) == EXPECTED
    rows = {row.number: row for row in report.rows}
    assert rows[2].venue == market and rows[2].problem == "no_qr"
    assert rows[2].received_at == datetime(2026, 11, 28, 1, 15)  # 08:15 in Vietnam, as UTC
    assert rows[3].joins_row == 2
    assert rows[4].venue == station and rows[4].problem == "qr_not_working"
    assert rows[5].venue is None and rows[5].place == "Quán cà phê Bản Bơ"
    assert rows[5].commune.name == "Trung Xuân" and rows[5].problem == "not_checked"
    assert "Bán hàng không đúng giá" in reasons(report, 6)
    assert "Chiềng Đông" in reasons(report, 7) and "Quan Sơn" in reasons(report, 7)
    assert "31/11/2026 10:00" in reasons(report, 8)
    assert "2" in reasons(report, 9) and "PA-2026-0001" in reasons(report, 9)
    assert "YC-CD-0001" in reasons(report, 10)
    assert report_count() == 0  # the check writes nothing


def test_english_headers_and_a_missing_column(app, quan_son, venues):
    english = (
        "Reference,Venue code,Problem,Details,Received,Contact\n"
        "N-1,QS-SH-0001,no_qr,Gate,01/12/2026 07:05,0912000111\n"
        "N-2,QS-SH-0001,Nobody checks,,30/11/2026 18:00,\n"
    )
    report = check_reports(english, quan_son, "n.csv")
    assert actions(report) == {2: "create", 3: "create"}
    assert report.rows[0].values["contact_phone"] == "0912000111"
    assert report.rows[1].problem == "not_checked"
    missing = check_reports("Reference,Venue code,Details\nN-1,QS-SH-0001,x\n", quan_son, "n.csv")
    assert missing.refused is not None and "problem" in str(missing.refused)
    assert "received" in str(missing.refused)
    future = check_reports(
        "Reference,Venue code,Problem,Received\nN-3,QS-SH-0001,other,01/12/2026 10:30\n",
        quan_son,
        "n.csv",
    )
    assert actions(future) == {2: "refuse"}  # 10:30 in Vietnam is after NOW (10:00)


def test_confirming_receives_each_row_through_intake_in_one_go(app, quan_son, venues, make_user):
    market, _station, _elsewhere = venues
    office = make_user("office", role="supervisor")
    report = apply_import(
        check_reports(FIXTURE.read_bytes(), quan_son, "pa.csv"), office, quan_son, "pa.csv"
    )
    db.session.commit()
    assert [r.source_ref for r in report.created] == [
        "PA-2026-0001",
        "PA-2026-0003",
        "PA-2026-0004",
    ]
    assert len(report.joined) == 1 and report.joined[0] is report.created[0]
    first = report.created[0]
    assert first.venue == market and first.also_reported == 1 and first.channel == "national"
    assert first.entered_by == office and first.contact_phone == "0912345678"
    assert first.details == "Không thấy mã QR ở cổng chợ"
    place = report.created[2]
    assert place.venue_id is None and place.place == "Quán cà phê Bản Bơ"
    refs = db.session.execute(select(NationalReportRef.source_ref, NationalReportRef.report_id))
    assert dict(refs.all()) == {
        "PA-2026-0001": first.id,
        "PA-2026-0002": first.id,  # the +1 keeps its reference, pointing at the report
        "PA-2026-0003": report.created[1].id,
        "PA-2026-0004": place.id,
    }
    assert report_count() == 3
    entry = db.session.scalar(select(AuditEntry).filter_by(action="citizen_reports_imported"))
    assert entry.user_id == office.id and entry.district_id == quan_son.id
    assert json.loads(entry.detail) == {
        "file": "pa.csv",
        "created": 3,
        "joined": 1,
        "known": 0,
        "refused": 5,
    }


def test_a_re_import_skips_the_references_it_knows(app, quan_son, venues, make_user):
    office = make_user("office", role="supervisor")
    apply_import(check_reports(FIXTURE.read_bytes(), quan_son, "pa.csv"), office, quan_son)
    db.session.commit()
    again = check_reports(FIXTURE.read_bytes(), quan_son, "pa.csv")
    assert actions(again) == {
        **EXPECTED,
        2: "known",
        3: "known",  # the +1 too: its reference was kept
        4: "known",
        5: "known",
    }
    assert not again.can_apply
    apply_import(again, office, quan_son)
    assert report_count() == 3


def test_a_row_joins_an_open_report_already_here(app, quan_son, venues):
    market, _station, _elsewhere = venues
    existing, _ = receive_report(
        commune=market.commune,
        venue=market,
        problem="no_qr",
        received_at=datetime(2026, 11, 27, 20, 0),
    )
    db.session.commit()
    report = check_reports(FIXTURE.read_bytes(), quan_son, "pa.csv")
    rows = {row.number: row for row in report.rows}
    assert rows[2].action == "join" and rows[2].joins_report == existing.tracking_code
    # Row 3 is within a day of the open report too (receive_report's rule, either side).
    assert rows[3].action == "join" and rows[3].joins_report == existing.tracking_code


def test_a_file_that_is_no_list_of_reports_is_refused_whole(app, quan_son, venues):
    assert check_reports(b"", quan_son, "pa.csv").refused is not None
    header_only = check_reports(FIXTURE.read_text().splitlines()[0] + "\n", quan_son, "pa.csv")
    assert header_only.refused is not None
    big = check_reports(b"x" * (MAX_BYTES + 1), quan_son, "pa.csv")
    assert "MB" in str(big.refused)
    twice = check_reports("Reference,Mã phản ánh,Problem,Received\n", quan_son, "pa.csv")
    assert "Mã phản ánh" in str(twice.refused)


# --- the web import ------------------------------------------------------------------------


def upload(client, content: bytes, name: str = "phan-anh.csv", **form):
    return client.post(
        URL,
        data={"file": (io.BytesIO(content), name), **form},
        content_type="multipart/form-data",
    )


def row_actions(body: str) -> dict[int, str]:
    return {
        int(number): action
        for number, action in re.findall(r'data-row="(\d+)" data-action="(\w+)"', body)
    }


@pytest.mark.parametrize("role", ["supervisor", "admin"])
def test_preview_then_confirm(client, login, make_user, quan_son, venues, role):
    office = login(make_user("office", role=role))
    preview = upload(client, FIXTURE.read_bytes())
    body = preview.get_data(as_text=True)
    assert preview.status_code == 200 and row_actions(body) == EXPECTED
    assert 'data-create="3" data-join="1" data-known="0" data-refuse="5"' in body
    assert report_count() == 0
    token = re.search(r'name="token" value="([^"]+)"', body).group(1)
    confirmed = client.post(
        URL,
        data={"token": token, "source": "phan-anh.csv", "district": quan_son.id, "action": "apply"},
    )
    assert confirmed.status_code == 303 and confirmed.headers["Location"] == URL
    assert report_count() == 3
    assert {r.entered_by_id for r in db.session.scalars(select(CitizenReport))} == {office.id}
    # Each report's history says who imported it, and when the national system received it.
    received = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "citizen_report_received")
    ).all()
    assert len(received) == 3 and {entry.user_id for entry in received} == {office.id}
    assert all("received_at" in entry.changes for entry in received)
    joined = db.session.scalars(select(AuditEntry).filter_by(action="citizen_report_joined")).all()
    assert len(joined) == 1 and joined[0].user_id == office.id
    # The kept file is gone: the same confirmation again asks for the file.
    replay = client.post(URL, data={"token": token, "district": quan_son.id, "action": "apply"})
    assert replay.status_code == 422 and report_count() == 3
    again = upload(client, FIXTURE.read_bytes())
    body = again.get_data(as_text=True)
    assert row_actions(body)[2] == "known" and 'data-known="4"' in body
    assert 'value="apply"' not in body  # nothing left to import


def test_the_venue_registrys_preview_has_the_same_layout(client, login, make_user, venues):
    """One layout for every import's preview (templates/_import_preview.html): the venue
    registry's rows say what will happen to each as the reports' rows do."""
    login(make_user("quantri", role="admin"))
    registry = (
        "Mã,Tên,Loại hình,Xã\n"
        "QS-NEW,Nhà sách Quan Sơn,Nhà sách,TT. Sơn Lư\n"
        "QS-BAD,Quán,karaoke,Na Mèo\n"
    )
    response = client.post(
        "/venues/import",
        data={"file": (io.BytesIO(registry.encode()), "so-dia-diem.csv")},
        content_type="multipart/form-data",
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and row_actions(body) == {2: "create", 3: "refuse"}
    tree = lxml.html.fromstring(body)
    for page in (tree, lxml.html.fromstring(upload(client, FIXTURE.read_bytes()).get_data())):
        section = page.get_element_by_id("import-preview")
        assert section.get("data-district") and section.xpath(".//table//tr[@data-row]")
        assert section.xpath('.//a[text()="Chọn tệp khác"]')


def test_bad_files_are_refused_with_a_message(client, login, make_user, quan_son, venues):
    login(make_user("office", role="supervisor"))
    for content, name in (
        (b"%PDF-1.4 not a sheet", "phan-anh.pdf"),
        (b"", "phan-anh.csv"),
        (b"PK\x03\x04 broken zip", "phan-anh.xlsx"),
        (b"a" * (MAX_BYTES + 1), "phan-anh.csv"),
        (FIXTURE.read_text().splitlines()[0].encode() + b"\n", "phan-anh.csv"),
    ):
        response = upload(client, content, name)
        body = response.get_data(as_text=True)
        assert response.status_code == 422, name
        assert 'id="import-error"' in body and 'id="import-preview"' not in body
    assert report_count() == 0


def test_only_the_district_s_office_imports(
    client, login, make_user, quan_son, other_district, venues
):
    login(make_user("inspector", role="inspector"))
    assert client.get(URL).status_code == 403
    assert upload(client, FIXTURE.read_bytes()).status_code == 403
    login(make_user("yen_chau", role="admin", district=other_district))
    # Quan Sơn's rows are refused, and Quan Sơn cannot be chosen.
    own = row_actions(upload(client, FIXTURE.read_bytes()).get_data(as_text=True))
    # Their own venue (row 7 by its name and commune, row 10 by its code, +1) is theirs.
    assert own == {**dict.fromkeys(range(2, 11), "refuse"), 7: "create", 10: "join"}
    chosen = upload(client, FIXTURE.read_bytes(), district=str(quan_son.id))
    assert chosen.status_code == 422 and 'id="import-error"' in chosen.get_data(as_text=True)
    assert report_count() == 0
    assert db.session.scalar(select(func.count()).select_from(Venue)) == 3
