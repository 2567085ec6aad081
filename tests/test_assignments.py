"""Assignments: made by supervisors, shown to inspectors, closed by an inspection."""

import json
import re
import threading
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from fieldapp import clock
from fieldapp.assignments import routes
from fieldapp.assignments.service import AssignmentRefused, assign, progress
from fieldapp.demo import seed_demo
from fieldapp.extensions import db
from fieldapp.models import (
    Assignment,
    AuditEntry,
    Commune,
    District,
    Province,
    User,
    Venue,
)
from tests.factories import commune_named
from tests.locks import waits_for_lock
from tests.test_rollups import postgresql_app

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


def ticked(html: str) -> set[int]:
    """The venues a preview shows ticked."""
    return {int(i) for i in re.findall(r'name="venue" value="(\d+)" checked', html)}


def confirm(client, venues, inspector, ticked=None, **fields):
    """Post the preview's form: the venues shown, those ticked, the open assignments it
    showed (`replaces`), the inspector and the due date."""
    data = {
        "shown": [v.id for v in venues],
        "venue": [v.id for v in (venues if ticked is None else ticked)],
        "inspector": inspector.id if inspector else "",
        "due": TOMORROW,
        **fields,
    }
    return client.post("/assignments", data=data)


def test_assign_ticked_venues_through_the_preview(client, setup, quan_son):
    market, station = setup["market"], setup["station"]
    son_ha = commune_named(quan_son, "Sơn Hà")
    back = f"commune={son_ha.id}&status=never"
    page = client.get(
        "/assignments/preview",
        query_string={"venue": [market.id, station.id], "back": back},
    )
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for venue in (market, station):  # the form names its venues: name, code, address
        assert venue.name in html and venue.code in html
    assert ticked(html) == {market.id, station.id}
    assert "Bản Na Hồ, xã Sơn Hà, huyện Quan Sơn" in html
    assert f'value="{(clock.today() + timedelta(days=7)).isoformat()}"' in html  # proposed
    assert f'<option value="{setup["inspector"].id}"' in html
    assert "Giao 2 địa điểm" in html

    response = confirm(client, [market, station], setup["inspector"], note="Ưu tiên", back=back)
    assert response.status_code == 303
    assert response.headers["Location"] == f"/venues?commune={son_ha.id}&status=never"
    made = db.session.scalars(select(Assignment).order_by(Assignment.venue_id)).all()
    assert [(a.venue_id, a.inspector_id, a.note) for a in made] == [
        (market.id, setup["inspector"].id, "Ưu tiên"),
        (station.id, setup["inspector"].id, "Ưu tiên"),
    ]
    listed = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Đã giao 2 địa điểm cho Lò Văn Thành" in listed


def test_a_venue_left_unticked_is_not_assigned(client, setup):
    market, station = setup["market"], setup["station"]
    confirm(client, [market, station], setup["inspector"], ticked=[station])
    assert [a.venue_id for a in db.session.scalars(select(Assignment))] == [station.id]


def test_assign_one_venue_from_its_page(client, setup):
    school = setup["school"]
    page = client.get(f"/venues/{school.id}").get_data(as_text=True)
    assert f"/assignments?venue={school.id}" in page
    opened = client.get(f"/assignments?venue={school.id}")
    assert opened.headers["Location"] == f"/assignments/preview?venue={school.id}"
    preview = client.get(opened.headers["Location"]).get_data(as_text=True)
    assert "Giao 1 địa điểm" in preview and school.name in preview and school.code in preview
    response = confirm(client, [school], setup["inspector"])
    assert response.headers["Location"] == f"/venues/{school.id}"
    page = client.get(f"/venues/{school.id}").get_data(as_text=True)
    section = page.split('id="open-assignment"')[1].split("</section>")[0]
    assert "Lò Văn Thành" in section
    assert clock.day_text(clock.today() + timedelta(days=1)) in section


def test_the_back_value_leads_only_to_the_venue_list(client, setup):
    """A forged back value cannot lead elsewhere: only the list's own filters are kept."""
    for back in ("https://evil.example/x", "//evil.example", "q=cho&next=https://evil.example"):
        response = confirm(client, [setup["market"]], setup["inspector"], back=back)
        location = response.headers["Location"]
        assert location.startswith("/venues") and "evil" not in location, location
        db.session.query(Assignment).delete()
        db.session.commit()
    preview = client.get(
        "/assignments/preview", query_string={"venue": setup["market"].id, "back": "//evil.ex"}
    ).get_data(as_text=True)
    assert '<p class="back"><a href="/venues">' in preview


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"due": (clock.today() - timedelta(days=1)).isoformat()}, "Hạn hoàn thành đã qua"),
        ({"due": ""}, "Nhập hạn hoàn thành"),
        ({"due": "31/02/2026"}, "theo dạng ngày/tháng/năm"),
        ({"due": "2099-12-31"}, "Ngày quá xa: chọn ngày không muộn hơn"),
        ({"due": "soon"}, "theo dạng ngày/tháng/năm"),
        ({"inspector": ""}, "Chọn một cán bộ kiểm tra trong huyện"),
        ({"inspector": "999999"}, "Chọn một cán bộ kiểm tra trong huyện"),
        ({"inspector": "other"}, "Chọn một cán bộ kiểm tra trong huyện"),
        ({"inspector": "supervisor"}, "Chọn một cán bộ kiểm tra trong huyện"),
        ({"venue": []}, "Hãy đánh dấu ít nhất một địa điểm"),
        ({"venue": "closed"}, "đã đóng cửa"),
    ],
)
def test_bad_assignments_change_nothing(client, setup, make_user, other_district, change, message):
    """Each refusal is a 422 with its message, the preview shown again with the venues as
    they were ticked and every field as typed."""
    shown = [setup["market"].id, setup["station"].id]
    data = {
        "shown": shown,
        "venue": [setup["market"].id],
        "inspector": setup["inspector"].id,
        "due": TOMORROW,
        "note": "Giữ lại ghi chú này",
        "back": "status=never",
    }
    data.update(change)
    if change.get("venue") == "closed":
        data["shown"] = data["venue"] = [setup["closed"].id]
    if change.get("inspector") == "other":
        data["inspector"] = make_user("yc", district=other_district).id
    if change.get("inspector") == "supervisor":
        data["inspector"] = setup["supervisor"].id
    response = client.post("/assignments", data=data)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in html
    assert 'value="Giữ lại ghi chú này"' in html and 'name="back" value="status=never"' in html
    if "due" in change:
        assert f'value="{change["due"]}"' in html
    if change.get("venue") is None:  # the ticks kept: the market ticked, the station not
        assert ticked(html) == {setup["market"].id}
    assert count() == 0


def test_a_due_date_beyond_planning_is_refused_naming_the_latest_day(client, setup, frozen_clock):
    frozen_clock(datetime(2026, 12, 1, 20, 0))  # 02/12/2026 in Vietnam
    venues = [setup["market"]]
    too_far = confirm(client, venues, setup["inspector"], due="2027-12-04")
    page = too_far.get_data(as_text=True)
    assert too_far.status_code == 422 and count() == 0
    assert 'id="assign-error"' in page and "03/12/2027" in page  # the latest day allowed
    assert 'value="2027-12-04"' in page and 'max="2027-12-03"' in page
    assert confirm(client, venues, setup["inspector"], due="2027-12-03").status_code == 303
    assert count() == 1


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
    # The preview offers the inspectors of the venues' districts: Quan Sơn's for its venue.
    page = client.get(f"/assignments/preview?venue={setup['market'].id}").get_data(as_text=True)
    assert "Lò Văn Thành" in page
    page = client.get(f"/assignments/preview?venue={cam_chau.id}").get_data(as_text=True)
    assert "Lò Văn Thành" not in page
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
    assert len(open_ones) == 13  # twelve planned, one made from a citizen's report
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


def open_assignment(setup, venue, inspector, days=1, note="") -> Assignment:
    assignment = Assignment(
        venue_id=venue.id,
        inspector_id=inspector.id,
        due_date=clock.today() + timedelta(days=days),
        note=note,
        created_by_id=setup["supervisor"].id,
    )
    db.session.add(assignment)
    db.session.commit()
    return assignment


@pytest.fixture
def hoa(make_user):
    return make_user("hoa", display_name="Lương Thị Hoa")


def test_the_preview_warns_about_an_open_assignment_and_leaves_it_out(client, setup, hoa):
    market, station = setup["market"], setup["station"]
    held = open_assignment(setup, market, hoa, days=7)
    html = client.get(
        "/assignments/preview", query_string={"venue": [market.id, station.id]}
    ).get_data(as_text=True)
    warning = html.split(f'data-open-assignment="{held.id}"')[1].split("</p>")[0]
    assert f"Đã giao cho Lương Thị Hoa, hạn {clock.day_text(held.due_date)}" in warning
    assert ticked(html) == {station.id}  # left out unless the supervisor ticks it
    assert f'name="replaces" value="{held.id}"' in html

    confirm(client, [market, station], setup["inspector"], ticked=[station], replaces=held.id)
    open_ones = db.session.scalars(select(Assignment).where(Assignment.closed_at.is_(None)))
    assert sorted((a.venue_id, a.inspector_id) for a in open_ones) == sorted(
        [(market.id, hoa.id), (station.id, setup["inspector"].id)]
    )


def test_an_open_assignment_not_shown_is_never_doubled(client, setup, hoa):
    """Assigned by someone else between the preview and the confirmation: refused (409),
    the preview shown again with the warning and the venue unticked."""
    market = setup["market"]
    held = open_assignment(setup, market, hoa)
    response = confirm(client, [market], setup["inspector"])  # no `replaces`
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "Chợ Sơn Hà vừa được giao cho Lương Thị Hoa" in html
    assert f'data-open-assignment="{held.id}"' in html and ticked(html) == set()
    assert count() == 1 and held.closed_at is None


def test_reassigning_closes_the_old_assignment_and_audits_it(client, setup, hoa):
    market = setup["market"]
    held = open_assignment(setup, market, hoa)
    page = client.get(f"/venues/{market.id}").get_data(as_text=True)
    reassign = f"/assignments/preview?venue={market.id}&amp;replace={held.id}"
    assert reassign in page
    preview = client.get(reassign.replace("&amp;", "&")).get_data(as_text=True)
    assert ticked(preview) == {market.id}  # reached by "reassign": ticked
    response = confirm(client, [market], setup["inspector"], replaces=held.id, note="Đổi người")
    assert response.headers["Location"] == f"/venues/{market.id}"
    db.session.refresh(held)
    assert held.closed_at is not None and held.inspection_id is None
    now_open = db.session.scalars(select(Assignment).where(Assignment.closed_at.is_(None))).all()
    assert [(a.venue_id, a.inspector_id) for a in now_open] == [(market.id, setup["inspector"].id)]
    events = db.session.scalars(
        select(AuditEntry)
        .where(AuditEntry.entity == "venue", AuditEntry.entity_id == market.id)
        .order_by(AuditEntry.id)
    ).all()
    assert [e.action for e in events] == ["assignment_reassigned", "assignment_created"]
    assert json.loads(events[0].detail)["reassigned_to"] == "Lò Văn Thành"
    assert events[0].user_id == setup["supervisor"].id


@pytest.mark.parametrize("where", ["venue", "assignments"])
def test_cancel_an_open_assignment_after_confirming(client, setup, hoa, where):
    market = setup["market"]
    held = open_assignment(setup, market, hoa, note="Phản ánh của người dân")
    page_url = f"/venues/{market.id}" if where == "venue" else "/assignments"
    page = client.get(page_url).get_data(as_text=True)
    item = page.split(f'data-assignment="{held.id}"')[1]
    assert "Lương Thị Hoa" in item and "Phản ánh của người dân" in item
    # The button opens a question; only its confirmation posts.
    assert '<details class="confirm">' in item and 'name="confirm" value="yes"' in item
    url = f"/assignments/{held.id}/cancel"
    assert client.post(url, data={}).status_code == 400  # no confirmation: nothing happens
    assert held.closed_at is None
    data = {"confirm": "yes", **({"next": "assignments"} if where == "assignments" else {})}
    response = client.post(url, data=data)
    assert response.headers["Location"] == page_url
    db.session.refresh(held)
    assert held.closed_at is not None and held.inspection_id is None
    action = db.session.scalar(select(AuditEntry.action).where(AuditEntry.entity_id == market.id))
    assert action == "assignment_cancelled"
    assert 'id="open-assignment"' not in client.get(f"/venues/{market.id}").get_data(as_text=True)
    again = client.post(url, data=data, follow_redirects=True).get_data(as_text=True)
    assert "Việc giao này đã xong hoặc đã hủy" in again
    # Cancelled work is not counted as assigned.
    assert progress([market.commune.district_id], clock.today(), "inspector") == []


def test_only_the_inspector_who_visits_is_credited(
    client, login, setup, hoa, record_finding, quan_son
):
    """Two inspectors hold an open assignment of the same venue (made before doubling was
    refused); one visits: only theirs is done, the other's stays open and says so."""
    market = setup["market"]
    thanh = setup["inspector"]
    theirs = open_assignment(setup, market, thanh)
    hers = open_assignment(setup, market, hoa)
    login(thanh)
    finding = record_finding(market)
    db.session.refresh(theirs)
    db.session.refresh(hers)
    assert theirs.closed_at is not None and theirs.inspection_id == finding.id
    assert hers.closed_at is None and hers.inspection_id is None

    rows = progress([quan_son.id], clock.today(), "inspector")
    done = {r.name: (r.assigned, r.done) for r in rows}
    assert done == {"Lò Văn Thành": (1, 1), "Lương Thị Hoa": (1, 0)}
    login(setup["supervisor"])
    page = client.get("/assignments").get_data(as_text=True)
    item = page.split(f'data-assignment="{hers.id}"')[1]
    assert "Lò Văn Thành đã kiểm tra ngày" in item.split("</div>")[0]
    venue_page = client.get(f"/venues/{market.id}").get_data(as_text=True)
    section = venue_page.split('id="open-assignment"')[1].split("</section>")[0]
    assert "Lương Thị Hoa" in section and "Lò Văn Thành đã kiểm tra ngày" in section


def test_a_visit_by_someone_not_assigned_credits_no_one(client, login, setup, hoa, record_finding):
    market = setup["market"]
    hers = open_assignment(setup, market, hoa)
    login(setup["inspector"])
    record_finding(market)
    db.session.refresh(hers)
    assert hers.closed_at is None and hers.inspection_id is None


def test_a_credit_given_by_another_s_visit_before_the_rule_is_not_counted(
    client, login, setup, hoa, record_finding, quan_son
):
    """Assignments closed by another inspector's finding under the old rule are not done."""
    market = setup["market"]
    hers = open_assignment(setup, market, hoa)
    login(setup["inspector"])
    finding = record_finding(market)
    hers.closed_at, hers.inspection_id = finding.server_time, finding.id
    db.session.commit()
    rows = progress([quan_son.id], clock.today(), "inspector")
    assert [(r.name, r.assigned, r.done) for r in rows] == [("Lương Thị Hoa", 1, 0)]


def test_who_may_assign_cancel_and_see(client, login, make_user, setup, hoa, other_district):
    market = setup["market"]
    held = open_assignment(setup, market, hoa)
    cancel = f"/assignments/{held.id}/cancel"
    preview = f"/assignments/preview?venue={market.id}"
    login(setup["inspector"])  # an inspector sees the assignment, cannot assign or cancel
    assert client.get(preview).status_code == 403
    assert client.post(cancel, data={"confirm": "yes"}).status_code == 403
    page = client.get(f"/venues/{market.id}").get_data(as_text=True)
    section = page.split('id="open-assignment"')[1].split("</section>")[0]
    assert "Lương Thị Hoa" in section and "/cancel" not in section and "replace=" not in section
    assert 'name="venue"' not in client.get("/venues").get_data(as_text=True)  # no tick boxes
    login(make_user("admin", role="admin"))
    assert client.get(preview).status_code == 403
    login(make_user("yc-sup", role="supervisor", district=other_district))
    assert client.get(preview).status_code == 404
    assert client.post(cancel, data={"confirm": "yes"}).status_code == 404
    assert confirm(client, [market], setup["inspector"]).status_code == 404
    assert "Chợ Sơn Hà" not in client.get("/assignments").get_data(as_text=True)
    db.session.refresh(held)
    assert held.closed_at is None and count() == 1


def test_two_supervisors_assigning_one_venue_at_once_on_postgresql(tmp_path, databases):
    """The first assignment's transaction holds the venue (uncommitted); the second, made
    meanwhile by another supervisor, waits at the venue's lock (seen in pg_stat_activity),
    then sees the first and is refused: one open assignment, never two."""
    with postgresql_app(tmp_path, databases) as app:
        district = District(name="Quan Sơn", province=Province(name="Thanh Hóa"))
        commune = Commune(name="Sơn Hà", kind="xa", district=district)
        venue = Venue(code="PG-1", name="Chợ Sơn Hà", venue_type="market", commune=commune)
        people = {
            name: User(
                username=name, display_name=name, role=role, district=district, password_hash="-"
            )
            for name, role in (
                ("thanh", "inspector"),
                ("hoa", "inspector"),
                ("mai", "supervisor"),
                ("lan", "supervisor"),
            )
        }
        db.session.add_all([venue, *people.values()])
        db.session.commit()
        ids = {name: user.id for name, user in people.items()}
        venue_id = venue.id
        failures, pids, outcomes = [], {}, {}
        first_flushed, first_may_commit = threading.Event(), threading.Event()

        def run(name: str, inspector: str, supervisor: str) -> None:
            try:
                with app.app_context():
                    connection = db.session.connection().connection
                    pids[name] = connection.driver_connection.info.backend_pid
                    try:
                        assign(
                            [db.session.get(Venue, venue_id)],
                            db.session.get(User, ids[inspector]),
                            clock.today() + timedelta(days=3),
                            "",
                            db.session.get(User, ids[supervisor]),
                            clock.today(),
                        )
                        outcomes[name] = "assigned"
                    except AssignmentRefused as refusal:
                        outcomes[name] = refusal.reason
                    if name == "first":
                        first_flushed.set()
                        assert first_may_commit.wait(timeout=60)
                    db.session.commit()
                    db.session.remove()
            except Exception as error:  # surfaced below: a thread's exception is otherwise lost
                failures.append(error)
                first_flushed.set()

        first = threading.Thread(target=run, args=("first", "thanh", "mai"))
        second = threading.Thread(target=run, args=("second", "hoa", "lan"))
        first.start()
        assert first_flushed.wait(timeout=60)
        second.start()
        waiting = waits_for_lock(pids, "second", failures)
        first_may_commit.set()
        first.join(timeout=60)
        second.join(timeout=60)
        assert failures == []
        assert waiting, "the second assignment never waited for the first's lock"
        assert outcomes == {"first": "assigned", "second": "already_assigned"}
        open_ones = db.session.scalars(select(Assignment).where(Assignment.closed_at.is_(None)))
        assert [a.inspector_id for a in open_ones] == [ids["thanh"]]


def test_assign_all_the_venues_a_filtered_list_shows(client, setup, quan_son):
    """A list of at most MAX_CHOSEN venues offers "assign all of them": the preview lists
    exactly the list's venues (an assigned one warned and left out)."""
    son_ha = commune_named(quan_son, "Sơn Hà")
    held = open_assignment(setup, setup["station"], setup["inspector"])
    listed = client.get(f"/venues?commune={son_ha.id}", headers={"HX-Request": "true"})
    link = re.search(r'id="assign-all" href="([^"]+)"', listed.get_data(as_text=True)).group(1)
    assert "Giao cả 2 địa điểm" in listed.get_data(as_text=True)
    preview = client.get(link.replace("&amp;", "&")).get_data(as_text=True)
    assert f'name="shown" value="{setup["market"].id}"' in preview
    assert f'name="shown" value="{setup["station"].id}"' in preview
    assert setup["school"].name not in preview and setup["closed"].name not in preview
    assert ticked(preview) == {setup["market"].id}
    assert f'data-open-assignment="{held.id}"' in preview
    assert f'name="back" value="commune={son_ha.id}"' in preview


def test_assign_all_refuses_a_list_too_long(client, setup, monkeypatch):
    monkeypatch.setattr(routes, "MAX_CHOSEN", 1)
    response = client.get("/assignments/preview?all=1&back=")
    assert response.status_code == 413
