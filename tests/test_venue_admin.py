"""A venue as the office keeps it: an admin's edit, closing with a reason and reopening
(audited, in its trail), and a venue added on the spot (its code, its name, the start button)."""

import json
import threading
from datetime import timedelta

import lxml.html
import pytest
from sqlalchemy import select

from fieldapp import clock
from fieldapp.extensions import db
from fieldapp.models import Assignment, AuditEntry, Venue
from fieldapp.venues import service
from fieldapp.venues.service import (
    name_from_search,
    next_venue_code,
    register_venue,
    search_venues,
    venue_code_prefix,
)
from tests.factories import PASSWORD, commune_named


@pytest.fixture
def admin(login, make_user):
    return login(make_user("admin", role="admin"))


@pytest.fixture
def market(make_venue):
    return make_venue("Chợ Sơn Hà", code="QS-SH-0001", contact_phone="0912000111")


def edit_form(venue, **overrides):
    form = {
        "name": venue.name,
        "venue_type": venue.venue_type,
        "commune_id": str(venue.commune_id),
        "address": venue.address,
        "contact_name": venue.contact_name,
        "contact_phone": venue.contact_phone,
        "qr_payload": venue.qr_payload,
        "latitude": "",
        "longitude": "",
    }
    form.update(overrides)
    return form


def entries(venue, action=None):
    query = select(AuditEntry).where(AuditEntry.entity == "venue", AuditEntry.entity_id == venue.id)
    if action:
        query = query.where(AuditEntry.action == action)
    return list(db.session.scalars(query.order_by(AuditEntry.id)))


def page_of(response):
    return lxml.html.fromstring(response.get_data(as_text=True))


# Editing --------------------------------------------------------------------------------------


def test_an_admin_edits_a_venue_audited_field_by_field(client, admin, market, quan_son):
    assert client.get(f"/venues/{market.id}/edit").status_code == 200
    response = client.post(
        f"/venues/{market.id}/edit",
        data=edit_form(
            market,
            name="Chợ trung tâm Sơn Hà",
            address="Bản Hậu",
            commune_id=str(commune_named(quan_son, "Trung Xuân").id),
            latitude="20.2561",
            longitude="104.9421",
        ),
    )
    assert response.status_code == 303
    assert response.headers["Location"] == f"/venues/{market.id}"
    db.session.refresh(market)
    assert market.name == "Chợ trung tâm Sơn Hà" and market.address == "Bản Hậu"
    assert market.commune.name == "Trung Xuân" and market.latitude == 20.2561
    assert market.code == "QS-SH-0001"  # the code is not edited: posters carry it
    (entry,) = entries(market, "edit")
    changes = json.loads(entry.changes)
    assert changes["name"] == ["Chợ Sơn Hà", "Chợ trung tâm Sơn Hà"]
    assert changes["address"] == ["Bản Na Hồ", "Bản Hậu"]
    assert set(changes) == {"name", "address", "commune_id", "latitude", "longitude"}
    assert entry.user_id == admin.id and entry.district_id == quan_son.id
    trail = page_of(client.get(f"/venues/{market.id}")).xpath('//*[@id="audit"]')[0]
    text = " ".join(trail.text_content().split())
    assert "Chợ Sơn Hà → Chợ trung tâm Sơn Hà" in text and "Sơn Hà → Trung Xuân" in text


def test_the_search_index_follows_an_edited_name(client, admin, market, quan_son):
    """On both engines (FTS5 triggers, the PostgreSQL index table): the new name is found,
    the old one no longer."""
    assert search_venues(quan_son.id, "cho son ha").venues == [market]
    client.post(f"/venues/{market.id}/edit", data=edit_form(market, name="Chợ phiên Na Hồ"))
    db.session.expire_all()
    assert [v.id for v in search_venues(quan_son.id, "cho phien na ho").venues] == [market.id]
    assert search_venues(quan_son.id, "cho son ha").venues == []
    assert search_venues(quan_son.id, "son ha").venues == []


def test_an_edit_that_changes_nothing_records_nothing(client, admin, market):
    response = client.post(f"/venues/{market.id}/edit", data=edit_form(market))
    assert response.status_code == 303
    assert entries(market, "edit") == []


def test_bad_input_is_refused_and_kept(client, admin, market):
    response = client.post(
        f"/venues/{market.id}/edit",
        data=edit_form(market, name="Chợ mới Sơn Hà", contact_phone="12", latitude="95"),
    )
    assert response.status_code == 422
    page = page_of(response)
    assert page.xpath('//input[@name="name"]')[0].get("value") == "Chợ mới Sơn Hà"
    assert page.xpath('//input[@name="contact_phone"]')[0].get("value") == "12"
    assert page.xpath('//*[@id="field-contact_phone"]//*[@class="error"]')
    assert page.xpath('//input[@name="latitude"]')[0].get("value") == "95"
    db.session.refresh(market)
    assert market.name == "Chợ Sơn Hà" and entries(market) == []


def test_emptying_the_registered_qr_content_asks_first(client, admin, make_venue):
    """Posters carry the registered content: a plain save that empties it is refused with
    what it does, the other changes kept; ticking the box removes it, audited."""
    venue = make_venue("Nhà văn hóa bản Bơ", qr_payload="https://qr.gov.vn/v/QS-SH-0160")
    response = client.post(
        f"/venues/{venue.id}/edit", data=edit_form(venue, qr_payload="", address="Bản Bơ mới")
    )
    assert response.status_code == 422
    page = page_of(response)
    assert page.xpath('//*[@id="field-qr_payload"]//*[@class="error"]')
    assert page.xpath('//*[@id="remove-qr"]//input[@name="remove_qr"]')
    assert page.xpath('//input[@name="address"]')[0].get("value") == "Bản Bơ mới"
    db.session.refresh(venue)
    assert venue.qr_payload == "https://qr.gov.vn/v/QS-SH-0160" and entries(venue) == []

    confirmed = client.post(
        f"/venues/{venue.id}/edit",
        data=edit_form(venue, qr_payload="", address="Bản Bơ mới", remove_qr="y"),
    )
    assert confirmed.status_code == 303
    db.session.refresh(venue)
    assert venue.qr_payload in ("", None) and venue.address == "Bản Bơ mới"
    (entry,) = entries(venue, "edit")
    assert "qr_payload" in json.loads(entry.changes)


def test_changing_or_keeping_the_qr_content_asks_nothing(client, admin, make_venue, market):
    venue = make_venue("Nhà văn hóa bản Bơ", qr_payload="https://qr.gov.vn/v/1")
    changed = client.post(
        f"/venues/{venue.id}/edit", data=edit_form(venue, qr_payload="https://qr.gov.vn/v/2")
    )
    assert changed.status_code == 303
    page = client.get(f"/venues/{venue.id}/edit").get_data(as_text=True)
    assert 'id="remove-qr"' not in page
    # A venue with no registered content saves without it.
    assert client.post(f"/venues/{market.id}/edit", data=edit_form(market)).status_code == 303


def test_an_empty_name_or_another_district_s_commune_is_refused(
    client, admin, market, other_district
):
    blank = client.post(f"/venues/{market.id}/edit", data=edit_form(market, name="   "))
    assert blank.status_code == 422
    foreign = client.post(
        f"/venues/{market.id}/edit",
        data=edit_form(market, commune_id=str(other_district.communes[0].id)),
    )
    assert foreign.status_code == 422
    db.session.refresh(market)
    assert market.name == "Chợ Sơn Hà" and market.commune.district_id != other_district.id


def test_an_edit_refuses_the_name_of_another_venue_of_the_commune(
    client, admin, market, make_venue
):
    shop = make_venue("Quán nước cổng chợ", venue_type="shop")
    response = client.post(f"/venues/{shop.id}/edit", data=edit_form(shop, name="CHO SON HA"))
    assert response.status_code == 422
    assert f"/venues/{market.id}" in response.get_data(as_text=True)


# Closing and reopening ------------------------------------------------------------------------


def test_closing_asks_for_a_reason_then_closes_and_reopening_opens(client, admin, market, quan_son):
    venue_page = page_of(client.get(f"/venues/{market.id}"))
    (close_link,) = venue_page.xpath('//*[@id="close-venue"]')
    assert close_link.tag == "a"  # the page asks first; no one-tap close
    confirm = page_of(client.get(close_link.get("href")))
    assert confirm.xpath('//*[@id="close-confirm"]//textarea[@name="reason"]')
    assert confirm.xpath("//*[@data-confirm-close]")

    refused = client.post(f"/venues/{market.id}/close", data={"reason": "  "})
    assert refused.status_code == 422
    db.session.refresh(market)
    assert market.is_active

    response = client.post(f"/venues/{market.id}/close", data={"reason": "Đã ngừng họp chợ"})
    assert response.status_code == 303
    db.session.refresh(market)
    assert not market.is_active and market.closed_reason == "Đã ngừng họp chợ"
    assert search_venues(quan_son.id, "cho son ha").venues == []
    shown = page_of(client.get(f"/venues/{market.id}"))
    assert "Đã ngừng họp chợ" in shown.xpath("//*[@data-closed-reason]")[0].text_content()
    assert shown.xpath('//*[@id="reopen-venue"]') and not shown.xpath('//*[@id="close-venue"]')
    (closed,) = entries(market, "venue_closed")
    assert json.loads(closed.changes) == {
        "is_active": [True, False],
        "closed_reason": ["", "Đã ngừng họp chợ"],
    }
    assert "Đã đóng địa điểm" in shown.xpath('//*[@id="audit"]')[0].text_content()

    assert client.post(f"/venues/{market.id}/reopen").status_code == 303
    db.session.refresh(market)
    assert market.is_active and market.closed_reason == "" and market.closed_at is None
    assert search_venues(quan_son.id, "cho son ha").venues == [market]
    assert len(entries(market, "venue_reopened")) == 1
    assert "Đã mở lại địa điểm" in client.get(f"/venues/{market.id}").get_data(as_text=True)


def test_a_closed_venue_is_not_assigned_nor_inspected(client, admin, market, login, make_user):
    client.post(f"/venues/{market.id}/close", data={"reason": "Chuyển đi nơi khác"})
    login(make_user("supervisor", role="supervisor"))
    page = client.get(f"/venues/{market.id}").get_data(as_text=True)
    assert f"/venues/{market.id}/inspections/new" not in page
    assert client.get(f"/venues/{market.id}/inspections/new").status_code != 200


def test_closing_names_and_cancels_the_venue_s_open_assignments(client, admin, market, make_user):
    hoa = make_user("hoa", display_name="Lương Thị Hoa")
    assignment = Assignment(
        venue_id=market.id,
        inspector_id=hoa.id,
        due_date=clock.today() + timedelta(days=3),
        created_by_id=admin.id,
    )
    db.session.add(assignment)
    db.session.commit()
    confirm = page_of(client.get(f"/venues/{market.id}/close"))
    (warning,) = confirm.xpath('//*[@id="close-cancels-assignments"]')
    assert "Lương Thị Hoa" in warning.text_content()
    assert clock.day_text(assignment.due_date) in warning.text_content()
    assert assignment.closed_at is None  # nothing cancelled by opening the page

    assert (
        client.post(f"/venues/{market.id}/close", data={"reason": "Chuyển đi"}).status_code == 303
    )
    db.session.refresh(assignment)
    assert assignment.closed_at is not None and assignment.inspection_id is None
    assert len(entries(market, "assignment_cancelled")) == 1


def test_a_long_reason_is_refused_and_kept(client, admin, market):
    reason = "Lý do " * 80
    response = client.post(f"/venues/{market.id}/close", data={"reason": reason})
    assert response.status_code == 422
    assert page_of(response).xpath("//textarea")[0].text_content().strip() == reason.strip()


def test_a_merged_venue_is_not_reopened(client, admin, market, make_venue):
    copy = make_venue("CHO SON HA")
    client.post(
        "/venues/duplicates/merge", data={"keep": market.id, "drop": copy.id, "confirmed": "yes"}
    )
    assert not page_of(client.get(f"/venues/{copy.id}")).xpath('//*[@id="reopen-venue"]')
    assert client.post(f"/venues/{copy.id}/reopen").status_code == 303
    db.session.refresh(copy)
    assert not copy.is_active and entries(copy, "venue_reopened") == []


ADMIN_URLS = [
    ("get", "/venues/{id}/edit"),
    ("post", "/venues/{id}/edit"),
    ("get", "/venues/{id}/close"),
    ("post", "/venues/{id}/close"),
    ("post", "/venues/{id}/reopen"),
]


@pytest.mark.parametrize("role", ["inspector", "supervisor"])
def test_other_roles_are_refused(client, login, make_user, market, role):
    login(make_user(role, role=role))
    for method, url in ADMIN_URLS:
        response = getattr(client, method)(url.format(id=market.id), data={"reason": "x"})
        assert response.status_code == 403, (method, url)
    assert not page_of(client.get(f"/venues/{market.id}")).xpath('//*[@id="venue-admin"]')
    db.session.refresh(market)
    assert market.is_active


def test_another_district_s_admin_does_not_find_the_venue(
    client, login, make_user, market, other_district
):
    login(make_user("yc-admin", role="admin", district=other_district))
    for method, url in ADMIN_URLS:
        response = getattr(client, method)(url.format(id=market.id), data={"reason": "x"})
        assert response.status_code == 404, (method, url)
    db.session.refresh(market)
    assert market.is_active


# A venue added on the spot --------------------------------------------------------------------


def added(quan_son, **overrides):
    form = {
        "name": "Quán cà phê Bản Bôn",
        "venue_type": "shop",
        "commune_id": str(commune_named(quan_son, "Sơn Hà").id),
        "address": "Bản Bôn",
    }
    form.update(overrides)
    return form


def test_codes_follow_the_commune_s_pattern(app, make_venue, quan_son):
    son_ha, son_lu = commune_named(quan_son, "Sơn Hà"), commune_named(quan_son, "Sơn Lư")
    trung_xuan = commune_named(quan_son, "Trung Xuân")
    make_venue("Chợ Sơn Hà", code="QS-SH-0002")
    make_venue("Trạm Y tế", code="QS-SH-0007", commune=son_ha)
    make_venue("Nhà văn hóa", code="QS-SH-0003", commune=son_lu)  # moved: its old code
    make_venue("UBND thị trấn", code="QS-SLU-0001", commune=son_lu)
    make_venue("UBND thị trấn 2", code="QS-SLU-0002", commune=son_lu)
    assert next_venue_code(son_ha) == "QS-SH-0008"
    assert venue_code_prefix(son_lu) == "QS-SLU"  # what most of its venues have
    # No code yet in Trung Xuân: the district's letters and its initials.
    assert next_venue_code(trung_xuan) == "QS-TX-0001"


def test_a_commune_whose_initials_another_commune_has_gets_longer_letters(
    app, make_venue, quan_son
):
    trung_tien = service.Commune(name="Trung Tiến", kind="xa", district=quan_son)
    db.session.add(trung_tien)
    db.session.commit()
    make_venue("UBND xã Trung Thượng", code="QS-TT-0001")
    assert venue_code_prefix(trung_tien) == "QS-TTI"


def test_a_district_without_codes_uses_its_initials(app, other_district):
    assert next_venue_code(other_district.communes[0]) == "YC-CD-0001"


def test_a_code_taken_meanwhile_is_skipped(app, make_user, make_venue, quan_son, monkeypatch):
    """Another request registered the next code between the look-up and the insert: the
    unique code refuses the insert and the next free code is taken (on both engines)."""
    make_venue("Chợ Sơn Hà", code="QS-SH-0001")
    inspector = make_user()
    real = service.next_venue_code
    calls = []

    def stale(commune):
        calls.append(commune.id)
        return "QS-SH-0001" if len(calls) == 1 else real(commune)

    monkeypatch.setattr(service, "next_venue_code", stale)
    venue = register_venue(
        commune_named(quan_son, "Sơn Hà"), inspector, name="Quán Bản Bôn", venue_type="shop"
    )
    db.session.commit()
    assert venue.code == "QS-SH-0002" and len(calls) == 2


def test_concurrent_registrations_get_different_codes(app, make_user, make_venue, quan_son):
    """Four inspectors add four venues of a commune at once: four codes, all different."""
    make_venue("Chợ Sơn Hà", code="QS-SH-0001")
    commune_id = commune_named(quan_son, "Sơn Hà").id
    for n in range(4):
        make_user(f"inspector-{n}")
    clients = [app.test_client() for _ in range(4)]
    barrier = threading.Barrier(len(clients))
    statuses, failures = [], []

    def post(n, client):
        try:
            client.post("/login", data={"username": f"inspector-{n}", "password": PASSWORD})
            barrier.wait()
            form = {"name": f"Quán số {n}", "venue_type": "shop", "commune_id": str(commune_id)}
            statuses.append(client.post("/venues/new", data=form).status_code)
        except Exception as error:  # surfaced below: a thread's exception is otherwise lost
            failures.append(error)

    threads = [threading.Thread(target=post, args=pair) for pair in enumerate(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == [] and statuses == [303] * 4
    codes = db.session.scalars(select(Venue.code).where(Venue.name.like("Quán số %"))).all()
    assert sorted(codes) == ["QS-SH-0002", "QS-SH-0003", "QS-SH-0004", "QS-SH-0005"]


@pytest.mark.parametrize(
    ("typed", "name"),
    [
        ("cho son ha", "Cho son ha"),
        ("Chợ Sơn Hà", "Chợ Sơn Hà"),
        ("  quán   Bản Bôn ", "quán Bản Bôn"),
        ("tạp hóa minh anh", "Tạp hóa minh anh"),
        ("", ""),
    ],
)
def test_the_name_from_the_search_keeps_what_was_typed(typed, name):
    assert name_from_search(typed) == name


def test_the_form_is_filled_with_the_typed_name(client, login):
    login()
    page = page_of(client.get("/venues/new?name=Chợ Sơn Hà"))
    assert page.xpath('//input[@name="name"]')[0].get("value") == "Chợ Sơn Hà"
    assert not page.xpath('//*[@id="hint-name"]')
    folded = page_of(client.get("/venues/new?name=cho son ha"))
    assert folded.xpath('//input[@name="name"]')[0].get("value") == "Cho son ha"
    assert folded.xpath('//*[@id="hint-name"]')  # typed without accents: check the name


@pytest.mark.parametrize("role", ["inspector", "supervisor"])
def test_the_confirmation_offers_the_start_to_whoever_inspects(
    client, login, make_user, quan_son, role
):
    login(make_user(role, role=role))
    response = client.post("/venues/new", data=added(quan_son), follow_redirects=True)
    venue = db.session.scalar(select(Venue).where(Venue.name == "Quán cà phê Bản Bôn"))
    assert venue.code == "QS-SH-0001"
    page = page_of(response)
    (start,) = page.xpath('//*[@id="start-inspection"]')
    assert start.get("href") == f"/venues/{venue.id}/inspections/new"
    assert "Bạn có thể kiểm tra ngay" in page.xpath('//*[@id="registered"]')[0].text_content()


def test_the_confirmation_offers_others_the_venue(client, login, make_user, quan_son):
    login(make_user("admin", role="admin"))
    response = client.post("/venues/new", data=added(quan_son), follow_redirects=True)
    venue = db.session.scalar(select(Venue).where(Venue.name == "Quán cà phê Bản Bôn"))
    page = page_of(response)
    assert not page.xpath('//*[@id="start-inspection"]')
    assert page.xpath('//*[@id="open-venue"]')[0].get("href") == f"/venues/{venue.id}"
    assert "Bạn có thể kiểm tra ngay" not in response.get_data(as_text=True)


def test_another_district_s_confirmation_is_not_found(
    client, login, make_user, make_venue, other_district
):
    venue = make_venue("Quán Bản Bôn")
    login(make_user("yc", district=other_district))
    assert client.get(f"/venues/{venue.id}/registered").status_code == 404


def test_a_refused_emptying_puts_the_registered_content_back_in_the_field(
    client, admin, make_venue
):
    """The admin need not type the content again: it is back in the field, the other edits
    kept; saving again keeps it; ticking the box alone removes it."""
    payload = "https://qr.pccovid.gov.vn/v/QS-SH-0013?k=1d86bf6de8"
    venue = make_venue("Nhà văn hóa bản Hậu", qr_payload=payload)
    refused = client.post(
        f"/venues/{venue.id}/edit",
        data=edit_form(venue, qr_payload="", contact_name="Người mới sửa"),
    )
    assert refused.status_code == 422
    page = page_of(refused)
    assert page.xpath('//textarea[@name="qr_payload"]')[0].text_content().strip() == payload
    assert page.xpath('//input[@name="contact_name"]')[0].get("value") == "Người mới sửa"
    assert page.xpath('//*[@id="remove-qr"]//input[@name="remove_qr"]')

    # Saving the page as it came back: the other edit saved, the content kept.
    saved = client.post(
        f"/venues/{venue.id}/edit",
        data=edit_form(venue, qr_payload=payload, contact_name="Người mới sửa"),
    )
    assert saved.status_code == 303
    db.session.refresh(venue)
    assert venue.qr_payload == payload and venue.contact_name == "Người mới sửa"

    # Ticking the box with the field refilled removes it.
    removed = client.post(
        f"/venues/{venue.id}/edit", data=edit_form(venue, qr_payload=payload, remove_qr="y")
    )
    assert removed.status_code == 303
    db.session.refresh(venue)
    assert venue.qr_payload in ("", None)
