"""Likely duplicate venues: found, merged or kept apart by an admin."""

import pytest
from sqlalchemy import select

from fieldapp.extensions import db
from fieldapp.models import AuditEntry, Inspection
from fieldapp.venues.duplicates import likely_duplicates
from tests.factories import commune_named


@pytest.fixture
def venues(make_venue, quan_son):
    return {
        "market": make_venue("Chợ Sơn Hà", latitude=20.25600, longitude=104.94200),
        "same_name": make_venue(
            "CHO SON HA", latitude=None, longitude=None, contact_phone="0912000111"
        ),
        "next_door": make_venue(
            "Quán nước cổng chợ", venue_type="shop", latitude=20.25610, longitude=104.94205
        ),  # about 12 m away
        "far": make_venue(
            "Trạm Y tế xã Sơn Hà", venue_type="health_station", latitude=20.2600, longitude=104.9500
        ),
        "other_commune": make_venue(
            "Chợ Sơn Hà",
            commune=commune_named(quan_son, "Trung Xuân"),
            latitude=20.30,
            longitude=104.98,
        ),
    }


def pair_names(pairs):
    return {(p.first.code, p.second.code) for p in pairs}


def test_same_name_in_a_commune_or_within_20_m(app, venues, quan_son):
    pairs = likely_duplicates(quan_son.id)
    codes = {name: venue.code for name, venue in venues.items()}
    assert pair_names(pairs) == {
        (codes["market"], codes["same_name"]),
        (codes["market"], codes["next_door"]),
    }
    near = next(p for p in pairs if p.second.code == codes["next_door"])
    assert 5 < near.distance_m < 20 and not near.same_name


def test_admin_merges_and_nothing_is_counted_twice(post_finding, client, login, venues, make_user):
    login()
    post_finding(venues["same_name"])
    client.post("/logout")
    login(make_user("admin", role="admin"))
    page = client.get("/venues/duplicates").get_data(as_text=True)
    assert "CHO SON HA" in page and "Trùng tên." in page
    assert "Lịch sử thay đổi" in client.get(f"/venues/{venues['market'].id}").get_data(as_text=True)
    response = client.post(
        "/venues/duplicates/merge",
        data={"keep": venues["market"].id, "drop": venues["same_name"].id},
    )
    assert response.status_code == 303
    market, dropped = venues["market"], venues["same_name"]
    db.session.refresh(market)
    db.session.refresh(dropped)
    assert not dropped.is_active and dropped.merged_into_id == market.id
    assert [i.venue_id for i in db.session.scalars(select(Inspection))] == [market.id]
    assert market.last_outcome == "compliant" and market.contact_phone == "0912000111"
    assert (
        db.session.scalar(
            select(AuditEntry).where(
                AuditEntry.entity_id == dropped.id, AuditEntry.entity == "venue"
            )
        ).action
        == "delete"
    )
    venue_page = client.get(f"/venues/{dropped.id}").get_data(as_text=True)
    assert "Đã xóa" in venue_page and f"/venues/{market.id}" in venue_page
    assert dropped.code not in client.get("/venues/duplicates").get_data(as_text=True)
    again = client.post(
        "/venues/duplicates/merge",
        data={"keep": market.id, "drop": dropped.id},
        follow_redirects=True,
    )
    assert "đã được gộp hoặc đã đóng" in again.get_data(as_text=True)


def test_admin_keeps_two_venues_apart(client, login, venues, make_user, quan_son):
    login(make_user("admin", role="admin"))
    client.post(
        "/venues/duplicates/dismiss",
        data={"keep": venues["next_door"].id, "drop": venues["market"].id},
    )
    assert len(likely_duplicates(quan_son.id)) == 1


def test_only_admins(client, login, venues):
    login(username="supervisor", role="supervisor")
    assert client.get("/venues/duplicates").status_code == 403
    assert (
        client.post(
            "/venues/duplicates/merge",
            data={"keep": venues["market"].id, "drop": venues["same_name"].id},
        ).status_code
        == 403
    )


def test_another_district_s_venue_cannot_be_merged(
    client, login, venues, make_user, make_venue, other_district
):
    login(make_user("admin", role="admin"))
    foreign = make_venue("Chợ Chiềng Đông", commune=other_district.communes[0])
    assert (
        client.post(
            "/venues/duplicates/merge", data={"keep": venues["market"].id, "drop": foreign.id}
        ).status_code
        == 404
    )
    assert foreign.is_active
