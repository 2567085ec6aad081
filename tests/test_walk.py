"""What walking whole tasks on the phone found wrong (session 18), checked on the server."""

import re

import pytest

from tests.test_home_lists import section


@pytest.mark.parametrize("scope", ["district", "province", "country"])
def test_the_home_names_no_district_for_the_recent_findings_of_a_wider_area(
    client, login, make_user, make_venue, record_finding, scope
):
    login(make_user("inspector"))
    record_finding(make_venue())
    login(make_user("lanhdao", role="supervisor", scope=scope))
    recent = section(client.get("/").get_data(as_text=True), "recent")
    assert "trong huyện" not in recent  # a province's or the country's findings
    assert "Lần kiểm tra gần đây trên địa bàn" in recent
    assert recent.count('class="list-link"') == 1


def back_link(html: str) -> str | None:
    """Where the page's back link ("← …" above its heading) leads, or None without one."""
    match = re.search(r'<p class="back"><a href="([^"]+)">←', html)
    return match.group(1) if match else None


@pytest.mark.parametrize(
    ("role", "url", "back"),
    [
        ("supervisor", "/citizen-reports/new", "/citizen-reports"),
        ("supervisor", "/citizen-reports/import", "/citizen-reports"),
        ("admin", "/users", "/"),
        ("inspector", "/account/password", "/"),
    ],
)
def test_every_page_has_its_way_back(client, login, make_user, role, url, back):
    login(make_user(role, role=role))
    response = client.get(url)
    assert response.status_code == 200
    assert back_link(response.get_data(as_text=True)) == back


def test_a_one_time_password_page_offers_no_way_around_it(client, login, make_user):
    login(make_user("inspector", must_change_password=True))
    assert back_link(client.get("/account/password").get_data(as_text=True)) is None
