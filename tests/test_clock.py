"""The one clock: Vietnam's day, whatever the server's time zone, agreed on by every page."""

import re
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from fieldapp import clock
from fieldapp.extensions import db
from fieldapp.models import Assignment, Inspection
from fieldapp.reports.weekly import district_report
from tests.factories import commune_named, inspection_answers

# 23:30 UTC on Thursday 11 November 2021 is 06:30 on Friday 12 November in Vietnam.
LATE_UTC = datetime(2021, 11, 11, 23, 30)
VIETNAM_DAY = date(2021, 11, 12)
UTC_DAY = date(2021, 11, 11)


def test_the_clock_reads_vietnam_time_from_utc(frozen_clock):
    frozen_clock(LATE_UTC)
    assert clock.utcnow() == LATE_UTC and clock.utcnow().tzinfo is None
    assert clock.now() == datetime(2021, 11, 12, 6, 30, tzinfo=clock.VIETNAM)
    assert clock.now().utcoffset() == timedelta(hours=7)
    assert clock.today() == VIETNAM_DAY


def test_the_clock_moves_when_the_frozen_time_moves(frozen_clock):
    frozen_clock(datetime(2021, 11, 11, 16, 59))
    assert clock.today() == UTC_DAY
    frozen_clock(datetime(2021, 11, 11, 17, 0))
    assert clock.today() == VIETNAM_DAY


def test_an_aware_frozen_moment_is_taken_as_it_is(frozen_clock):
    frozen_clock(datetime(2021, 11, 12, 6, 30, tzinfo=clock.VIETNAM))
    assert clock.utcnow() == LATE_UTC


@pytest.mark.parametrize(
    ("stored", "day"),
    [
        (datetime(2021, 11, 11, 16, 59, 59), UTC_DAY),
        (datetime(2021, 11, 11, 17, 0), VIETNAM_DAY),
        (LATE_UTC, VIETNAM_DAY),
        (datetime(2021, 11, 12, 16, 59, 59), VIETNAM_DAY),
    ],
)
def test_a_stored_moment_falls_on_its_vietnamese_day(stored, day):
    assert clock.vietnam_date(stored) == day
    assert clock.vietnam_date(stored.replace(tzinfo=UTC)) == day


@pytest.mark.parametrize(
    ("stored", "text"),
    [
        (datetime(2021, 11, 11, 16, 59, 59), "11/11/2021"),
        (datetime(2021, 11, 11, 17, 0), "12/11/2021"),
        (LATE_UTC, "12/11/2021"),
        (LATE_UTC.replace(tzinfo=UTC), "12/11/2021"),
        (VIETNAM_DAY, "12/11/2021"),  # a day is written as it is
        (None, ""),
    ],
)
def test_a_stored_moment_is_written_as_its_vietnamese_day(stored, text):
    assert clock.day_text(stored) == text


def test_a_vietnamese_day_as_stored_bounds():
    assert clock.day_start(VIETNAM_DAY) == datetime(2021, 11, 11, 17, 0)
    assert clock.day_end(VIETNAM_DAY) == datetime(2021, 11, 12, 17, 0)
    assert clock.days_bounds(date(2021, 11, 6), VIETNAM_DAY) == (
        datetime(2021, 11, 5, 17, 0),
        datetime(2021, 11, 12, 17, 0),
    )
    assert clock.at_vietnam_time(VIETNAM_DAY, time(6, 30)) == LATE_UTC


def test_as_stored_keeps_naive_utc_and_converts_aware_moments():
    assert clock.as_stored(LATE_UTC) == LATE_UTC
    assert clock.as_stored(datetime(2021, 11, 12, 6, 30, tzinfo=clock.VIETNAM)) == LATE_UTC


def test_model_defaults_are_stamped_by_the_clock(frozen_clock, make_venue):
    frozen_clock(LATE_UTC)
    assert make_venue().created_at == LATE_UTC


@pytest.fixture
def late_evening(post_finding, frozen_clock, client, login, make_user, make_venue, quan_son):
    """At 23:30 UTC an inspector records a finding at Sơn Hà; a supervisor is ready."""
    frozen_clock(LATE_UTC)
    inspector = make_user("inspector", locale="en")
    supervisor = make_user("supervisor", role="supervisor", locale="en")
    venue = make_venue()
    login(inspector)
    response = post_finding(venue, device_time="2021-11-12T06:30:00+07:00")
    assert response.status_code == 303
    return {"inspector": inspector, "supervisor": supervisor, "venue": venue}


def test_at_23_30_utc_every_page_agrees_it_is_the_next_day_in_vietnam(
    late_evening, client, login, make_venue, quan_son
):
    inspector, supervisor = late_evening["inspector"], late_evening["supervisor"]
    finding = db.session.scalar(select(Inspection))
    assert finding.server_time == LATE_UTC

    # Assignments: yesterday in Vietnam (still today in UTC) is in the past; today is not.
    client.post("/logout")
    login(supervisor)
    due_yesterday = make_venue("Trường tiểu học Sơn Hà", venue_type="school")
    due_today = make_venue("Nhà văn hoá bản Na Hồ", venue_type="other")
    refused = client.post(
        "/assignments",
        data={
            "scope": "venue",
            "venue": due_yesterday.id,
            "inspector": inspector.id,
            "due": UTC_DAY.isoformat(),
        },
    )
    assert refused.status_code == 422
    assert "The due date is in the past." in refused.get_data(as_text=True)
    for venue, day in ((due_today, VIETNAM_DAY), (due_yesterday, UTC_DAY)):
        db.session.add(
            Assignment(
                venue_id=venue.id,
                inspector_id=inspector.id,
                due_date=day,
                created_by_id=supervisor.id,
            )
        )
    db.session.commit()
    preview = client.get(f"/assignments/preview?venue={due_today.id}").get_data(as_text=True)
    assert f'min="{VIETNAM_DAY.isoformat()}"' in preview
    page = client.get("/assignments").get_data(as_text=True)
    assert "overdue since 11/11/2021" in page and "by 12/11/2021" in page

    # The log's period filter: the finding counts on the Vietnamese day it was made.
    listed = client.get(
        f"/inspections?from={VIETNAM_DAY}&to={VIETNAM_DAY}", headers={"HX-Request": "true"}
    ).get_data(as_text=True)
    assert f'href="/inspections/{finding.id}"' in listed
    assert "12/11/2021 06:30" in listed
    earlier = client.get(f"/inspections?to={UTC_DAY}", headers={"HX-Request": "true"}).get_data(
        as_text=True
    )
    assert f'href="/inspections/{finding.id}"' not in earlier

    # The weekly report: the finding is in the week ending on Friday the 12th, not Thursday.
    commune = commune_named(quan_son, "Sơn Hà")
    friday = district_report(quan_son, VIETNAM_DAY)
    thursday = district_report(quan_son, UTC_DAY)
    row = next(r for r in friday.rows if r.name == commune.name)
    assert row.findings.venues_inspected == 1
    assert thursday.total.findings.venues_inspected == 0
    reports = client.get("/reports").get_data(as_text=True)
    assert f'max="{VIETNAM_DAY.isoformat()}"' in reports

    # The home page: re-inspections due yesterday are overdue, today's are not.
    venue = late_evening["venue"]
    venue.reinspection_due = VIETNAM_DAY
    due_yesterday.reinspection_due = UTC_DAY
    db.session.commit()
    client.post("/logout")
    login(inspector)
    home = client.get("/").get_data(as_text=True)
    assert len(re.findall(r"overdue since 11/11/2021", home)) == 2  # assignment and venue
    assert "overdue since 12/11/2021" not in home
    assert home.count("by 12/11/2021") == 2
    # And the venue pages.
    overdue = client.get(f"/venues/{due_yesterday.id}").get_data(as_text=True)
    assert "Re-inspection overdue since 11/11/2021" in overdue
    # The day of a stored moment (the finding at 06:30 on the 12th, Vietnam time).
    inspected = client.get(f"/venues/{venue.id}").get_data(as_text=True)
    assert "last inspected 12/11/2021" in inspected
    assert "Re-inspection overdue" not in client.get(f"/venues/{venue.id}").get_data(as_text=True)


def test_a_re_inspection_date_of_the_vietnamese_today_is_accepted(
    frozen_clock, client, login, make_venue
):
    frozen_clock(LATE_UTC)
    login()
    venue = make_venue()
    yesterday = client.post(
        f"/venues/{venue.id}/inspections",
        data=inspection_answers(
            device_time=None, actions="reinspection_scheduled", reinspection_due=UTC_DAY.isoformat()
        ),
        content_type="multipart/form-data",
    )
    assert yesterday.status_code == 422
    today = client.post(
        f"/venues/{venue.id}/inspections",
        data=inspection_answers(
            device_time=None,
            actions="reinspection_scheduled",
            reinspection_due=VIETNAM_DAY.isoformat(),
        ),
        content_type="multipart/form-data",
    )
    assert today.status_code == 303
    assert db.session.scalar(select(Inspection)).reinspection_due == VIETNAM_DAY


def test_no_module_but_the_clock_reads_the_time_or_adds_seven_hours():
    """The server's own date, naive utcnow() and a hand-written +7 h all drifted before."""
    package = Path(__file__).resolve().parent.parent / "fieldapp"
    banned = re.compile(
        r"date\.today\(|datetime\.(utc)?now\(|datetime\.utcnow\b"
        r"|timedelta\(hours=7\)|VIETNAM_OFFSET|UTC\+7"
    )
    found = [
        f"{path.relative_to(package)}:{number}: {line.strip()}"
        for path in package.rglob("*.py")
        if path.name != "clock.py"
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if banned.search(line)
    ]
    assert found == []


@pytest.mark.parametrize(
    "typed", ["0001-01-01", "9999-12-31", "31/12/9999", "01/01/0001", "1899-12-31", "3000-01-01"]
)
def test_a_day_outside_the_years_the_app_handles_is_not_a_day(typed):
    # Its bounds in UTC would not fit a datetime: /inspections?from=0001-01-01 answered 500.
    assert clock.parse_day(typed) is None
    assert clock.parse_moment(f"{typed} 10:00") is None


def test_the_first_and_last_years_are_days():
    assert clock.parse_day("1900-01-01") == date(1900, 1, 1)
    assert clock.parse_day("31/12/2999") == date(2999, 12, 31)
    clock.days_bounds(date(1900, 1, 1), date(2999, 12, 31))  # no overflow


def test_a_planned_day_more_than_a_year_ahead_is_beyond_planning(frozen_clock):
    today = clock.today()
    assert not clock.beyond_planning(today + timedelta(days=clock.PLANNED_DAYS_AHEAD))
    assert clock.beyond_planning(today + timedelta(days=clock.PLANNED_DAYS_AHEAD + 1))
    assert clock.beyond_planning(date(2099, 12, 31))
    assert not clock.beyond_planning(date(2030, 1, 1), from_day=date(2029, 6, 1))


@pytest.mark.parametrize("path", ["/inspections", "/audit"])
@pytest.mark.parametrize("query", ["from=0001-01-01", "to=9999-12-31"])
def test_the_lists_answer_dates_at_the_edge_of_the_calendar_without_a_500(
    client, login, path, query
):
    login(username="office", role="admin" if path == "/audit" else "supervisor")
    response = client.get(f"{path}?{query}")
    assert response.status_code in (200, 422)
