"""Benchmark: the app at national scale, each figure printed next to its target (prints
figures, asserts nothing).

Generates synthetic national data: 63 provinces, 700 districts, 10,000 communes (Xã,
Phường, Thị trấn), 1,000,000 venues, 5,000,000 inspections and 300,000 citizens' reports
over a year and the national figures (CommuneFigures) of 52 weekly report dates; then
measures, on SQLite and/or PostgreSQL (a server of its own in a temporary folder,
tests/servers.py, with the memory settings of deploy/compose.yaml):

- venue search, p50/p95 of the database time (`search_venues` called directly) and of the
  whole request (the search fragment through the test client, HX-Request), at district,
  province and national scope;
- the inspection log's first page and a filtered page for a province supervisor;
- the weekly report of a district and of a province, and the nation over a month;
- requests per second of the search fragment, the inspector's home and the outbox endpoint
  (a finding posted as the phone's outbox posts it), next to a bare Flask "hello" route
  served by the same gunicorn (bench/hello_wsgi.py), with two sync workers and then the
  deploy config's gthread workers; load from `wrk` (Debian's package) when installed, else
  from an async httpx client;
- the memory (VmRSS) of one worker after the load.

Rows go in fast: SQLAlchemy Core executemany in chunks on SQLite (journal and syncs off
while building), COPY on PostgreSQL (`copy_rows`, the one engine-specific place). The schema
comes from the migrations, as deployed.

Run: .venv/bin/python bench/national.py [--engine sqlite|postgresql|both] [--scale 0.02]
     [--repeat 20] [--seconds 10] [--no-load]
"""

import argparse
import asyncio
import bisect
import contextlib
import importlib
import itertools
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import Date, DateTime, select, text  # noqa: E402
from werkzeug.security import generate_password_hash  # noqa: E402

from fieldapp import clock, create_app  # noqa: E402
from fieldapp.citizens.counts import counts_by_commune  # noqa: E402
from fieldapp.citizens.deadlines import due_date_for  # noqa: E402
from fieldapp.extensions import db  # noqa: E402
from fieldapp.inspections.offences import ESCALATIONS_LISTED, venues_to_escalate  # noqa: E402
from fieldapp.map.points import Box, map_points  # noqa: E402
from fieldapp.models import (  # noqa: E402
    VENUE_TYPES,
    CitizenReport,
    Commune,
    CommuneFigures,
    District,
    Inspection,
    Province,
    User,
    Venue,
)
from fieldapp.models.citizen_report import PROBLEMS  # noqa: E402
from fieldapp.models.user import Scope  # noqa: E402
from fieldapp.places import province_kind_of  # noqa: E402
from fieldapp.reports import weekly  # noqa: E402
from fieldapp.reviews.service import LogFilter, inspection_log  # noqa: E402
from fieldapp.text import search_text  # noqa: E402
from fieldapp.venues.search_index import bulk_load  # noqa: E402
from fieldapp.venues.service import search_venues  # noqa: E402
from tests.factories import COMPLIANT_ANSWERS  # noqa: E402
from tests.servers import free_port, postgresql, running, wait_for_port  # noqa: E402

CHUNK = 50_000
PASSWORD = "bench-national-password"
FULL = {"districts": 700, "communes": 10_000, "venues": 1_000_000, "inspections": 5_000_000,
        "citizen_reports": 300_000}  # fmt: skip
REPORT_DATES = 52
INSPECTORS_PER_DISTRICT = 2

PROVINCES = [
    "Hà Nội", "Hồ Chí Minh", "Hải Phòng", "Đà Nẵng", "Cần Thơ", "An Giang",
    "Bà Rịa - Vũng Tàu", "Bắc Giang", "Bắc Kạn", "Bạc Liêu", "Bắc Ninh", "Bến Tre",
    "Bình Định", "Bình Dương", "Bình Phước", "Bình Thuận", "Cà Mau", "Cao Bằng", "Đắk Lắk",
    "Đắk Nông", "Điện Biên", "Đồng Nai", "Đồng Tháp", "Gia Lai", "Hà Giang", "Hà Nam",
    "Hà Tĩnh", "Hải Dương", "Hậu Giang", "Hòa Bình", "Hưng Yên", "Khánh Hòa", "Kiên Giang",
    "Kon Tum", "Lai Châu", "Lâm Đồng", "Lạng Sơn", "Lào Cai", "Long An", "Nam Định",
    "Nghệ An", "Ninh Bình", "Ninh Thuận", "Phú Thọ", "Phú Yên", "Quảng Bình", "Quảng Nam",
    "Quảng Ngãi", "Quảng Ninh", "Quảng Trị", "Sóc Trăng", "Sơn La", "Tây Ninh", "Thái Bình",
    "Thái Nguyên", "Thanh Hóa", "Thừa Thiên Huế", "Tiền Giang", "Trà Vinh", "Tuyên Quang",
    "Vĩnh Long", "Vĩnh Phúc", "Yên Bái",
]  # fmt: skip
SYLLABLES = [
    "Sơn", "Hà", "Lư", "Mường", "Xuân", "Thượng", "Tiến", "Điện", "Thủy", "Mèo", "Hồng",
    "Phúc", "Đức", "Minh", "Quan", "Trung", "Tam", "Thanh", "Cẩm", "Châu", "Yên", "Bình",
    "Hòa", "Lạc", "Ngọc", "Thạch", "Phú", "Lộc", "Tân", "An", "Long", "Hưng", "Nghĩa",
    "Quảng", "Đông", "Tây", "Nam", "Bắc", "Vĩnh", "Kỳ", "Lũng", "Pù", "Nà", "Bản",
]  # fmt: skip
VENUE_WORDS = [
    "Chợ", "Trường", "Cửa hàng", "Nhà văn hóa", "Trạm Y tế", "Công ty", "Nhà nghỉ",
    "Tạp hóa", "Quán", "Siêu thị mini", "Nhà sách", "Thư viện", "Sân bóng đá", "Hội trường",
]  # fmt: skip
STREETS = ["Thôn", "Bản", "Tổ dân phố", "Khu", "Xóm", "Ấp"]
COMMUNE_KINDS = (["xa", "phuong", "thi_tran"], [75, 18, 7])
COMMUNE_PREFIX = {"xa": "Xã", "phuong": "Phường", "thi_tran": "Thị trấn"}
TYPE_WEIGHTS = [5, 6, 4, 20, 4, 1, 2, 2, 3, 1, 1, 1, 1, 1, 3, 4, 2]
OUTCOMES = (["compliant", "needs_improvement", "non_compliant"], [60, 28, 12])
QR_POSTED = (["visible", "hidden", "damaged", "outdated", "missing"], [70, 8, 7, 5, 10])
QR_MATCHES = (["yes", "no", "not_checked"], [80, 8, 12])
CHECKIN = (["visitors_scan", "staff_scan", "both", "none"], [35, 20, 30, 15])
# What inspectors type: words, prefixes of words, two words, a piece of a venue code.
QUERIES = ["son", "son ha", "cho", "truong", "xuan", "th", "nha van hoa", "tap hoa minh",
           "quan", "cua hang phuc", "pu", "an", "01-00"]  # fmt: skip
# PostgreSQL's memory settings as deploy/compose.yaml gives them (its defaults, 128 MB of
# cache, are meant for a laptop, not a national database).
PRODUCTION_POSTGRESQL = {"shared_buffers": "2GB", "effective_cache_size": "6GB",
                         "random_page_cost": "1.1", "work_mem": "16MB"}  # fmt: skip
TARGETS_MS = {"search": 20, "log": 150, "district report": 50, "province report": 200,
              "national month": 1000}  # fmt: skip


def scaled(scale: float) -> dict:
    """How many of each thing at this scale (at least one district per province)."""
    districts = max(len(PROVINCES), round(FULL["districts"] * scale))
    return {
        "districts": districts,
        "communes": max(2 * districts, round(FULL["communes"] * scale)),
        "venues": max(1000, round(FULL["venues"] * scale)),
        "inspections": max(5000, round(FULL["inspections"] * scale)),
        "citizen_reports": max(1000, round(FULL["citizen_reports"] * scale)),
    }


def picker(rng: random.Random, values_and_weights):
    """A fast weighted choice (random.choices recomputes its sums at every call)."""
    values, weights = values_and_weights
    cumulative = list(itertools.accumulate(weights))
    total = cumulative[-1]
    draw = rng.random
    return lambda: values[bisect.bisect(cumulative, draw() * total)]


@dataclass
class Built:
    """What the measurements need to know about the generated data."""

    counts: dict
    province_districts: dict = field(default_factory=dict)  # province id -> district ids
    district_communes: dict = field(default_factory=dict)  # district id -> commune ids
    venues_of_district: dict = field(default_factory=dict)  # a few venue ids per district
    inspector_of: dict = field(default_factory=dict)  # district id -> username
    supervisor_of: dict = field(default_factory=dict)  # district id -> username
    province_supervisor_of: dict = field(default_factory=dict)  # province id -> username
    national_supervisor: str | None = None  # when the checkout has a national scope
    report_day: date | None = None
    seconds: float = 0.0


# --- Generating the rows ------------------------------------------------------------------


def district_kind(did: int, province_kind: str) -> str:
    """Most districts of a city are quận, of a province huyện; some are thị xã or thành
    phố (by their id, so the random names stay as they were)."""
    if did % 13 == 0:
        return "thanh_pho"
    if did % 7 == 0:
        return "thi_xa"
    return "quan" if province_kind == "thanh_pho" and did % 4 else "huyen"


def unit_rows(counts: dict, rng: random.Random, built: Built):
    """Provinces, districts and communes, with Vietnamese names."""
    # The provinces in the list's order (their official order) and kind: the centrally run
    # cities are thành phố.
    provinces = [(pid, name, province_kind_of(name), pid) for pid, name in enumerate(PROVINCES, 1)]
    districts = []
    for did in range(1, counts["districts"] + 1):
        pid = (did - 1) % len(PROVINCES) + 1  # every province gets districts in turn
        name = f"{rng.choice(SYLLABLES)} {rng.choice(SYLLABLES)}"
        districts.append((did, f"{name} {did}", pid, district_kind(did, provinces[pid - 1][2])))
        built.province_districts.setdefault(pid, []).append(did)
    communes = []
    kind = picker(rng, COMMUNE_KINDS)
    for cid in range(1, counts["communes"] + 1):
        did = (cid - 1) % counts["districts"] + 1
        communes.append(
            (cid, f"{rng.choice(SYLLABLES)} {rng.choice(SYLLABLES)} {cid}", kind(), did)
        )
        built.district_communes.setdefault(did, []).append(cid)
    return provinces, districts, communes


def user_rows(counts: dict, built: Built, password_hash: str):
    """Per district a supervisor and inspectors; per province a province supervisor."""
    rows = []

    def add(username, role, district_id, scope="district"):
        rows.append(
            (len(rows) + 1, username, username.title(), password_hash, role, district_id,
             scope, None, "vi", True, 1, False)
        )  # fmt: skip
        return rows[-1][0]

    for did in range(1, counts["districts"] + 1):
        built.supervisor_of[did] = f"supervisor{did}"
        add(f"supervisor{did}", "supervisor", did)
        built.inspector_of[did] = f"inspector{did}_0"
        for n in range(INSPECTORS_PER_DISTRICT):
            add(f"inspector{did}_{n}", "inspector", did)
    for pid, district_ids in built.province_districts.items():
        built.province_supervisor_of[pid] = f"province{pid}"
        add(f"province{pid}", "supervisor", district_ids[0], scope="province")
    country = getattr(Scope, "COUNTRY", None)  # a national supervisor, where the app has one
    if country is not None:
        built.national_supervisor = "nation"
        add("nation", "supervisor", 1, scope=country.value)
    return rows


USER_COLUMNS = ("id", "username", "display_name", "password_hash", "role", "district_id",
                "scope", "commune_id", "locale", "is_enabled", "session_version",
                "must_change_password")  # fmt: skip
VENUE_COLUMNS = ("id", "code", "name", "venue_type", "address", "commune_id", "latitude",
                 "longitude", "contact_name", "contact_phone", "qr_payload", "is_active",
                 "search_key", "last_outcome", "last_inspected_at", "reinspection_due",
                 "created_at", "created_by_id")  # fmt: skip
INSPECTION_COLUMNS = ("id", "uuid", "content_hash", "venue_id", "inspector_id", "device_time",
                      "server_time", "latitude", "longitude", "gps_accuracy_m",
                      "gps_distance_m", "gps_warnings", "qr_posted", "qr_size_ok",
                      "qr_matches", "checkin_method", "staff_assigned", "staff_name",
                      "staff_phone", "visitors_observed", "visitors_scanned",
                      "venue_scan_count", "staff_total", "staff_with_app", "paper_fallback",
                      "risk_assessment_done", "actions", "reinspection_due", "notes",
                      "scanned_payload", "scan_verdict", "review_state", "reviewed_by_id",
                      "reviewed_at", "review_comment", "updated_at", "outcome",
                      "outcome_reasons")  # fmt: skip
FIGURE_COLUMNS = ("id", "commune_id", "report_date", "venues_with_qr", "scans", "installs",
                  "smartphones", "source", "entered_by_id", "entered_at")  # fmt: skip
CITIZEN_REPORT_COLUMNS = ("id", "tracking_code", "commune_id", "place", "problem", "details",
                          "photo_path", "contact_phone", "channel", "also_reported", "state",
                          "received_at", "due_date", "public_answer", "reject_reason",
                          "closed_at", "updated_at")  # fmt: skip


def inspection_plan(counts: dict, start: datetime, span_s: float, seed: int):
    """Each inspection's venue, time and outcome, from their own random stream: walked once
    for the venues' latest status, once more to write the inspections."""
    rng = random.Random(seed)
    outcome = picker(rng, OUTCOMES)
    n, venues = counts["inspections"], counts["venues"]
    for iid in range(1, n + 1):
        vid = rng.randint(1, venues)
        yield iid, vid, start + timedelta(seconds=span_s * (iid - rng.random()) / n), outcome()


def venue_rows(counts, communes, latest, created, rng):
    """The venues, each with its newest inspection's status (as the app keeps it)."""
    commune_of = [None] + [rng.choice(communes) for _ in range(counts["venues"])]
    venue_type = picker(rng, (VENUE_TYPES, TYPE_WEIGHTS))
    for vid in range(1, counts["venues"] + 1):
        cid, commune_name, kind, did = commune_of[vid]
        name = f"{rng.choice(VENUE_WORDS)} {rng.choice(SYLLABLES)} {rng.choice(SYLLABLES)}"
        code = f"{did:03d}-{vid:07d}"
        address = (
            f"{rng.choice(STREETS)} {rng.choice(SYLLABLES)}, {COMMUNE_PREFIX[kind]} {commune_name}"
        )
        has_position = rng.random() < 0.85
        last = latest.get(vid)
        yield (
            vid, code, name, venue_type(), address, cid,
            8.5 + (did % 60) * 0.25 + rng.random() * 0.2 if has_position else None,
            102.5 + (cid % 40) * 0.1 + rng.random() * 0.1 if has_position else None,
            "", "", f"https://qr.example/{code}", rng.random() < 0.97,
            search_text(" ".join([name, code, address])),
            last[1] if last else None, last[0] if last else None,
            (last[0] + timedelta(days=14)).date() if last and last[1] == "non_compliant" else None,
            created, None,
        )  # fmt: skip


def inspection_rows(counts, plan, district_of_venue, users_of, now, rng):
    """The inspections, in time order (ids grow with server_time, as findings arrive)."""
    qr_posted, qr_matches, checkin = (
        picker(rng, QR_POSTED),
        picker(rng, QR_MATCHES),
        picker(rng, CHECKIN),
    )
    draw = rng.random
    for iid, vid, server_time, outcome in plan:
        did = district_of_venue[vid]
        supervisor, inspectors = users_of[did]
        r = draw()
        if (now - server_time).days > 14:
            review = "approved" if r < 0.9 else ("returned" if r < 0.93 else "pending")
        else:
            review = "pending" if r < 0.6 else ("approved" if r < 0.95 else "returned")
        reviewed = review != "pending"
        observed = int(draw() * 30)
        yield (
            iid, str(uuid.UUID(int=rng.getrandbits(128), version=4)), "", vid,
            inspectors[iid % len(inspectors)] if r > 0.05 else supervisor,
            server_time - timedelta(seconds=int(draw() * 3600)), server_time,
            None, None, None, None, "", qr_posted(), draw() < 0.9, qr_matches(), checkin(),
            draw() < 0.7, "", "", observed, int(draw() * (observed + 1)), int(draw() * 500),
            1 + int(draw() * 20), int(draw() * 5), draw() < 0.3, None,
            "reminder" if outcome != "compliant" and draw() < 0.7 else "",
            (server_time + timedelta(days=14)).date() if outcome == "non_compliant" else None,
            "", "", "", review, supervisor if reviewed else None,
            server_time + timedelta(hours=2 + int(draw() * 90)) if reviewed else None,
            "", None, outcome, "",
        )  # fmt: skip


def figure_rows(communes, report_days, now, rng):
    """The national figures of every commune for each report date, growing week by week."""
    fid = 0
    for cid, _name, _kind, _did in communes:
        venues_with_qr, scans = rng.randint(50, 400), rng.randint(500, 20_000)
        installs, smartphones = rng.randint(100, 900), rng.randint(1_000, 3_000)
        for day in report_days:
            fid += 1
            venues_with_qr += rng.randint(0, 8)
            scans += rng.randint(0, 5_000)
            installs = min(smartphones, installs + rng.randint(0, 40))
            yield (fid, cid, day, venues_with_qr, scans, installs, smartphones, "bench", None, now)


def due_dates(start: datetime, now: datetime) -> dict[date, date]:
    """Each received day's due date by the app's own rule (read before the build writes)."""
    days = (clock.vietnam_date(now) - clock.vietnam_date(start)).days + 1
    return {
        clock.vietnam_date(start) + timedelta(days=n): due_date_for(start + timedelta(days=n))
        for n in range(days + 1)
    }


def citizen_report_rows(counts, communes, start, span_s, now, due_of, rng):
    """Citizens' reports over the year: most answered within nine days (some late), a few
    still open."""
    for rid in range(1, counts["citizen_reports"] + 1):
        received = start + timedelta(seconds=rng.random() * span_s)
        day = clock.vietnam_date(received)
        closed = received + timedelta(hours=rng.randint(2, 24 * 9))
        if closed > now or rng.random() < 0.03:
            state, closed = rng.choice(("new", "checking", "ready")), None
        else:
            state = "rejected" if rng.random() < 0.1 else "resolved"
        yield (
            rid, f"B{rid:09d}", rng.choice(communes)[0], "", rng.choice(PROBLEMS), "", "", "",
            "web", rng.choice((0, 0, 0, 1, 2)), state, received, due_of[day], "", "", closed,
            closed or received,
        )  # fmt: skip


def chunks(rows, size=CHUNK):
    """Lists of at most `size` items from an iterable."""
    iterator = iter(rows)
    while batch := list(itertools.islice(iterator, size)):
        yield batch


def insert_rows(connection, table, columns, rows) -> int:
    """Insert tuples with executemany on the Core connection, a chunk at a time (SQLite).

    The driver's executemany with tuples: SQLAlchemy's own per-row work (a dict per row,
    each value through its type) took longer than the insert. Dates and times are written
    as SQLAlchemy writes them on SQLite (ISO text, a moment with its microseconds)."""
    moments = [i for i, name in enumerate(columns) if isinstance(table.c[name].type, DateTime)]
    days = [
        i
        for i, name in enumerate(columns)
        if isinstance(table.c[name].type, Date) and not isinstance(table.c[name].type, DateTime)
    ]
    names = ", ".join(columns)
    statement = f"INSERT INTO {table.name} ({names}) VALUES ({', '.join('?' * len(columns))})"

    def as_stored(row):
        if not moments and not days:
            return row
        row = list(row)
        for i in moments:
            if row[i] is not None:
                row[i] = row[i].isoformat(" ", "microseconds")
        for i in days:
            if row[i] is not None:
                row[i] = row[i].isoformat()
        return tuple(row)

    count = 0
    for batch in chunks(rows):
        connection.exec_driver_sql(statement, [as_stored(row) for row in batch])
        count += len(batch)
    return count


def copy_rows(connection, table, columns, rows) -> int:
    """PostgreSQL only: rows sent with COPY (psycopg 3's `cursor.copy()`), many times faster
    than INSERT; SQLite goes through `insert_rows`. The one engine-specific place of the
    build, with `finish_build`."""
    raw = connection.connection.driver_connection  # the psycopg connection
    count = 0
    statement = f"COPY {table.name} ({', '.join(columns)}) FROM STDIN"
    with raw.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(row)
            count += 1
    return count


def finish_build(connection, dialect: str, tables) -> None:
    """After the rows: planner statistics on both engines; on PostgreSQL also the id
    sequences, moved past the ids written (the outbox's findings then get new ones)."""
    if dialect == "postgresql":
        for table in tables:
            connection.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                    f"(SELECT coalesce(max(id), 0) + 1 FROM {table.name}), false)"
                )
            )
    connection.execute(text("ANALYZE"))


def build(app, counts: dict, now: datetime, seed: int = 1) -> Built:
    """Fill the migrated, empty database; timed."""
    started = time.perf_counter()
    rng = random.Random(seed)
    built = Built(counts=counts)
    provinces, districts, communes = unit_rows(counts, rng, built)
    password_hash = generate_password_hash(PASSWORD, method=app.config["PASSWORD_HASH_METHOD"])
    users = user_rows(counts, built, password_hash)
    user_id = {row[1]: row[0] for row in users}
    users_of = {
        did: (
            user_id[built.supervisor_of[did]],
            [user_id[f"inspector{did}_{n}"] for n in range(INSPECTORS_PER_DISTRICT)],
        )
        for did in built.district_communes
    }
    start, span = now - timedelta(days=365), timedelta(days=365).total_seconds()

    # First walk of the plan: each venue's newest inspection.
    latest = {}
    for _iid, vid, server_time, outcome in inspection_plan(counts, start, span, seed):
        latest[vid] = (server_time, outcome)
    report_day = clock.vietnam_date(now)
    report_day -= timedelta(days=(report_day.weekday() - 4) % 7)  # the last Friday
    report_days = [report_day - timedelta(weeks=w) for w in range(REPORT_DATES - 1, -1, -1)]
    built.report_day = report_day

    venues = list(venue_rows(counts, communes, latest, start - timedelta(days=30), rng))
    district_of_commune = {c[0]: c[3] for c in communes}
    district_of_venue = [0] * (counts["venues"] + 1)
    for row in venues:
        did = district_of_commune[row[5]]
        district_of_venue[row[0]] = did
        if row[11]:  # active: the outbox's findings go to these
            built.venues_of_district.setdefault(did, [])
            if len(built.venues_of_district[did]) < 200:
                built.venues_of_district[did].append(row[0])

    due_of = due_dates(start, now)
    with db.engine.begin() as connection:
        dialect = connection.dialect.name
        if dialect == "sqlite":
            # Nothing to recover if the build dies: it is made again.
            connection.exec_driver_sql("PRAGMA journal_mode=OFF")
            connection.exec_driver_sql("PRAGMA synchronous=OFF")
            write = insert_rows
        else:
            write = copy_rows
        tables = [
            (Province.__table__, ("id", "name", "kind", "sheet_order"), provinces),
            (District.__table__, ("id", "name", "province_id", "kind"), districts),
            (Commune.__table__, ("id", "name", "kind", "district_id"), communes),
            (User.__table__, USER_COLUMNS, users),
            (Venue.__table__, VENUE_COLUMNS, venues),
            (
                Inspection.__table__,
                INSPECTION_COLUMNS,
                inspection_rows(
                    counts,
                    inspection_plan(counts, start, span, seed),
                    district_of_venue,
                    users_of,
                    now,
                    random.Random(seed + 1),
                ),
            ),
            (
                CommuneFigures.__table__,
                FIGURE_COLUMNS,
                figure_rows(communes, report_days, now, rng),
            ),
            (
                CitizenReport.__table__,
                CITIZEN_REPORT_COLUMNS,
                citizen_report_rows(
                    counts, communes, start, span, now, due_of, random.Random(seed + 2)
                ),
            ),
        ]
        # The search index is rebuilt whole afterwards (rebuild_derived).
        with bulk_load(connection):
            for table, columns, rows in tables:
                table_started = time.perf_counter()
                written = write(connection, table, columns, rows)
                seconds = time.perf_counter() - table_started
                print(f"    {table.name:16} {written:>10,} rows  {seconds:6.1f} s", flush=True)
        del venues
        finish_build(connection, dialect, [t[0] for t in tables])
    db.engine.dispose()  # the next connections have SQLite's journal and syncs back
    built.seconds = time.perf_counter() - started
    return built


def optional(module: str, name: str):
    """A function another part of issue 13 adds (the search index, the rollups, the national
    report), or None in a checkout that does not have it yet."""
    try:
        return getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError):
        return None


def rebuild_derived() -> list[str]:
    """Rebuild the search index and the rollups when this checkout has them."""
    notes = []
    for module, name in (
        ("fieldapp.venues.search_index", "rebuild_search_index"),
        ("fieldapp.reports.rollups", "rebuild_rollups"),
    ):
        rebuild = optional(module, name)
        if rebuild is None:
            notes.append(f"{module}.{name}: not available in this checkout")
            continue
        started = time.perf_counter()
        rebuild()
        db.session.commit()
        notes.append(f"{module}.{name}: {time.perf_counter() - started:.1f} s")
    notes.append(settle())
    return notes


def settle() -> str:
    """The database as it is once it has run for a while: planner statistics of every table
    (the rebuilt ones too) and, on PostgreSQL, the visibility map autovacuum keeps (after
    a bulk COPY no page is marked all-visible, so an index-only scan still reads the
    table's pages)."""
    started = time.perf_counter()
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE"))
        done = "VACUUM ANALYZE"
    else:
        db.session.execute(text("ANALYZE"))
        db.session.commit()
        done = "ANALYZE"
    return f"{done}: {time.perf_counter() - started:.1f} s"


# --- Measuring -----------------------------------------------------------------------------


@dataclass
class Figure:
    name: str
    measured: str
    target: str = ""
    within: bool | None = None
    note: str = ""


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def timings(run, repeat: int) -> list[float]:
    """Milliseconds of `repeat` runs after a warm-up, each with a fresh session."""
    db.session.expunge_all()
    run()
    times = []
    for _ in range(repeat):
        db.session.expunge_all()  # each run loads its rows afresh, as a request would
        started = time.perf_counter()
        run()
        times.append((time.perf_counter() - started) * 1000)
    return times


def ms_figure(name: str, times: list[float], target_ms: float | None, note="") -> Figure:
    p50, p95 = percentile(times, 0.5), percentile(times, 0.95)
    return Figure(
        name,
        f"p50 {p50:.1f} ms, p95 {p95:.1f} ms",
        f"p95 ≤ {target_ms:g} ms" if target_ms else "",
        p95 <= target_ms if target_ms else None,
        note,
    )


def log_in(client, username: str) -> None:
    """Log in through the real form (the bench's app has CSRF checks off)."""
    client.post("/logout")
    response = client.post("/login", data={"username": username, "password": PASSWORD})
    if response.status_code != 303:
        raise RuntimeError(f"log-in of {username} refused: {response.status_code}")


def measure_in_process(app, built: Built, repeat: int) -> list[Figure]:
    """Search, log and reports, timed in this process."""
    figures = []
    did = 1
    pid = db.session.get(District, did).province_id
    scopes = [
        ("district", [did], built.inspector_of[did]),
        ("province", built.province_districts[pid], built.province_supervisor_of[pid]),
        ("nation", sorted(built.district_communes), None),
    ]
    for scope, district_ids, _username in scopes:
        n_venues = db.session.scalar(
            select(db.func.count())
            .select_from(Venue)
            .join(Venue.commune)
            .where(Commune.district_id.in_(district_ids))
        )
        times = []
        runs = repeat if scope != "nation" else max(3, repeat // 4)  # seconds each, unindexed
        for query in QUERIES:
            times += timings(lambda q=query, ids=district_ids: search_venues(ids, q), runs)
        figures.append(
            ms_figure(
                f"search, database time, {scope} ({n_venues:,} venues)",
                times,
                TARGETS_MS["search"],
            )
        )

    # The map's data (fieldapp/map/points.py): counts per cell of a grid for a whole area
    # holding more than MAP_MARKER_MAX venues (a large district, a province, the nation),
    # and each venue of a zoomed box.
    marker_max = app.config["MAP_MARKER_MAX"]
    for scope, district_ids, _username in scopes:
        runs = repeat if scope != "nation" else max(3, repeat // 4)
        figures.append(
            ms_figure(
                f"map data, whole area, {scope}",
                timings(lambda ids=district_ids: map_points(ids, None, marker_max), runs),
                None,
            )
        )
    every = sorted(built.district_communes)
    zoomed = Box(20.0, 105.0, 20.05, 105.05)
    figures.append(
        ms_figure(
            "map data, a zoomed box (0.05 degree), nation",
            timings(lambda: map_points(every, zoomed, marker_max), repeat),
            None,
        )
    )

    # Venues to escalate (found non-compliant again and again), as the office's page asks.
    threshold = app.config["ESCALATION_THRESHOLD"]
    for scope, district_ids, _username in scopes:
        runs = repeat if scope != "nation" else max(3, repeat // 4)
        listed: list[int] = []

        def escalations(ids=district_ids, listed=listed):
            listed.append(venues_to_escalate(ids, threshold, limit=ESCALATIONS_LISTED).total)

        figures.append(
            ms_figure(
                f"escalations, {scope}",
                timings(escalations, runs),
                None,  # no target set: shown beside the log's
                note=f"{listed[-1]:,} venues listed",
            )
        )

    supervisor = built.province_supervisor_of[pid]

    def log(**filters):
        def run():
            user = db.session.scalar(select(User).where(User.username == supervisor))
            return inspection_log(user, LogFilter(**filters))

        return run

    month_ago = built.report_day - timedelta(days=30)
    figures.append(
        ms_figure("log, first page, province supervisor", timings(log(), repeat), TARGETS_MS["log"])
    )
    figures.append(
        ms_figure(
            "log, filtered (30 days, non-compliant, pending), province",
            timings(
                log(date_from=month_ago, outcome="non_compliant", review_state="pending"), repeat
            ),
            TARGETS_MS["log"],
        )
    )

    day = built.report_day
    report_repeat = max(3, repeat // 4)
    figures.append(
        ms_figure(
            "weekly report, one district",
            timings(
                lambda: weekly.district_report(db.session.get(District, did), day), report_repeat
            ),
            TARGETS_MS["district report"],
        )
    )
    figures.append(
        ms_figure(
            f"weekly report, one province ({len(built.province_districts[pid])} districts)",
            timings(
                lambda: weekly.province_report(db.session.get(Province, pid), day), report_repeat
            ),
            TARGETS_MS["province report"],
        )
    )
    figures += national_month(day)
    return figures


def measure_requests(app, built: Built, repeat: int) -> list[Figure]:
    """The search fragment as a whole request (test client, HX-Request), outside any app
    context: each request has its own, as under a server."""
    figures = []
    client = app.test_client()
    with app.app_context():
        pid = db.session.get(District, 1).province_id
    scopes = [("district", built.inspector_of[1]), ("province", built.province_supervisor_of[pid])]
    if built.national_supervisor:
        scopes.append(("nation", built.national_supervisor))
    for scope, username in scopes:
        log_in(client, username)
        times = []
        for query in QUERIES:
            client.get(f"/venues?q={query}", headers={"HX-Request": "true"})  # warm-up
            for _ in range(repeat):
                started = time.perf_counter()
                response = client.get(f"/venues?q={query}", headers={"HX-Request": "true"})
                times.append((time.perf_counter() - started) * 1000)
                if response.status_code != 200:
                    raise RuntimeError(f"search fragment answered {response.status_code}")
        figures.append(ms_figure(f"search fragment, whole request, {scope}", times, None))
    if not built.national_supervisor:
        figures.append(
            Figure("search fragment, whole request, nation", "n/a", note="no national scope")
        )
    return figures


def national_month(day: date) -> list[Figure]:
    """The nation over a month: the national report of the checkout when it has one; before
    it, the weekly report's code over every district, labelled as such."""
    national = optional("fieldapp.reports.weekly", "national_report")
    national_month = optional("fieldapp.reports.weekly", "national_month_report")
    figures = []
    month_start = day.replace(day=1)
    if national is None:
        figures.append(
            Figure("national report (weekly.national_report)", "not available in this checkout")
        )
    else:
        figures.append(
            ms_figure(
                "national report for a report date (weekly.national_report)",
                timings(lambda: national(day), 3),
                TARGETS_MS["national month"],
            )
        )
    if national_month is None:
        figures.append(
            Figure(
                "national month (weekly.national_month_report)", "not available in this checkout"
            )
        )
    else:
        figures.append(
            ms_figure(
                "the nation for a month (weekly.national_month_report)",
                timings(lambda: national_month(month_start), 3),
                TARGETS_MS["national month"],
            )
        )
    districts = list(db.session.scalars(select(District)))
    commune_ids = list(db.session.scalars(select(Commune.id)))
    month_end = (month_start + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    figures.append(
        ms_figure(
            "nation, month's findings per commune (findings_by_commune, from the rollup)",
            timings(lambda: weekly.findings_by_commune(commune_ids, month_start, month_end), 3),
            TARGETS_MS["national month"],
            note="part of the national month above",
        )
    )
    week_start = day - timedelta(days=6)
    figures.append(
        ms_figure(
            "nation, week's citizens' reports per commune (counts_by_commune)",
            timings(
                lambda: counts_by_commune(weekly.Area.country().commune_ids(), week_start, day), 3
            ),
            TARGETS_MS["national month"],
            note="part of the national report above",
        )
    )
    figures.append(
        ms_figure(
            f"nation, weekly report over all {len(districts)} districts (build_report)",
            timings(
                lambda: weekly.build_report(
                    list(db.session.scalars(select(District))), day, "province"
                ),
                1,
            ),
            None,
            note="the per-district report code run nationally",
        )
    )
    return figures


# --- Requests per second under gunicorn ----------------------------------------------------

OUTBOX_BOUNDARY = "fieldappbenchboundary"


def outbox_body(venue_id_marker="@@UUID@@") -> bytes:
    """A finding as the phone's outbox posts it (multipart, a small photo); @@UUID@@ is
    replaced per request, so each post is a new finding."""
    import io

    from PIL import Image

    photo = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(photo, "JPEG")
    fields = {
        "uuid": venue_id_marker,
        "device_time": clock.utcnow().strftime("%Y-%m-%dT%H:%M:%S+00:00"),
        **COMPLIANT_ANSWERS,
    }
    head = f"--{OUTBOX_BOUNDARY}\r\nContent-Disposition: form-data; name="
    parts = [f'{head}"{name}"\r\n\r\n{value}\r\n'.encode() for name, value in fields.items()]
    parts.append(
        f'--{OUTBOX_BOUNDARY}\r\nContent-Disposition: form-data; name="photos"; '
        'filename="poster.jpg"\r\nContent-Type: image/jpeg\r\n\r\n'.encode()
        + photo.getvalue()
        + b"\r\n"
    )
    parts.append(f"--{OUTBOX_BOUNDARY}--\r\n".encode())
    return b"".join(parts)


WRK_OUTBOX = r"""
-- A new finding per request: a fresh UUID in the body, a venue of the inspector's district.
local body = io.open("@@BODY@@", "rb"):read("*a")
local venues = {@@VENUES@@}
local headers = {}
headers["Content-Type"] = "multipart/form-data; boundary=@@BOUNDARY@@"
headers["Accept"] = "application/json"
headers["X-CSRFToken"] = "@@TOKEN@@"
headers["Cookie"] = "@@COOKIE@@"
headers["User-Agent"] = "@@AGENT@@"
local counter = 0
local thread_id = 0
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("thread_id", threads)
end
function init(args)
  math.randomseed(os.time() * 100 + thread_id)
end
local function hex(n) return string.format("%04x", math.random(0, 65535)) end
request = function()
  counter = counter + 1
  local id = hex() .. hex() .. "-" .. hex() .. "-4" .. string.sub(hex(), 2) .. "-8"
    .. string.sub(hex(), 2) .. "-" .. hex() .. hex() .. string.format("%04x", counter % 65536)
  local venue = venues[math.random(1, #venues)]
  return wrk.format("POST", "/venues/" .. venue .. "/inspections", headers,
                    string.gsub(body, "@@UUID@@", id))
end
"""


@dataclass
class Session:
    cookie: str
    token: str


# Every request of the load names the same browser as its log-in, as a phone's do: another
# agent (wrk sends none) makes Flask-Login's session protection mark the session not fresh,
# so every answer would re-sign the session cookie, which a phone's requests never cause.
BENCH_AGENT = "Mozilla/5.0 (Linux; Android 11) fieldapp-bench"


def http_log_in(base: str, username: str) -> Session:
    """Log in over HTTP as a browser does; the session's cookie and CSRF token."""
    with httpx.Client(base_url=base, timeout=30, headers={"User-Agent": BENCH_AGENT}) as client:
        page = client.get("/login").text
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        response = client.post(
            "/login",
            data={"username": username, "password": PASSWORD, "csrf_token": token},
            headers={"Referer": f"{base}/login"},
        )
        if response.status_code != 303:
            raise RuntimeError(f"log-in of {username} over HTTP: {response.status_code}")
        token = client.get("/account/csrf-token", headers={"Accept": "application/json"}).json()[
            "csrf_token"
        ]
        cookie = "; ".join(f"{name}={value}" for name, value in client.cookies.items())
        return Session(cookie, token)


def wrk_rps(url: str, seconds: int, headers: dict, script: Path | None = None) -> tuple:
    """Requests per second and non-2xx/3xx answers of one wrk run."""
    command = ["wrk", "-t2", "-c16", f"-d{seconds}s", "--timeout", "10s"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    if script:
        command += ["-s", str(script)]
    output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    done = int(re.search(r"(\d+) requests in", output).group(1))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    errors = re.search(r"Socket errors: (.*)", output)
    return rps, int(bad.group(1)) if bad else 0, errors.group(1) if errors else "", done


async def httpx_rps(url: str, seconds: int, headers: dict, make_request=None) -> tuple:
    """Requests per second from 16 concurrent async clients (when wrk is not installed)."""
    done, bad = 0, 0
    deadline = time.monotonic() + seconds

    async def worker():
        nonlocal done, bad
        async with httpx.AsyncClient(headers=headers, timeout=10) as client:
            while time.monotonic() < deadline:
                response = await (make_request(client) if make_request else client.get(url))
                done += 1
                bad += not (200 <= response.status_code < 400)

    started = time.monotonic()
    await asyncio.gather(*(worker() for _ in range(16)))
    return done / (time.monotonic() - started), bad, "", done


def load(base: str, what: str, seconds: int, session: Session, built: Built, folder: Path):
    """One load run against one endpoint: (requests per second, bad answers, errors)."""
    htmx = {"HX-Request": "true"}
    # "floor": the lightest logged-in answer the app gives (a JSON token, no query beyond
    # the user's, no template): what any page costs before its own work.
    paths = {
        "hello": "/hello/",
        "floor": "/account/csrf-token",
        "search": "/venues?q=son+ha",
        "home": "/",
    }
    cookie = {"Cookie": session.cookie, "User-Agent": BENCH_AGENT}
    if shutil.which("wrk"):
        if what == "outbox":
            body = folder / "outbox-body"
            body.write_bytes(outbox_body())
            script = folder / "outbox.lua"
            script.write_text(
                WRK_OUTBOX.replace("@@BODY@@", str(body))
                .replace("@@VENUES@@", ", ".join(map(str, built.venues_of_district[1])))
                .replace("@@BOUNDARY@@", OUTBOX_BOUNDARY)
                .replace("@@TOKEN@@", session.token)
                .replace("@@COOKIE@@", session.cookie)
                .replace("@@AGENT@@", BENCH_AGENT)
            )
            return wrk_rps(base + "/", seconds, {}, script)
        headers = {"hello": {}, "floor": cookie, "search": {**cookie, **htmx}, "home": cookie}
        return wrk_rps(base + paths[what], seconds, headers[what])
    if what == "outbox":
        template = outbox_body()
        venues = built.venues_of_district[1]

        def post(client):
            return client.post(
                f"{base}/venues/{random.choice(venues)}/inspections",
                content=template.replace(b"@@UUID@@", str(uuid.uuid4()).encode()),
                headers={
                    "Content-Type": f"multipart/form-data; boundary={OUTBOX_BOUNDARY}",
                    "Accept": "application/json",
                    "X-CSRFToken": session.token,
                },
            )

        return asyncio.run(httpx_rps(None, seconds, cookie, post))
    headers = {"hello": {}, "floor": cookie, "search": {**cookie, **htmx}, "home": cookie}
    return asyncio.run(httpx_rps(base + paths[what], seconds, headers[what]))


def worker_cpu_seconds(master_pid: int) -> float:
    """CPU time (user + system) gunicorn's workers have used so far."""
    total = 0
    for pid in Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split():
        with contextlib.suppress(FileNotFoundError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime (after the name)
    return total / os.sysconf("SC_CLK_TCK")


def worker_rss_mb(master_pid: int) -> list[float]:
    """VmRSS of each of gunicorn's workers, in MB."""
    sizes = []
    children = Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split()
    for pid in children:
        with contextlib.suppress(FileNotFoundError):
            status = Path(f"/proc/{pid}/status").read_text()
            sizes.append(int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1)) / 1024)
    return sizes


def measure_load(database_url: str, built: Built, seconds: int, folder: Path) -> list[Figure]:
    """Requests per second of three endpoints and the bare route, per kind of worker."""
    figures = []
    env = {
        "FIELDAPP_ENV": "production",
        "SECRET_KEY": "bench-national-secret-key-not-for-production",
        "DATABASE_URL": database_url,
        "FIELDAPP_SESSION_COOKIE_SECURE": "false",  # plain HTTP on the loopback
        "FIELDAPP_UPLOAD_FOLDER": str(folder / "uploads"),
        "FIELDAPP_LOGIN_LIMITS_PER_ADDRESS": '"10000/hour"',
        "PYTHONPATH": str(ROOT),
    }
    kinds = [
        ("2 sync workers", ["-w", "2", "-k", "sync"], {}),
        (
            "2 gthread workers × 4 threads (deploy config)",
            # No worker replaced during the run (max_requests): its CPU time would be lost.
            ["-c", str(ROOT / "deploy" / "gunicorn.conf.py"), "--max-requests", "0"],
            {"GUNICORN_WORKERS": "2"},
        ),
    ]
    tool = "wrk -t2 -c16" if shutil.which("wrk") else "httpx, 16 async clients"
    for label, options, extra in kinds:
        port = free_port()
        command = [str(ROOT / ".venv" / "bin" / "gunicorn"), *options, "-b", f"127.0.0.1:{port}"]
        command.append("bench.hello_wsgi:application")
        log = folder / f"gunicorn-{port}.log"
        with running(
            command, log, ROOT, env={**env, **extra, "GUNICORN_BIND": f"127.0.0.1:{port}"}
        ) as server:
            wait_for_port(port, server, log)
            base = f"http://127.0.0.1:{port}"
            session = http_log_in(base, built.inspector_of[1])
            results, cpu_ms = {}, {}
            for what in ("hello", "floor", "search", "home", "outbox"):
                cpu_before = worker_cpu_seconds(server.pid)
                results[what] = load(base, what, seconds, session, built, folder)
                done = max(results[what][3], 1)
                cpu_ms[what] = (worker_cpu_seconds(server.pid) - cpu_before) * 1000 / done
            hello = results["hello"][0]
            for what, (rps, bad, errors, _done) in results.items():
                ratio = rps / hello if hello else 0
                target = {"search": 0.16, "home": 0.08}.get(what)
                problems = ", ".join(p for p in (f"{bad} non-2xx/3xx" if bad else "", errors) if p)
                figures.append(
                    Figure(
                        f"rps, {what}, {label}",
                        f"{rps:,.0f}/s" + (f" = {ratio:.3f} of hello" if what != "hello" else ""),
                        f"≥ {target:g} of hello" if target else "",
                        ratio >= target if target else None,
                        problems + f" ({tool}, {seconds} s)",
                    )
                )
            # The workers' own CPU time per request: unlike requests per second, it holds
            # when other work shares the machine's cores.
            for what, ms in cpu_ms.items():
                ratio = cpu_ms["hello"] / ms if ms else 0
                target = {"search": 0.16, "home": 0.08}.get(what)
                figures.append(
                    Figure(
                        f"worker CPU per request, {what}, {label}",
                        f"{ms:.2f} ms"
                        + (f": {ratio:.3f} of hello's rate" if what != "hello" else ""),
                        f"≥ {target:g} of hello's" if target else "",
                        ratio >= target if target else None,
                    )
                )
            rss = worker_rss_mb(server.pid)
            figures.append(
                Figure(
                    f"memory of one worker after the load, {label}",
                    " / ".join(f"{mb:.0f} MB" for mb in rss) + " VmRSS",
                )
            )
    return figures


# --- The run -------------------------------------------------------------------------------


def print_table(title: str, figures: list[Figure]) -> None:
    print(f"\n{title}")
    width = max(len(f.name) for f in figures)
    print(f"  {'figure':{width}}  {'measured':32}  {'target':20}  within")
    for f in figures:
        within = "" if f.within is None else ("yes" if f.within else "NO")
        print(f"  {f.name:{width}}  {f.measured:32}  {f.target:20}  {within:6}  {f.note}")


def run_engine(engine: str, url: str, folder: Path, args, counts: dict) -> None:
    """Build, then measure, on one database."""
    now = clock.utcnow().replace(microsecond=0)
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "UPLOAD_FOLDER": str(folder / "uploads"),
            "WTF_CSRF_ENABLED": False,  # the test client logs in without a form's token
            "SECRET_KEY": "bench-national-secret-key-not-for-production",
        }
    )
    with app.app_context():
        upgrade()
        print(f"\n== {engine}: building {', '.join(f'{n:,} {k}' for k, n in counts.items())}")
        built = build(app, counts, now)
        print(f"  built in {built.seconds / 60:.1f} min")
        for note in rebuild_derived():
            print(f"  {note}")
        if engine == "sqlite":
            size = Path(url.removeprefix("sqlite:///")).stat().st_size
            print(f"  database file {size / 1024**3:.2f} GiB")
        disk = subprocess.run(["df", "-h", str(folder)], capture_output=True, text=True).stdout
        print("  " + disk.strip().splitlines()[-1])
        figures = measure_in_process(app, built, args.repeat)
        db.session.remove()
    figures += measure_requests(app, built, args.repeat)
    with app.app_context():
        db.engine.dispose()
    print_table(f"{engine}, in-process ({args.repeat} runs per query after a warm-up)", figures)
    if not args.no_load:
        figures = measure_load(url, built, args.seconds, folder)
        print_table(f"{engine}, under gunicorn", figures)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--engine", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--scale", type=float, default=1.0, help="share of the full size")
    parser.add_argument("--repeat", type=int, default=20, help="runs per query")
    parser.add_argument("--seconds", type=int, default=10, help="seconds of load per endpoint")
    parser.add_argument("--no-load", action="store_true", help="skip the gunicorn part")
    args = parser.parse_args()
    counts = scaled(args.scale)
    cpu = next(
        (line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
         if line.startswith("model name")),
        "?",
    )  # fmt: skip
    print(f"national benchmark, scale {args.scale:g}; {os.cpu_count()} cores, {cpu}")
    engines = ["sqlite", "postgresql"] if args.engine == "both" else [args.engine]
    for engine in engines:
        with tempfile.TemporaryDirectory(prefix="fieldapp-national-") as tmp:
            folder = Path(tmp)
            if engine == "sqlite":
                run_engine(engine, f"sqlite:///{folder / 'national.db'}", folder, args, counts)
            else:
                with postgresql(**PRODUCTION_POSTGRESQL) as url:
                    run_engine(engine, url, folder, args, counts)


if __name__ == "__main__":
    main()
