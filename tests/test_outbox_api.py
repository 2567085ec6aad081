"""The recording endpoint as the phone's outbox uses it: JSON answers, replays,
conflicts, expired sessions, long-lived CSRF tokens, concurrent posts."""

import io
import re
import threading
import uuid
from pathlib import Path

import itsdangerous.timed
import pytest
from flask_wtf.csrf import generate_csrf
from PIL import Image
from sqlalchemy import event, func, select

from fieldapp.extensions import db
from fieldapp.inspections import service
from fieldapp.models import Inspection, InspectionPhoto
from tests.factories import PASSWORD, inspection_answers, jpeg_bytes

JSON = {"Accept": "application/json"}
PHOTO = jpeg_bytes((640, 480))


@pytest.fixture
def venue(make_venue):
    return make_venue("Chợ Sơn Hà", latitude=20.256, longitude=104.942)


def send(client, venue, photo=PHOTO, headers=JSON, **overrides):
    venue_id = venue if isinstance(venue, int) else venue.id
    answers = inspection_answers(photos=(io.BytesIO(photo), "photo.jpg"), **overrides)
    return client.post(
        f"/venues/{venue_id}/inspections",
        data=answers,
        headers=headers,
        content_type="multipart/form-data",
    )


def counts():
    db.session.expire_all()
    return (
        db.session.scalar(select(func.count()).select_from(Inspection)),
        db.session.scalar(select(func.count()).select_from(InspectionPhoto)),
    )


def test_created_then_replayed(client, login, venue):
    login()
    uid = str(uuid.uuid4())
    first = send(client, venue, uuid=uid)
    assert first.status_code == 201
    body = first.get_json()
    assert body["status"] == "created" and body["uuid"] == uid
    assert body["venue_url"] == f"/venues/{venue.id}"
    again = send(client, venue, uuid=uid)
    assert again.status_code == 200
    assert again.get_json()["status"] == "exists"
    assert again.get_json()["inspection_id"] == body["inspection_id"]
    assert counts() == (1, 1)


def test_same_uuid_with_other_answers_is_a_conflict(client, login, venue):
    login()
    uid = str(uuid.uuid4())
    send(client, venue, uuid=uid)
    changed = send(client, venue, uuid=uid, qr_posted="hidden")
    assert changed.status_code == 409
    assert changed.get_json()["status"] == "conflict"
    inspection = db.session.scalar(select(Inspection))
    assert inspection.qr_posted == "visible"  # never overwritten
    assert counts() == (1, 1)


def test_a_conflict_names_the_finding_only_to_who_may_open_it(
    client, login, make_user, make_venue, venue, other_district
):
    """A UUID copied from another district's photo address: refused, its finding unnamed."""
    login()
    uid = str(uuid.uuid4())
    mine = send(client, venue, uuid=uid).get_json()["inspection_id"]
    assert send(client, venue, uuid=uid, qr_posted="hidden").get_json()["inspection_id"] == mine
    login(make_user("yen-chau", district=other_district))
    theirs = make_venue("Chợ Chiềng Đông", commune=other_district.communes[0])
    refused = send(client, theirs, uuid=uid, qr_posted="hidden")
    assert refused.status_code == 409 and refused.get_json()["inspection_id"] is None
    assert counts() == (1, 1)


def test_same_uuid_with_another_photo_is_a_conflict(client, login, venue):
    login()
    uid = str(uuid.uuid4())
    send(client, venue, uuid=uid)
    other_photo = send(client, venue, uuid=uid, photo=jpeg_bytes((640, 480), (0, 200, 0)))
    assert other_photo.status_code == 409
    assert counts() == (1, 1)


def test_the_plain_form_shows_a_conflict_page(client, login, venue):
    login()
    uid = str(uuid.uuid4())
    send(client, venue, uuid=uid)
    response = send(client, venue, uuid=uid, qr_posted="hidden", headers={})
    assert response.status_code == 409
    assert "<html" in response.get_data(as_text=True)


def test_a_photo_removed_before_resending_is_not_attached(client, login, venue, app):
    login()
    uid = str(uuid.uuid4())
    first, second = jpeg_bytes((640, 480), (200, 0, 0)), jpeg_bytes((640, 480), (0, 0, 200))
    answers = inspection_answers(uuid=uid, qr_posted=None)
    answers["photos"] = [(io.BytesIO(first), "a.jpg"), (io.BytesIO(second), "b.jpg")]
    refused = client.post(
        f"/venues/{venue.id}/inspections",
        data=answers,
        headers=JSON,
        content_type="multipart/form-data",
    )
    assert refused.status_code == 422
    fixed = send(client, venue, photo=second, uuid=uid)  # the inspector dropped the first
    assert fixed.status_code == 201
    [photo] = db.session.scalar(select(Inspection)).photos
    with Image.open(f"{app.config['UPLOAD_FOLDER']}/{photo.path}") as image:
        assert image.getpixel((10, 10))[2] > 150  # the blue one
    assert len(list((Path(app.config["UPLOAD_FOLDER"]) / uid).glob("*.jpg"))) == 1


def test_two_tabs_sending_one_draft_at_different_times_is_a_replay(client, login, venue):
    login()
    uid = str(uuid.uuid4())
    assert send(client, venue, uuid=uid, device_time="2026-11-20T08:30:00+07:00").status_code == 201
    assert send(client, venue, uuid=uid, device_time="2026-11-20T08:31:10+07:00").status_code == 200
    assert counts() == (1, 1)


def test_validation_errors_come_back_per_field(client, login, venue):
    login()
    response = send(client, venue, qr_posted=None, visitors_scanned="50")
    assert response.status_code == 422
    body = response.get_json()
    assert body["status"] == "invalid"
    assert body["errors"]["qr_posted"] == ["Chọn một câu trả lời."]
    assert "Không được lớn hơn" in body["errors"]["visitors_scanned"][0]
    assert counts() == (0, 0)


def test_refusals_answer_json(client, login, venue, make_venue):
    login(username="admin", role="admin")
    assert send(client, venue).get_json()["status"] == "refused"
    client.post("/logout")
    login()
    missing = client.post("/venues/999999/inspections", headers=JSON)
    assert missing.status_code == 404 and missing.get_json()["status"] == "refused"


def test_an_expired_session_asks_to_log_in_and_keeps_nothing(client, venue, make_user):
    make_user()
    response = send(client, venue)
    assert response.status_code == 401
    assert response.get_json() == {
        "status": "login",
        "login_url": "/login",
        "message": "Đăng nhập lại để gửi những gì đang chờ.",
    }
    assert counts() == (0, 0)


@pytest.fixture
def csrf_app(app):
    app.config["WTF_CSRF_ENABLED"] = True
    return app


def test_outbox_fetches_a_token_and_sends(csrf_app, make_user, venue):
    client = csrf_app.test_client()
    make_user()
    login_page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', login_page).group(1)
    client.post("/login", data={"username": "inspector", "password": PASSWORD, "csrf_token": token})
    without = send(client, venue)
    assert without.status_code == 400 and without.get_json()["status"] == "csrf"
    fresh = client.get("/account/csrf-token")
    assert fresh.headers["Cache-Control"] == "no-store"
    response = send(client, venue, headers={**JSON, "X-CSRFToken": fresh.get_json()["csrf_token"]})
    assert response.status_code == 201


def test_csrf_token_does_not_expire_with_time(csrf_app, make_user, venue, monkeypatch):
    """A token issued a day ago (a finding queued offline overnight) is still accepted."""

    client = csrf_app.test_client()
    make_user()
    with client:
        client.get("/login")
        real_time = itsdangerous.timed.time.time
        monkeypatch.setattr(itsdangerous.timed.time, "time", lambda: real_time() - 86_400)

        old_token = generate_csrf()
        monkeypatch.undo()
        response = client.post(
            "/login", data={"username": "inspector", "password": PASSWORD, "csrf_token": old_token}
        )
    assert response.status_code == 303


def test_cross_site_posts_are_refused_by_origin(client, make_user, venue):
    make_user()
    data = {"username": "inspector", "password": PASSWORD}
    assert (
        client.post("/login", data=data, headers={"Origin": "https://evil.example"}).status_code
        == 400
    )
    assert (
        client.post(
            "/login", data=data, headers={"Referer": "https://evil.example/form"}
        ).status_code
        == 400
    )
    assert (
        client.post("/login", data=data, headers={"Origin": "http://localhost"}).status_code == 303
    )


def test_trusted_origins_are_accepted(app, client, make_user):
    app.config["TRUSTED_ORIGINS"] = ["https://kiemtra.quanson.gov.vn"]
    make_user()
    response = client.post(
        "/login",
        data={"username": "inspector", "password": PASSWORD},
        headers={"Origin": "https://kiemtra.quanson.gov.vn"},
    )
    assert response.status_code == 303


def test_concurrent_posts_of_one_uuid_record_one_finding(app, make_user, venue):
    """Eight threads post the same finding at once (retries racing): one is created,
    the others get the same record back; nothing is doubled."""
    make_user()
    uid = str(uuid.uuid4())
    venue_id = venue.id  # threads have no app context to load attributes in
    # Logged in inside each thread: the main thread's app context (and its cached
    # current_user) would otherwise be shared by every client.
    clients = [app.test_client() for _ in range(8)]
    barrier = threading.Barrier(len(clients))
    statuses, failures = [], []

    def post(client):
        try:
            client.post("/login", data={"username": "inspector", "password": PASSWORD})
            barrier.wait()
            statuses.append(send(client, venue_id, uuid=uid).status_code)
        except Exception as error:  # surfaced below: a thread's exception is otherwise lost
            failures.append(error)

    threads = [threading.Thread(target=post, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert sorted(statuses) == [200] * 7 + [201]
    assert counts() == (1, 1)


def race(app, posts) -> list[int]:
    """Each of `posts` (a function of a logged-in client) run in its own thread, all at
    the same moment; their status codes."""
    clients = [app.test_client() for _ in posts]
    barrier = threading.Barrier(len(clients))
    statuses, failures = [], []

    def run(client, post):
        try:
            client.post("/login", data={"username": "inspector", "password": PASSWORD})
            barrier.wait()
            statuses.append(post(client).status_code)
        except Exception as error:  # surfaced below: a thread's exception is otherwise lost
            failures.append(error)

    threads = [
        threading.Thread(target=run, args=(client, post))
        for client, post in zip(clients, posts, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    return statuses


CHECK_IN = ["visitors_scan", "staff_scan", "both", "none"]


def test_concurrent_posts_of_one_uuid_with_different_answers_are_conflicts(app, make_user, venue):
    """Racing posts with different answers: one is recorded, every other one is told
    409, never "exists" for content that differs from the record."""
    make_user()
    uid, venue_id = str(uuid.uuid4()), venue.id
    posts = [
        lambda client, method=method: send(client, venue_id, uuid=uid, checkin_method=method)
        for method in CHECK_IN
    ]
    statuses = race(app, posts)
    assert sorted(statuses) == [201] + [409] * (len(CHECK_IN) - 1)
    assert counts() == (1, 1)


def test_concurrent_posts_with_different_photos_keep_the_recorded_photos(app, make_user, venue):
    """Racing posts of one finding with different photos: the recorded finding's photo
    files are all on disk afterwards; the others are refused."""
    make_user()
    uid, venue_id = str(uuid.uuid4()), venue.id
    colours = [(200, 0, 0), (0, 200, 0), (0, 0, 200), (200, 200, 0), (0, 200, 200)]
    posts = [
        lambda client, colour=colour: send(
            client, venue_id, photo=jpeg_bytes((640, 480), colour), uuid=uid
        )
        for colour in colours
    ]
    plain = [  # the plain form, too, which keeps the photos of every post
        lambda client, colour=colour: send(
            client, venue_id, photo=jpeg_bytes((640, 480), colour), headers={}, uuid=uid
        )
        for colour in [(90, 90, 90), (250, 250, 250)]
    ]
    statuses = race(app, posts + plain)
    assert sorted(statuses).count(409) == len(statuses) - 1
    assert {201, 303} & set(statuses)
    inspection = db.session.scalar(select(Inspection))
    assert inspection.photos
    folder = Path(app.config["UPLOAD_FOLDER"])
    for photo in inspection.photos:
        assert (folder / photo.path).is_file(), photo.path


def test_a_post_reaching_a_held_claim_waits_and_gets_the_first_record(
    app, make_user, venue, monkeypatch
):
    """Deterministic: the first post holds the UUID's claim (uncommitted) until the second
    has run its own claim statement on the same UUID; the second then waits for the
    first's transaction and answers with its record. On PostgreSQL (READ COMMITTED) the
    second's INSERT waits on the first's uncommitted row, fails as a duplicate once that
    is committed, and its UPDATE then takes the claim; on SQLite it waits for the write
    lock."""
    make_user()
    uid, venue_id = str(uuid.uuid4()), venue.id
    logged_in = threading.Barrier(2)
    first_claimed, second_claims = threading.Event(), threading.Event()
    keep_photos = service._keep_photos
    statuses, failures, threads = {}, [], {}

    def claim_statement(conn, cursor, statement, *args):
        if threading.current_thread() is threads["second"] and "inspection_claim" in statement:
            second_claims.set()

    def held_claim(*args, **kwargs):
        # The first post, its UUID claimed: let the second go, wait until it claims too.
        if threading.current_thread() is threads["first"]:
            first_claimed.set()
            assert second_claims.wait(timeout=60), "the second post never reached the claim"
        return keep_photos(*args, **kwargs)

    def post(name):
        # Each in its own thread, logged in there: see test_concurrent_posts_of_one_uuid...
        try:
            client = app.test_client()
            client.post("/login", data={"username": "inspector", "password": PASSWORD})
            logged_in.wait(timeout=60)
            if name == "second":
                assert first_claimed.wait(timeout=60), "the first post never claimed"
            statuses[name] = send(client, venue_id, uuid=uid).status_code
        except Exception as error:  # surfaced below: a thread's exception is otherwise lost
            failures.append(error)

    event.listen(db.engine, "before_cursor_execute", claim_statement)
    monkeypatch.setattr(service, "_keep_photos", held_claim)
    try:
        threads.update({name: threading.Thread(target=post, args=(name,)) for name in CLIENTS})
        for thread in threads.values():
            thread.start()
        for thread in threads.values():
            thread.join(timeout=120)
    finally:
        event.remove(db.engine, "before_cursor_execute", claim_statement)
    assert failures == []
    assert statuses == {"first": 201, "second": 200}  # recorded once, then given it back
    assert counts() == (1, 1)


CLIENTS = ("first", "second")
