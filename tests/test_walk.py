"""What walking whole tasks on the phone found wrong (session 18), checked on the server."""

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
