"""The production topology on this machine, with nothing but local processes: PostgreSQL,
Redis and the S3 test server (tests/servers.py), the migrations, gunicorn with two workers
(deploy/gunicorn.conf.py), the job consumer, and nginx with the repository's own template
(deploy/nginx/fieldapp.conf.template) and a certificate made here. Everything goes through
nginx over HTTPS, from the address 127.0.0.2, as a phone's browser would.

Marked `topology`: it runs once, in the SQLite run of the suite (it brings its own
PostgreSQL); the PostgreSQL run leaves it out (`-m "not topology"`).
"""

import contextlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import boto3
import pytest
import requests
from PIL import Image
from requests.adapters import HTTPAdapter
from sqlalchemy import create_engine, text

from fieldapp.config import ROOT
from tests import servers
from tests.factories import inspection_answers

pytestmark = pytest.mark.topology

TEMPLATE = ROOT / "deploy" / "nginx" / "fieldapp.conf.template"
GUNICORN_CONFIG = ROOT / "deploy" / "gunicorn.conf.py"
VENV_BIN = Path(sys.executable).parent
CLIENT_ADDRESS = "127.0.0.2"  # the phone; nginx itself reaches gunicorn from 127.0.0.1
BUCKET = "fieldapp-photos"
USERNAME, PASSWORD = "truongphong", "topology-password-2021"
WAIT_S = 120

# The job consumer: poster batches wait in the Redis queue (FIELDAPP_QUEUE_URL) for it.
JOB_CONSUMER = [str(VENV_BIN / "flask"), "--app", "wsgi", "jobs-worker"]

# The province's places (the README's example file) and venues with their registered codes,
# for the supervisor and the batch, registered as an IT officer does (the demo data are not
# for servers).
PLACES_FILE = ROOT / "deploy" / "places.example.csv"
VENUES_CSV = "code,name,type,commune,address,latitude,longitude,qr payload\n" + "".join(
    f"QS-{n:05d},Chợ Sơn Hà {n},market,Xã Sơn Hà,Bản Na Hồ,20.2560,104.9420,PCCOVID|QS-{n:05d}\n"
    for n in range(1, 4)
)


def render_template(values: dict[str, str]) -> str:
    """The nginx template with its ${NGINX_...} filled in, as envsubst does it."""
    rendered = TEMPLATE.read_text()
    for name, value in values.items():
        rendered = rendered.replace("${" + name + "}", value)
    left = re.findall(r"\$\{[A-Z_]+\}", rendered)
    assert not left, f"variables of the template not given: {left}"
    return rendered


def main_config(folder: Path, site: Path) -> str:
    """nginx's own main file around the site, in the test's folder (Debian's nginx.conf and
    the nginx image's play this part on a server)."""
    # As root the workers would run as nobody, who cannot write to the private temp folder.
    user = "user root;\n" if os.geteuid() == 0 else ""
    temp = "\n".join(
        f"    {kind}_temp_path {folder / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return f"""{user}worker_processes 1;
pid {folder / "nginx.pid"};
error_log {folder / "error.log"} warn;
events {{ worker_connections 256; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log {folder / "access.log"};
{temp}
    include {site};
}}
"""


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    certificate, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
            "-keyout", str(key), "-out", str(certificate),
            "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return certificate, key


class FromClientAddress(HTTPAdapter):
    """Connections leave from CLIENT_ADDRESS, so the app's log can tell the phone from nginx."""

    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (CLIENT_ADDRESS, 0)
        super().init_poolmanager(*args, **kwargs)


@dataclass
class Topology:
    base: str  # https://127.0.0.1:<port>
    http_base: str
    certificate: Path
    database_url: str
    log: Path  # gunicorn's standard output: the app's JSON log
    s3_endpoint: str
    folder: Path  # the servers' local folders (uploads/, posters/, worker.log)

    def stored(self, prefix: str) -> list[str]:
        """The keys in the bucket under a prefix (photos/, posters/)."""
        client = boto3.client(
            "s3",
            endpoint_url=self.s3_endpoint,
            aws_access_key_id="test",
            aws_secret_access_key="test",
            region_name="us-east-1",
        )
        found = client.list_objects_v2(Bucket=BUCKET, Prefix=prefix).get("Contents", [])
        return [item["Key"] for item in found]

    def browser(self) -> requests.Session:
        session = requests.Session()
        session.trust_env = False  # no proxy, no REQUESTS_CA_BUNDLE: only our certificate
        session.verify = str(self.certificate)
        adapter = FromClientAddress()
        session.mount("https://", adapter)
        session.mount("http://", adapter)
        return session

    def log_lines(self) -> list[dict]:
        lines = []
        for line in self.log.read_text(encoding="utf-8").splitlines():
            with contextlib.suppress(ValueError):
                lines.append(json.loads(line))
        return lines


def flask_command(*arguments: str, env: dict) -> str:
    done = subprocess.run(
        [str(VENV_BIN / "flask"), "--app", "wsgi", *arguments],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=WAIT_S,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def topology() -> Iterator[Topology]:
    if not shutil.which("nginx") and not Path("/usr/sbin/nginx").exists():
        pytest.fail("nginx is missing: `make test` installs Debian's nginx.")
    with (
        servers.postgresql() as database_url,
        servers.redis() as redis_url,
        servers.s3() as s3_endpoint,
        servers.server_folder("topology") as folder,
    ):
        boto3.client(
            "s3",
            endpoint_url=s3_endpoint,
            aws_access_key_id="test",
            aws_secret_access_key="test",
            region_name="us-east-1",
        ).create_bucket(Bucket=BUCKET)
        app_port, http_port, https_port = (servers.free_port() for _ in range(3))
        env = {
            "FIELDAPP_ENV": "production",
            "SECRET_KEY": uuid.uuid4().hex,
            "DATABASE_URL": database_url,
            "FIELDAPP_TRUSTED_PROXIES": "1",
            "FIELDAPP_QUEUE_URL": redis_url,
            "FIELDAPP_RATELIMIT_STORAGE_URI": redis_url.removesuffix("/0") + "/1",
            "FIELDAPP_STORAGE_URL": f"s3://{BUCKET}",
            "FIELDAPP_S3_ENDPOINT_URL": s3_endpoint,
            "AWS_ACCESS_KEY_ID": "test",
            "AWS_SECRET_ACCESS_KEY": "test",
            "AWS_DEFAULT_REGION": "us-east-1",
            # Local folders in the test's folder, not the repository's instance/.
            "FIELDAPP_UPLOAD_FOLDER": str(folder / "uploads"),
            "FIELDAPP_POSTER_FOLDER": str(folder / "posters"),
            "FIELDAPP_FIGURES_UPLOAD_FOLDER": str(folder / "figure-imports"),
            "GUNICORN_BIND": f"127.0.0.1:{app_port}",
            "GUNICORN_WORKERS": "2",
            "GUNICORN_THREADS": "4",
        }
        flask_command("db", "upgrade", env=env)
        flask_command("import-places", str(PLACES_FILE), env=env)
        venues = folder / "venues.csv"
        venues.write_text(VENUES_CSV, encoding="utf-8")
        flask_command("import-venues", str(venues), "--district", "Quan Sơn", env=env)
        flask_command(
            "create-user", USERNAME, "--role", "supervisor", "--district", "Quan Sơn",
            "--display-name", "Trưởng phòng", "--password", PASSWORD, env=env,
        )  # fmt: skip

        certificate, key = self_signed_certificate(folder)
        site = folder / "fieldapp.conf"
        site.write_text(
            render_template(
                {
                    "NGINX_SERVER_NAME": "127.0.0.1",
                    "NGINX_HTTP_LISTEN": f"127.0.0.1:{http_port}",
                    "NGINX_HTTPS_LISTEN": f"127.0.0.1:{https_port}",
                    "NGINX_HTTPS_PORT": str(https_port),
                    "NGINX_CERTIFICATE": str(certificate),
                    "NGINX_CERTIFICATE_KEY": str(key),
                    "NGINX_STATIC_DIR": str(ROOT / "static"),
                    "NGINX_UPSTREAM": f"127.0.0.1:{app_port}",
                }
            )
        )
        nginx_folder = folder / "nginx"
        nginx_folder.mkdir()
        (nginx_folder / "nginx.conf").write_text(main_config(nginx_folder, site))
        gunicorn_folder = folder / "gunicorn"
        gunicorn_folder.mkdir()
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"

        with (
            servers.serving(
                [str(VENV_BIN / "gunicorn"), "-c", str(GUNICORN_CONFIG), "--chdir", str(ROOT)],
                gunicorn_folder,
                app_port,
                env=env,
            ),
            servers.running(JOB_CONSUMER, folder / "worker.log", ROOT, env=env),
            servers.serving(
                [
                    nginx, "-p", str(nginx_folder), "-c", str(nginx_folder / "nginx.conf"),
                    "-g", "daemon off;",
                ],
                nginx_folder,
                https_port,
            ),
        ):  # fmt: skip
            yield Topology(
                base=f"https://127.0.0.1:{https_port}",
                http_base=f"http://127.0.0.1:{http_port}",
                certificate=certificate,
                database_url=database_url,
                log=gunicorn_folder / "server.log",
                s3_endpoint=s3_endpoint,
                folder=folder,
            )


def csrf_token(page: str) -> str:
    """The CSRF token of a page's form (WTForms' field or a template's hidden input)."""
    found = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or re.search(
        r'type="hidden" name="csrf_token" value="([^"]+)"', page
    )
    return found[1]


def photo(n: int) -> bytes:
    """A JPEG of about 1.5 MB: noise, which JPEG cannot shrink, as a phone's photo."""
    side = 1000
    noise = Image.frombytes("RGB", (side, side), os.urandom(side * side * 3))
    out = io.BytesIO()
    noise.save(out, "JPEG", quality=80 + n, subsampling=0)
    data = out.getvalue()
    assert 1_200_000 < len(data) < 2_000_000, len(data)
    return data


def wait_for(what, deadline_s: float = WAIT_S):
    """Ask `what()` until it answers something true; fail after the deadline."""
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        answer = what()
        if answer:
            return answer
        time.sleep(0.5)
    pytest.fail(f"nothing after {deadline_s} s")


def one_value(topology: Topology, query: str):
    engine = create_engine(topology.database_url)
    try:
        with engine.connect() as connection:
            return connection.execute(text(query)).scalar_one()
    finally:
        engine.dispose()


def test_the_production_topology_end_to_end(topology):
    browser = topology.browser()
    base = topology.base
    same_site = {"Origin": base}

    # Plain HTTP only sends to HTTPS.
    plain = browser.get(f"{topology.http_base}/login?next=/", allow_redirects=False)
    assert plain.status_code == 301
    assert plain.headers["Location"] == f"{base}/login?next=/"

    health = browser.get(f"{base}/healthz")
    assert health.status_code == 200 and health.json() == {"status": "ok"}
    assert health.headers["Cache-Control"] == "no-store"

    # Log in through the form, CSRF token and all.
    login_page = browser.get(f"{base}/login")
    assert login_page.headers["Strict-Transport-Security"] == "max-age=31536000"
    logged_in = browser.post(
        f"{base}/login",
        data={
            "csrf_token": csrf_token(login_page.text),
            "username": USERNAME,
            "password": PASSWORD,
        },
        headers={**same_site, "Referer": f"{base}/login"},
        allow_redirects=False,
    )
    assert logged_in.status_code == 303, logged_in.text[:500]
    cookies = logged_in.raw.headers.getlist("Set-Cookie")
    (session_cookie,) = [c for c in cookies if c.startswith("session=")]
    for flag in ("; Secure", "; HttpOnly", "; SameSite=Lax"):
        assert flag in session_cookie, session_cookie
    # The phone's mark of the login (read by the service worker, so not HttpOnly) too.
    (user_mark,) = [c for c in cookies if c.startswith("fieldapp_user=")]
    assert "; Secure" in user_mark and "; SameSite=Lax" in user_mark

    # A finding with six photos of about 1.5 MB, through the inspection form.
    venue_id = one_value(topology, "SELECT id FROM venue WHERE code = 'QS-00001'")
    form_url = f"{base}/venues/{venue_id}/inspections/new"
    form_page = browser.get(form_url)
    assert form_page.status_code == 200
    answers = inspection_answers(photos=None)
    answers["csrf_token"] = csrf_token(form_page.text)
    photos = [("photos", (f"anh-{n}.jpg", photo(n), "image/jpeg")) for n in range(6)]
    assert sum(len(file[1][1]) for file in photos) > 6 * 1_200_000
    recorded = browser.post(
        f"{base}/venues/{venue_id}/inspections",
        data=answers,
        files=photos,
        headers={**same_site, "Referer": form_url},
        allow_redirects=False,
    )
    assert recorded.status_code == 303, recorded.text[:1000]
    assert recorded.headers["Location"] == f"/venues/{venue_id}"
    inspection_id = one_value(topology, f"SELECT id FROM inspection WHERE venue_id = {venue_id}")
    finding = browser.get(f"{base}/inspections/{inspection_id}")
    assert finding.status_code == 200
    photo_urls = re.findall(r'src="(/photos/[0-9a-f-]+/[^"]+)"', finding.text)
    assert len(set(photo_urls)) == 6
    shown = browser.get(base + photo_urls[0])
    assert shown.status_code == 200 and shown.headers["Content-Type"] == "image/jpeg"
    assert shown.content.startswith(b"\xff\xd8")
    # kept in the object storage, where every application server finds them, not on a disk
    assert len(topology.stored("photos/")) == 6
    assert not list((topology.folder / "uploads").rglob("*.jpg"))

    # A poster batch for the commune, made in the background, then downloaded.
    commune_id = one_value(topology, "SELECT id FROM commune WHERE name = 'Sơn Hà'")
    queue_page = browser.get(f"{base}/posters/queue")
    made = browser.post(
        f"{base}/posters/batches",
        data={"csrf_token": csrf_token(queue_page.text), "commune": str(commune_id)},
        headers={**same_site, "Referer": f"{base}/posters/queue"},
        allow_redirects=False,
    )
    assert made.status_code == 303, made.text[:500]
    download = base + made.headers["Location"] + "/download"

    def finished():
        answer = browser.get(download)
        return answer if answer.status_code == 200 else None

    pdf = wait_for(finished)
    assert pdf.headers["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    # made by the job consumer from the Redis queue, and stored in the bucket
    batch_id = int(made.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    assert topology.stored("posters/") == [f"posters/batch-{batch_id}.pdf"]
    worker_log = (topology.folder / "worker.log").read_text().splitlines()
    jobs_run = [json.loads(line)["message"] for line in worker_log if "make_batch" in line]
    assert any(message.startswith("Executing") for message in jobs_run), worker_log[-20:]

    # Static files from nginx (no request id: the app never saw them), fingerprinted ones
    # kept a year; the service worker from the app, never cached.
    stylesheet = re.search(r'href="(/static/css/app\.css\?v=[0-9a-f]+)"', login_page.text)[1]
    static = browser.get(base + stylesheet)
    assert static.status_code == 200 and "X-Request-Id" not in static.headers
    assert static.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    unversioned = browser.get(f"{base}/static/css/app.css")
    assert unversioned.headers["Cache-Control"] == "no-cache"
    worker = browser.get(f"{base}/sw.js")
    assert worker.status_code == 200 and worker.headers["Cache-Control"] == "no-cache"
    assert "X-Request-Id" in worker.headers

    # The app's JSON log has the phone's address (not nginx's), the user and nginx's id.
    request_id = finding.headers["X-Request-Id"]
    assert re.fullmatch(r"[0-9a-f]{32}", request_id)
    lines = topology.log_lines()
    booted = [entry for entry in lines if entry["message"].startswith("Booting worker")]
    assert len(booted) >= 2  # gunicorn's own lines are JSON too
    (line,) = [entry for entry in lines if entry.get("request_id") == request_id]
    assert line["client"] == CLIENT_ADDRESS and line["status"] == 200
    assert line["path"] == f"/inspections/{inspection_id}" and line["method"] == "GET"
    user_id = one_value(topology, f"SELECT id FROM user_account WHERE username = '{USERNAME}'")
    assert line["user_id"] == user_id
    posted = [entry for entry in lines if entry.get("method") == "POST"]
    assert {entry["client"] for entry in posted} == {CLIENT_ADDRESS}
    assert PASSWORD not in topology.log.read_text(encoding="utf-8")
    # The audit trail kept the phone's address too.
    assert one_value(topology, "SELECT address FROM audit_entry WHERE action = 'login'") == (
        CLIENT_ADDRESS
    )
