"""The flask commands: seed-demo, import-venues, create-user."""

import os
import re
import time
import unicodedata
from collections import Counter
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from fieldapp import clock, create_app
from fieldapp.assignments.service import assign
from fieldapp.citizens.deadlines import is_late
from fieldapp.demo import DEMO_PASSWORD, QUAN_SON_COMMUNES, seed_demo
from fieldapp.extensions import db
from fieldapp.inspections.outcome import Checklist, assess
from fieldapp.models import (
    VENUE_TYPES,
    AuditEntry,
    CitizenReport,
    Commune,
    CommuneFigures,
    District,
    Inspection,
    Province,
    PublicHoliday,
    User,
    Venue,
)
from fieldapp.reports.weekly import district_report, province_report
from tests.factories import PASSWORD, commune_named

QUAN_SON_COMMUNE_NAMES = {
    "Trung Xuân",
    "Trung Thượng",
    "Trung Tiến",
    "Trung Hạ",
    "Sơn Hà",
    "Tam Thanh",
    "Sơn Thủy",
    "Na Mèo",
    "Tam Lư",
    "Sơn Điện",
    "Mường Mìn",
    "Sơn Lư",
}


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def counts() -> dict[str, int]:
    return {
        model.__name__: count(model)
        for model in (Province, District, Commune, Venue, User, Inspection)
    }


@pytest.fixture
def cli(app):
    runner = app.test_cli_runner()

    def run(*args, **kwargs):
        return runner.invoke(args=list(args), **kwargs)

    return run


@pytest.fixture
def seeded(cli):
    result = cli("seed-demo")
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    return result


# seed-demo


def test_seed_demo_loads_quan_son_with_its_twelve_communes(seeded):
    district = db.session.scalar(select(District).where(District.name == "Quan Sơn"))
    assert district.province.name == "Thanh Hóa"
    assert {c.name for c in district.communes} == QUAN_SON_COMMUNE_NAMES
    kinds = {c.name: c.kind for c in district.communes}
    assert kinds.pop("Sơn Lư") == "thi_tran"
    assert set(kinds.values()) == {"xa"}


def test_seed_demo_has_citizens_reports_in_every_state(seeded):
    reports = db.session.scalars(select(CitizenReport)).all()
    assert {r.state for r in reports} == {"new", "checking", "resolved", "rejected"}
    assert any(is_late(r) for r in reports if r.is_open)
    assert any(r.also_reported == 1 for r in reports)
    assert any(r.venue_id is None and r.place for r in reports)
    (checking,) = [r for r in reports if r.state == "checking"]
    assert checking.assignment.venue_id == checking.venue_id
    assert all(r.public_answer for r in reports if r.state == "resolved")
    assert db.session.scalar(select(func.count()).select_from(PublicHoliday)) > 0


def test_seed_demo_venues_look_like_a_real_registry(seeded):
    venues = db.session.scalars(select(Venue)).all()
    assert len(venues) >= 250
    types = Counter(v.venue_type for v in venues)
    assert set(types) == set(VENUE_TYPES) - {"other"}
    assert len({v.code for v in venues}) == len(venues)
    assert all(re.fullmatch(r"QS-[A-Z]{2}-\d{4}", v.code) for v in venues)
    names = {v.name for v in venues}
    for expected in (
        "UBND xã Sơn Hà",
        "Trường THCS Trung Xuân",
        "Trạm Y tế xã Mường Mìn",
        "Chợ Na Mèo",
        "Công ty TNHH Lâm sản Quan Sơn",
        "Nhà nghỉ Hương Sơn",
    ):
        assert expected in names
    # Diacritics are stored composed (NFC), as typed on a Vietnamese keyboard.
    assert all(unicodedata.is_normalized("NFC", v.name + v.address) for v in venues)
    son_ha = [v for v in venues if v.commune.name == "Sơn Hà"]
    assert son_ha and all(v.address.endswith(", xã Sơn Hà") for v in son_ha)
    assert all(
        v.address.endswith(", thị trấn Sơn Lư") for v in venues if v.commune.name == "Sơn Lư"
    )
    located = [v for v in venues if v.has_position]
    assert len(located) > 0.8 * len(venues)
    assert all(20.0 < v.latitude < 20.5 and 104.6 < v.longitude < 105.2 for v in located)
    assert all(re.fullmatch(r"09\d{8}", v.contact_phone) for v in venues if v.contact_phone)
    assert sum(bool(v.qr_payload) for v in venues) > 0.9 * len(venues)
    assert 0 < sum(not v.is_active for v in venues) < 15
    assert all(v.search_key for v in venues)


def test_seed_demo_users_can_log_in(seeded, client):
    assert "password: quanson-demo-2021" in seeded.output
    roles = {u.username: u.role for u in db.session.scalars(select(User))}
    assert roles == {
        "inspector": "inspector",
        "inspector2": "inspector",
        "supervisor": "supervisor",
        "admin": "admin",
        "province": "supervisor",
        "national": "supervisor",
    }
    wide = {u.username: u.scope for u in db.session.scalars(select(User)) if u.sees_province}
    assert wide == {"province": "province", "national": "country"}
    assert "province     supervisor  Trịnh Văn Hùng (whole province)" in seeded.output
    assert "national     supervisor  Nguyễn Thị Quỳnh (whole country)" in seeded.output
    for user in db.session.scalars(select(User)):
        assert user.check_password(DEMO_PASSWORD)
        assert user.locale == "vi" and user.district.name == "Quan Sơn"
        assert user.username in seeded.output and user.display_name in seeded.output
    response = client.post("/login", data={"username": "supervisor", "password": DEMO_PASSWORD})
    assert response.status_code == 303


def test_seed_demo_inspections_follow_the_outcome_rule(seeded):
    inspections = db.session.scalars(select(Inspection)).all()
    assert 80 <= len(inspections) <= 150
    outcomes = Counter(i.outcome for i in inspections)
    assert outcomes["compliant"] > outcomes["needs_improvement"] > outcomes["non_compliant"] > 0
    for inspection in inspections:
        checklist = Checklist(
            qr_posted=inspection.qr_posted,
            qr_matches=inspection.qr_matches,
            checkin_method=inspection.checkin_method,
            staff_assigned=inspection.staff_assigned,
            qr_size_ok=inspection.qr_size_ok,
            visitors_observed=inspection.visitors_observed,
            visitors_scanned=inspection.visitors_scanned,
            staff_total=inspection.staff_total,
            staff_with_app=inspection.staff_with_app,
            paper_fallback=inspection.paper_fallback,
            risk_assessment_done=inspection.risk_assessment_done,
        )
        assessment = assess(checklist, inspection.venue.is_enterprise)
        assert (inspection.outcome, inspection.reason_list) == (
            assessment.outcome,
            assessment.reasons,
        )
        assert inspection.notes or inspection.outcome == "compliant"
        assert inspection.photos == []
        assert (inspection.reinspection_due is None) == (inspection.outcome == "compliant")
    assert any(i.inspector.username == "inspector2" for i in inspections)


def test_seed_demo_spreads_inspections_over_five_weeks(seeded):
    now = clock.utcnow()
    times = [i.server_time for i in db.session.scalars(select(Inspection))]
    assert all(now - timedelta(days=36) < t <= now for t in times)
    assert max(times) - min(times) > timedelta(days=25)
    assert all(i.device_time <= i.server_time for i in db.session.scalars(select(Inspection)))


def test_seed_demo_venue_status_is_that_of_its_newest_inspection(seeded):
    inspected = db.session.scalars(select(Venue).where(Venue.inspections.any())).all()
    assert any(len(v.inspections) > 1 for v in inspected)
    for venue in inspected:
        newest = max(venue.inspections, key=lambda i: i.server_time)
        assert venue.last_inspected_at == newest.server_time
        assert venue.last_outcome == newest.outcome
        assert venue.reinspection_due == newest.reinspection_due
    never = db.session.scalars(select(Venue).where(~Venue.inspections.any())).all()
    assert never and all(v.last_outcome is None and v.last_inspected_at is None for v in never)


def test_seed_demo_has_reinspections_due_soon_and_overdue(seeded):
    today = clock.today()
    due = [
        v.reinspection_due
        for v in db.session.scalars(select(Venue).where(Venue.reinspection_due.is_not(None)))
    ]
    assert sum(today <= d <= today + timedelta(days=14) for d in due) >= 3
    assert sum(d < today for d in due) >= 2


def test_seed_demo_if_empty_twice_changes_nothing(cli):
    first = cli("seed-demo", "--if-empty")
    assert first.exit_code == 0, first.output
    before = counts()
    assert before["Venue"] >= 250
    second = cli("seed-demo", "--if-empty")
    assert second.exit_code == 0, second.output
    assert "not loaded" in second.output
    assert "password: quanson-demo-2021" in second.output and "supervisor" in second.output
    assert counts() == before


def test_seed_demo_if_empty_leaves_a_real_database_alone(cli, quan_son):
    before = counts()
    result = cli("seed-demo", "--if-empty")
    assert result.exit_code == 0
    assert "not loaded" in result.output
    assert "no demo logins" in result.output
    assert counts() == before


def test_seed_demo_refuses_to_load_twice(seeded, cli):
    before = counts()
    result = cli("seed-demo")
    assert result.exit_code == 1
    assert "already exist" in result.output
    assert counts() == before


def test_seed_demo_is_the_same_for_the_same_seed(app, tmp_path, databases):
    now = datetime(2021, 9, 15, 3, 0)
    seed_demo(rng_seed=7, now=now)
    db.session.commit()
    first = db.session.execute(
        select(Venue.code, Venue.name, Venue.last_outcome).order_by(Venue.code)
    ).all()
    other = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "x",
            "SQLALCHEMY_DATABASE_URI": databases.another(tmp_path),
            "UPLOAD_FOLDER": str(tmp_path / "uploads"),
        }
    )
    with other.app_context():
        seed_demo(rng_seed=7, now=now)
        second = db.session.execute(
            select(Venue.code, Venue.name, Venue.last_outcome).order_by(Venue.code)
        ).all()
        db.session.rollback()
        db.engine.dispose()
    assert first == second
    assert all(t <= now for t in db.session.scalars(select(Inspection.server_time)))


def test_demo_communes_are_spread_around_quan_son():
    latitudes = [c.latitude for c in QUAN_SON_COMMUNES]
    longitudes = [c.longitude for c in QUAN_SON_COMMUNES]
    assert 0.1 < max(latitudes) - min(latitudes) < 0.4
    assert 0.2 < max(longitudes) - min(longitudes) < 0.4
    assert abs(sum(latitudes) / 12 - 20.25) < 0.1 and abs(sum(longitudes) / 12 - 104.9) < 0.1
    assert len({c.code for c in QUAN_SON_COMMUNES}) == 12


# import-venues


def write_csv(tmp_path, text, name="venues.csv", encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return str(path)


GOOD_CSV = (
    "code,name,type,address,commune,latitude,longitude,contact name,contact phone,qr payload\n"
    'QS-SH-0101,Chợ Sơn Hà,market,"Bản Na Hồ, xã Sơn Hà",Sơn Hà,20.2401,104.9052,'
    "Lò Văn Hùng,0912345678,https://qr.example/QS-SH-0101\n"
    "QS-SL-0102,Trạm Y tế thị trấn Sơn Lư,health_station,Khu 1,Sơn Lư,,,,,\n"
)


def venue(code):
    return db.session.scalar(select(Venue).where(Venue.code == code))


def test_import_venues_imports_a_good_file(cli, quan_son, tmp_path):
    result = cli("import-venues", write_csv(tmp_path, GOOD_CSV), "--district", "Quan Sơn")
    assert result.exit_code == 0, result.output
    assert "2 venues imported, 0 rows refused" in result.output
    market = venue("QS-SH-0101")
    assert market.name == "Chợ Sơn Hà" and market.venue_type == "market"
    assert market.commune == commune_named(quan_son, "Sơn Hà")
    assert market.address == "Bản Na Hồ, xã Sơn Hà"
    assert (market.latitude, market.longitude) == (20.2401, 104.9052)
    assert (market.contact_name, market.contact_phone) == ("Lò Văn Hùng", "0912345678")
    assert market.qr_payload == "https://qr.example/QS-SH-0101"
    assert market.is_active and "cho son ha" in market.search_key
    station = venue("QS-SL-0102")
    assert station.commune.name == "Sơn Lư" and station.latitude is None


def test_import_venues_reads_a_file_with_a_byte_order_mark(cli, quan_son, tmp_path):
    result = cli("import-venues", write_csv(tmp_path, GOOD_CSV, encoding="utf-8-sig"))
    assert result.exit_code == 0, result.output
    assert venue("QS-SH-0101").name == "Chợ Sơn Hà"


def test_import_venues_reports_bad_rows_and_keeps_the_good_ones(cli, quan_son, tmp_path):
    text = (
        GOOD_CSV.splitlines()[0] + "\n"
        "QS-1,Cửa hàng tạp hóa Hà Linh,shop,,Sơn Hà,,,,,\n"
        "QS-2,,shop,,Sơn Hà,,,,,\n"
        "\n"
        "QS-3,Quán karaoke,karaoke,,Sơn Hà,,,,,\n"
        "QS-4,Nhà văn hóa bản Bơ,village_cultural_house,,Sơn Hà,20.2x,104.9,,,\n"
        "QS-5,Chợ Trung Xuân,market,,Trung Xuân,,,,,\n"
    )
    result = cli("import-venues", write_csv(tmp_path, text))
    assert result.exit_code == 1
    assert "Row 3: The name is empty." in result.output
    # The blank line is row 4: numbers are those a spreadsheet shows.
    assert "Row 5: “karaoke” is not a venue type." in result.output
    assert "Row 6: latitude “20.2x” is not a number." in result.output
    assert "Row 2" not in result.output and "Row 7" not in result.output
    assert "2 venues imported, 3 rows refused" in result.output
    assert {v.code for v in db.session.scalars(select(Venue))} == {"QS-1", "QS-5"}


def test_import_venues_refuses_duplicate_codes(cli, quan_son, make_venue, tmp_path):
    make_venue(code="QS-OLD")
    text = (
        "code,name,commune\n"
        "QS-OLD,Chợ cũ,Sơn Hà\n"
        "QS-NEW,Chợ mới,Sơn Hà\n"
        "QS-TWICE,Nhà sách A,Sơn Lư\n"
        "QS-TWICE,Nhà sách B,Sơn Lư\n"
    )
    result = cli("import-venues", write_csv(tmp_path, text))
    assert result.exit_code == 1
    assert "Row 2: The code QS-OLD is already registered." in result.output
    assert "Row 4: The code QS-TWICE is also on row 5." in result.output
    assert "Row 5: The code QS-TWICE is also on row 4." in result.output
    assert sorted(db.session.scalars(select(Venue.code))) == ["QS-NEW", "QS-OLD"]
    assert venue("QS-OLD").name == "Chợ Sơn Hà"


def test_import_venues_refuses_an_unknown_commune(cli, quan_son, other_district, tmp_path):
    text = "code,name,commune\nQS-1,UBND xã Chiềng Đông,Chiềng Đông\nQS-2,Chợ,Xã Hà Sơn\n"
    result = cli("import-venues", write_csv(tmp_path, text), "--district", "quan son")
    assert result.exit_code == 1
    # Chiềng Đông is a commune, but of Yên Châu: not of the district being imported.
    assert "Row 2: “Chiềng Đông” is not a commune of Quan Sơn." in result.output
    assert "Row 3: “Xã Hà Sơn” is not a commune of Quan Sơn." in result.output
    assert count(Venue) == 0


def test_import_venues_refuses_a_file_without_the_required_columns(cli, quan_son, tmp_path):
    text = "code,tên địa điểm,địa chỉ\nQS-1,Chợ Sơn Hà,Bản Na Hồ\n"
    result = cli("import-venues", write_csv(tmp_path, text))
    assert result.exit_code == 1
    assert "no column for: commune / xã" in result.output
    assert "nothing was imported" in result.output
    assert count(Venue) == 0


def test_import_venues_reads_vietnamese_headers_and_names(cli, quan_son, tmp_path):
    text = (
        "Mã,Tên địa điểm,Loại hình,Địa chỉ,Xã/Phường/Thị trấn,Vĩ độ,Kinh độ,"
        "Người liên hệ,Số điện thoại,Nội dung mã QR\n"
        "QS-1,Chợ Sơn Hà,Chợ,Bản Na Hồ,Xã Sơn Hà,20.24,104.9,Hà Thị Lan,0987654321,PCCOVID|1\n"
        "QS-2,Trạm Y tế xã Sơn Hà,tram y te,Bản Bơ,son ha,,,,,\n"
        "QS-3,Nhà văn hóa khu 1,Nhà văn hóa thôn,Khu 1,THỊ TRẤN SƠN LƯ,,,,,\n"
        "QS-4,Siêu thị mini Minh Anh,Mini-supermarket,Khu 2,tt Sơn Lư,,,,,\n"
        "QS-5,UBND xã Trung Xuân,Cơ quan nhà nước,,trung xuan,,,,,\n"
    )
    result = cli("import-venues", write_csv(tmp_path, text))
    assert result.exit_code == 0, result.output
    found = {v.code: (v.venue_type, v.commune.name) for v in db.session.scalars(select(Venue))}
    assert found == {
        "QS-1": ("market", "Sơn Hà"),
        "QS-2": ("health_station", "Sơn Hà"),
        "QS-3": ("village_cultural_house", "Sơn Lư"),
        "QS-4": ("mini_supermarket", "Sơn Lư"),
        "QS-5": ("government_office", "Trung Xuân"),
    }
    assert venue("QS-1").contact_phone == "0987654321"
    assert venue("QS-1").qr_payload == "PCCOVID|1"


def test_import_venues_reads_excel_semicolons_and_decimal_commas(cli, quan_son, tmp_path):
    text = "Mã;Tên;Xã;Vĩ độ;Kinh độ\nQS-1;Chợ Sơn Hà;Sơn Hà;20,2401;104,9052\n"
    result = cli("import-venues", write_csv(tmp_path, text))
    assert result.exit_code == 0, result.output
    assert (venue("QS-1").latitude, venue("QS-1").longitude) == (20.2401, 104.9052)


def test_import_venues_needs_a_district_when_there_are_several(
    cli, quan_son, other_district, tmp_path
):
    result = cli("import-venues", write_csv(tmp_path, GOOD_CSV))
    assert result.exit_code == 2
    assert "--district" in result.output
    result = cli("import-venues", write_csv(tmp_path, GOOD_CSV), "--district", "Hà Nội")
    assert result.exit_code == 2
    assert "No district named Hà Nội" in result.output
    assert count(Venue) == 0


# create-user


def test_create_user_creates_an_account_that_can_log_in(cli, quan_son, client):
    result = cli(
        "create-user",
        "Lan.Ha",
        "--role",
        "supervisor",
        "--district",
        "quan son",
        "--display-name",
        "Hà Thị Lan",
        "--password",
        "mat-khau-123",
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.username == "lan.ha"))
    assert (user.role, user.display_name, user.district) == ("supervisor", "Hà Thị Lan", quan_son)
    assert user.check_password("mat-khau-123") and user.locale == "vi"
    response = client.post("/login", data={"username": "lan.ha", "password": "mat-khau-123"})
    assert response.status_code == 303


def test_create_user_makes_a_province_supervisor(cli, quan_son):
    result = cli(
        "create-user",
        "tinh",
        "--role",
        "supervisor",
        "--district",
        "Quan Sơn",
        "--province-wide",
        "--password",
        "mat-khau-123",
    )
    assert result.exit_code == 0, result.output
    assert "Created supervisor tinh in the province Thanh Hóa." in result.output
    user = db.session.scalar(select(User).where(User.username == "tinh"))
    assert user.sees_province and user.district_ids == [quan_son.id]


def test_create_user_asks_for_the_password_when_not_given(cli, quan_son):
    result = cli(
        "create-user",
        "thanh",
        "--role",
        "inspector",
        "--district",
        "Quan Sơn",
        input="bi-mat-nam-2021\nbi-mat-nam-2021\n",
    )
    assert result.exit_code == 0, result.output
    assert "bi-mat-nam-2021" not in result.output  # typed hidden
    user = db.session.scalar(select(User).where(User.username == "thanh"))
    assert user.check_password("bi-mat-nam-2021") and user.display_name == "thanh"


@pytest.mark.parametrize(
    ("args", "exit_code", "message"),
    [
        (["--role", "boss", "--district", "Quan Sơn"], 2, "'boss' is not one of"),
        (["--role", "admin", "--district", "Yên Bái"], 2, "No district named Yên Bái"),
        (["--role", "admin", "--district", "Quan Sơn", "--password", "short"], 2, "at least 12"),
        (
            ["--role", "inspector", "--district", "Quan Sơn", "--province-wide"],
            2,
            "Only supervisors can see a whole province",
        ),
    ],
)
def test_create_user_refuses_bad_input(cli, quan_son, args, exit_code, message):
    result = cli(
        "create-user",
        "duc",
        *args,
        *(["--password", "long-enough-pw"] if "--password" not in args else []),
    )
    assert result.exit_code == exit_code
    assert message in result.output
    assert count(User) == 0


def test_create_user_refuses_a_taken_username(cli, make_user):
    make_user(username="inspector")
    result = cli(
        "create-user",
        "Inspector",
        "--role",
        "admin",
        "--district",
        "Quan Sơn",
        "--password",
        "long-enough-pw",
    )
    assert result.exit_code == 1
    assert "taken" in result.output
    assert count(User) == 1


# import-stats and report

FIGURES = Path(__file__).parent / "fixtures" / "figures"


def test_import_stats_prints_what_it_imported(cli, quan_son):
    result = cli(
        "import-stats",
        str(FIGURES / "quan_son_2021-11-05.csv"),
        "--district",
        "Quan Sơn",
        "--date",
        "05/11/2021",
    )
    assert result.exit_code == 0, result.output
    assert "Quan Sơn, 05/11/2021: imported 3 communes, refused 0 rows." in result.output
    assert "row 3: Sơn Lư: 2000 venues with QR, 10000 scans" in result.output
    again = cli("import-stats", str(FIGURES / "quan_son_2021-11-05.csv"), "--date", "05/11/2021")
    assert again.exit_code == 0 and "(replaced)" in again.output
    assert count(CommuneFigures) == 3


def test_import_stats_refusals_exit_non_zero(cli, quan_son, tmp_path):
    sheet = tmp_path / "tuan.csv"
    sheet.write_text(
        "Xã,Tổng số địa điểm tạo mã QR,Tổng lượt quét\nSơn Hà,10,20\nNa Mèo,5,5\nSơn Lư,-1,3\n",
        encoding="utf-8",
    )
    result = cli("import-stats", str(sheet), "--date", "05/11/2021")
    assert result.exit_code == 1
    assert "imported 1 communes, refused 2 rows." in result.output
    assert "row 3: refused: Na Mèo matches no commune of Quan Sơn" in result.output
    assert "row 4: refused: Venues with a QR code: “-1” is not a whole number" in result.output
    assert count(CommuneFigures) == 1


def test_import_stats_maps_an_unrecognised_header(cli, quan_son, tmp_path):
    sheet = tmp_path / "tuan.csv"
    sheet.write_text("Xã,Tổng số địa điểm tạo mã QR,Lượt qét\nSơn Hà,10,20\n", encoding="utf-8")
    unmapped = cli("import-stats", str(sheet), "--date", "05/11/2021")
    assert unmapped.exit_code == 1 and "No column recognised for: scans" in unmapped.output
    assert "Headers (row 1): Xã | Tổng số địa điểm tạo mã QR | Lượt qét" in unmapped.output
    mapped = cli("import-stats", str(sheet), "--date", "05/11/2021", "--column", 'scans="lượt qét"')
    assert mapped.exit_code == 0, mapped.output
    assert db.session.scalar(select(CommuneFigures.scans)) == 20
    wrong = cli("import-stats", str(sheet), "--date", "05/11/2021", "--column", "scans=Quét")
    assert wrong.exit_code == 2 and "No column headed 'Quét'" in wrong.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--date", "31/02/2021"], "not a date as DD/MM/YYYY"),
        (["--date", "01/01/2099"], "is in the future. Nothing was imported."),
    ],
)
def test_import_stats_bad_dates_import_nothing(cli, quan_son, args, message):
    result = cli("import-stats", str(FIGURES / "quan_son_2021-11-05.csv"), *args)
    assert result.exit_code != 0 and message in result.output
    assert count(CommuneFigures) == 0


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "pdf", "docx"])
def test_report_writes_each_format(cli, quan_son, tmp_path, fmt):
    cli("import-stats", str(FIGURES / "quan_son_2021-11-05.csv"), "--date", "05/11/2021")
    out = tmp_path / f"bao-cao.{fmt}"
    result = cli(
        "report", "--district", "quan son", "--date", "05/11/2021", "--format", fmt, "-o", str(out)
    )
    assert result.exit_code == 0, result.output
    assert "(Quan Sơn, 05/11/2021, 3 of 3 rows with figures)" in result.output
    content = out.read_bytes()
    if fmt == "csv":
        assert content.startswith(b"\xef\xbb\xbfSTT,Huy\xe1\xbb\x87n,")
        assert "Tổng cộng,,,4200,17000" in content.decode("utf-8-sig")
    elif fmt == "xlsx":
        assert load_workbook(out)["Phụ lục"]["E5"].value == 4000
    elif fmt == "docx":
        assert content.startswith(b"PK") and b"word/document.xml" in content
    else:
        assert content.startswith(b"%PDF")


def test_report_for_a_province(cli, quan_son, tmp_path):
    cli("import-stats", str(FIGURES / "quan_son_2021-11-05.csv"), "--date", "05/11/2021")
    out = tmp_path / "tinh.csv"
    result = cli(
        "report",
        "--province",
        "thanh hoa",
        "--date",
        "05/11/2021",
        "--format",
        "csv",
        "-o",
        str(out),
    )
    assert result.exit_code == 0, result.output
    assert "1,Huyện Quan Sơn,4200,17000" in out.read_text(encoding="utf-8-sig")


def test_seed_demo_has_three_weeks_of_figures_and_a_neighbour_district(seeded):

    dates = sorted(set(db.session.scalars(select(CommuneFigures.report_date))))
    assert len(dates) == 3 and all(d.weekday() == 4 for d in dates)  # Fridays
    quan_son = db.session.scalar(select(District).where(District.name == "Quan Sơn"))
    report = district_report(quan_son, dates[-1])
    assert len(report.rows_with_figures) == 12 and report.previous_date == dates[-2]
    assert report.total.scans_change > 0 and report.total.findings.venues_inspected >= 0
    province = province_report(quan_son.province, dates[-1])
    assert [row.name for row in province.rows] == ["Cẩm Thủy", "Quan Sơn"]


# uploads-orphans


def test_uploads_orphans_lists_then_removes_only_old_folders_no_finding_uses(
    cli, app, record_finding, login, make_venue
):
    login()
    inspection = record_finding(make_venue("Chợ Sơn Hà"))
    root = Path(app.config["UPLOAD_FOLDER"])
    recorded = root / inspection.uuid
    old_orphan = root / "0b6f4a4e-2b7e-4f43-9d1c-6a0f3c1f5e11"
    new_orphan = root / "5d1a2c3b-7e8f-4a9b-8c7d-6e5f4a3b2c1d"
    for folder in (old_orphan, new_orphan):
        folder.mkdir(parents=True)
        (folder / "abc.jpg").write_bytes(b"photo")
    two_days_ago = time.time() - 2 * 24 * 3600
    for path in (old_orphan / "abc.jpg", old_orphan, *recorded.iterdir(), recorded):
        os.utime(path, (two_days_ago, two_days_ago))

    listed = cli("uploads-orphans")
    assert listed.exit_code == 0, listed.output
    assert f"{old_orphan.name}/  1 files" in listed.output
    assert "1 folders: run with --remove" in listed.output
    assert new_orphan.name not in listed.output and recorded.name not in listed.output
    assert old_orphan.is_dir()  # listing deletes nothing

    removed = cli("uploads-orphans", "--remove")
    assert removed.exit_code == 0 and "Removed 1 folders." in removed.output
    assert not old_orphan.exists()
    assert new_orphan.is_dir()  # a finding being written is never touched
    for photo in inspection.photos:
        assert (root / photo.path).is_file()
    assert "No orphan upload folders." in cli("uploads-orphans").output


# passwords at the command line


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("x" * 129, "at most 128"),
        ("Qwerty123456", "too common"),
        ("1qaz2wsx3edc", "too common"),
        ("Duc.Nguyen.01", "cannot be the username"),
    ],
)
def test_create_user_applies_the_password_rules(cli, quan_son, password, message):
    result = cli(
        "create-user",
        "duc.nguyen.01",
        "--role",
        "inspector",
        "--district",
        "Quan Sơn",
        "--password",
        password,
    )
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert count(User) == 0


def test_set_password_changes_it_and_applies_the_rules(cli, make_user):
    user = make_user()
    version = user.session_version
    refused = cli("set-password", "inspector", "--password", "123qweasdzxc")
    assert refused.exit_code == 2 and "too common" in refused.output
    result = cli("set-password", "Inspector", input="song-ma-ben-bo\nsong-ma-ben-bo\n")
    assert result.exit_code == 0, result.output
    assert "song-ma-ben-bo" not in result.output
    db.session.refresh(user)
    assert user.check_password("song-ma-ben-bo") and user.session_version > version
    assert cli("set-password", "nobody", "--password", "song-ma-ben-bo").exit_code == 2


def test_disable_user_and_enable_again(cli, make_user, make_venue, client):
    user = make_user()
    market = make_venue("Chợ Sơn Hà", code="QS-SH-0001")
    boss = make_user("truong-phong", role="supervisor")
    (visit,) = assign([market], user, date(2099, 1, 1), "", boss, date(2098, 12, 1))
    db.session.commit()
    result = cli("disable-user", "inspector")
    assert result.exit_code == 0, result.output
    db.session.refresh(user)
    assert not user.is_enabled
    # Nobody can do a disabled account's visits: they are cancelled, and named.
    assert "Cancelled their open assignment: QS-SH-0001 Chợ Sơn Hà" in result.output
    again = cli("disable-user", "inspector")  # already disabled: said, not audited twice
    assert again.exit_code == 0 and "inspector is already disabled." in again.output
    disabled = select(AuditEntry).where(AuditEntry.action == "user_disabled")
    assert len(db.session.scalars(disabled).all()) == 1
    assert db.session.get(type(visit), visit.id).closed_at is not None
    login = {"username": "inspector", "password": PASSWORD}
    assert client.post("/login", data=login).status_code == 422
    assert cli("disable-user", "inspector", "--enable").exit_code == 0
    assert client.post("/login", data=login).status_code == 303
