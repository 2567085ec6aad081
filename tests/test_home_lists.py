"""The inspector's home: at most ten items per list with a link to the rest, and the
findings returned for correction first, above the assignments (issue 15)."""

from datetime import date, timedelta

from fieldapp.extensions import db
from fieldapp.home.routes import LIST_COUNT
from fieldapp.models import Assignment
from fieldapp.reviews.service import review_version

MORE = LIST_COUNT + 2


def section(html: str, section_id: str) -> str:
    start = html.index(f'id="{section_id}"')
    return html[start : html.index("</section>", start)]


def listed(html: str) -> int:
    return html.count('class="list-link"')


def assign(inspector, supervisor, venues, due=date(2026, 12, 20)):
    for n, venue in enumerate(venues):
        db.session.add(
            Assignment(
                venue=venue,
                inspector_id=inspector.id,
                created_by_id=supervisor.id,
                due_date=due + timedelta(days=n),
            )
        )
    db.session.commit()


def test_ten_assignments_at_most_and_a_link_to_all(client, login, make_user, make_venue):
    supervisor = make_user("mai", role="supervisor")
    inspector = login()
    venues = [make_venue(f"Cửa hàng số {n:02d}") for n in range(MORE)]
    assign(inspector, supervisor, venues)
    home = client.get("/").get_data(as_text=True)
    assignments = section(home, "assignments")
    assert listed(assignments) == LIST_COUNT
    # Nearest due first: the last two are behind the link.
    assert "Cửa hàng số 00" in assignments and f"Cửa hàng số {MORE - 1:02d}" not in assignments
    assert 'id="all-assignments" href="/home/assignments"' in assignments
    assert f"Xem cả {MORE} địa điểm được giao" in assignments
    everything = client.get("/home/assignments")
    assert everything.status_code == 200
    assert listed(section(everything.get_data(as_text=True), "assignments")) == MORE


def test_ten_venues_due_at_most_and_a_link_to_all(client, login, make_venue):
    login()
    for n in range(MORE):
        make_venue(f"Quán số {n:02d}", reinspection_due=date(2026, 12, 1) + timedelta(days=n))
    home = client.get("/").get_data(as_text=True)
    due = section(home, "due")
    assert listed(due) == LIST_COUNT
    assert 'id="all-due" href="/home/due"' in due and f"Xem cả {MORE} địa điểm" in due
    everything = client.get("/home/due").get_data(as_text=True)
    assert listed(section(everything, "due")) == MORE


def test_ten_recent_findings_at_most_and_a_link_to_the_log(
    client, login, make_venue, record_finding
):
    login()
    venue = make_venue()
    for _ in range(LIST_COUNT + 1):
        record_finding(venue)
    recent = section(client.get("/").get_data(as_text=True), "recent")
    assert listed(recent) == LIST_COUNT
    assert 'id="all-recent" href="/inspections"' in recent


def test_short_lists_need_no_link(client, login, make_user, make_venue, record_finding):
    supervisor = make_user("mai", role="supervisor")
    inspector = login()
    venue = make_venue(reinspection_due=date(2026, 12, 5))
    assign(inspector, supervisor, [venue])
    record_finding(venue)
    home = client.get("/").get_data(as_text=True)
    for link in ("all-assignments", "all-due", "all-recent", "all-returned"):
        assert f'id="{link}"' not in home


def test_a_returned_finding_comes_first_above_the_assignments(
    client, login, make_user, make_venue, record_finding
):
    supervisor = make_user("mai", role="supervisor", display_name="Hà Thị Mai")
    inspector = login()
    venue = make_venue("Chợ Sơn Hà")
    finding = record_finding(venue)
    assign(inspector, supervisor, [make_venue("Trạm y tế Sơn Hà")])
    login(supervisor)
    returned = client.post(
        f"/inspections/{finding.id}/return",
        data={"comment": "Chụp lại ảnh.", "version": review_version(finding)},
    )
    assert returned.status_code in (302, 303)
    login(inspector)
    home = client.get("/").get_data(as_text=True)
    order = [home.index(f'id="{name}"') for name in ("returned", "assignments", "due", "recent")]
    assert order == sorted(order)
    assert f'href="/inspections/{finding.id}/edit"' in section(home, "returned")


def test_only_inspectors_have_an_assignments_list(client, login, make_user):
    login(make_user("mai", role="supervisor"))
    assert client.get("/home/assignments").status_code == 403
    assert client.get("/home/due").status_code == 200


def test_a_province_s_numbers_are_counted_up_to_the_log_s_cap(
    client, login, make_user, make_venue, record_finding, monkeypatch
):
    # A province's or the country's findings awaiting review and venues due are counted up
    # to the log's cap (fieldapp/counting.py), then "more than".
    monkeypatch.setattr("fieldapp.home.routes.COUNT_CAP", LIST_COUNT + 1)
    monkeypatch.setattr("fieldapp.home.routes.FULL_LIST_COUNT", LIST_COUNT)
    login()
    for n in range(LIST_COUNT + 3):
        make_venue(f"Quán số {n:02d}", reinspection_due=date(2026, 12, 1))
        record_finding(make_venue(f"Cửa hàng số {n:02d}"))
    login(make_user("supervisor", role="supervisor"))
    home = client.get("/").get_data(as_text=True)
    assert f"Hơn {LIST_COUNT + 1} kết quả chờ bạn duyệt" in home
    due = section(home, "due")
    assert f"Hơn {LIST_COUNT + 1} địa điểm cần kiểm tra lại" in due
    everything = section(client.get("/home/due").get_data(as_text=True), "due")
    assert f"{LIST_COUNT} đầu tiên trong số hơn {LIST_COUNT + 1}." in everything
    monkeypatch.setattr("fieldapp.home.routes.COUNT_CAP", LIST_COUNT + 3)
    home = client.get("/").get_data(as_text=True)
    assert f"{LIST_COUNT + 3} kết quả chờ bạn duyệt" in home and "Hơn" not in home
