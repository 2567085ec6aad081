"""The inspection form's fixes from the walk of 1 December 2026: a too-large count names its
bound, a re-inspection date a year out is refused, a failing finding without a date keeps the
venue's follow-up date, a stale correction is refused, and the PDF leaves out a return
comment that the correction made outdated."""

from datetime import timedelta

import pypdfium2
import pytest

from fieldapp import clock
from fieldapp.extensions import db
from fieldapp.models import Inspection
from fieldapp.reviews.service import review_version
from tests.factories import inspection_answers


def _page(response) -> str:
    return response.get_data(as_text=True)


def test_a_too_large_count_names_the_largest_allowed(client, login, make_venue, post_finding):
    login()
    venue = make_venue()
    response = post_finding(venue, venue_scan_count="999999999999")
    assert response.status_code == 422
    page = _page(response)
    assert "1.000.000" in page and "Nhập số từ 0 trở lên." not in page
    # a negative one still says the lower bound
    response = post_finding(venue, venue_scan_count="-3")
    assert response.status_code == 422 and "Nhập số từ 0 trở lên." in _page(response)


def test_a_reinspection_date_beyond_a_year_is_refused_with_the_latest_day(
    client, login, make_venue, post_finding
):
    login()
    venue = make_venue()
    latest = clock.today() + timedelta(days=clock.PLANNED_DAYS_AHEAD)
    form = client.get(f"/venues/{venue.id}/inspections/new").get_data(as_text=True)
    assert f'max="{latest.isoformat()}"' in form  # the date picker stops there too
    response = post_finding(venue, actions="reinspection_scheduled", reinspection_due="2999-01-01")
    assert response.status_code == 422
    page = _page(response)
    assert f"Ngày quá xa: chọn ngày không muộn hơn {latest.strftime('%d/%m/%Y')}." in page
    assert 'value="2999-01-01"' in page  # what was typed is kept
    assert db.session.query(Inspection).count() == 0
    # the latest day itself is taken
    response = post_finding(
        venue, actions="reinspection_scheduled", reinspection_due=latest.isoformat()
    )
    assert response.status_code == 303
    db.session.refresh(venue)
    assert venue.reinspection_due == latest


@pytest.mark.parametrize(
    ("answers", "outcome"),
    [
        ({"qr_posted": "hidden"}, "needs_improvement"),
        ({"qr_posted": "missing", "checkin_method": "none"}, "non_compliant"),
    ],
)
def test_a_failing_finding_without_a_date_keeps_the_venues_due_date(
    client, login, make_venue, record_finding, answers, outcome
):
    login()
    venue = make_venue()
    due = clock.today() + timedelta(days=7)
    record_finding(
        venue,
        qr_posted="hidden",
        actions="reinspection_scheduled",
        reinspection_due=due.isoformat(),
    )
    db.session.refresh(venue)
    assert venue.reinspection_due == due
    finding = record_finding(venue, **answers)
    assert finding.outcome == outcome and finding.reinspection_due is None
    db.session.refresh(venue)
    assert venue.last_outcome == outcome
    assert venue.reinspection_due == due  # still followed up
    # a compliant finding ends the follow-up
    record_finding(venue)
    db.session.refresh(venue)
    assert venue.last_outcome == "compliant" and venue.reinspection_due is None


def _returned(client, login, make_user, make_venue, record_finding, comment="Chụp lại mã QR."):
    venue = make_venue()
    inspector = login()
    finding = record_finding(venue, notes="Ghi chú đầu tiên.")
    login(make_user("mai", role="supervisor", display_name="Hà Thị Mai"))
    response = client.post(
        f"/inspections/{finding.id}/return",
        data={"comment": comment, "version": review_version(finding)},
    )
    assert response.status_code in (302, 303)
    login(inspector)
    return finding


def _version_in(page: str) -> str:
    marker = 'name="version" value="'
    start = page.index(marker) + len(marker)
    return page[start : page.index('"', start)]


def test_a_stale_correction_is_refused_and_what_was_typed_kept(
    client, login, make_user, make_venue, record_finding
):
    finding = _returned(client, login, make_user, make_venue, record_finding)
    tab_a = _version_in(_page(client.get(f"/inspections/{finding.id}/edit")))
    tab_b = _version_in(_page(client.get(f"/inspections/{finding.id}/edit")))
    assert tab_a == tab_b == review_version(finding)
    response = client.post(
        f"/inspections/{finding.id}/edit",
        data={
            **inspection_answers(uuid=finding.uuid, photos=None, notes="Sửa ở tab A."),
            "version": tab_a,
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 303
    # The same correction sent again (its answer was lost): already applied, not refused.
    replay = client.post(
        f"/inspections/{finding.id}/edit",
        data={
            **inspection_answers(uuid=finding.uuid, photos=None, notes="Sửa ở tab A."),
            "version": tab_a,
        },
        content_type="multipart/form-data",
        headers={"Accept": "application/json"},
    )
    assert replay.status_code == 200 and replay.get_json()["status"] == "updated"
    response = client.post(
        f"/inspections/{finding.id}/edit",
        data={
            **inspection_answers(
                uuid=finding.uuid, photos=None, notes="Sửa ở tab B.", visitors_scanned="6"
            ),
            "version": tab_b,
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 409
    page = _page(response)
    assert 'id="correction-stale"' in page and "Sửa ở tab B." in page
    assert f'href="/inspections/{finding.id}"' in page
    db.session.expire_all()
    assert finding.notes == "Sửa ở tab A."
    # the outbox hears it as JSON
    response = client.post(
        f"/inspections/{finding.id}/edit",
        data={
            **inspection_answers(uuid=finding.uuid, photos=None, notes="Sửa ở tab B."),
            "version": tab_b,
        },
        content_type="multipart/form-data",
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 409 and response.get_json()["status"] == "stale"
    # a fresh form goes through
    fresh = _version_in(_page(client.get(f"/inspections/{finding.id}/edit")))
    response = client.post(
        f"/inspections/{finding.id}/edit",
        data={
            **inspection_answers(uuid=finding.uuid, photos=None, notes="Sửa ở tab B."),
            "version": fresh,
        },
        content_type="multipart/form-data",
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "updated" and body["next_url"] == f"/inspections/{finding.id}"
    db.session.expire_all()
    assert finding.notes == "Sửa ở tab B." and finding.review_state == "pending"


def _pdf_text(client, finding) -> str:
    response = client.get(f"/inspections/{finding.id}.pdf")
    assert response.status_code == 200
    document = pypdfium2.PdfDocument(response.data)
    text = " ".join(document[i].get_textpage().get_text_range() for i in range(len(document)))
    return text.replace("\r", " ").replace("\n", " ")


def test_the_pdf_of_a_corrected_finding_leaves_out_the_old_return_comment(
    client, login, make_user, make_venue, record_finding
):
    finding = _returned(
        client, login, make_user, make_venue, record_finding, comment="Thiếu ảnh cửa chính."
    )
    text = _pdf_text(client, finding)
    assert "Thiếu ảnh cửa chính." in text and "Hà Thị Mai" in text
    response = client.post(
        f"/inspections/{finding.id}/edit",
        data={
            **inspection_answers(uuid=finding.uuid, photos=None),
            "version": review_version(finding),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 303
    text = _pdf_text(client, finding)
    assert "Chờ duyệt" in text
    assert "Thiếu ảnh cửa chính." not in text and "Hà Thị Mai" not in text
