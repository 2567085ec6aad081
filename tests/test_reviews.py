"""The inspection log, supervisors' review, corrections, and the audit trail."""

import io
import json
from datetime import timedelta

import pypdfium2
import pytest
from sqlalchemy import select

from fieldapp import clock
from fieldapp.extensions import db
from fieldapp.home.routes import RETURNED_COUNT
from fieldapp.models import AuditEntry, Inspection, Venue
from fieldapp.reviews import service as review_service
from fieldapp.reviews.service import SORTS
from tests.factories import commune_named, inspection_answers, jpeg_bytes


@pytest.fixture
def office(record_finding, client, login, make_user, make_venue, quan_son):
    """Two inspectors' findings in two communes, then the supervisor logged in."""
    market = make_venue("Chợ Sơn Hà")
    school = make_venue(
        "Trường THCS Trung Xuân", venue_type="school", commune=commune_named(quan_son, "Trung Xuân")
    )
    first = login()
    a = record_finding(market)
    b = record_finding(school, qr_posted="missing", checkin_method="none")
    second = login(make_user("inspector2", display_name="Lương Thị Hoa"))
    c = record_finding(market, qr_posted="hidden")
    supervisor = login(make_user("supervisor", role="supervisor"))
    return {
        "a": a,
        "b": b,
        "c": c,
        "first": first,
        "second": second,
        "market": market,
        "school": school,
        "supervisor": supervisor,
    }


def seen(inspection, **form) -> dict:
    """A review form as the page sends it: the version of the answers the supervisor saw."""
    return {"version": review_service.review_version(inspection), **form}


def log_ids(client, query="") -> list[int]:
    body = client.get(f"/inspections{query}", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "<html" not in body
    return [int(part.split('"')[0]) for part in body.split('href="/inspections/')[1:]]


def test_log_lists_the_district_newest_first(client, office):
    assert log_ids(client) == [office["c"].id, office["b"].id, office["a"].id]
    page = client.get("/inspections")
    assert "<html" in page.get_data(as_text=True) and "HX-Request" in page.headers["Vary"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("?commune={trung_xuan}", ["b"]),
        ("?type=school", ["b"]),
        ("?inspector={second}", ["c"]),
        ("?outcome=non_compliant", ["b"]),
        ("?outcome=needs_improvement", ["c"]),
        ("?review=pending", ["c", "b", "a"]),
        ("?review=approved", []),
        ("?photos=yes", ["c", "b", "a"]),
        ("?photos=no", []),
        ("?sort=venue", ["c", "a", "b"]),
        ("?sort=oldest", ["a", "b", "c"]),
        ("?from={tomorrow}", []),
        ("?to={yesterday}", []),
        ("?from={today}&to={today}", ["c", "b", "a"]),
    ],
)
def test_log_filters(client, office, quan_son, query, expected):
    today = clock.today()
    query = query.format(
        trung_xuan=commune_named(quan_son, "Trung Xuân").id,
        second=office["second"].id,
        today=today,
        tomorrow=today + timedelta(days=1),
        yesterday=today - timedelta(days=1),
    )
    assert log_ids(client, query) == [office[key].id for key in expected]


def add_school_findings(office, count: int) -> None:
    """Many compliant findings of the office's school by its first inspector, at once."""
    for n in range(count):
        db.session.add(
            Inspection(
                uuid=f"00000000-0000-4000-8000-{n:012d}",
                venue_id=office["school"].id,
                inspector_id=office["first"].id,
                qr_posted="visible",
                qr_matches="yes",
                checkin_method="both",
                staff_assigned=True,
                outcome="compliant",
                server_time=clock.utcnow(),
            )
        )
    db.session.commit()


def test_log_pages_keep_the_filter(client, login, make_venue, app, office):
    add_school_findings(office, 33)
    body = client.get("/inspections?type=school", headers={"HX-Request": "true"}).get_data(
        as_text=True
    )
    assert body.count('class="list-link"') == 30
    assert "page=2" in body and "type=school" in body
    second = client.get("/inspections?type=school&page=2", headers={"HX-Request": "true"})
    assert second.get_data(as_text=True).count('class="list-link"') == 4


def test_the_log_counts_up_to_its_cap_and_pages_on(client, office, monkeypatch):
    """Past the cap the log says "more than" instead of counting a province's year, and
    pages on while there are more findings; "page X of Y" only when it counted them all."""
    monkeypatch.setattr(review_service, "COUNT_CAP", 20)
    add_school_findings(office, 40)
    pages = []
    for page in (1, 2):
        body = client.get(
            f"/inspections?type=school&page={page}", headers={"HX-Request": "true"}
        ).get_data(as_text=True)
        pages.append(body)
        assert "Hơn 20 lần kiểm tra" in body
        assert "Trang /" not in body and f"Trang {page}<" in body
    assert pages[0].count('class="list-link"') == 30 and "page=2" in pages[0]
    assert pages[1].count('class="list-link"') == 11  # 40 + the school's one from office
    assert "page=3" not in pages[1] and "page=1" in pages[1]
    # Under the cap: counted exactly, "page 1 of 1", no pager at all.
    body = client.get("/inspections?type=market", headers={"HX-Request": "true"}).get_data(
        as_text=True
    )
    assert "2 lần kiểm tra" in body and "Hơn" not in body and 'class="pager"' not in body


@pytest.mark.parametrize("sort", sorted(SORTS))
def test_every_sort_of_the_log_ends_on_the_id(sort):
    """Findings recorded at the same moment, of the same venue or outcome, are equal for
    the other keys; PostgreSQL returns equal rows in any order, and in another one for
    another LIMIT/OFFSET, so pages would repeat some and skip others."""
    assert str(SORTS[sort][-1]) in ("inspection.id DESC", "inspection.id ASC")


def test_log_does_not_query_per_row(client, office, queries):
    queries.clear()
    client.get("/inspections", headers={"HX-Request": "true"})
    assert len(queries) <= 6, queries


def test_inspectors_see_only_their_own_in_the_log(client, login, office):
    login(office["second"])
    assert log_ids(client) == [office["c"].id]


def test_another_district_sees_nothing(client, login, make_user, other_district, office):
    login(make_user("yc", role="supervisor", district=other_district))
    assert log_ids(client) == []
    for url in (f"/inspections/{office['a'].id}", f"/inspections/{office['a'].id}/edit"):
        assert client.get(url).status_code == 404
    assert client.post(f"/inspections/{office['a'].id}/approve").status_code == 404
    assert (
        client.post(f"/inspections/{office['a'].id}/return", data={"comment": "x"}).status_code
        == 404
    )


def audit_of(inspection) -> list[AuditEntry]:
    return list(
        db.session.scalars(
            select(AuditEntry)
            .where(AuditEntry.entity == "inspection", AuditEntry.entity_id == inspection.id)
            .order_by(AuditEntry.id)
        )
    )


def test_approve_once(client, office):
    a = office["a"]
    response = client.post(f"/inspections/{a.id}/approve", data=seen(a))
    assert response.status_code == 303
    assert a.review_state == "approved" and a.reviewed_by_id == office["supervisor"].id
    [created, reviewed] = audit_of(a)
    assert created.action == "create" and reviewed.action == "review"
    assert json.loads(reviewed.changes)["review_state"] == ["pending", "approved"]
    again = client.post(f"/inspections/{a.id}/approve", data=seen(a), follow_redirects=True)
    assert "đã được duyệt" in again.get_data(as_text=True)
    assert len(audit_of(a)) == 2


def test_inspectors_cannot_review(client, login, office):
    login(office["first"])
    assert client.post(f"/inspections/{office['a'].id}/approve").status_code == 403
    assert (
        client.post(f"/inspections/{office['a'].id}/return", data={"comment": "x"}).status_code
        == 403
    )
    assert office["a"].review_state == "pending"


def test_return_needs_a_comment(client, office):
    b = office["b"]
    response = client.post(f"/inspections/{b.id}/return", data=seen(b, comment="   "))
    assert response.status_code == 422
    assert "Ghi rõ cán bộ kiểm tra cần sửa gì" in response.get_data(as_text=True)
    assert b.review_state == "pending" and len(audit_of(b)) == 1


def test_returned_then_corrected_then_approved(client, login, office):
    b = office["b"]
    client.post(
        f"/inspections/{b.id}/return", data=seen(b, comment="Ảnh mờ, ghi lại số khách quét mã.")
    )
    assert b.review_state == "returned"
    assert client.post(f"/inspections/{b.id}/approve", follow_redirects=True).status_code == 200
    assert b.review_state == "returned"  # not before the correction

    login(office["first"])
    home = client.get("/").get_data(as_text=True)
    assert "Bị trả lại, cần sửa" in home and "Ảnh mờ" in home
    form = client.get(f"/inspections/{b.id}/edit").get_data(as_text=True)
    assert 'value="Lò Văn Hùng"' in form and "Ảnh mờ, ghi lại số khách quét mã." in form
    answers = inspection_answers(
        uuid=b.uuid,
        qr_posted="missing",
        checkin_method="staff_scan",
        visitors_scanned="7",
        photos=(io.BytesIO(jpeg_bytes(color=(0, 0, 255))), "moi.jpg"),
    )
    response = client.post(
        f"/inspections/{b.id}/edit", data=answers, content_type="multipart/form-data"
    )
    assert response.status_code == 303
    db.session.refresh(b)
    assert b.review_state == "pending" and b.visitors_scanned == 7
    # The change history words the codes as the screens do.
    changes = client.get(f"/inspections/{b.id}").get_data(as_text=True)
    assert "Đã trả lại để sửa → Chờ duyệt" in changes
    assert "Không ai kiểm soát → Nhân viên quét mã QR cá nhân hoặc CCCD của khách" in changes
    assert "Không đạt → Cần khắc phục" in changes
    assert "returned → pending" not in changes and "none → staff_scan" not in changes
    assert b.outcome == "needs_improvement" and len(b.photos) == 2
    edit_entry = audit_of(b)[-1]
    assert edit_entry.action == "edit" and edit_entry.user_id == office["first"].id
    changes = json.loads(edit_entry.changes)
    assert changes["visitors_scanned"] == [9, 7]
    assert changes["checkin_method"] == ["none", "staff_scan"]
    assert changes["review_state"] == ["returned", "pending"]
    detail = client.get(f"/inspections/{b.id}").get_data(as_text=True)
    assert "Lịch sử thay đổi" in detail and "Trong đó, số người quét mã</strong>: 9 → 7" in detail

    login(office["supervisor"])
    client.post(f"/inspections/{b.id}/approve", data=seen(b))
    assert b.review_state == "approved"
    login(office["first"])
    locked = client.post(
        f"/inspections/{b.id}/edit",
        data=inspection_answers(uuid=b.uuid),
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert "không sửa được nữa" in locked.get_data(as_text=True)
    db.session.refresh(b)
    assert b.visitors_scanned == 7


def test_correction_errors_keep_what_was_typed(client, login, office):
    login(office["first"])
    a = office["a"]
    response = client.post(
        f"/inspections/{a.id}/edit",
        data=inspection_answers(uuid=a.uuid, visitors_scanned="99", notes="Sửa lại ghi chú"),
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert "Sửa lại ghi chú" in response.get_data(as_text=True)
    db.session.refresh(a)
    assert a.visitors_scanned == 9


def test_photos_of_a_refused_correction_are_shown_when_it_is_opened_again(client, login, office):
    """A refused correction keeps its photo for the next try: reopening the form says so,
    rather than attaching it unseen, and the next correction attaches it once."""
    login(office["first"])
    a = office["a"]
    photos_before = len(a.photos)
    refused = client.post(
        f"/inspections/{a.id}/edit",
        data=inspection_answers(
            uuid=a.uuid,
            visitors_scanned="99",
            photos=(io.BytesIO(jpeg_bytes(color=(10, 120, 10))), "entrance.jpg"),
        ),
        content_type="multipart/form-data",
    )
    assert refused.status_code == 422
    reopened = client.get(f"/inspections/{a.id}/edit").get_data(as_text=True)
    assert "Đã nhận 1 ảnh: không cần chụp lại." in reopened
    sent = client.post(
        f"/inspections/{a.id}/edit",
        data=inspection_answers(uuid=a.uuid, photos=None),
        content_type="multipart/form-data",
    )
    assert sent.status_code == 303
    db.session.refresh(a)
    assert len(a.photos) == photos_before + 1
    assert "Đã nhận" not in client.get(f"/inspections/{a.id}/edit").get_data(as_text=True)


def test_only_the_inspector_who_recorded_it_corrects_it(client, login, office):
    login(office["second"])
    assert client.get(f"/inspections/{office['a'].id}/edit").status_code == 403


def test_venue_creation_is_audited(client, login, quan_son, app, tmp_path):
    user = login()
    client.post(
        "/venues/new",
        data={
            "name": "Quán cà phê Bản Bôn",
            "venue_type": "shop",
            "commune_id": str(commune_named(quan_son, "Trung Xuân").id),
        },
    )
    venue = db.session.scalar(select(Venue).where(Venue.name == "Quán cà phê Bản Bôn"))
    [entry] = db.session.scalars(select(AuditEntry).where(AuditEntry.entity == "venue")).all()
    assert (entry.entity_id, entry.action, entry.user_id) == (venue.id, "create", user.id)
    assert json.loads(entry.changes)["name"] == [None, "Quán cà phê Bản Bôn"]
    csv = tmp_path / "venues.csv"
    csv.write_text("code,name,type,commune\nQS-X-1,Chợ Bản Hạ,market,Sơn Hà\n", encoding="utf-8")
    assert app.test_cli_runner().invoke(args=["import-venues", str(csv)]).exit_code == 0
    imported = db.session.scalar(select(Venue).where(Venue.code == "QS-X-1"))
    entry = db.session.scalar(
        select(AuditEntry).where(AuditEntry.entity_id == imported.id, AuditEntry.entity == "venue")
    )
    assert entry.user_id is None and entry.action == "create"


def test_repeat_offenders_are_counted_and_listed(
    record_finding, client, login, make_user, make_venue, app
):
    app.config["ESCALATION_THRESHOLD"] = 2
    inspector = login()
    shop = make_venue("Cửa hàng tạp hóa Hà Linh", venue_type="shop")
    market = make_venue("Chợ Sơn Hà")
    failing = {"qr_posted": "missing", "checkin_method": "none", "actions": "reminder"}
    record_finding(shop, **failing)
    record_finding(market, **failing)
    record_finding(shop, **failing)
    record_finding(shop)
    page = client.get(f"/venues/{shop.id}").get_data(as_text=True)
    assert "Không đạt 2 lần, đã nhắc nhở 2 lần." in page and "Cần xử lý." in page
    assert "Cần xử lý." not in client.get(f"/venues/{market.id}").get_data(as_text=True)
    login(make_user("supervisor", role="supervisor"))
    log = client.get("/inspections").get_data(as_text=True)
    assert "Địa điểm: không đạt 2 lần, đã nhắc nhở 2 lần" in log
    listing = client.get("/escalations").get_data(as_text=True)
    assert "Cửa hàng tạp hóa Hà Linh" in listing and "Chợ Sơn Hà" not in listing
    login(inspector)
    assert client.get("/escalations").status_code == 403


def test_inspection_as_a_printable_pdf(client, login, office, make_user, other_district):

    a = office["a"]
    client.post(f"/inspections/{a.id}/approve", data=seen(a))
    response = client.get(f"/inspections/{a.id}.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    document = pypdfium2.PdfDocument(response.data)
    text = " ".join(document[i].get_textpage().get_text_range() for i in range(len(document)))
    text = text.replace("\r", " ").replace("\n", " ")
    for expected in (
        "Phiếu kết quả kiểm tra",
        "Chợ Sơn Hà",
        "Bản Na Hồ, xã Sơn Hà, huyện Quan Sơn",
        "Lò Văn Hùng",
        "Đạt yêu cầu",
        "Đã duyệt",
        office["supervisor"].display_name,
        "Ảnh 1",
    ):
        assert expected in text, expected
    assert any(
        obj.type == pypdfium2.raw.FPDF_PAGEOBJ_IMAGE
        for page in document
        for obj in page.get_objects()
    )
    login(make_user("yc", role="supervisor", district=other_district))
    assert client.get(f"/inspections/{a.id}.pdf").status_code == 404


def test_a_supervisor_cannot_review_their_own_finding(client, login, make_user, make_venue):
    """Four eyes: a supervisor who inspected sees no review buttons on their finding, and a
    post to approve or return it is refused with a message; another supervisor may."""
    venue = make_venue("Chợ Sơn Hà")
    supervisor = login(make_user("hoa", role="supervisor"))
    response = client.post(
        f"/venues/{venue.id}/inspections",
        data=inspection_answers(),
        content_type="multipart/form-data",
    )
    assert response.status_code == 303
    own = db.session.scalar(select(Inspection))
    page = client.get(f"/inspections/{own.id}").get_data(as_text=True)
    assert f"/inspections/{own.id}/approve" not in page
    refused = client.post(f"/inspections/{own.id}/approve", data=seen(own), follow_redirects=True)
    assert "Bạn là người ghi kết quả này: lãnh đạo khác phải duyệt." in refused.get_data(
        as_text=True
    )
    client.post(f"/inspections/{own.id}/return", data=seen(own, comment="Sửa lại"))
    db.session.refresh(own)
    assert own.review_state == "pending" and own.inspector_id == supervisor.id
    login(make_user("mai", role="supervisor"))
    assert f"/inspections/{own.id}/approve" in client.get(f"/inspections/{own.id}").get_data(
        as_text=True
    )
    assert client.post(f"/inspections/{own.id}/approve", data=seen(own)).status_code == 303
    db.session.refresh(own)
    assert own.review_state == "approved"


def test_the_home_page_lists_the_latest_returned_findings_and_links_to_all(
    client, login, make_venue, make_user, record_finding
):
    """An inspector with many findings returned sees the newest few on the home page and a
    link to the log of all of them (the page never lists an unbounded number)."""
    inspector = login()
    venues = [make_venue(f"Cửa hàng số {n}") for n in range(RETURNED_COUNT + 2)]
    findings = [record_finding(venue) for venue in venues]
    supervisor = login(make_user("supervisor", role="supervisor"))
    for finding in findings:
        response = client.post(
            f"/inspections/{finding.id}/return",
            data=seen(finding, comment=f"Sửa {finding.venue.name}."),
        )
        assert response.status_code in (200, 303)
    assert supervisor.can_review
    login(inspector)
    home = client.get("/").get_data(as_text=True)
    listed = [venue.name for venue in venues if f">{venue.name}<" in home]
    # The newest returned first: the last ones returned are listed, the first two are not.
    assert listed == [venue.name for venue in venues[2:]]
    assert f"Xem cả {RETURNED_COUNT + 2} kết quả bị trả lại" in home
    assert 'href="/inspections?review=returned"' in home
    # The link's log holds every one of them.
    assert sorted(log_ids(client, "?review=returned")) == sorted(f.id for f in findings)


def test_a_few_returned_findings_need_no_link(client, login, office):
    b = office["b"]
    client.post(f"/inspections/{b.id}/return", data=seen(b, comment="Ảnh mờ."))
    assert b.review_state == "returned"
    login(office["first"])
    home = client.get("/").get_data(as_text=True)
    assert "Bị trả lại, cần sửa" in home and "Ảnh mờ." in home
    assert "kết quả bị trả lại" not in home


# --- approving: confirmed, the version checked, then the next finding ----------------------


def approve_link(client, inspection) -> str:
    """The finding page's "Duyệt" link: to the confirmation, with the version seen."""
    page = client.get(f"/inspections/{inspection.id}").get_data(as_text=True)
    link = page.split('id="approve" href="')[1].split('"')[0].replace("&amp;", "&")
    assert link.startswith(f"/inspections/{inspection.id}/approve?version=")
    return link


def confirm_form_version(page: str) -> str:
    return page.split('name="version" value="')[1].split('"')[0]


def test_approving_asks_for_confirmation_then_opens_the_next_pending(client, office):
    """ "Duyệt" opens a confirmation (nothing approved yet); confirming approves and opens
    the next finding of the queue (newest first), then the queue when none is left."""
    a, b, c = office["a"], office["b"], office["c"]
    confirm = client.get(approve_link(client, c))
    page = confirm.get_data(as_text=True)
    assert confirm.status_code == 200 and 'id="confirm-approve"' in page
    assert 'method="post"' in page and f'action="/inspections/{c.id}/approve"' in page
    assert c.review_state == "pending"  # opening the confirmation approves nothing

    done = client.post(f"/inspections/{c.id}/approve", data={"version": confirm_form_version(page)})
    assert done.status_code == 303 and done.headers["Location"] == f"/inspections/{b.id}"
    assert c.review_state == "approved"
    following = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "Đã duyệt" in following and 'id="approve"' in following

    done = client.post(f"/inspections/{b.id}/approve", data=seen(b))
    assert done.headers["Location"] == f"/inspections/{a.id}"
    done = client.post(f"/inspections/{a.id}/approve", data=seen(a))
    assert done.headers["Location"] == "/inspections?review=pending"
    assert "Không còn kết quả kiểm tra nào chờ duyệt" in client.get(
        done.headers["Location"]
    ).get_data(as_text=True)


def test_returning_also_opens_the_next_pending(client, office):
    """A return is a review done too: the next finding awaiting review opens, then the queue."""
    a, b, c = office["a"], office["b"], office["c"]
    done = client.post(f"/inspections/{c.id}/return", data=seen(c, comment="Ảnh mờ"))
    assert done.status_code == 303 and done.headers["Location"] == f"/inspections/{b.id}"
    assert c.review_state == "returned"
    following = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "Đã trả lại cho Lương Thị Hoa để sửa. Đây là kết quả kiểm tra tiếp theo" in following
    client.post(f"/inspections/{b.id}/approve", data=seen(b))
    done = client.post(f"/inspections/{a.id}/return", data=seen(a, comment="Thiếu ảnh"))
    assert done.headers["Location"] == "/inspections?review=pending"
    assert "Không còn kết quả kiểm tra nào chờ duyệt" in client.get(
        done.headers["Location"]
    ).get_data(as_text=True)


def test_the_next_pending_starts_again_from_the_top_and_skips_ones_own(
    client, login, make_venue, office
):
    """Approving the oldest goes on to the newest pending one; a finding the supervisor
    recorded is never offered as next (four eyes)."""
    own = login(office["supervisor"])
    client.post(
        f"/venues/{make_venue('Quán mới').id}/inspections",
        data=inspection_answers(),
        content_type="multipart/form-data",
    )
    assert own.can_review
    done = client.post(f"/inspections/{office['a'].id}/approve", data=seen(office["a"]))
    assert done.headers["Location"] == f"/inspections/{office['c'].id}"


def correct(client, login, office, inspection, scanned="7"):
    """The inspector corrects a returned finding through the correction form."""
    login(office["first"])
    answers = inspection_answers(
        uuid=inspection.uuid,
        qr_posted="missing",
        checkin_method="staff_scan",
        visitors_scanned=scanned,
        photos=(io.BytesIO(jpeg_bytes(color=(0, 0, 255))), "moi.jpg"),
    )
    response = client.post(
        f"/inspections/{inspection.id}/edit", data=answers, content_type="multipart/form-data"
    )
    assert response.status_code == 303
    login(office["supervisor"])


def test_a_finding_corrected_after_it_was_opened_is_not_approved(client, login, office):
    """The supervisor's tab shows the answers before a correction: approving from it (the
    confirmation or its post) shows the finding again with the new answers and a message;
    nothing is approved until the new answers are the ones confirmed."""
    b = office["b"]
    old_link = approve_link(client, b)  # "Duyệt" as a tab left open shows it
    assert old_link.endswith("?version=original")
    client.post(f"/inspections/{b.id}/return", data=seen(b, comment="Ghi lại số khách quét mã."))
    correct(client, login, office, b)

    for response in (
        client.get(old_link),
        client.post(f"/inspections/{b.id}/approve", data={"version": "original"}),
    ):
        page = response.get_data(as_text=True)
        assert response.status_code == 409
        assert "đã được sửa sau khi bạn mở trang" in page
        assert 'data-answer="visitors_observed">7 / 10<' in page  # the corrected answer
        db.session.refresh(b)
        assert b.review_state == "pending"
    assert 'id="approve"' in page  # the page offers the approval of what it now shows

    confirm = client.get(approve_link(client, b)).get_data(as_text=True)
    done = client.post(
        f"/inspections/{b.id}/approve", data={"version": confirm_form_version(confirm)}
    )
    assert done.status_code == 303
    db.session.refresh(b)
    assert b.review_state == "approved"


def test_returning_a_finding_corrected_since_is_refused_keeping_the_comment(client, login, office):
    b = office["b"]
    client.post(f"/inspections/{b.id}/return", data=seen(b, comment="Chụp lại ảnh."))
    correct(client, login, office, b)
    response = client.post(
        f"/inspections/{b.id}/return", data={"version": "original", "comment": "Vẫn thiếu ảnh."}
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 409 and "đã được sửa sau khi bạn mở trang" in page
    assert "Vẫn thiếu ảnh." in page  # what the supervisor typed is kept
    db.session.refresh(b)
    assert b.review_state == "pending"
    again = client.post(f"/inspections/{b.id}/return", data=seen(b, comment="Vẫn thiếu ảnh."))
    assert again.status_code == 303
    db.session.refresh(b)
    assert b.review_state == "returned"


def test_a_review_form_without_its_version_changes_nothing(client, office):
    a = office["a"]
    for response in (
        client.get(f"/inspections/{a.id}/approve"),
        client.post(f"/inspections/{a.id}/approve"),
        client.post(f"/inspections/{a.id}/return", data={"comment": "Sửa lại."}),
    ):
        assert response.status_code == 409
        assert "Biểu mẫu không cho biết" in response.get_data(as_text=True)
    assert a.review_state == "pending"


def test_the_confirmation_refuses_what_cannot_be_approved(client, login, office):
    a = office["a"]
    client.post(f"/inspections/{a.id}/approve", data=seen(a))
    response = client.get(f"/inspections/{a.id}/approve?version=original")
    assert response.status_code == 303
    assert response.headers["Location"] == f"/inspections/{a.id}"
    login(office["first"])
    assert client.get(f"/inspections/{a.id}/approve?version=original").status_code == 403
