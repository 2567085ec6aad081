"""A request that lost the database answers 503 with Retry-After (fieldapp/database_lost.py),
and the next one, with the database back, goes through; a wrong query stays a 500.

The real thing (PostgreSQL restarted under load) is tests/test_load.py's restart-postgres run.
"""

import io
import uuid

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.exc import OperationalError, ProgrammingError

from fieldapp import create_app
from fieldapp.auth import routes as auth_routes
from fieldapp.database_lost import RETRY_AFTER_S, is_database_lost, release_session
from fieldapp.extensions import db, limiter
from fieldapp.inspections import service
from fieldapp.models import Inspection
from fieldapp.venues import routes as venue_routes
from tests import servers
from tests.factories import FAST_HASH, PASSWORD, inspection_answers, jpeg_bytes

JSON = {"Accept": "application/json"}


def cut_connection(*args, **kwargs):
    """What SQLAlchemy raises when PostgreSQL ends a session under a statement."""
    raise OperationalError(
        "SELECT venue.id FROM venue",
        {},
        Exception("terminating connection due to administrator command"),
        connection_invalidated=True,
    )


def unreachable_urls(tmp_path) -> list[str]:
    """A database of each engine that cannot be opened: nothing listens on the port, the
    SQLite file's folder does not exist."""
    return [
        f"postgresql+psycopg://fieldapp@127.0.0.1:{servers.free_port()}/fieldapp",
        f"sqlite:///{tmp_path}/missing/folder/fieldapp.db",
    ]


@pytest.mark.parametrize("engine", ["postgresql", "sqlite"])
def test_a_database_that_cannot_be_reached_answers_503_with_retry_after(engine, tmp_path):
    url = next(u for u in unreachable_urls(tmp_path) if u.startswith(engine))
    server = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": url,
            "UPLOAD_FOLDER": str(tmp_path / "uploads"),
            "PASSWORD_HASH_METHOD": FAST_HASH,
            "WTF_CSRF_ENABLED": False,
        }
    )
    client = server.test_client()
    credentials = {"username": "inspector", "password": PASSWORD}
    page = client.post("/login", data=credentials)
    assert page.status_code == 503
    assert page.headers["Retry-After"] == str(RETRY_AFTER_S)
    assert page.headers["Cache-Control"] == "no-store"
    assert "Cơ sở dữ liệu không phản hồi" in page.get_data(as_text=True)
    answer = client.post("/login", data=credentials, headers=JSON)
    assert answer.status_code == 503 and answer.get_json()["status"] == "retry"
    assert answer.headers["Retry-After"] == str(RETRY_AFTER_S)
    with server.app_context():
        db.engine.dispose()


def test_a_connection_cut_under_a_query_answers_503_then_the_next_request_works(
    client, login, make_venue, monkeypatch
):
    make_venue("Chợ Sơn Hà")
    login()
    monkeypatch.setattr(venue_routes, "search_venues", cut_connection)
    lost = client.get("/venues?q=cho", headers={"HX-Request": "true"})
    assert lost.status_code == 503 and lost.headers["Retry-After"] == str(RETRY_AFTER_S)
    monkeypatch.undo()
    again = client.get("/venues?q=cho", headers={"HX-Request": "true"})
    assert again.status_code == 200 and "Chợ Sơn Hà" in again.get_data(as_text=True)


def test_a_finding_sent_while_the_database_is_lost_is_sent_again_with_its_uuid(
    client, login, make_venue, monkeypatch
):
    """503 and "retry" for the outbox, nothing recorded; the same UUID then goes through."""
    venue = make_venue("Chợ Sơn Hà", latitude=20.256, longitude=104.942)
    login()
    uid = str(uuid.uuid4())
    photo = jpeg_bytes((640, 480))

    def send():
        return client.post(
            f"/venues/{venue.id}/inspections",
            data=inspection_answers(uuid=uid, photos=(io.BytesIO(photo), "anh.jpg")),
            headers=JSON,
            content_type="multipart/form-data",
        )

    monkeypatch.setattr(service, "claim_uuid", cut_connection)
    lost = send()
    assert lost.status_code == 503 and lost.get_json()["status"] == "retry"
    assert db.session.scalar(select(func.count()).select_from(Inspection)) == 0
    monkeypatch.undo()
    sent = send()
    assert sent.status_code == 201 and sent.get_json()["uuid"] == uid
    assert send().get_json()["status"] == "exists"
    assert db.session.scalar(select(func.count()).select_from(Inspection)) == 1


def test_a_wrong_query_stays_a_server_error(app, client, login, make_venue, monkeypatch):
    make_venue("Chợ Sơn Hà")
    login()
    app.config["PROPAGATE_EXCEPTIONS"] = False  # as a server: the 500 page, not the traceback

    def wrong_query(*args, **kwargs):
        raise OperationalError("SELECT nothing FROM venue", {}, Exception("no such column"))

    monkeypatch.setattr(venue_routes, "search_venues", wrong_query)
    assert client.get("/venues?q=cho").status_code == 500


def test_only_a_lost_connection_counts_as_a_lost_database():
    refused = OperationalError(None, None, Exception("connection refused"))
    cut = OperationalError("SELECT 1", {}, Exception("closed"), connection_invalidated=True)
    wrong = OperationalError("SELECT x", {}, Exception("no such column: x"))
    typo = ProgrammingError("SELEC 1", {}, Exception("syntax error"))
    assert is_database_lost(refused) and is_database_lost(cut)
    assert not is_database_lost(wrong) and not is_database_lost(typo)
    assert not is_database_lost(ValueError("not a database error"))


def test_a_log_in_cut_short_by_a_lost_database_changes_no_cookie(client, make_user, monkeypatch):
    """The log-in's commit never happened: the browser keeps its session (and the form's
    CSRF token), the phone's login mark is left alone; sent again, it logs in."""
    user = make_user()
    credentials = {"username": user.username, "password": PASSWORD}
    monkeypatch.setattr(auth_routes, "record_event", cut_connection)
    lost = client.post("/login", data=credentials)
    assert lost.status_code == 503
    assert not lost.headers.getlist("Set-Cookie")
    assert "X-Fieldapp-User" not in lost.headers
    monkeypatch.undo()
    assert client.post("/login", data=credentials).status_code == 303


def test_a_login_that_cannot_be_read_leaves_the_phones_mark_alone(app, client, login, tmp_path):
    """The session names a user the server cannot look up: the phone's login mark (the
    fieldapp_user cookie) is neither renewed nor removed, as nobody is known."""
    user = login()
    down = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": app.config["SECRET_KEY"],
            "SQLALCHEMY_DATABASE_URI": unreachable_urls(tmp_path)[0],
            "UPLOAD_FOLDER": str(tmp_path / "uploads"),
        }
    )
    phone = down.test_client()
    for name in ("session", "fieldapp_user"):
        phone.set_cookie(name, client.get_cookie(name).value)
    answer = phone.get("/venues?q=cho", headers={"HX-Request": "true"})
    assert answer.status_code == 503 and answer.headers["Retry-After"] == str(RETRY_AFTER_S)
    assert not answer.headers.getlist("Set-Cookie")
    assert phone.get_cookie("fieldapp_user").value == str(user.id)
    with down.app_context():
        db.engine.dispose()


def test_the_end_of_a_request_drops_a_connection_whose_server_is_gone(app, monkeypatch):
    """The ROLLBACK that ends a request finds the server gone: the connection is dropped,
    the answer stands; any other error at that point is raised."""

    def wrong_rollback():
        raise ProgrammingError("ROLLBACK", {}, Exception("not a lost connection"))

    with app.app_context():
        session = db.session()
        monkeypatch.setattr(session, "close", cut_connection)
        release_session(None)  # no error
        monkeypatch.setattr(session, "close", wrong_rollback)
        with pytest.raises(ProgrammingError):
            release_session(None)
        monkeypatch.undo()


def test_log_ins_cut_short_by_a_lost_database_do_not_count_as_failed(
    app, client, make_user, monkeypatch
):
    """The phone sends the log-in again and again while the database restarts: none of
    those is a wrong password, and the account is not locked for them."""
    app.config.update(LOGIN_LIMITS_PER_ACCOUNT="3/minute", LOGIN_LIMITS_PER_ADDRESS="5/hour")
    limiter.reset()
    user = make_user()
    credentials = {"username": user.username, "password": PASSWORD}
    monkeypatch.setattr(auth_routes, "record_event", cut_connection)
    for _ in range(6):
        assert client.post("/login", data=credentials).status_code == 503
    monkeypatch.undo()
    assert client.post("/login", data=credentials).status_code == 303
    limiter.reset()


def test_a_finding_recorded_just_before_the_database_is_lost_is_answered(
    client, login, make_venue, monkeypatch
):
    """The route committed the finding, then PostgreSQL went away: the after-request hooks
    (the phone's login mark, the request log, the cache header) ask nothing of the database
    (the commit expired the user's attributes), so the answer is the finding's 201, not a
    500 (seen in tests/test_load.py's restart-postgres run)."""
    venue = make_venue("Chợ Sơn Hà", latitude=20.256, longitude=104.942)
    user = login()
    uid = str(uuid.uuid4())

    def database_gone(session):
        monkeypatch.setattr(session, "execute", cut_connection)

    event.listen(db.session, "after_commit", database_gone)
    try:
        sent = client.post(
            f"/venues/{venue.id}/inspections",
            data=inspection_answers(uuid=uid),
            headers=JSON,
            content_type="multipart/form-data",
        )
    finally:
        event.remove(db.session, "after_commit", database_gone)
        monkeypatch.undo()
    assert sent.status_code == 201, sent.get_data(as_text=True)[:300]
    recorded = db.session.scalar(select(Inspection))
    assert sent.get_json()["uuid"] == uid and sent.get_json()["inspection_id"] == recorded.id
    assert sent.headers["X-Fieldapp-User"] == str(user.id)
    assert sent.headers["Cache-Control"] == "no-store"
    assert db.session.scalar(select(func.count()).select_from(Inspection)) == 1
