"""Benchmark: the inspection log, the map and the weekly report at province scale
(prints figures, asserts nothing).

The log must stay fast at province scale: one province of 10 districts and 120 communes,
100,000 venues and 1,000,000 inspections over the last 10 weeks, on SQLite. Reports the
time for one page of the district's log (unfiltered, filtered, sorted by venue, deep
page) as a supervisor sees it, for the map's data of one district (~10,000 venues), and
for building the weekly report (national figures of two report dates joined with the
findings of the week) of one district and of the whole province. The reports read the
findings rollup (fieldapp/reports/rollups.py), rebuilt after the bulk insert (which bypasses
the ORM that keeps it); the raw recount the reports ran before is timed next to it.

Rows are inserted with SQLAlchemy Core in chunks of 50,000 (adding ORM objects one by
one is far too slow at this size); the schema comes from the migrations, as deployed.

Run: .venv/bin/python bench/log_scale.py [--venues 100000] [--inspections 1000000] [--repeat 5]
"""

import argparse
import random
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import upgrade
from sqlalchemy import bindparam, event, insert, select, text, update

from fieldapp import clock, create_app
from fieldapp.extensions import db
from fieldapp.map.points import map_points
from fieldapp.models import (
    VENUE_TYPES,
    Commune,
    CommuneFigures,
    District,
    Inspection,
    InspectionPhoto,
    Province,
    Role,
    User,
    Venue,
)
from fieldapp.reports.rollups import rebuild_rollups, recount_findings
from fieldapp.reports.weekly import district_report, findings_by_commune, province_report
from fieldapp.reviews.service import LogFilter, inspection_log
from fieldapp.text import search_text

CHUNK = 50_000
DISTRICTS = [
    "Quan Sơn",
    "Quan Hóa",
    "Mường Lát",
    "Bá Thước",
    "Lang Chánh",
    "Thường Xuân",
    "Như Xuân",
    "Ngọc Lặc",
    "Cẩm Thủy",
    "Thạch Thành",
]
COMMUNES_PER_DISTRICT = 12
INSPECTORS_PER_DISTRICT = 4
WEEKS = 10
PHOTO_SHARE = 0.2  # inspections with at least one photo
WORDS = [
    "Chợ",
    "Trường",
    "Cửa hàng",
    "Nhà văn hóa",
    "Trạm Y tế",
    "Công ty",
    "Nhà nghỉ",
    "Sơn",
    "Hà",
    "Lư",
    "Mường",
    "Xuân",
    "Thượng",
    "Tiến",
    "Điện",
    "Thủy",
    "Mèo",
    "Bản",
    "Hồng",
    "Phúc",
    "Đức",
    "Minh",
    "Tạp hóa",
    "Quán",
    "Na Hồ",
    "Pù Nhi",
]
# Commoner venue types first: shops and offices far outnumber football grounds.
TYPE_WEIGHTS = [5, 6, 4, 20, 4, 1, 2, 2, 3, 1, 1, 1, 1, 1, 3, 4, 2]
OUTCOMES = (["compliant", "needs_improvement", "non_compliant"], [60, 28, 12])
QR_POSTED = (["visible", "hidden", "damaged", "outdated", "missing"], [70, 8, 7, 5, 10])
QR_MATCHES = (["yes", "no", "not_checked"], [80, 8, 12])
CHECKIN = (["visitors_scan", "staff_scan", "both", "none"], [35, 20, 30, 15])
PASSWORD_HASH = "bench:not-a-password"  # nobody logs in; the services take a User


def chunks(rows, size=CHUNK):
    """Lists of at most `size` items from an iterable, to insert one at a time."""
    batch = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def insert_rows(model, rows) -> int:
    """Insert dicts into the model's table with Core executemany, a chunk at a time.

    insert(model.__table__), not insert(model): the ORM's bulk insert splits the rows
    into one statement per pattern of None values, which is one per row here.
    """
    count = 0
    for batch in chunks(rows):
        db.session.execute(insert(model.__table__), batch)
        count += len(batch)
    return count


def build(n_venues: int, n_inspections: int, now: datetime, seed: int = 1) -> dict:
    """Fill the (migrated, empty) database; returns what the measurements need."""
    rng = random.Random(seed)
    db.session.execute(insert(Province.__table__), [{"id": 1, "name": "Thanh Hóa"}])
    db.session.execute(
        insert(District.__table__),
        [{"id": d, "name": name, "province_id": 1} for d, name in enumerate(DISTRICTS, 1)],
    )
    communes = []  # (commune id, district id)
    for d in range(1, len(DISTRICTS) + 1):
        for _c in range(COMMUNES_PER_DISTRICT):
            communes.append((len(communes) + 1, d))
    db.session.execute(
        insert(Commune.__table__),
        [
            {
                "id": cid,
                "name": f"{rng.choice(WORDS)} {rng.choice(WORDS)} {cid}",
                "kind": "thi_tran" if cid % COMMUNES_PER_DISTRICT == 1 else "xa",
                "district_id": d,
            }
            for cid, d in communes
        ],
    )

    # Users: per district a supervisor and a few inspectors.
    users, inspectors_of, supervisor_of = [], {}, {}
    for d in range(1, len(DISTRICTS) + 1):
        supervisor_of[d] = len(users) + 1
        users.append(
            {
                "id": len(users) + 1,
                "username": f"supervisor{d}",
                "display_name": f"Giám sát {d}",
                "role": Role.SUPERVISOR.value,
                "district_id": d,
            }
        )
        inspectors_of[d] = []
        for n in range(INSPECTORS_PER_DISTRICT):
            inspectors_of[d].append(len(users) + 1)
            users.append(
                {
                    "id": len(users) + 1,
                    "username": f"inspector{d}_{n}",
                    "display_name": f"Cán bộ {d}.{n}",
                    "role": Role.INSPECTOR.value,
                    "district_id": d,
                }
            )
    db.session.execute(
        insert(User.__table__),
        [
            {
                **u,
                "password_hash": PASSWORD_HASH,
                "commune_id": None,
                "locale": "vi",
                "is_enabled": True,
            }
            for u in users
        ],
    )

    # Venues, spread over the communes; a position for most of them.
    venue_commune = [0] * (n_venues + 1)
    venue_district = [0] * (n_venues + 1)
    venue_pos = [None] * (n_venues + 1)
    venue_is_enterprise = [False] * (n_venues + 1)
    created = now - timedelta(weeks=WEEKS + 8)

    def venues():
        for vid in range(1, n_venues + 1):
            cid, d = rng.choice(communes)
            venue_commune[vid], venue_district[vid] = cid, d
            name = " ".join(rng.sample(WORDS, 3))
            code = f"TH-{d:02d}-{vid:06d}"
            address = f"Bản {rng.choice(WORDS)}, xã {cid}"
            venue_type = rng.choices(VENUE_TYPES, TYPE_WEIGHTS)[0]
            venue_is_enterprise[vid] = venue_type == "enterprise"
            if rng.random() < 0.85:
                venue_pos[vid] = (
                    19.5 + d * 0.1 + rng.random() * 0.1,
                    104.8 + (cid % COMMUNES_PER_DISTRICT) * 0.02 + rng.random() * 0.02,
                )
            lat, lon = venue_pos[vid] or (None, None)
            yield {
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
                "qr_payload": f"https://qr.example/{code}",
                "is_active": rng.random() < 0.97,
                "search_key": search_text(" ".join([name, code, address])),
                "last_outcome": None,
                "last_inspected_at": None,
                "reinspection_due": None,
                "created_at": created,
                "created_by_id": None,
            }

    insert_rows(Venue, venues())

    # Inspections over the last WEEKS weeks, in time order (ids grow with server_time,
    # as they do when findings arrive); each venue's newest one is kept for the venue.
    span = timedelta(weeks=WEEKS).total_seconds()
    start = now - timedelta(weeks=WEEKS)
    last = {}  # venue id -> (server_time, outcome, reinspection_due)
    photo_of = []  # (inspection id, uuid, number of photos)

    def inspections():
        for iid in range(1, n_inspections + 1):
            vid = rng.randint(1, n_venues)
            d = venue_district[vid]
            server_time = start + timedelta(seconds=span * (iid - rng.random()) / n_inspections)
            outcome = rng.choices(*OUTCOMES)[0]
            age_days = (now - server_time).days
            r = rng.random()
            if age_days > 14:
                review_state = "approved" if r < 0.9 else ("returned" if r < 0.93 else "pending")
            else:
                review_state = "pending" if r < 0.6 else ("approved" if r < 0.95 else "returned")
            reviewed = review_state != "pending"
            pos = venue_pos[vid]
            has_gps = pos is not None and rng.random() < 0.9
            distance = rng.expovariate(1 / 60) if has_gps else None
            observed = rng.randint(0, 30)
            reinspection_due = (
                (server_time + timedelta(days=14)).date() if outcome == "non_compliant" else None
            )
            the_uuid = str(uuid.UUID(int=rng.getrandbits(128), version=4))
            if rng.random() < PHOTO_SHARE:
                photo_of.append((iid, the_uuid, rng.choice((1, 1, 1, 2, 2, 3))))
            last[vid] = (server_time, outcome, reinspection_due)
            yield {
                "id": iid,
                "uuid": the_uuid,
                "content_hash": "",
                "venue_id": vid,
                "inspector_id": rng.choice(inspectors_of[d]) if r > 0.05 else supervisor_of[d],
                "device_time": server_time - timedelta(seconds=rng.randint(5, 3600)),
                "server_time": server_time,
                "latitude": pos[0] + rng.gauss(0, 0.0005) if has_gps else None,
                "longitude": pos[1] + rng.gauss(0, 0.0005) if has_gps else None,
                "gps_accuracy_m": rng.uniform(3, 80) if has_gps else None,
                "gps_distance_m": distance,
                "gps_warnings": "",
                "qr_posted": rng.choices(*QR_POSTED)[0],
                "qr_size_ok": rng.random() < 0.9,
                "qr_matches": rng.choices(*QR_MATCHES)[0],
                "checkin_method": rng.choices(*CHECKIN)[0],
                "staff_assigned": rng.random() < 0.7,
                "staff_name": "",
                "staff_phone": "",
                "visitors_observed": observed,
                "visitors_scanned": rng.randint(0, observed),
                "venue_scan_count": rng.randint(0, 500),
                "staff_total": rng.randint(1, 20),
                "staff_with_app": rng.randint(0, 5),
                "paper_fallback": rng.random() < 0.3,
                "risk_assessment_done": (rng.random() < 0.8) if venue_is_enterprise[vid] else None,
                "actions": "reminder" if outcome != "compliant" and rng.random() < 0.7 else "",
                "reinspection_due": reinspection_due,
                "notes": "",
                "scanned_payload": "",
                "scan_verdict": "",
                "review_state": review_state,
                "reviewed_by_id": supervisor_of[d] if reviewed else None,
                "reviewed_at": server_time + timedelta(hours=rng.randint(2, 96))
                if reviewed
                else None,
                "review_comment": "",
                "updated_at": None,
                "outcome": outcome,
                "outcome_reasons": "",
            }

    insert_rows(Inspection, inspections())

    def photos():
        pid = 0
        for iid, the_uuid, count in photo_of:
            for n in range(1, count + 1):
                pid += 1
                yield {
                    "id": pid,
                    "inspection_id": iid,
                    "path": f"{the_uuid}/{n}.jpg",
                    "width": 1600,
                    "height": 1200,
                    "size_bytes": rng.randint(150_000, 600_000),
                }

    n_photos = insert_rows(InspectionPhoto, photos())

    # The venue's denormalised status, from its newest inspection (Core executemany).
    venue = Venue.__table__
    set_status = (
        update(venue)
        .where(venue.c.id == bindparam("vid"))
        .values(
            last_outcome=bindparam("outcome"),
            last_inspected_at=bindparam("at"),
            reinspection_due=bindparam("due"),
        )
    )
    for batch in chunks(last.items()):
        db.session.execute(
            set_status,
            [
                {"vid": vid, "outcome": outcome, "at": at, "due": due}
                for vid, (at, outcome, due) in batch
            ],
        )
    db.session.commit()
    # The bulk insert bypassed the ORM, which keeps the findings rollup: count it all, as
    # `flask rollups-rebuild` does.
    start_rollup = time.perf_counter()
    cells = rebuild_rollups()
    db.session.commit()
    rollup_seconds = time.perf_counter() - start_rollup
    # As `flask seed-demo` and `flask import-venues` do after loading: planner statistics.
    db.session.execute(text("ANALYZE"))
    db.session.commit()
    return {
        "supervisor_of": supervisor_of,
        "communes": communes,
        "photos": n_photos,
        "photo_inspections": len(photo_of),
        "rollup_cells": cells,
        "rollup_seconds": rollup_seconds,
    }


def timed(run, repeat: int):
    """Median seconds of `repeat` runs after one warm-up, and the last result."""
    db.session.expunge_all()
    result = run()
    times = []
    for _ in range(repeat):
        db.session.expunge_all()  # every run loads its rows afresh, as a request would
        start = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def explain_plans(run) -> list[tuple[str, list[str]]]:
    """EXPLAIN QUERY PLAN of the statements `run` sends, as the app sends them.

    SQLite only: `EXPLAIN QUERY PLAN` and its (id, parent, notused, detail) rows are
    SQLite's; PostgreSQL would need EXPLAIN and prints something else.
    """
    statements = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        statements.append((statement, parameters))

    engine = db.engine
    event.listen(engine, "before_cursor_execute", capture)
    try:
        db.session.expunge_all()
        run()
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    plans = []
    raw = db.session.connection().connection.driver_connection  # the sqlite3 connection
    for statement, parameters in statements:
        if "inspection" not in statement:  # the supervisor's own row
            continue
        rows = raw.execute("EXPLAIN QUERY PLAN " + statement, parameters).fetchall()
        # Indent each step under its parent, as the sqlite3 shell does.
        depth = {0: -1}
        lines = []
        for node, parent, _notused, detail in rows:
            depth[node] = depth.get(parent, -1) + 1
            lines.append("  " * depth[node] + detail)
        plans.append((" ".join(statement.split())[:90], lines))
    return plans


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--venues", type=int, default=100_000)
    parser.add_argument("--inspections", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    now = clock.utcnow().replace(microsecond=0)
    with tempfile.TemporaryDirectory() as tmp:
        db_path = Path(tmp) / "bench.db"
        app = create_app(
            {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{db_path}", "UPLOAD_FOLDER": f"{tmp}/uploads"}
        )
        with app.app_context():
            upgrade()
            start = time.perf_counter()
            built = build(args.venues, args.inspections, now)
            build_seconds = time.perf_counter() - start
            print(f"inspection log and map at province scale, SQLite {sqlite3.sqlite_version}")
            print(
                f"  built in {build_seconds:.1f} s: {len(DISTRICTS)} districts, "
                f"{len(built['communes'])} communes, {args.venues:,} venues, "
                f"{args.inspections:,} inspections over {WEEKS} weeks, "
                f"{built['photos']:,} photos on {built['photo_inspections']:,} of them"
            )
            print(
                f"  findings rollup rebuilt in {built['rollup_seconds']:.1f} s: "
                f"{built['rollup_cells']:,} cells"
            )
            print(f"  database file {db_path.stat().st_size / 1024**2:.0f} MB")

            district_id = 1
            supervisor_id = built["supervisor_of"][district_id]
            commune_id = next(cid for cid, d in built["communes"] if d == district_id)
            week_from = (now - timedelta(weeks=3)).date()
            week_to = week_from + timedelta(days=6)
            n_venues = db.session.scalar(
                select(db.func.count())
                .select_from(Venue)
                .join(Venue.commune)
                .where(Commune.district_id == district_id)
            )

            def log(**filters):
                def run():
                    user = db.session.get(User, supervisor_id)
                    return inspection_log(user, LogFilter(**filters))

                return run

            cases = [
                ("log, first page, no filter", log()),
                (
                    "log, commune + non-compliant + pending",
                    log(commune_id=commune_id, outcome="non_compliant", review_state="pending"),
                ),
                (
                    f"log, week {week_from:%d/%m}–{week_to:%d/%m} + photos, by venue",
                    log(date_from=week_from, date_to=week_to, has_photos="yes", sort="venue"),
                ),
                ("log, page 50, no filter", log(page=50)),
                ("map, map_points(district)", lambda: map_points([district_id], None, 2000)),
            ]
            print(
                f"\n  district {district_id} ({n_venues:,} venues), as its supervisor; "
                f"page of 30; median of {args.repeat} runs after a warm-up"
            )
            print(f"  {'case':48} {'rows':>8} {'ms':>9}")
            for title, run in cases:
                seconds, result = timed(run, args.repeat)
                rows = len(result) if isinstance(result, list) else result.total
                print(f"  {title:48} {rows:8,d} {seconds * 1000:9.1f}")

            # The weekly report: figures for two Fridays, findings of the week before the last.
            report_day = clock.vietnam_date(now)
            report_day -= timedelta(days=(report_day.weekday() - 4) % 7)
            rng = random.Random(7)
            insert_rows(
                CommuneFigures,
                (
                    {
                        "commune_id": cid,
                        "report_date": day,
                        "venues_with_qr": rng.randint(300, 900),
                        "scans": rng.randint(1_000, 90_000),
                        "installs": rng.randint(100, 900),
                        "smartphones": rng.randint(1_000, 3_000),
                        "source": "bench",
                        "entered_by_id": None,
                        "entered_at": now,
                    }
                    for day in (report_day - timedelta(days=7), report_day)
                    for cid, _district in built["communes"]
                ),
            )
            db.session.commit()
            reports = [
                (
                    "weekly report, one district (12 communes)",
                    lambda: district_report(db.session.get(District, district_id), report_day),
                ),
                (
                    f"weekly report, the province ({len(DISTRICTS)} districts)",
                    lambda: province_report(db.session.get(Province, 1), report_day),
                ),
            ]
            print(
                f"\n  weekly report of {report_day:%d/%m/%Y} (findings from the rollup); "
                f"median of {args.repeat} runs"
            )
            print(f"  {'case':48} {'found':>8} {'ms':>9}")
            for title, run in reports:
                seconds, report = timed(run, args.repeat)
                print(
                    f"  {title:48} {report.total.findings.venues_inspected:8,d} "
                    f"{seconds * 1000:9.1f}"
                )
            # The findings alone, from the rollup and recounted from the raw rows (what the
            # reports did before), for the week that ends on the report date.
            week_end = report_day
            week_start = week_end - timedelta(days=6)
            district_communes = [cid for cid, d in built["communes"] if d == district_id]
            province_communes = [cid for cid, _d in built["communes"]]
            print(
                f"\n  findings of {week_start:%d/%m}–{week_end:%d/%m}, rollup against raw recount"
            )
            print(f"  {'case':48} {'found':>8} {'ms':>9}")
            for scope, ids in (("district", district_communes), ("province", province_communes)):
                for how, count in (
                    ("rollup", findings_by_commune),
                    ("raw recount", recount_findings),
                ):
                    seconds, found = timed(
                        lambda c=count, i=ids: c(i, week_start, week_end), args.repeat
                    )
                    total = sum(f.venues_inspected for f in found.values())
                    print(f"  {scope + ', ' + how:48} {total:8,d} {seconds * 1000:9.1f}")

            print(
                "\n  EXPLAIN QUERY PLAN (SQLite only), log filtered by commune + outcome "
                "+ review state:"
            )
            for statement, lines in explain_plans(cases[1][1]):
                print(f"\n    {statement}…")
                for line in lines:
                    print(f"      {line}")


if __name__ == "__main__":
    main()
