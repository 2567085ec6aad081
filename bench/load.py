"""Load and faults: many inspectors and a few supervisors at once, against gunicorn on
PostgreSQL, with a fault during the load (prints figures; tests/test_load.py runs a short
version of it and asserts the behaviour).

What runs, all on this machine (local addresses only):
- PostgreSQL from tests/servers.py, migrated, with a generated province (`generate`: Core
  bulk inserts, as bench/log_scale.py does): a few districts, thousands of venues each,
  some weeks of findings, two report dates of national figures, one inspector account per
  simulated inspector and the supervisors. Their passwords are hashed with a cheap method
  (pbkdf2, 1,000 rounds), so that 200 log-ins at once measure the app, not scrypt;
- gunicorn with deploy/gunicorn.conf.py (FIELDAPP_ENV=production; no TLS in front, so the
  session cookie is not marked Secure: FIELDAPP_SESSION_COOKIE_SECURE=false);
- the simulated users (`Run`), one httpx.AsyncClient each, in one asyncio loop:
  * an inspector logs in, then again and again: searches as they type (one htmx fragment
    request each time typing pauses for 250 ms, as the page's delay asks; the name typed
    without diacritics), opens a venue from the results, opens the inspection form (and
    its outcome preview), fetches a CSRF token as the phone's outbox does
    (/account/csrf-token) and posts the finding with a small photo as the outbox does
    (multipart, Accept: application/json, X-CSRFToken, the form's UUID); with think time
    between the steps;
  * a supervisor browses the inspection log (page, next page as a fragment, a commune)
    and the weekly report.
  Every request that fails (a 5xx, a dropped connection, a timeout) is sent again with
  backoff; a finding always with the same UUID, until it is acknowledged (201 created, or
  200 exists). A 4xx is never retried: it is counted as an error.
- a fault during the load (`--fault`):
  * kill-worker: SIGKILL of one gunicorn worker (a child of the master) a third of the way in;
  * drop-after-commit: a TCP proxy between the users and gunicorn forwards every third
    outbox post, waits for the answer to begin (the server has committed by then), and
    closes the user's connection without delivering it: the retry must get the existing
    finding (200, "exists"), never a duplicate nor a 409;
  * restart-postgres: `pg_ctl restart -m fast` on the PostgreSQL server a third of the way in;
  * none.
Afterwards: requests per second, p50/p95/p99 per kind of request, errors by status, the
check of the findings (`verify`: every acknowledged UUID recorded exactly once with its
photo; recorded ones that were never acknowledged listed apart), every 5xx set against the
fault's time window, and the memory (VmRSS) of each gunicorn worker.

Run: .venv/bin/python bench/load.py [--users 200] [--seconds 60] [--supervisors 5]
        [--venues 20000] [--fault none|kill-worker|drop-after-commit|restart-postgres]
        [--workers N] [--threads 4] [--keep-log gunicorn.log]
"""

import argparse
import asyncio
import contextlib
import io
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx
from flask_migrate import upgrade
from PIL import Image
from sqlalchemy import create_engine, insert, text
from werkzeug.security import generate_password_hash

from fieldapp import clock, create_app
from fieldapp.config import ROOT
from fieldapp.extensions import db
from fieldapp.models import (
    Commune,
    CommuneFigures,
    District,
    Inspection,
    Province,
    Role,
    User,
    Venue,
)
from fieldapp.reports.rollups import rebuild_rollups
from fieldapp.text import search_text
from tests import servers
from tests.factories import COMPLIANT_ANSWERS

FAULTS = ("none", "kill-worker", "drop-after-commit", "restart-postgres")
PASSWORD = "load-test-password-2021"
CHEAP_HASH = "pbkdf2:sha256:1000"  # the bench's accounts only: see the module's docstring
GUNICORN_CONFIG = ROOT / "deploy" / "gunicorn.conf.py"
VENV_BIN = Path(sys.executable).parent
CHUNK = 20_000

DISTRICTS = ("Quan Sơn", "Quan Hóa", "Mường Lát", "Bá Thước")
COMMUNES_PER_DISTRICT = 12
PLACE_WORDS = (
    "Sơn Hà", "Sơn Lư", "Trung Xuân", "Trung Thượng", "Na Mèo", "Mường Mìn", "Tam Thanh",
    "Sơn Điện", "Hồng Phúc", "Minh Đức", "Bản Lốc", "Pù Nhi", "Xuân Thắng", "Tam Lư",
)  # fmt: skip
VENUE_KINDS = (
    ("Chợ", "market"),
    ("Trường Tiểu học", "school"),
    ("Cửa hàng tạp hóa", "shop"),
    ("Nhà văn hóa", "village_cultural_house"),
    ("Trạm Y tế", "health_station"),
    ("Công ty", "enterprise"),
    ("Nhà nghỉ", "tourist_accommodation"),
    ("UBND xã", "government_office"),
)
OUTCOMES = ("compliant", "needs_improvement", "non_compliant")
# The answers of a compliant finding, as the inspection form posts them.
ANSWERS = {"gps_accuracy": "12", **COMPLIANT_ANSWERS}


# The province -----------------------------------------------------------------------------


@dataclass
class Place:
    """What the simulated users know of the generated province."""

    inspectors: list[tuple[str, int]]  # (username, district id)
    supervisors: list[tuple[str, int]]
    # per district: (venue id, name, latitude, longitude)
    venues: dict[int, list[tuple[int, str, float, float]]]
    communes: dict[int, list[int]]
    report_day: date


def _chunks(rows, size=CHUNK):
    batch = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _insert(model, rows) -> None:
    """Core executemany, a chunk at a time (bench/log_scale.py says why not the ORM's)."""
    for batch in _chunks(rows):
        db.session.execute(insert(model.__table__), batch)


def generate(
    url: str,
    folder: Path,
    venues: int = 20_000,
    inspectors: int = 200,
    supervisors: int = 5,
    history: int = 20_000,
    seed: int = 13,
) -> Place:
    """Migrate the empty database at `url` and fill it with a province to load."""
    rng = random.Random(seed)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "UPLOAD_FOLDER": str(folder / "gen")})
    now = clock.utcnow().replace(microsecond=0)
    with app.app_context():
        upgrade()
        db.session.execute(insert(Province.__table__), [{"id": 1, "name": "Thanh Hóa"}])
        district_ids = list(range(1, len(DISTRICTS) + 1))
        db.session.execute(
            insert(District.__table__),
            [
                {"id": d, "name": name, "province_id": 1}
                for d, name in zip(district_ids, DISTRICTS, strict=True)
            ],
        )
        communes = {d: [] for d in district_ids}
        commune_rows = []
        for d in district_ids:
            for n in range(COMMUNES_PER_DISTRICT):
                cid = len(commune_rows) + 1
                communes[d].append(cid)
                commune_rows.append(
                    {
                        "id": cid,
                        "name": f"{PLACE_WORDS[n % len(PLACE_WORDS)]} {cid}",
                        "kind": "thi_tran" if n == 0 else "xa",
                        "district_id": d,
                    }
                )
        db.session.execute(insert(Commune.__table__), commune_rows)

        hashed = generate_password_hash(PASSWORD, method=CHEAP_HASH)
        users, inspector_names, supervisor_names = [], [], []
        for n in range(inspectors):
            d = district_ids[n % len(district_ids)]
            inspector_names.append((f"canbo{n + 1:03d}", d))
        for n in range(supervisors):
            d = district_ids[n % len(district_ids)]
            supervisor_names.append((f"lanhdao{n + 1}", d))
        for username, d in inspector_names + supervisor_names:
            role = Role.SUPERVISOR if username.startswith("lanhdao") else Role.INSPECTOR
            users.append(
                {
                    "id": len(users) + 1,
                    "username": username,
                    "display_name": f"Cán bộ {username}",
                    "password_hash": hashed,
                    "role": role.value,
                    "district_id": d,
                    "commune_id": None,
                    "locale": "vi",
                    "is_enabled": True,
                }
            )
        _insert(User, users)
        inspector_ids = defaultdict(list)
        for row in users[:inspectors]:
            inspector_ids[row["district_id"]].append(row["id"])

        place_venues = {d: [] for d in district_ids}
        venue_rows = []
        for vid in range(1, venues + 1):
            d = district_ids[vid % len(district_ids)]
            cid = rng.choice(communes[d])
            kind, venue_type = rng.choice(VENUE_KINDS)
            name = f"{kind} {rng.choice(PLACE_WORDS)} {vid}"
            code = f"TH-{d:02d}-{vid:06d}"
            address = f"{rng.choice(PLACE_WORDS)}, xã {cid}"
            lat = 20.0 + d * 0.1 + rng.random() * 0.1
            lon = 104.8 + rng.random() * 0.2
            place_venues[d].append((vid, name, lat, lon))
            venue_rows.append(
                {
                    "id": vid,
                    "code": code,
                    "name": name,
                    "venue_type": venue_type,
                    "address": address,
                    "commune_id": cid,
                    "latitude": lat,
                    "longitude": lon,
                    "contact_name": "",
                    "contact_phone": "",
                    "qr_payload": f"PCCOVID|{code}",
                    "is_active": True,
                    "search_key": search_text(f"{name} {code} {address}"),
                    "created_at": now - timedelta(weeks=10),
                }
            )
        _insert(Venue, venue_rows)

        def findings():
            for iid in range(1, history + 1):
                d = district_ids[iid % len(district_ids)]
                vid, _name, lat, lon = rng.choice(place_venues[d])
                at = now - timedelta(seconds=rng.randint(3600, 5 * 7 * 86400))
                yield {
                    "id": iid,
                    "uuid": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                    "content_hash": "",
                    "venue_id": vid,
                    "inspector_id": rng.choice(inspector_ids[d]),
                    "device_time": at - timedelta(minutes=5),
                    "server_time": at,
                    "latitude": lat,
                    "longitude": lon,
                    "gps_accuracy_m": 12.0,
                    "gps_distance_m": 5.0,
                    "gps_warnings": "",
                    "qr_posted": "visible",
                    "qr_size_ok": True,
                    "qr_matches": "yes",
                    "checkin_method": "visitors_scan",
                    "staff_assigned": True,
                    "staff_name": "",
                    "staff_phone": "",
                    "visitors_observed": 10,
                    "visitors_scanned": rng.randint(0, 10),
                    "venue_scan_count": rng.randint(0, 500),
                    "staff_total": 5,
                    "staff_with_app": rng.randint(0, 5),
                    "paper_fallback": True,
                    "risk_assessment_done": None,
                    "actions": "",
                    "reinspection_due": None,
                    "notes": "",
                    "scanned_payload": "",
                    "scan_verdict": "",
                    "review_state": "pending",
                    "review_comment": "",
                    "outcome": rng.choice(OUTCOMES),
                    "outcome_reasons": "",
                }

        _insert(Inspection, findings())
        # Two report dates of national figures, a week apart: the weekly report has a
        # change to show.
        report_day = clock.today() - timedelta(days=1)
        _insert(
            CommuneFigures,
            (
                {
                    "commune_id": cid,
                    "report_date": day,
                    "venues_with_qr": 40 + cid % 7 + week,
                    "scans": 1000 * (cid % 9 + 1) + 300 * week,
                    "installs": 800 + cid,
                    "smartphones": 1500 + cid,
                    "source": "bench/load.py",
                    "entered_at": now,
                }
                for week, day in enumerate((report_day - timedelta(days=7), report_day))
                for cid in range(1, len(commune_rows) + 1)
            ),
        )
        db.session.commit()
        # PostgreSQL's sequences still start at 1 after explicit ids.
        if db.engine.dialect.name == "postgresql":
            for table in ("province", "district", "commune", "user_account", "venue"):
                db.session.execute(
                    text(f"SELECT setval('{table}_id_seq', (SELECT max(id) FROM {table}))")
                )
            db.session.execute(
                text(
                    "SELECT setval('inspection_id_seq', "
                    "greatest((SELECT max(id) FROM inspection), 1))"
                )
            )
        # The past findings went in by bulk SQL, past the rollup's keeping: count them.
        rebuild_rollups()
        db.session.execute(text("ANALYZE"))
        db.session.commit()
        db.engine.dispose()
    return Place(inspector_names, supervisor_names, place_venues, communes, report_day)


# The server ---------------------------------------------------------------------------------


@dataclass
class AppServer:
    port: int
    master: subprocess.Popen
    database_url: str
    log: Path

    def workers(self) -> list[int]:
        """The pids of gunicorn's workers: the master's children."""
        return children(self.master.pid)


def children(parent: int) -> list[int]:
    """The processes whose parent is `parent` (from /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            stat = (entry / "stat").read_text()
            # "pid (command) state ppid ...": the command may hold spaces and parentheses.
            if int(stat.rsplit(")", 1)[1].split()[1]) == parent:
                found.append(int(entry.name))
    return sorted(found)


def resident_kb(pid: int) -> int | None:
    """VmRSS of a process, in kB."""
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return None


@contextlib.contextmanager
def gunicorn(database_url: str, folder: Path, workers: int, threads: int) -> Iterator[AppServer]:
    """gunicorn with the deployment's settings file, on a free local port."""
    port = servers.free_port()
    env = {
        "FIELDAPP_ENV": "production",
        "SECRET_KEY": uuid.uuid4().hex,
        "DATABASE_URL": database_url,
        "FIELDAPP_SESSION_COOKIE_SECURE": "false",  # plain HTTP to gunicorn: no TLS here
        "FIELDAPP_UPLOAD_FOLDER": str(folder / "uploads"),
        "FIELDAPP_POSTER_FOLDER": str(folder / "posters"),
        "FIELDAPP_FIGURES_UPLOAD_FOLDER": str(folder / "figure-imports"),
        "FIELDAPP_QUEUE_URL": f"sqlite:///{folder / 'jobs.db'}",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": str(workers),
        "GUNICORN_THREADS": str(threads),
    }
    server_folder = folder / "gunicorn"
    server_folder.mkdir(exist_ok=True)
    command = [str(VENV_BIN / "gunicorn"), "-c", str(GUNICORN_CONFIG), "--chdir", str(ROOT)]
    with servers.serving(command, server_folder, port, env=env) as master:
        deadline = time.monotonic() + servers.START_TIMEOUT_S
        while len(children(master.pid)) < workers and time.monotonic() < deadline:
            time.sleep(0.1)
        yield AppServer(port, master, database_url, server_folder / "server.log")


# The faults -------------------------------------------------------------------------------


class DropProxy:
    """A TCP proxy that, on every `every`-th outbox post, forwards the request, waits for the
    answer to begin (the server committed), then closes the client's connection without
    delivering it."""

    POST = re.compile(rb"^POST /venues/\d+/inspections HTTP/1\.1\r\n")

    def __init__(self, target_port: int, every: int = 3):
        self.target_port, self.every = target_port, every
        self.posts = 0
        self.dropped = 0
        self.port = 0
        self._server = None
        self._writers = set()
        self._handlers = 0

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._connection, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        """Close what is still open, then let every connection's handler end by itself
        (cancelling them makes asyncio's stream server log each one)."""
        self._server.close()
        for writer in self._writers:
            writer.transport.abort()
        deadline = time.monotonic() + 10
        while self._handlers and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        await self._server.wait_closed()

    async def _connection(self, client_reader, client_writer):
        self._handlers += 1
        try:
            await self._forward(client_reader, client_writer)
        finally:
            self._handlers -= 1

    async def _forward(self, client_reader, client_writer):
        try:
            server_reader, server_writer = await asyncio.open_connection(
                "127.0.0.1", self.target_port
            )
        except OSError:
            client_writer.transport.abort()
            return
        self._writers.update((client_writer, server_writer))
        state = {"drop": False}

        async def upstream():
            while data := await client_reader.read(65536):
                if self.POST.match(data):
                    self.posts += 1
                    state["drop"] = (self.posts - 1) % self.every == 0
                server_writer.write(data)
                await server_writer.drain()
            server_writer.close()

        async def downstream():
            while data := await server_reader.read(65536):
                if state["drop"]:
                    self.dropped += 1
                    client_writer.transport.abort()  # the answer never reaches the phone
                    server_writer.transport.abort()
                    return
                client_writer.write(data)
                await client_writer.drain()
            client_writer.close()

        tasks = [asyncio.create_task(upstream()), asyncio.create_task(downstream())]
        with contextlib.suppress(Exception):
            await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        client_writer.transport.abort()
        server_writer.transport.abort()
        await asyncio.gather(*tasks, return_exceptions=True)  # both end on the aborted streams
        self._writers.difference_update((client_writer, server_writer))


def postgres_data_folder(database_url: str) -> str:
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            return connection.execute(text("SHOW data_directory")).scalar_one()
    finally:
        engine.dispose()


def restart_postgres(data: str) -> None:
    """`pg_ctl restart -m fast` on the server tests/servers.py started (with its options,
    kept by PostgreSQL in postmaster.opts); returns once it accepts sessions again."""
    user = "postgres" if os.geteuid() == 0 else None
    log = Path(data).parent / "restarted.log"
    subprocess.run(
        [servers.postgres_program("pg_ctl"), "restart", "-D", data, "-m", "fast", "-w",
         "-t", "60", "-l", str(log)],
        check=True,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        user=user,
    )  # fmt: skip


@contextlib.contextmanager
def restartable_postgresql() -> Iterator[str]:
    """tests/servers.py's PostgreSQL; if a fault restarted it (pg_ctl started a server of its
    own), that one is stopped here, before its folder is removed."""
    with servers.postgresql() as url:
        data = postgres_data_folder(url)
        try:
            yield url
        finally:
            pid_file = Path(data) / "postmaster.pid"
            with contextlib.suppress(OSError, ValueError):
                os.kill(int(pid_file.read_text().split()[0]), signal.SIGINT)
                deadline = time.monotonic() + 20
                while pid_file.exists() and time.monotonic() < deadline:
                    time.sleep(0.1)


# The users --------------------------------------------------------------------------------


@dataclass
class Pace:
    """Think times, in seconds (uniform between the two), and how much of a name is typed."""

    keystroke: tuple[float, float] = (0.15, 0.35)
    think: tuple[float, float] = (1.0, 3.0)
    filling: tuple[float, float] = (3.0, 8.0)
    typed: int = 14  # characters of the venue's name typed before choosing a result


# The search box's htmx delay (templates/venues/search.html: "input changed delay:250ms"):
# keystrokes closer together than this send one request.
SEARCH_DELAY_S = 0.25

QUICK = Pace(keystroke=(0.03, 0.08), think=(0.1, 0.4), filling=(0.2, 0.6), typed=6)


@dataclass
class Attempt:
    kind: str
    status: int | str  # the HTTP status, or the name of the transport error
    started: float
    ended: float


@dataclass
class Run:
    """What happened during one load: every attempt, the retried requests, the findings."""

    base_url: str
    place: Place
    seconds: float
    pace: Pace = field(default_factory=Pace)
    seed: int = 1
    timeout_s: float = 60.0
    retry_for_s: float = 120.0  # how long after the end a request is still sent again
    # Each inspector sends one finding at least, however long the run then lasts (the short
    # test: a loaded machine must not leave it with nothing to check).
    one_finding_each: bool = False
    attempts: list[Attempt] = field(default_factory=list)
    recovered: list[list[Attempt]] = field(default_factory=list)  # failed attempts, then the good
    gave_up: list[list[Attempt]] = field(default_factory=list)
    unexpected: list[Attempt] = field(default_factory=list)  # a 4xx (or a 200 not ours)
    acknowledged: dict[str, tuple[float, str]] = field(default_factory=dict)  # uuid -> (t, status)
    exists_after_retry: int = 0
    wrong_user_header: int = 0
    photos: list[bytes] = field(default_factory=list)
    started: float = 0.0
    ended: float = 0.0

    def now(self) -> float:
        return time.monotonic()

    def over(self) -> bool:
        return self.now() >= self.started + self.seconds

    async def pause(self, bounds: tuple[float, float], rng: random.Random) -> None:
        await asyncio.sleep(rng.uniform(*bounds))

    async def call(
        self,
        http: httpx.AsyncClient,
        kind: str,
        method: str,
        url: str,
        expect: tuple[int, ...] = (200,),
        **kwargs,
    ) -> httpx.Response | None:
        """Send a request; again with backoff on a 5xx or a transport error, until the end
        plus `retry_for_s`. Returns the answer, or None when it never came."""
        failed = []
        backoff = 0.25
        while True:
            started = self.now()
            try:
                response = await http.request(method, url, **kwargs)
                status = response.status_code
            except httpx.TransportError as error:
                response, status = None, type(error).__name__
            attempt = Attempt(kind, status, started, self.now())
            self.attempts.append(attempt)
            if response is not None and status < 500:
                response.failed_attempts = len(failed)
                if failed:
                    self.recovered.append([*failed, attempt])
                if status not in expect:
                    self.unexpected.append(attempt)
                return response
            failed.append(attempt)
            if self.now() > self.started + self.seconds + self.retry_for_s:
                self.gave_up.append(failed)
                return None
            wait = backoff
            if response is not None and response.headers.get("Retry-After", "").isdigit():
                wait = max(wait, min(int(response.headers["Retry-After"]), 5))
            await asyncio.sleep(wait * random.uniform(0.8, 1.2))
            backoff = min(backoff * 2, 4.0)

    def client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            base_url=self.base_url,
            timeout=self.timeout_s,
            trust_env=False,
            limits=httpx.Limits(max_connections=4, max_keepalive_connections=2),
        )

    async def log_in(self, http: httpx.AsyncClient, username: str) -> bool:
        page = await self.call(http, "login page", "GET", "/login")
        if page is None:
            return False
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.text)
        answer = await self.call(
            http,
            "log in",
            "POST",
            "/login",
            expect=(303,),
            data={"csrf_token": token[1] if token else "", "username": username,
                  "password": PASSWORD},
        )  # fmt: skip
        if answer is None or answer.status_code != 303:
            return False
        await self.call(http, "home", "GET", "/")
        return True

    async def inspector(self, number: int, username: str, district: int) -> None:
        """Search as they type, open a venue and its form, send a finding; again until the
        end (with `one_finding_each`, the first finding is sent whatever the time)."""
        rng = random.Random(self.seed * 1000 + number)
        venues = self.place.venues[district]
        async with self.client() as http:
            await asyncio.sleep(rng.uniform(0, min(self.seconds / 4, 5)))  # not all at once
            if not await self.log_in(http, username):
                return
            fragment = {"HX-Request": "true", "HX-Current-URL": f"{self.base_url}/venues"}
            sent = 0

            def done() -> bool:
                return (sent > 0 or not self.one_finding_each) and self.over()

            while not done():
                venue_id, name, lat, lon = rng.choice(venues)
                typed = search_text(" ".join(name.split()[:3]))[: self.pace.typed].strip()
                results = None
                for length in range(1, len(typed) + 1):
                    # The page asks only once typing pauses for SEARCH_DELAY_S (htmx's
                    # delay), and always after the last keystroke.
                    gap = rng.uniform(*self.pace.keystroke) if length < len(typed) else None
                    if gap is not None and gap < SEARCH_DELAY_S:
                        await asyncio.sleep(gap)
                        continue
                    await asyncio.sleep(SEARCH_DELAY_S)
                    results = await self.call(
                        http, "search", "GET", "/venues", params={"q": typed[:length]},
                        headers=fragment,
                    )  # fmt: skip
                    if gap is not None:
                        await asyncio.sleep(gap - SEARCH_DELAY_S)
                    if done():
                        return
                found = re.findall(r'href="/venues/(\d+)"', results.text if results else "")
                if found:
                    venue_id = int(rng.choice(found[:5]))
                    lat, lon = next(((la, lo) for v, _n, la, lo in venues if v == venue_id),
                                    (lat, lon))  # fmt: skip
                await self.pause(self.pace.think, rng)
                if done():
                    return
                await self.call(http, "venue", "GET", f"/venues/{venue_id}")
                await self.pause(self.pace.think, rng)
                if done():
                    return
                form = await self.call(http, "form", "GET", f"/venues/{venue_id}/inspections/new")
                if form is None:  # given up: the server is gone
                    return
                if form.status_code != 200:
                    continue
                found_uuid = re.search(r'name="uuid" type="hidden" value="([^"]+)"', form.text)
                form_uuid = found_uuid[1] if found_uuid else str(uuid.uuid4())
                await self.send_finding(http, rng, venue_id, form_uuid, lat, lon)
                sent += 1
                await self.pause(self.pace.think, rng)

    async def send_finding(self, http, rng, venue_id, form_uuid, lat, lon) -> None:
        """As the phone does: the outcome preview while filling in, then the outbox's post."""
        fields = {
            **ANSWERS,
            "uuid": form_uuid,
            "device_time": clock.now().isoformat(timespec="seconds"),
            "latitude": f"{lat + rng.uniform(-0.0002, 0.0002):.6f}",
            "longitude": f"{lon + rng.uniform(-0.0002, 0.0002):.6f}",
            "visitors_scanned": str(rng.randint(5, 10)),
        }
        session = await self.call(http, "csrf token", "GET", "/account/csrf-token",
                                  headers={"Accept": "application/json"})  # fmt: skip
        if session is None or session.status_code != 200:
            return
        token, user_id = session.json()["csrf_token"], str(session.json()["user_id"])
        await self.call(
            http, "preview", "POST", f"/venues/{venue_id}/inspections/preview", data=fields,
            headers={"HX-Request": "true", "X-CSRFToken": token},
        )  # fmt: skip
        await self.pause(self.pace.filling, rng)
        photo = rng.choice(self.photos)
        answer = await self.call(
            http,
            "outbox post",
            "POST",
            f"/venues/{venue_id}/inspections",
            expect=(200, 201),
            data=fields,
            files=[("photos", ("anh-1.jpg", photo, "image/jpeg"))],
            headers={"Accept": "application/json", "X-CSRFToken": token},
        )
        if answer is None or answer.status_code not in (200, 201):
            return
        body = answer.json()
        if body.get("uuid") != form_uuid or body.get("status") not in ("created", "exists"):
            self.unexpected.append(Attempt("outbox post", f"body {body}", 0, 0))
            return
        if answer.headers.get("X-Fieldapp-User") != user_id:
            self.wrong_user_header += 1
        self.acknowledged[form_uuid] = (self.now(), body["status"])
        if body["status"] == "exists" and answer.failed_attempts:
            self.exists_after_retry += 1

    async def supervisor(self, number: int, username: str, district: int) -> None:
        """The inspection log (a page, the next page as a fragment, one commune), the
        weekly report."""
        rng = random.Random(self.seed * 7000 + number)
        async with self.client() as http:
            if not await self.log_in(http, username):
                return
            fragment = {"HX-Request": "true", "HX-Current-URL": f"{self.base_url}/inspections"}
            day = self.place.report_day.isoformat()
            while not self.over():
                await self.call(http, "log", "GET", "/inspections")
                await self.pause(self.pace.think, rng)
                await self.call(http, "log page 2", "GET", "/inspections",
                                params={"page": 2}, headers=fragment)  # fmt: skip
                await self.pause(self.pace.think, rng)
                commune = rng.choice(self.place.communes[district])
                await self.call(http, "log of a commune", "GET", "/inspections",
                                params={"commune": commune})  # fmt: skip
                await self.pause(self.pace.think, rng)
                await self.call(http, "weekly report", "GET", f"/reports/{district}/{day}")
                await self.pause(self.pace.think, rng)

    async def run(self, users: int, supervisors: int) -> None:
        self.photos = self.photos or small_photos(16, self.seed)
        self.started = self.now()
        inspectors = self.place.inspectors[:users]
        bosses = self.place.supervisors[:supervisors]
        await asyncio.gather(
            *(self.inspector(n, name, d) for n, (name, d) in enumerate(inspectors)),
            *(self.supervisor(n, name, d) for n, (name, d) in enumerate(bosses)),
        )
        self.ended = self.now()


def small_photos(count: int, seed: int) -> list[bytes]:
    """Small JPEGs (320×240, a few tens of kB): a phone's photo after the app shrank it."""
    rng = random.Random(seed)
    photos = []
    for _ in range(count):
        noise = Image.frombytes("RGB", (320, 240), rng.randbytes(320 * 240 * 3))
        out = io.BytesIO()
        noise.save(out, "JPEG", quality=70)
        photos.append(out.getvalue())
    return photos


# The whole run ----------------------------------------------------------------------------


@dataclass
class Window:
    """When the fault was under way (monotonic seconds): requests overlapping it may fail."""

    started: float
    ended: float

    def overlaps(self, attempt: Attempt) -> bool:
        return attempt.started <= self.ended and attempt.ended >= self.started


@dataclass
class Findings:
    acknowledged: int
    recorded: int
    missing: list[str]  # acknowledged, not in the database
    doubled: list[str]  # a UUID recorded more than once
    unacknowledged: list[str]  # recorded, never acknowledged
    without_one_photo: list[str]  # an acknowledged finding without exactly its one photo


@dataclass
class Outcome:
    run: Run
    fault: str
    windows: list[Window]
    findings: Findings
    worker_memory_kb: dict[int, int]
    workers_before: list[int]
    workers_after: list[int]
    dropped: int = 0

    def server_errors(self) -> list[Attempt]:
        return [a for a in self.run.attempts if isinstance(a.status, int) and a.status >= 500]

    def failures(self) -> list[Attempt]:
        """Attempts answered 5xx or never answered (connection dropped, timeout)."""
        return [a for a in self.run.attempts if not isinstance(a.status, int) or a.status >= 500]

    def unexplained(self) -> list[Attempt]:
        """Failed attempts outside the fault's window (the dropped connections of
        drop-after-commit are the fault itself)."""
        if self.fault == "drop-after-commit":
            return self.server_errors()
        return [a for a in self.failures() if not any(w.overlaps(a) for w in self.windows)]


def verify(database_url: str, baseline_id: int, acknowledged: dict) -> Findings:
    """The findings recorded during the run against those acknowledged to the users."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                text(
                    "SELECT inspection.uuid, count(inspection_photo.id) FROM inspection "
                    "LEFT JOIN inspection_photo ON inspection_photo.inspection_id = inspection.id "
                    "WHERE inspection.id > :baseline GROUP BY inspection.id, inspection.uuid"
                ),
                {"baseline": baseline_id},
            ).all()
    finally:
        engine.dispose()
    times = Counter(uid for uid, _photos in rows)
    photos = dict(rows)
    return Findings(
        acknowledged=len(acknowledged),
        recorded=len(rows),
        missing=sorted(set(acknowledged) - set(times)),
        doubled=sorted(uid for uid, n in times.items() if n > 1),
        unacknowledged=sorted(set(times) - set(acknowledged)),
        without_one_photo=sorted(uid for uid in acknowledged if photos.get(uid, 0) != 1),
    )


def newest_inspection_id(database_url: str) -> int:
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            return connection.execute(text("SELECT coalesce(max(id), 0) FROM inspection")).scalar()
    finally:
        engine.dispose()


async def _load(
    app: AppServer, place: Place, fault: str, users: int, supervisors: int, seconds: float,
    pace: Pace, seed: int, one_finding_each: bool,
) -> tuple[Run, list[Window], int]:  # fmt: skip
    proxy = None
    base_port = app.port
    if fault == "drop-after-commit":
        proxy = DropProxy(app.port)
        await proxy.start()
        base_port = proxy.port
    run = Run(
        f"http://127.0.0.1:{base_port}",
        place,
        seconds,
        pace=pace,
        seed=seed,
        one_finding_each=one_finding_each,
    )
    windows: list[Window] = []

    async def inject():
        await asyncio.sleep(seconds / 3)
        if fault == "kill-worker":
            workers = app.workers()
            started = run.now()
            os.kill(random.Random(seed).choice(workers), signal.SIGKILL)
            # The window ends when the master has replaced the worker.
            while len(set(app.workers()) - set(workers)) < 1 and run.now() < started + 60:
                await asyncio.sleep(0.05)
            windows.append(Window(started, run.now()))
        elif fault == "restart-postgres":
            data = postgres_data_folder(app.database_url)
            started = run.now()
            await asyncio.to_thread(restart_postgres, data)
            windows.append(Window(started, run.now()))

    if fault == "drop-after-commit":
        windows.append(Window(float("-inf"), float("inf")))
    await asyncio.gather(run.run(users, supervisors), inject())
    if proxy is not None:
        await proxy.stop()
    return run, windows, proxy.dropped if proxy else 0


def load(
    app: AppServer,
    place: Place,
    fault: str = "none",
    users: int = 200,
    supervisors: int = 5,
    seconds: float = 60,
    pace: Pace | None = None,
    seed: int = 1,
    one_finding_each: bool = False,
) -> Outcome:
    """Run the load against a started server, with the fault; check the findings after."""
    if fault not in FAULTS:
        raise ValueError(f"fault {fault!r}: one of {', '.join(FAULTS)}")
    baseline = newest_inspection_id(app.database_url)
    workers_before = app.workers()
    # A thread of its own: the caller's thread may run an event loop already (pytest with
    # Playwright's browser tests keeps one running), and asyncio.run refuses to nest.
    loading = _load(
        app, place, fault, users, supervisors, seconds, pace or Pace(), seed, one_finding_each
    )
    with ThreadPoolExecutor(max_workers=1) as thread:
        run, windows, dropped = thread.submit(asyncio.run, loading).result()
    findings = verify(app.database_url, baseline, run.acknowledged)
    workers_after = app.workers()
    memory = {pid: resident_kb(pid) for pid in workers_after}
    return Outcome(run, fault, windows, findings, memory, workers_before, workers_after, dropped)


# Figures ----------------------------------------------------------------------------------


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def report(outcome: Outcome) -> str:
    run = outcome.run
    elapsed = run.ended - run.started
    lines = [
        (
            f"fault: {outcome.fault}; {len(run.attempts)} requests in {elapsed:.1f} s: "
            f"{len(run.attempts) / elapsed:.1f} requests/s"
        ),
        f"{'request':<18}{'count':>7}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}  errors",
    ]
    by_kind = defaultdict(list)
    for attempt in run.attempts:
        by_kind[attempt.kind].append(attempt)
    for kind, attempts in by_kind.items():
        good = [1000 * (a.ended - a.started) for a in attempts if isinstance(a.status, int)]
        errors = Counter(
            a.status for a in attempts if not isinstance(a.status, int) or a.status >= 400
        )
        figures = (
            f"{percentile(good, 0.5):>9.0f}{percentile(good, 0.95):>9.0f}"
            f"{percentile(good, 0.99):>9.0f}"
            if good
            else f"{'-':>9}{'-':>9}{'-':>9}"
        )
        shown = ", ".join(f"{status}: {n}" for status, n in errors.items()) or "-"
        lines.append(f"{kind:<18}{len(attempts):>7}{figures}  {shown}")
    statuses = Counter(a.status for a in run.attempts)
    lines.append("answers by status: " + ", ".join(f"{s}: {n}" for s, n in statuses.items()))
    found = outcome.findings
    lines += [
        (
            f"findings acknowledged: {found.acknowledged} ('exists' after a retry: "
            f"{run.exists_after_retry}); recorded: {found.recorded}; missing: "
            f"{len(found.missing)}; doubled: {len(found.doubled)}; recorded but never "
            f"acknowledged (allowed only under a fault, for a request given up): "
            f"{len(found.unacknowledged)} {found.unacknowledged[:5]}; "
            f"without their one photo: {len(found.without_one_photo)}"
        ),
        (
            f"failed attempts: {len(outcome.failures())} (5xx: {len(outcome.server_errors())})"
            f", outside the fault's window: {len(outcome.unexplained())}; requests retried "
            f"successfully: {len(run.recovered)}; given up: {len(run.gave_up)}; unexpected "
            f"answers: {len(run.unexpected)} {[(a.kind, a.status) for a in run.unexpected[:5]]}"
        ),
    ]
    if outcome.fault == "drop-after-commit":
        lines.append(f"outbox answers dropped by the proxy after the commit: {outcome.dropped}")
    for window in outcome.windows:
        if window.started > float("-inf"):
            lines.append(
                f"fault window: {window.started - run.started:.1f} s to "
                f"{window.ended - run.started:.1f} s into the run"
            )
    memory = ", ".join(f"{pid}: {kb / 1024:.0f} MB" for pid, kb in outcome.worker_memory_kb.items())
    lines.append(
        f"gunicorn workers before {outcome.workers_before}, after {outcome.workers_after}; "
        f"VmRSS after the load: {memory}"
    )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--supervisors", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--venues", type=int, default=20_000)
    parser.add_argument("--history", type=int, default=20_000, help="findings already recorded")
    parser.add_argument("--fault", choices=FAULTS, default="none")
    parser.add_argument("--workers", type=int, default=None, help="default: gunicorn.conf.py's")
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--keep-log", help="copy gunicorn's log (the app's JSON lines) here")
    args = parser.parse_args()
    workers = args.workers or os.cpu_count() * 2 + 1
    with restartable_postgresql() as url, tempfile.TemporaryDirectory() as tmp:
        started = time.monotonic()
        place = generate(url, Path(tmp), args.venues, args.users, args.supervisors, args.history)
        print(
            f"generated {len(DISTRICTS)} districts, {args.venues} venues, {args.history} "
            f"findings, {args.users} inspectors in {time.monotonic() - started:.1f} s"
        )
        with gunicorn(url, Path(tmp), workers, args.threads) as app:
            outcome = load(app, place, args.fault, args.users, args.supervisors, args.seconds)
            if args.keep_log:
                Path(args.keep_log).write_text(app.log.read_text(encoding="utf-8"))
        print(
            f"{args.users} inspectors, {args.supervisors} supervisors, {args.seconds:.0f} s, "
            f"gunicorn {workers} workers × {args.threads} threads, {os.cpu_count()} cores"
        )
        print(report(outcome))


if __name__ == "__main__":
    main()
