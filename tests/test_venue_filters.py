"""The venue list's status filters (never inspected, overdue, last outcome, assigned or
not), with the words, commune and type; kept in the URL and in the way back to the list.
Run on both engines (FIELDAPP_TEST_DATABASE=postgresql)."""

import re
from datetime import datetime, timedelta

import pytest

from fieldapp import clock
from fieldapp.extensions import db
from fieldapp.models import Assignment
from fieldapp.venues import service
from tests.factories import commune_named

FRAGMENT = {"HX-Request": "true"}
YESTERDAY = clock.today() - timedelta(days=1)
NEXT_WEEK = clock.today() + timedelta(days=7)
INSPECTED = datetime(2026, 11, 2, 3, 0)


@pytest.fixture
def venues(make_venue, make_user, quan_son):
    """Venues of Sơn Hà and Sơn Lư in every status, and one of another district's."""
    son_lu = commune_named(quan_son, "Sơn Lư")
    made = {
        "never": make_venue("Chợ Sơn Hà"),
        "never_lu": make_venue("Chợ Sơn Lư", commune=son_lu),
        "never_shop": make_venue("Cửa hàng Sơn Hà", venue_type="shop"),
        "compliant": make_venue(
            "Trường THCS Sơn Hà",
            venue_type="school",
            last_outcome="compliant",
            last_inspected_at=INSPECTED,
        ),
        "overdue": make_venue(
            "Trạm Y tế Sơn Hà",
            venue_type="health_station",
            last_outcome="non_compliant",
            last_inspected_at=INSPECTED,
            reinspection_due=YESTERDAY,
        ),
        "due_later": make_venue(
            "Nhà văn hóa bản Na Hồ",
            venue_type="village_cultural_house",
            last_outcome="needs_improvement",
            last_inspected_at=INSPECTED,
            reinspection_due=NEXT_WEEK,
        ),
        "overdue_lu": make_venue(
            "Chợ trung tâm Sơn Lư",
            commune=son_lu,
            last_outcome="needs_improvement",
            last_inspected_at=INSPECTED,
            reinspection_due=YESTERDAY,
        ),
    }
    inspector = make_user("inspector")
    supervisor = make_user("supervisor", role="supervisor")
    for key, closed in (("never", False), ("compliant", True)):
        db.session.add(
            Assignment(
                venue_id=made[key].id,
                inspector_id=inspector.id,
                due_date=NEXT_WEEK,
                created_by_id=supervisor.id,
                closed_at=INSPECTED if closed else None,
            )
        )
    db.session.commit()
    made["supervisor"] = supervisor
    return made


def listed(client, query: str) -> set[str]:
    """The names the list fragment shows for a query string."""
    html = client.get(f"/venues?{query}", headers=FRAGMENT).get_data(as_text=True)
    assert "<html" not in html
    return set(re.findall(r'<span class="list-title">([^<]+)</span>', html))


def names(venues, *keys) -> set[str]:
    return {venues[key].name for key in keys}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("status=never", ("never", "never_lu", "never_shop")),
        ("status=overdue", ("overdue", "overdue_lu")),
        ("outcome=compliant", ("compliant",)),
        ("outcome=needs_improvement", ("due_later", "overdue_lu")),
        ("outcome=non_compliant", ("overdue",)),
        ("assigned=yes", ("never",)),  # the closed assignment does not count
        (
            "assigned=no",
            ("never_lu", "never_shop", "compliant", "overdue", "due_later", "overdue_lu"),
        ),
        ("status=bogus&outcome=nope&assigned=maybe", None),  # unknown values filter nothing
    ],
)
def test_each_status_filter(client, login, venues, query, expected):
    login(venues["supervisor"])
    everything = {v.name for k, v in venues.items() if k != "supervisor"}
    assert listed(client, query) == (everything if expected is None else names(venues, *expected))


def test_filters_combine_with_words_commune_and_type(client, login, venues, quan_son):
    login(venues["supervisor"])
    son_ha = commune_named(quan_son, "Sơn Hà").id
    son_lu = commune_named(quan_son, "Sơn Lư").id
    assert listed(client, f"status=never&commune={son_ha}") == names(venues, "never", "never_shop")
    assert listed(client, f"status=never&commune={son_ha}&type=shop") == names(venues, "never_shop")
    assert listed(client, f"status=never&commune={son_ha}&assigned=no") == names(
        venues, "never_shop"
    )
    assert listed(client, "q=cho&status=never") == names(venues, "never", "never_lu")
    assert listed(client, f"q=cho&status=overdue&commune={son_lu}") == names(venues, "overdue_lu")
    assert listed(client, "q=son+ha&outcome=non_compliant&status=overdue") == names(
        venues, "overdue"
    )
    assert listed(client, "status=never&outcome=compliant") == set()


def test_another_district_s_venues_and_commune_are_never_listed(
    client, login, venues, make_venue, other_district
):
    foreign = make_venue("Chợ Chiềng Đông", commune=other_district.communes[0])
    login(venues["supervisor"])
    assert foreign.name not in listed(client, "status=never")
    # Another district's commune is not one of the user's: the district's venues instead.
    assert listed(client, f"status=never&commune={foreign.commune_id}") == names(
        venues, "never", "never_lu", "never_shop"
    )


def test_paging_and_the_count_cap_keep_the_filters(client, login, venues, app, monkeypatch):
    """The next page's link carries every filter; above the cap the count says "more than"
    and the pages still come, filtered (the cap and the paging of search_venues)."""
    monkeypatch.setattr(service, "COUNT_CAP", 1)
    monkeypatch.setattr(service, "SORT_LIMIT", 1)
    monkeypatch.setitem(app.config, "SEARCH_PAGE_SIZE", 1)
    login(venues["supervisor"])
    first = client.get("/venues?status=never&assigned=no&q=", headers=FRAGMENT)
    html = first.get_data(as_text=True)
    assert "Hơn 1 địa điểm" in html
    more = re.search(r'hx-get="([^"]+)"', html).group(1).replace("&amp;", "&")
    assert "status=never" in more and "assigned=no" in more and "page=2" in more
    rest = client.get(more, headers=FRAGMENT).get_data(as_text=True)
    seen = set(re.findall(r'<span class="list-title">([^<]+)</span>', html + rest))
    assert seen == names(venues, "never_lu", "never_shop")


def test_the_filters_are_in_the_page_and_the_way_back(client, login, venues, quan_son):
    """The list's URL holds the filters (to share it); the venue page's "← Venues" leads
    back to the same filtered list; the venue links stay plain (kept offline as they are)."""
    login(venues["supervisor"])
    son_ha = commune_named(quan_son, "Sơn Hà").id
    page = client.get(f"/venues?commune={son_ha}&status=never&assigned=no").get_data(as_text=True)
    assert '<option value="never" selected>' in page
    assert '<option value="no" selected>' in page
    assert f'href="/venues/{venues["never_shop"].id}"' in page
    # The preview's form carries the same list back.
    assert f'name="back" value="commune={son_ha}&amp;status=never&amp;assigned=no"' in page
    shown = client.get(f"/venues/{venues['never_shop'].id}").get_data(as_text=True)
    back = re.search(r'<p class="back"><a href="([^"]+)"', shown).group(1)
    assert back == f"/venues?commune={son_ha}&amp;status=never&amp;assigned=no"
    # Typing changes the list (its address pushed without the empty filters), and the way back.
    typed = client.get("/venues?q=cho&commune=&type=&status=&outcome=&assigned=", headers=FRAGMENT)
    assert typed.headers["HX-Push-Url"] == "/venues?q=cho"
    shown = client.get(f"/venues/{venues['never_shop'].id}").get_data(as_text=True)
    assert '<p class="back"><a href="/venues?q=cho">' in shown


def test_tick_boxes_and_the_assign_button_for_supervisors(client, login, venues):
    login(venues["supervisor"])
    html = client.get("/venues?status=never", headers=FRAGMENT).get_data(as_text=True)
    boxes = re.findall(r'name="venue" value="(\d+)" form="assign-form"', html)
    assert {int(b) for b in boxes} == {venues[k].id for k in ("never", "never_lu", "never_shop")}
    assert 'action="/assignments/preview"' in html and 'id="assign-ticked"' in html
    assert 'data-label-other="Giao __N__ địa điểm"' in html


def test_filtered_list_does_not_query_per_row(client, login, venues, queries):
    login(venues["supervisor"])
    queries.clear()
    client.get("/venues?status=never&assigned=no&outcome=", headers=FRAGMENT)
    assert len(queries) <= 5, queries
