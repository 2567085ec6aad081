"""Settings from the environment, and files the set-up puts into the app."""

import contextlib
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from fieldapp import create_app
from fieldapp.config import ROOT, SettingError, load_config
from fieldapp.extensions import db
from fieldapp.posters.render import FONT_FILES
from tests import servers


def test_poster_fonts_are_read_from_the_app_not_from_node_modules(tmp_path):
    font_dir = Path(load_config(tmp_path)["POSTER_FONT_DIR"])
    assert font_dir.is_relative_to(ROOT / "static" / "vendor")
    assert "node_modules" not in font_dir.parts
    for name in FONT_FILES.values():
        assert (font_dir / name).is_file(), name


def make_app(tmp_path, **overrides):
    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'config.db'}",
            "UPLOAD_FOLDER": str(tmp_path / "uploads"),
            **overrides,
        }
    )


def test_fieldapp_variables_reach_the_settings_with_their_types(monkeypatch, tmp_path):
    monkeypatch.setenv("FIELDAPP_GPS_MAX_DISTANCE_M", "250")
    monkeypatch.setenv("FIELDAPP_GPS_MAX_ACCURACY_M", "75.5")
    monkeypatch.setenv("FIELDAPP_JOBS_IMMEDIATE", "true")
    monkeypatch.setenv("FIELDAPP_POSTER_ISSUER", "Phòng Văn hóa - Thông tin {district}")
    config = make_app(tmp_path).config
    assert config["GPS_MAX_DISTANCE_M"] == 250 and type(config["GPS_MAX_DISTANCE_M"]) is int
    assert config["GPS_MAX_ACCURACY_M"] == 75.5
    assert config["JOBS_IMMEDIATE"] is True
    assert config["POSTER_ISSUER"] == "Phòng Văn hóa - Thông tin {district}"


def test_settings_not_given_keep_their_defaults(monkeypatch, tmp_path):
    monkeypatch.delenv("FIELDAPP_GPS_MAX_DISTANCE_M", raising=False)
    assert make_app(tmp_path).config["GPS_MAX_DISTANCE_M"] == 300


def test_the_app_factory_overrides_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("FIELDAPP_ESCALATION_THRESHOLD", "5")
    assert make_app(tmp_path, ESCALATION_THRESHOLD=2).config["ESCALATION_THRESHOLD"] == 2


def test_secret_key_and_database_url_are_still_read_unprefixed(monkeypatch, tmp_path):
    monkeypatch.setenv("SECRET_KEY", "from-env")
    monkeypatch.setenv("DATABASE_URL", "postgres://u:p@db/fieldapp")
    app = create_app({"UPLOAD_FOLDER": str(tmp_path / "uploads")})
    assert app.config["SECRET_KEY"] == "from-env"
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u:p@db/fieldapp"


def test_trusted_origins_comma_separated_or_as_a_json_list(monkeypatch, tmp_path):
    monkeypatch.setenv("FIELDAPP_TRUSTED_ORIGINS", "https://a.example,https://b.example")
    assert make_app(tmp_path).config["TRUSTED_ORIGINS"] == [
        "https://a.example",
        "https://b.example",
    ]
    monkeypatch.setenv("FIELDAPP_TRUSTED_ORIGINS", '["https://c.example"]')
    assert make_app(tmp_path).config["TRUSTED_ORIGINS"] == ["https://c.example"]
    monkeypatch.delenv("FIELDAPP_TRUSTED_ORIGINS")
    assert make_app(tmp_path).config["TRUSTED_ORIGINS"] == []


def test_a_trusted_origin_from_the_environment_may_post(monkeypatch, tmp_path, databases):
    monkeypatch.setenv("FIELDAPP_TRUSTED_ORIGINS", "https://proxy.example")
    app = make_app(
        tmp_path,
        TESTING=True,
        SECRET_KEY="test",
        WTF_CSRF_ENABLED=False,
        SQLALCHEMY_DATABASE_URI=databases.fresh(tmp_path),
    )
    client = app.test_client()
    data = {"username": "nobody", "password": "wrong"}
    refused = client.post("/login", data=data, headers={"Origin": "https://evil.example"})
    trusted = client.post("/login", data=data, headers={"Origin": "https://proxy.example"})
    assert refused.status_code == 400  # another site
    assert trusted.status_code == 422  # let in, and told the password is wrong


def test_settings_take_the_kind_of_their_default(monkeypatch, tmp_path):
    """`no` is false, a key that looks like a number stays text, a list may be one word."""
    monkeypatch.setenv("FIELDAPP_SESSION_COOKIE_HTTPONLY", "no")
    monkeypatch.setenv("FIELDAPP_REPORT_ISSUER", "123")
    monkeypatch.setenv("FIELDAPP_TRUSTED_ORIGINS", "https://a.example")
    config = make_app(tmp_path).config
    assert config["SESSION_COOKIE_HTTPONLY"] is False
    assert config["REPORT_ISSUER"] == "123"
    assert config["TRUSTED_ORIGINS"] == ["https://a.example"]


@pytest.mark.parametrize(
    ("variable", "value"),
    [("FIELDAPP_GPS_MAX_DISTANCE_M", "250m"), ("FIELDAPP_JOBS_IMMEDIATE", "maybe")],
)
def test_a_setting_of_the_wrong_kind_stops_the_start_with_a_message(
    monkeypatch, tmp_path, variable, value
):
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingError, match=variable):
        make_app(tmp_path)


ISOLATION = {"postgresql": "READ COMMITTED", "sqlite": "SERIALIZABLE"}


def test_transactions_run_as_the_uuid_claim_needs(app, databases):
    """Both branches of config._derive_engine_options, one in each run of the suite."""
    assert db.engine.dialect.name == databases.engine
    assert db.session.connection().get_isolation_level() == ISOLATION[databases.engine]


def test_connecting_to_postgresql_gives_up_after_ten_seconds(tmp_path):
    app = make_app(tmp_path, SQLALCHEMY_DATABASE_URI="postgresql+psycopg://x@db.invalid/x")
    assert app.config["SQLALCHEMY_ENGINE_OPTIONS"]["connect_args"] == {"connect_timeout": 10}
    sqlite = make_app(tmp_path)
    assert "connect_args" not in sqlite.config["SQLALCHEMY_ENGINE_OPTIONS"]


@contextlib.contextmanager
def postgresql_database(tmp_path, databases):
    """A PostgreSQL database of the test's own: a clone in the PostgreSQL run, a server of
    its own in the SQLite run, so that the PostgreSQL branch is tested in both."""
    if databases.engine == "postgresql":
        yield databases.another(tmp_path)
    else:
        with servers.postgresql() as url:
            yield url


def test_read_committed_even_where_the_server_defaults_to_another_level(tmp_path, databases):
    with postgresql_database(tmp_path, databases) as url:
        name = url.rsplit("/", 1)[1]
        plain = create_engine(url, isolation_level="AUTOCOMMIT")
        with plain.connect() as connection:
            connection.execute(
                text(f"ALTER DATABASE {name} SET default_transaction_isolation = 'repeatable read'")
            )
        plain.dispose()
        plain = create_engine(url)
        with plain.connect() as connection:
            assert connection.get_isolation_level() == "REPEATABLE READ"  # the server's default
        plain.dispose()
        app = make_app(tmp_path, SQLALCHEMY_DATABASE_URI=url)
        with app.app_context():
            assert db.session.connection().get_isolation_level() == "READ COMMITTED"
            db.session.remove()
            db.engine.dispose()
