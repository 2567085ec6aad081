"""Venue search, the venue page and on-the-spot registration."""

import pytest
from sqlalchemy import select

from fieldapp.extensions import db
from fieldapp.models import Commune, Venue
from fieldapp.venues.service import search_venues
from tests.factories import commune_named


@pytest.fixture
def venues(make_venue, quan_son):
    son_lu = commune_named(quan_son, "Sơn Lư")
    return {
        "market": make_venue("Chợ Sơn Hà", address="Bản Hạ Sơn"),
        "school": make_venue(
            "Trường THCS Trung Xuân",
            venue_type="school",
            commune=commune_named(quan_son, "Trung Xuân"),
            address="Bản Din",
        ),
        "shop": make_venue(
            "Cửa hàng tạp hóa Đức Anh",
            venue_type="shop",
            commune=son_lu,
            address="Khu 1, thị trấn Sơn Lư",
        ),
        "closed": make_venue(
            "Nhà nghỉ Sơn Hà cũ", venue_type="tourist_accommodation", is_active=False
        ),
    }


@pytest.mark.parametrize("query", ["son ha", "SƠN HÀ", "Sơn Hà", "cho son", "CHỢ"])
def test_search_ignores_diacritics_and_case(app, venues, quan_son, query):
    found = search_venues(quan_son.id, query).venues
    assert venues["market"] in found
    assert venues["closed"] not in found


def test_search_matches_code_and_address(app, venues, quan_son):
    assert search_venues(quan_son.id, venues["school"].code.lower()).venues == [venues["school"]]
    assert search_venues(quan_son.id, "khu 1 son lu").venues == [venues["shop"]]
    assert search_venues(quan_son.id, "duc anh").venues == [venues["shop"]]


def test_search_filters_by_commune_and_type(app, venues, quan_son):
    son_lu = commune_named(quan_son, "Sơn Lư")
    assert search_venues(quan_son.id, "", commune_id=son_lu.id).venues == [venues["shop"]]
    assert search_venues(quan_son.id, "", venue_type="school").venues == [venues["school"]]


def test_search_stays_in_the_district(app, venues, quan_son, other_district, make_venue):
    make_venue("Chợ Sơn Hà", commune=other_district.communes[0], code="YC-1")
    found = search_venues(quan_son.id, "cho son ha").venues
    assert found == [venues["market"]]


def test_search_page_and_fragment(client, login, venues):
    login()
    page = client.get("/venues?q=son+ha")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "<html" in html and "Chợ Sơn Hà" in html
    assert "HX-Request" in page.headers["Vary"]
    fragment = client.get("/venues?q=son+ha", headers={"HX-Request": "true"})
    body = fragment.get_data(as_text=True)
    assert "<html" not in body
    assert 'id="venue-results"' in body and "Chợ Sơn Hà" in body
    assert "Trường THCS" not in body


def test_boosted_and_history_restore_requests_get_the_page(client, login, venues):
    login()
    for headers in (
        {"HX-Request": "true", "HX-Boosted": "true"},
        {"HX-Request": "true", "HX-History-Restore-Request": "true"},
    ):
        assert "<html" in client.get("/venues?q=cho", headers=headers).get_data(as_text=True)


def test_search_with_no_match_says_so(client, login, venues):
    login()
    body = client.get("/venues?q=xyzzy", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "Không có địa điểm nào khớp" in body


@pytest.mark.parametrize("query", ["😀", "...", "?!"])
@pytest.mark.parametrize("fragment", [True, False])
def test_a_search_with_no_letter_or_digit_says_what_to_type(client, login, venues, query, fragment):
    login()
    headers = {"HX-Request": "true"} if fragment else {}
    body = client.get("/venues", query_string={"q": query}, headers=headers).get_data(as_text=True)
    assert 'id="no-venue-found"' in body and "không có chữ hoặc số để tìm" in body
    assert "Chợ Sơn Hà" not in body and "Trường THCS Trung Xuân" not in body


def test_search_pages_with_infinite_scroll(client, login, make_venue, app):
    app.config["SEARCH_PAGE_SIZE"] = 5
    login()
    for n in range(12):
        make_venue(f"Cửa hàng số {n:02d}", venue_type="shop")
    first = client.get("/venues?q=cua+hang", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert first.count('class="list-link"') == 5
    assert "page=2" in first
    third = client.get("/venues?q=cua+hang&page=3", headers={"HX-Request": "true"})
    body = third.get_data(as_text=True)
    assert body.count('class="list-link"') == 2
    assert "page=4" not in body


def test_search_list_does_not_query_per_row(client, login, make_venue, queries):
    login()
    for n in range(10):
        make_venue(f"Cửa hàng số {n}", venue_type="shop")
    queries.clear()
    client.get("/venues?q=cua+hang", headers={"HX-Request": "true"})
    # The user, the search (on PostgreSQL its plan settings too), the page's venues and
    # their open assignments: the same few whatever the number of rows.
    assert len(queries) <= 5, queries


def test_venue_page_shows_details_and_empty_history(client, login, venues):
    login()
    page = client.get(f"/venues/{venues['market'].id}").get_data(as_text=True)
    assert "Chợ Sơn Hà" in page
    assert "Chưa được kiểm tra" in page
    assert f"/venues/{venues['market'].id}/inspections/new" in page
    # the title is the venue's name; the trail of changes is in the page, not in its title
    title = page[page.index("<title>") : page.index("</title>")]
    assert "Chợ Sơn Hà" in title and "audit" not in title and "&lt;" not in title
    assert page.index('id="audit"') > page.index("</title>")


def test_venue_of_another_district_is_not_found(client, login, other_district, make_venue):
    login()
    foreign = make_venue("Chợ Chiềng Đông", commune=other_district.communes[0])
    assert client.get(f"/venues/{foreign.id}").status_code == 404
    assert client.get("/venues/999999").status_code == 404


def registration(quan_son, **overrides):
    form = {
        "name": "Quán cà phê Bản Bôn",
        "venue_type": "shop",
        "commune_id": str(commune_named(quan_son, "Trung Xuân").id),
        "address": "Bản Bôn",
        "contact_name": "Hà Văn Tú",
        "contact_phone": "0987654321",
        "latitude": "20.31",
        "longitude": "104.85",
    }
    form.update(overrides)
    return form


def test_register_a_venue_on_the_spot(client, login, quan_son):
    user = login()
    response = client.post("/venues/new", data=registration(quan_son))
    assert response.status_code == 303
    venue = db.session.scalar(select(Venue).where(Venue.name == "Quán cà phê Bản Bôn"))
    assert venue.code == "QS-TX-0001"  # the district's and the commune's initials
    assert venue.created_by_id == user.id
    assert venue.latitude == 20.31
    assert response.headers["Location"] == f"/venues/{venue.id}/registered"
    assert venue in search_venues(quan_son.id, "quan ca phe ban bon").venues


def test_registration_errors_keep_what_was_typed(client, login, quan_son):
    login()
    response = client.post("/venues/new", data=registration(quan_son, name="", contact_phone="12"))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Nhập tên địa điểm" in page
    assert "Hà Văn Tú" in page and "Bản Bôn" in page


def test_registration_refuses_a_commune_of_another_district(
    client, login, quan_son, other_district
):
    login()
    response = client.post(
        "/venues/new", data=registration(quan_son, commune_id=str(other_district.communes[0].id))
    )
    assert response.status_code == 422
    assert db.session.scalar(select(Venue)) is None


def test_registration_refuses_a_same_name_venue_in_the_commune(client, login, quan_son, make_venue):
    login()
    existing = make_venue("Quán cà phê Bản Bôn", commune=commune_named(quan_son, "Trung Xuân"))
    response = client.post("/venues/new", data=registration(quan_son, name="quan ca phe ban bon"))
    assert response.status_code == 422
    assert f"/venues/{existing.id}" in response.get_data(as_text=True)


def test_registration_refuses_a_taken_code(client, login, quan_son, make_venue):
    login()
    make_venue(code="QS-TAKEN")
    response = client.post("/venues/new", data=registration(quan_son, code="QS-TAKEN"))
    assert response.status_code == 422
    assert "Mã này đã thuộc về địa điểm khác" in response.get_data(as_text=True)


def test_a_code_taken_in_another_district_is_refused_without_saying_so(
    client, login, quan_son, other_district, make_venue
):
    login()
    make_venue("Chợ Chiềng Đông", code="YC-TAKEN", commune=other_district.communes[0])
    response = client.post("/venues/new", data=registration(quan_son, code="YC-TAKEN"))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Không thể dùng mã này ở huyện của bạn" in page
    assert "địa điểm khác" not in page and "Chiềng Đông" not in page
    assert 'value="YC-TAKEN"' in page  # what was typed is kept
    free = client.post("/venues/new", data=registration(quan_son, code="QS-FREE"))
    assert free.status_code == 303


def test_words_match_at_word_starts_only(app, quan_son, make_venue):
    bus = make_venue("Bến xe khách Quan Sơn", venue_type="public_transport", address="Khu 3")
    market = make_venue("Chợ Sơn Hà", address="Bản Na Hồ")
    found = search_venues(quan_son.id, "son ha").venues
    assert market in found
    assert bus not in found  # "ha" is inside "khách", not the start of a word


def test_names_starting_with_the_phrase_come_first(app, quan_son, make_venue):
    later = make_venue("Cửa hàng Sơn Hà", venue_type="shop", address="Bản Hạ")
    address_only = make_venue(
        "Trường Mầm non Bản Bơ", venue_type="school", address="Bản Bơ, xã Sơn Hà"
    )
    first = make_venue("Sơn Hà Mart", venue_type="mini_supermarket", address="Bản Hậu")
    assert search_venues(quan_son.id, "son ha").venues == [first, later, address_only]


def test_part_of_a_code_finds_the_venue(app, quan_son, make_venue):
    venue = make_venue("Chợ Sơn Hà", code="QS-SH-0042")
    assert search_venues(quan_son.id, "0042").venues == [venue]


def test_registration_makes_the_inspector_choose_type_and_commune(client, login, quan_son):
    login()
    form_page = client.get("/venues/new?name=Qu%C3%A1n").get_data(as_text=True)
    assert "— Chọn —" in form_page and 'value="Quán"' in form_page
    response = client.post("/venues/new", data=registration(quan_son, venue_type="", commune_id=""))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Chọn loại hình." in page and "Chọn một đơn vị cấp xã trong huyện của bạn." in page
    assert db.session.scalar(select(Venue)) is None


def test_communes_are_listed_in_vietnamese_order(client, login, quan_son):

    db.session.add(Commune(name="Sơn Điện", kind="xa", district=quan_son))
    db.session.commit()
    login()
    page = client.get("/venues").get_data(as_text=True)
    order = [
        page.index(f">{name}</option>") for name in ("Sơn Điện", "Sơn Hà", "Sơn Lư", "Trung Xuân")
    ]
    assert order == sorted(order)
