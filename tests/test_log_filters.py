"""The inspection log's filters (issue 15): folded into one "Lọc" button on a phone, open and
counted when a filter narrows the log, each with a visible label; the count redrawn with the
results. The log's results themselves are tested in test_reviews.py."""

import re

import lxml.html
import pytest

from tests.factories import commune_named


@pytest.fixture
def supervisor(client, login, make_user, make_venue, quan_son):
    make_venue("Chợ Sơn Hà")
    return login(make_user("supervisor", role="supervisor"))


def filters_fold(html: str) -> str:
    match = re.search(r'<details class="filters-fold" id="log-filters"[^>]*>', html)
    assert match, "the filters are not folded"
    return match.group(0)


def test_the_filters_are_folded_and_closed_when_none_is_set(client, supervisor):
    html = client.get("/inspections?sort=oldest&page=1").get_data(as_text=True)
    assert " open" not in filters_fold(html)  # the order and the page are not filters
    assert '<span id="log-filter-count"></span>' in html


@pytest.mark.parametrize(
    ("query", "count"),
    [
        ("?outcome=non_compliant", 1),
        ("?from=2026-11-01&to=2026-11-30&photos=yes", 3),
        ("?commune={commune}&type=school&inspector={me}&review=pending&sort=venue", 4),
        ("?outcome=not-an-outcome&from=not-a-date", 0),  # ignored values narrow nothing
    ],
)
def test_the_filters_open_and_count_when_set(client, supervisor, quan_son, query, count):
    query = query.format(commune=commune_named(quan_son, "Sơn Hà").id, me=supervisor.id)
    html = client.get(f"/inspections{query}").get_data(as_text=True)
    assert (" open" in filters_fold(html)) == (count > 0)
    expected = f"({count})" if count else ""
    assert f'<span id="log-filter-count">{expected}</span>' in html


def test_every_filter_has_a_visible_label(client, supervisor):
    html = client.get("/inspections").get_data(as_text=True)
    for name in ("from", "to", "commune", "inspector", "outcome", "type", "review", "photos"):
        assert f'<label class="label" for="log-{name}">' in html, name
        assert f'id="log-{name}"' in html
    assert 'aria-label="' not in html.split('id="log-filters"')[1].split("</details>")[0]


def test_the_fragment_redraws_the_count_out_of_band(client, supervisor):
    fragment = client.get(
        "/inspections?outcome=compliant&type=market", headers={"HX-Request": "true"}
    ).get_data(as_text=True)
    assert "<html" not in fragment and "<details" not in fragment
    assert fragment.lstrip().startswith('<section id="log-results"')
    assert '<span id="log-filter-count" hx-swap-oob="true">(2)</span>' in fragment
    page = client.get("/inspections?outcome=compliant").get_data(as_text=True)
    assert "hx-swap-oob" not in page


def test_the_inspector_filter_offers_only_people_who_inspect_here(
    client, login, make_user, make_venue, post_finding, other_district
):
    """The district's inspectors and whoever recorded a finding here; not a supervisor who
    never inspected, nor the province's or the country's accounts whose office is here."""
    venue = make_venue("Chợ Sơn Hà")
    make_user("can-bo", display_name="Lò Văn Thành")
    inspecting_boss = login(make_user("pho-phong", role="supervisor", display_name="Phó Phòng"))
    post_finding(venue)
    make_user("truong-phong", role="supervisor", display_name="Hà Thị Mai")
    make_user("tinh", role="supervisor", display_name="Trịnh Văn Hùng", scope="province")
    make_user("quoc-gia", role="supervisor", display_name="Nguyễn Thị Quỳnh", scope="country")
    make_user("khac", display_name="Cán bộ huyện khác", district=other_district)
    make_user("nghi", display_name="Đã nghỉ", is_enabled=False)
    login(make_user("xem", role="supervisor", display_name="Người xem"))
    html = client.get("/inspections").get_data(as_text=True)
    (select,) = lxml.html.fromstring(html).xpath('//select[@id="log-inspector"]')
    offered = [o.text_content() for o in select.xpath(".//option") if o.get("value")]
    assert offered == ["Lò Văn Thành", "Phó Phòng"]
    assert inspecting_boss.display_name in offered
