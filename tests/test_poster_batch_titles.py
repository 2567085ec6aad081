"""A print batch's title follows the reader's language: the batch keeps what was chosen
(the print queue, or a commune, a venue type, the venues needing a new poster) and its
title is worded when shown; batches made before keep a readable title."""

from datetime import datetime

import pytest
from flask_babel import refresh
from flask_migrate import upgrade
from sqlalchemy import select, text
from werkzeug.security import generate_password_hash

from fieldapp import create_app
from fieldapp.extensions import db
from fieldapp.models import Poster, PosterBatch
from tests.factories import FAST_HASH, PASSWORD, commune_named


@pytest.fixture
def office(make_user):
    return make_user("supervisor", role="supervisor")


def _queue_titles(client, batch: PosterBatch) -> tuple[str, str, str]:
    """The batch's title on its page (<title> and heading) and in the queue's recent list."""
    page = client.get(f"/posters/batches/{batch.id}").get_data(as_text=True)
    fragment = client.get(f"/posters/batches/{batch.id}", headers={"HX-Request": "true"}).get_data(
        as_text=True
    )
    queue = client.get("/posters/queue").get_data(as_text=True)
    return page, fragment, queue


def test_a_communes_batch_is_titled_in_the_readers_language(
    client, login, make_user, make_venue, quan_son, office
):
    trung_xuan = commune_named(quan_son, "Trung Xuân")
    for name in ("Trường THCS Trung Xuân", "Trường Mầm non Trung Xuân"):
        make_venue(name, commune=trung_xuan, venue_type="school")
    login(office)
    client.post("/posters/batches", data={"commune": trung_xuan.id, "type": "school"})
    batch = db.session.scalar(select(PosterBatch))
    assert (batch.commune_id, batch.venue_type, batch.flagged) == (trung_xuan.id, "school", False)

    vietnamese = "Bản in mã QR: Trung Xuân, Trường học (2)"
    page, fragment, queue = _queue_titles(client, batch)
    assert f"<title>{vietnamese}" in page and f"<h2>{vietnamese}</h2>" in fragment
    assert vietnamese in queue

    # The same batch, read by a colleague who uses the app in English.
    login(make_user("mai", role="supervisor", locale="en"))
    refresh()  # the test's app context outlives its requests: forget the first one's language
    english = "Posters: Trung Xuân, School (2)"
    page, fragment, queue = _queue_titles(client, batch)
    assert f"<title>{english}" in page and f"<h2>{english}</h2>" in fragment
    assert english in queue and "Bản in mã QR" not in queue.split("Recent batches")[1]


def test_the_print_queues_and_the_flagged_batches_titles_in_both_languages(
    client, login, make_user, make_venue, quan_son, office
):
    venue = make_venue("Chợ Sơn Hà")
    for version in (1, 2):
        db.session.add(
            Poster(
                venue_id=venue.id,
                version=version,
                serial=f"QS-{version}",
                payload="PCCOVID|1",
                reason="damaged",
                issued_by_id=office.id,
            )
        )
    db.session.commit()
    login(office)
    client.post("/posters/queue/print")
    queue_batch = db.session.scalar(select(PosterBatch))
    assert queue_batch.of_print_queue and queue_batch.commune_id is None
    assert "Hàng chờ in (2 bản in mã QR)" in _queue_titles(client, queue_batch)[0]
    flagged = PosterBatch(
        district_id=quan_son.id, requested_by_id=office.id, venue_ids="1", total=1, flagged=True
    )
    db.session.add(flagged)
    db.session.commit()
    assert "Bản in mã QR: toàn huyện, cần bản in mã QR mới (1)" in _queue_titles(client, flagged)[2]

    login(make_user("mai", role="supervisor", locale="en"))
    refresh()  # the test's app context outlives its requests: forget the first one's language
    assert "<title>Print queue (2 posters)" in _queue_titles(client, queue_batch)[0]
    queue = _queue_titles(client, flagged)[2]
    assert "Posters: whole district, needing a new poster (1)" in queue


@pytest.fixture
def empty_app(tmp_path, databases):
    """An app on a database with no tables, its app context pushed."""
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "SQLALCHEMY_DATABASE_URI": databases.empty(tmp_path),
            "UPLOAD_FOLDER": str(tmp_path / "uploads"),
            "WTF_CSRF_ENABLED": False,
            "PASSWORD_HASH_METHOD": FAST_HASH,
        }
    )
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


# The revision before batches kept their parts: titles were text, in the maker's language.
TITLES_AS_TEXT = "b1c2d3e4f5a6"


def _insert(connection, sql: str, **values) -> int:
    return connection.execute(text(f"{sql} RETURNING id"), values).scalar_one()


def test_batches_titled_before_keep_their_commune_through_the_upgrade(empty_app):
    upgrade(revision=TITLES_AS_TEXT)
    moment = datetime(2026, 11, 20, 2, 30)
    with db.engine.begin() as connection:
        province = _insert(connection, "INSERT INTO province (name) VALUES ('Thanh Hóa')")
        district = _insert(
            connection,
            "INSERT INTO district (name, province_id) VALUES ('Quan Sơn', :p)",
            p=province,
        )
        son_ha = _insert(
            connection,
            "INSERT INTO commune (name, kind, district_id) VALUES ('Sơn Hà', 'xa', :d)",
            d=district,
        )
        user = _insert(
            connection,
            "INSERT INTO user_account (username, display_name, password_hash, role,"
            " district_id, locale, is_enabled, scope, session_version, must_change_password)"
            " VALUES ('mai', 'Hà Thị Mai', :hash, 'supervisor', :d, 'en', :yes, 'district', 1,"
            " :no)",
            hash=generate_password_hash(PASSWORD, FAST_HASH),
            d=district,
            yes=True,
            no=False,
        )
        titles = {
            "Bản in mã QR: Sơn Hà (3)": ("1,2,3", ""),
            "Posters: Sơn Hà (2)": ("1,2", ""),
            "Bản in mã QR: toàn huyện (9)": ("1,2,3,4,5,6,7,8,9", ""),
            "Hàng chờ in (2 bản in mã QR)": ("", "4,5"),
        }
        for title, (venue_ids, poster_ids) in titles.items():
            _insert(
                connection,
                "INSERT INTO poster_batch (district_id, requested_by_id, created_at, title,"
                " page_size, venue_ids, poster_ids, state, total, done, error, progress_at,"
                " run_id, runs) VALUES (:d, :u, :m, :t, 'A4', :v, :p, 'done', :n, :n, '',"
                " :m, '', 1)",
                d=district,
                u=user,
                m=moment,
                t=title,
                v=venue_ids,
                p=poster_ids,
                n=len((venue_ids or poster_ids).split(",")),
            )
    upgrade()
    batches = db.session.scalars(select(PosterBatch).order_by(PosterBatch.id)).all()
    assert [b.commune_id for b in batches] == [son_ha, son_ha, None, None]
    assert [b.of_print_queue for b in batches] == [False, False, False, True]
    assert all(b.venue_type == "" and b.flagged is False for b in batches)
    # Shown to the English reader in English now.
    client = empty_app.test_client()
    login = client.post("/login", data={"username": "mai", "password": PASSWORD})
    assert login.status_code == 303
    queue = client.get("/posters/queue").get_data(as_text=True)
    for title in (
        "Posters: Sơn Hà (3)",
        "Posters: Sơn Hà (2)",
        "Posters: whole district (9)",
        "Print queue (2 posters)",
    ):
        assert title in queue
