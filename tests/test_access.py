"""Who may open what: every URL, for each role and for a user of another district."""
import pytest
from sqlalchemy import select

from fieldapp.extensions import db
from fieldapp.models import Inspection
from tests.conftest import inspection_answers


@pytest.fixture
def records(client, make_user, make_venue, login):
    """A venue with one inspection in Quan Sơn, recorded by its inspector."""
    venue = make_venue("Chợ Sơn Hà")
    inspector = login(username="recorder")
    client.post(f"/venues/{venue.id}/inspections", data=inspection_answers(),
                content_type="multipart/form-data")
    client.post("/logout")
    inspection = db.session.scalar(select(Inspection))
    return {"venue": venue.id, "inspection": inspection.id,
            "photo": inspection.photos[0].path, "inspector": inspector}


PAGES = ["/", "/venues", "/venues?q=cho", "/venues/{venue}", "/venues/new",
         "/venues/{venue}/inspections/new", "/inspections/{inspection}", "/photos/{photo}"]
RECORDING = {"/venues/{venue}/inspections/new"}


@pytest.mark.parametrize("role", ["inspector", "supervisor", "admin"])
@pytest.mark.parametrize("url", PAGES)
def test_own_district_by_role(client, login, records, role, url):
    login(username=f"{role}-1", role=role)
    expected = 403 if role == "admin" and url in RECORDING else 200
    assert client.get(url.format(**records)).status_code == expected


@pytest.mark.parametrize("url", [u for u in PAGES if "{" in u])
def test_another_district_gets_nothing(client, login, records, make_user, other_district, url):
    login(make_user("yc", district=other_district))
    assert client.get(url.format(**records)).status_code == 404


@pytest.mark.parametrize("url", PAGES)
def test_anonymous_is_sent_to_log_in(client, records, url):
    response = client.get(url.format(**records))
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_anonymous_htmx_request_redirects_the_whole_page(client, records):
    response = client.get("/venues?q=cho", headers={
        "HX-Request": "true", "HX-Current-URL": "http://localhost/venues?q=cho"})
    assert response.status_code == 401
    assert response.headers["HX-Redirect"] == "/login?next=/venues?q%3Dcho"


def test_unknown_ids_are_not_found(client, login, records):
    login()
    for url in ("/venues/999999", "/inspections/999999",
                "/photos/00000000-0000-0000-0000-000000000000/x.jpg"):
        assert client.get(url).status_code == 404
