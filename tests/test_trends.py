"""Trends over the last report dates: the numbers per unit and for the area, the SVG on the
report page (and its fragment), the PDF drawing, the number of queries."""

import uuid
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pypdfium2
from reportlab.graphics import renderPDF

from fieldapp.extensions import db
from fieldapp.models import Commune, CommuneFigures, District, Inspection
from fieldapp.posters.render import PDF_FONTS, register_fonts
from fieldapp.reports.trends import (
    TREND_DATES,
    area_trends,
    report_trend_drawing,
    report_trends,
    trend_chart,
    trend_drawing,
    trend_measure,
)
from fieldapp.reports.weekly import (
    Area,
    district_month_report,
    national_report,
    province_report,
)
from tests.factories import commune_named

D1, D2, D3, D4 = date(2021, 10, 22), date(2021, 10, 29), date(2021, 11, 5), date(2021, 11, 12)


def add_figures(commune, day, venues, scans, installs=None, smartphones=None):
    db.session.add(
        CommuneFigures(
            commune=commune,
            report_date=day,
            venues_with_qr=venues,
            scans=scans,
            installs=installs,
            smartphones=smartphones,
        )
    )


def add_finding(venue, inspector, when: datetime, **answers):
    values = {
        "qr_posted": "visible",
        "qr_matches": "yes",
        "checkin_method": "visitors_scan",
        "staff_assigned": True,
        "outcome": "compliant",
        "visitors_observed": 10,
        "visitors_scanned": 8,
        **answers,
    }
    db.session.add(
        Inspection(
            uuid=str(uuid.uuid4()),
            venue_id=venue.id,
            inspector_id=inspector.id,
            server_time=when,
            **values,
        )
    )


def four_weeks(quan_son):
    """Quan Sơn's figures on four report dates; Sơn Lư sent none on D2."""
    son_ha, son_lu, trung_xuan = (
        commune_named(quan_son, name) for name in ("Sơn Hà", "Sơn Lư", "Trung Xuân")
    )
    for n, day in enumerate((D1, D2, D3, D4)):
        add_figures(son_ha, day, 100 + n, 1000 + 100 * n, 300 + 10 * n, 1000)
        if day != D2:
            add_figures(son_lu, day, 200 + n, 2000 + 200 * n, 500, 1000)
        add_figures(trung_xuan, day, 50, 400 + n)
    db.session.commit()


def test_a_districts_trends_per_commune_and_total(quan_son, make_user, make_venue):
    four_weeks(quan_son)
    inspector = make_user("inspector")
    market = make_venue("Chợ Sơn Hà")
    shop = make_venue("Quán Sơn Hà")
    add_finding(market, inspector, datetime(2021, 11, 1, 3))  # D3's period (30/10 to 05/11)
    add_finding(shop, inspector, datetime(2021, 11, 8, 3), outcome="non_compliant")  # D4's
    add_finding(market, inspector, datetime(2021, 11, 9, 3), visitors_scanned=2)  # D4's
    db.session.commit()

    trends = area_trends(Area.of_district(quan_son), D4)
    assert trends.dates == [D1, D2, D3, D4]
    scans = trends.series("scans")
    assert scans.total == [3400, 1501, 4002, 4303]  # D2 without Sơn Lư
    by_name = {unit.name: unit.values for unit in scans.units}
    assert by_name == {
        "Sơn Hà": [1000, 1100, 1200, 1300],
        "Sơn Lư": [2000, None, 2400, 2600],
        "Trung Xuân": [400, 401, 402, 403],
    }
    # In the official order: never imported, so by kind (thị trấn before xã), then name.
    assert [u.name for u in scans.units] == ["Sơn Lư", "Sơn Hà", "Trung Xuân"]
    assert trends.series("venues_with_qr").total == [350, 151, 354, 356]
    installs = trends.series("install_rate")
    # (300 + 500) / 2000 on D1; D2 only Sơn Hà's 310 / 1000; Trung Xuân has no installs.
    assert installs.total == [Decimal("40.0"), Decimal("31.0"), Decimal("41.0"), Decimal("41.5")]
    assert {u.name: u.values for u in installs.units}["Trung Xuân"] == [None] * 4
    compliant = trends.series("compliant_share")
    assert compliant.total == [None, None, Decimal("100.0"), Decimal("50.0")]
    rate = trends.series("scan_rate")
    assert rate.total == [None, None, Decimal("80.0"), Decimal("50.0")]  # (8 + 2) / 20
    assert {u.name: u.values for u in rate.units}["Trung Xuân"] == [None] * 4
    # Each date's period is the report's: from the day after the previous report date.
    assert [r.period_start for r in trends.reports] == [
        D1 - timedelta(days=6),
        D1 + timedelta(days=1),
        D2 + timedelta(days=1),
        D3 + timedelta(days=1),
    ]


def test_a_provinces_trends_per_district(quan_son, neighbour_district):
    four_weeks(quan_son)
    cam_chau = commune_named(neighbour_district, "Cẩm Châu")
    add_figures(cam_chau, D3, 10, 90)
    add_figures(cam_chau, D4, 12, 95)
    db.session.commit()
    trends = area_trends(Area.of_province(quan_son.province), D4)
    scans = trends.series("scans")
    assert trends.dates == [D1, D2, D3, D4]
    assert {u.name: u.values for u in scans.units} == {
        "Cẩm Thủy": [None, None, 90, 95],
        "Quan Sơn": [3400, 1501, 4002, 4303],
    }
    assert [u.name for u in scans.units] == ["Cẩm Thủy", "Quan Sơn"]  # Vietnamese order
    assert scans.total == [3400, 1501, 4092, 4398]
    # Up to an earlier date: the later ones are left out, the report's own date kept.
    earlier = area_trends(Area.of_province(quan_son.province), D3 + timedelta(days=1))
    assert earlier.dates == [D1, D2, D3, D3 + timedelta(days=1)]
    assert earlier.series("scans").total == [3400, 1501, 4092, None]


def test_only_the_last_eight_report_dates(quan_son):
    son_ha = commune_named(quan_son, "Sơn Hà")
    days = [date(2021, 9, 3) + timedelta(days=7 * n) for n in range(11)]
    for n, day in enumerate(days):
        add_figures(son_ha, day, 10, 100 * n)
    db.session.commit()
    trends = area_trends(Area.of_district(quan_son), days[9])
    assert trends.dates == days[2:10]
    assert len(trends.dates) == TREND_DATES
    assert trends.series("scans").total == [100 * n for n in range(2, 10)]


def test_a_bounded_number_of_queries_whatever_the_units(quan_son, neighbour_district, queries):
    four_weeks(quan_son)
    queries.clear()
    area_trends(Area.of_district(quan_son), D4)
    district_count = len(queries)
    for n in range(30):  # many more communes and districts with figures
        district = District(name=f"Huyện {n}", province=quan_son.province)
        commune = Commune(name=f"Xã {n}", district=district)
        db.session.add_all([district, commune])
        add_figures(commune, D3, 1, n)
        add_figures(commune, D4, 1, n)
    db.session.commit()
    queries.clear()
    trends = area_trends(Area.of_province(quan_son.province), D4)
    assert len(trends.series("scans").units) == 32
    assert len(queries) == district_count <= 4 + TREND_DATES


def test_the_chart_geometry(quan_son):
    four_weeks(quan_son)
    chart = trend_chart(area_trends(Area.of_district(quan_son), D4), "scans")
    assert [label for _x, label in chart.x_labels] == ["22/10", "29/10", "05/11", "12/11"]
    assert chart.total_text == "4.303"
    # The total's line is whole; Sơn Lư's is broken at D2 (a lone first point, then a line).
    assert [len(s) for s in chart.total_segments] == [4]
    son_lu = next(p for p in chart.panels if p.name == "Sơn Lư")
    assert [len(s) for s in son_lu.segments] == [1, 2]
    # The scale's lines are on round numbers around the values, the lowest at the bottom.
    ys = [y for y, _label in chart.ticks]
    assert ys == sorted(ys, reverse=True)
    assert chart.ticks[0][1] == "1.000" and chart.ticks[-1][1] == "5.000"
    points = [p for s in chart.total_segments for p in s]
    assert points[1].y > points[0].y  # fewer scans on D2: lower on the page
    assert chart.table[0] == ("", ["3.400", "1.501", "4.002", "4.303"])
    assert trend_measure("nonsense") == "scans" and trend_measure("scan_rate") == "scan_rate"
    share = trend_chart(area_trends(Area.of_district(quan_son), D4), "install_rate")
    assert share.table[0][1] == ["40,0%", "31,0%", "41,0%", "41,5%"]


def test_the_report_page_shows_the_trend_once_escaped(client, login, make_user, quan_son):
    four_weeks(quan_son)
    odd = Commune(name="<b>A & B</b>", district=quan_son)
    db.session.add(odd)
    add_figures(odd, D4, 1, 7)
    db.session.commit()
    login(make_user("supervisor", role="supervisor"))
    page = client.get(f"/reports/{quan_son.id}/{D4.isoformat()}?trend=venues_with_qr")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert html.count('id="report-trends"') == 1
    assert "<svg" in html and "12/11" in html and "22/10" in html
    assert "&lt;b&gt;A &amp; B&lt;/b&gt;" in html and "<b>A & B</b>" not in html
    assert '<option value="venues_with_qr" selected>' in html
    assert "<details" in html and "<summary>" in html
    # The picker names every measure and works without JavaScript: a GET of the same page.
    for name in ("scans", "install_rate", "compliant_share", "scan_rate"):
        assert f'<option value="{name}" >' in html
    assert f'action="/reports/{quan_son.id}/{D4.isoformat()}#report-trends"' in html
    kept = client.get(f"/reports/{quan_son.id}/{D4.isoformat()}?measure=scans&trend=scan_rate")
    assert '<input type="hidden" name="measure" value="scans">' in kept.get_data(as_text=True)


def test_the_trend_fragment_for_htmx(client, login, make_user, quan_son):
    four_weeks(quan_son)
    login(make_user("supervisor", role="supervisor"))
    response = client.get(
        f"/reports/{quan_son.id}/{D4.isoformat()}?trend=install_rate",
        headers={"HX-Request": "true", "HX-Target": "report-trends"},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<html" not in html
    assert html.strip().startswith('<section class="card trends" id="report-trends">')
    assert "41,5%" in html
    # The bar chart's own fragment is untouched.
    bars = client.get(
        f"/reports/{quan_son.id}/{D4.isoformat()}?measure=scans",
        headers={"HX-Request": "true", "HX-Target": "report-chart"},
    ).get_data(as_text=True)
    assert 'id="report-chart"' in bars and "report-trends" not in bars


def test_the_province_page_has_district_trends(client, login, make_user, quan_son):
    four_weeks(quan_son)
    login(make_user("tinh", role="supervisor", scope="province"))
    html = client.get(f"/reports/province/{quan_son.province_id}/{D4.isoformat()}").get_data(
        as_text=True
    )
    assert 'id="report-trends"' in html and "Quan Sơn" in html


def test_the_drawing_renders_in_a_pdf(app, quan_son, tmp_path: Path):
    four_weeks(quan_son)
    odd = Commune(name="<b>A & B</b>", district=quan_son)
    db.session.add(odd)
    add_figures(odd, D4, 1, 7)
    db.session.commit()
    register_fonts(Path(app.config["POSTER_FONT_DIR"]))
    chart = trend_chart(area_trends(Area.of_district(quan_son), D4), "scans")
    drawing = trend_drawing(
        chart, 450, font=PDF_FONTS["regular"], bold_font=PDF_FONTS["bold"], total_label="Tổng"
    )
    assert drawing.width == 450 and drawing.height > 200
    pdf = renderPDF.drawToString(drawing)
    assert pdf.startswith(b"%PDF")
    document = pypdfium2.PdfDocument(pdf)
    text = document[0].get_textpage().get_text_range()
    assert "Sơn Lư" in text and "Tổng: 4.310" in text and "12/11" in text
    assert "<b>A & B</b>" in text  # a name is text in the PDF, never markup


def test_a_months_trend_ends_on_its_last_report_date(client, login, make_user, quan_son):
    four_weeks(quan_son)
    report = district_month_report(quan_son, date(2021, 10, 1))
    trends = report_trends(report, quan_son.id)
    assert trends.dates == [D1, D2]  # not 31/10, which has no figures
    login(make_user("supervisor", role="supervisor"))
    html = client.get(f"/reports/{quan_son.id}/month/2021-10").get_data(as_text=True)
    start = html.index('id="report-trends"')
    trend = html[start : html.index("</section>", start)]
    assert "29/10" in trend and "31/10" not in trend


def test_the_letters_drawing_from_a_report(app, quan_son):
    four_weeks(quan_son)
    report = province_report(quan_son.province, D4)
    drawing = report_trend_drawing(report, quan_son.province_id, 400, measure="install_rate")
    assert drawing.width == 400
    assert renderPDF.drawToString(drawing).startswith(b"%PDF")
    assert report_trend_drawing(national_report(D4), None, 400) is None
