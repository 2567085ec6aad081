"""Report deadlines: the due dates from a province's setting, which districts sent figures and
their letter on time, the settings page, the district office's next due date at home."""

import json
import re
from datetime import date, datetime, time, timedelta

import pytest
from sqlalchemy import select

from fieldapp.extensions import db
from fieldapp.letters.sending import mark_sent
from fieldapp.models import AuditEntry, Commune, CommuneFigures, District, ReportDeadline
from fieldapp.reports.deadlines import (
    DeadlineInvalid,
    DueRule,
    district_due,
    parse_rule,
    province_deadlines,
)
from fieldapp.reports.exports import record_export
from fieldapp.reports.weekly import district_report
from tests.factories import district_supervisor

FRIDAY = date(2021, 11, 12)
# 17:30 in Vietnam on Friday 12/11: an hour and a half after the default deadline, 16:00.
AFTER_DEADLINE = datetime(2021, 11, 12, 10, 30)


def figures(district, day):
    for commune in district.communes:
        db.session.add(
            CommuneFigures(commune=commune, report_date=day, venues_with_qr=10, scans=100)
        )


def export(district, day, fmt, at: datetime, user=None):
    """An export of the district's report as the audit trail keeps it, at a moment (by a
    supervisor of the district unless another user is given)."""
    user = user or district_supervisor(district)
    record_export(district_report(district, day), fmt, user, district.id)
    db.session.flush()
    entry = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    entry.at = at


def sent(district, day, at: datetime, user=None):
    """The district's letter of a report date marked as sent at a moment (by a supervisor
    of the district unless another user is given)."""
    mark_sent(district, day, user or district_supervisor(district))
    entry = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    entry.at = at


@pytest.fixture
def ba_thuoc(quan_son):
    district = District(name="Bá Thước", province=quan_son.province)
    db.session.add(Commune(name="Lũng Niêm", district=district))
    db.session.commit()
    return district


def test_due_dates_from_the_rule():
    rule = DueRule()  # Friday 16:00 in Vietnam
    assert rule.moment(FRIDAY) == datetime(2021, 11, 12, 9, 0)  # UTC
    assert rule.next_due(datetime(2021, 11, 12, 8, 59)) == FRIDAY  # 15:59 that Friday
    assert rule.next_due(datetime(2021, 11, 12, 9, 1)) == date(2021, 11, 19)
    assert rule.next_due(datetime(2021, 11, 13, 1)) == date(2021, 11, 19)  # Saturday
    assert rule.due_dates(AFTER_DEADLINE, 3) == [
        date(2021, 11, 19),
        FRIDAY,
        date(2021, 11, 5),
    ]
    monday = DueRule(0, time(8, 0))
    assert monday.next_due(AFTER_DEADLINE) == date(2021, 11, 15)
    assert monday.due_on_or_after(FRIDAY) == date(2021, 11, 15)


def test_parse_rule_refuses_bad_input():
    assert parse_rule("3", "09:30") == DueRule(3, time(9, 30))
    for weekday, at in (("7", "16:00"), ("", "16:00"), ("x", "16:00"), ("٣", "16:00")):
        with pytest.raises(DeadlineInvalid):
            parse_rule(weekday, at)
    for at in ("24:00", "16", "", "4pm", "16:60"):
        with pytest.raises(DeadlineInvalid):
            parse_rule("4", at)


def test_on_time_late_with_figures_only_and_late_with_nothing(
    quan_son, neighbour_district, ba_thuoc
):
    figures(quan_son, FRIDAY)
    export(quan_son, FRIDAY, "pdf", datetime(2021, 11, 12, 7, 0))
    sent(quan_son, FRIDAY, datetime(2021, 11, 12, 8, 0))  # 15:00: on time
    figures(neighbour_district, FRIDAY - timedelta(days=1))  # Thursday's figures count too
    export(neighbour_district, FRIDAY, "csv", datetime(2021, 11, 12, 8, 0))  # data, no letter
    db.session.commit()

    table = province_deadlines(quan_son.province, AFTER_DEADLINE, count=3)
    assert table.dates == [date(2021, 11, 19), FRIDAY, date(2021, 11, 5)]
    weeks = {row.district.name: row.weeks[1] for row in table.districts}
    assert [row.district.name for row in table.districts] == ["Bá Thước", "Cẩm Thủy", "Quan Sơn"]
    assert weeks["Quan Sơn"].state == "on_time"
    assert weeks["Quan Sơn"].with_figures == weeks["Quan Sơn"].communes == 3
    assert weeks["Quan Sơn"].sent_at == datetime(2021, 11, 12, 8, 0)
    assert weeks["Quan Sơn"].exported_at == datetime(2021, 11, 12, 7, 0)
    late = weeks["Cẩm Thủy"]
    assert (late.state, late.has_figures, late.is_sent, late.is_exported) == (
        "late",
        True,
        False,
        False,
    )
    assert late.figures_date == FRIDAY - timedelta(days=1)
    assert late.late_by == timedelta(hours=1, minutes=30) and late.late_parts == (0, 2)
    nothing = weeks["Bá Thước"]
    assert (nothing.state, nothing.has_figures, nothing.is_sent) == ("late", False, False)
    assert [d.name for d in table.late(FRIDAY)] == ["Bá Thước", "Cẩm Thủy"]
    # Next week's is not due yet; the week before, nobody sent anything.
    assert {row.weeks[0].state for row in table.districts} == {"open"}
    assert table.districts[0].weeks[0].left_parts == (6, 22)
    assert {row.weeks[2].state for row in table.districts} == {"late"}
    assert table.districts[0].weeks[2].late_parts == (7, 2)


def test_a_letter_sent_after_the_deadline_is_late_by_the_difference(quan_son):
    figures(quan_son, FRIDAY)
    export(quan_son, FRIDAY, "docx", datetime(2021, 11, 12, 8, 0))  # exported in time...
    sent(quan_son, FRIDAY, datetime(2021, 11, 13, 2, 0))  # ...sent on Saturday 09:00
    sent(quan_son, date(2021, 11, 30), datetime(2021, 11, 12, 8, 0))  # another date's
    db.session.commit()
    week = (
        province_deadlines(quan_son.province, datetime(2021, 11, 13, 3), count=2)
        .districts[0]
        .weeks[1]
    )
    assert week.due == FRIDAY
    assert week.state == "done_late"
    assert week.late_by == timedelta(hours=17)


def test_a_month_export_is_not_the_weeks_letter(quan_son, app):
    figures(quan_son, FRIDAY)
    db.session.commit()
    from_month = {"format": "pdf", "level": "district", "date": "2021-11-12", "month": "2021-11"}
    db.session.add(
        AuditEntry(
            entity="export",
            action="export",
            detail=json.dumps(from_month),
            district_id=quan_son.id,
            at=datetime(2021, 11, 12, 8),
        )
    )
    db.session.add(
        AuditEntry(
            entity="export",
            action="export",
            detail="not json",
            district_id=quan_son.id,
            at=datetime(2021, 11, 12, 8),
        )
    )
    db.session.commit()
    week = province_deadlines(quan_son.province, AFTER_DEADLINE, count=2).districts[0].weeks[1]
    assert week.state == "late" and not week.is_exported and not week.is_sent


def test_the_setting_moves_the_due_date(client, login, make_user, quan_son, frozen_clock):
    frozen_clock(AFTER_DEADLINE)
    figures(quan_son, FRIDAY)
    db.session.commit()
    assert district_due(quan_son, AFTER_DEADLINE).current.due == date(2021, 11, 19)
    supervisor = login(make_user("tinh", role="supervisor", scope="province"))
    url = f"/reports/province/{quan_son.province_id}/deadlines/settings"
    page = client.get(url).get_data(as_text=True)
    assert 'value="16:00"' in page and '<option value="4" selected' in page
    response = client.post(url, data={"weekday": "5", "time": "20:00"})  # Saturday 20:00
    assert response.status_code == 303
    rule = db.session.scalar(select(ReportDeadline))
    assert (rule.weekday, rule.due_time, rule.updated_by_id) == (5, time(20, 0), supervisor.id)
    due = district_due(quan_son, AFTER_DEADLINE)
    assert due.current.due == date(2021, 11, 13)
    assert due.current.state == "open"  # the figures are there, the letter is not yet
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "deadline_changed"))
    assert json.loads(entry.one().changes) == {"weekday": [4, 5], "time": ["16:00", "20:00"]}
    followed = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Thứ Bảy" in followed and "20:00" in followed
    # Bad input: a clear message, 422, nothing changed.
    for data in ({"weekday": "9", "time": "20:00"}, {"weekday": "1", "time": "25:00"}, {}):
        bad = client.post(url, data=data)
        assert bad.status_code == 422
        assert 'role="alert"' in bad.get_data(as_text=True)
    assert db.session.scalar(select(ReportDeadline)).weekday == 5


def test_the_province_page_shows_who_is_late(
    client, login, make_user, quan_son, neighbour_district, frozen_clock
):
    frozen_clock(datetime(2021, 11, 12, 8, 0))  # 15:00 in Vietnam: before the deadline
    figures(quan_son, FRIDAY)
    figures(neighbour_district, FRIDAY)
    db.session.commit()
    district_user = login(make_user("huyen", role="supervisor", display_name="Hà Thị Mai"))
    assert client.get(f"/reports/{quan_son.id}/{FRIDAY.isoformat()}.pdf").status_code == 200
    sent = client.post(f"/letters/{quan_son.id}/{FRIDAY.isoformat()}/sent", data={"confirm": "yes"})
    assert sent.status_code == 303
    # Cẩm Thủy's office only downloads its letter: exported, not sent.
    login(make_user("camthuy", role="supervisor", district=neighbour_district))
    assert client.get(f"/reports/{neighbour_district.id}/{FRIDAY}.pdf").status_code == 200
    login.logout()
    frozen_clock(AFTER_DEADLINE)
    login(make_user("tinh", role="supervisor", scope="province", district=district_user.district))
    index = client.get("/reports").get_data(as_text=True)
    url = f"/reports/province/{quan_son.province_id}/deadlines"
    assert url in index
    html = client.get(url).get_data(as_text=True)
    week = html.split(f'id="due-{FRIDAY.isoformat()}"')[1].split("</details>")[0]
    states = {
        name: state
        for state, name in re.findall(
            r'<li class="deadline-(\w+)">\s*<span class="deadline-district">(?:<a [^>]*>)?([^<:]+)',
            week,
        )
    }
    assert states == {"Cẩm Thủy": "late", "Quan Sơn": "on_time"}
    assert "Đúng hạn" in week  # Quan Sơn, on time
    assert "Đã gửi: Hà Thị Mai, ngày 12/11/2021 15:00" in week
    assert "Trễ 2 giờ" in week  # Cẩm Thủy
    assert "Đã xuất công văn, chưa đánh dấu đã gửi" in week
    assert 'data-letter="exported"' in week and 'data-letter="sent"' in week
    assert "1 huyện trễ hạn" in week


def test_the_district_office_sees_the_next_due_date_at_home(
    client, login, make_user, quan_son, frozen_clock
):
    frozen_clock(AFTER_DEADLINE)
    figures(quan_son, date(2021, 11, 15))  # next week's figures already in
    db.session.commit()
    login(make_user("huyen", role="supervisor"))
    html = client.get("/").get_data(as_text=True)
    assert 'id="report-due"' in html
    assert "19/11/2021" in html and "16:00" in html
    assert "Số liệu: 3/3 đơn vị cấp xã" in html
    assert "Chưa xuất công văn" in html
    assert "12/11/2021" in html  # last week's report is still missing, and late
    login(make_user("kiem-tra", role="inspector"))
    assert 'id="report-due"' not in client.get("/").get_data(as_text=True)
    login(make_user("tinh", role="supervisor", scope="province"))
    home = client.get("/").get_data(as_text=True)
    assert 'id="report-due"' not in home
    assert f"/reports/province/{quan_son.province_id}/deadlines" in home


def test_deadlines_are_the_provinces(client, login, make_user, quan_son, other_district):
    """A district office may not see or change them; another province's are not found."""
    url = f"/reports/province/{quan_son.province_id}/deadlines"
    login(make_user("huyen", role="supervisor"))
    assert client.get(url).status_code == 403
    assert client.post(url + "/settings", data={"weekday": "1", "time": "08:00"}).status_code == 403
    login(make_user("son-la", role="supervisor", scope="province", district=other_district))
    assert client.get(url).status_code == 404
    assert client.post(url + "/settings", data={"weekday": "1", "time": "08:00"}).status_code == 404
    assert db.session.scalar(select(ReportDeadline)) is None
