"""Likely duplicate venues: found, merged or kept apart by an admin."""

import lxml.html
import pytest
from sqlalchemy import select

from fieldapp.extensions import db
from fieldapp.models import AuditEntry, Inspection, User
from fieldapp.venues.duplicates import (
    MergeRefused,
    likely_duplicates,
    merge,
    merge_refusal,
    similar_names,
)
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


def test_same_name_in_a_commune_is_flagged_but_a_different_shop_12_m_away_is_not(
    app, venues, quan_son
):
    """Distance alone flags nothing: the drinks stall 12 m from the market has another name."""
    pairs = likely_duplicates(quan_son.id)
    codes = {name: venue.code for name, venue in venues.items()}
    assert pair_names(pairs) == {(codes["market"], codes["same_name"])}


def test_a_similar_name_within_20_m_is_flagged(app, venues, make_venue, quan_son):
    """The same market registered again 12 m away as "Chợ xã Sơn Hà": a real duplicate."""
    again = make_venue("Chợ xã Sơn Hà", latitude=20.25610, longitude=104.94205)
    pairs = likely_duplicates(quan_son.id)
    near = next(
        p
        for p in pairs
        if again in (p.first, p.second)
        and venues["market"]
        in (
            p.first,
            p.second,
        )
    )
    assert 5 < near.distance_m < 20 and not near.same_name
    assert (venues["next_door"].code, again.code) not in pair_names(pairs)


@pytest.mark.parametrize(
    ("a", "b", "similar"),
    [
        ("Chợ Sơn Hà", "CHO SON HA", True),
        ("Chợ Sơn Hà", "Chợ xã Sơn Hà", True),
        ("Tạp hóa Minh Anh", "Cửa hàng tạp hoá Minh Anh", True),
        ("Tạp hóa Minh Anh", "Tạp hóa Minh Châu", False),
        ("Chợ Sơn Hà", "Quán nước cổng chợ", False),
        ("Cửa hàng Thu Hà", "Cửa hàng Lan Anh", False),
    ],
)
def test_similar_names(a, b, similar):
    assert similar_names(a, b) is similar


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
        data={"keep": venues["market"].id, "drop": venues["same_name"].id, "confirmed": "yes"},
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
    response = client.post(
        "/venues/duplicates/dismiss",
        data={"keep": venues["same_name"].id, "drop": venues["market"].id},
    )
    assert response.status_code == 303
    assert likely_duplicates(quan_son.id) == []  # remembered: the pair is not shown again
    page = client.get("/venues/duplicates").get_data(as_text=True)
    assert "data-pair=" not in page


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


def text_of(element) -> str:
    return " ".join(element.text_content().split())


def test_the_screen_offers_keeping_both_first_and_merging_as_a_labelled_risk(
    post_finding, client, login, venues, make_user
):
    """Each venue of a pair with its code, address, last inspection and number of
    inspections; "Gộp vào <code>" leads to a confirmation, never merges in one tap; the
    safe choice is the primary button."""
    login()
    post_finding(venues["same_name"])
    client.post("/logout")
    login(make_user("admin", role="admin"))
    market, same = venues["market"], venues["same_name"]
    html = client.get("/venues/duplicates").get_data(as_text=True)
    (pair,) = lxml.html.fromstring(html).xpath(f'//*[@data-pair="{market.id}-{same.id}"]')
    columns = {int(c.get("data-venue")): c for c in pair.xpath(".//*[@data-venue]")}
    assert text_of(columns[same.id].xpath(".//*[@data-inspections]")[0]) == "1"
    assert text_of(columns[market.id].xpath(".//*[@data-inspections]")[0]) == "0"
    last = columns[same.id].xpath(".//*[@data-last-inspection]")[0]
    assert last.xpath(".//*[contains(@class, 'badge-compliant')]")
    assert market.code in text_of(columns[market.id])
    assert "Bản Na Hồ" in text_of(columns[market.id])
    (merge,) = columns[market.id].xpath(".//*[@data-merge-into]")
    assert merge.tag == "a" and "btn-primary" not in merge.get("class")
    assert text_of(merge) == f"Gộp vào {market.code}"
    assert merge.get("href") == f"/venues/duplicates/merge?keep={market.id}&drop={same.id}"
    (keep_both,) = pair.xpath(".//*[@data-keep-both]")
    assert "btn-primary" in keep_both.get("class")
    assert text_of(keep_both) == "Không trùng, giữ cả hai"
    assert f"Giữ {market.code}" not in html

    confirm = client.get(merge.get("href"))
    assert confirm.status_code == 200
    sheet = lxml.html.fromstring(confirm.get_data(as_text=True))
    effects = {li.get("data-effect"): text_of(li) for li in sheet.xpath("//*[@data-effect]")}
    assert set(effects) == {"inspections", "assignments", "posters", "closed"}
    assert "1" in effects["inspections"] and market.code in effects["inspections"]
    (form,) = sheet.xpath('//*[@id="merge-confirm"]//form')
    assert form.get("action") == "/venues/duplicates/merge"
    fields = {i.get("name"): i.get("value") for i in form.xpath(".//input")}
    assert fields["confirmed"] == "yes" and fields["keep"] == str(market.id)
    db.session.refresh(same)
    assert same.is_active  # looking at the confirmation moved nothing


def test_a_merge_post_without_confirmation_asks_first(client, login, venues, make_user):
    login(make_user("admin", role="admin"))
    market, same = venues["market"], venues["same_name"]
    response = client.post("/venues/duplicates/merge", data={"keep": market.id, "drop": same.id})
    assert response.status_code == 409
    assert 'id="merge-confirm"' in response.get_data(as_text=True)
    db.session.refresh(same)
    assert same.is_active and same.merged_into_id is None


def test_the_confirmation_of_a_bad_pair(
    client, login, venues, make_user, make_venue, other_district
):
    login(make_user("admin", role="admin"))
    market = venues["market"]
    assert client.get("/venues/duplicates/merge").status_code == 400
    assert (
        client.get(f"/venues/duplicates/merge?keep={market.id}&drop={market.id}").status_code == 400
    )
    foreign = make_venue("Chợ Chiềng Đông", commune=other_district.communes[0])
    assert (
        client.get(f"/venues/duplicates/merge?keep={market.id}&drop={foreign.id}").status_code
        == 404
    )


def test_a_closed_venue_is_never_the_one_kept(client, login, venues, make_user):
    """An open venue merged into a closed karaoke bar would point there with no way back."""
    login(make_user("admin", role="admin"))
    market, same = venues["market"], venues["same_name"]
    market.is_active = False
    db.session.commit()
    url = f"/venues/duplicates/merge?keep={market.id}&drop={same.id}"
    page = client.get(url)
    assert page.status_code == 409
    sheet = lxml.html.fromstring(page.get_data(as_text=True))
    assert sheet.xpath('//*[@id="merge-refused"]')
    assert not sheet.xpath("//*[@data-confirm-merge]")
    states = {
        v.get("data-merge-venue"): v.xpath(".//*[@data-state]")[0].get("data-state")
        for v in sheet.xpath("//*[@data-merge-venue]")
    }
    assert states == {"keep": "closed", "drop": "open"}
    posted = client.post(
        "/venues/duplicates/merge", data={"keep": market.id, "drop": same.id, "confirmed": "yes"}
    )
    assert posted.status_code == 409
    db.session.refresh(same)
    assert same.is_active and same.merged_into_id is None


def test_a_pair_the_list_does_not_offer_is_said_so_before_merging(client, login, venues, make_user):
    """Any two venues of the district may be merged by URL: the confirmation names both,
    their communes and states, and says the list does not offer them as a pair."""
    login(make_user("admin", role="admin"))
    market, far = venues["market"], venues["other_commune"]
    page = client.get(f"/venues/duplicates/merge?keep={market.id}&drop={far.id}")
    assert page.status_code == 200
    sheet = lxml.html.fromstring(page.get_data(as_text=True))
    assert sheet.xpath('//*[@id="merge-not-listed"]')
    communes = {
        v.get("data-merge-venue"): text_of(v.xpath(".//*[@data-commune]")[0])
        for v in sheet.xpath("//*[@data-merge-venue]")
    }
    assert communes == {"keep": "Xã Sơn Hà", "drop": "Xã Trung Xuân"}
    listed = client.get(f"/venues/duplicates/merge?keep={market.id}&drop={venues['same_name'].id}")
    assert 'id="merge-not-listed"' not in listed.get_data(as_text=True)


def test_merge_refusal_names_each_bad_pair(app, venues, make_venue, other_district, quan_son):
    market, same = venues["market"], venues["same_name"]
    foreign = make_venue("Chợ Chiềng Đông", commune=other_district.communes[0])
    area = [quan_son.id]
    assert merge_refusal(market, same, area) is None
    assert merge_refusal(market, market, area) == "same"
    assert merge_refusal(market, foreign, area) == "outside_area"
    assert merge_refusal(market, foreign, [quan_son.id, other_district.id]) == "other_district"
    same.is_active = False
    assert merge_refusal(market, same, area) == "drop_closed"
    assert merge_refusal(same, market, area) == "keep_closed"
    admin = User(role="admin", district_id=quan_son.id, display_name="a", username="a")
    with pytest.raises(MergeRefused):
        merge(same, market, admin)
