"""Access beyond the permission table (test_permissions.py): province scopes, htmx, unknown ids."""

import pytest
from sqlalchemy import select

from fieldapp.extensions import db
from fieldapp.models import Inspection, Venue


@pytest.fixture
def records(post_finding, client, make_user, make_venue, login):
    """A venue with one inspection in Quan Sơn, recorded by its inspector."""
    venue = make_venue("Chợ Sơn Hà")
    inspector = login(username="recorder")
    post_finding(venue)
    client.post("/logout")
    inspection = db.session.scalar(select(Inspection))
    return {
        "venue": venue.id,
        "inspection": inspection.id,
        "photo": inspection.photos[0].path,
        "inspector": inspector,
    }


PAGES = [
    "/",
    "/venues",
    "/venues?q=cho",
    "/venues/{venue}",
    "/venues/new",
    "/venues/{venue}/inspections/new",
    "/inspections/{inspection}",
    "/photos/{photo}",
]
RECORDING = {"/venues/{venue}/inspections/new"}


def test_anonymous_htmx_request_redirects_the_whole_page(client, records):
    response = client.get(
        "/venues?q=cho",
        headers={"HX-Request": "true", "HX-Current-URL": "http://localhost/venues?q=cho"},
    )
    assert response.status_code == 401
    assert response.headers["HX-Redirect"] == "/login?next=/venues?q%3Dcho"


def test_unknown_ids_are_not_found(client, login, records):
    login()
    for url in (
        "/venues/999999",
        "/inspections/999999",
        "/photos/00000000-0000-0000-0000-000000000000/x.jpg",
    ):
        assert client.get(url).status_code == 404


OFFICE_PAGES = [
    *PAGES,
    "/inspections",
    "/map",
    "/map/venues.json",
    "/escalations",
    "/assignments",
    "/posters/queue",
]


@pytest.mark.parametrize("url", [u for u in OFFICE_PAGES if u not in RECORDING])
def test_province_supervisor_sees_every_district_of_the_province(
    client, login, records, make_user, neighbour_district, url
):
    login(make_user("tinh", role="supervisor", district=neighbour_district, scope="province"))
    assert client.get(url.format(**records)).status_code == 200


def _place_on_map(venue_id):
    venue = db.session.get(Venue, venue_id)
    venue.latitude, venue.longitude = 20.25, 104.85
    db.session.commit()


def test_province_supervisor_lists_hold_the_other_districts_records(
    client, login, records, make_user, neighbour_district
):
    _place_on_map(records["venue"])
    login(make_user("tinh", role="supervisor", district=neighbour_district, scope="province"))
    assert "Chợ Sơn Hà" in client.get("/venues?q=cho son ha").get_data(as_text=True)
    assert "Chợ Sơn Hà" in client.get("/inspections").get_data(as_text=True)
    points = client.get("/map/venues.json").get_json()["venues"]
    assert [p["name"] for p in points] == ["Chợ Sơn Hà"]
    home = client.get("/").get_data(as_text=True)
    assert "Thanh Hóa" in home and "2 huyện" in home


def test_district_supervisor_of_the_same_province_does_not(
    client, login, records, make_user, neighbour_district
):
    _place_on_map(records["venue"])
    login(make_user("huyen", role="supervisor", district=neighbour_district))
    assert client.get(f"/venues/{records['venue']}").status_code == 404
    assert client.get(f"/inspections/{records['inspection']}").status_code == 404
    assert "Chợ Sơn Hà" not in client.get("/inspections").get_data(as_text=True)
    assert client.get("/map/venues.json").get_json()["venues"] == []


@pytest.mark.parametrize("url", [u for u in PAGES if "{" in u])
def test_province_supervisor_of_another_province_gets_nothing(
    client, login, records, make_user, other_district, url
):
    login(make_user("sonla", role="supervisor", district=other_district, scope="province"))
    assert client.get(url.format(**records)).status_code == 404


def test_province_scope_on_an_inspector_gives_nothing_more(
    client, login, records, make_user, neighbour_district
):
    """Only supervisors and admins can see a province; an inspector stays in their district."""
    login(make_user("camthuy", district=neighbour_district, scope="province"))
    assert client.get(f"/venues/{records['venue']}").status_code == 404
