"""The figures date: the last report day by default (the province's weekday, Friday unless
it set another), a visible warning (never a refusal) for another weekday, and "Chọn tệp
khác" keeping the date chosen (issue 15)."""

import io
import re
from datetime import date, datetime, time

import pytest

from fieldapp.extensions import db
from fieldapp.models import CommuneFigures, ReportDeadline

SHEET = (
    "STT,Huyện,Thị trấn /xã,Tổng số địa điểm tạo mã QR,Tổng lượt quét\n"
    "1,Quan Sơn,Xã Sơn Hà,12,400\n"
)
FRIDAY, SATURDAY, MONDAY = date(2026, 12, 4), date(2026, 12, 5), date(2026, 12, 7)


@pytest.fixture
def office(login, make_user):
    return login(make_user("mai", role="supervisor", display_name="Hà Thị Mai"))


def date_value(page: str, input_id: str) -> str:
    return re.search(rf'id="{input_id}"[^>]*value="([^"]*)"', page).group(1)


def vietnam_noon(day: date) -> datetime:
    return datetime.combine(day, time(5, 0))  # 12:00 in Vietnam


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (MONDAY, FRIDAY),
        (FRIDAY, FRIDAY),
        (SATURDAY, FRIDAY),
        (date(2026, 12, 3), date(2026, 11, 27)),
    ],
    ids=["monday", "friday", "saturday", "thursday"],
)
def test_the_date_defaults_to_the_last_report_day(client, office, frozen_clock, today, expected):
    frozen_clock(vietnam_noon(today))
    page = client.get("/reports/import").get_data(as_text=True)
    assert date_value(page, "import-date") == expected.isoformat()
    assert re.search(r'id="import-date-warning" role="status"[^>]* hidden>', page)
    index = client.get("/reports").get_data(as_text=True)
    assert date_value(index, "figures-date") == expected.isoformat()


def test_vietnams_day_decides_not_the_servers(client, office, frozen_clock):
    # Thursday 17:30 UTC is already Friday 00:30 in Vietnam: that Friday is the default.
    frozen_clock(datetime(2026, 12, 3, 17, 30))
    page = client.get("/reports/import").get_data(as_text=True)
    assert date_value(page, "import-date") == FRIDAY.isoformat()


def test_the_provinces_own_weekday_is_followed(client, office, quan_son, frozen_clock):
    db.session.add(ReportDeadline(province_id=quan_son.province_id, weekday=0, due_time=time(9)))
    db.session.commit()
    frozen_clock(vietnam_noon(SATURDAY))
    page = client.get("/reports/import").get_data(as_text=True)
    assert date_value(page, "import-date") == date(2026, 11, 30).isoformat()  # a Monday
    assert 'data-report-weekday="0"' in page


def preview(client, district, day: date):
    return client.post(
        "/reports/import",
        data={
            "district": district.id,
            "date": day.isoformat(),
            "file": (io.BytesIO(SHEET.encode()), "tuan.csv"),
        },
        content_type="multipart/form-data",
    )


def test_another_weekday_is_warned_of_not_refused(client, office, quan_son, frozen_clock):
    frozen_clock(vietnam_noon(MONDAY))
    response = preview(client, quan_son, MONDAY)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    warning = re.search(
        r'<p class="warning" id="import-date-warning" role="status">([^<]*)</p>', page
    )
    assert warning and "07/12/2026" in warning.group(1) and "Thứ Hai" in warning.group(1)
    assert "Thứ Sáu" in warning.group(1)
    token = re.search(r'name="token" value="([^"]+)"', page).group(1)
    applied = client.post(
        "/reports/import",
        data={
            "token": token,
            "district": quan_son.id,
            "date": MONDAY.isoformat(),
            "source": "tuan.csv",
            "action": "apply",
        },
    )
    assert applied.status_code == 303
    assert db.session.query(CommuneFigures).one().report_date == MONDAY


def test_the_report_day_brings_no_warning(client, office, quan_son, frozen_clock):
    frozen_clock(vietnam_noon(MONDAY))
    page = preview(client, quan_son, FRIDAY).get_data(as_text=True)
    assert 'id="import-date-warning"' not in page


def test_choosing_another_file_keeps_the_date(client, office, quan_son, frozen_clock):
    frozen_clock(vietnam_noon(MONDAY))
    page = preview(client, quan_son, date(2026, 11, 20)).get_data(as_text=True)
    link = (
        re.search(r'id="choose-another-file" href="([^"]+)"', page).group(1).replace("&amp;", "&")
    )
    assert "date=2026-11-20" in link and f"district={quan_son.id}" in link
    again = client.get(link).get_data(as_text=True)
    assert date_value(again, "import-date") == "2026-11-20"


def test_a_date_or_district_in_the_address_that_is_not_allowed_falls_back(
    client, office, quan_son, other_district, frozen_clock
):
    frozen_clock(vietnam_noon(MONDAY))
    page = client.get(f"/reports/import?date=nonsense&district={other_district.id}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert date_value(text, "import-date") == FRIDAY.isoformat()
    assert other_district.name not in text


def test_typed_figures_of_another_weekday_are_warned_of(client, office, quan_son, frozen_clock):
    frozen_clock(vietnam_noon(MONDAY))
    page = client.get(f"/reports/{quan_son.id}/{MONDAY.isoformat()}/figures").get_data(as_text=True)
    assert 'id="figures-date-warning"' in page
    page = client.get(f"/reports/{quan_son.id}/{FRIDAY.isoformat()}/figures").get_data(as_text=True)
    assert 'id="figures-date-warning"' not in page
