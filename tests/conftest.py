"""Fixtures: an app on a fresh migrated database per test, users and factories.

The database is SQLite, or PostgreSQL with `FIELDAPP_TEST_DATABASE=postgresql` (`make test`
runs the suite once with each): see `SQLiteDatabases` and `PostgreSQLDatabases`.
"""

import itertools
import os
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
from flask_migrate import upgrade
from sqlalchemy import create_engine, event, select, text
from sqlalchemy.pool import NullPool

from fieldapp import clock, create_app
from fieldapp.extensions import db
from fieldapp.models import Commune, District, Inspection, Province, User, Venue
from tests import servers
from tests.factories import (
    FAST_HASH,
    PASSWORD,
    commune_named,
    inspection_answers,
)

ENGINES = ("sqlite", "postgresql")
TEST_DATABASE = os.environ.get("FIELDAPP_TEST_DATABASE") or "sqlite"


def pytest_configure(config):
    # WTForms 3.3 deprecates (value, label) choices; they work until 3.4, which is not pinned.
    config.addinivalue_line(
        "filterwarnings", "ignore:Passing SelectField choices as tuples:DeprecationWarning"
    )
    # Flask-Migrate's generated env.py still calls get_engine().
    config.addinivalue_line(
        "filterwarnings", "ignore:'get_engine' is deprecated:DeprecationWarning"
    )
    if TEST_DATABASE not in ENGINES:
        raise pytest.UsageError(
            f"FIELDAPP_TEST_DATABASE={TEST_DATABASE!r}: say one of {', '.join(ENGINES)}."
        )


def pytest_report_header(config):
    return f"fieldapp database: {TEST_DATABASE} (FIELDAPP_TEST_DATABASE=sqlite|postgresql)"


def migrate(url: str) -> None:
    """Bring the database at `url` to the newest revision with Alembic."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True})
    with app.app_context():
        upgrade()
        db.engine.dispose()


class SQLiteDatabases:
    """SQLite: a file migrated once; each test gets a copy of it in its tmp_path."""

    engine = "sqlite"

    def __init__(self, folder: Path):
        self.template = folder / "template.db"
        migrate(f"sqlite:///{self.template}")

    def fresh(self, folder: Path, name: str = "test") -> str:
        """The URL of a migrated database with no rows, for one test."""
        path = folder / f"{name}.db"
        shutil.copy(self.template, path)
        return f"sqlite:///{path}"

    def another(self, folder: Path, name: str = "other") -> str:
        """A second such database (the test's own is `fresh`)."""
        return self.fresh(folder, name)

    def empty(self, folder: Path) -> str:
        """The URL of a database with no tables at all (not migrated)."""
        return f"sqlite:///{folder / 'empty.db'}"


class PostgreSQLDatabases:
    """PostgreSQL: one server for the session, its `fieldapp` database migrated once.

    Every test gets that database emptied (one TRUNCATE of every table but
    alembic_version, ids restarted): faster here than cloning a template database
    (about 25 ms against 75 ms). A test that needs a second database gets a clone of
    the migrated, empty template."""

    engine = "postgresql"

    def __init__(self, url: str):
        self.url = url
        migrate(url)
        self.admin = create_engine(url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
        with self.admin.connect() as connection:
            tables = connection.scalars(
                text(
                    "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
                    " AND tablename <> 'alembic_version' ORDER BY tablename"
                )
            ).all()
            connection.execute(text("CREATE DATABASE fieldapp_template TEMPLATE fieldapp"))
        names = ", ".join(f'"{table}"' for table in tables)
        self.truncate = text(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
        self.clones = itertools.count(1)

    def fresh(self, folder: Path, name: str = "test") -> str:
        with self.admin.connect() as connection:
            # A connection a test left open would make TRUNCATE wait forever: say so.
            connection.execute(text("SET lock_timeout = '30s'"))
            connection.execute(self.truncate)
        return self.url

    def another(self, folder: Path, name: str = "other", template="fieldapp_template") -> str:
        clone = f"fieldapp_{name}_{next(self.clones)}"
        with self.admin.connect() as connection:
            connection.execute(text(f"CREATE DATABASE {clone} TEMPLATE {template}"))
        return f"{self.url.rsplit('/', 1)[0]}/{clone}"

    def empty(self, folder: Path) -> str:
        return self.another(folder, "empty", template="template0")


@pytest.fixture(scope="session")
def databases(tmp_path_factory):
    """Where each test's database comes from: `databases.fresh(tmp_path)` is the URL of a
    migrated database with no rows; `databases.another(tmp_path)` a second one;
    `databases.empty(tmp_path)` one with no tables (for the migrations' tests)."""
    if TEST_DATABASE == "postgresql":
        with servers.postgresql() as url:
            databases = PostgreSQLDatabases(url)
            yield databases
            databases.admin.dispose()
    else:
        yield SQLiteDatabases(tmp_path_factory.mktemp("template"))


@pytest.fixture(scope="session")
def migrated_db(tmp_path_factory):
    """SQLite only, whatever FIELDAPP_TEST_DATABASE says: a database file migrated once,
    for a test that copies it itself. Prefer `databases`, which follows the setting."""
    return SQLiteDatabases(tmp_path_factory.mktemp("sqlite-template")).template


@pytest.fixture
def app(tmp_path, databases):
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "SQLALCHEMY_DATABASE_URI": databases.fresh(tmp_path),
            "UPLOAD_FOLDER": str(tmp_path / "uploads"),
            "FIGURES_UPLOAD_FOLDER": str(tmp_path / "figure-imports"),
            "POSTER_FOLDER": str(tmp_path / "posters"),
            "JOBS_IMMEDIATE": True,  # a batch is made inside the request that asks for it
            "WTF_CSRF_ENABLED": False,
            "PASSWORD_HASH_METHOD": FAST_HASH,
        }
    )
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def queries(app):
    """The SQL statements run while the test runs (to catch a query per row)."""

    statements: list[str] = []

    def listener(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", listener)
    yield statements
    event.remove(db.engine, "before_cursor_execute", listener)


@pytest.fixture
def frozen_clock(monkeypatch):
    """Stop the app's one clock: `frozen_clock(datetime(2021, 11, 11, 23, 30))` sets it to
    that UTC moment (a naive one is taken as UTC); call again to move it."""

    def freeze(moment: datetime) -> datetime:
        moment = moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
        monkeypatch.setattr(clock, "_utc_now", lambda: moment)
        return moment

    return freeze


@pytest.fixture
def quan_son(app):
    """Quan Sơn district (Thanh Hóa) with three of its communes."""
    province = Province(name="Thanh Hóa")
    district = District(name="Quan Sơn", province=province)
    for name, kind in (("Sơn Hà", "xa"), ("Sơn Lư", "thi_tran"), ("Trung Xuân", "xa")):
        db.session.add(Commune(name=name, kind=kind, district=district))
    db.session.add(district)
    db.session.commit()
    return district


@pytest.fixture
def other_district(app, quan_son):
    """Yên Châu (Sơn La): a district the Quan Sơn users must not see into."""
    district = District(name="Yên Châu", province=Province(name="Sơn La"))
    db.session.add(Commune(name="Chiềng Đông", kind="xa", district=district))
    db.session.commit()
    return district


@pytest.fixture
def neighbour_district(app, quan_son):
    """Cẩm Thủy: another district of Thanh Hóa, seen by the province's supervisors."""
    district = District(name="Cẩm Thủy", province=quan_son.province)
    db.session.add(Commune(name="Cẩm Châu", kind="xa", district=district))
    db.session.commit()
    return district


@pytest.fixture
def make_user(app, quan_son):
    def make(username="inspector", role="inspector", district=None, locale="vi", **kwargs):
        user = User(
            username=username,
            display_name=kwargs.pop("display_name", username.title()),
            role=role,
            district=district or quan_son,
            locale=locale,
            **kwargs,
        )
        user.set_password(PASSWORD)
        db.session.add(user)
        db.session.commit()
        return user

    return make


@pytest.fixture
def make_venue(app, quan_son):
    counter = iter(range(1, 1_000_000))

    def make(name="Chợ Sơn Hà", commune=None, venue_type="market", **kwargs):
        n = next(counter)
        venue = Venue(
            code=kwargs.pop("code", f"QS-{n:05d}"),
            name=name,
            venue_type=venue_type,
            commune=commune or commune_named(quan_son, "Sơn Hà"),
            address=kwargs.pop("address", "Bản Na Hồ"),
            qr_payload=kwargs.pop("qr_payload", f"PCCOVID|QS-{n:05d}"),
            **kwargs,
        )
        db.session.add(venue)
        db.session.commit()
        return venue

    return make


class LogIn:
    """`login(user)` or `login(username=..., role=...)` logs in through the real form, first
    logging out whoever was in; `login.logout()` logs out. Both go through the app's routes."""

    def __init__(self, client, make_user):
        self.client, self.make_user, self.user = client, make_user, None

    def __call__(self, user=None, **kwargs) -> User:
        self.logout()
        user = user or self.make_user(**kwargs)
        response = self.client.post(
            "/login", data={"username": user.username, "password": PASSWORD}
        )
        assert response.status_code == 303, response.get_data(as_text=True)
        self.user = user
        return user

    def logout(self) -> None:
        if self.user is not None:
            # 302: the test itself logged out already (/logout needs a log-in).
            assert self.client.post("/logout").status_code in (302, 303)
            self.user = None


@pytest.fixture
def login(client, make_user):
    return LogIn(client, make_user)


@pytest.fixture
def post_finding(client):
    """Post a finding for a venue through the inspection form, as the logged-in user:
    `post_finding(venue, qr_posted="missing")` returns the response."""

    def post(venue, **answers):
        return client.post(
            f"/venues/{venue.id}/inspections",
            data=inspection_answers(**answers),
            content_type="multipart/form-data",
        )

    return post


@pytest.fixture
def record_finding(post_finding):
    """Record a finding through the form and return it: `record_finding(venue, **answers)`."""

    def record(venue, **answers) -> Inspection:
        response = post_finding(venue, **answers)
        assert response.status_code == 303, response.get_data(as_text=True)[:500]
        return db.session.scalars(select(Inspection).order_by(Inspection.id.desc())).first()

    return record
