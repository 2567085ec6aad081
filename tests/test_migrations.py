"""The migrations, on the suite's database (SQLite, or PostgreSQL in `make test`'s second
run): from an empty database to the newest revision with `flask db upgrade`, down to
nothing and up again, and an upgrade of a database of the previous release that holds data.
"""

import os
import subprocess
import sys
from datetime import datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import upgrade
from sqlalchemy import create_engine, func, inspect, select, text
from werkzeug.security import generate_password_hash

from fieldapp import create_app
from fieldapp.audit import trail_query
from fieldapp.config import ROOT
from fieldapp.extensions import db
from fieldapp.models import Inspection, User, Venue
from fieldapp.venues.search_index import is_search_index
from tests.factories import FAST_HASH, PASSWORD, inspection_answers

# The newest revision in fieldapp/migrations, whatever it is now.
HEAD = ScriptDirectory(str(ROOT / "fieldapp" / "migrations")).get_current_head()
# The schema of the previous release (the revision its database is at).
PREVIOUS_RELEASE = "46dcd4c545a9"


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


def flask_db(app, *args):
    result = app.test_cli_runner().invoke(args=["db", *args])
    assert result.exit_code == 0, (result.output, result.exception)
    return result


def revision() -> str | None:
    with db.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def tables() -> set[str]:
    """The tables, but the venue search index's (an FTS5 table, not a model)."""
    names = set(inspect(db.engine).get_table_names()) - {"alembic_version"}
    return {name for name in names if not is_search_index(name)}


def test_flask_db_upgrade_makes_the_models_schema_from_nothing(empty_app):
    assert tables() == set()
    flask_db(empty_app, "upgrade")
    assert revision() == HEAD
    assert tables() == set(db.metadata.tables)
    # What the migrations built is what the models declare: no change left to generate.
    with db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={"include_name": lambda name, type_, parent: not is_search_index(name)},
        )
        differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_downgrade_to_nothing_and_up_again(empty_app):
    flask_db(empty_app, "upgrade")
    flask_db(empty_app, "downgrade", "base")
    assert revision() is None
    assert tables() == set()
    flask_db(empty_app, "upgrade")
    assert revision() == HEAD
    assert tables() == set(db.metadata.tables)


def insert(connection, sql: str, **values) -> int:
    """One row with plain SQL, as the previous release stored it; its new id."""
    return connection.execute(text(f"{sql} RETURNING id"), values).scalar_one()


def test_a_database_of_the_previous_release_keeps_its_data(empty_app):
    """Rows written at the previous release's revision survive the upgrade, the app reads
    them, and new rows get new ids after them (PostgreSQL's sequences included)."""
    upgrade(revision=PREVIOUS_RELEASE)
    assert revision() == PREVIOUS_RELEASE
    moment = datetime(2021, 11, 12, 2, 30)
    with db.engine.begin() as connection:
        province = insert(connection, "INSERT INTO province (name) VALUES ('Thanh Hóa')")
        district = insert(
            connection,
            "INSERT INTO district (name, province_id) VALUES ('Quan Sơn', :province)",
            province=province,
        )
        commune = insert(
            connection,
            "INSERT INTO commune (name, kind, district_id) VALUES ('Sơn Hà', 'xa', :district)",
            district=district,
        )
        user = insert(
            connection,
            "INSERT INTO user_account (username, display_name, password_hash, role,"
            " district_id, locale, is_enabled, scope, session_version, must_change_password)"
            " VALUES ('hoa', 'Lương Thị Hoa', :hash, 'inspector', :district, 'vi', :yes,"
            " 'district', 1, :no)",
            hash=generate_password_hash(PASSWORD, FAST_HASH),
            district=district,
            yes=True,
            no=False,
        )
        venue = insert(
            connection,
            "INSERT INTO venue (code, name, venue_type, address, commune_id, latitude,"
            " longitude, contact_name, contact_phone, qr_payload, is_active, search_key,"
            " last_outcome, last_inspected_at, created_at)"
            " VALUES ('QS-00001', 'Chợ Sơn Hà', 'market', 'Bản Na Hồ', :commune, 20.256,"
            " 104.942, '', '', 'PCCOVID|QS-00001', :yes, 'cho son ha ban na ho qs-00001',"
            " 'non_compliant', :moment, :moment)",
            commune=commune,
            yes=True,
            moment=moment,
        )
        inspection = insert(
            connection,
            "INSERT INTO inspection (uuid, venue_id, inspector_id, server_time, gps_warnings,"
            " qr_posted, qr_matches, checkin_method, staff_assigned, staff_name, staff_phone,"
            " actions, notes, outcome, outcome_reasons, content_hash, scanned_payload,"
            " scan_verdict, review_state, review_comment)"
            " VALUES ('4f0c6f0e-7d3b-4a39-9d0e-2b1f0c7e5a11', :venue, :user, :moment, '',"
            " 'missing', 'no', 'none', :no, '', '', 'reminder', 'Không dán mã QR.',"
            " 'non_compliant', 'qr_missing', '', '', '', 'pending', '')",
            venue=venue,
            user=user,
            moment=moment,
            no=False,
        )
        # Its audit entry, from before entries had a district.
        insert(
            connection,
            "INSERT INTO audit_entry (entity, entity_id, action, user_id, at, changes)"
            " VALUES ('inspection', :inspection, 'create', :user, :moment, '{}')",
            inspection=inspection,
            user=user,
            moment=moment,
        )

    flask_db(empty_app, "upgrade")
    assert revision() == HEAD
    old = db.session.scalar(select(Inspection))
    assert old.venue.name == "Chợ Sơn Hà" and old.inspector.username == "hoa"
    assert old.venue.commune.district.province.name == "Thanh Hóa"
    assert old.server_time == moment and old.staff_assigned is False
    (entry,) = db.session.scalars(trail_query([district])).all()
    assert (entry.entity, entry.entity_id, entry.user_id) == ("inspection", old.id, user)

    client = empty_app.test_client()
    login = client.post("/login", data={"username": "hoa", "password": PASSWORD})
    assert login.status_code == 303, login.get_data(as_text=True)[:500]
    page = client.get(f"/venues/{venue}").get_data(as_text=True)
    assert "Chợ Sơn Hà" in page and "Lương Thị Hoa" in page
    assert client.get(f"/inspections/{old.id}").status_code == 200
    answers = inspection_answers(qr_posted="visible")
    posted = client.post(
        f"/venues/{venue}/inspections", data=answers, content_type="multipart/form-data"
    )
    assert posted.status_code == 303, posted.get_data(as_text=True)[:500]
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Inspection)) == 2
    new = db.session.scalar(select(Inspection).where(Inspection.uuid == answers["uuid"]))
    assert new.id > old.id
    assert db.session.get(Venue, venue).last_outcome == new.outcome
    assert db.session.get(User, user).session_version >= 1


def test_make_runs_commands_on_an_empty_database(tmp_path, databases):
    """What `make run` does, as separate `flask` processes reading DATABASE_URL as an
    operator writes it: migrate an empty database, load the demo, and again (nothing
    changes); then the demo is there."""
    url = databases.empty(tmp_path)
    # PostgreSQL's URL as hosting platforms and operators write it, without the driver.
    operator_url = url.replace("postgresql+psycopg://", "postgresql://")
    environment = {
        **os.environ,
        "DATABASE_URL": operator_url,
        "SECRET_KEY": "test-secret",
        "FIELDAPP_PASSWORD_HASH_METHOD": FAST_HASH,
        "FIELDAPP_UPLOAD_FOLDER": str(tmp_path / "uploads"),
        "FIELDAPP_POSTER_FOLDER": str(tmp_path / "posters"),
        "FIELDAPP_FIGURES_UPLOAD_FOLDER": str(tmp_path / "figure-imports"),
    }
    for command in (["db", "upgrade"], ["seed-demo", "--if-empty"], ["seed-demo", "--if-empty"]):
        done = subprocess.run(
            [sys.executable, "-m", "flask", "--app", "wsgi", *command],
            cwd=ROOT,
            env=environment,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, (command, done.stdout, done.stderr[-3000:])
    assert "already has data" in done.stdout  # the second seed-demo changed nothing
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            venues = connection.scalar(text("SELECT count(*) FROM venue"))
            users = connection.scalar(text("SELECT count(*) FROM user_account"))
            found = connection.scalar(text("SELECT count(*) FROM inspection"))
            version = connection.scalar(text("SELECT version_num FROM alembic_version"))
    finally:
        engine.dispose()
    assert version == HEAD
    assert venues > 100 and users >= 4 and found > 100
