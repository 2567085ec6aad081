"""Assignments: made by supervisors, shown to inspectors, closed by an inspection."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from fieldapp import clock
from fieldapp.assignments.service import progress
from fieldapp.demo import seed_demo
from fieldapp.extensions import db
from fieldapp.models import Assignment, Commune, Venue
from tests.factories import commune_named

TOMORROW = (clock.today() + timedelta(days=1)).isoformat()


@pytest.fixture
def setup(client, login, make_user, make_venue, quan_son):
    inspector = make_user("inspector", display_name="Lò Văn Thành")
    market = make_venue("Chợ Sơn Hà")
    station = make_venue("Trạm Y tế xã Sơn Hà", venue_type="health_station")
    school = make_venue(
        "Trường THCS Trung Xuân", venue_type="school", commune=commune_named(quan_son, "Trung Xuân")
    )
    closed = make_venue("Nhà nghỉ cũ", is_active=False)
    supervisor = login(make_user("supervisor", role="supervisor"))
    return {
        "inspector": inspector,
        "market": market,
        "station": station,
        "school": school,
        "closed": closed,
        "supervisor": supervisor,
    }


def count() -> int:
    return db.session.scalar(select(func.count()).select_from(Assignment))


def test_assign_a_commune_then_nothing_twice(client, setup, quan_son):
    data = {
        "scope": "commune",
        "commune": commune_named(quan_son, "Sơn Hà").id,
        "inspector": setup["inspector"].id,
        "due": TOMORROW,
        "note": "Ưu tiên chợ",
    }
    response = client.post("/assignments", data=data, follow_redirects=True)
    assert "Đã giao 2 địa điểm cho Lò Văn Thành" in response.get_data(as_text=True)
    assert count() == 2  # the closed venue is not among them
    client.post("/assignments", data=data)
    assert count() == 2


def test_assign_what_a_search_finds(client, setup):
    client.post(
        "/assignments",
        data={
            "scope": "search",
            "q": "tram y te",
            "type": "",
            "inspector": setup["inspector"].id,
            "due": TOMORROW,
        },
    )
    assert [a.venue_id for a in db.session.scalars(select(Assignment))] == [setup["station"].id]


def test_assign_one_venue_from_its_page(client, setup):
    page = client.get(f"/venues/{setup['school'].id}").get_data(as_text=True)
    assert f"/assignments?venue={setup['school'].id}" in page
    response = client.post(
        "/assignments",
        data={
            "scope": "venue",
            "venue": setup["school"].id,
            "inspector": setup["inspector"].id,
            "due": TOMORROW,
        },
    )
    assert response.headers["Location"] == f"/venues/{setup['school'].id}"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"due": (clock.today() - timedelta(days=1)).isoformat()}, "Hạn hoàn thành đã qua"),
        ({"due": ""}, "Nhập hạn hoàn thành"),
        ({"inspector": ""}, "Chọn một cán bộ kiểm tra trong huyện"),
        ({"venue": "closed"}, "đã đóng cửa"),
        ({"inspector": "other"}, "Chọn một cán bộ kiểm tra trong huyện"),
    ],
)
def test_bad_assignments_change_nothing(client, setup, make_user, other_district, change, message):
    data = {
        "scope": "venue",
        "venue": setup["market"].id,
        "inspector": setup["inspector"].id,
        "due": TOMORROW,
        "note": "Giữ lại ghi chú này",
    }
    data.update(change)
    if change.get("venue") == "closed":
        data["venue"] = setup["closed"].id
    if change.get("inspector") == "other":
        data["inspector"] = make_user("yc", district=other_district).id
    response = client.post("/assignments", data=data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert count() == 0


def test_another_district_s_venue_cannot_be_assigned(client, setup, make_venue, other_district):
    foreign = make_venue("Chợ Chiềng Đông", commune=other_district.communes[0])
    response = client.post(
        "/assignments",
        data={
            "scope": "venue",
            "venue": foreign.id,
            "inspector": setup["inspector"].id,
            "due": TOMORROW,
        },
    )
    assert response.status_code == 404 and count() == 0


def test_province_supervisor_assigns_only_within_the_inspector_s_district(
    client, login, make_user, setup, make_venue, neighbour_district
):
    client.post("/logout")
    login(make_user("tinh", role="supervisor", district=neighbour_district, scope="province"))
    cam_chau = make_venue("Chợ Cẩm Châu", commune=neighbour_district.communes[0])
    mixed = client.post(
        "/assignments",
        data={
            "scope": "venue",
            "venue": cam_chau.id,
            "inspector": setup["inspector"].id,
            "due": TOMORROW,
        },
    )
    assert mixed.status_code == 422 and count() == 0
    assert "Chợ Cẩm Châu không thuộc huyện của cán bộ kiểm tra." in mixed.get_data(as_text=True)
    page = client.get("/assignments").get_data(as_text=True)
    assert "Lò Văn Thành" in page  # Quan Sơn's inspectors are listed to the province
    client.post(
        "/assignments",
        data={
            "scope": "venue",
            "venue": setup["market"].id,
            "inspector": setup["inspector"].id,
            "due": TOMORROW,
        },
    )
    assert count() == 1


def test_only_supervisors_assign(client, login, setup):
    client.post("/logout")
    login(setup["inspector"])
    assert client.get("/assignments").status_code == 403
    assert client.post("/assignments", data={}).status_code == 403


def test_inspector_sees_assignments_and_an_inspection_closes_one(
    post_finding, client, login, setup
):
    late = Assignment(
        venue_id=setup["market"].id,
        inspector_id=setup["inspector"].id,
        due_date=clock.today() - timedelta(days=2),
        created_by_id=setup["supervisor"].id,
    )
    soon = Assignment(
        venue_id=setup["station"].id,
        inspector_id=setup["inspector"].id,
        due_date=clock.today() + timedelta(days=3),
        created_by_id=setup["supervisor"].id,
    )
    db.session.add_all([late, soon])
    db.session.commit()
    summary = client.get("/assignments").get_data(as_text=True)
    assert "Lò Văn Thành" in summary and 'class="overdue">1<' in summary

    client.post("/logout")
    login(setup["inspector"])
    home = client.get("/").get_data(as_text=True)
    assert home.index("Chợ Sơn Hà") < home.index("Trạm Y tế xã Sơn Hà")  # nearest due first
    assert "quá hạn từ" in home
    assert f'data-prefetch-venue="{setup["market"].id}"' in home  # kept for offline use
    post_finding(setup["market"])
    db.session.refresh(late)
    assert late.closed_at is not None and late.inspection_id is not None
    assert soon.closed_at is None
    assert (
        "Chợ Sơn Hà"
        not in client.get("/")
        .get_data(as_text=True)
        .split('id="assignments"')[1]
        .split("</section>")[0]
    )


def test_demo_has_open_assignments(app):

    seed_demo()
    db.session.commit()
    open_ones = db.session.scalars(select(Assignment).where(Assignment.closed_at.is_(None))).all()
    assert len(open_ones) == 12
    assert any(a.due_date < clock.today() for a in open_ones)
    assert all(a.venue.is_active for a in open_ones)


def test_progress_per_commune_is_in_vietnamese_order(app, setup, quan_son):
    """Communes in the progress table sort as Vietnamese does: Đồng Tâm (Đ after D) before
    Sơn Hà, though "Đ" sorts after "T" as bytes."""
    dong_tam = Commune(name="Đồng Tâm", kind="xa", district=quan_son)
    db.session.add(dong_tam)
    lu = commune_named(quan_son, "Sơn Lư")
    venues = [setup["school"], setup["market"], make_venue_in(lu), make_venue_in(dong_tam)]
    due = clock.today() + timedelta(days=1)
    db.session.add_all(
        Assignment(
            venue=venue,
            inspector=setup["inspector"],
            created_by_id=setup["supervisor"].id,
            due_date=due,
        )
        for venue in venues
    )
    db.session.commit()
    rows = progress([quan_son.id], clock.today(), "commune")
    assert [row.name for row in rows] == ["Đồng Tâm", "Sơn Hà", "Sơn Lư", "Trung Xuân"]
    assert [row.assigned for row in rows] == [1, 1, 1, 1]


def make_venue_in(commune):
    venue = Venue(
        code=f"QS-{commune.name}", name="Hiệu sách", venue_type="bookshop", commune=commune
    )
    db.session.add(venue)
    return venue


@pytest.mark.parametrize("scope", ["commune", "search"])
def test_a_commune_of_another_district_is_refused_not_widened(client, setup, other_district, scope):
    data = {
        "scope": scope,
        "q": "",
        "commune": other_district.communes[0].id,
        "inspector": setup["inspector"].id,
        "due": TOMORROW,
    }
    response = client.post("/assignments", data=data)
    assert response.status_code == 422
    assert "Đơn vị cấp xã này không thuộc huyện của bạn" in response.get_data(as_text=True)
    data["commune"] = "abc"  # not an id at all: not "no commune" (the whole district)
    assert client.post("/assignments", data=data).status_code == 422
    assert count() == 0
