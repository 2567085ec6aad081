"""The deploy/ folder agrees with the app and with itself: every setting is in .env.example,
nginx takes the largest finding, compose.yaml and the systemd units run the same pieces with
the same files. (tests/test_topology.py runs them.)"""

import ast
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from fieldapp.config import ROOT, load_config

DEPLOY = ROOT / "deploy"
TEMPLATE = DEPLOY / "nginx" / "fieldapp.conf.template"
# Settings whose value is read from a variable of another name (config.load_config).
READ_UNDER_ANOTHER_NAME = {
    "SECRET_KEY",  # SECRET_KEY
    "SQLALCHEMY_DATABASE_URI",  # DATABASE_URL
    "MAX_PHOTO_BYTES",  # MAX_PHOTO_MB
    "MAX_CONTENT_LENGTH",  # MAX_UPLOAD_MB
    "MAP_TILE_URL",  # MAP_TILE_URL
    "MAP_TILE_ATTRIBUTION",  # MAP_TILE_ATTRIBUTION
    "ENV",  # FIELDAPP_ENV
}


def listed_in_env_example() -> set[str]:
    """The variables .env.example sets or shows (commented out: the default kept)."""
    text = (DEPLOY / ".env.example").read_text(encoding="utf-8")
    return set(re.findall(r"^#?([A-Z][A-Z0-9_]*)=", text, flags=re.MULTILINE))


def variables_read_by(path: Path, reader: str) -> set[str]:
    """The variable names a Python file reads with `<reader>.get("NAME", ...)`."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "get"
            and ast.unparse(node.func.value) == reader
            and node.args
            and isinstance(node.args[0], ast.Constant)
        ):
            names.add(node.args[0].value)
    return names


def template_variables() -> set[str]:
    return set(re.findall(r"\$\{(NGINX_[A-Z_]+)\}", TEMPLATE.read_text()))


def test_env_example_lists_every_setting_the_app_reads(tmp_path):
    read = variables_read_by(ROOT / "fieldapp" / "config.py", "env")
    assert {"SECRET_KEY", "DATABASE_URL", "FIELDAPP_ENV", "MAX_PHOTO_MB"} <= read
    prefixed = {
        f"FIELDAPP_{name}" for name in load_config(tmp_path) if name not in READ_UNDER_ANOTHER_NAME
    }
    missing = (read | prefixed) - listed_in_env_example()
    assert not missing, f"add these to deploy/.env.example with their meaning: {sorted(missing)}"


def test_env_example_lists_the_servers_settings_too():
    gunicorn = variables_read_by(DEPLOY / "gunicorn.conf.py", "os.environ")
    assert {"GUNICORN_BIND", "GUNICORN_WORKERS", "GUNICORN_THREADS"} <= gunicorn
    expected = gunicorn | template_variables() | {"FIELDAPP_STORAGE_URL", "FIELDAPP_QUEUE_URL"}
    expected |= {"FIELDAPP_S3_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"}
    assert expected - listed_in_env_example() == set()


def test_env_example_explains_each_setting():
    """A setting, or a group of settings, follows the comment that explains it."""
    setting = re.compile(r"#?[A-Z][A-Z0-9_]*=")
    lines = (DEPLOY / ".env.example").read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines):
        if setting.match(line):
            above = number - 1
            while setting.match(lines[above]):
                above -= 1
            assert lines[above].startswith("# "), f"explain {line!r} in a comment above it"


def test_nginx_takes_six_photos_of_the_largest_size_and_the_form(tmp_path):
    config = load_config(tmp_path)
    limit_mb = int(re.search(r"client_max_body_size (\d+)m;", TEMPLATE.read_text())[1])
    six_photos_mb = config["MAX_PHOTOS"] * config["MAX_PHOTO_BYTES"] / (1024 * 1024)
    assert limit_mb >= six_photos_mb + 1  # the form's answers and the multipart framing
    assert limit_mb * 1024 * 1024 >= config["MAX_CONTENT_LENGTH"]  # the app's own 413 first
    # and the app itself takes a finding with six photos of the largest size
    assert config["MAX_CONTENT_LENGTH"] > config["MAX_PHOTOS"] * config["MAX_PHOTO_BYTES"]


def test_the_gunicorn_config_reads_its_environment():
    script = (
        "import json, runpy, os;"
        f"c = runpy.run_path({str(DEPLOY / 'gunicorn.conf.py')!r});"
        "print(json.dumps({k: c[k] for k in ('bind', 'workers', 'threads', 'worker_class',"
        " 'timeout', 'graceful_timeout', 'accesslog', 'wsgi_app')} | "
        "{'env': os.environ['FIELDAPP_ENV']}))"
    )

    def settings(**env):
        run = subprocess.run(
            [sys.executable, "-c", script],
            capture_output=True,
            text=True,
            check=True,
            env={"PATH": "/usr/bin:/bin", **env},
        )
        return json.loads(run.stdout)

    defaults = settings()
    assert defaults["worker_class"] == "gthread" and defaults["wsgi_app"] == "wsgi:app"
    assert defaults["bind"] == ["127.0.0.1:8000"] and defaults["accesslog"] is None
    assert defaults["env"] == "production" and defaults["workers"] >= 3
    assert defaults["timeout"] >= 60 and 0 < defaults["graceful_timeout"] <= defaults["timeout"]
    chosen = settings(
        GUNICORN_BIND="10.0.0.12:8000",
        GUNICORN_WORKERS="3",
        GUNICORN_THREADS="8",
        FIELDAPP_ENV="development",
    )
    assert chosen["bind"] == ["10.0.0.12:8000"] and chosen["env"] == "development"
    assert chosen["workers"] == 3 and chosen["threads"] == 8


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text())


def test_compose_runs_the_same_pieces(compose):
    services = compose["services"]
    assert {"nginx", "web", "worker", "postgres", "redis", "minio", "migrate"} <= set(services)
    for name in ("web", "worker", "migrate"):
        service = services[name]
        assert service["build"]["dockerfile"] == "deploy/Dockerfile"
        assert service["env_file"] == ".env"
        assert (DEPLOY / service["build"]["context"] / service["build"]["dockerfile"]).is_file()
    assert services["migrate"]["command"] == ["flask", "--app", "wsgi", "db", "upgrade"]
    assert "gunicorn -c deploy/gunicorn.conf.py" in " ".join(services["web"]["command"])
    assert services["worker"]["command"] == ["flask", "--app", "wsgi", "jobs-worker"]
    for name in ("web", "worker"):
        assert services[name]["depends_on"]["migrate"] == {
            "condition": "service_completed_successfully"
        }
    app_environment = services["web"]["environment"]
    assert app_environment["FIELDAPP_TRUSTED_PROXIES"] == "1"
    assert app_environment["FIELDAPP_QUEUE_URL"].startswith("redis://redis:")
    assert app_environment["FIELDAPP_STORAGE_URL"].startswith("s3://")


def test_compose_nginx_uses_the_repository_template_with_every_variable(compose):
    nginx = compose["services"]["nginx"]
    mounts = {volume.split(":")[0]: volume.split(":")[1] for volume in nginx["volumes"]}
    assert mounts["./nginx/fieldapp.conf.template"].startswith("/etc/nginx/templates/")
    assert (DEPLOY / "nginx" / "fieldapp.conf.template").is_file()
    assert set(nginx["environment"]) == template_variables()
    assert nginx["environment"]["NGINX_UPSTREAM"] == "web:8000"
    assert compose["services"]["web"]["environment"]["GUNICORN_BIND"] == "0.0.0.0:8000"
    # nginx serves the static files the web container copies out of the app's image.
    assert f"static:{nginx['environment']['NGINX_STATIC_DIR']}:ro" in nginx["volumes"]
    assert "static:/srv/static" in compose["services"]["web"]["volumes"]


def unit(name: str) -> dict[str, str]:
    entries = {}
    for line in (DEPLOY / "systemd" / name).read_text().splitlines():
        if "=" in line and not line.startswith("#"):
            key, value = line.split("=", 1)
            entries[key] = value
    return entries


def test_systemd_migrates_before_the_web_server_and_the_worker_start():
    migrate, web, worker = (
        unit(f"fieldapp-{name}.service") for name in ("migrate", "web", "worker")
    )
    assert migrate["Type"] == "oneshot"
    assert migrate["ExecStart"].endswith("/flask --app wsgi db upgrade")
    assert web["ExecStart"].endswith("/gunicorn -c deploy/gunicorn.conf.py")
    assert worker["ExecStart"].endswith("/flask --app wsgi jobs-worker")
    for service in (web, worker):
        assert service["Requires"] == "fieldapp-migrate.service"
        assert service["After"].startswith("fieldapp-migrate.service")
    for service in (migrate, web, worker):
        assert service["EnvironmentFile"] == "/etc/fieldapp/fieldapp.env"
        assert service["WorkingDirectory"] == "/srv/fieldapp"
        assert service["User"] == "fieldapp"


def test_make_serve_migrates_then_runs_gunicorn_with_the_config():
    # --no-print-directory: under `make test`, a nested make would add "Leaving directory".
    dry_run = subprocess.run(
        ["make", "--no-print-directory", "-n", "serve"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    assert dry_run[-2].endswith("flask --app wsgi db upgrade")
    assert dry_run[-1].endswith("gunicorn -c deploy/gunicorn.conf.py")
