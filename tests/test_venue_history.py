"""A venue's inspection history a page at a time: the newest on the venue's page, older ones
on request (htmx rows, or a page of their own), in order, none twice, none skipped."""

import re
import uuid
from datetime import datetime, timedelta

from fieldapp.extensions import db
from fieldapp.models import Inspection
from fieldapp.venues.history import HISTORY_PAGE, inspection_history

START = datetime(2021, 11, 1, 2, 0)


def add_findings(venue, inspector, count: int, same_time_from: int | None = None) -> list[int]:
    """`count` findings, an hour apart, oldest first; from `same_time_from` on they share one
    moment (the order then falls back on the id). Their ids, oldest first."""
    findings = []
    for n in range(count):
        hours = n if same_time_from is None or n < same_time_from else same_time_from
        finding = Inspection(
            uuid=str(uuid.uuid4()),
            venue_id=venue.id,
            inspector_id=inspector.id,
            server_time=START + timedelta(hours=hours),
            qr_posted="visible",
            qr_matches="yes",
            checkin_method="visitors_scan",
            staff_assigned=True,
            outcome="compliant",
        )
        db.session.add(finding)
        findings.append(finding)
    db.session.commit()
    return [finding.id for finding in findings]


def shown_ids(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'<li id="inspection-(\d+)"', html)]


def older_link(html: str) -> str | None:
    found = re.search(r'id="older-inspections"\s+href="([^"]+)"', html)
    return found.group(1).replace("&amp;", "&") if found else None


def test_pages_follow_each_other_newest_first(app, make_user, make_venue):
    inspector = make_user()
    venue = make_venue()
    ids = add_findings(venue, inspector, 2 * HISTORY_PAGE + 3, same_time_from=HISTORY_PAGE + 2)
    newest_first = sorted(
        ids, key=lambda i: (db.session.get(Inspection, i).server_time, i), reverse=True
    )
    seen, older_than = [], None
    while True:
        page = inspection_history(venue.id, older_than=older_than)
        seen += [inspection.id for inspection in page.inspections]
        if page.more_after is None:
            break
        assert page.more_after == page.inspections[-1].id
        older_than = page.more_after
    assert seen == newest_first


def test_an_id_of_another_venue_starts_from_the_newest(app, make_user, make_venue):
    inspector = make_user()
    venue, other = make_venue(), make_venue(name="Quán Bản Chiềng")
    mine = add_findings(venue, inspector, 3)
    theirs = add_findings(other, inspector, 1)
    page = inspection_history(venue.id, older_than=theirs[0])
    assert [i.id for i in page.inspections] == mine[::-1]
    assert page.more_after is None


def test_the_venue_page_shows_the_newest_and_the_rest_follow(client, login, make_venue):
    inspector = login()
    venue = make_venue()
    ids = add_findings(venue, inspector, HISTORY_PAGE + 4)
    page = client.get(f"/venues/{venue.id}").get_data(as_text=True)
    assert shown_ids(page) == ids[::-1][:HISTORY_PAGE]
    link = older_link(page)
    assert link == f"/venues/{venue.id}/history?older_than={ids[4]}"

    rows = client.get(link, headers={"HX-Request": "true"})
    assert rows.status_code == 200
    fragment = rows.get_data(as_text=True)
    assert "<html" not in fragment
    assert shown_ids(fragment) == ids[::-1][HISTORY_PAGE:]
    assert older_link(fragment) is None

    # Without htmx (no script, a link opened in a new tab) the same URL is a page of its own.
    whole = client.get(link).get_data(as_text=True)
    assert "<html" in whole and shown_ids(whole) == ids[::-1][HISTORY_PAGE:]
    assert f'href="/venues/{venue.id}"' in whole  # the way back to the venue


def test_a_venue_with_few_findings_offers_no_more(client, login, make_venue):
    inspector = login()
    venue = make_venue()
    page = client.get(f"/venues/{venue.id}").get_data(as_text=True)
    assert 'id="inspection-history"' not in page and older_link(page) is None
    ids = add_findings(venue, inspector, HISTORY_PAGE)
    page = client.get(f"/venues/{venue.id}").get_data(as_text=True)
    assert shown_ids(page) == ids[::-1] and older_link(page) is None


def test_a_page_past_the_oldest_says_so(client, login, make_venue):
    inspector = login()
    venue = make_venue()
    ids = add_findings(venue, inspector, 2)
    page = client.get(f"/venues/{venue.id}/history?older_than={ids[0]}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert shown_ids(html) == [] and 'class="empty"' in html


def test_another_districts_venue_history_is_not_found(
    client, login, make_user, make_venue, other_district
):
    venue = make_venue()
    add_findings(venue, make_user(username="inspector2"), 2)
    login(username="yen_chau", district=other_district)
    assert client.get(f"/venues/{venue.id}/history").status_code == 404


def test_a_bad_cursor_is_the_newest_page(client, login, make_venue):
    inspector = login()
    venue = make_venue()
    ids = add_findings(venue, inspector, 2)
    for bad in ("abc", "-1", "99999999999999999999", "²"):
        page = client.get(f"/venues/{venue.id}/history", query_string={"older_than": bad})
        assert page.status_code == 200
        assert shown_ids(page.get_data(as_text=True)) == ids[::-1]
