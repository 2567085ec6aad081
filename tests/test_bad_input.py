"""Odd input from URLs and forms gets a 4xx or is ignored, never a 500."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from fieldapp import clock
from fieldapp.extensions import db
from fieldapp.fragments import id_param
from fieldapp.models import Inspection, Poster
from tests.factories import inspection_answers


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("12", 12),
        (" 7 ", 7),
        ("²", None),
        ("١٢", None),
        ("-3", None),
        ("0", None),
        ("99999999999999999999", None),
        ("", None),
        (None, None),
        ("1e3", None),
    ],
)
def test_id_param(value, expected):
    assert id_param(value) == expected


@pytest.mark.parametrize(
    "url",
    [
        "/venues?page=%C2%B2",
        "/venues?commune=%C2%B2",
        "/venues?page=99999999999999999999999",
        "/inspections?commune=%C2%B2&page=%C2%B2&inspector=x",
    ],
)
def test_odd_numbers_in_urls(client, login, url):
    login(username="supervisor", role="supervisor")
    assert client.get(url).status_code == 200


def test_merging_a_venue_into_itself_is_refused(client, login, make_venue):
    login(username="admin", role="admin")
    venue = make_venue()
    response = client.post(
        "/venues/duplicates/merge", data={"keep": str(venue.id), "drop": f"0{venue.id}"}
    )
    assert response.status_code == 400 and venue.is_active


def test_assigning_a_venue_id_that_is_not_a_number(client, login, make_user):
    inspector = make_user("inspector")
    login(username="supervisor", role="supervisor")
    response = client.post(
        "/assignments",
        data={
            "scope": "venue",
            "venue": "abc",
            "inspector": inspector.id,
            "due": clock.today().isoformat(),
        },
    )
    assert response.status_code == 422


def test_one_replacement_per_finding_and_the_size_checked_first(
    post_finding, client, login, make_venue
):
    login()
    venue = make_venue()
    post_finding(venue, qr_posted="damaged")
    inspection = db.session.scalar(select(Inspection))
    url = f"/inspections/{inspection.id}/replacement"
    assert client.post(url, data={"print": "now", "size": "ZZ"}).status_code == 400
    assert db.session.scalar(select(func.count()).select_from(Poster)) == 0
    client.post(url, data={"print": "queue"})
    again = client.post(url, data={"print": "queue"}, follow_redirects=True)
    assert "đã được cấp cho kết quả kiểm tra này" in again.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Poster)) == 1


def test_outbox_finding_for_a_closed_venue_says_so(client, login, make_venue):
    login()
    venue = make_venue(is_active=False)
    response = client.post(
        f"/venues/{venue.id}/inspections",
        data=inspection_answers(),
        headers={"Accept": "application/json"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 409
    assert response.get_json()["status"] == "venue_closed"


def test_a_finding_sent_days_later_keeps_its_re_inspection_date(client, login, make_venue):
    login()
    venue = make_venue()
    made = clock.now() - timedelta(days=3)
    due = made.date() + timedelta(days=1)  # past today, not then
    response = client.post(
        f"/venues/{venue.id}/inspections",
        data=inspection_answers(
            device_time=made.isoformat(),
            actions="reinspection_scheduled",
            reinspection_due=due.isoformat(),
        ),
        content_type="multipart/form-data",
    )
    assert response.status_code == 303
    assert db.session.scalar(select(Inspection)).reinspection_due == due
