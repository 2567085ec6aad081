"""The weekly letter marked as sent to the province (and the mark undone): by the district's
own office, confirmed first, audited; the province's deadlines page counts a letter sent,
on time or late, from the mark, and an export alone as exported, not sent."""

from datetime import date, datetime

import pytest
from sqlalchemy import func, select

from fieldapp.audit import entry_heading
from fieldapp.extensions import db
from fieldapp.letters.sending import (
    SENT,
    UNSENT,
    mark_sent,
    may_mark_sent,
    sent_mark,
    sent_marks,
    unmark_sent,
)
from fieldapp.models import AuditEntry, Commune, CommuneFigures, District
from fieldapp.reports.deadlines import province_deadlines
from fieldapp.reports.figures import save_figures
from tests.factories import district_supervisor

FRIDAY = date(2021, 11, 12)  # due at 16:00 in Vietnam, 09:00 UTC
BEFORE_DEADLINE = datetime(2021, 11, 12, 8, 0)  # 15:00 in Vietnam
AFTER_DEADLINE = datetime(2021, 11, 13, 3, 0)  # Saturday 10:00 in Vietnam
HTMX = {"HX-Request": "true"}


def figures(district, day=FRIDAY):
    for commune in district.communes:
        db.session.add(
            CommuneFigures(commune=commune, report_date=day, venues_with_qr=10, scans=100)
        )
    db.session.commit()


def events(action=None) -> list[AuditEntry]:
    query = select(AuditEntry).where(AuditEntry.action.in_((SENT, UNSENT)))
    if action:
        query = query.where(AuditEntry.action == action)
    return list(db.session.scalars(query.order_by(AuditEntry.id)))


def week_of(district, now=AFTER_DEADLINE):
    table = province_deadlines(district.province, now, count=2)
    return next(row for row in table.districts if row.district.id == district.id).weeks[1]


def url(district, day=FRIDAY, path="sent") -> str:
    return f"/letters/{district.id}/{day.isoformat()}/{path}"


# The service, without a request --------------------------------------------------------


def test_mark_undo_and_mark_again(quan_son, neighbour_district, frozen_clock):
    user = district_supervisor(quan_son)
    frozen_clock(BEFORE_DEADLINE)
    assert sent_mark(quan_son, FRIDAY) is None
    assert mark_sent(quan_son, FRIDAY, user) is True
    frozen_clock(AFTER_DEADLINE)
    assert mark_sent(quan_son, FRIDAY, user) is False  # a double submit: the first mark stays
    db.session.commit()
    mark = sent_mark(quan_son, FRIDAY)
    assert (mark.at, mark.by.id, mark.by_name) == (BEFORE_DEADLINE, user.id, "Cán bộ phòng")
    assert mark.moment_text == "12/11/2021 15:00"
    assert len(events(SENT)) == 1
    # Another date and another district are not marked.
    assert sent_mark(quan_son, date(2021, 11, 5)) is None
    assert sent_mark(neighbour_district, FRIDAY) is None

    assert unmark_sent(quan_son, FRIDAY, user) is True
    assert unmark_sent(quan_son, FRIDAY, user) is False
    db.session.commit()
    assert sent_mark(quan_son, FRIDAY) is None
    undone = events(UNSENT)
    assert len(undone) == 1
    assert undone[0].details == {
        "report_date": "2021-11-12",
        "sent": "Cán bộ phòng, 12/11/2021 15:00",
    }
    assert undone[0].district_id == quan_son.id

    frozen_clock(datetime(2021, 11, 14, 1, 0))
    assert mark_sent(quan_son, FRIDAY, user) is True
    db.session.commit()
    assert sent_mark(quan_son, FRIDAY).at == datetime(2021, 11, 14, 1, 0)
    assert sent_marks([quan_son.id, neighbour_district.id], date(2021, 11, 6)) == {
        (quan_son.id, FRIDAY): sent_mark(quan_son, FRIDAY)
    }


def test_the_audit_trail_names_the_marks(app, quan_son):
    user = district_supervisor(quan_son)
    mark_sent(quan_son, FRIDAY, user)
    unmark_sent(quan_son, FRIDAY, user)
    db.session.commit()
    with app.test_request_context():
        headings = [entry_heading(entry) for entry in events()]
    assert headings[0].startswith("Đánh dấu đã gửi công văn: Cán bộ phòng, ngày ")
    assert headings[1].startswith("Hủy đánh dấu đã gửi công văn: Cán bộ phòng, ngày ")


def test_who_may_mark(make_user, quan_son, neighbour_district):
    assert may_mark_sent(make_user("huyen", role="supervisor"), quan_son)
    assert may_mark_sent(make_user("qtv", role="admin"), quan_son)
    assert not may_mark_sent(make_user("kiem-tra", role="inspector"), quan_son)
    assert not may_mark_sent(make_user("tinh", role="supervisor", scope="province"), quan_son)
    assert not may_mark_sent(make_user("bo", role="supervisor", scope="country"), quan_son)
    other = make_user("camthuy", role="supervisor", district=neighbour_district)
    assert not may_mark_sent(other, quan_son)


# The deadlines count the mark, never an export alone -------------------------------------


def test_an_export_alone_is_not_sent_and_the_mark_decides_on_time_or_late(
    client, login, make_user, quan_son, frozen_clock
):
    figures(quan_son)
    frozen_clock(BEFORE_DEADLINE)
    login(make_user("huyen", role="supervisor", display_name="Hà Thị Mai"))
    assert client.get(f"/reports/{quan_son.id}/{FRIDAY}.pdf").status_code == 200
    week = week_of(quan_son)
    assert (week.is_exported, week.is_sent, week.state) == (True, False, "late")

    # Marked after the deadline: sent late, by the time between them.
    frozen_clock(datetime(2021, 11, 12, 11, 0))  # 18:00 in Vietnam
    assert client.post(url(quan_son), data={"confirm": "yes"}).status_code == 303
    week = week_of(quan_son)
    assert (week.state, week.sent_by, week.sent_at) == (
        "done_late",
        "Hà Thị Mai",
        datetime(2021, 11, 12, 11, 0),
    )
    assert week.late_parts == (0, 2)

    # Undone: not sent any more (late); marked again before the next deadline's week ends.
    assert client.post(url(quan_son, path="sent/undo"), data={"confirm": "yes"}).status_code == 303
    assert week_of(quan_son).state == "late"


def test_a_mark_before_the_deadline_is_on_time(client, login, make_user, quan_son, frozen_clock):
    figures(quan_son)
    frozen_clock(BEFORE_DEADLINE)
    login(make_user("huyen", role="supervisor"))
    client.post(url(quan_son), data={"confirm": "yes"})
    assert week_of(quan_son).state == "on_time"


def test_the_deadlines_page_says_exported_not_sent(
    client, login, make_user, quan_son, neighbour_district, frozen_clock
):
    figures(quan_son)
    figures(neighbour_district)
    frozen_clock(BEFORE_DEADLINE)
    login(make_user("huyen", role="supervisor", display_name="Hà Thị Mai"))
    client.get(f"/reports/{quan_son.id}/{FRIDAY}.docx")
    client.post(url(quan_son), data={"confirm": "yes"})
    login(make_user("camthuy", role="supervisor", district=neighbour_district))
    client.get(f"/reports/{neighbour_district.id}/{FRIDAY}.pdf")
    frozen_clock(AFTER_DEADLINE)
    login(make_user("tinh", role="supervisor", scope="province"))
    page = client.get(f"/reports/province/{quan_son.province_id}/deadlines")
    week = page.get_data(as_text=True).split(f'id="due-{FRIDAY}"')[1].split("</details>")[0]
    quan_son_row = week.split("Quan Sơn")[1].split("</li>")[0]
    cam_thuy_row = week.split("Cẩm Thủy")[1].split("</li>")[0]
    assert 'data-letter="sent"' in quan_son_row
    assert "Đã gửi: Hà Thị Mai, ngày 12/11/2021 15:00" in quan_son_row
    assert 'data-letter="exported"' in cam_thuy_row
    assert "Đã xuất công văn, chưa đánh dấu đã gửi" in cam_thuy_row
    assert "1 huyện trễ hạn" in week


def test_a_download_asked_by_another_sites_link_is_not_an_export_of_the_letter(
    client, login, make_user, quan_son, frozen_clock
):
    """A link in a chat message, opened while logged in, downloads the letter: audited as
    such, it does not tell the province the office exported it."""
    figures(quan_son)
    frozen_clock(BEFORE_DEADLINE)
    login(make_user("huyen", role="supervisor"))
    cross_site = {"Sec-Fetch-Site": "cross-site"}
    assert client.get(f"/reports/{quan_son.id}/{FRIDAY}.pdf", headers=cross_site).status_code == 200
    (entry,) = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "export"))
    assert entry.details["from_elsewhere"] is True
    assert week_of(quan_son).exported_at is None
    client.get(f"/reports/{quan_son.id}/{FRIDAY}.pdf", headers={"Sec-Fetch-Site": "same-origin"})
    assert week_of(quan_son).exported_at is not None


# The screens: the button, the confirmation, the mark, the undo ---------------------------


def test_marking_asks_first_then_records_who_and_when(
    client, login, make_user, quan_son, frozen_clock
):
    figures(quan_son)
    frozen_clock(BEFORE_DEADLINE)
    login(make_user("huyen", role="supervisor", display_name="Hà Thị Mai"))
    letter = client.get(f"/letters/{quan_son.id}/{FRIDAY}", headers=HTMX).get_data(as_text=True)
    assert 'id="letter-sent"' in letter and 'data-sent="no"' in letter
    assert 'id="letter-mark-sent"' in letter and f'action="{url(quan_son)}"' in letter
    assert "Đánh dấu đã gửi" in letter

    # Without htmx: the tap shows a confirmation page, and records nothing.
    asked = client.post(url(quan_son))
    assert asked.status_code == 200
    page = asked.get_data(as_text=True)
    assert "<html" in page and 'data-confirm="sent"' in page
    assert "Đánh dấu công văn ngày 12/11/2021 là đã gửi lên tỉnh?" in page
    assert 'name="confirm" value="yes"' in page and 'id="letter-sent-cancel"' in page
    assert f'href="/reports/{quan_son.id}/{FRIDAY}"' in page  # the way back
    assert events() == []

    done = client.post(url(quan_son), data={"confirm": "yes"})
    assert done.status_code == 303
    assert done.headers["Location"] == f"/reports/{quan_son.id}/{FRIDAY}"
    assert [e.action for e in events()] == [SENT]
    letter = client.get(f"/letters/{quan_son.id}/{FRIDAY}").get_data(as_text=True)
    assert 'data-sent="yes"' in letter
    assert "Đã gửi: Hà Thị Mai, ngày 12/11/2021 15:00" in letter
    assert 'id="letter-unmark-sent"' in letter and "Hủy đánh dấu" in letter
    assert 'id="letter-mark-sent"' not in letter


def test_the_htmx_steps_swap_the_part_in_place(client, login, make_user, quan_son, frozen_clock):
    figures(quan_son)
    frozen_clock(BEFORE_DEADLINE)
    login(make_user("huyen", role="supervisor", display_name="Hà Thị Mai"))
    asked = client.post(url(quan_son), headers=HTMX).get_data(as_text=True)
    assert "<html" not in asked and asked.count('id="letter-sent"') == 1
    assert 'data-confirm="sent"' in asked and f'hx-get="{url(quan_son)}"' in asked
    # Cancelled: the part as it was, nothing recorded.
    cancelled = client.get(url(quan_son), headers=HTMX).get_data(as_text=True)
    assert "<html" not in cancelled and 'data-sent="no"' in cancelled
    assert events() == []
    # Without htmx, the part's URL is the report page.
    assert client.get(url(quan_son)).headers["Location"] == f"/reports/{quan_son.id}/{FRIDAY}"

    done = client.post(url(quan_son), data={"confirm": "yes"}, headers=HTMX)
    html = done.get_data(as_text=True)
    assert done.status_code == 200 and "<html" not in html
    assert 'data-sent="yes"' in html and "Đã gửi: Hà Thị Mai, ngày 12/11/2021 15:00" in html
    assert 'id="letter-sent-message"' in html

    undo = client.post(url(quan_son, path="sent/undo"), headers=HTMX).get_data(as_text=True)
    assert 'data-confirm="undo"' in undo and "Hủy đánh dấu đã gửi của công văn ngày" in undo
    assert "Đã gửi: Hà Thị Mai, ngày 12/11/2021 15:00" in undo  # what will be undone
    assert [e.action for e in events()] == [SENT]
    undone = client.post(url(quan_son, path="sent/undo"), data={"confirm": "yes"}, headers=HTMX)
    assert 'data-sent="no"' in undone.get_data(as_text=True)
    assert [e.action for e in events()] == [SENT, UNSENT]


def test_a_report_date_to_come_is_refused(client, login, make_user, quan_son, frozen_clock):
    frozen_clock(BEFORE_DEADLINE)
    login(make_user("huyen", role="supervisor"))
    tomorrow = date(2021, 11, 13)
    for path in ("sent", "sent/undo"):
        response = client.post(url(quan_son, tomorrow, path), data={"confirm": "yes"})
        assert response.status_code == 404
        assert 'id="future-date"' in response.get_data(as_text=True)
    assert client.get(url(quan_son, tomorrow), headers=HTMX).status_code == 404
    assert events() == []


@pytest.mark.parametrize("path", ["sent", "sent/undo"])
def test_who_is_refused(client, login, make_user, quan_son, neighbour_district, path):
    mark_sent(quan_son, FRIDAY, district_supervisor(quan_son))
    db.session.commit()
    before = db.session.scalar(select(func.count()).select_from(AuditEntry))
    form = {"confirm": "yes"}
    login(make_user("camthuy", role="supervisor", district=neighbour_district))
    assert client.post(url(quan_son, path=path), data=form).status_code == 404
    login(make_user("camthuy-qtv", role="admin", district=neighbour_district))
    assert client.post(url(quan_son, path=path), data=form).status_code == 404
    login(make_user("kiem-tra", role="inspector"))
    assert client.post(url(quan_son, path=path), data=form).status_code == 403
    # The province reads whether the letter is sent; it does not mark it for the district.
    login(make_user("tinh", role="supervisor", scope="province"))
    assert client.post(url(quan_son, path=path), data=form).status_code == 403
    letter = client.get(f"/letters/{quan_son.id}/{FRIDAY}").get_data(as_text=True)
    assert 'data-sent="yes"' in letter
    assert 'id="letter-unmark-sent"' not in letter and 'id="letter-mark-sent"' not in letter
    # Only the log-ins were added to the trail.
    added = db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id).offset(before))
    assert set(added) <= {"login", "logout"}


def test_a_post_without_the_csrf_token_is_refused(app, client, login, make_user, quan_son):
    login(make_user("huyen", role="supervisor"))
    app.config["WTF_CSRF_ENABLED"] = True
    assert client.post(url(quan_son), data={"confirm": "yes"}).status_code == 400
    assert client.post(url(quan_son), data={"confirm": "yes"}, headers=HTMX).status_code == 400
    assert events() == []


def test_the_deadlines_cost_the_same_queries_whatever_the_districts(quan_son, queries):
    """The marks (with who made them) are read in one query for every district."""

    def add_district(name):
        district = District(name=name, province=quan_son.province)
        db.session.add(Commune(name=f"Xã {name}", district=district))
        db.session.flush()
        mark_sent(district, FRIDAY, district_supervisor(district))
        return district

    add_district("Huyện 0")
    db.session.commit()
    db.session.expire_all()
    queries.clear()
    table = province_deadlines(quan_son.province, AFTER_DEADLINE, count=2)
    assert [row.weeks[1].sent_by for row in table.districts].count("Cán bộ phòng") == 1
    few = len(queries)
    for n in range(1, 8):
        add_district(f"Huyện {n}")
    db.session.commit()
    db.session.expire_all()
    queries.clear()
    table = province_deadlines(quan_son.province, AFTER_DEADLINE, count=2)
    names = [row.weeks[1].sent_by for row in table.districts]
    assert names.count("Cán bộ phòng") == 8
    assert len(queries) == few


# A letter that can be sent: with figures, of a date the deadlines page counts ----------


def test_a_letter_without_figures_cannot_be_marked(
    client, login, make_user, quan_son, frozen_clock
):
    frozen_clock(BEFORE_DEADLINE)
    login(make_user("huyen", role="supervisor"))
    letter = client.get(f"/letters/{quan_son.id}/{FRIDAY}", headers=HTMX).get_data(as_text=True)
    assert 'id="letter-sent-refused"' in letter and 'data-refused="yes"' in letter
    assert f'action="{url(quan_son)}"' not in letter  # no form posts the mark
    for headers in ({}, HTMX):
        for form in ({}, {"confirm": "yes"}):
            refused = client.post(url(quan_son), data=form, headers=headers)
            assert refused.status_code == 422
            assert 'id="letter-sent-refused"' in refused.get_data(as_text=True)
    assert events() == []
    week = week_of(quan_son, BEFORE_DEADLINE)
    assert (week.has_figures, week.is_sent, week.done) == (False, False, False)

    # Figures of the week dated after the letter's date are not in that letter either.
    figures(quan_son, FRIDAY)
    thursday = date(2021, 11, 11)
    assert client.post(url(quan_son, thursday), data={"confirm": "yes"}).status_code == 422
    # With its figures, the same letter can be marked.
    assert client.post(url(quan_son), data={"confirm": "yes"}).status_code == 303
    assert [e.action for e in events()] == [SENT]


def test_a_date_the_deadlines_page_does_not_count_cannot_be_marked(
    client, login, make_user, quan_son, frozen_clock
):
    old = date(2020, 1, 3)
    figures(quan_son, old)
    frozen_clock(BEFORE_DEADLINE)
    login(make_user("huyen", role="supervisor"))
    refused = client.post(url(quan_son, old), data={"confirm": "yes"})
    assert refused.status_code == 422
    assert 'id="letter-sent-refused"' in refused.get_data(as_text=True)
    assert events() == []
    # Undoing a mark stays possible whatever the date.
    mark_sent(quan_son, old, district_supervisor(quan_son))
    db.session.commit()
    undone = client.post(url(quan_son, old, "sent/undo"), data={"confirm": "yes"})
    assert undone.status_code == 303 and sent_mark(quan_son, old) is None


def test_the_deadlines_page_says_figures_changed_after_the_mark(
    client, login, make_user, quan_son, frozen_clock
):
    son_lu = next(c for c in quan_son.communes if c.name == "Sơn Lư")
    figures(quan_son)
    frozen_clock(BEFORE_DEADLINE)
    login(make_user("huyen", role="supervisor", display_name="Hà Thị Mai"))
    assert client.post(url(quan_son), data={"confirm": "yes"}).status_code == 303
    assert week_of(quan_son).changed_after_sent is False
    frozen_clock(datetime(2021, 11, 12, 8, 30))
    removal = {f"clear-{son_lu.id}": "1", "confirm_removal": str(son_lu.id)}
    assert client.post(f"/reports/{quan_son.id}/{FRIDAY}/figures", data=removal).status_code == 303
    week = week_of(quan_son)
    assert week.is_sent and week.changed_after_sent
    assert week.changed_after_sent_at == datetime(2021, 11, 12, 8, 30)
    frozen_clock(AFTER_DEADLINE)
    login(make_user("tinh", role="supervisor", scope="province"))
    page = client.get(f"/reports/province/{quan_son.province_id}/deadlines")
    assert 'data-figures-changed="yes"' in page.get_data(as_text=True)


def test_figures_saved_again_unchanged_do_not_count_as_changed_after_the_mark(
    quan_son, frozen_clock
):
    """An import run again after the letter went rewrites the same numbers: the province's
    copy is still right. A number that differs does count."""
    figures(quan_son)
    user = district_supervisor(quan_son)
    frozen_clock(BEFORE_DEADLINE)
    mark_sent(quan_son, FRIDAY, user)
    db.session.commit()
    same = {c: {"venues_with_qr": 10, "scans": 100} for c in quan_son.communes}
    frozen_clock(datetime(2021, 11, 12, 8, 30))
    save_figures(same, FRIDAY, user, source="import")
    db.session.commit()
    assert week_of(quan_son).changed_after_sent is False
    (saved,) = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "figures_saved"))
    assert sorted(saved.details["unchanged"]) == sorted(c.name for c in quan_son.communes)
    first = quan_son.communes[0]
    frozen_clock(datetime(2021, 11, 12, 9, 0))
    save_figures({**same, first: {"venues_with_qr": 10, "scans": 101}}, FRIDAY, user)
    db.session.commit()
    week = week_of(quan_son)
    assert week.changed_after_sent and week.changed_after_sent_at == datetime(2021, 11, 12, 9)


def test_the_figures_form_and_the_removal_say_the_letter_was_sent(
    client, login, make_user, quan_son, frozen_clock
):
    son_lu = next(c for c in quan_son.communes if c.name == "Sơn Lư")
    figures(quan_son)
    frozen_clock(BEFORE_DEADLINE)
    login(make_user("huyen", role="supervisor", display_name="Hà Thị Mai"))
    form_url = f"/reports/{quan_son.id}/{FRIDAY}/figures"
    assert 'id="figures-sent-warning"' not in client.get(form_url).get_data(as_text=True)
    assert client.post(url(quan_son), data={"confirm": "yes"}).status_code == 303

    form = client.get(form_url).get_data(as_text=True)
    assert f'data-sent-letter="{FRIDAY}"' in form
    assert "Hà Thị Mai, ngày 12/11/2021 15:00" in form.split('id="figures-sent-warning"')[1]
    # The figures of the Wednesday before are in the Friday's letter too.
    wednesday = date(2021, 11, 10)
    earlier = client.get(f"/reports/{quan_son.id}/{wednesday}/figures").get_data(as_text=True)
    assert f'data-sent-letter="{FRIDAY}"' in earlier
    # The removal's confirmation says it as well; the change is still allowed.
    asked = client.post(form_url, data={f"clear-{son_lu.id}": "1"}).get_data(as_text=True)
    assert 'id="figures-removal"' in asked and f'data-sent-letter="{FRIDAY}"' in asked
    removal = {f"clear-{son_lu.id}": "1", "confirm_removal": str(son_lu.id)}
    assert client.post(form_url, data=removal).status_code == 303
