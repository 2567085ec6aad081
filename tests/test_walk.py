"""What walking whole tasks on the phone found wrong (session 18), checked on the server."""

import re
from datetime import date, datetime

import lxml.html
import pypdfium2
import pytest

from fieldapp.citizens.importer import check_reports
from fieldapp.citizens.intake import receive_report
from fieldapp.extensions import db
from fieldapp.inspections.checklist import answer_lines
from fieldapp.venues.importer import check_venues
from tests.factories import commune_named
from tests.test_checklist import pdf_text
from tests.test_home_lists import section


@pytest.mark.parametrize("scope", ["district", "province", "country"])
def test_the_home_names_no_district_for_the_recent_findings_of_a_wider_area(
    client, login, make_user, make_venue, record_finding, scope
):
    login(make_user("inspector"))
    record_finding(make_venue())
    login(make_user("lanhdao", role="supervisor", scope=scope))
    recent = section(client.get("/").get_data(as_text=True), "recent")
    assert "trong huyện" not in recent  # a province's or the country's findings
    assert "Lần kiểm tra gần đây trên địa bàn" in recent
    assert recent.count('class="list-link"') == 1


def back_link(html: str) -> str | None:
    """Where the page's back link ("← …" above its heading) leads, or None without one."""
    match = re.search(r'<p class="back"><a href="([^"]+)">←', html)
    return match.group(1) if match else None


@pytest.mark.parametrize(
    ("role", "url", "back"),
    [
        ("supervisor", "/citizen-reports/new", "/citizen-reports"),
        ("supervisor", "/citizen-reports/import", "/citizen-reports"),
        ("admin", "/users", "/"),
        ("inspector", "/account/password", "/"),
    ],
)
def test_every_page_has_its_way_back(client, login, make_user, role, url, back):
    login(make_user(role, role=role))
    response = client.get(url)
    assert response.status_code == 200
    assert back_link(response.get_data(as_text=True)) == back


def test_a_one_time_password_page_offers_no_way_around_it(client, login, make_user):
    login(make_user("inspector", must_change_password=True))
    assert back_link(client.get("/account/password").get_data(as_text=True)) is None


def test_a_reports_file_may_name_the_problems_as_the_app_shows_them(
    app, quan_son, make_venue, frozen_clock
):
    """The inbox, the public form and the exports say "Mã không quét được hoặc là mã của
    địa điểm khác": a file written with those words (in either language) is read."""
    frozen_clock(datetime(2026, 12, 1, 3, 0))  # UTC: 10:00 on 01/12/2026 in Vietnam
    make_venue("Chợ Sơn Hà", code="QS-SH-0001")
    make_venue("Trạm Y tế xã Sơn Hà", code="QS-SH-0002")
    sheet = (
        "Mã phản ánh,Mã địa điểm,Loại phản ánh,Thời gian nhận\n"
        "PA-1,QS-SH-0001,Không niêm yết mã QR,30/11/2026 08:15\n"
        "PA-2,QS-SH-0001,Mã không quét được hoặc là mã của địa điểm khác,30/11/2026 09:40\n"
        "PA-3,QS-SH-0001,Không có người yêu cầu khách quét mã,30/11/2026 10:05\n"
        "PA-4,QS-SH-0002,The code does not work or is another venue's,30/11/2026 10:30\n"
        "PA-5,QS-SH-0002,Nobody makes visitors scan,30/11/2026 10:45\n"
        "PA-6,QS-SH-0002,Khác,30/11/2026 11:00\n"
    )
    report = check_reports(sheet, quan_son, "phan-anh.csv")
    assert [row.action for row in report.rows] == ["create"] * 6
    assert [row.problem for row in report.rows] == [
        "no_qr",
        "qr_not_working",
        "not_checked",
        "qr_not_working",
        "not_checked",
        "other",
    ]


@pytest.mark.parametrize("title", ["Xã, phường, thị trấn", "Xã/phường/thị trấn", "Phường/xã"])
def test_every_import_reads_the_commune_column_as_the_office_heads_it(
    app, quan_son, frozen_clock, title
):
    """The office's screens head the column "Xã, phường, thị trấn": a registry or a reports
    file headed so was refused ("Tệp thiếu cột: commune / xã")."""
    frozen_clock(datetime(2026, 12, 1, 3, 0))
    registry = check_venues(f'Mã,Tên,"{title}"\nQS-SH-0101,Quán cà phê Suối Mơ,Sơn Hà\n', quan_son)
    assert registry.refused is None
    son_ha = commune_named(quan_son, "Sơn Hà")
    assert [(row.action, row.attributes["commune_id"]) for row in registry.rows] == [
        ("create", son_ha.id)
    ]
    reports = check_reports(
        f'Mã phản ánh,Tên địa điểm,"{title}",Loại phản ánh,Thời gian nhận\n'
        "PA-1,Quán cà phê Suối Mơ,Sơn Hà,Khác,30/11/2026 08:15\n",
        quan_son,
        "phan-anh.csv",
    )
    assert [(row.action, row.commune.name) for row in reports.rows] == [("create", "Sơn Hà")]


def test_a_finding_lists_no_answer_to_a_question_it_was_not_asked(
    client, login, make_venue, record_finding
):
    """With no code posted the form hides the code's size and whose code it is; the page
    and the PDF said "Tối thiểu 15×15 cm: Không rõ" and "Đúng mã: Chưa kiểm tra" all the
    same, as if the inspector had answered them."""
    login(username="inspector")
    venue = make_venue()
    missing = record_finding(venue, qr_posted="missing", checkin_method="none")
    names = [line.name for line in answer_lines(missing)]
    assert "qr_size_ok" not in names and "qr_matches" not in names
    assert names[0] == "qr_posted" and "checkin_method" in names
    page = client.get(f"/inspections/{missing.id}").get_data(as_text=True)
    assert "15×15" not in page
    posted = record_finding(venue, qr_posted="visible", qr_size_ok="yes")
    names = [line.name for line in answer_lines(posted)]
    assert "qr_size_ok" in names and "qr_matches" in names


def test_a_citizen_reports_history_names_its_due_date_as_its_page_does(
    client, login, make_user, make_venue
):
    """The page says "Hạn trả lời"; its history said "Hạn hoàn thành" (an assignment's)."""
    venue = make_venue()
    report, _joined = receive_report(commune=venue.commune, venue=venue, problem="no_qr")
    db.session.commit()
    login(make_user("supervisor", role="supervisor"))
    page = client.get(f"/citizen-reports/{report.id}").get_data(as_text=True)
    history = page[page.index('id="audit"') :]
    assert "Hạn trả lời" in history
    assert "Hạn hoàn thành" not in history


def test_a_province_supervisors_due_list_names_each_venues_district(
    client, login, make_user, make_venue, quan_son, neighbour_district
):
    """A province's districts may have communes of the same name; the due list named the
    commune only."""
    for district in (quan_son, neighbour_district):
        for n in range(3):
            make_venue(
                f"Chợ {district.name} {n}",
                commune=district.communes[0],
                reinspection_due=date(2026, 12, 10 + n),
            )
    login(make_user("tinh", role="supervisor", scope="province"))
    due = section(client.get("/").get_data(as_text=True), "due")
    assert due.count("· Quan Sơn ·") == 3 and due.count("· Cẩm Thủy ·") == 3
    login(make_user("huyen", role="supervisor"))
    assert "· Quan Sơn ·" not in section(client.get("/").get_data(as_text=True), "due")


def test_the_countrys_supervisor_reaches_every_provinces_deadlines(
    client, login, make_user, quan_son, other_district, neighbour_district
):
    """The reports page linked only the deadlines of the province the account sits in."""
    login(make_user("quocgia", role="supervisor", scope="country"))
    page = client.get("/reports").get_data(as_text=True)
    for province in (quan_son.province, other_district.province):
        url = f"/reports/province/{province.id}/deadlines"
        assert page.count(f'href="{url}"') == 1
        assert client.get(url).status_code == 200
    login(make_user("tinh", role="supervisor", scope="province"))
    page = client.get("/reports").get_data(as_text=True)
    assert f"/reports/province/{quan_son.province.id}/deadlines" in page
    assert f"/reports/province/{other_district.province.id}/deadlines" not in page


def test_a_findings_pdf_writes_a_far_position_as_its_page_does(
    client, login, make_venue, record_finding
):
    """The page said "Cách vị trí đăng ký của địa điểm 12.284 m" and "⚠ ... hơn 300 m"; the
    PDF said "12284 m" and left a gap where its font has no "⚠"."""
    login(username="inspector")
    venue = make_venue(latitude=20.2560, longitude=104.9420)
    finding = record_finding(venue, latitude="20.3560", longitude="104.9420")
    assert finding.gps_distance_m > 1000
    metres = f"{round(finding.gps_distance_m):,}".replace(",", ".")
    page = client.get(f"/inspections/{finding.id}").get_data(as_text=True)
    assert f"{metres} m" in page
    text = pdf_text(client, finding)
    assert f"Cách vị trí đăng ký của địa điểm {metres} m" in text
    assert "Cách vị trí đăng ký của địa điểm hơn 300 m" in text
    # A sign the font lacks comes out of the PDF as a blank at the start of its line.
    document = pypdfium2.PdfDocument(client.get(f"/inspections/{finding.id}.pdf").data)
    lines = document[0].get_textpage().get_text_range().splitlines()
    assert [line for line in lines if line[:1].isspace()] == []


def test_a_reports_tracking_code_has_one_name(client, login, make_user, make_venue):
    """Every sentence to the citizen says "mã theo dõi"; the lookup's field and the office's
    report page said "Mã tra cứu"."""
    venue = make_venue()
    report, _joined = receive_report(commune=venue.commune, venue=venue, problem="no_qr")
    db.session.commit()
    lookup = client.get("/phan-anh/tra-cuu").get_data(as_text=True)
    assert "Mã theo dõi</label>" in lookup
    login(make_user("supervisor", role="supervisor"))
    office = client.get(f"/citizen-reports/{report.id}").get_data(as_text=True)
    assert f"Mã theo dõi: {report.tracking_code}" in office
    assert "Mã tra cứu" not in lookup + office


def test_a_position_out_of_range_is_refused_in_the_users_language(
    client, login, make_user, make_venue
):
    """WTForms has no Vietnamese: the venue form said "Number must be between -90 and 90."."""
    venue = make_venue("Chợ Sơn Hà", code="QS-SH-0001")
    login(make_user("admin", role="admin"))
    form = {
        "name": venue.name,
        "venue_type": venue.venue_type,
        "commune_id": str(venue.commune_id),
        "address": venue.address,
        "latitude": "200",
        "longitude": "-500",
    }
    response = client.post(f"/venues/{venue.id}/edit", data=form)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Vĩ độ phải nằm trong khoảng từ -90 đến 90." in page
    assert "Kinh độ phải nằm trong khoảng từ -180 đến 180." in page
    assert "Number must be" not in page
    assert 'value="200"' in page  # what was typed is kept


def test_a_venue_added_without_a_commune_is_asked_for_one_in_vietnamese(client, login, make_user):
    """The "— Chọn —" option's value was "None": the browser's `required` let it through,
    and the server answered "Invalid Choice: could not coerce."."""
    login(make_user("inspector"))
    form = lxml.html.fromstring(client.get("/venues/new").get_data(as_text=True))
    [choose, *communes] = form.xpath("//select[@name='commune_id']/option")
    assert choose.get("value") == "" and choose.get("selected") is not None
    assert communes
    response = client.post(
        "/venues/new", data={"name": "Quán bún cá Cô Tư", "venue_type": "shop", "commune_id": ""}
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Chọn một đơn vị cấp xã trong huyện của bạn." in page
    assert "could not coerce" not in page
    assert 'value="Quán bún cá Cô Tư"' in page
