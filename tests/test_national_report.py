"""The national summary (one row per province), province reports by id, reports of a month,
and the national supervisor who reads them."""

import csv
import io
import re
import uuid
from datetime import date, datetime

import pytest
from sqlalchemy import event, func, select

from fieldapp import access
from fieldapp.extensions import db
from fieldapp.inspections.service import Position, Submission, submit_finding
from fieldapp.models import Commune, CommuneFigures, District, Province, User, Venue
from fieldapp.reports.weekly import (
    Findings,
    district_month_report,
    district_report,
    month_bounds,
    national_month_report,
    national_report,
    province_month_report,
    province_report,
)
from fieldapp.users.service import AccountProblem, create_user_with_one_time_password

OCTOBER_END = date(2026, 10, 30)
NOV_6 = date(2026, 11, 6)
NOV_13 = date(2026, 11, 13)
NOVEMBER = date(2026, 11, 1)
PROVINCES = ("Thanh Hóa", "Sơn La", "Đắk Nông", "Quảng Ngãi", "Bắc Kạn", "An Giang", "Điện Biên")


def make_country(provinces: int, districts: int, communes: int, figures=True) -> list[Province]:
    """`provinces` provinces of `districts` districts of `communes` communes each, with
    national figures: every commune on 30/10 and 13/11, most on 6/11 too (communes
    report unevenly), growing with the commune's number."""
    made = []
    n = 0
    taken = set(db.session.scalars(select(Province.name)))
    names = [name for name in PROVINCES if name not in taken]
    offset = len(taken)
    for p in range(provinces):
        name = names[p] if p < len(names) else f"Tỉnh số {offset + p + 1}"
        province = Province(name=name)
        for d in range(districts):
            district = District(name=f"Huyện {d + 1} {name}", province=province)
            for c in range(communes):
                n += 1
                commune = Commune(name=f"Xã {c + 1}", kind="xa", district=district)
                db.session.add(commune)
                if not figures:
                    continue
                days = [OCTOBER_END, NOV_13] + ([NOV_6] if n % 4 else [])
                for week, day in enumerate(sorted(days)):
                    db.session.add(
                        CommuneFigures(
                            commune=commune,
                            report_date=day,
                            venues_with_qr=10 + n + week,
                            scans=100 * n + 37 * week,
                            installs=50 + n,
                            smartphones=200 + 2 * n,
                        )
                    )
        made.append(province)
    db.session.add_all(made)
    db.session.commit()
    return made


def record(venue: Venue, inspector: User, received_at: datetime, **answers) -> None:
    """A finding through the one service every finding goes through, received at a moment."""
    given = {
        "qr_posted": "visible",
        "qr_matches": "yes",
        "checkin_method": "visitors_scan",
        "qr_size_ok": True,
        "staff_assigned": True,
        "staff_name": "Lò Văn Hùng",
        "staff_phone": "0912345678",
        "visitors_observed": 10,
        "visitors_scanned": 7,
        "venue_scan_count": None,
        "staff_total": 4,
        "staff_with_app": 4,
        "paper_fallback": True,
        "risk_assessment_done": None,
        "actions": [],
        "reinspection_due": None,
        "notes": "",
        "scanned_payload": "",
        **answers,
    }
    submission = Submission(
        uuid=str(uuid.uuid4()),
        answers=given,
        position=Position(None, None, None),
        device_time=received_at,
    )
    result = submit_finding(
        venue, inspector, submission, photos_required=False, received_at=received_at
    )
    assert result.status == "created", result
    db.session.commit()


def add_venue(commune: Commune, name: str) -> Venue:
    count = db.session.scalar(select(func.count()).select_from(Venue))
    venue = Venue(
        code=f"VN-{count + 1:05d}",
        name=name,
        venue_type="market",
        commune=commune,
        address="Thôn 1",
        qr_payload=f"PCCOVID|VN-{count + 1:05d}",
    )
    db.session.add(venue)
    db.session.commit()
    return venue


@pytest.fixture
def country(app, make_user):
    """Three provinces of two districts of three communes, with figures and findings: in
    October, in the week to 13/11, and at the very end of November (Vietnam time); and
    Thanh Hóa, whose Quan Sơn has neither."""
    provinces = make_country(3, 2, 3)
    inspector = make_user("thanh", role="inspector", district=provinces[0].districts[0])
    communes = [c for p in provinces for d in p.districts for c in d.communes]
    moments = (
        datetime(2026, 10, 20, 3, 0),
        datetime(2026, 11, 10, 3, 0),
        datetime(2026, 11, 30, 16, 0),  # 23:00 on 30/11 in Vietnam
    )
    for n, commune in enumerate(communes):
        if n % 3 == 2:
            continue
        venue = add_venue(commune, f"Chợ {commune.name} {n}")
        for m, moment in enumerate(moments):
            record(
                venue,
                inspector,
                moment,
                qr_posted="visible" if (n + m) % 2 else "hidden",
                staff_assigned=bool(n % 2),
            )
    return provinces


MEASURES = ("venues_with_qr", "scans", "installs", "smartphones", "venues_delta", "scans_delta")


def totals(reports) -> dict:
    """The sum of the reports' totals: figures, changes and findings."""
    summed = dict.fromkeys(MEASURES, 0)
    found, before = Findings(), Findings()
    for report in reports:
        for name in MEASURES:
            summed[name] += getattr(report.total, name) or 0
        found.add(report.total.findings)
        before.add(report.total.previous_findings)
    return {**summed, "findings": found, "previous": before}


def assert_adds_up(national, provinces, districts_of) -> None:
    """The nation = the sum of its provinces = the sum of their districts, row by row too."""
    assert totals([national]) == totals(provinces)
    for row, report in zip(national.rows, provinces, strict=True):
        assert row.name == report.area_name
        assert totals([report]) == totals(districts_of(report))
        assert (row.scans, row.venues_with_qr, row.findings) == (
            report.total.scans,
            report.total.venues_with_qr,
            report.total.findings,
        )


def province_named(name: str) -> Province:
    return db.session.scalar(select(Province).where(Province.name == name))


def test_a_date_s_national_report_is_the_sum_of_its_provinces_and_districts(country):
    national = national_report(NOV_13)
    assert [row.name for row in national.rows] == ["Đắk Nông", "Quảng Ngãi", "Sơn La", "Thanh Hóa"]
    assert [row.has_figures for row in national.rows] == [True, True, True, False]
    assert national.level == "country" and national.area_name == "Việt Nam"
    provinces = [province_report(province_named(row.name), NOV_13) for row in national.rows]
    assert_adds_up(
        national,
        provinces,
        lambda report: [
            district_report(d, NOV_13) for d in province_named(report.area_name).districts
        ],
    )
    assert national.total.findings.venues_inspected == 12  # the finding of 10/11
    assert national.total.scans == sum(100 * n + 37 * 2 for n in range(1, 19)) - 37 * 4
    assert national.previous_date == NOV_6 and national.total.compared


def test_a_month_s_national_report_is_the_sum_of_its_provinces_and_districts(country):
    national = national_month_report(NOVEMBER)
    assert national.month == NOVEMBER and national.report_date == date(2026, 11, 30)
    provinces = [province_month_report(province_named(row.name), NOVEMBER) for row in national.rows]
    assert_adds_up(
        national,
        provinces,
        lambda report: [
            district_month_report(d, NOVEMBER) for d in province_named(report.area_name).districts
        ],
    )
    # Both November findings of each venue count once (its latest); October's do not.
    assert national.total.findings.venues_inspected == 12
    assert national.total.previous_findings.venues_inspected == 12  # October's
    # Each commune's latest figures of the month (13/11) against its latest before (30/10).
    assert national.total.scans == national_report(NOV_13).total.scans
    assert national.previous_date == OCTOBER_END


def test_a_month_takes_each_commune_s_latest_figures_within_it(app):
    make_country(1, 1, 2, figures=False)
    first, second = db.session.scalars(select(Commune).order_by(Commune.id)).all()
    for commune, day, scans in (
        (first, date(2026, 10, 30), 100),
        (first, date(2026, 11, 6), 150),
        (first, date(2026, 11, 27), 400),
        (first, date(2026, 12, 4), 900),  # after the month: not November's
        (second, date(2026, 10, 23), 50),  # nothing in November: no figures, no change
    ):
        db.session.add(
            CommuneFigures(commune=commune, report_date=day, venues_with_qr=1, scans=scans)
        )
    db.session.commit()
    report = district_month_report(first.district, NOVEMBER)
    by_name = {row.name: row for row in report.rows}
    assert by_name[first.name].scans == 400 and by_name[first.name].scans_change == 300
    assert not by_name[second.name].has_figures and by_name[second.name].scans_change is None
    assert report.total.scans == 400 and report.previous_date == date(2026, 10, 30)
    empty = district_month_report(first.district, date(2027, 1, 1))
    assert not empty.has_figures and empty.total.scans is None


def test_month_boundaries_are_in_vietnam_time(app, make_user):
    make_country(1, 1, 1, figures=False)
    commune = db.session.scalar(select(Commune))
    inspector = make_user("thanh", role="inspector", district=commune.district)
    last_of_november = add_venue(commune, "Chợ cuối tháng")
    first_of_november = add_venue(commune, "Chợ đầu tháng")
    first_of_december = add_venue(commune, "Chợ tháng mười hai")
    record(last_of_november, inspector, datetime(2026, 11, 30, 16, 59))  # 23:59
    record(first_of_november, inspector, datetime(2026, 10, 31, 17, 0))  # 00:00
    record(first_of_december, inspector, datetime(2026, 11, 30, 17, 0))  # 00:00
    district = commune.district
    assert district_month_report(district, NOVEMBER).total.findings.venues_inspected == 2
    december = district_month_report(district, date(2026, 12, 1))
    assert december.total.findings.venues_inspected == 1
    assert december.total.previous_findings.venues_inspected == 2
    assert district_month_report(district, date(2026, 10, 1)).total.findings.venues_inspected == 0


def test_month_bounds():
    assert month_bounds(date(2026, 2, 14)) == (date(2026, 2, 1), date(2026, 2, 28))
    assert month_bounds(date(2028, 2, 1)) == (date(2028, 2, 1), date(2028, 2, 29))
    assert month_bounds(date(2026, 12, 31)) == (date(2026, 12, 1), date(2026, 12, 31))


# At national scale: a handful of queries whatever the number of units ---------------------


def statements_of(build) -> int:
    """How many SQL statements building a report runs."""
    count = 0

    def counted(*_args):
        nonlocal count
        count += 1

    db.session.expire_all()
    event.listen(db.engine, "before_cursor_execute", counted)
    try:
        report = build()
    finally:
        event.remove(db.engine, "before_cursor_execute", counted)
    assert report.rows
    return count


@pytest.mark.parametrize(
    "build",
    [
        lambda: national_report(NOV_13),
        lambda: national_month_report(NOVEMBER),
        lambda: province_report(province_named("Thanh Hóa"), NOV_13),
        lambda: province_month_report(province_named("Thanh Hóa"), NOVEMBER),
    ],
    ids=["national date", "national month", "province date", "province month"],
)
def test_the_number_of_queries_does_not_grow_with_the_country(app, build):
    make_country(5, 4, 3)
    small = statements_of(build)
    make_country(5, 4, 3)  # twice the provinces, districts and communes
    assert statements_of(build) == small <= 10


def test_the_national_page_runs_as_many_queries_for_twice_the_country(
    app, client, login, make_user, queries
):
    provinces = make_country(5, 4, 3)
    login(make_user("quoc", role="supervisor", district=provinces[0].districts[0], scope="country"))
    db.session.expire_all()  # as in any request: nothing loaded yet
    queries.clear()
    assert client.get("/reports/country/2026-11-13").status_code == 200
    small = len(queries)
    make_country(5, 4, 3)
    db.session.expire_all()
    queries.clear()
    page = client.get("/reports/country/2026-11-13")
    assert page.status_code == 200 and len(queries) == small
    links = set(
        re.findall(r'href="(/reports/province/\d+/2026-11-13)"', page.get_data(as_text=True))
    )
    assert len(links) == 11  # Thanh Hóa (Quan Sơn) and ten made here


# Who sees what -----------------------------------------------------------------------------


@pytest.fixture
def national(country, make_user, login):
    home = country[0].districts[0]
    return login(make_user("quoc", role="supervisor", district=home, scope="country"))


def test_a_national_supervisor_sees_every_district(country, make_user):
    user = make_user("quoc", role="supervisor", district=country[1].districts[0], scope="country")
    all_ids = set(db.session.scalars(select(District.id)))
    assert set(user.district_ids) == all_ids and len(all_ids) == 7
    assert user.sees_country and user.sees_province and user.area_name == "Việt Nam"
    inspector = make_user("i", role="inspector", district=country[1].districts[0], scope="country")
    assert not inspector.sees_country and inspector.district_ids == [inspector.district_id]


def test_the_national_page_links_down_to_provinces_then_districts(client, national, country):
    page = client.get("/reports/country/2026-11-13").get_data(as_text=True)
    son_la = province_named("Sơn La")
    assert f'href="/reports/province/{son_la.id}/2026-11-13"' in page
    assert "trên địa bàn cả nước tính đến ngày 13/11/2026" in page
    province_page = client.get(f"/reports/province/{son_la.id}/2026-11-13")
    html = province_page.get_data(as_text=True)
    assert province_page.status_code == 200 and "tỉnh Sơn La" in html
    for district in son_la.districts:
        assert f'href="/reports/{district.id}/2026-11-13"' in html
    assert 'href="/reports/country/2026-11-13"' in html  # the way back up
    district = son_la.districts[0]
    district_page = client.get(f"/reports/{district.id}/2026-11-13").get_data(as_text=True)
    assert f'href="/reports/province/{son_la.id}/2026-11-13"' in district_page
    month = client.get(f"/reports/province/{son_la.id}/month/2026-11").get_data(as_text=True)
    assert "tỉnh Sơn La trong tháng 11/2026" in month
    assert f'href="/reports/{district.id}/month/2026-11"' in month
    assert 'href="/reports/country/month/2026-11"' in month


def test_the_national_exports(client, national, country):
    rows = list(
        csv.reader(
            io.StringIO(client.get("/reports/country/2026-11-13.csv").data.decode("utf-8-sig"))
        )
    )
    assert rows[0][:4] == ["STT", "Tỉnh, thành phố", "Tổng số địa điểm tạo mã QR", "Tổng lượt quét"]
    assert [row[1] for row in rows[1:]] == [
        "Tỉnh Đắk Nông",
        "Tỉnh Quảng Ngãi",
        "Tỉnh Sơn La",
        "Tỉnh Thanh Hóa",
        "",
    ]
    assert rows[-1][0] == "Tổng cộng" and int(rows[-1][3]) == national_report(NOV_13).total.scans
    month = client.get("/reports/country/month/2026-11.xlsx")
    assert month.status_code == 200
    assert 'filename="bao-cao-viet-nam-2026-11.xlsx"' in month.headers["Content-Disposition"]
    pdf = client.get(f"/reports/province/{country[0].id}/month/2026-11.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")


@pytest.mark.parametrize("scope", ["district", "province"])
def test_others_get_no_national_summary(client, login, make_user, country, scope):
    home = country[0].districts[0]
    login(make_user("giam-sat", role="supervisor", district=home, scope=scope))
    for url in (
        "/reports/country/2026-11-13",
        "/reports/country/month/2026-11",
        "/reports/country/2026-11-13.csv",
    ):
        assert client.get(url).status_code == 403
    other = country[1]
    expected = 404 if scope == "province" else 403
    assert client.get(f"/reports/province/{other.id}/2026-11-13").status_code == expected
    assert client.get(f"/reports/province/{other.id}/month/2026-11").status_code == expected
    assert client.get(f"/reports/{other.districts[0].id}/month/2026-11").status_code == 404
    own = 200 if scope == "province" else 403
    assert client.get(f"/reports/province/{country[0].id}/month/2026-11").status_code == own
    assert client.get(f"/reports/{home.id}/month/2026-11").status_code == 200


@pytest.mark.parametrize(
    "url",
    [
        "/reports/country/month/2026-13",
        "/reports/country/month/0000-01",
        "/reports/country/month/2026-00",
        "/reports/country/month/1999-12",
        "/reports/country/month/2026-1",
        "/reports/country/month/2026-13.csv",
        "/reports/province/{p}/month/2026-13",
        "/reports/province/999999/month/2026-11",
        "/reports/{d}/month/0000-01",
        "/reports/country/2026-02-30",
    ],
)
def test_a_month_that_does_not_exist_is_not_found(client, national, country, url):
    url = url.format(p=country[0].id, d=country[0].districts[0].id)
    assert client.get(url).status_code == 404


def test_the_reports_index_offers_the_latest_dates_and_months(
    client, national, login, make_user, country
):
    page = client.get("/reports").get_data(as_text=True)
    assert 'href="/reports/country/2026-11-13"' in page
    assert 'href="/reports/country/month/2026-11"' in page
    assert 'href="/reports/country/month/2026-10"' in page
    login(make_user("tinh", role="supervisor", district=country[1].districts[0], scope="province"))
    page = client.get("/reports").get_data(as_text=True)
    assert f'href="/reports/province/{country[1].id}/month/2026-11"' in page
    assert "/reports/country/" not in page


def test_an_empty_month_says_so(client, national):
    page = client.get("/reports/country/month/2026-03")
    assert page.status_code == 200
    assert "Chưa có số liệu của hệ thống quốc gia cho tháng 03/2026." in page.get_data(as_text=True)


# National accounts are made at the command line only ---------------------------------------


def test_an_admin_cannot_make_a_national_account(client, login, make_user, quan_son):
    login(make_user("admin", role="admin"))
    response = client.post(
        "/users/new",
        data={
            "username": "quoc",
            "display_name": "Quốc",
            "role": "supervisor",
            "scope": "country",
            "district_id": str(quan_son.id),
        },
    )
    assert response.status_code == 422
    assert db.session.scalar(select(User).where(User.username == "quoc")) is None
    with pytest.raises(AccountProblem):
        create_user_with_one_time_password("quoc", "Quốc", "supervisor", quan_son, "country")
    supervisor = make_user("mai", role="supervisor")
    response = client.post(
        f"/users/{supervisor.id}",
        data={"display_name": "Mai", "role": "supervisor", "scope": "country"},
    )
    assert response.status_code == 422
    db.session.refresh(supervisor)
    assert supervisor.scope == "district"


def test_an_admin_does_not_manage_a_national_account(client, login, make_user, quan_son):
    national = make_user("quoc", role="supervisor", scope="country")
    login(make_user("admin", role="admin"))
    assert client.get(f"/users/{national.id}").status_code == 404
    assert client.post(f"/users/{national.id}/reset-password").status_code == 404
    assert client.post(f"/users/{national.id}/disable", data={"confirm": "yes"}).status_code == 404
    assert "quoc" not in client.get("/users").get_data(as_text=True)


def test_the_command_line_makes_a_national_supervisor(app, quan_son):
    runner = app.test_cli_runner()
    args = ["create-user", "quoc", "--role", "supervisor", "--district", "Quan Sơn"]
    result = runner.invoke(
        args=[*args, "--scope", "country", "--password", "mat-khau-ca-nuoc-2021"]
    )
    assert result.exit_code == 0, result.output
    assert "Created supervisor quoc in the whole country." in result.output
    assert db.session.scalar(select(User).where(User.username == "quoc")).sees_country
    refused = runner.invoke(
        args=[
            "create-user",
            "thanh",
            "--role",
            "inspector",
            "--district",
            "Quan Sơn",
            "--scope",
            "country",
            "--password",
            "mat-khau-ca-nuoc-2021",
        ]
    )
    assert refused.exit_code == 2 and "Only supervisors can see the whole country" in refused.output


def test_the_command_line_writes_the_national_and_monthly_reports(app, country, tmp_path):
    runner = app.test_cli_runner()
    out = tmp_path / "ca-nuoc.csv"
    result = runner.invoke(
        args=["report", "--country", "--month", "2026-11", "--format", "csv", "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "(Việt Nam, 11/2026, 3 of 4 rows with figures)" in result.output
    rows = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    assert int(rows[-1][3]) == national_month_report(NOVEMBER).total.scans
    out = tmp_path / "son-la.pdf"
    result = runner.invoke(
        args=[
            "report",
            "--province",
            "Sơn La",
            "--month",
            "11/2026",
            "--format",
            "pdf",
            "-o",
            str(out),
        ]
    )
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"%PDF")
    for args in (["--month", "2026-13"], ["--month", "2026-11", "--date", "13/11/2026"], []):
        result = runner.invoke(
            args=["report", "--country", *args, "--format", "csv", "-o", str(out)]
        )
        assert result.exit_code == 2, (args, result.output)


def test_the_chart_of_the_national_month_redraws_alone(client, national):
    response = client.get(
        "/reports/country/month/2026-11?measure=venues_with_qr", headers={"HX-Request": "true"}
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in html
    assert html.lstrip().startswith('<figure id="report-chart"') and "Sơn La" in html


@pytest.mark.parametrize("path", ["/venues", "/inspections"])
def test_a_national_scope_is_offered_no_list_of_every_commune(
    client, national, country, monkeypatch, path
):
    """The filters list a scope's communes up to access.PICKER_MAX: a national supervisor's
    ten thousand would weigh hundreds of kilobytes; a commune chosen elsewhere (in the URL)
    is kept in the form."""
    communes = db.session.scalars(select(Commune).order_by(Commune.id)).all()
    monkeypatch.setattr(access, "PICKER_MAX", len(communes))
    listed = client.get(path).get_data(as_text=True)
    assert f'<option value="{communes[-1].id}"' in listed
    monkeypatch.setattr(access, "PICKER_MAX", len(communes) - 1)
    page = client.get(f"{path}?commune={communes[0].id}").get_data(as_text=True)
    assert f'<option value="{communes[-1].id}"' not in page
    assert f'<input type="hidden" name="commune" value="{communes[0].id}">' in page


@pytest.mark.parametrize("path", ["/assignments", "/posters/queue"])
def test_the_office_s_forms_list_no_commune_for_a_national_scope(
    client, national, country, monkeypatch, path
):
    """The assignments' and the poster batches' commune pickers follow the same limit: a
    national scope's form has no commune list (all communes, or a commune from the venue
    list's filters)."""
    communes = db.session.scalars(select(Commune).order_by(Commune.id)).all()
    monkeypatch.setattr(access, "PICKER_MAX", len(communes))
    listed = client.get(path).get_data(as_text=True)
    assert f'<option value="{communes[-1].id}"' in listed
    monkeypatch.setattr(access, "PICKER_MAX", len(communes) - 1)
    response = client.get(path)
    assert response.status_code == 200
    assert f'<option value="{communes[-1].id}"' not in response.get_data(as_text=True)
