"""Citizens' reports in the weekly report: received, on time and late per commune for the
report's period (fieldapp/citizens/counts.py), summed per district and province; the SQL
rule of "late" is deadlines.is_late."""

import csv
import io
import random
from datetime import date, datetime, time, timedelta
from types import SimpleNamespace

import lxml.html
import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from fieldapp import clock
from fieldapp.citizens.counts import COUNTED_NOTE, CitizenCounts, counts_by_commune, late_on
from fieldapp.citizens.deadlines import due_date_for, is_late
from fieldapp.extensions import db
from fieldapp.models import CitizenReport, Commune, PublicHoliday
from fieldapp.reports.rollups import engine_sql
from fieldapp.reports.weekly import (
    Area,
    district_month_report,
    district_report,
    province_report,
)
from tests.factories import commune_named

# Friday 11/12/2026: without figures, its period is the 7 days from Saturday 05/12.
DAY = date(2026, 12, 11)
AFTER = datetime(2026, 12, 20, 3, 0)  # the clock, well after the report date
_codes = iter(range(1, 1_000_000))


def vn(day: date, hour: int = 10, minute: int = 0) -> datetime:
    """A Vietnam wall-clock time as stored (naive UTC)."""
    return clock.at_vietnam_time(day, time(hour, minute))


def make_report(commune, received_at, closed_at=None, state=None, also_reported=0):
    report = CitizenReport(
        tracking_code=f"T{next(_codes):07d}",
        commune_id=commune.id,
        problem="no_qr",
        received_at=received_at,
        due_date=due_date_for(received_at),
        closed_at=closed_at,
        state=state or ("resolved" if closed_at else "new"),
        also_reported=also_reported,
    )
    db.session.add(report)
    db.session.flush()
    return report


@pytest.fixture
def week(app, quan_son, neighbour_district, frozen_clock):
    """Reports of Sơn Hà, Trung Xuân and Cẩm Châu around the week 05/12 – 11/12/2026."""
    frozen_clock(AFTER)
    son_ha = commune_named(quan_son, "Sơn Hà")
    trung_xuan = commune_named(quan_son, "Trung Xuân")
    cam_chau = commune_named(neighbour_district, "Cẩm Châu")
    made = {
        # Thursday 03/12, due Tuesday 08/12; closed Wednesday 09/12: closed late.
        "closed_late": make_report(son_ha, vn(date(2026, 12, 3)), vn(date(2026, 12, 9))),
        # Friday 04/12, due Wednesday 09/12 (the weekend skipped); closed Monday: on time.
        "on_time": make_report(son_ha, vn(date(2026, 12, 4)), vn(date(2026, 12, 7))),
        # 23:59 on Friday 04/12: received before the period; closed in it on time.
        "before": make_report(son_ha, vn(date(2026, 12, 4), 23, 59), vn(date(2026, 12, 5))),
        # 00:30 on Saturday 05/12 (Friday 17:30 in UTC): in the period; due Wednesday
        # 09/12 and still open: overdue.
        "weekend": make_report(son_ha, vn(date(2026, 12, 5), 0, 30)),
        # Thursday 10/12, due Tuesday 15/12, open: received, not late.
        "not_due": make_report(son_ha, vn(date(2026, 12, 10))),
        # Monday 07/12, due Thursday 10/12, closed after the report date: overdue on it.
        "closed_after": make_report(son_ha, vn(date(2026, 12, 7)), vn(date(2026, 12, 15))),
        # Wednesday 09/12, due Monday 14/12, closed late after the report date: on the
        # report date it was neither on time nor late.
        "late_later": make_report(son_ha, vn(date(2026, 12, 9)), vn(date(2026, 12, 16))),
        # Closed before the period: not counted.
        "old": make_report(son_ha, vn(date(2026, 11, 30)), vn(date(2026, 12, 1))),
        # Trung Xuân: two +1s; rejected on its due date at 23:30: on time.
        "joined": make_report(
            trung_xuan,
            vn(date(2026, 12, 8)),
            vn(date(2026, 12, 11), 23, 30),
            state="rejected",
            also_reported=2,
        ),
        # Another district of the province: never in Quan Sơn's figures.
        "neighbour": make_report(cam_chau, vn(date(2026, 12, 1))),
    }
    db.session.commit()
    return SimpleNamespace(
        son_ha=son_ha, trung_xuan=trung_xuan, cam_chau=cam_chau, reports=made, quan_son=quan_son
    )


def test_a_district_s_communes_in_the_report_s_period(week):
    report = district_report(week.quan_son, DAY)
    assert report.period_start == date(2026, 12, 5)
    rows = {row.name: row.citizens for row in report.rows}
    assert rows["Sơn Hà"] == CitizenCounts(
        received=4,  # weekend, not_due, closed_after, late_later
        on_time=2,  # on_time, before
        closed_late=1,
        overdue=2,  # weekend, closed_after
    )
    assert rows["Sơn Hà"].late == 3
    assert rows["Trung Xuân"] == CitizenCounts(received=1, also_reported=2, on_time=1)
    assert rows["Sơn Lư"] == CitizenCounts()
    assert report.total.citizens == CitizenCounts(
        received=5, also_reported=2, on_time=3, closed_late=1, overdue=2
    )


def test_the_counts_of_a_report_date_do_not_change_after_it(week, frozen_clock):
    before = district_report(week.quan_son, DAY).total.citizens
    frozen_clock(datetime(2027, 3, 1))
    assert district_report(week.quan_son, DAY).total.citizens == before


def test_a_period_not_over_yet_is_judged_today(week, frozen_clock):
    # Wednesday 09/12 in the afternoon: "weekend" is due today, not late yet; "closed_after"
    # (due Thursday) neither.
    frozen_clock(vn(date(2026, 12, 9), 15))
    month = district_month_report(week.quan_son, date(2026, 12, 1)).total.citizens
    assert month.overdue == 0 and month.closed_late == 1  # closed 09/12 after its due 08/12
    frozen_clock(vn(date(2026, 12, 10), 8))
    month = district_month_report(week.quan_son, date(2026, 12, 1)).total.citizens
    assert month.overdue == 1  # "weekend", due 09/12


def test_a_province_s_report_counts_per_district(week):
    report = province_report(week.quan_son.province, DAY)
    rows = {row.name: row.citizens for row in report.rows}
    assert rows["Quan Sơn"].received == 5 and rows["Quan Sơn"].late == 3
    # Cẩm Châu's report came before the period, due 04/12, still open: late.
    assert rows["Cẩm Thủy"] == CitizenCounts(overdue=1)
    assert report.total.citizens.late == 4


def test_a_holiday_moves_the_due_date_and_so_the_count(app, quan_son, frozen_clock):
    frozen_clock(AFTER)
    db.session.add(PublicHoliday(day=date(2026, 12, 9), name="Nghỉ bù"))
    son_ha = commune_named(quan_son, "Sơn Hà")
    # Saturday 05/12: Monday, Tuesday, (holiday), Thursday: due 10/12; open on 10/12.
    report = make_report(son_ha, vn(date(2026, 12, 5), 9))
    db.session.commit()
    assert report.due_date == date(2026, 12, 10)
    assert counts_by_commune([son_ha.id], date(2026, 12, 5), date(2026, 12, 10)) == {
        son_ha.id: CitizenCounts(received=1)
    }
    assert counts_by_commune([son_ha.id], date(2026, 12, 5), DAY)[son_ha.id].overdue == 1


# The SQL rule is is_late -------------------------------------------------------------------


def as_it_stood(report: CitizenReport, day: date):
    """The report as it was at the end of `day`: closed after it, it was still open."""
    closed = (
        report.closed_at if report.closed_at and report.closed_at < clock.day_end(day) else None
    )
    return SimpleNamespace(closed_at=closed, due_date=report.due_date)


def random_reports(rng: random.Random, communes: list[Commune], count: int):
    start = datetime(2026, 11, 20)
    reports = []
    for _ in range(count):
        received = start + timedelta(minutes=rng.randrange(0, 40 * 24 * 60))
        closed = None
        if rng.random() < 0.6:
            closed = received + timedelta(minutes=rng.randrange(1, 12 * 24 * 60))
        reports.append(
            make_report(rng.choice(communes), received, closed, also_reported=rng.randrange(0, 3))
        )
    db.session.commit()
    return reports


def test_the_sql_rule_is_is_late_on_random_reports(app, quan_son, frozen_clock):
    frozen_clock(datetime(2027, 2, 1))
    rng = random.Random(16)
    reports = random_reports(rng, list(quan_son.communes), 300)
    vietnam_day = engine_sql(db.session.connection()).vietnam_day
    table = CitizenReport.__table__
    compared_closed = 0
    for day in (date(2026, 11, 25) + timedelta(days=n) for n in range(0, 45, 2)):
        late = set(db.session.scalars(select(table.c.id).where(late_on(day, vietnam_day))))
        for report in reports:
            if report.received_at >= clock.day_end(day):
                continue  # not yet received on that day
            assert (report.id in late) == is_late(as_it_stood(report, day), day), (report, day)
            if report.closed_at is None or report.closed_at < clock.day_end(day):
                # Closed by then, or open: exactly is_late of the report as stored.
                assert (report.id in late) == is_late(report, day)
                compared_closed += report.closed_at is not None
    assert compared_closed > 100 and late  # both kinds met, some late


def expected_counts(reports, start: date, end: date) -> dict[int, CitizenCounts]:
    """The counts worked out in Python from is_late, report by report."""
    first, after = clock.days_bounds(start, end)
    day = min(end, clock.today())
    found: dict[int, CitizenCounts] = {}
    for report in reports:
        counts = CitizenCounts()
        if first <= report.received_at < after:
            counts.received, counts.also_reported = 1, report.also_reported
        stood = as_it_stood(report, day)
        if report.received_at < clock.day_end(day):
            if stood.closed_at is not None and stood.closed_at >= first:
                if is_late(stood, day):
                    counts.closed_late = 1
                else:
                    counts.on_time = 1
            elif stood.closed_at is None and is_late(stood, day):
                counts.overdue = 1
        if counts != CitizenCounts():
            found.setdefault(report.commune_id, CitizenCounts()).add(counts)
    return found


@pytest.mark.parametrize("today", [datetime(2027, 2, 1), datetime(2026, 12, 10, 4)])
def test_the_grouped_counts_agree_with_is_late_report_by_report(app, quan_son, frozen_clock, today):
    frozen_clock(today)
    reports = random_reports(random.Random(61), list(quan_son.communes), 250)
    area = Area.of_district(quan_son)
    for start, end in (
        (date(2026, 12, 5), date(2026, 12, 11)),
        (date(2026, 11, 1), date(2026, 11, 30)),
        (date(2026, 12, 1), date(2026, 12, 31)),
    ):
        assert counts_by_commune(area.commune_ids(), start, end) == expected_counts(
            reports, start, end
        )


# On the report page and in its spreadsheet -------------------------------------------------


def citizens_cells(page: str) -> dict[str, tuple[str, str, str]]:
    """The findings table's citizens' columns by row name: (received, on time, late)."""
    table = lxml.html.fromstring(page).xpath('//table[contains(@class, "findings-table")]')[0]
    rows = {}
    for line in table.xpath(".//tbody/tr"):
        name = line.xpath("./th")[0].text_content().strip()
        rows[name] = tuple(
            " ".join(line.xpath(f'./td[@data-citizens="{key}"]')[0].text_content().split())
            for key in ("received", "on_time", "late")
        )
    return rows


def test_the_report_page_shows_the_columns_per_commune(week, client, login, make_user):
    login(make_user("supervisor", role="supervisor"))
    page = client.get(f"/reports/{week.quan_son.id}/{DAY}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    heads = lxml.html.fromstring(html).xpath("//th[@data-citizens]/text()")
    assert heads == ["Phản ánh tiếp nhận", "Giải quyết đúng hạn", "Quá hạn"]
    cells = citizens_cells(html)
    assert cells["Sơn Hà"] == ("4", "2", "3")
    assert cells["Trung Xuân"] == ("1 (+2)", "1", "0")  # its two +1s
    assert cells["Sơn Lư"] == ("0", "0", "0")
    assert cells["Tổng cộng"] == ("5 (+2)", "3", "3")
    late = lxml.html.fromstring(html).xpath('//td[@data-citizens="late"][@class="late-text"]')
    assert len(late) == 2  # Sơn Hà and the total, in red
    assert 'id="citizens-note"' in html
    month = client.get(f"/reports/{week.quan_son.id}/month/2026-12").get_data(as_text=True)
    assert citizens_cells(month)["Tổng cộng"][0] == "8 (+2)"  # those of 03/12 and 04/12 too


def test_the_province_and_country_pages_show_them_per_district_and_province(
    week, client, login, make_user
):
    login(make_user("tinh", role="supervisor", scope="province"))
    province = week.quan_son.province
    cells = citizens_cells(client.get(f"/reports/province/{province.id}/{DAY}").get_data(True))
    assert cells["Quan Sơn"] == ("5 (+2)", "3", "3")
    assert cells["Cẩm Thủy"] == ("0", "0", "1")
    login(make_user("quoc", role="supervisor", scope="country"))
    cells = citizens_cells(client.get(f"/reports/country/{DAY}").get_data(True))
    assert cells["Thanh Hóa"] == ("5 (+2)", "3", "4")


def test_the_spreadsheet_has_the_columns(week, client, login, make_user):
    login(make_user("supervisor", role="supervisor"))
    book = load_workbook(io.BytesIO(client.get(f"/reports/{week.quan_son.id}/{DAY}.xlsx").data))
    found = book["Kiểm tra"]
    assert [c.value for c in found[2]][-3:] == [
        "Phản ánh tiếp nhận",
        "Giải quyết đúng hạn",
        "Quá hạn",
    ]
    lines = {line[0].value: [c.value for c in line[-3:]] for line in found.iter_rows(min_row=3)}
    assert lines["Xã Sơn Hà"] == [4, 2, 3]  # the unit with its kind, as the appendix
    assert lines["Tổng cộng"] == [5, 3, 3]
    assert found.cell(found.max_row - 1, 1).value == COUNTED_NOTE
    # The appendix sheet (the national figures) is unchanged; the CSV, the appendix in one
    # table, ends with the same three columns as the "Kiểm tra" sheet.
    assert [c.value for c in book["Phụ lục"][4]] == [
        "STT",
        "Huyện",
        "Thị trấn/xã",
        "Tổng số địa điểm tạo mã QR",
        "Tổng lượt quét",
    ]
    csv_text = client.get(f"/reports/{week.quan_son.id}/{DAY}.csv").data.decode("utf-8-sig")
    head, *rows = list(csv.reader(io.StringIO(csv_text)))
    assert head[-3:] == ["Phản ánh tiếp nhận", "Giải quyết đúng hạn", "Quá hạn"]
    by_commune = {row[2]: row[-3:] for row in rows}
    assert by_commune["Xã Sơn Hà"] == ["4", "2", "3"]


def test_a_commune_name_that_looks_like_a_formula_stays_text(week, client, login, make_user):
    week.son_ha.name = "=HYPERLINK(1)"
    week.son_ha.kind = ""  # no word before the name: the cell starts with "="
    db.session.commit()
    login(make_user("supervisor", role="supervisor"))
    found = load_workbook(io.BytesIO(client.get(f"/reports/{week.quan_son.id}/{DAY}.xlsx").data))[
        "Kiểm tra"
    ]
    names = [line[0].value for line in found.iter_rows(min_row=3)]
    assert "'=HYPERLINK(1)" in names


@pytest.mark.parametrize("suffix", ["", ".xlsx", ".csv"])
def test_access_is_unchanged(week, client, login, make_user, other_district, suffix):
    url = f"/reports/{week.quan_son.id}/{DAY}{suffix}"
    login()  # an inspector
    assert client.get(url).status_code == 403
    login(make_user("yc", role="supervisor", district=other_district))
    assert client.get(url).status_code == 404
    # Cẩm Thủy's supervisor sees no other district's report, and no province's.
    neighbour = week.cam_chau.district
    login(make_user("ct", role="supervisor", district=neighbour))
    assert client.get(url).status_code == 404
    assert client.get(f"/reports/province/{DAY}").status_code == 403
