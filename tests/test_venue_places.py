"""Where a new venue is put: the communes a venue's form offers (access.commune_picker).
A district's communes in one list; a province's under their districts' names; an area with
more communes than a list holds (access.PICKER_MAX: a province of hundreds, the country's
ten thousand), its districts first and then the chosen district's communes."""

import re

from sqlalchemy import select

from fieldapp import access
from fieldapp.extensions import db
from fieldapp.models import Commune, Venue
from tests.factories import commune_named


def options(html: str, name: str) -> list[str]:
    select_html = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', html, re.DOTALL)
    return re.findall(r"<option[^>]*>([^<]*)</option>", select_html.group(1)) if select_html else []


def optgroups(html: str, name: str) -> list[str]:
    select_html = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', html, re.DOTALL)
    return re.findall(r'<optgroup label="([^"]*)"', select_html.group(1)) if select_html else []


def selected(html: str, name: str) -> list[str]:
    select_html = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', html, re.DOTALL)
    return re.findall(r'<option selected value="([^"]*)"', select_html.group(1))


def venue_form(**fields) -> dict:
    return {"name": "Quán Bản Nưa", "venue_type": "shop", "address": "Bản Nưa", **fields}


def test_a_district_user_picks_from_one_list(client, login, quan_son):
    login()
    page = client.get("/venues/new").get_data(as_text=True)
    assert options(page, "commune_id")[1:] == ["Sơn Hà", "Sơn Lư", "Trung Xuân"]
    assert optgroups(page, "commune_id") == []
    assert 'name="district_id"' not in page


def test_a_province_user_sees_communes_under_their_districts(
    client, login, make_user, quan_son, neighbour_district
):
    login(make_user("tinh", role="supervisor", scope="province"))
    page = client.get("/venues/new").get_data(as_text=True)
    assert optgroups(page, "commune_id") == ["Huyện Cẩm Thủy", "Huyện Quan Sơn"]
    assert options(page, "commune_id")[1:] == ["Cẩm Châu", "Sơn Hà", "Sơn Lư", "Trung Xuân"]
    assert 'name="district_id"' not in page

    cam_chau = commune_named(neighbour_district, "Cẩm Châu")
    answer = client.post("/venues/new", data=venue_form(commune_id=cam_chau.id))
    assert answer.status_code == 303
    venue = db.session.scalar(select(Venue).where(Venue.name == "Quán Bản Nưa"))
    assert venue.commune_id == cam_chau.id


def wide(monkeypatch):
    """Every area of these tests has more communes than a list holds."""
    monkeypatch.setattr(access, "PICKER_MAX", 2)


def test_a_wide_area_chooses_the_district_first(
    client, login, make_user, quan_son, neighbour_district, other_district, monkeypatch
):
    wide(monkeypatch)
    login(make_user("quoc", role="supervisor", scope="country"))
    page = client.get("/venues/new").get_data(as_text=True)
    assert optgroups(page, "district_id") == ["Tỉnh Sơn La", "Tỉnh Thanh Hóa"]
    assert options(page, "district_id")[1:] == [
        "Huyện Yên Châu",
        "Huyện Cẩm Thủy",
        "Huyện Quan Sơn",
    ]
    # The user's own district is chosen at first, its communes listed, no other commune.
    assert selected(page, "district_id") == [str(quan_son.id)]
    assert options(page, "commune_id")[1:] == ["Sơn Hà", "Sơn Lư", "Trung Xuân"]
    assert 'hx-get="/venues/new"' in page

    # Choosing another district swaps in its communes.
    answer = client.get(
        "/venues/new",
        query_string={"district_id": other_district.id},
        headers={"HX-Request": "true", "HX-Trigger-Name": "district_id"},
    )
    fragment = answer.get_data(as_text=True)
    assert answer.status_code == 200 and "<html" not in fragment
    assert 'id="field-commune_id"' in fragment
    assert options(fragment, "commune_id")[1:] == ["Chiềng Đông"]

    chieng_dong = commune_named(other_district, "Chiềng Đông")
    answer = client.post(
        "/venues/new", data=venue_form(district_id=other_district.id, commune_id=chieng_dong.id)
    )
    assert answer.status_code == 303
    venue = db.session.scalar(select(Venue).where(Venue.name == "Quán Bản Nưa"))
    assert venue.commune_id == chieng_dong.id


def test_a_commune_outside_the_chosen_district_is_refused_and_the_form_kept(
    client, login, make_user, quan_son, other_district, monkeypatch
):
    wide(monkeypatch)
    login(make_user("quoc", role="supervisor", scope="country"))
    son_ha = commune_named(quan_son, "Sơn Hà")
    answer = client.post(
        "/venues/new", data=venue_form(district_id=other_district.id, commune_id=son_ha.id)
    )
    assert answer.status_code == 422
    page = answer.get_data(as_text=True)
    assert 'value="Quán Bản Nưa"' in page
    assert re.search(r'class="field[^"]*has-error[^"]*" id="field-commune_id"', page)
    assert options(page, "commune_id")[1:] == ["Chiềng Đông"]  # the district chosen stays
    assert db.session.scalar(select(Venue).where(Venue.name == "Quán Bản Nưa")) is None


def test_a_district_outside_the_area_offers_no_commune(
    client, login, make_user, quan_son, neighbour_district, other_district, monkeypatch
):
    wide(monkeypatch)
    login(make_user("tinh", role="supervisor", scope="province"))
    page = client.get("/venues/new").get_data(as_text=True)
    assert options(page, "district_id")[1:] == ["Huyện Cẩm Thủy", "Huyện Quan Sơn"]
    chieng_dong = commune_named(other_district, "Chiềng Đông")
    answer = client.post(
        "/venues/new", data=venue_form(district_id=other_district.id, commune_id=chieng_dong.id)
    )
    assert answer.status_code == 422
    assert options(answer.get_data(as_text=True), "commune_id")[1:] == []
    assert db.session.scalar(select(Venue).where(Venue.name == "Quán Bản Nưa")) is None


def test_the_wide_form_never_lists_every_commune(
    client, login, make_user, quan_son, neighbour_district, other_district, monkeypatch
):
    wide(monkeypatch)
    login(make_user("quoc", role="supervisor", scope="country"))
    page = client.get("/venues/new").get_data(as_text=True)
    every = db.session.scalar(select(db.func.count()).select_from(Commune))
    assert len(options(page, "commune_id")) - 1 < every


def test_a_tampered_commune_or_district_is_refused_not_taken_as_none(
    client, login, make_user, quan_son, monkeypatch
):
    login()
    for bad in ("abc", "-1", "99999999999999999999"):
        answer = client.post("/venues/new", data=venue_form(commune_id=bad))
        assert answer.status_code == 422, bad
        assert 'value="Quán Bản Nưa"' in answer.get_data(as_text=True)
    wide(monkeypatch)
    login(make_user("quoc", role="supervisor", scope="country"))
    son_ha = commune_named(quan_son, "Sơn Hà")
    answer = client.post("/venues/new", data=venue_form(district_id="abc", commune_id=son_ha.id))
    assert answer.status_code == 422
    assert db.session.scalar(select(Venue).where(Venue.name == "Quán Bản Nưa")) is None
